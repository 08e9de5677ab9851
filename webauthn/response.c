#include "webauthn/response.h"

#include <stdlib.h>
#include <string.h>

#include "webauthn/b64url.h"
#include "webauthn/json_read.h"

/* A required base64url field given as text (NULL when absent); an empty one counts as missing. */
static wa_err b64_field(const char *value, wa_err missing, wa_err bad, wa_blob *out)
{
	wa_err err;

	if (value == NULL || value[0] == '\0')
		return missing;
	err = wa_b64url_decode(value, strlen(value), out);
	if (err == WA_ERR_NOMEM)
		return err;
	return err == WA_OK ? WA_OK : bad;
}

/* The same for a JSON member: null counts as missing, a non-string is bad. */
static wa_err b64_member(const json_t *obj, const char *key, wa_err missing, wa_err bad,
                         wa_blob *out)
{
	const json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v))
		return missing;
	if (!json_is_string(v))
		return bad;
	/* An embedded NUL would make the text form lie about the string. */
	if (strlen(json_string_value(v)) != json_string_length(v))
		return bad;
	return b64_field(json_string_value(v), missing, bad, out);
}

static wa_err parse_common(const json_t *obj, wa_blob *raw_id, const json_t **response)
{
	const json_t *type, *raw;
	wa_blob raw_bytes = {0};
	wa_err err;

	if (!json_is_object(obj))
		return WA_ERR_JSON_NOT_OBJECT;
	if ((err = b64_member(obj, "id", WA_ERR_RESP_ID_MISSING, WA_ERR_RESP_ID_TYPE, raw_id)) !=
	    WA_OK)
		return err;
	/* rawId is optional in the conformance profile; when present it must say the same. */
	if ((raw = json_object_get(obj, "rawId")) != NULL) {
		err = b64_member(obj, "rawId", WA_ERR_RESP_RAWID_MISSING, WA_ERR_RESP_RAWID_TYPE,
		                 &raw_bytes);
		if (err == WA_OK && !wa_blob_eq(raw_id, raw_bytes.ptr, raw_bytes.len))
			err = WA_ERR_RESP_ID_MISMATCH;
		wa_blob_reset(&raw_bytes);
		if (err != WA_OK)
			return err;
	}
	type = json_object_get(obj, "type");
	if (type == NULL)
		return WA_ERR_RESP_TYPE_MISSING;
	if (!json_is_string(type) || strcmp(json_string_value(type), "public-key") != 0)
		return WA_ERR_RESP_TYPE;
	*response = json_object_get(obj, "response");
	if (!json_is_object(*response))
		return WA_ERR_RESP_RESPONSE_MISSING;
	return WA_OK;
}

static json_t *load(const char *text, size_t len, wa_err *err)
{
	json_error_t jerr;
	json_t *root = wa_json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);

	*err = root == NULL ? WA_ERR_JSON_SYNTAX : WA_OK;
	return root;
}

static wa_err parse_transports(const json_t *response, wa_reg_response *out)
{
	const json_t *arr = json_object_get(response, "transports");
	size_t i;
	json_t *v;

	if (arr == NULL || json_is_null(arr))
		return WA_OK;
	if (!json_is_array(arr) || json_array_size(arr) > WA_TRANSPORTS_MAX)
		return WA_ERR_RESP_TRANSPORTS_TYPE;
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 32)
			return WA_ERR_RESP_TRANSPORTS_TYPE;
		if ((out->transports[out->n_transports] = strdup(json_string_value(v))) == NULL)
			return WA_ERR_NOMEM;
		out->n_transports++;
	}
	return WA_OK;
}

wa_err wa_reg_response_from_json(const json_t *obj, wa_reg_response *out)
{
	const json_t *response = NULL;
	wa_err err;

	memset(out, 0, sizeof(*out));
	if ((err = parse_common(obj, &out->raw_id, &response)) == WA_OK &&
	    (err = b64_member(response, "clientDataJSON", WA_ERR_RESP_CDATA_MISSING,
	                      WA_ERR_RESP_CDATA_TYPE, &out->client_data_json)) == WA_OK &&
	    (err = b64_member(response, "attestationObject", WA_ERR_RESP_ATTOBJ_MISSING,
	                      WA_ERR_RESP_ATTOBJ_TYPE, &out->attestation_object)) == WA_OK)
		err = parse_transports(response, out);
	if (err != WA_OK)
		wa_reg_response_reset(out);
	return err;
}

wa_err wa_reg_response_parse(const char *text, size_t len, wa_reg_response *out)
{
	wa_err err;
	json_t *root = load(text, len, &err);

	memset(out, 0, sizeof(*out));
	if (root == NULL)
		return err;
	err = wa_reg_response_from_json(root, out);
	json_decref(root);
	return err;
}

void wa_reg_response_reset(wa_reg_response *r)
{
	wa_blob_reset(&r->raw_id);
	wa_blob_reset(&r->client_data_json);
	wa_blob_reset(&r->attestation_object);
	for (size_t i = 0; i < r->n_transports; i++)
		free(r->transports[i]);
	memset(r, 0, sizeof(*r));
}

/* The four response fields into out (raw_id already set); out is reset on failure. */
static wa_err decode_auth_fields(const char *client_data_json, const char *authenticator_data,
                                 const char *signature, const char *user_handle,
                                 wa_auth_response *out)
{
	wa_err err;

	if ((err = b64_field(client_data_json, WA_ERR_RESP_CDATA_MISSING, WA_ERR_RESP_CDATA_TYPE,
	                     &out->client_data_json)) != WA_OK ||
	    (err = b64_field(authenticator_data, WA_ERR_RESP_AUTHDATA_MISSING,
	                     WA_ERR_RESP_AUTHDATA_TYPE, &out->authenticator_data)) != WA_OK ||
	    (err = b64_field(signature, WA_ERR_RESP_SIG_MISSING, WA_ERR_RESP_SIG_TYPE,
	                     &out->signature)) != WA_OK)
		goto out;
	/* userHandle: absent or "" both mean "not returned" (the conformance tool sends ""). */
	if (user_handle != NULL && user_handle[0] != '\0') {
		err = b64_field(user_handle, WA_ERR_RESP_USERHANDLE_TYPE,
		                WA_ERR_RESP_USERHANDLE_TYPE, &out->user_handle);
		if (err != WA_OK)
			goto out;
		out->has_user_handle = true;
	}
out:
	if (err != WA_OK)
		wa_auth_response_reset(out);
	return err;
}

wa_err wa_auth_response_from_fields(const char *id, const char *client_data_json,
                                    const char *authenticator_data, const char *signature,
                                    const char *user_handle, wa_auth_response *out)
{
	wa_err err;

	memset(out, 0, sizeof(*out));
	if ((err = b64_field(id, WA_ERR_RESP_ID_MISSING, WA_ERR_RESP_ID_TYPE, &out->raw_id)) !=
	    WA_OK)
		return err;
	return decode_auth_fields(client_data_json, authenticator_data, signature, user_handle,
	                          out);
}

/* The text of a string member, NULL when absent or null; *bad when of another type. */
static const char *text_member(const json_t *obj, const char *key, bool *bad)
{
	const json_t *v = json_object_get(obj, key);

	*bad = false;
	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
		*bad = true;
		return NULL;
	}
	return json_string_value(v);
}

wa_err wa_auth_response_from_json(const json_t *obj, wa_auth_response *out)
{
	static const char *const keys[4] = {"clientDataJSON", "authenticatorData", "signature",
	                                    "userHandle"};
	static const wa_err bad_codes[4] = {WA_ERR_RESP_CDATA_TYPE, WA_ERR_RESP_AUTHDATA_TYPE,
	                                    WA_ERR_RESP_SIG_TYPE, WA_ERR_RESP_USERHANDLE_TYPE};
	const json_t *response = NULL;
	const char *fields[4];
	bool bad;
	wa_err err;

	memset(out, 0, sizeof(*out));
	if ((err = parse_common(obj, &out->raw_id, &response)) != WA_OK) {
		wa_auth_response_reset(out);
		return err;
	}
	for (int i = 0; i < 4; i++) {
		fields[i] = text_member(response, keys[i], &bad);
		if (bad) {
			wa_auth_response_reset(out);
			return bad_codes[i];
		}
	}
	return decode_auth_fields(fields[0], fields[1], fields[2], fields[3], out);
}

wa_err wa_auth_response_parse(const char *text, size_t len, wa_auth_response *out)
{
	wa_err err;
	json_t *root = load(text, len, &err);

	memset(out, 0, sizeof(*out));
	if (root == NULL)
		return err;
	err = wa_auth_response_from_json(root, out);
	json_decref(root);
	return err;
}

void wa_auth_response_reset(wa_auth_response *r)
{
	wa_blob_reset(&r->raw_id);
	wa_blob_reset(&r->client_data_json);
	wa_blob_reset(&r->authenticator_data);
	wa_blob_reset(&r->signature);
	wa_blob_reset(&r->user_handle);
	memset(r, 0, sizeof(*r));
}

/* Sets key to base64url(b); false on allocation failure. */
static bool set_b64(json_t *obj, const char *key, const wa_blob *b)
{
	char *s = wa_b64url_encode(b->ptr, b->len);
	bool ok = s != NULL && json_object_set_new(obj, key, json_string(s)) == 0;

	free(s);
	return ok;
}

static json_t *credential_shell(const wa_blob *raw_id, json_t *response)
{
	json_t *obj = json_object();

	if (obj == NULL || response == NULL) {
		json_decref(obj);
		json_decref(response);
		return NULL;
	}
	if (!set_b64(obj, "id", raw_id) || !set_b64(obj, "rawId", raw_id)) {
		json_decref(obj);
		json_decref(response);
		return NULL;
	}
	/* set_new takes the reference even when it fails, so response has one owner from here. */
	if (json_object_set_new(obj, "response", response) ||
	    json_object_set_new(obj, "type", json_string("public-key")) ||
	    json_object_set_new(obj, "clientExtensionResults", json_object())) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

json_t *wa_reg_response_to_json(const wa_reg_response *r)
{
	json_t *resp = json_object(), *tr = json_array();

	if (resp == NULL || tr == NULL || !set_b64(resp, "clientDataJSON", &r->client_data_json) ||
	    !set_b64(resp, "attestationObject", &r->attestation_object))
		goto fail;
	for (size_t i = 0; i < r->n_transports; i++)
		if (json_array_append_new(tr, json_string(r->transports[i])))
			goto fail;
	if (json_object_set_new(resp, "transports", tr)) {
		tr = NULL;
		goto fail;
	}
	return credential_shell(&r->raw_id, resp);
fail:
	json_decref(tr);
	json_decref(resp);
	return NULL;
}

json_t *wa_auth_response_to_json(const wa_auth_response *r)
{
	json_t *resp = json_object();

	if (resp == NULL || !set_b64(resp, "clientDataJSON", &r->client_data_json) ||
	    !set_b64(resp, "authenticatorData", &r->authenticator_data) ||
	    !set_b64(resp, "signature", &r->signature) ||
	    (r->has_user_handle && !set_b64(resp, "userHandle", &r->user_handle))) {
		json_decref(resp);
		return NULL;
	}
	return credential_shell(&r->raw_id, resp);
}
