#include "webauthn/credential.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webauthn/b64url.h"
#include "webauthn/cose_cache.h"

wa_err wa_credential_set_public_key(wa_credential *cred, const uint8_t *cose, size_t len)
{
	return wa_credential_set_public_key_cached(cred, cose, len, NULL);
}

wa_err wa_credential_set_public_key_cached(wa_credential *cred, const uint8_t *cose, size_t len,
                                           wa_cose_cache *keys)
{
	wa_cose_key key;
	wa_err err = wa_cose_decode_cached(keys, cose, len, &key);

	if (err != WA_OK)
		return err;
	if ((err = wa_blob_set(&cred->public_key, cose, len)) != WA_OK) {
		wa_cose_key_reset(&key);
		return err;
	}
	wa_cose_key_reset(&cred->key);
	cred->key = key;
	return WA_OK;
}

void wa_credential_reset(wa_credential *cred)
{
	wa_blob_reset(&cred->id);
	wa_blob_reset(&cred->public_key);
	wa_blob_reset(&cred->user_handle);
	wa_cose_key_reset(&cred->key);
	for (size_t i = 0; i < cred->n_transports; i++)
		free(cred->transports[i]);
	memset(cred, 0, sizeof(*cred));
}

void wa_aaguid_format(const uint8_t aaguid[16], char out[37])
{
	size_t n = 0;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[n++] = '-';
		snprintf(out + n, 3, "%02x", aaguid[i]);
		n += 2;
	}
	out[n] = '\0';
}

static bool parse_aaguid(const char *s, uint8_t out[16])
{
	int n = 0;

	for (size_t i = 0; s[i] != '\0'; i++) {
		unsigned v;
		if (s[i] == '-')
			continue;
		if (n == 16 || sscanf(s + i, "%2x", &v) != 1 || s[i + 1] == '\0' || s[i + 1] == '-')
			return false;
		out[n++] = (uint8_t)v;
		i++;
	}
	return n == 16;
}

static bool set_b64(json_t *obj, const char *key, const wa_blob *b)
{
	char *s = wa_b64url_encode(b->ptr, b->len);
	bool ok = s != NULL && json_object_set_new(obj, key, json_string(s)) == 0;

	free(s);
	return ok;
}

json_t *wa_credential_to_json(const wa_credential *cred)
{
	json_t *obj = json_object(), *tr = json_array();
	char aaguid[37];

	wa_aaguid_format(cred->aaguid, aaguid);
	if (obj == NULL || tr == NULL)
		goto fail;
	for (size_t i = 0; i < cred->n_transports; i++)
		if (json_array_append_new(tr, json_string(cred->transports[i])))
			goto fail;
	if (!set_b64(obj, "id", &cred->id) || !set_b64(obj, "publicKey", &cred->public_key) ||
	    json_object_set_new(obj, "alg", json_integer(cred->key.alg)) ||
	    json_object_set_new(obj, "signCount", json_integer(cred->sign_count)) ||
	    json_object_set_new(obj, "uvInitialized", json_boolean(cred->uv_initialized)) ||
	    json_object_set_new(obj, "backupEligible", json_boolean(cred->backup_eligible)) ||
	    json_object_set_new(obj, "backupState", json_boolean(cred->backup_state)) ||
	    json_object_set_new(obj, "aaguid", json_string(aaguid)) ||
	    json_object_set_new(obj, "fmt", json_string(cred->fmt)) ||
	    json_object_set_new(obj, "attestationType",
	                        json_string(wa_att_type_name(cred->att_type))))
		goto fail;
	if (json_object_set_new(obj, "transports", tr)) {
		tr = NULL;
		goto fail;
	}
	tr = NULL;
	if (cred->user_handle.len && !set_b64(obj, "userHandle", &cred->user_handle))
		goto fail;
	return obj;
fail:
	json_decref(tr);
	json_decref(obj);
	return NULL;
}

static wa_err b64_field(const json_t *obj, const char *key, bool required, wa_blob *out)
{
	const json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return required ? WA_ERR_RECORD : WA_OK;
	if (!json_is_string(v) ||
	    wa_b64url_decode(json_string_value(v), json_string_length(v), out) != WA_OK)
		return WA_ERR_RECORD;
	return WA_OK;
}

static bool opt_bool(const json_t *obj, const char *key, bool *out)
{
	const json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return true;
	if (!json_is_boolean(v))
		return false;
	*out = json_is_true(v);
	return true;
}

static wa_err read_record(const json_t *obj, wa_credential *cred)
{
	wa_blob pk = {0};
	const json_t *v;
	wa_err err;

	if ((err = b64_field(obj, "id", true, &cred->id)) != WA_OK || cred->id.len == 0)
		return WA_ERR_RECORD;
	if ((err = b64_field(obj, "publicKey", true, &pk)) != WA_OK)
		return err;
	err = wa_credential_set_public_key(cred, pk.ptr, pk.len);
	wa_blob_reset(&pk);
	if (err != WA_OK)
		return err;
	if ((v = json_object_get(obj, "signCount")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > (json_int_t)UINT32_MAX)
			return WA_ERR_RECORD;
		cred->sign_count = (uint32_t)json_integer_value(v);
	}
	if (!opt_bool(obj, "uvInitialized", &cred->uv_initialized) ||
	    !opt_bool(obj, "backupEligible", &cred->backup_eligible) ||
	    !opt_bool(obj, "backupState", &cred->backup_state))
		return WA_ERR_RECORD;
	if ((v = json_object_get(obj, "aaguid")) != NULL &&
	    (!json_is_string(v) || !parse_aaguid(json_string_value(v), cred->aaguid)))
		return WA_ERR_RECORD;
	if ((v = json_object_get(obj, "fmt")) != NULL) {
		if (!json_is_string(v) || json_string_length(v) >= sizeof(cred->fmt))
			return WA_ERR_RECORD;
		memcpy(cred->fmt, json_string_value(v), json_string_length(v) + 1);
	}
	return b64_field(obj, "userHandle", false, &cred->user_handle);
}

wa_err wa_credential_from_json(const json_t *obj, wa_credential *cred)
{
	const json_t *inner = json_object_get(obj, "credential");
	wa_err err;

	memset(cred, 0, sizeof(*cred));
	if (json_is_object(inner))
		obj = inner;
	if (!json_is_object(obj))
		return WA_ERR_RECORD;
	if ((err = read_record(obj, cred)) != WA_OK)
		wa_credential_reset(cred);
	return err;
}
