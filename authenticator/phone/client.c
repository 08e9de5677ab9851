#include "authenticator/phone/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authenticator/device/ctap.h"
#include "common/origin.h"
#include "webauthn/arraylen.h"
#include "webauthn/authdata.h"
#include "webauthn/b64url.h"
#include "webauthn/cborx.h"
#include "webauthn/clientdata.h"
#include "webauthn/hash.h"
#include "webauthn/response.h"

static const char *const failure_names[] = {
        [AU_FAIL_NONE] = "none",
        [AU_FAIL_NO_WEBAUTHN] = "no-webauthn",
        [AU_FAIL_INSECURE_CONTEXT] = "insecure-context",
        [AU_FAIL_INVALID_DOMAIN] = "invalid-domain",
        [AU_FAIL_BAD_RP_ID] = "bad-rp-id",
        [AU_FAIL_NO_ENTITLEMENT] = "no-entitlement",
        [AU_FAIL_CANCELLED] = "cancelled",
        [AU_FAIL_TIMEOUT] = "timeout",
        [AU_FAIL_UV_FAILED] = "uv-failed",
        [AU_FAIL_UV_UNAVAILABLE] = "uv-unavailable",
        [AU_FAIL_EXCLUDED] = "excluded",
        [AU_FAIL_NO_CREDENTIALS] = "no-credentials",
        [AU_FAIL_NOT_SUPPORTED] = "not-supported",
        [AU_FAIL_INVALID_RESPONSE] = "invalid-response",
        [AU_FAIL_UNKNOWN] = "unknown",
        [AU_FAIL_NO_ALGORITHM] = "no-algorithm",
        [AU_FAIL_NO_RESIDENT_KEYS] = "no-resident-keys",
        [AU_FAIL_BAD_PARAMS] = "bad-params",
        [AU_FAIL_PENDING] = "pending",
        [AU_FAIL_ABORTED] = "aborted",
};

/* pubKeyCredParams' default when the page gives an empty list (WebAuthn §5.1.3 step 10). */
static const int default_algs[] = {COSE_ES256, COSE_RS256};

const char *au_failure_name(au_failure f)
{
	return (unsigned)f < AU_FAIL__COUNT ? failure_names[f] : "?";
}

au_failure au_failure_from_name(const char *name)
{
	for (int f = 0; f < AU_FAIL__COUNT; f++)
		if (strcmp(failure_names[f], name) == 0)
			return (au_failure)f;
	return AU_FAIL__COUNT;
}

void au_client_result_reset(au_client_result *r)
{
	json_decref(r->response);
	memset(r, 0, sizeof(*r));
}

static au_failure fail(au_client_result *out, au_failure f, const char *fmt, const char *arg)
{
	out->failure = f;
	snprintf(out->detail, sizeof(out->detail), fmt, arg);
	return f;
}

/* ---- origin and RP ID (a browser's rules) ---- */

au_failure au_client_check_origin(const char *origin, const char *rp_id)
{
	cm_origin o;

	if (origin == NULL || !cm_origin_parse(origin, &o))
		return AU_FAIL_INSECURE_CONTEXT;
	if (strcmp(o.scheme, "https") != 0 &&
	    !(strcmp(o.scheme, "http") == 0 && cm_host_is_loopback(o.host)))
		return AU_FAIL_INSECURE_CONTEXT;
	if (cm_host_is_ip(o.host))
		return AU_FAIL_INVALID_DOMAIN;
	if (rp_id == NULL)
		return AU_FAIL_NONE;
	return cm_rp_id_suffix_ok(o.host, rp_id) ? AU_FAIL_NONE : AU_FAIL_BAD_RP_ID;
}

/* ---- options ---- */

static bool b64_member(const json_t *obj, const char *key, wa_blob *out)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_string(v) &&
	       wa_b64url_decode(json_string_value(v), json_string_length(v), out) == WA_OK;
}

static const char *text_member(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The CTAP status libfido2 passed on, as the browser classifies it. */
static au_failure classify(int r)
{
	switch (r) {
	case FIDO_ERR_CREDENTIAL_EXCLUDED:
		return AU_FAIL_EXCLUDED;
	case FIDO_ERR_OPERATION_DENIED:
	case FIDO_ERR_KEEPALIVE_CANCEL:
		return AU_FAIL_CANCELLED;
	case FIDO_ERR_USER_ACTION_TIMEOUT:
	case FIDO_ERR_ACTION_TIMEOUT:
	case FIDO_ERR_RX:
		return AU_FAIL_TIMEOUT;
	case FIDO_ERR_PIN_AUTH_INVALID:
	case FIDO_ERR_UV_INVALID:
	case FIDO_ERR_UV_BLOCKED:
		return AU_FAIL_UV_FAILED;
	case FIDO_ERR_NO_CREDENTIALS:
		return AU_FAIL_NO_CREDENTIALS;
	case FIDO_ERR_UNSUPPORTED_ALGORITHM:
		return AU_FAIL_NO_ALGORITHM;
	case FIDO_ERR_UNSUPPORTED_OPTION:
	case FIDO_ERR_INVALID_OPTION:
	case FIDO_ERR_KEY_STORE_FULL:
		return AU_FAIL_NOT_SUPPORTED;
	case FIDO_ERR_ERR_OTHER:
		return AU_FAIL_UNKNOWN;
	default:
		return AU_FAIL_INVALID_RESPONSE;
	}
}

/* Device capabilities from authenticatorGetInfo. */
typedef struct caps {
	bool uv_configured;
	bool uv_capable;
	bool rk;
	int algs[8];
	size_t n_algs;
} caps;

static bool read_caps(fido_dev_t *dev, caps *c)
{
	fido_cbor_info_t *info = fido_cbor_info_new();
	char **names;
	const bool *values;
	size_t n;
	bool ok = false;

	memset(c, 0, sizeof(*c));
	/* A CTAP1/U2F key has no GetInfo: P-256 only, no UV, no resident keys. */
	if (!fido_dev_is_fido2(dev)) {
		fido_cbor_info_free(&info);
		c->algs[c->n_algs++] = COSE_ES256;
		return true;
	}
	if (info != NULL && fido_dev_get_cbor_info(dev, info) == FIDO_OK) {
		names = fido_cbor_info_options_name_ptr(info);
		values = fido_cbor_info_options_value_ptr(info);
		n = fido_cbor_info_options_len(info);
		for (size_t i = 0; i < n; i++) {
			if (strcmp(names[i], "uv") == 0) {
				c->uv_capable = true;
				c->uv_configured = values[i];
			} else if (strcmp(names[i], "rk") == 0) {
				c->rk = values[i];
			}
		}
		for (size_t i = 0; i < fido_cbor_info_algorithm_count(info) && c->n_algs < 8; i++)
			c->algs[c->n_algs++] = fido_cbor_info_algorithm_cose(info, i);
		ok = true;
	}
	fido_cbor_info_free(&info);
	return ok;
}

static fido_opt_t uv_option(const char *pref, const caps *c, bool *required)
{
	*required = pref != NULL && strcmp(pref, "required") == 0;
	if (*required)
		return FIDO_OPT_TRUE;
	if (pref != NULL && strcmp(pref, "discouraged") == 0)
		return FIDO_OPT_OMIT;
	return c->uv_configured ? FIDO_OPT_TRUE : FIDO_OPT_OMIT; /* "preferred" */
}

/* rpIdHash and extensions of the authenticator's answer, as Chromium checks them. */
static au_failure check_authdata(const uint8_t *ad, size_t len, const char *rp_id,
                                 au_client_result *out)
{
	wa_authdata a;
	uint8_t hash[32];

	if (wa_authdata_parse(ad, len, &a) != WA_OK)
		return fail(out, AU_FAIL_INVALID_RESPONSE, "%s", "authenticatorData malformed");
	wa_sha256(rp_id, strlen(rp_id), hash);
	if (memcmp(hash, a.rp_id_hash, 32) != 0)
		return fail(out, AU_FAIL_INVALID_RESPONSE, "%s", "rpIdHash of another RP");
	if (a.ext_len > 0)
		return fail(out, AU_FAIL_INVALID_RESPONSE, "%s", "unsolicited extension output");
	return AU_FAIL_NONE;
}

/* rp.id defaults to the origin's host. */
static bool effective_rp_id(const char *given, const char *origin, char *buf, size_t size)
{
	cm_origin o;

	if (given != NULL) {
		if (strlen(given) >= size)
			return false;
		strcpy(buf, given);
		return true;
	}
	if (!cm_origin_parse(origin, &o))
		return false;
	snprintf(buf, size, "%s", o.host);
	return true;
}

/* ---- create() ---- */

typedef struct create_req {
	wa_blob challenge, user_id, cdata;
	const char *user_name, *display_name, *rp_name, *rk_pref, *uv_pref;
	char rp_id[256];
} create_req;

static void create_req_reset(create_req *r)
{
	wa_blob_reset(&r->challenge);
	wa_blob_reset(&r->user_id);
	wa_blob_reset(&r->cdata);
}

static au_err parse_create(const json_t *opt, const char *origin, create_req *r)
{
	const json_t *rp = json_object_get(opt, "rp"), *user = json_object_get(opt, "user");
	const json_t *sel = json_object_get(opt, "authenticatorSelection");

	if (!json_is_object(opt) || !json_is_object(rp) || !json_is_object(user) ||
	    !b64_member(opt, "challenge", &r->challenge) || r->challenge.len < 16 ||
	    !b64_member(user, "id", &r->user_id) || r->user_id.len == 0 || r->user_id.len > 64 ||
	    !json_is_array(json_object_get(opt, "pubKeyCredParams")))
		return AU_ERR_OPTIONS_FIELD;
	if ((sel != NULL && !json_is_object(sel)) ||
	    !effective_rp_id(text_member(rp, "id"), origin, r->rp_id, sizeof(r->rp_id)))
		return AU_ERR_OPTIONS_FIELD;
	r->rp_name = text_member(rp, "name");
	r->user_name = text_member(user, "name");
	r->display_name = text_member(user, "displayName");
	r->rk_pref = sel ? text_member(sel, "residentKey") : NULL;
	if (sel && r->rk_pref == NULL && json_is_true(json_object_get(sel, "requireResidentKey")))
		r->rk_pref = "required";
	r->uv_pref = sel ? text_member(sel, "userVerification") : NULL;
	return AU_OK;
}

static bool device_has_alg(const caps *c, json_int_t alg)
{
	for (size_t k = 0; k < c->n_algs; k++)
		if (c->algs[k] == alg)
			return true;
	return false;
}

/*
 * The first requested algorithm the device offers (libfido2 sends one) into *alg: an empty
 * list means ES256 then RS256; entries of a type other than "public-key" are skipped, and a
 * list of only those is the browser's NotSupportedError (AU_FAIL_BAD_PARAMS).
 */
static au_failure pick_alg(const json_t *params, const caps *c, int *alg)
{
	size_t i, known = 0;
	json_t *p;

	*alg = 0;
	if (json_array_size(params) == 0) {
		for (size_t k = 0; k < KAGURA_LEN(default_algs); k++)
			if (device_has_alg(c, default_algs[k])) {
				*alg = default_algs[k];
				return AU_FAIL_NONE;
			}
		return AU_FAIL_NO_ALGORITHM;
	}
	json_array_foreach(params, i, p)
	{
		const char *type = text_member(p, "type");
		const json_t *a = json_object_get(p, "alg");
		if (type == NULL || strcmp(type, "public-key") != 0 || !json_is_integer(a))
			continue;
		known++;
		if (*alg == 0 && device_has_alg(c, json_integer_value(a)))
			*alg = (int)json_integer_value(a);
	}
	if (known == 0)
		return AU_FAIL_BAD_PARAMS;
	return *alg != 0 ? AU_FAIL_NONE : AU_FAIL_NO_ALGORITHM;
}

/* Passes each PublicKeyCredentialDescriptor id of list (at most 64, as Chromium) to add. */
typedef int (*add_id_fn)(void *target, const unsigned char *id, size_t len);

static au_err descriptor_ids(const json_t *list, add_id_fn add, void *target)
{
	size_t i;
	json_t *d;

	if (list == NULL)
		return AU_OK;
	if (!json_is_array(list) || json_array_size(list) > 64)
		return AU_ERR_OPTIONS_FIELD;
	json_array_foreach(list, i, d)
	{
		wa_blob id = {0};
		int r;
		if (!b64_member(d, "id", &id))
			return AU_ERR_OPTIONS_FIELD;
		r = add(target, id.ptr, id.len);
		wa_blob_reset(&id);
		if (r != FIDO_OK)
			return AU_ERR_INTERNAL;
	}
	return AU_OK;
}

static int add_exclude(void *cred, const unsigned char *id, size_t len)
{
	return fido_cred_exclude(cred, id, len);
}

static int add_allow(void *assert, const unsigned char *id, size_t len)
{
	return fido_assert_allow_cred(assert, id, len);
}

/* {"fmt", "attStmt", "authData"} from libfido2's raw parts. */
static bool attestation_object(const fido_cred_t *cred, wa_blob *out)
{
	cbor_item_t *map = cbor_new_definite_map(3), *stmt = NULL, *k, *v;
	unsigned char *buf = NULL;
	size_t cap = 0, n;
	const char *fmt = fido_cred_fmt(cred);

	if (map == NULL || fmt == NULL ||
	    wa_cbor_load_exact(fido_cred_attstmt_ptr(cred), fido_cred_attstmt_len(cred), &stmt) !=
	            WA_OK) {
		if (map)
			cbor_decref(&map);
		return false;
	}
	k = cbor_build_string("fmt");
	v = cbor_build_string(fmt);
	cbor_map_add(map, (struct cbor_pair){.key = k, .value = v});
	cbor_decref(&k);
	cbor_decref(&v);
	k = cbor_build_string("attStmt");
	cbor_map_add(map, (struct cbor_pair){.key = k, .value = stmt});
	cbor_decref(&k);
	cbor_decref(&stmt);
	k = cbor_build_string("authData");
	v = cbor_build_bytestring(fido_cred_authdata_raw_ptr(cred),
	                          fido_cred_authdata_raw_len(cred));
	cbor_map_add(map, (struct cbor_pair){.key = k, .value = v});
	cbor_decref(&k);
	cbor_decref(&v);
	n = cbor_serialize_alloc(map, &buf, &cap);
	cbor_decref(&map);
	if (n == 0) {
		free(buf);
		return false;
	}
	wa_blob_reset(out);
	out->ptr = buf;
	out->len = n;
	return true;
}

static au_err finish_create(const fido_cred_t *cred, create_req *r, au_client_result *out)
{
	wa_reg_response resp = {0};
	json_t *json;

	if (check_authdata(fido_cred_authdata_raw_ptr(cred), fido_cred_authdata_raw_len(cred),
	                   r->rp_id, out) != AU_FAIL_NONE)
		return AU_OK;
	if (wa_blob_set(&resp.raw_id, fido_cred_id_ptr(cred), fido_cred_id_len(cred)) != WA_OK ||
	    !attestation_object(cred, &resp.attestation_object) ||
	    wa_blob_set(&resp.client_data_json, r->cdata.ptr, r->cdata.len) != WA_OK ||
	    (resp.transports[0] = strdup("internal")) == NULL) {
		wa_reg_response_reset(&resp);
		return AU_ERR_NOMEM;
	}
	resp.n_transports = 1;
	json = wa_reg_response_to_json(&resp);
	wa_reg_response_reset(&resp);
	if (json == NULL)
		return AU_ERR_NOMEM;
	json_object_set_new(json, "authenticatorAttachment", json_string("platform"));
	out->response = json;
	return AU_OK;
}

static au_err run_create(fido_dev_t *dev, const json_t *options, const char *origin,
                         au_client_result *out)
{
	create_req r;
	caps c;
	fido_cred_t *cred = NULL;
	uint8_t cdh[32];
	bool uv_required;
	int alg, rc;
	au_failure f;
	au_err err;

	memset(&r, 0, sizeof(r));
	if ((err = parse_create(options, origin, &r)) != AU_OK)
		goto done;
	/* Blink converts the options before anything else: no known type, no request. */
	if (pick_alg(json_object_get(options, "pubKeyCredParams"), &(caps){0}, &alg) ==
	    AU_FAIL_BAD_PARAMS) {
		fail(out, AU_FAIL_BAD_PARAMS, "%s", "pubKeyCredParams: no public-key type");
		goto done;
	}
	if ((out->failure = au_client_check_origin(origin, r.rp_id)) != AU_FAIL_NONE) {
		snprintf(out->detail, sizeof(out->detail), "origin %.70s, RP ID %.70s", origin,
		         r.rp_id);
		goto done;
	}
	if (!read_caps(dev, &c)) {
		fail(out, AU_FAIL_UNKNOWN, "%s", "authenticatorGetInfo failed");
		goto done;
	}
	fido_opt_t uv = uv_option(r.uv_pref, &c, &uv_required);
	if (uv_required && !c.uv_configured) {
		fail(out, AU_FAIL_UV_UNAVAILABLE, "%s",
		     "userVerification required, UV not configured");
		goto done;
	}
	if ((f = pick_alg(json_object_get(options, "pubKeyCredParams"), &c, &alg)) !=
	    AU_FAIL_NONE) {
		fail(out, f, "%s", "no common algorithm");
		goto done;
	}
	if (r.rk_pref && strcmp(r.rk_pref, "required") == 0 && !c.rk) {
		fail(out, AU_FAIL_NO_RESIDENT_KEYS, "%s", "resident key required, unsupported");
		goto done;
	}
	err = AU_ERR_INTERNAL;
	if (wa_clientdata_build(WA_TYPE_CREATE, r.challenge.ptr, r.challenge.len, origin, false,
	                        NULL, &r.cdata) != WA_OK)
		goto done;
	wa_sha256(r.cdata.ptr, r.cdata.len, cdh);
	if ((cred = fido_cred_new()) == NULL || fido_cred_set_type(cred, alg) != FIDO_OK ||
	    fido_cred_set_clientdata_hash(cred, cdh, sizeof(cdh)) != FIDO_OK ||
	    fido_cred_set_rp(cred, r.rp_id, r.rp_name) != FIDO_OK ||
	    fido_cred_set_user(cred, r.user_id.ptr, r.user_id.len, r.user_name, r.display_name,
	                       NULL) != FIDO_OK ||
	    fido_cred_set_uv(cred, uv) != FIDO_OK ||
	    fido_cred_set_rk(cred, r.rk_pref && (strcmp(r.rk_pref, "required") == 0 ||
	                                         (strcmp(r.rk_pref, "preferred") == 0 && c.rk))
	                                   ? FIDO_OPT_TRUE
	                                   : FIDO_OPT_OMIT) != FIDO_OK)
		goto done;
	if ((err = descriptor_ids(json_object_get(options, "excludeCredentials"), add_exclude,
	                          cred)) != AU_OK)
		goto done;
	rc = fido_dev_make_cred(dev, cred, NULL);
	if (rc != FIDO_OK) {
		fail(out, classify(rc), "authenticatorMakeCredential: %s", fido_strerr(rc));
		err = AU_OK;
		goto done;
	}
	err = finish_create(cred, &r, out);
done:
	fido_cred_free(&cred);
	create_req_reset(&r);
	return err;
}

typedef au_err (*ceremony_fn)(fido_dev_t *dev, const json_t *options, const char *origin,
                              au_client_result *out);

/*
 * One call from frame: refused at once while the frame's earlier call is pending (Chromium's
 * PENDING_REQUEST), ended with the signal's AbortError when the page aborted it before or while
 * the authenticator ran (its answer is dropped).
 */
static au_err run_in_frame(au_frame *frame, ceremony_fn run, fido_dev_t *dev, const json_t *options,
                           const char *origin, au_client_result *out)
{
	au_err err;

	memset(out, 0, sizeof(*out));
	if (frame->request == AU_REQUEST_PENDING) {
		fail(out, AU_FAIL_PENDING, "%s", "a request is already pending in this frame");
		return AU_OK;
	}
	if (frame->signal == AU_SIGNAL_ABORTED) {
		fail(out, AU_FAIL_ABORTED, "%s", "the signal was aborted before the call");
		return AU_OK;
	}
	frame->request = AU_REQUEST_PENDING;
	err = run(dev, options, origin, out);
	frame->request = AU_REQUEST_IDLE;
	if (err == AU_OK && frame->signal == AU_SIGNAL_ABORTED) {
		json_decref(out->response);
		out->response = NULL;
		fail(out, AU_FAIL_ABORTED, "%s", "the signal was aborted during the call");
	}
	return err;
}

au_err au_client_create_in(au_frame *frame, fido_dev_t *dev, const json_t *options,
                           const char *origin, au_client_result *out)
{
	return run_in_frame(frame, run_create, dev, options, origin, out);
}

au_err au_client_create(fido_dev_t *dev, const json_t *options, const char *origin,
                        au_client_result *out)
{
	au_frame frame = {0};
	return au_client_create_in(&frame, dev, options, origin, out);
}

/* ---- get() ---- */

/* libfido2 1.12 hands assertion authData CBOR-wrapped; unwrap it. */
static bool raw_authdata(const fido_assert_t *a, wa_blob *out)
{
	cbor_item_t *item = NULL;
	const uint8_t *p;
	size_t n;
	bool ok = wa_cbor_load_exact(fido_assert_authdata_ptr(a, 0), fido_assert_authdata_len(a, 0),
	                             &item) == WA_OK &&
	          wa_cbor_bytes(item, &p, &n) && wa_blob_set(out, p, n) == WA_OK;

	if (item != NULL)
		cbor_decref(&item);
	return ok;
}

static au_err run_get(fido_dev_t *dev, const json_t *options, const char *origin,
                      au_client_result *out)
{
	wa_blob challenge = {0};
	wa_auth_response resp = {0};
	char rp_id[256];
	caps c;
	fido_assert_t *a = NULL;
	uint8_t cdh[32];
	bool uv_required;
	int rc;
	au_err err = AU_ERR_OPTIONS_FIELD;

	if (!json_is_object(options) || !b64_member(options, "challenge", &challenge) ||
	    challenge.len < 16 ||
	    !effective_rp_id(text_member(options, "rpId"), origin, rp_id, sizeof(rp_id)))
		goto done;
	err = AU_OK;
	if ((out->failure = au_client_check_origin(origin, rp_id)) != AU_FAIL_NONE) {
		snprintf(out->detail, sizeof(out->detail), "origin %.70s, RP ID %.70s", origin,
		         rp_id);
		goto done;
	}
	if (!read_caps(dev, &c)) {
		fail(out, AU_FAIL_UNKNOWN, "%s", "authenticatorGetInfo failed");
		goto done;
	}
	fido_opt_t uv = uv_option(text_member(options, "userVerification"), &c, &uv_required);
	if (uv_required && !c.uv_configured) {
		fail(out, AU_FAIL_UV_UNAVAILABLE, "%s",
		     "userVerification required, UV not configured");
		goto done;
	}
	err = AU_ERR_INTERNAL;
	if (wa_clientdata_build(WA_TYPE_GET, challenge.ptr, challenge.len, origin, false, NULL,
	                        &resp.client_data_json) != WA_OK)
		goto done;
	wa_sha256(resp.client_data_json.ptr, resp.client_data_json.len, cdh);
	if ((a = fido_assert_new()) == NULL || fido_assert_set_rp(a, rp_id) != FIDO_OK ||
	    fido_assert_set_clientdata_hash(a, cdh, sizeof(cdh)) != FIDO_OK ||
	    fido_assert_set_uv(a, uv) != FIDO_OK || fido_assert_set_up(a, FIDO_OPT_TRUE) != FIDO_OK)
		goto done;
	if ((err = descriptor_ids(json_object_get(options, "allowCredentials"), add_allow, a)) !=
	    AU_OK)
		goto done;
	rc = fido_dev_get_assert(dev, a, NULL);
	err = AU_OK;
	if (rc != FIDO_OK || fido_assert_count(a) == 0) {
		fail(out, rc != FIDO_OK ? classify(rc) : AU_FAIL_NO_CREDENTIALS,
		     "authenticatorGetAssertion: %s", fido_strerr(rc));
		goto done;
	}
	/* The account chooser picks the first credential the authenticator returned. */
	err = AU_ERR_NOMEM;
	if (!raw_authdata(a, &resp.authenticator_data) ||
	    wa_blob_set(&resp.raw_id, fido_assert_id_ptr(a, 0), fido_assert_id_len(a, 0)) !=
	            WA_OK ||
	    wa_blob_set(&resp.signature, fido_assert_sig_ptr(a, 0), fido_assert_sig_len(a, 0)) !=
	            WA_OK)
		goto done;
	if (fido_assert_user_id_len(a, 0) > 0) {
		if (wa_blob_set(&resp.user_handle, fido_assert_user_id_ptr(a, 0),
		                fido_assert_user_id_len(a, 0)) != WA_OK)
			goto done;
		resp.has_user_handle = true;
	}
	err = AU_OK;
	if (check_authdata(resp.authenticator_data.ptr, resp.authenticator_data.len, rp_id, out) !=
	    AU_FAIL_NONE)
		goto done;
	if ((out->response = wa_auth_response_to_json(&resp)) == NULL) {
		err = AU_ERR_NOMEM;
		goto done;
	}
	json_object_set_new(out->response, "authenticatorAttachment", json_string("platform"));
done:
	fido_assert_free(&a);
	wa_auth_response_reset(&resp);
	wa_blob_reset(&challenge);
	return err;
}

au_err au_client_get_in(au_frame *frame, fido_dev_t *dev, const json_t *options, const char *origin,
                        au_client_result *out)
{
	return run_in_frame(frame, run_get, dev, options, origin, out);
}

au_err au_client_get(fido_dev_t *dev, const json_t *options, const char *origin,
                     au_client_result *out)
{
	au_frame frame = {0};
	return au_client_get_in(&frame, dev, options, origin, out);
}
