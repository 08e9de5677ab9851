/*
 * The simulated platform authenticator end to end: libfido2 client code talks
 * CTAPHID to the in-memory device, the browser client builds the W3C response,
 * and the webauthn/ core verifies it. Every algorithm and attestation format,
 * resident and not, UV and not; then every CTAP refusal as libfido2 sees it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <fido/es256.h>
#include <openssl/x509v3.h>

#include "authenticator/device/attest.h"
#include "authenticator/device/ctap.h"
#include "authenticator/device/fido_glue.h"
#include "authenticator/phone/client.h"
#include "softauthn.h"
#include "webauthn/arraylen.h"
#include "webauthn/authentication.h"
#include "webauthn/b64url.h"
#include "webauthn/registration.h"

#define ORIGIN "https://mahpki-auth.example.jp"
#define RP_ID  "mahpki-auth.example.jp"

typedef struct world {
	au_device dev;
	au_ctap ctap;
	au_hid *hid;
	fido_dev_t *fido;
	wa_clock clock;
	sa_pki pki; /* root -> intermediate attestation CA */
	X509 *intermediate;
	EVP_PKEY *intermediate_key;
	int events[AU_EV_FAULT + 1];
	/* What the page does while the OS asks for presence (the first call still pending). */
	enum { PAGE_WAITS, PAGE_CALLS_AGAIN, PAGE_ABORTS } page;
	au_frame *frame;
	const json_t *again;     /* the options of the second call */
	au_failure again_failed; /* how the second call ended */
} world;

static void on_event(void *ctx, au_event_kind kind, const char *detail)
{
	world *w = ctx;
	(void)detail;
	w->events[kind]++;
	if (kind != AU_EV_PRESENCE_ASKED || w->page == PAGE_WAITS)
		return;
	if (w->page == PAGE_ABORTS) {
		w->frame->signal = AU_SIGNAL_ABORTED; /* controller.abort() */
	} else {
		au_client_result res;
		assert_int_equal(au_client_create_in(w->frame, w->fido, w->again, ORIGIN, &res),
		                 AU_OK);
		w->again_failed = res.failure;
		au_client_result_reset(&res);
	}
}

static void world_open(world *w, const char *const settings[][2], size_t n)
{
	const char *why;

	memset(w->events, 0, sizeof(w->events));
	w->page = PAGE_WAITS;
	assert_int_equal(au_device_init(&w->dev, "desktop-chrome"), AU_OK);
	for (size_t i = 0; i < n; i++) {
		au_err e = au_device_set(&w->dev, settings[i][0], settings[i][1], &why);
		if (e != AU_OK)
			fprintf(stderr, "set %s=%s: %s\n", settings[i][0], settings[i][1],
			        au_strerr(e));
		assert_int_equal(e, AU_OK);
	}
	assert_int_equal(au_attest_identity_create(&w->dev, w->intermediate, w->intermediate_key,
	                                           wa_clock_now(&w->clock)),
	                 AU_OK);
	au_ctap_init(&w->ctap, &w->dev, &w->clock, on_event, w);
	assert_non_null(w->hid = au_hid_new(&w->ctap));
	assert_int_equal(au_fido_open(w->hid, &w->fido), FIDO_OK);
}

static void world_close(world *w)
{
	au_fido_close(&w->fido);
	au_hid_free(w->hid);
	au_device_free(&w->dev);
}

static json_t *create_options(int64_t alg, const char *rk, const char *uv, const wa_blob *exclude)
{
	json_t *o = json_pack(
	        "{s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s}, s:[{s:s, s:I}], s:{s:s, s:s}, s:s}",
	        "challenge", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "rp", "id", RP_ID,
	        "name", "HPKI-KAGURA", "user", "id", "dXNlci0xMjM0NQ", "name", "12345",
	        "displayName", "Dr. Test", "pubKeyCredParams", "type", "public-key", "alg",
	        (json_int_t)alg, "authenticatorSelection", "residentKey", rk, "userVerification",
	        uv, "attestation", "direct");
	if (exclude != NULL) {
		char *id = wa_b64url_encode(exclude->ptr, exclude->len);
		json_object_set_new(o, "excludeCredentials",
		                    json_pack("[{s:s, s:s}]", "type", "public-key", "id", id));
		free(id);
	}
	return o;
}

static json_t *get_options(const char *uv, const wa_blob *allow)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "challenge",
	                      "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8", "rpId", RP_ID,
	                      "userVerification", uv);
	if (allow != NULL) {
		char *id = wa_b64url_encode(allow->ptr, allow->len);
		json_object_set_new(o, "allowCredentials",
		                    json_pack("[{s:s, s:s}]", "type", "public-key", "id", id));
		free(id);
	}
	return o;
}

static const char *origins[] = {ORIGIN};

/* Registers through the whole stack and verifies with the core; returns the record. */
static void register_and_verify(world *w, json_t *opts, bool uv, wa_credential *cred)
{
	au_client_result res;
	wa_reg_response resp;
	wa_trust trust;
	wa_report report = {0}; /* every step kept */
	wa_blob chal = {0};
	const char *c = json_string_value(json_object_get(opts, "challenge"));
	wa_err err;

	assert_int_equal(au_client_create(w->fido, opts, ORIGIN, &res), AU_OK);
	if (res.failure != AU_FAIL_NONE)
		fprintf(stderr, "create failed: %s (%s)\n", au_failure_name(res.failure),
		        res.detail);
	assert_int_equal(res.failure, AU_FAIL_NONE);
	assert_int_equal(wa_reg_response_from_json(res.response, &resp), WA_OK);
	wa_b64url_decode(c, strlen(c), &chal);
	wa_trust_init(&trust, wa_clock_now(&w->clock));
	wa_trust_add_cert(&trust, w->pki.ca);
	/* fido-u2f sends the leaf alone: its issuer must be an anchor itself. */
	wa_trust_add_cert(&trust, w->intermediate);
	wa_reg_options ro = {.expect = {.challenge = chal.ptr,
	                                .challenge_len = chal.len,
	                                .origins = origins,
	                                .n_origins = 1,
	                                .rp_id = RP_ID,
	                                .require_uv = uv},
	                     .trust = &trust,
	                     .require_trusted_attestation = true};
	err = wa_verify_registration(&ro, &resp, cred, &report);
	if (err != WA_OK)
		fprintf(stderr, "registration: %s at %s (%s)\n", wa_errname(err),
		        report.steps[report.n - 1].what, report.steps[report.n - 1].detail);
	assert_int_equal(err, WA_OK);
	wa_reg_response_reset(&resp);
	wa_trust_reset(&trust);
	wa_blob_reset(&chal);
	au_client_result_reset(&res);
}

static wa_err authenticate_and_verify(world *w, json_t *opts, bool uv, wa_credential *cred,
                                      au_failure *failure)
{
	au_client_result res;
	wa_auth_response resp;
	wa_blob chal = {0};
	const char *c = json_string_value(json_object_get(opts, "challenge"));
	wa_err err;

	assert_int_equal(au_client_get(w->fido, opts, ORIGIN, &res), AU_OK);
	*failure = res.failure;
	if (res.failure != AU_FAIL_NONE) {
		au_client_result_reset(&res);
		return WA_ERR_ARG;
	}
	assert_int_equal(wa_auth_response_from_json(res.response, &resp), WA_OK);
	wa_b64url_decode(c, strlen(c), &chal);
	wa_auth_options ao = {.expect = {.challenge = chal.ptr,
	                                 .challenge_len = chal.len,
	                                 .origins = origins,
	                                 .n_origins = 1,
	                                 .rp_id = RP_ID,
	                                 .require_uv = uv},
	                      .user_identified = true};
	err = wa_verify_authentication(&ao, &resp, cred, NULL);
	wa_auth_response_reset(&resp);
	wa_blob_reset(&chal);
	au_client_result_reset(&res);
	return err;
}

typedef struct combo {
	const char *alg;
	const char *attestation;
	const char *rk;
	const char *uv;
} combo;

static void test_matrix(void **state)
{
	world *w = *state;
	static const char *algs[] = {"-7", "-8", "-257"};
	static const char *atts[] = {"none", "packed-self", "packed", "fido-u2f"};
	static const char *rks[] = {"required", "discouraged"};
	static const char *uvs[] = {"required", "discouraged"};
	int n = 0;

	for (size_t a = 0; a < 3; a++)
		for (size_t t = 0; t < 4; t++)
			for (size_t r = 0; r < 2; r++)
				for (size_t u = 0; u < 2; u++) {
					const char *set[][2] = {{"algorithms", algs[a]},
					                        {"attestation", atts[t]}};
					wa_credential cred;
					au_failure f;
					int64_t alg = atoi(algs[a]);
					bool uv = strcmp(uvs[u], "required") == 0;
					json_t *co, *go;
					if (strcmp(atts[t], "fido-u2f") == 0 &&
					    alg != WA_COSE_ES256)
						continue; /* U2F is P-256 only */
					world_open(w, set, 2);
					co = create_options(alg, rks[r], uvs[u], NULL);
					register_and_verify(w, co, uv, &cred);
					assert_int_equal(cred.key.alg, alg);
					assert_int_equal(cred.sign_count, 1);
					/* two assertions: the counter goes 2, 3 and the core
					 * accepts both */
					for (int k = 0; k < 2; k++) {
						go = get_options(uvs[u],
						                 strcmp(rks[r], "required") == 0
						                         ? NULL
						                         : &cred.id);
						assert_int_equal(authenticate_and_verify(w, go, uv,
						                                         &cred, &f),
						                 WA_OK);
						json_decref(go);
					}
					assert_int_equal(cred.sign_count, 3);
					wa_credential_reset(&cred);
					json_decref(co);
					world_close(w);
					n++;
				}
	assert_int_equal(n, 40);
}

/* Synced-passkey style: counter always 0, BE and BS set; the core accepts 0/0 repeatedly. */
static void test_no_counter_backup(void **state)
{
	world *w = *state;
	const char *set[][2] = {
	        {"counter", "none"}, {"backup_eligible", "true"}, {"backup_state", "true"}};
	wa_credential cred;
	au_failure f;
	json_t *co = create_options(-7, "required", "required", NULL),
	       *go = get_options("required", NULL);

	world_open(w, set, 3);
	register_and_verify(w, co, true, &cred);
	assert_int_equal(cred.sign_count, 0);
	assert_true(cred.backup_eligible && cred.backup_state);
	assert_int_equal(authenticate_and_verify(w, go, true, &cred, &f), WA_OK);
	assert_int_equal(authenticate_and_verify(w, go, true, &cred, &f), WA_OK);
	assert_int_equal(cred.sign_count, 0);
	wa_credential_reset(&cred);
	json_decref(co);
	json_decref(go);
	world_close(w);
}

/* The world's device saved to a new temporary file (path, a mkstemp template), then closed. */
static void save_and_close(world *w, char *path)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(au_device_save(&w->dev, path), AU_OK);
	world_close(w);
}

/* The device file keeps credentials and counters: a reopened phone still signs in. */
static void test_persistence(void **state)
{
	world *w = *state;
	char path[] = "/tmp/kagura-device-XXXXXX";
	wa_credential cred;
	au_failure f;
	au_device reloaded;
	json_t *co = create_options(-7, "required", "required", NULL),
	       *go = get_options("required", NULL);

	world_open(w, NULL, 0);
	register_and_verify(w, co, true, &cred);
	save_and_close(w, path);

	assert_int_equal(au_device_load(&reloaded, path), AU_OK);
	assert_int_equal(reloaded.n_credentials, 1);
	assert_int_equal(reloaded.credentials[0].counter, 1);
	au_ctap_init(&w->ctap, &reloaded, &w->clock, on_event, w);
	assert_non_null(w->hid = au_hid_new(&w->ctap));
	assert_int_equal(au_fido_open(w->hid, &w->fido), FIDO_OK);
	assert_int_equal(authenticate_and_verify(w, go, true, &cred, &f), WA_OK);
	assert_int_equal(cred.sign_count, 2);
	au_fido_close(&w->fido);
	au_hid_free(w->hid);
	au_device_free(&reloaded);
	wa_credential_reset(&cred);
	json_decref(co);
	json_decref(go);
	unlink(path);
}

/* A device file's attestation chain holds DER certificates and nothing after them. */
static void test_device_file_chain_strict(void **state)
{
	world *w = *state;
	char path[] = "/tmp/kagura-device-XXXXXX";
	json_t *doc, *chain;
	json_error_t jerr;
	wa_blob der = {0};
	char *b64;
	au_device reloaded;

	world_open(w, NULL, 0);
	save_and_close(w, path);
	assert_non_null(doc = json_load_file(path, 0, &jerr));
	chain = json_object_get(doc, "attestation_chain");
	assert_int_equal(wa_b64url_decode(json_string_value(json_array_get(chain, 0)),
	                                  json_string_length(json_array_get(chain, 0)), &der),
	                 WA_OK);
	assert_int_equal(wa_blob_append(&der, (const uint8_t *)"", 1), WA_OK); /* a byte after it */
	assert_non_null(b64 = wa_b64url_encode(der.ptr, der.len));
	json_array_set_new(chain, 0, json_string(b64));
	assert_int_equal(json_dump_file(doc, path, 0), 0);
	assert_int_equal(au_device_load(&reloaded, path), AU_ERR_FILE_FIELD);
	free(b64);
	wa_blob_reset(&der);
	json_decref(doc);
	unlink(path);
}

typedef struct refusal {
	const char *name;
	const char *settings[3][2];
	size_t n;
	bool create; /* else get after a good create */
	const char *rk, *uv;
	bool exclude_existing, allow_unknown;
	int fido_err; /* what libfido2 returns for the ceremony */
	au_failure failure;
	au_event_kind event; /* an event that must have been seen */
} refusal;

static const refusal refusals[] = {
        {"user declines create",
         {{"presence", "decline"}},
         1,
         true,
         "required",
         "discouraged",
         false,
         false,
         FIDO_ERR_OPERATION_DENIED,
         AU_FAIL_CANCELLED,
         AU_EV_PRESENCE_DECLINED},
        {"user never touches",
         {{"presence", "timeout"}},
         1,
         true,
         "required",
         "discouraged",
         false,
         false,
         FIDO_ERR_USER_ACTION_TIMEOUT,
         AU_FAIL_TIMEOUT,
         AU_EV_PRESENCE_TIMEOUT},
        {"excluded credential",
         {{0}},
         0,
         true,
         "required",
         "discouraged",
         true,
         false,
         FIDO_ERR_CREDENTIAL_EXCLUDED,
         AU_FAIL_EXCLUDED,
         AU_EV_EXCLUDED},
        {"unsupported algorithm",
         {{"algorithms", "-8"}},
         1,
         true,
         "required",
         "discouraged",
         false,
         false,
         0,
         AU_FAIL_NO_ALGORITHM,
         AU_EV_PRESENCE_ASKED},
        {"resident key unsupported",
         {{"resident_keys", "false"}},
         1,
         true,
         "required",
         "discouraged",
         false,
         false,
         0,
         AU_FAIL_NO_RESIDENT_KEYS,
         AU_EV_PRESENCE_ASKED},
        {"key store full",
         {{"key_store_size", "0"}},
         1,
         true,
         "required",
         "discouraged",
         false,
         false,
         FIDO_ERR_KEY_STORE_FULL,
         AU_FAIL_NOT_SUPPORTED,
         AU_EV_PRESENCE_GIVEN},
        {"no screen lock, UV required",
         {{"screen_lock", "swipe"}},
         1,
         true,
         "required",
         "required",
         false,
         false,
         0,
         AU_FAIL_UV_UNAVAILABLE,
         AU_EV_PRESENCE_ASKED},
        {"forced status on makeCredential",
         {{"override_command", "1"}, {"override_status", "0x27"}},
         2,
         true,
         "required",
         "discouraged",
         false,
         false,
         FIDO_ERR_OPERATION_DENIED,
         AU_FAIL_CANCELLED,
         AU_EV_FAULT},
        {"no credentials for the allow list",
         {{0}},
         0,
         false,
         "discouraged",
         "discouraged",
         false,
         true,
         FIDO_ERR_NO_CREDENTIALS,
         AU_FAIL_NO_CREDENTIALS,
         AU_EV_NO_CREDENTIALS},
        {"forced status on getAssertion",
         {{"override_command", "2"}, {"override_status", "0x2f"}},
         2,
         false,
         "required",
         "discouraged",
         false,
         false,
         FIDO_ERR_USER_ACTION_TIMEOUT,
         AU_FAIL_TIMEOUT,
         AU_EV_FAULT},
        {"unsolicited extension",
         {{"unsolicited_extension", "true"}},
         1,
         true,
         "required",
         "discouraged",
         false,
         false,
         0,
         AU_FAIL_INVALID_RESPONSE,
         AU_EV_FAULT},
};

static void test_refusal(void **state)
{
	void **pair = *state;
	world *w = pair[0];
	const refusal *r = pair[1];
	au_client_result res;
	json_t *opts;
	wa_credential cred;

	if (r->create) {
		world_open(w, r->settings, r->n);
		if (r->exclude_existing) {
			/* a first registration, then the same RP excludes it */
			json_t *first = create_options(-7, "required", "discouraged", NULL);
			register_and_verify(w, first, false, &cred);
			json_decref(first);
			opts = create_options(-7, r->rk, r->uv, &cred.id);
			wa_credential_reset(&cred);
		} else {
			opts = create_options(-7, r->rk, r->uv, NULL);
		}
		assert_int_equal(au_client_create(w->fido, opts, ORIGIN, &res), AU_OK);
	} else {
		world_open(w, NULL, 0);
		json_t *first = create_options(-7, "required", "discouraged", NULL);
		register_and_verify(w, first, false, &cred);
		json_decref(first);
		for (size_t i = 0; i < r->n; i++) {
			const char *why;
			assert_int_equal(
			        au_device_set(&w->dev, r->settings[i][0], r->settings[i][1], &why),
			        AU_OK);
		}
		wa_blob other = {(uint8_t *)"not-on-this-phone", 17};
		opts = get_options(r->uv, r->allow_unknown ? &other : NULL);
		assert_int_equal(au_client_get(w->fido, opts, ORIGIN, &res), AU_OK);
		wa_credential_reset(&cred);
	}
	if (res.failure != r->failure)
		fprintf(stderr, "%s: got %s (%s)\n", r->name, au_failure_name(res.failure),
		        res.detail);
	assert_int_equal(res.failure, r->failure);
	if (r->fido_err != 0) {
		char want[64];
		snprintf(want, sizeof(want), "%s", fido_strerr(r->fido_err));
		assert_non_null(strstr(res.detail, want));
	}
	if (r->event != AU_EV_PRESENCE_ASKED)
		assert_true(w->events[r->event] > 0);
	au_client_result_reset(&res);
	json_decref(opts);
	world_close(w);
}

/*
 * CTAP refusals as libfido2 itself reports them, without the browser's
 * pre-checks in front: each device state must give its CTAP2 status.
 */
typedef struct ctap_refusal {
	const char *name;
	const char *settings[2][2];
	size_t n;
	bool get;
	int alg;
	fido_opt_t rk, uv;
	bool exclude_existing;
	int expected;
} ctap_refusal;

static const ctap_refusal ctap_refusals[] = {
        {"libfido2: unsupported algorithm",
         {{"algorithms", "-7"}},
         1,
         false,
         COSE_EDDSA,
         FIDO_OPT_OMIT,
         FIDO_OPT_OMIT,
         false,
         FIDO_ERR_UNSUPPORTED_ALGORITHM},
        {"libfido2: resident key unsupported",
         {{"resident_keys", "false"}},
         1,
         false,
         COSE_ES256,
         FIDO_OPT_TRUE,
         FIDO_OPT_OMIT,
         false,
         FIDO_ERR_UNSUPPORTED_OPTION},
        {"libfido2: UV without a screen lock",
         {{"screen_lock", "none"}},
         1,
         false,
         COSE_ES256,
         FIDO_OPT_OMIT,
         FIDO_OPT_TRUE,
         false,
         FIDO_ERR_UNSUPPORTED_OPTION},
        {"libfido2: UV fails, no passcode fallback",
         {{"biometric_failures", "9"}, {"passcode_fallback", "false"}},
         2,
         false,
         COSE_ES256,
         FIDO_OPT_OMIT,
         FIDO_OPT_TRUE,
         false,
         FIDO_ERR_UV_INVALID},
        {"libfido2: get UV fails, biometrics not enrolled",
         {{"biometrics_enrolled", "false"}, {"passcode_fallback", "false"}},
         2,
         true,
         COSE_ES256,
         FIDO_OPT_OMIT,
         FIDO_OPT_TRUE,
         false,
         FIDO_ERR_UV_INVALID},
        {"libfido2: key store full",
         {{"key_store_size", "0"}},
         1,
         false,
         COSE_ES256,
         FIDO_OPT_TRUE,
         FIDO_OPT_OMIT,
         false,
         FIDO_ERR_KEY_STORE_FULL},
        {"libfido2: excluded credential",
         {{0}},
         0,
         false,
         COSE_ES256,
         FIDO_OPT_OMIT,
         FIDO_OPT_OMIT,
         true,
         FIDO_ERR_CREDENTIAL_EXCLUDED},
        {"libfido2: presence declined",
         {{"presence", "decline"}},
         1,
         false,
         COSE_ES256,
         FIDO_OPT_OMIT,
         FIDO_OPT_OMIT,
         false,
         FIDO_ERR_OPERATION_DENIED},
        {"libfido2: presence timeout",
         {{"presence", "timeout"}},
         1,
         false,
         COSE_ES256,
         FIDO_OPT_OMIT,
         FIDO_OPT_OMIT,
         false,
         FIDO_ERR_USER_ACTION_TIMEOUT},
        {"libfido2: forced PIN_AUTH_INVALID",
         {{"override_command", "1"}, {"override_status", "0x33"}},
         2,
         false,
         COSE_ES256,
         FIDO_OPT_OMIT,
         FIDO_OPT_OMIT,
         false,
         FIDO_ERR_PIN_AUTH_INVALID},
        {"libfido2: forced UV_INVALID on get",
         {{"override_command", "2"}, {"override_status", "0x3f"}},
         2,
         true,
         COSE_ES256,
         FIDO_OPT_OMIT,
         FIDO_OPT_OMIT,
         false,
         FIDO_ERR_UV_INVALID},
        {"libfido2: no credentials",
         {{0}},
         0,
         true,
         COSE_ES256,
         FIDO_OPT_OMIT,
         FIDO_OPT_OMIT,
         false,
         FIDO_ERR_NO_CREDENTIALS},
        {"libfido2: get presence declined",
         {{"presence", "decline"}},
         1,
         true,
         COSE_ES256,
         FIDO_OPT_OMIT,
         FIDO_OPT_OMIT,
         false,
         FIDO_ERR_OPERATION_DENIED},
        {"libfido2: get UV without a screen lock",
         {{"screen_lock", "swipe"}},
         1,
         true,
         COSE_ES256,
         FIDO_OPT_OMIT,
         FIDO_OPT_TRUE,
         false,
         FIDO_ERR_UNSUPPORTED_OPTION},
};

static void test_ctap_refusal(void **state)
{
	void **pair = *state;
	world *w = pair[0];
	const ctap_refusal *r = pair[1];
	static const uint8_t cdh[32] = {1, 2, 3};
	static const uint8_t uid[] = "user-1";
	fido_cred_t *cred = fido_cred_new();
	fido_assert_t *a = fido_assert_new();
	int rc;

	world_open(w, NULL, 0);
	if (r->exclude_existing || r->get) {
		/* an existing discoverable credential for the RP */
		assert_int_equal(fido_cred_set_type(cred, COSE_ES256), FIDO_OK);
		assert_int_equal(fido_cred_set_clientdata_hash(cred, cdh, sizeof(cdh)), FIDO_OK);
		assert_int_equal(fido_cred_set_rp(cred, RP_ID, NULL), FIDO_OK);
		assert_int_equal(fido_cred_set_user(cred, uid, sizeof(uid), "u", NULL, NULL),
		                 FIDO_OK);
		assert_int_equal(
		        fido_cred_set_rk(cred,
		                         r->get && strcmp(r->name, "libfido2: no credentials") != 0
		                                 ? FIDO_OPT_TRUE
		                                 : FIDO_OPT_OMIT),
		        FIDO_OK);
		assert_int_equal(fido_dev_make_cred(w->fido, cred, NULL), FIDO_OK);
	}
	for (size_t i = 0; i < r->n; i++) {
		const char *why;
		assert_int_equal(au_device_set(&w->dev, r->settings[i][0], r->settings[i][1], &why),
		                 AU_OK);
	}
	if (r->get) {
		assert_int_equal(fido_assert_set_rp(a, RP_ID), FIDO_OK);
		assert_int_equal(fido_assert_set_clientdata_hash(a, cdh, sizeof(cdh)), FIDO_OK);
		assert_int_equal(fido_assert_set_uv(a, r->uv), FIDO_OK);
		rc = fido_dev_get_assert(w->fido, a, NULL);
	} else {
		fido_cred_t *c2 = fido_cred_new();
		if (r->exclude_existing)
			assert_int_equal(fido_cred_exclude(c2, fido_cred_id_ptr(cred),
			                                   fido_cred_id_len(cred)),
			                 FIDO_OK);
		assert_int_equal(fido_cred_set_type(c2, r->alg), FIDO_OK);
		assert_int_equal(fido_cred_set_clientdata_hash(c2, cdh, sizeof(cdh)), FIDO_OK);
		assert_int_equal(fido_cred_set_rp(c2, RP_ID, NULL), FIDO_OK);
		assert_int_equal(fido_cred_set_user(c2, uid, sizeof(uid), "u", NULL, NULL),
		                 FIDO_OK);
		assert_int_equal(fido_cred_set_rk(c2, r->rk), FIDO_OK);
		assert_int_equal(fido_cred_set_uv(c2, r->uv), FIDO_OK);
		rc = fido_dev_make_cred(w->fido, c2, NULL);
		fido_cred_free(&c2);
	}
	if (rc != r->expected)
		fprintf(stderr, "%s: libfido2 said %s, expected %s\n", r->name, fido_strerr(rc),
		        fido_strerr(r->expected));
	assert_int_equal(rc, r->expected);
	fido_cred_free(&cred);
	fido_assert_free(&a);
	world_close(w);
}

/* Two passkeys for one RP: one GetAssertion, then GetNextAssertion; each verifies. */
static void test_next_assertion_reset_selection(void **state)
{
	world *w = *state;
	static const uint8_t cdh[32] = {9};
	fido_assert_t *a = fido_assert_new();
	wa_credential c1, c2;
	json_t *o1 = create_options(-7, "required", "discouraged", NULL);
	json_t *o2 = create_options(-7, "required", "discouraged", NULL);

	world_open(w, NULL, 0);
	json_object_set_new(json_object_get(o2, "user"), "id", json_string("dXNlci02Nzg5MA"));
	register_and_verify(w, o1, false, &c1);
	register_and_verify(w, o2, false, &c2);
	assert_int_equal(fido_assert_set_rp(a, RP_ID), FIDO_OK);
	assert_int_equal(fido_assert_set_clientdata_hash(a, cdh, sizeof(cdh)), FIDO_OK);
	assert_int_equal(fido_dev_get_assert(w->fido, a, NULL), FIDO_OK);
	assert_int_equal(fido_assert_count(a), 2);
	/* libfido2's own verifier checks both signatures against the registered keys */
	for (size_t i = 0; i < 2; i++) {
		const wa_credential *c =
		        wa_blob_eq(&c1.id, fido_assert_id_ptr(a, i), fido_assert_id_len(a, i))
		                ? &c1
		                : &c2;
		es256_pk_t *pk = es256_pk_new();
		assert_int_equal(es256_pk_from_EVP_PKEY(pk, c->key.pkey), FIDO_OK);
		assert_int_equal(fido_assert_set_up(a, FIDO_OPT_TRUE), FIDO_OK);
		assert_int_equal(fido_assert_verify(a, i, COSE_ES256, pk), FIDO_OK);
		es256_pk_free(&pk);
	}
	assert_int_equal(fido_dev_get_touch_begin(w->fido), FIDO_OK);
	assert_int_equal(fido_dev_reset(w->fido), FIDO_OK);
	assert_int_equal(w->dev.n_credentials, 0);
	assert_true(w->events[AU_EV_RESET] == 1);
	fido_assert_free(&a);
	wa_credential_reset(&c1);
	wa_credential_reset(&c2);
	json_decref(o1);
	json_decref(o2);
	world_close(w);
}

/* U2F mode: libfido2 speaks CTAP1 over CTAPHID_MSG and builds fido-u2f itself. */
static void test_u2f_mode(void **state)
{
	world *w = *state;
	static const char *const set[][2] = {{"protocol", "u2f"}};
	wa_credential cred;
	au_failure f;
	json_t *co = create_options(-7, "discouraged", "discouraged", NULL), *go;

	world_open(w, set, 1);
	assert_false(fido_dev_is_fido2(w->fido));
	register_and_verify(w, co, false, &cred);
	assert_string_equal(cred.fmt, "fido-u2f");
	go = get_options("discouraged", &cred.id);
	assert_int_equal(authenticate_and_verify(w, go, false, &cred, &f), WA_OK);
	assert_int_equal(authenticate_and_verify(w, go, false, &cred, &f), WA_OK);
	assert_int_equal(cred.sign_count, 2);
	json_decref(go);
	/* U2F has no discoverable credentials: an empty allow list is not supported */
	go = get_options("discouraged", NULL);
	assert_int_equal(authenticate_and_verify(w, go, false, &cred, &f), WA_ERR_ARG);
	assert_int_equal(f, AU_FAIL_NOT_SUPPORTED);
	json_decref(go);
	wa_credential_reset(&cred);
	json_decref(co);
	world_close(w);
}

/* Chromium's response-override faults: the core names each. */
static void test_faults_caught_by_core(void **state)
{
	world *w = *state;
	static const struct {
		const char *key;
		wa_err expected;
	} faults[] = {{"bogus_signature", WA_ERR_SIG_INVALID},
	              {"clear_uv", WA_ERR_UV_REQUIRED},
	              {"clear_up", WA_ERR_UP_REQUIRED}};

	for (size_t i = 0; i < 3; i++) {
		wa_credential cred;
		au_failure f;
		json_t *co = create_options(-7, "required", "required", NULL),
		       *go = get_options("required", NULL);
		const char *why;
		world_open(w, NULL, 0);
		register_and_verify(w, co, true, &cred);
		assert_int_equal(au_device_set(&w->dev, faults[i].key, "true", &why), AU_OK);
		assert_int_equal(authenticate_and_verify(w, go, true, &cred, &f),
		                 faults[i].expected);
		assert_true(w->events[AU_EV_FAULT] > 0);
		wa_credential_reset(&cred);
		json_decref(co);
		json_decref(go);
		world_close(w);
	}
}

/* A browser's origin rules before any CTAP traffic: origin, RP ID (NULL: the origin's host),
 * what the browser decides. */
static const struct {
	const char *origin, *rp_id;
	au_failure want;
} origin_rules[] = {
        {"https://mahpki-auth.example.jp", "mahpki-auth.example.jp", AU_FAIL_NONE},
        {"https://a.mahpki-auth.example.jp:8443", "mahpki-auth.example.jp", AU_FAIL_NONE},
        {"http://localhost:8400", "localhost", AU_FAIL_NONE},
        {"http://mahpki-auth.example.jp", NULL, AU_FAIL_INSECURE_CONTEXT},
        {"https://192.0.2.1", NULL, AU_FAIL_INVALID_DOMAIN},
        {"https://mahpki-auth.example.jp", "evil.example", AU_FAIL_BAD_RP_ID},
        {"https://mahpki-auth.example.jp", "jp", AU_FAIL_BAD_RP_ID},
        {"https://xmahpki-auth.example.jp", "mahpki-auth.example.jp", AU_FAIL_BAD_RP_ID},
        {"not an origin", NULL, AU_FAIL_INSECURE_CONTEXT},
        /* Loopback is a secure context, [::1] too; an IP literal is then no valid domain. */
        {"http://[::1]:8400", NULL, AU_FAIL_INVALID_DOMAIN},
        {"http://127.0.0.2", NULL, AU_FAIL_INVALID_DOMAIN},
        {"http://[::2]", NULL, AU_FAIL_INSECURE_CONTEXT},
        {"http://foo.localhost:8400", NULL, AU_FAIL_NONE},
        /* The Public Suffix List: a public suffix is never an RP ID, however many labels. */
        {"https://example.co.jp", "co.jp", AU_FAIL_BAD_RP_ID},
        {"https://a.b.example.co.jp", "example.co.jp", AU_FAIL_NONE},
        {"https://a.b.example.co.jp", "b.example.co.jp", AU_FAIL_NONE},
        {"https://kagura.github.io", "github.io", AU_FAIL_BAD_RP_ID},
        {"https://mahpki-auth.2nds.medis.or.jp", "medis.or.jp", AU_FAIL_NONE},
        {"https://mahpki-auth.2nds.medis.or.jp", "or.jp", AU_FAIL_BAD_RP_ID},
        {"https://foo.localhost", "localhost", AU_FAIL_BAD_RP_ID},
        /* A host that is itself a public suffix may name itself. */
        {"https://github.io", "github.io", AU_FAIL_NONE},
};

static void test_origin_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < KAGURA_LEN(origin_rules); i++)
		if (au_client_check_origin(origin_rules[i].origin, origin_rules[i].rp_id) !=
		    origin_rules[i].want)
			fail_msg("%s with RP ID %s: not %s", origin_rules[i].origin,
			         origin_rules[i].rp_id ? origin_rules[i].rp_id : "(none)",
			         au_failure_name(origin_rules[i].want));
}

/* pubKeyCredParams as browsers read it: empty means ES256 then RS256; unknown types skipped. */
static void test_pub_key_cred_params(void **state)
{
	world *w = *state;
	au_client_result res;
	wa_credential cred;
	json_t *co = create_options(-7, "required", "required", NULL);

	world_open(w, NULL, 0);
	json_object_set_new(co, "pubKeyCredParams", json_array());
	register_and_verify(w, co, true, &cred);
	assert_int_equal(cred.key.alg, -7); /* the first default the device has */
	wa_credential_reset(&cred);
	json_object_set_new(co, "pubKeyCredParams",
	                    json_pack("[{s:s, s:i}, {s:s, s:i}]", "type", "password", "alg", -7,
	                              "type", "public-key", "alg", -257));
	register_and_verify(w, co, true, &cred);
	assert_int_equal(cred.key.alg, -257); /* the unknown type skipped */
	wa_credential_reset(&cred);
	json_object_set_new(co, "pubKeyCredParams",
	                    json_pack("[{s:s, s:i}]", "type", "password", "alg", -7));
	assert_int_equal(au_client_create(w->fido, co, ORIGIN, &res), AU_OK);
	assert_int_equal(res.failure, AU_FAIL_BAD_PARAMS);
	assert_int_equal(w->events[AU_EV_PRESENCE_ASKED], 2); /* never reached the device */
	au_client_result_reset(&res);
	json_decref(co);
	world_close(w);
}

/* userVerification "discouraged": create() needs presence only, a failing biometric is no
 * refusal; "preferred" asks for it and fails. */
static void test_uv_discouraged(void **state)
{
	world *w = *state;
	static const char *const set[][2] = {{"biometric_failures", "9"},
	                                     {"passcode_fallback", "false"}};
	au_client_result res;
	wa_credential cred;
	json_t *co = create_options(-7, "required", "discouraged", NULL);

	world_open(w, set, KAGURA_LEN(set));
	register_and_verify(w, co, false, &cred);
	assert_false(cred.uv_initialized);
	assert_int_equal(w->events[AU_EV_BIOMETRIC_ASKED], 0);
	wa_credential_reset(&cred);
	json_decref(co);
	co = create_options(-7, "required", "preferred", NULL);
	assert_int_equal(au_client_create(w->fido, co, ORIGIN, &res), AU_OK);
	assert_int_equal(res.failure, AU_FAIL_UV_FAILED);
	au_client_result_reset(&res);
	json_decref(co);
	world_close(w);
}

/* One request per frame: a second create() while the first waits for the user fails at once;
 * an aborted signal ends the call with its answer dropped, before or during the ceremony. */
static void test_pending_and_aborted(void **state)
{
	world *w = *state;
	au_frame frame = {0};
	au_client_result res;
	json_t *co = create_options(-7, "required", "required", NULL);

	world_open(w, NULL, 0);
	w->frame = &frame;
	w->again = co;
	w->page = PAGE_CALLS_AGAIN;
	w->again_failed = AU_FAIL_NONE;
	assert_int_equal(au_client_create_in(&frame, w->fido, co, ORIGIN, &res), AU_OK);
	assert_int_equal(res.failure, AU_FAIL_NONE); /* the first goes on */
	assert_non_null(res.response);
	assert_int_equal(w->again_failed, AU_FAIL_PENDING);
	assert_int_equal(frame.request, AU_REQUEST_IDLE);
	au_client_result_reset(&res);

	w->page = PAGE_ABORTS;
	assert_int_equal(au_client_create_in(&frame, w->fido, co, ORIGIN, &res), AU_OK);
	assert_int_equal(res.failure, AU_FAIL_ABORTED);
	assert_null(res.response);
	au_client_result_reset(&res);

	/* Aborted before the call: the authenticator is never asked. */
	w->page = PAGE_WAITS;
	memset(w->events, 0, sizeof(w->events));
	json_decref(co);
	co = get_options("required", NULL);
	assert_int_equal(au_client_get_in(&frame, w->fido, co, ORIGIN, &res), AU_OK);
	assert_int_equal(res.failure, AU_FAIL_ABORTED);
	assert_int_equal(w->events[AU_EV_PRESENCE_ASKED], 0);
	au_client_result_reset(&res);
	json_decref(co);
	w->frame = NULL;
	world_close(w);
}

static int setup(void **state)
{
	static world w;
	X509V3_CTX v3;

	memset(&w, 0, sizeof(w));
	w.clock = wa_clock_system(0);
	if (!sa_pki_init(&w.pki, -1, 3650))
		return -1;
	/* root (sa_pki.ca) -> intermediate attestation CA */
	w.intermediate_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	w.intermediate = sa_make_cert(w.intermediate_key, w.pki.ca_key, w.pki.ca, "Attestation CA",
	                              "kagura test attestation intermediate", true, -1, 3650);
	(void)v3;
	*state = &w;
	return w.intermediate == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	world *w = *state;
	X509_free(w->intermediate);
	EVP_PKEY_free(w->intermediate_key);
	sa_pki_free(&w->pki);
	return 0;
}

static void *refusal_states[sizeof(refusals) / sizeof(refusals[0])][2];
static void *ctap_states[sizeof(ctap_refusals) / sizeof(ctap_refusals[0])][2];

static int refusal_setup(void **state)
{
	*state = refusal_states[0]; /* replaced per test below */
	return 0;
}

int main(void)
{
	size_t n = sizeof(refusals) / sizeof(refusals[0]);
	size_t m = sizeof(ctap_refusals) / sizeof(ctap_refusals[0]);
	struct CMUnitTest tests[11 + sizeof(refusals) / sizeof(refusals[0]) +
	                        sizeof(ctap_refusals) / sizeof(ctap_refusals[0])];
	world *w;
	int rc;

	fido_init(FIDO_DISABLE_U2F_FALLBACK);
	if (setup((void **)&w) != 0)
		return 1;
	tests[0] = (struct CMUnitTest){"all algorithms x formats x rk x uv", test_matrix, NULL,
	                               NULL, w};
	tests[1] = (struct CMUnitTest){"no counter, backup flags", test_no_counter_backup, NULL,
	                               NULL, w};
	tests[2] = (struct CMUnitTest){"device file persistence", test_persistence, NULL, NULL, w};
	tests[3] = (struct CMUnitTest){"origin rules", test_origin_rules, NULL, NULL, NULL};
	tests[4] = (struct CMUnitTest){"GetNextAssertion, Selection, Reset",
	                               test_next_assertion_reset_selection, NULL, NULL, w};
	tests[5] = (struct CMUnitTest){"injected faults caught by the core",
	                               test_faults_caught_by_core, NULL, NULL, w};
	tests[6] = (struct CMUnitTest){"U2F mode over CTAPHID_MSG", test_u2f_mode, NULL, NULL, w};
	tests[7] = (struct CMUnitTest){"device file: a strict attestation chain",
	                               test_device_file_chain_strict, NULL, NULL, w};
	tests[8] = (struct CMUnitTest){"pubKeyCredParams: defaults, unknown types",
	                               test_pub_key_cred_params, NULL, NULL, w};
	tests[9] = (struct CMUnitTest){"userVerification discouraged", test_uv_discouraged, NULL,
	                               NULL, w};
	tests[10] = (struct CMUnitTest){"a pending request, an aborted signal",
	                                test_pending_and_aborted, NULL, NULL, w};
	for (size_t i = 0; i < n; i++) {
		refusal_states[i][0] = w;
		refusal_states[i][1] = (void *)&refusals[i];
		tests[11 + i] = (struct CMUnitTest){refusals[i].name, test_refusal, NULL, NULL,
		                                    refusal_states[i]};
	}
	for (size_t i = 0; i < m; i++) {
		ctap_states[i][0] = w;
		ctap_states[i][1] = (void *)&ctap_refusals[i];
		tests[11 + n + i] = (struct CMUnitTest){ctap_refusals[i].name, test_ctap_refusal,
		                                        NULL, NULL, ctap_states[i]};
	}
	(void)refusal_setup;
	rc = _cmocka_run_group_tests("authenticator-e2e", tests, 11 + n + m, NULL, NULL);
	teardown((void **)&w);
	return rc;
}
