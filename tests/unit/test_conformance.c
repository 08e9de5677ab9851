/*
 * The FIDO2 conformance API (rp/conformance.c) over real HTTP: libmicrohttpd
 * serves rp_app_handle on a loopback port, libcurl with a cookie engine plays
 * the conformance tool, and the simulated phone (libfido2 -> CTAPHID -> virtual
 * CTAP2 device -> browser client) produces the credentials. The cases are the
 * conformance test list's (rp-verification §1.2) that apply to this server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "authenticator/device/attest.h"
#include "authenticator/device/ctap2.h"
#include "authenticator/device/ctaphid.h"
#include "authenticator/device/device.h"
#include "authenticator/device/fido_glue.h"
#include "authenticator/phone/client.h"
#include "testdir.h"
#include "rp/app.h"
#include "rp/conformance.h"
#include "rp/setup.h"
#include "rp/write_queue.h"
#include "softauthn.h"
#include "webauthn/b64url.h"

#define ORIGIN   "https://mahpki-auth.example.jp"
#define RP_ID    "mahpki-auth.example.jp"
#define MAX_BODY (64 * 1024)
#define COOKIE   "kagura_conformance"

/* The attestation CA the simulated devices' packed/fido-u2f identities chain to. */
static sa_pki pki;
static X509 *intermediate;
static EVP_PKEY *intermediate_key;

typedef struct world {
	char dir[64];
	char db[96];
	rp_app app;
	rp_http_server *srv;
	char base[96]; /* "http://127.0.0.1:PORT" */
	CURL *browser; /* the conformance tool, with its cookie jar */
	au_device dev; /* the phone */
	au_ctap ctap;
	au_hid *hid;
	fido_dev_t *fido;
	wa_clock clock;
} world;

/* ---- set-up: a fresh store, server, browser and phone per test ---- */

/* The results' writes through a write queue (committed with others, as `kagura-rp serve` does),
 * or each written by its handler: the suite runs both ways. */
static bool with_write_queue;

/* The app serves the conformance API alone: no other flow is needed to play the tool. */
static const rp_route_table *const conformance_only[] = {&rp_conformance_table};

static CURL *new_browser(void)
{
	CURL *c = curl_easy_init();

	assert_non_null(c);
	/* An empty file name turns the cookie engine on without reading a file. */
	curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");
	/* The server is on loopback: never let an environment proxy in between. */
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	return c;
}

static void phone_identity(world *w)
{
	assert_int_equal(au_attest_identity_create(&w->dev, intermediate, intermediate_key,
	                                           wa_clock_now(&w->clock)),
	                 AU_OK);
}

/* Device settings (KEY=VALUE as `kagura-authn device set`) after set-up. */
static void phone_set(world *w, const char *key, const char *value)
{
	const char *why = NULL;
	au_err e = au_device_set(&w->dev, key, value, &why);

	if (e != AU_OK)
		fprintf(stderr, "set %s=%s: %s\n", key, value, why ? why : au_strerr(e));
	assert_int_equal(e, AU_OK);
}

static int setup(void **state)
{
	world *w = calloc(1, sizeof(*w));
	char bound[64];

	if (w == NULL)
		return -1;
	if (!test_dir_make(w->dir, sizeof(w->dir), "kagura-conformance"))
		return -1;
	snprintf(w->db, sizeof(w->db), "%s/store.db", w->dir);
	if (!rp_app_init(&w->app, rp_generation_find("2.16")))
		return -1;
	/* Owned, as kagura-rp serve opens it: the assertions read their users from memory. */
	if (rp_store_open_ex(w->db, RP_STORE_OWNED, NULL, 0, &w->app.store) != RP_STORE_OK)
		return -1;
	w->app.cfg.origin = ORIGIN;
	w->app.cfg.rp_id = RP_ID;
	w->app.cfg.conformance_api = true; /* off unless asked (rp/conformance.h) */
	w->app.routes = conformance_only;
	w->app.n_routes = KAGURA_LEN(conformance_only);
	if (with_write_queue && (w->app.writes = rp_write_queue_start(w->app.store)) == NULL)
		return -1;
	if (rp_http_start("127.0.0.1:0", MAX_BODY, rp_app_handle, &w->app, NULL, &w->srv, bound,
	                  sizeof(bound)) != RP_HTTP_OK) {
		rp_write_queue_stop(&w->app.writes);
		return -1;
	}
	snprintf(w->base, sizeof(w->base), "http://%s", bound);
	w->browser = new_browser();

	w->clock = wa_clock_system(0);
	if (au_device_init(&w->dev, "desktop-chrome") != AU_OK ||
	    au_attest_identity_create(&w->dev, intermediate, intermediate_key,
	                              wa_clock_now(&w->clock)) != AU_OK)
		return -1;
	au_ctap_init(&w->ctap, &w->dev, &w->clock, NULL, NULL);
	if ((w->hid = au_hid_new(&w->ctap)) == NULL || au_fido_open(w->hid, &w->fido) != FIDO_OK)
		return -1;
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	world *w = *state;

	au_fido_close(&w->fido);
	au_hid_free(w->hid);
	au_device_free(&w->dev);
	curl_easy_cleanup(w->browser);
	rp_http_stop(w->srv);
	rp_app_release(&w->app); /* the write queue, then the store */
	test_dir_remove(w->dir);
	free(w);
	return 0;
}

/* ---- HTTP ---- */

typedef struct reply {
	long status;
	wa_blob body;
	json_t *json; /* the body parsed, NULL when it is not JSON */
} reply;

static void reply_reset(reply *r)
{
	wa_blob_reset(&r->body);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

static size_t collect(char *ptr, size_t size, size_t n, void *ud)
{
	return wa_blob_append(ud, ptr, size * n) == WA_OK ? size * n : 0;
}

/* POSTs len bytes; ctype NULL sends no Content-Type, cookie (may be NULL) is sent as given. */
static reply post_raw(world *w, CURL *c, const char *path, const char *body, size_t len,
                      const char *ctype, const char *cookie)
{
	char url[256], header[128];
	struct curl_slist *headers = NULL;
	reply r;
	CURLcode rc;

	memset(&r, 0, sizeof(r));
	snprintf(url, sizeof(url), "%s%s", w->base, path);
	/* curl adds a form type to every POST unless told to send the header empty. */
	snprintf(header, sizeof(header), "Content-Type:%s%s", ctype ? " " : "", ctype ? ctype : "");
	headers = curl_slist_append(headers, header);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
	curl_easy_setopt(c, CURLOPT_COOKIE, cookie);
	rc = curl_easy_perform(c);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_COOKIE, NULL);
	curl_slist_free_all(headers);
	if (rc != CURLE_OK)
		fprintf(stderr, "POST %s: %s\n", path, curl_easy_strerror(rc));
	assert_int_equal(rc, CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	r.json = json_loadb((const char *)r.body.ptr, r.body.len, 0, NULL);
	return r;
}

static reply post_text(world *w, CURL *c, const char *path, const char *text)
{
	return post_raw(w, c, path, text, strlen(text), "application/json", NULL);
}

static reply post_json(world *w, CURL *c, const char *path, const json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);
	reply r;

	assert_non_null(text);
	r = post_text(w, c, path, text);
	free(text);
	return r;
}

/* {"status":"ok","errorMessage":""} with 200. */
static void expect_ok(const reply *r)
{
	if (r->status != 200)
		fprintf(stderr, "expected 200, got %ld: %.*s\n", r->status, (int)r->body.len,
		        (const char *)r->body.ptr);
	assert_int_equal(r->status, 200);
	assert_non_null(r->json);
	assert_string_equal(json_string_value(json_object_get(r->json, "status")), "ok");
	assert_string_equal(json_string_value(json_object_get(r->json, "errorMessage")), "");
}

/* The failure shape with the given status; errorMessage non-empty and containing needle. */
static void expect_failed(const reply *r, long status, const char *needle)
{
	const char *msg;

	if (r->status != status || r->json == NULL)
		fprintf(stderr, "expected %ld, got %ld: %.*s\n", status, r->status,
		        (int)r->body.len, (const char *)r->body.ptr);
	assert_int_equal(r->status, status);
	assert_non_null(r->json);
	assert_string_equal(json_string_value(json_object_get(r->json, "status")), "failed");
	msg = json_string_value(json_object_get(r->json, "errorMessage"));
	assert_non_null(msg);
	assert_true(msg[0] != '\0');
	if (needle != NULL && strstr(msg, needle) == NULL)
		fprintf(stderr, "errorMessage \"%s\" lacks \"%s\"\n", msg, needle);
	assert_non_null(needle ? strstr(msg, needle) : msg);
}

/* The value of the conformance cookie in c's jar; NULL when it holds none. */
static char *jar_cookie(CURL *c)
{
	struct curl_slist *list = NULL;
	char *value = NULL;

	assert_int_equal(curl_easy_getinfo(c, CURLINFO_COOKIELIST, &list), CURLE_OK);
	for (struct curl_slist *l = list; l != NULL; l = l->next) {
		/* Netscape format: domain, flag, path, secure, expiry, name, value. */
		const char *f = l->data, *expiry = NULL;
		for (int i = 0; i < 5 && f != NULL; i++) {
			f = strchr(f, '\t') ? strchr(f, '\t') + 1 : NULL;
			if (i == 3)
				expiry = f;
		}
		/* curl keeps a cookie deleted by Max-Age=0 listed, expired, and never sends it. */
		if (expiry != NULL && strtoll(expiry, NULL, 10) != 0 &&
		    strtoll(expiry, NULL, 10) < (long long)time(NULL))
			continue;
		if (f != NULL && strncmp(f, COOKIE "\t", strlen(COOKIE) + 1) == 0)
			value = strdup(f + strlen(COOKIE) + 1);
	}
	curl_slist_free_all(list);
	return value;
}

/* ---- the conformance tool's requests ---- */

static reply attestation_options(world *w, CURL *c, const char *user, const char *uv,
                                 const char *attestation)
{
	json_t *req = json_pack("{s:s, s:s}", "username", user, "displayName", "Dr. Test");
	reply r;

	if (uv != NULL)
		json_object_set_new(
		        req, "authenticatorSelection",
		        json_pack("{s:b, s:s}", "requireResidentKey", 0, "userVerification", uv));
	if (attestation != NULL)
		json_object_set_new(req, "attestation", json_string(attestation));
	r = post_json(w, c, "/attestation/options", req);
	json_decref(req);
	expect_ok(&r);
	return r;
}

static reply assertion_options(world *w, CURL *c, const char *user, const char *uv)
{
	json_t *req = json_pack("{s:s}", "username", user);
	reply r;

	if (uv != NULL)
		json_object_set_new(req, "userVerification", json_string(uv));
	r = post_json(w, c, "/assertion/options", req);
	json_decref(req);
	expect_ok(&r);
	return r;
}

/* The server's options as the W3C *OptionsJSON the browser client takes. */
static json_t *client_options(const reply *r)
{
	json_t *o = json_deep_copy(r->json);

	json_object_del(o, "status");
	json_object_del(o, "errorMessage");
	return o;
}

/* navigator.credentials.create() on the phone; the RegistrationResponseJSON. */
static json_t *phone_create(world *w, const reply *options)
{
	json_t *o = client_options(options), *resp;
	au_client_result res;

	assert_int_equal(au_client_create(w->fido, o, ORIGIN, &res), AU_OK);
	if (res.failure != AU_FAIL_NONE)
		fprintf(stderr, "create: %s (%s)\n", au_failure_name(res.failure), res.detail);
	assert_int_equal(res.failure, AU_FAIL_NONE);
	resp = json_incref(res.response);
	au_client_result_reset(&res);
	json_decref(o);
	return resp;
}

/* navigator.credentials.get() on the phone; the AuthenticationResponseJSON. */
static json_t *phone_get(world *w, const reply *options)
{
	json_t *o = client_options(options), *resp;
	au_client_result res;

	assert_int_equal(au_client_get(w->fido, o, ORIGIN, &res), AU_OK);
	if (res.failure != AU_FAIL_NONE)
		fprintf(stderr, "get: %s (%s)\n", au_failure_name(res.failure), res.detail);
	assert_int_equal(res.failure, AU_FAIL_NONE);
	resp = json_incref(res.response);
	au_client_result_reset(&res);
	json_decref(o);
	return resp;
}

/* options -> create -> result, all expected to succeed; the credential id (base64url) back. */
static char *register_user(world *w, CURL *c, const char *user, const char *uv)
{
	reply o = attestation_options(w, c, user, uv, NULL), r;
	json_t *cred = phone_create(w, &o);
	char *id = strdup(json_string_value(json_object_get(cred, "id")));

	r = post_json(w, c, "/attestation/result", cred);
	expect_ok(&r);
	reply_reset(&r);
	reply_reset(&o);
	json_decref(cred);
	return id;
}

/* The stored record of a credential given as base64url. */
static rp_cred stored(world *w, const char *id_b64)
{
	wa_blob id = {0};
	rp_cred c;

	assert_int_equal(wa_b64url_decode(id_b64, strlen(id_b64), &id), WA_OK);
	assert_int_equal(rp_store_cred_by_id(w->app.store, id.ptr, id.len, &c), RP_STORE_OK);
	wa_blob_reset(&id);
	return c;
}

/* The API's user of that name as stored: in the API's own namespace (rp/app.h). */
static rp_store_err conformance_user(world *w, const char *user, rp_user *u)
{
	char name[RP_USER_NAME_MAX + 1];

	snprintf(name, sizeof(name), "%s%s", RP_CONFORMANCE_USER_PREFIX, user);
	return rp_store_user_by_name(w->app.store, name, u);
}

static size_t n_credentials(world *w, const char *user)
{
	rp_user u;
	rp_cred *list;
	size_t n;

	if (conformance_user(w, user, &u) != RP_STORE_OK)
		return 0;
	assert_int_equal(rp_store_cred_list(w->app.store, u.id, &list, &n), RP_STORE_OK);
	rp_cred_list_free(&list, n);
	return n;
}

static size_t b64_len(const json_t *v)
{
	wa_blob b = {0};
	size_t n;

	assert_true(json_is_string(v));
	assert_int_equal(wa_b64url_decode(json_string_value(v), json_string_length(v), &b), WA_OK);
	n = b.len;
	wa_blob_reset(&b);
	return n;
}

/* ---- Server-ServerPublicKeyCredentialCreationOptions-Req-1 ---- */

static void test_creation_options(void **state)
{
	world *w = *state;
	json_t *req =
	        json_pack("{s:s, s:s, s:{s:s, s:b, s:s}, s:s, s:{s:b}}", "username", "conf-user-1",
	                  "displayName", "Conformance User", "authenticatorSelection",
	                  "authenticatorAttachment", "cross-platform", "requireResidentKey", 0,
	                  "userVerification", "preferred", "attestation", "direct", "extensions",
	                  "example.extension", 1);
	reply r = post_json(w, w->browser, "/attestation/options", req), r2, r3, r4;
	const json_t *user, *rp, *params, *p, *sel;
	size_t i;
	char *cookie;

	/* P-1: the response shape. */
	expect_ok(&r);
	rp = json_object_get(r.json, "rp");
	assert_string_equal(json_string_value(json_object_get(rp, "id")), RP_ID);
	assert_true(json_string_length(json_object_get(rp, "name")) > 0);
	user = json_object_get(r.json, "user");
	assert_string_equal(json_string_value(json_object_get(user, "name")), "conf-user-1");
	assert_string_equal(json_string_value(json_object_get(user, "displayName")),
	                    "Conformance User");
	assert_true(b64_len(json_object_get(user, "id")) >= 1);
	assert_true(b64_len(json_object_get(user, "id")) <= 64);
	assert_true(b64_len(json_object_get(r.json, "challenge")) >= 16);
	params = json_object_get(r.json, "pubKeyCredParams");
	assert_true(json_is_array(params) && json_array_size(params) > 0);
	bool es256 = false, rs256 = false, rs1 = false;
	json_array_foreach(params, i, p)
	{
		assert_true(json_is_object(p));
		assert_string_equal(json_string_value(json_object_get(p, "type")), "public-key");
		assert_true(json_is_integer(json_object_get(p, "alg")));
		es256 |= json_integer_value(json_object_get(p, "alg")) == -7;
		rs256 |= json_integer_value(json_object_get(p, "alg")) == -257;
		rs1 |= json_integer_value(json_object_get(p, "alg")) == -65535;
	}
	/* Resp-4: ES256, RS256 and RS1 are the mandatory algorithms. */
	assert_true(es256 && rs256 && rs1);
	assert_true(json_integer_value(json_object_get(r.json, "timeout")) > 0);
	assert_true(json_is_array(json_object_get(r.json, "excludeCredentials")));
	assert_int_equal(json_array_size(json_object_get(r.json, "excludeCredentials")), 0);
	sel = json_object_get(r.json, "authenticatorSelection");
	assert_string_equal(json_string_value(json_object_get(sel, "authenticatorAttachment")),
	                    "cross-platform");
	assert_string_equal(json_string_value(json_object_get(sel, "userVerification")),
	                    "preferred");
	assert_true(json_is_false(json_object_get(sel, "requireResidentKey")));
	assert_string_equal(json_string_value(json_object_get(r.json, "attestation")), "direct");
	assert_true(json_is_true(
	        json_object_get(json_object_get(r.json, "extensions"), "example.extension")));
	/* The pending ceremony is named by a cookie. */
	cookie = jar_cookie(w->browser);
	assert_non_null(cookie);
	assert_true(strlen(cookie) >= 22);
	free(cookie);
	/* No user is made before a registration verified: the options store none. */
	rp_user u;
	assert_int_equal(conformance_user(w, "conf-user-1", &u), RP_STORE_NOT_FOUND);
	assert_int_equal(b64_len(json_object_get(user, "id")), 16);

	/* P-2: attestation "none" is honoured; absent means "none" too. */
	r2 = attestation_options(w, w->browser, "conf-user-1", NULL, "none");
	assert_string_equal(json_string_value(json_object_get(r2.json, "attestation")), "none");
	r3 = attestation_options(w, w->browser, "conf-user-1", NULL, NULL);
	assert_string_equal(json_string_value(json_object_get(r3.json, "attestation")), "none");
	/* ... and the same name keeps the same user.id, made or not. */
	assert_string_equal(
	        json_string_value(json_object_get(json_object_get(r3.json, "user"), "id")),
	        json_string_value(json_object_get(user, "id")));
	/* Another name, another user.id: the key is the server's, the name what it keys. */
	r4 = attestation_options(w, w->browser, "conf-user-2", NULL, NULL);
	assert_int_equal(r4.status, 200);
	assert_string_not_equal(
	        json_string_value(json_object_get(json_object_get(r4.json, "user"), "id")),
	        json_string_value(json_object_get(user, "id")));
	reply_reset(&r4);

	/* P-3: every call a fresh challenge. */
	assert_string_not_equal(json_string_value(json_object_get(r.json, "challenge")),
	                        json_string_value(json_object_get(r2.json, "challenge")));
	assert_string_not_equal(json_string_value(json_object_get(r2.json, "challenge")),
	                        json_string_value(json_object_get(r3.json, "challenge")));
	reply_reset(&r);
	reply_reset(&r2);
	reply_reset(&r3);
	json_decref(req);
}

/* ---- a whole registration and authentication ---- */

static void test_register_and_authenticate(void **state)
{
	world *w = *state;
	reply o, o2, a, a2, res;
	json_t *cred, *assertion, *allow, *req;
	rp_cred rec;
	const char *id;

	/* A packed x5c attestation: checked for validity, no anchor required. */
	phone_set(w, "attestation", "packed");
	o = attestation_options(w, w->browser, "conf-user-2", "required", "direct");
	cred = phone_create(w, &o);
	id = json_string_value(json_object_get(cred, "id"));
	res = post_json(w, w->browser, "/attestation/result", cred);
	expect_ok(&res);
	reply_reset(&res);
	rec = stored(w, id);
	assert_string_equal(rec.fmt, "packed");
	assert_string_equal(rec.transports, "internal");
	assert_string_equal(rec.label, "");
	assert_int_equal(rec.alg, -7);
	assert_int_equal(rec.sign_count, 1);
	assert_true(rec.enabled);
	rp_cred_reset(&rec);

	/* Resp-1 P-1: a second options call excludes the registered credential... */
	o2 = attestation_options(w, w->browser, "conf-user-2", NULL, NULL);
	assert_int_equal(json_array_size(json_object_get(o2.json, "excludeCredentials")), 1);
	assert_string_equal(
	        json_string_value(json_object_get(
	                json_array_get(json_object_get(o2.json, "excludeCredentials"), 0), "id")),
	        id);
	/* ... and the phone holding it refuses to make another. */
	json_t *opts = client_options(&o2);
	au_client_result cr;
	assert_int_equal(au_client_create(w->fido, opts, ORIGIN, &cr), AU_OK);
	assert_int_equal(cr.failure, AU_FAIL_EXCLUDED);
	au_client_result_reset(&cr);
	json_decref(opts);

	/* GetOptions Req-1 P-1: shape, extensions echoed, allowCredentials = the credential. */
	req = json_pack("{s:s, s:s, s:{s:b}}", "username", "conf-user-2", "userVerification",
	                "required", "extensions", "example.extension", 1);
	a = post_json(w, w->browser, "/assertion/options", req);
	json_decref(req);
	expect_ok(&a);
	assert_true(b64_len(json_object_get(a.json, "challenge")) >= 16);
	assert_string_equal(json_string_value(json_object_get(a.json, "rpId")), RP_ID);
	assert_string_equal(json_string_value(json_object_get(a.json, "userVerification")),
	                    "required");
	assert_true(json_integer_value(json_object_get(a.json, "timeout")) > 0);
	assert_true(json_is_true(
	        json_object_get(json_object_get(a.json, "extensions"), "example.extension")));
	allow = json_object_get(a.json, "allowCredentials");
	assert_int_equal(json_array_size(allow), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(allow, 0), "id")), id);
	assert_string_equal(json_string_value(json_object_get(json_array_get(allow, 0), "type")),
	                    "public-key");
	/* P-2: a fresh challenge each time (this second call is the one answered). */
	a2 = assertion_options(w, w->browser, "conf-user-2", "required");
	assert_string_not_equal(json_string_value(json_object_get(a.json, "challenge")),
	                        json_string_value(json_object_get(a2.json, "challenge")));

	assertion = phone_get(w, &a2);
	res = post_json(w, w->browser, "/assertion/result", assertion);
	expect_ok(&res);
	reply_reset(&res);
	rec = stored(w, id);
	assert_int_equal(rec.sign_count, 2);
	rp_cred_reset(&rec);

	json_decref(assertion);
	reply_reset(&a);
	reply_reset(&a2);
	reply_reset(&o2);
	reply_reset(&o);
	json_decref(cred);
}

/* ---- Resp-1 (structure) F-cases ---- */

typedef struct mutation {
	const char *name;
	const char *member; /* "id", or "response.clientDataJSON" */
	const char *value;  /* JSON text; NULL deletes the member */
	const char *error;  /* the verifier's code in errorMessage */
} mutation;

static void mutate(json_t *resp, const mutation *m)
{
	const char *dot = strchr(m->member, '.');
	json_t *obj = resp;
	const char *key = m->member;

	if (dot != NULL) {
		obj = json_object_get(resp, "response");
		key = dot + 1;
	}
	if (m->value == NULL) {
		json_object_del(obj, key);
	} else {
		json_t *v = json_loads(m->value, JSON_DECODE_ANY, NULL);
		assert_non_null(v);
		json_object_set_new(obj, key, v);
	}
}

static const mutation reg_structure[] = {
        {"F-1 id missing", "id", NULL, "WA_ERR_RESP_ID_MISSING"},
        {"F-2 id not a string", "id", "42", "WA_ERR_RESP_ID_TYPE"},
        {"F-3 id not base64url", "id", "\"not base64url!\"", "WA_ERR_RESP_ID_TYPE"},
        {"F-4 type missing", "type", NULL, "WA_ERR_RESP_TYPE_MISSING"},
        {"F-5 type not a string", "type", "{}", "WA_ERR_RESP_TYPE"},
        {"F-6 type not public-key", "type", "\"private-key\"", "WA_ERR_RESP_TYPE"},
        {"F-7 response missing", "response", NULL, "WA_ERR_RESP_RESPONSE_MISSING"},
        {"F-8 response not an object", "response", "\"{}\"", "WA_ERR_RESP_RESPONSE_MISSING"},
        {"F-9 clientDataJSON missing", "response.clientDataJSON", NULL,
         "WA_ERR_RESP_CDATA_MISSING"},
        {"F-10 clientDataJSON not a string", "response.clientDataJSON", "true",
         "WA_ERR_RESP_CDATA_TYPE"},
        {"F-11 clientDataJSON empty", "response.clientDataJSON", "\"\"",
         "WA_ERR_RESP_CDATA_MISSING"},
        {"F-12 attestationObject missing", "response.attestationObject", NULL,
         "WA_ERR_RESP_ATTOBJ_MISSING"},
        {"F-13 attestationObject not a string", "response.attestationObject", "7",
         "WA_ERR_RESP_ATTOBJ_TYPE"},
        {"F-14 attestationObject empty", "response.attestationObject", "\"\"",
         "WA_ERR_RESP_ATTOBJ_MISSING"},
};

static void test_registration_structure(void **state)
{
	world *w = *state;
	reply o = attestation_options(w, w->browser, "conf-user-3", NULL, NULL), r;
	json_t *valid = phone_create(w, &o);

	reply_reset(&o);
	for (size_t i = 0; i < sizeof(reg_structure) / sizeof(reg_structure[0]); i++) {
		json_t *bad = json_deep_copy(valid);
		/* Each case a fresh ceremony, as the tool runs them. */
		o = attestation_options(w, w->browser, "conf-user-3", NULL, NULL);
		mutate(bad, &reg_structure[i]);
		r = post_json(w, w->browser, "/attestation/result", bad);
		if (r.status != 400)
			fprintf(stderr, "%s\n", reg_structure[i].name);
		expect_failed(&r, 400, reg_structure[i].error);
		reply_reset(&r);
		reply_reset(&o);
		json_decref(bad);
	}
	/* The untouched response answers the first options call, not the last: wrong challenge. */
	o = attestation_options(w, w->browser, "conf-user-3", NULL, NULL);
	r = post_json(w, w->browser, "/attestation/result", valid);
	expect_failed(&r, 400, "WA_ERR_CDATA_CHALLENGE");
	reply_reset(&r);
	reply_reset(&o);
	/* Nothing of all that was stored. */
	assert_int_equal(n_credentials(w, "conf-user-3"), 0);
	json_decref(valid);
}

/* Assertion Resp-1 F-cases: the same shape rules for the GetAssertion response. */
static const mutation auth_structure[] = {
        {"F-1 id missing", "id", NULL, "WA_ERR_RESP_ID_MISSING"},
        {"F-3 id not base64url", "id", "\"!!\"", "WA_ERR_RESP_ID_TYPE"},
        {"F-4 type missing", "type", NULL, "WA_ERR_RESP_TYPE_MISSING"},
        {"F-6 type not public-key", "type", "\"public_key\"", "WA_ERR_RESP_TYPE"},
        {"F-7 response missing", "response", NULL, "WA_ERR_RESP_RESPONSE_MISSING"},
        {"clientDataJSON empty", "response.clientDataJSON", "\"\"", "WA_ERR_RESP_CDATA_MISSING"},
        {"authenticatorData missing", "response.authenticatorData", NULL,
         "WA_ERR_RESP_AUTHDATA_MISSING"},
        {"authenticatorData not a string", "response.authenticatorData", "[]",
         "WA_ERR_RESP_AUTHDATA_TYPE"},
        {"authenticatorData not base64url", "response.authenticatorData", "\"a+b/\"",
         "WA_ERR_RESP_AUTHDATA_TYPE"},
        {"authenticatorData empty", "response.authenticatorData", "\"\"",
         "WA_ERR_RESP_AUTHDATA_MISSING"},
        {"signature missing", "response.signature", NULL, "WA_ERR_RESP_SIG_MISSING"},
        {"signature not a string", "response.signature", "1", "WA_ERR_RESP_SIG_TYPE"},
        {"signature empty", "response.signature", "\"\"", "WA_ERR_RESP_SIG_MISSING"},
        {"F-21 userHandle not a string", "response.userHandle", "{}",
         "WA_ERR_RESP_USERHANDLE_TYPE"},
};

static void test_assertion_structure(void **state)
{
	world *w = *state;
	char *id = register_user(w, w->browser, "conf-user-4", NULL);
	reply o = assertion_options(w, w->browser, "conf-user-4", NULL), r;
	json_t *valid = phone_get(w, &o);
	size_t n = sizeof(auth_structure) / sizeof(auth_structure[0]);
	rp_cred rec;

	reply_reset(&o);
	for (size_t i = 0; i < n; i++) {
		json_t *bad = json_deep_copy(valid);
		o = assertion_options(w, w->browser, "conf-user-4", NULL);
		mutate(bad, &auth_structure[i]);
		r = post_json(w, w->browser, "/assertion/result", bad);
		if (r.status != 400)
			fprintf(stderr, "%s\n", auth_structure[i].name);
		expect_failed(&r, 400, auth_structure[i].error);
		reply_reset(&r);
		reply_reset(&o);
		json_decref(bad);
	}
	/* A fresh, otherwise valid assertion with another signature (F-20): the signature check
	 * fails. */
	o = assertion_options(w, w->browser, "conf-user-4", NULL);
	json_t *fresh = phone_get(w, &o), *other;
	reply o2 = assertion_options(w, w->browser, "conf-user-4", NULL);
	other = phone_get(w, &o2);
	/* o2's challenge is pending; give its response the signature made over o's. */
	json_object_set(json_object_get(other, "response"), "signature",
	                json_object_get(json_object_get(fresh, "response"), "signature"));
	r = post_json(w, w->browser, "/assertion/result", other);
	expect_failed(&r, 400, "WA_ERR_SIG_INVALID");
	reply_reset(&r);
	reply_reset(&o);
	reply_reset(&o2);
	json_decref(fresh);
	json_decref(other);

	/* An unknown credential id: never registered here. */
	o = assertion_options(w, w->browser, "conf-user-4", NULL);
	json_t *bad = json_deep_copy(valid);
	json_object_set_new(bad, "id", json_string("AAAAAAAAAAAAAAAAAAAAAA"));
	json_object_del(bad, "rawId");
	r = post_json(w, w->browser, "/assertion/result", bad);
	expect_failed(&r, 400, "WA_ERR_CRED_UNKNOWN");
	reply_reset(&r);
	reply_reset(&o);
	json_decref(bad);

	/* None of it moved the counter: registration 1, no accepted assertion. */
	rec = stored(w, id);
	assert_int_equal(rec.sign_count, 1);
	rp_cred_reset(&rec);
	json_decref(valid);
	free(id);
}

/* ---- wrong challenge, replay, counter regression ---- */

static void test_wrong_challenge(void **state)
{
	world *w = *state;
	reply o1, o2, r;
	json_t *resp;
	char *id;

	/* Registration: the response to the first options call, posted after a second call. */
	o1 = attestation_options(w, w->browser, "conf-user-5", NULL, NULL);
	resp = phone_create(w, &o1);
	o2 = attestation_options(w, w->browser, "conf-user-5", NULL, NULL);
	r = post_json(w, w->browser, "/attestation/result", resp);
	expect_failed(&r, 400, "WA_ERR_CDATA_CHALLENGE");
	reply_reset(&r);
	reply_reset(&o1);
	reply_reset(&o2);
	json_decref(resp);
	assert_int_equal(n_credentials(w, "conf-user-5"), 0);

	/* Authentication: the same. */
	id = register_user(w, w->browser, "conf-user-5", NULL);
	o1 = assertion_options(w, w->browser, "conf-user-5", NULL);
	resp = phone_get(w, &o1);
	o2 = assertion_options(w, w->browser, "conf-user-5", NULL);
	r = post_json(w, w->browser, "/assertion/result", resp);
	expect_failed(&r, 400, "WA_ERR_CDATA_CHALLENGE");
	reply_reset(&r);
	reply_reset(&o1);
	reply_reset(&o2);
	json_decref(resp);

	/* A result for the other ceremony than the one pending: refused, and the token spent. */
	o1 = attestation_options(w, w->browser, "conf-user-5", NULL, NULL);
	r = post_text(w, w->browser, "/assertion/result", "{}");
	expect_failed(&r, 400, "is a registration, not an authentication");
	reply_reset(&r);
	reply_reset(&o1);
	free(id);
}

static void test_replayed_result(void **state)
{
	world *w = *state;
	reply o, r;
	json_t *resp;
	char *cookie, header[160];
	rp_cred rec;
	const char *id;

	/* Registration: the same body with the same cookie, twice. */
	o = attestation_options(w, w->browser, "conf-user-6", NULL, NULL);
	cookie = jar_cookie(w->browser);
	assert_non_null(cookie);
	snprintf(header, sizeof(header), COOKIE "=%s", cookie);
	resp = phone_create(w, &o);
	id = json_string_value(json_object_get(resp, "id"));
	r = post_json(w, w->browser, "/attestation/result", resp);
	expect_ok(&r);
	reply_reset(&r);
	/* The server told the browser to forget the spent token... */
	char *left = jar_cookie(w->browser);
	assert_null(left);
	/* ... and an attacker replaying both the token and the body finds nothing. */
	char *text = json_dumps(resp, JSON_COMPACT);
	r = post_raw(w, w->browser, "/attestation/result", text, strlen(text), "application/json",
	             header);
	free(text);
	expect_failed(&r, 400, "no pending registration");
	reply_reset(&r);
	reply_reset(&o);
	free(cookie);
	assert_int_equal(n_credentials(w, "conf-user-6"), 1);

	/* Under a fresh challenge the old body is still refused: it answers the old one. */
	o = attestation_options(w, w->browser, "conf-user-6", NULL, NULL);
	r = post_json(w, w->browser, "/attestation/result", resp);
	expect_failed(&r, 400, "WA_ERR_CDATA_CHALLENGE");
	reply_reset(&r);
	reply_reset(&o);

	/* Authentication: the same replay. */
	o = assertion_options(w, w->browser, "conf-user-6", NULL);
	cookie = jar_cookie(w->browser);
	snprintf(header, sizeof(header), COOKIE "=%s", cookie);
	json_t *assertion = phone_get(w, &o);
	r = post_json(w, w->browser, "/assertion/result", assertion);
	expect_ok(&r);
	reply_reset(&r);
	text = json_dumps(assertion, JSON_COMPACT);
	r = post_raw(w, w->browser, "/assertion/result", text, strlen(text), "application/json",
	             header);
	free(text);
	expect_failed(&r, 400, "no pending authentication");
	reply_reset(&r);
	reply_reset(&o);
	free(cookie);
	/* No cookie at all. */
	r = post_json(w, w->browser, "/assertion/result", assertion);
	expect_failed(&r, 400, "cookie is missing");
	reply_reset(&r);
	rec = stored(w, id);
	assert_int_equal(rec.sign_count, 2);
	rp_cred_reset(&rec);
	json_decref(assertion);
	json_decref(resp);
}

/*
 * Assertion Resp-3 F-4: two browsers each get a challenge; the phone signs for
 * the first (counter 2), then for the second (counter 3), which is accepted.
 * The first browser's assertion now answers its own, still valid challenge but
 * carries an older counter: a cloned authenticator's signature.
 */
static void test_counter_regression(void **state)
{
	world *w = *state;
	CURL *other = new_browser();
	char *id = register_user(w, w->browser, "conf-user-7", NULL);
	reply o1 = assertion_options(w, w->browser, "conf-user-7", NULL);
	json_t *older = phone_get(w, &o1);
	reply o2 = assertion_options(w, other, "conf-user-7", NULL), r;
	json_t *newer = phone_get(w, &o2);
	rp_cred rec;

	r = post_json(w, other, "/assertion/result", newer);
	expect_ok(&r);
	reply_reset(&r);
	rec = stored(w, id);
	assert_int_equal(rec.sign_count, 3);
	rp_cred_reset(&rec);
	r = post_json(w, w->browser, "/assertion/result", older);
	expect_failed(&r, 400, "WA_ERR_SIGN_COUNT");
	assert_non_null(strstr(json_string_value(json_object_get(r.json, "errorMessage")),
	                       "2 <= stored 3"));
	reply_reset(&r);
	rec = stored(w, id);
	assert_int_equal(rec.sign_count, 3);
	rp_cred_reset(&rec);
	reply_reset(&o1);
	reply_reset(&o2);
	json_decref(older);
	json_decref(newer);
	curl_easy_cleanup(other);
	free(id);
}

/* ---- users, UV ---- */

static void test_unknown_user(void **state)
{
	world *w = *state;
	reply r = post_text(w, w->browser, "/assertion/options",
	                    "{\"username\":\"nobody\",\"userVerification\":\"preferred\"}");

	expect_failed(&r, 404, "User does not exist");
	reply_reset(&r);
	/* Nothing is pending after a refused options call. */
	assert_null(jar_cookie(w->browser));
	/* Options alone make no user: it exists once a registration verified. */
	r = attestation_options(w, w->browser, "conf-user-8", NULL, NULL);
	reply_reset(&r);
	r = post_text(w, w->browser, "/assertion/options", "{\"username\":\"conf-user-8\"}");
	expect_failed(&r, 404, "User does not exist");
	reply_reset(&r);
	/* A disabled user is refused. */
	rp_user u;
	assert_int_equal(rp_store_user_create(w->app.store,
	                                      RP_CONFORMANCE_USER_PREFIX "conf-user-8", "", &u),
	                 RP_STORE_OK);
	r = assertion_options(w, w->browser, "conf-user-8", NULL);
	assert_int_equal(json_array_size(json_object_get(r.json, "allowCredentials")), 0);
	reply_reset(&r);
	assert_int_equal(rp_store_user_set_enabled(w->app.store,
	                                           RP_CONFORMANCE_USER_PREFIX "conf-user-8", false),
	                 RP_STORE_OK);
	r = post_text(w, w->browser, "/assertion/options", "{\"username\":\"conf-user-8\"}");
	expect_failed(&r, 403, "disabled");
	reply_reset(&r);
}

/*
 * The result reads the user and the credential again, after the options: a user or a credential
 * disabled meanwhile is refused, and so is another user's credential over this user's challenge.
 */
static void test_result_reads_now(void **state)
{
	world *w = *state;
	char *mine = register_user(w, w->browser, "conf-user-12", NULL);
	char *theirs = register_user(w, w->browser, "conf-user-13", NULL);
	CURL *other = new_browser();
	reply a, b, r;
	json_t *assertion;
	wa_blob id = {0};

	/* Another user's credential, signed over this user's challenge. */
	a = assertion_options(w, w->browser, "conf-user-12", NULL);
	b = assertion_options(w, other, "conf-user-13", NULL);
	json_object_set(b.json, "challenge", json_object_get(a.json, "challenge"));
	assertion = phone_get(w, &b);
	assert_string_equal(json_string_value(json_object_get(assertion, "id")), theirs);
	r = post_json(w, w->browser, "/assertion/result", assertion);
	expect_failed(&r, 400, "WA_ERR_CRED_NOT_ALLOWED");
	reply_reset(&r);
	json_decref(assertion);
	reply_reset(&a);
	reply_reset(&b);

	/* The credential disabled between the options and the result. */
	assert_int_equal(wa_b64url_decode(mine, strlen(mine), &id), WA_OK);
	a = assertion_options(w, w->browser, "conf-user-12", NULL);
	assertion = phone_get(w, &a);
	assert_int_equal(rp_store_cred_set_enabled(w->app.store, id.ptr, id.len, false),
	                 RP_STORE_OK);
	r = post_json(w, w->browser, "/assertion/result", assertion);
	expect_failed(&r, 403, "credential is disabled");
	reply_reset(&r);
	json_decref(assertion);
	reply_reset(&a);
	assert_int_equal(rp_store_cred_set_enabled(w->app.store, id.ptr, id.len, true),
	                 RP_STORE_OK);

	/* The user disabled between the options and the result. */
	a = assertion_options(w, w->browser, "conf-user-12", NULL);
	assertion = phone_get(w, &a);
	assert_int_equal(rp_store_user_set_enabled(
	                         w->app.store, RP_CONFORMANCE_USER_PREFIX "conf-user-12", false),
	                 RP_STORE_OK);
	r = post_json(w, w->browser, "/assertion/result", assertion);
	expect_failed(&r, 403, "disabled");
	reply_reset(&r);
	json_decref(assertion);
	reply_reset(&a);

	wa_blob_reset(&id);
	curl_easy_cleanup(other);
	free(mine);
	free(theirs);
}

/* Assertion Resp-3 F-5 and its registration twin: only UP with "required". */
static void test_uv_required(void **state)
{
	world *w = *state;
	reply o, r;
	json_t *resp;
	char *id;
	rp_cred rec;

	/* The phone's UV bit is cleared after the fact (Chromium's fault knob). */
	phone_set(w, "clear_uv", "true");
	o = attestation_options(w, w->browser, "conf-user-9", "required", NULL);
	resp = phone_create(w, &o);
	r = post_json(w, w->browser, "/attestation/result", resp);
	expect_failed(&r, 400, "WA_ERR_UV_REQUIRED");
	reply_reset(&r);
	reply_reset(&o);
	json_decref(resp);
	assert_int_equal(n_credentials(w, "conf-user-9"), 0);

	phone_set(w, "clear_uv", "false");
	id = register_user(w, w->browser, "conf-user-9", "required");
	phone_set(w, "clear_uv", "true");
	o = assertion_options(w, w->browser, "conf-user-9", "required");
	resp = phone_get(w, &o);
	r = post_json(w, w->browser, "/assertion/result", resp);
	expect_failed(&r, 400, "WA_ERR_UV_REQUIRED");
	reply_reset(&r);
	reply_reset(&o);
	json_decref(resp);
	/* The same assertion flags are fine when UV was only preferred (P-5/P-6 kin). */
	o = assertion_options(w, w->browser, "conf-user-9", "preferred");
	resp = phone_get(w, &o);
	r = post_json(w, w->browser, "/assertion/result", resp);
	expect_ok(&r);
	reply_reset(&r);
	reply_reset(&o);
	json_decref(resp);
	rec = stored(w, id);
	/* registration 1, the refused assertion 2 (not stored), the accepted one 3 */
	assert_int_equal(rec.sign_count, 3);
	rp_cred_reset(&rec);

	/*
	 * Assertion Resp-3 P-4/P-7 expect neither UP nor UV to pass with "preferred" or
	 * "discouraged"; W3C §7.2 requires UP and so does this server, deliberately.
	 */
	phone_set(w, "clear_up", "true");
	o = assertion_options(w, w->browser, "conf-user-9", "discouraged");
	resp = phone_get(w, &o);
	r = post_json(w, w->browser, "/assertion/result", resp);
	expect_failed(&r, 400, "WA_ERR_UP_REQUIRED");
	reply_reset(&r);
	reply_reset(&o);
	json_decref(resp);
	free(id);
}

/* Resp-8 F-1: fido-u2f with a non-zero AAGUID fails; with a zero one it registers. */
static void test_u2f_aaguid(void **state)
{
	world *w = *state;
	reply o, r;
	json_t *resp;

	phone_set(w, "attestation", "fido-u2f");
	phone_set(w, "aaguid", "01020304-0506-0708-090a-0b0c0d0e0f10");
	phone_identity(w);
	o = attestation_options(w, w->browser, "conf-user-10", NULL, "direct");
	resp = phone_create(w, &o);
	r = post_json(w, w->browser, "/attestation/result", resp);
	expect_failed(&r, 400, "WA_ERR_ATT_AAGUID_NONZERO");
	reply_reset(&r);
	reply_reset(&o);
	json_decref(resp);

	phone_set(w, "aaguid", "00000000-0000-0000-0000-000000000000");
	phone_identity(w);
	free(register_user(w, w->browser, "conf-user-10", NULL));
	assert_int_equal(n_credentials(w, "conf-user-10"), 1);
}

/* ---- malformed requests ---- */

typedef struct bad_request {
	const char *path;
	const char *body;
	const char *needle;
} bad_request;

static const bad_request bad_requests[] = {
        {"/attestation/options", "{", "not valid JSON"},
        {"/attestation/options", "", "not valid JSON"},
        {"/attestation/options", "[\"conf-bad\"]", "not a JSON object"},
        {"/attestation/options",
         "{\"username\":\"conf-bad\",\"username\":\"x\",\"displayName\":\"\"}", "not valid JSON"},
        {"/attestation/options", "{\"username\":5,\"displayName\":\"d\"}",
         "'username' must be a string"},
        {"/attestation/options", "{\"username\":\"\",\"displayName\":\"d\"}",
         "'username' must not be empty"},
        {"/attestation/options", "{\"username\":\"conf-bad\"}", "'displayName' is required"},
        {"/attestation/options", "{\"username\":\"conf-bad\",\"displayName\":null}",
         "'displayName' must be a string"},
        {"/attestation/options",
         "{\"username\":\"conf-bad\",\"displayName\":\"d\",\"authenticatorSelection\":\"x\"}",
         "'authenticatorSelection' must be an object"},
        {"/attestation/options",
         "{\"username\":\"conf-bad\",\"displayName\":\"d\","
         "\"authenticatorSelection\":{\"userVerification\":1}}",
         "'authenticatorSelection.userVerification' must be a string"},
        {"/attestation/options",
         "{\"username\":\"conf-bad\",\"displayName\":\"d\","
         "\"authenticatorSelection\":{\"userVerification\":\"always\"}}",
         "must be one of \"required\", \"preferred\", \"discouraged\""},
        {"/attestation/options",
         "{\"username\":\"conf-bad\",\"displayName\":\"d\","
         "\"authenticatorSelection\":{\"requireResidentKey\":\"yes\"}}",
         "'authenticatorSelection.requireResidentKey' must be a boolean"},
        {"/attestation/options",
         "{\"username\":\"conf-bad\",\"displayName\":\"d\",\"attestation\":\"maybe\"}",
         "'attestation' must be one of"},
        {"/attestation/options",
         "{\"username\":\"conf-bad\",\"displayName\":\"d\",\"extensions\":[]}",
         "'extensions' must be an object"},
        {"/attestation/options",
         "{\"username\":\"conf-bad-a-name-of-fifty-three-bytes-xxxxxxxxxxxxxxxx\","
         "\"displayName\":\"d\"}",
         "'username' is longer than 52 bytes"},
        {"/attestation/result", "{\"id\":", "not valid JSON"},
        {"/attestation/result", "\"text\"", "not a JSON object"},
        {"/assertion/options", "{]", "not valid JSON"},
        {"/assertion/options", "{\"username\":[]}", "'username' must be a string"},
        {"/assertion/options", "{}", "'username' is required"},
        {"/assertion/options", "{\"username\":\"conf-bad\",\"userVerification\":\"sometimes\"}",
         "'userVerification' must be one of"},
        {"/assertion/options", "{\"username\":\"conf-bad\",\"extensions\":1}",
         "'extensions' must be an object"},
        {"/assertion/result", "nul", "not valid JSON"},
        {"/assertion/result", "42", "not a JSON object"},
};

static void test_malformed_requests(void **state)
{
	world *w = *state;
	reply r;

	for (size_t i = 0; i < sizeof(bad_requests) / sizeof(bad_requests[0]); i++) {
		r = post_text(w, w->browser, bad_requests[i].path, bad_requests[i].body);
		if (r.status != 400)
			fprintf(stderr, "%s %s\n", bad_requests[i].path, bad_requests[i].body);
		expect_failed(&r, 400, bad_requests[i].needle);
		reply_reset(&r);
	}
	/* Nothing was stored: no user, no pending ceremony. */
	rp_user u;
	assert_int_equal(conformance_user(w, "conf-bad", &u), RP_STORE_NOT_FOUND);
	assert_null(jar_cookie(w->browser));

	/* A malformed result leaves the pending ceremony in place: it was no attempt. */
	r = attestation_options(w, w->browser, "conf-user-11", NULL, NULL);
	json_t *resp = phone_create(w, &r);
	reply_reset(&r);
	r = post_text(w, w->browser, "/attestation/result", "{");
	expect_failed(&r, 400, "not valid JSON");
	reply_reset(&r);
	r = post_json(w, w->browser, "/attestation/result", resp);
	expect_ok(&r);
	reply_reset(&r);
	json_decref(resp);

	/* Another declared type is refused; none declared is taken as JSON. */
	r = post_raw(w, w->browser, "/assertion/options", "username=conf-user-11", 21,
	             "application/x-www-form-urlencoded", NULL);
	expect_failed(&r, 415, "Content-Type must be application/json");
	reply_reset(&r);
	r = post_raw(w, w->browser, "/assertion/options", "{\"username\":\"conf-user-11\"}", 27,
	             NULL, NULL);
	expect_ok(&r);
	reply_reset(&r);
	r = post_raw(w, w->browser, "/assertion/options", "{\"username\":\"conf-user-11\"}", 27,
	             "application/json; charset=utf-8", NULL);
	expect_ok(&r);
	reply_reset(&r);

	/* The routes are POST only (the router answers 405 with Allow). */
	char url[160];
	wa_blob body = {0};
	long status = 0;
	snprintf(url, sizeof(url), "%s/attestation/options", w->base);
	curl_easy_setopt(w->browser, CURLOPT_URL, url);
	curl_easy_setopt(w->browser, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(w->browser, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(w->browser, CURLOPT_WRITEDATA, &body);
	assert_int_equal(curl_easy_perform(w->browser), CURLE_OK);
	curl_easy_getinfo(w->browser, CURLINFO_RESPONSE_CODE, &status);
	assert_int_equal(status, 405);
	wa_blob_reset(&body);
}

/* A body over the 64 KiB limit: 413 before any handler runs, and the server serves on. */
static void test_body_limit(void **state)
{
	world *w = *state;
	size_t n = MAX_BODY + 1;
	char *big = malloc(n);
	reply r;

	assert_non_null(big);
	/* A syntactically plausible JSON string, so only the size can be the reason. */
	memset(big, 'a', n);
	memcpy(big, "{\"username\":\"", 13);
	memcpy(big + n - 2, "\"}", 2);
	r = post_raw(w, w->browser, "/attestation/options", big, n, "application/json", NULL);
	assert_int_equal(r.status, 413);
	reply_reset(&r);
	free(big);
	r = attestation_options(w, w->browser, "conf-user-12", NULL, NULL);
	reply_reset(&r);
	/* Exactly at the limit is a body like any other (here: refused for its content). */
	big = malloc(MAX_BODY);
	assert_non_null(big);
	memset(big, ' ', MAX_BODY);
	big[0] = '{';
	big[MAX_BODY - 1] = '}';
	r = post_raw(w, w->browser, "/assertion/options", big, MAX_BODY, "application/json", NULL);
	expect_failed(&r, 400, "'username' is required");
	reply_reset(&r);
	free(big);
}

/* ---- the API's own users ---- */

/*
 * The API registers only users of its own: a name the CA gave a platform user is refused, its
 * users are invisible to the platform's lookups, and two options calls for one new name
 * register one user (the same user.id), made by the first result.
 */
static void test_own_users(void **state)
{
	world *w = *state;
	CURL *other = new_browser();
	rp_user u, platform;
	rp_cred *list = NULL;
	size_t n = 0;
	reply r, o1, o2;
	json_t *c1, *c2;

	assert_int_equal(rp_store_user_create(w->app.store, "1234567890", "Dr. CA", &platform),
	                 RP_STORE_OK);
	r = post_text(w, w->browser, "/attestation/options",
	              "{\"username\":\"1234567890\",\"displayName\":\"Mallory\"}");
	expect_failed(&r, 403, "platform user");
	reply_reset(&r);
	assert_null(jar_cookie(w->browser));
	r = post_text(w, w->browser, "/assertion/options", "{\"username\":\"1234567890\"}");
	expect_failed(&r, 404, "User does not exist");
	reply_reset(&r);

	o1 = attestation_options(w, w->browser, "conf-user-20", NULL, NULL);
	o2 = attestation_options(w, other, "conf-user-20", NULL, NULL);
	assert_string_equal(
	        json_string_value(json_object_get(json_object_get(o1.json, "user"), "id")),
	        json_string_value(json_object_get(json_object_get(o2.json, "user"), "id")));
	c1 = phone_create(w, &o1);
	c2 = phone_create(w, &o2);
	r = post_json(w, w->browser, "/attestation/result", c1);
	expect_ok(&r);
	reply_reset(&r);
	r = post_json(w, other, "/attestation/result", c2);
	expect_ok(&r);
	reply_reset(&r);
	assert_int_equal(n_credentials(w, "conf-user-20"), 2);
	/* The platform's pages and test control find no such user, by either name. */
	assert_int_equal(rp_app_user_by_name(&w->app, "conf-user-20", &u), RP_STORE_NOT_FOUND);
	assert_int_equal(
	        rp_app_user_by_name(&w->app, RP_CONFORMANCE_USER_PREFIX "conf-user-20", &u),
	        RP_STORE_NOT_FOUND);
	/* The CA's user has no credential. */
	assert_int_equal(rp_store_cred_list(w->app.store, platform.id, &list, &n), RP_STORE_OK);
	assert_int_equal(n, 0);
	reply_reset(&o1);
	reply_reset(&o2);
	json_decref(c1);
	json_decref(c2);
	curl_easy_cleanup(other);
}

/* Off unless asked: without conformance_api the four endpoints are unknown paths. */
static void test_off_unless_asked(void **state)
{
	world *w = *state;
	static const char *const paths[] = {"/attestation/options", "/attestation/result",
	                                    "/assertion/options", "/assertion/result"};

	/* The server thread is idle between requests: changing the setting here is race-free. */
	w->app.cfg.conformance_api = false;
	for (size_t i = 0; i < KAGURA_LEN(paths); i++) {
		reply r = post_text(w, w->browser, paths[i],
		                    "{\"username\":\"conf-user-21\",\"displayName\":\"d\"}");
		assert_int_equal(r.status, 404);
		reply_reset(&r);
	}
	w->app.cfg.conformance_api = true;
	assert_null(jar_cookie(w->browser));
}

/* The pending ceremony lives 5 minutes of the platform's (test-controllable) clock. */
static void test_expiry(void **state)
{
	world *w = *state;
	reply o = attestation_options(w, w->browser, "conf-user-13", NULL, NULL), r;
	json_t *resp = phone_create(w, &o);

	/* The server thread is idle between requests: moving the clock here is race-free. */
	w->app.clock.fixed += 301;
	r = post_json(w, w->browser, "/attestation/result", resp);
	expect_failed(&r, 400, "has expired");
	reply_reset(&r);
	w->app.clock.fixed -= 301;
	reply_reset(&o);
	json_decref(resp);
	assert_int_equal(n_credentials(w, "conf-user-13"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_creation_options, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_register_and_authenticate, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_registration_structure, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_assertion_structure, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_wrong_challenge, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_replayed_result, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_counter_regression, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_result_reads_now, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unknown_user, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_uv_required, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_u2f_aaguid, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_malformed_requests, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_body_limit, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_own_users, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_off_unless_asked, setup, teardown),
	};
	int rc;

	fido_init(FIDO_DISABLE_U2F_FALLBACK);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!sa_pki_init(&pki, -1, 3650))
		return 1;
	/* root (pki.ca) -> intermediate: a packed x5c must not carry a self-signed root. */
	intermediate_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	intermediate = sa_make_cert(intermediate_key, pki.ca_key, pki.ca, "Attestation CA",
	                            "kagura test attestation intermediate", true, -1, 3650);
	if (intermediate == NULL)
		return 1;
	rc = cmocka_run_group_tests_name("conformance, each write alone", tests, NULL, NULL);
	with_write_queue = true;
	rc |= cmocka_run_group_tests_name("conformance, writes committed together", tests, NULL,
	                                  NULL);
	X509_free(intermediate);
	EVP_PKEY_free(intermediate_key);
	sa_pki_free(&pki);
	curl_global_cleanup();
	return rc;
}
