#include "webauthn/clientdata.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "webauthn/b64url.h"
#include "webauthn/json_read.h"
#include "webauthn/json_write.h"
#include "webauthn/utf8.h"

static wa_err dup_string(json_t *v, char **out)
{
	if ((*out = strdup(json_string_value(v))) == NULL)
		return WA_ERR_NOMEM;
	return WA_OK;
}

static wa_err parse_object(json_t *root, wa_clientdata *out)
{
	json_t *v;
	wa_err err;

	v = json_object_get(root, "type");
	if (!json_is_string(v))
		return WA_ERR_CDATA_TYPE_MISSING;
	if ((err = dup_string(v, &out->type)) != WA_OK)
		return err;

	v = json_object_get(root, "challenge");
	if (!json_is_string(v) || json_string_length(v) == 0)
		return WA_ERR_CDATA_CHALLENGE_MISSING;
	if ((err = dup_string(v, &out->challenge)) != WA_OK)
		return err;

	v = json_object_get(root, "origin");
	if (!json_is_string(v) || json_string_length(v) == 0)
		return WA_ERR_CDATA_ORIGIN_MISSING;
	if ((err = dup_string(v, &out->origin)) != WA_OK)
		return err;

	if ((v = json_object_get(root, "crossOrigin")) != NULL) {
		if (!json_is_boolean(v))
			return WA_ERR_CDATA_CROSS_ORIGIN_TYPE;
		out->has_cross_origin = true;
		out->cross_origin = json_is_true(v);
	}
	if ((v = json_object_get(root, "topOrigin")) != NULL) {
		if (!json_is_string(v))
			return WA_ERR_CDATA_TOP_ORIGIN_TYPE;
		if ((err = dup_string(v, &out->top_origin)) != WA_OK)
			return err;
	}
	if ((v = json_object_get(root, "tokenBinding")) != NULL) {
		json_t *status = json_object_get(v, "status");
		const char *s;

		if (!json_is_object(v) || !json_is_string(status))
			return WA_ERR_CDATA_TOKEN_BINDING;
		s = json_string_value(status);
		if (strcmp(s, "present") != 0 && strcmp(s, "supported") != 0 &&
		    strcmp(s, "not-supported") != 0)
			return WA_ERR_CDATA_TOKEN_BINDING;
		if ((err = dup_string(status, &out->token_binding_status)) != WA_OK)
			return err;
	}
	return WA_OK;
}

wa_err wa_clientdata_parse(const uint8_t *ptr, size_t len, wa_clientdata *out)
{
	json_error_t jerr;
	json_t *root;
	wa_err err;

	memset(out, 0, sizeof(*out));
	if (len >= 3 && ptr[0] == 0xef && ptr[1] == 0xbb && ptr[2] == 0xbf) {
		ptr += 3; /* UTF-8 decode drops a leading BOM */
		len -= 3;
	}
	if (!wa_utf8_valid(ptr, len))
		return WA_ERR_CDATA_UTF8;
	root = wa_json_loadb((const char *)ptr, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return json_error_code(&jerr) == json_error_duplicate_key ? WA_ERR_CDATA_DUPLICATE
		                                                          : WA_ERR_CDATA_JSON;
	if (!json_is_object(root)) {
		json_decref(root);
		return WA_ERR_CDATA_JSON;
	}
	err = parse_object(root, out);
	json_decref(root);
	if (err != WA_OK)
		wa_clientdata_reset(out);
	return err;
}

void wa_clientdata_reset(wa_clientdata *cd)
{
	free(cd->type);
	free(cd->challenge);
	free(cd->origin);
	free(cd->top_origin);
	free(cd->token_binding_status);
	memset(cd, 0, sizeof(*cd));
}

wa_err wa_clientdata_build(const char *type, const uint8_t *challenge, size_t challenge_len,
                           const char *origin, bool cross_origin, const char *top_origin,
                           wa_blob *out)
{
	char *chal = wa_b64url_encode(challenge, challenge_len);
	json_t *obj = json_object();
	char *text = NULL;
	size_t len = 0;
	wa_err err = WA_ERR_NOMEM;

	/* jansson keeps insertion order, which is what fixes Chromium's key order. */
	if (chal == NULL || obj == NULL || json_object_set_new(obj, "type", json_string(type)) ||
	    json_object_set_new(obj, "challenge", json_string(chal)) ||
	    json_object_set_new(obj, "origin", json_string(origin)) ||
	    json_object_set_new(obj, "crossOrigin", json_boolean(cross_origin)))
		goto out;
	if (top_origin != NULL && json_object_set_new(obj, "topOrigin", json_string(top_origin)))
		goto out;
	if ((text = wa_json_dumps(obj, &len)) == NULL)
		goto out;
	err = wa_blob_set(out, text, len);
out:
	free(text);
	free(chal);
	json_decref(obj);
	return err;
}
