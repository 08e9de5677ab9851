/* The FIDO2 server conformance API (rp/conformance.h). */
#include "rp/conformance.h"

#include "rp/app.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rp/credmap.h"
#include "rp/pending.h"
#include "rp/token.h"
#include "rp/verifier_why.h"
#include "rp/write_answer.h"
#include "webauthn/authentication.h"
#include "webauthn/b64url.h"
#include "webauthn/cose.h"
#include "webauthn/json_read.h"
#include "webauthn/registration.h"

#define COOKIE_NAME     "kagura_conformance"
#define RP_NAME         "HPKI-KAGURA"
#define PENDING_SECONDS 300
#define TOKEN_BYTES     32 /* the pending ceremony's cookie */
#define MAX_ALLOW       64 /* descriptors per list; Chromium sends at most 64 too */

typedef enum ceremony { CEREMONY_REGISTRATION, CEREMONY_AUTHENTICATION } ceremony;

static const char *const ceremony_names[] = {"registration", "authentication"};

/* ---- replies ---- */

/* ServerResponse with status "ok": the members every success carries first. */
static json_t *ok_object(void)
{
	return json_pack("{s:s, s:s}", "status", "ok", "errorMessage", "");
}

/* A result's success answer, ok_object() as compact JSON: the same text for every result. */
static const char ok_answer[] = "{\"status\":\"ok\",\"errorMessage\":\"\"}";

/*
 * A verifier failure: its symbolic name and message, plus the failed step's
 * detail when that says more (the counters of a regression, OpenSSL's reason).
 */
static void fail_wa(rp_http_response *resp, wa_err err, const wa_report *report)
{
	char why[512];

	rp_verifier_why(why, sizeof(why), err, rp_verifier_detail(report, err));
	/* The client's input failed a check: 400. Our own memory or records failed: 500. */
	rp_fail_json(resp,
	             err == WA_ERR_NOMEM || err == WA_ERR_INTERNAL || err == WA_ERR_RECORD ? 500
	                                                                                   : 400,
	             why);
}

static void fail_store(rp_http_response *resp, const char *what, rp_store_err err)
{
	char why[256];

	snprintf(why, sizeof(why), "store: %s: %s", what, rp_store_strerr(err));
	rp_fail_json(resp, 500, why);
}

/* ---- request bodies ---- */

/* "application/json", optionally with parameters ("; charset=utf-8"). */
static bool is_json_type(const char *ct)
{
	size_t n = strlen("application/json");

	return strncasecmp(ct, "application/json", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* The body as a JSON object; otherwise the 4xx answer is written and NULL returned. */
static json_t *read_body(const rp_http_request *req, rp_http_response *resp)
{
	const char *ct = rp_http_header(req, "Content-Type");
	json_error_t jerr;
	json_t *root;
	char why[256];

	/*
	 * The profile posts application/json. Refusing other declared types also keeps
	 * cross-site HTML forms (which cannot send that type without a CORS preflight)
	 * away from these state-changing endpoints.
	 */
	if (ct != NULL && !is_json_type(ct)) {
		snprintf(why, sizeof(why), "Content-Type must be application/json, not \"%.64s\"",
		         ct);
		rp_fail_json(resp, 415, why);
		return NULL;
	}
	/* Any JSON value parses, so a non-object gets its own message below. */
	root = wa_json_loadb((const char *)req->body, req->body_len,
	                     JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (root == NULL) {
		snprintf(why, sizeof(why),
		         "request body is not valid JSON: %.120s (line %d, column %d)", jerr.text,
		         jerr.line, jerr.column);
		rp_fail_json(resp, 400, why);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		rp_fail_json(resp, 400, "request body is not a JSON object");
		return NULL;
	}
	return root;
}

/*
 * A string member named label in messages: *out NULL when absent and not
 * required. null, other types, embedded NULs and overlong text are refused:
 * the profile's IDL types these members as DOMString.
 */
static bool get_string(const json_t *obj, const char *key, const char *label, bool required,
                       size_t max, const char **out, char *why, size_t why_size)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL) {
		if (required)
			snprintf(why, why_size, "'%s' is required", label);
		return !required;
	}
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
		snprintf(why, why_size, "'%s' must be a string", label);
		return false;
	}
	if (max > 0 && json_string_length(v) > max) {
		snprintf(why, why_size, "'%s' is longer than %zu bytes", label, max);
		return false;
	}
	*out = json_string_value(v);
	return true;
}

/* An optional string member, one of values (NULL-terminated); *out = dflt when absent. */
static bool get_enum(const json_t *obj, const char *key, const char *label,
                     const char *const *values, const char *dflt, const char **out, char *why,
                     size_t why_size)
{
	if (!get_string(obj, key, label, false, 0, out, why, why_size))
		return false;
	if (*out == NULL) {
		*out = dflt;
		return true;
	}
	for (size_t i = 0; values[i] != NULL; i++)
		if (strcmp(*out, values[i]) == 0)
			return true;
	snprintf(why, why_size, "'%s' must be one of", label);
	for (size_t i = 0; values[i] != NULL; i++) {
		size_t n = strlen(why);
		snprintf(why + n, why_size - n, "%s \"%s\"", i ? "," : "", values[i]);
	}
	return false;
}

static const char *const uv_values[] = {"required", "preferred", "discouraged", NULL};

/* The client extension inputs, echoed to the client as given (Req-1 P-1 checks the echo). */
static bool get_extensions(const json_t *body, json_t **out, char *why, size_t why_size)
{
	json_t *v = json_object_get(body, "extensions");

	*out = NULL;
	if (v == NULL)
		return true;
	if (!json_is_object(v)) {
		snprintf(why, why_size, "'extensions' must be an object");
		return false;
	}
	*out = v;
	return true;
}

/* ---- algorithms ---- */

/*
 * The pubKeyCredParams offered, most preferred first: ES256 leads because
 * authenticators take the first they support. RS1 is last and only here because
 * conformance Resp-4 P-8 makes it mandatory for a FIDO2 server.
 */
static const int64_t wanted_algs[] = {
        WA_COSE_ES256, WA_COSE_RS256, WA_COSE_EDDSA, WA_COSE_ES384, WA_COSE_ES512,
        WA_COSE_PS256, WA_COSE_RS384, WA_COSE_RS512, WA_COSE_RS1,
};
#define N_WANTED_ALGS KAGURA_LEN(wanted_algs)

/* Only what the core verifies: offering anything else would register keys we cannot check. */
static size_t offered_algs(int64_t out[N_WANTED_ALGS])
{
	size_t n = 0;

	for (size_t i = 0; i < N_WANTED_ALGS; i++)
		if (wa_cose_alg_supported(wanted_algs[i]))
			out[n++] = wanted_algs[i];
	return n;
}

/* ---- credential descriptors ---- */

/* {type, id[, transports]} of a stored credential. */
static json_t *descriptor(const rp_cred *c)
{
	char *id = wa_b64url_encode(c->id.ptr, c->id.len);
	json_t *d = id ? json_pack("{s:s, s:s}", "type", "public-key", "id", id) : NULL;
	char transports[sizeof(c->transports)];
	char *save = NULL;

	free(id);
	if (d == NULL || c->transports[0] == '\0')
		return d;
	json_t *arr = json_array();
	memcpy(transports, c->transports, sizeof(transports));
	transports[sizeof(transports) - 1] = '\0';
	for (char *t = strtok_r(transports, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save))
		json_array_append_new(arr, json_string(t));
	json_object_set_new(d, "transports", arr);
	return d;
}

/* Credentials as descriptors (only enabled ones when enabled_only). */
static rp_store_err descriptors_of(const rp_cred *list, size_t n, bool enabled_only, json_t **out)
{
	*out = json_array();
	for (size_t i = 0; i < n && *out != NULL; i++) {
		if (enabled_only && !list[i].enabled)
			continue;
		if (json_array_size(*out) == MAX_ALLOW)
			break;
		if (json_array_append_new(*out, descriptor(&list[i])) != 0) {
			json_decref(*out);
			*out = NULL;
		}
	}
	return *out == NULL ? RP_STORE_NOMEM : RP_STORE_OK;
}

/* The user's credentials as descriptors (only enabled ones when enabled_only). */
static rp_store_err descriptors(rp_store *s, int64_t user_id, bool enabled_only, json_t **out)
{
	rp_cred *list = NULL;
	size_t n = 0;
	rp_store_err err = rp_store_cred_list(s, user_id, &list, &n);

	*out = NULL;
	if (err == RP_STORE_OK)
		err = descriptors_of(list, n, enabled_only, out);
	rp_cred_list_free(&list, n);
	return err;
}

/* ---- pending ceremonies: in memory, never in the store (rp/pending.h) ---- */

/*
 * Keeps state (taking its reference) under a fresh token and sets the cookie naming it. An
 * earlier ceremony of the same browser is dropped first: the newest options call is the
 * one a result answers, and no token outlives the call that replaced it.
 */
static bool put_pending(rp_app *app, const rp_http_request *req, rp_http_response *resp,
                        json_t *state)
{
	const char *old = rp_http_cookie(req, COOKIE_NAME);
	time_t now = wa_clock_now(&app->clock);
	char token[64], cookie[160];
	rp_pending_err err;

	/* The state is ours from here: every caller hands it over, NULL (no memory) included. */
	if (state == NULL) {
		rp_fail_json(resp, 500, "out of memory");
		return false;
	}
	if (old != NULL && old[0] != '\0')
		(void)rp_pending_delete(app->pending, old);
	if (!rp_random_token(TOKEN_BYTES, token, sizeof(token))) {
		json_decref(state);
		rp_fail_json(resp, 500, "no random token available");
		return false;
	}
	err = rp_pending_put(app->pending, token, state, now, now + PENDING_SECONDS);
	if (err != RP_PENDING_OK) {
		char why[160];

		snprintf(why, sizeof(why), "keeping the pending ceremony: %s",
		         rp_pending_strerr(err));
		rp_fail_json(resp, 500, why);
		return false;
	}
	/* Secure is the router's to add, over HTTPS only (rp/app.c): plain HTTP serves tests too.
	 */
	snprintf(cookie, sizeof(cookie),
	         COOKIE_NAME "=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict", token,
	         PENDING_SECONDS);
	rp_http_response_header(resp, "Set-Cookie", cookie);
	return true;
}

typedef struct pending {
	json_t *state;
	const char *username; /* as the client named it, without the namespace */
	const char *uv;
	wa_blob challenge;
} pending;

static void pending_reset(pending *p)
{
	json_decref(p->state);
	wa_blob_reset(&p->challenge);
	memset(p, 0, sizeof(*p));
}

/*
 * Takes (deletes and returns) the pending ceremony the cookie names. Taking it
 * before anything is verified makes each challenge single-use whatever the
 * outcome: a replayed or retried result finds nothing.
 */
static bool take_pending(rp_app *app, const rp_http_request *req, rp_http_response *resp,
                         ceremony want, pending *p)
{
	const char *token = rp_http_cookie(req, COOKIE_NAME);
	const char *options =
	        want == CEREMONY_REGISTRATION ? "/attestation/options" : "/assertion/options";
	rp_pending_err err;
	const char *kind, *challenge;
	char why[256];

	memset(p, 0, sizeof(*p));
	if (token == NULL || token[0] == '\0') {
		snprintf(why, sizeof(why),
		         "no pending %s: the " COOKIE_NAME " cookie is missing (call %s first)",
		         ceremony_names[want], options);
		rp_fail_json(resp, 400, why);
		return false;
	}
	/* The token is spent whatever follows: let the browser forget it. */
	rp_http_response_header(resp, "Set-Cookie",
	                        COOKIE_NAME "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
	err = rp_pending_take(app->pending, token, wa_clock_now(&app->clock), &p->state);
	/* A token too long to be ours names nothing either. */
	if (err == RP_PENDING_NOT_FOUND || err == RP_PENDING_EXPIRED || err == RP_PENDING_INVALID) {
		snprintf(why, sizeof(why),
		         "no pending %s for this session: its challenge was used already, "
		         "superseded or has expired (call %s again)",
		         ceremony_names[want], options);
		rp_fail_json(resp, 400, why);
		return false;
	}
	if (err != RP_PENDING_OK) {
		snprintf(why, sizeof(why), "reading the pending ceremony: %s",
		         rp_pending_strerr(err));
		rp_fail_json(resp, 500, why);
		return false;
	}
	kind = json_string_value(json_object_get(p->state, "ceremony"));
	challenge = json_string_value(json_object_get(p->state, "challenge"));
	p->username = json_string_value(json_object_get(p->state, "username"));
	p->uv = json_string_value(json_object_get(p->state, "userVerification"));
	if (kind == NULL || challenge == NULL || p->username == NULL || p->uv == NULL ||
	    wa_b64url_decode(challenge, strlen(challenge), &p->challenge) != WA_OK) {
		pending_reset(p);
		rp_fail_json(resp, 500, "the stored ceremony state is corrupt");
		return false;
	}
	if (strcmp(kind, ceremony_names[want]) != 0) {
		snprintf(why, sizeof(why), "the pending ceremony is a%s %s, not a%s %s (call %s)",
		         kind[0] == 'a' ? "n" : "", kind,
		         want == CEREMONY_AUTHENTICATION ? "n" : "", ceremony_names[want], options);
		pending_reset(p);
		rp_fail_json(resp, 400, why);
		return false;
	}
	return true;
}

/* ---- users: the API's own, never the platform's (rp/app.h) ---- */

/* The stored name of the API's user username: its namespace, then the name. */
static void stored_name(const char *username, char out[RP_USER_NAME_MAX + 1])
{
	snprintf(out, RP_USER_NAME_MAX + 1, "%s%s", RP_CONFORMANCE_USER_PREFIX, username);
}

/*
 * What an assertion call reads with its user, in one snapshot (rp_store_user_creds): the user's
 * credentials (options), or only the one the response names (result: cred_id).
 */
typedef struct user_reads {
	const uint8_t *cred_id; /* NULL: every credential */
	size_t cred_id_len;
	rp_cred *list; /* owned; rp_cred_list_free */
	size_t n_list;
} user_reads;

/*
 * The API's user name, and what r asks for read with it; the 4xx/5xx answer written when there
 * is no user usable (what r asked for is the caller's to judge).
 */
static bool find_user(rp_app *app, const char *name, rp_http_response *resp, rp_user *user,
                      user_reads *r)
{
	char stored[RP_USER_NAME_MAX + 1]; /* the user's name as stored */
	rp_store_err err;
	char why[160];

	stored_name(name, stored);
	err = rp_store_user_creds(app->store, stored, r->cred_id, r->cred_id_len, user, &r->list,
	                          &r->n_list);
	if (err == RP_STORE_NOT_FOUND) {
		/* The profile's example text is "User does not exists!". */
		snprintf(why, sizeof(why), "User does not exist: no user named \"%.64s\"", name);
		rp_fail_json(resp, 404, why);
		return false;
	}
	if (err != RP_STORE_OK) {
		fail_store(resp, "reading the user", err);
		return false;
	}
	if (!user->enabled) {
		snprintf(why, sizeof(why), "user \"%.64s\" is disabled", name);
		rp_fail_json(resp, 403, why);
		return false;
	}
	return true;
}

/*
 * A name the CA gave a platform user is refused outright (403 written): the API registers
 * credentials for its own users only, so what it registers never signs anyone in on the
 * platform's pages.
 */
static bool not_platform_user(rp_app *app, const char *username, rp_http_response *resp)
{
	rp_user u;
	rp_store_err err = rp_app_user_by_name(app, username, &u);
	char why[200];

	if (err == RP_STORE_NOT_FOUND)
		return true;
	if (err != RP_STORE_OK) {
		fail_store(resp, "reading the platform's users", err);
		return false;
	}
	snprintf(why, sizeof(why),
	         "\"%.64s\" is a platform user: the conformance API registers only users of its "
	         "own",
	         username);
	rp_fail_json(resp, 403, why);
	return false;
}

/* ---- POST /attestation/options ---- */

typedef struct creation_request {
	const char *username, *display_name;
	const char *attachment, *resident_key, *uv, *attestation;
	bool require_resident_key;
	json_t *extensions; /* borrowed from the body */
} creation_request;

static bool parse_creation_request(const json_t *body, creation_request *r, char *why,
                                   size_t why_size)
{
	static const char *const attachments[] = {"platform", "cross-platform", NULL};
	static const char *const resident[] = {"discouraged", "preferred", "required", NULL};
	static const char *const conveyance[] = {"none", "indirect", "direct", "enterprise", NULL};
	const json_t *sel = json_object_get(body, "authenticatorSelection");
	const json_t *rrk;

	memset(r, 0, sizeof(*r));
	r->uv = "preferred";
	if (!get_string(body, "username", "username", true, RP_CONFORMANCE_NAME_MAX, &r->username,
	                why, why_size) ||
	    !get_string(body, "displayName", "displayName", true, RP_DISPLAY_NAME_MAX,
	                &r->display_name, why, why_size) ||
	    !get_enum(body, "attestation", "attestation", conveyance, "none", &r->attestation, why,
	              why_size) ||
	    !get_extensions(body, &r->extensions, why, why_size))
		return false;
	if (r->username[0] == '\0') {
		snprintf(why, why_size, "'username' must not be empty");
		return false;
	}
	if (sel == NULL)
		return true;
	if (!json_is_object(sel)) {
		snprintf(why, why_size, "'authenticatorSelection' must be an object");
		return false;
	}
	if (!get_enum(sel, "authenticatorAttachment",
	              "authenticatorSelection.authenticatorAttachment", attachments, NULL,
	              &r->attachment, why, why_size) ||
	    !get_enum(sel, "residentKey", "authenticatorSelection.residentKey", resident, NULL,
	              &r->resident_key, why, why_size) ||
	    !get_enum(sel, "userVerification", "authenticatorSelection.userVerification", uv_values,
	              "preferred", &r->uv, why, why_size))
		return false;
	rrk = json_object_get(sel, "requireResidentKey");
	if (rrk != NULL && !json_is_boolean(rrk)) {
		snprintf(why, why_size,
		         "'authenticatorSelection.requireResidentKey' must be a boolean");
		return false;
	}
	r->require_resident_key = json_is_true(rrk);
	return true;
}

/*
 * The user.id of a user not made yet: HMAC-SHA-256 of the name under the process's key, cut to
 * 16 bytes. Every options call for that name sends the same one, so results of two of them
 * register for one user; no one can derive it from the name (WebAuthn §14.6.1).
 */
static bool new_user_handle(const rp_app *app, const char *username, uint8_t out[16])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t n = 0;
	/* A copy of the keyed context: no fetch of HMAC and SHA-256 per call, and threads share
	 * the original only to read it. */
	EVP_MAC_CTX *ctx = app->user_mac != NULL ? EVP_MAC_CTX_dup(app->user_mac) : NULL;
	bool ok = ctx != NULL &&
	          EVP_MAC_update(ctx, (const unsigned char *)username, strlen(username)) == 1 &&
	          EVP_MAC_final(ctx, mac, &n, sizeof(mac)) == 1 && n >= 16;

	EVP_MAC_CTX_free(ctx);
	if (ok)
		memcpy(out, mac, 16);
	return ok;
}

/*
 * The user a registration is for: the API's user of that name when there is one, else a new
 * one, made only once the result verified (with handle, sent now as user.id). *exists says
 * which; the 4xx/5xx answer written when neither can be.
 */
static bool user_for_registration(rp_app *app, const creation_request *r, rp_http_response *resp,
                                  rp_user *user, bool *exists)
{
	char stored[RP_USER_NAME_MAX + 1], why[160];
	rp_store_err err;

	*exists = false;
	if (!not_platform_user(app, r->username, resp))
		return false;
	stored_name(r->username, stored);
	err = rp_store_user_by_name(app->store, stored, user);
	if (err == RP_STORE_OK && !user->enabled) {
		snprintf(why, sizeof(why), "user \"%.64s\" is disabled", r->username);
		rp_fail_json(resp, 403, why);
		return false;
	}
	if (err == RP_STORE_OK) {
		*exists = true;
		return true;
	}
	if (err != RP_STORE_NOT_FOUND) {
		fail_store(resp, "reading the user", err);
		return false;
	}
	memset(user, 0, sizeof(*user));
	if (!new_user_handle(app, r->username, user->handle)) {
		rp_fail_json(resp, 500, "no user handle available");
		return false;
	}
	snprintf(user->name, sizeof(user->name), "%s", stored);
	return true;
}

/* authenticatorSelection as sent to the client: the request's, with W3C L3's residentKey rule. */
static json_t *selection_json(const creation_request *r)
{
	/* residentKey wins over the L2 boolean; without either, "discouraged" (W3C §5.4.4). */
	const char *rk = r->resident_key           ? r->resident_key
	                 : r->require_resident_key ? "required"
	                                           : "discouraged";
	json_t *sel = json_pack("{s:s, s:b, s:s}", "residentKey", rk, "requireResidentKey",
	                        strcmp(rk, "required") == 0, "userVerification", r->uv);

	if (sel != NULL && r->attachment != NULL)
		json_object_set_new(sel, "authenticatorAttachment", json_string(r->attachment));
	return sel;
}

static void attestation_options(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	json_t *body = read_body(req, resp), *exclude = NULL, *out = NULL, *params, *state;
	creation_request r;
	rp_user user;
	bool exists;
	int64_t algs[N_WANTED_ALGS];
	size_t n_algs = offered_algs(algs);
	char why[256], challenge[64];
	char *user_id = NULL;
	rp_store_err err;

	if (body == NULL)
		return;
	/* Every member is checked before anything is stored; no user is stored here. */
	if (!parse_creation_request(body, &r, why, sizeof(why))) {
		rp_fail_json(resp, 400, why);
		goto out;
	}
	if (!user_for_registration(app, &r, resp, &user, &exists))
		goto out;
	/* Resp-1 P-1: the user's credentials, so an authenticator holding one makes no second. */
	if (!exists)
		exclude = json_array();
	else if ((err = descriptors(app->store, user.id, false, &exclude)) != RP_STORE_OK) {
		fail_store(resp, "listing the user's credentials", err);
		goto out;
	}
	if (!rp_random_token(RP_CHALLENGE_BYTES, challenge, sizeof(challenge)) ||
	    (user_id = wa_b64url_encode(user.handle, sizeof(user.handle))) == NULL) {
		rp_fail_json(resp, 500, "no random challenge available");
		goto out;
	}
	/* The user the result registers for: the handle sent, and who to create when new. */
	state = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ceremony",
	                  ceremony_names[CEREMONY_REGISTRATION], "challenge", challenge, "username",
	                  r.username, "userVerification", r.uv, "attestation", r.attestation,
	                  "handle", user_id, "displayName", r.display_name);
	if (!put_pending(app, req, resp, state))
		goto out;

	params = json_array();
	for (size_t i = 0; i < n_algs; i++)
		json_array_append_new(params, json_pack("{s:s, s:I}", "type", "public-key", "alg",
		                                        (json_int_t)algs[i]));
	out = ok_object();
	json_object_set_new(out, "rp",
	                    json_pack("{s:s, s:s}", "name", RP_NAME, "id", app->cfg.rp_id));
	json_object_set_new(out, "user",
	                    json_pack("{s:s, s:s, s:s}", "id", user_id, "name", r.username,
	                              "displayName", r.display_name));
	json_object_set_new(out, "challenge", json_string(challenge));
	json_object_set_new(out, "pubKeyCredParams", params);
	/* The client may wait as long as the server keeps the challenge. */
	json_object_set_new(out, "timeout", json_integer(PENDING_SECONDS * 1000));
	json_object_set_new(out, "excludeCredentials", exclude);
	exclude = NULL;
	json_object_set_new(out, "authenticatorSelection", selection_json(&r));
	json_object_set_new(out, "attestation", json_string(r.attestation));
	if (r.extensions != NULL)
		json_object_set(out, "extensions", r.extensions);
	rp_http_response_json(resp, 200, out);
out:
	free(user_id);
	json_decref(exclude);
	json_decref(body);
}

/* ---- POST /attestation/result ---- */

/*
 * The user the pending registration is for, as its options call saw them: the API's user of
 * that name and handle, or (exists false) the one to create, with the handle sent as user.id.
 * The 4xx/5xx answer written when neither is usable.
 */
static bool registering_user(rp_app *app, const pending *p, rp_http_response *resp, rp_user *user,
                             bool *exists)
{
	const char *handle = json_string_value(json_object_get(p->state, "handle"));
	const char *display = json_string_value(json_object_get(p->state, "displayName"));
	char stored[RP_USER_NAME_MAX + 1];
	wa_blob h = {0};
	rp_store_err err;
	bool ok;

	*exists = false;
	memset(user, 0, sizeof(*user));
	if (handle == NULL || display == NULL ||
	    wa_b64url_decode(handle, strlen(handle), &h) != WA_OK ||
	    h.len != sizeof(user->handle) || strlen(display) >= sizeof(user->display_name)) {
		wa_blob_reset(&h);
		rp_fail_json(resp, 500, "the stored ceremony state is corrupt");
		return false;
	}
	stored_name(p->username, stored);
	err = rp_store_user_by_name(app->store, stored, user);
	ok = false;
	if (err == RP_STORE_NOT_FOUND) {
		memcpy(user->handle, h.ptr, h.len);
		snprintf(user->name, sizeof(user->name), "%s", stored);
		snprintf(user->display_name, sizeof(user->display_name), "%s", display);
		ok = true;
	} else if (err != RP_STORE_OK) {
		fail_store(resp, "reading the user", err);
	} else if (memcmp(user->handle, h.ptr, h.len) != 0) {
		/* Made meanwhile with another handle (by a server run before a restart). */
		rp_fail_json(resp, 409,
		             "the user was registered since this options call: call "
		             "/attestation/options again");
	} else if (!user->enabled) {
		rp_fail_json(resp, 403, "the user is disabled");
	} else {
		*exists = ok = true;
	}
	wa_blob_reset(&h);
	return ok;
}

/* What a result call holds from its request to its answer; result_call_end frees it. */
typedef struct result_call {
	json_t *body;
	pending p;
	rp_user user;
	wa_credential cred;
	wa_report report;
	rp_cred rec;
} result_call;

/* The request's body and the pending ceremony of its kind; false (resp answered) without. */
static bool result_call_begin(rp_app *app, const rp_http_request *req, rp_http_response *resp,
                              ceremony kind, result_call *c)
{
	memset(c, 0, sizeof(*c));
	c->report.failures_only = true; /* fail_wa reads the failed step alone */
	c->body = read_body(req, resp);
	return c->body != NULL && take_pending(app, req, resp, kind, &c->p);
}

static void result_call_end(result_call *c)
{
	rp_cred_reset(&c->rec);
	wa_credential_reset(&c->cred);
	pending_reset(&c->p);
	json_decref(c->body);
}

/* ---- the results' writes, answered once committed (rp/write_answer.h) ---- */

/* A verified registration's write: the new user with the credential, or the credential. */
typedef struct new_credential {
	bool exists; /* the user is stored already */
	rp_user user;
	rp_cred rec;
} new_credential;

static rp_store_err store_credential(rp_store *s, void *ctx)
{
	new_credential *w = ctx;

	return w->exists ? rp_store_cred_add(s, &w->rec)
	                 : rp_store_user_create_handle(s, w->user.name, w->user.display_name,
	                                               w->user.handle, &w->rec, NULL);
}

static void answer_credential(void *ctx, rp_http_response *resp, rp_store_err err)
{
	(void)ctx;
	if (err == RP_STORE_EXISTS)
		/* Registered by a concurrent result since the verifier (or options) looked. */
		fail_wa(resp, WA_ERR_CRED_ID_REGISTERED, NULL);
	else if (err != RP_STORE_OK)
		fail_store(resp, "saving the credential", err);
	else
		rp_http_response_text(resp, 200, "application/json", ok_answer);
}

static void free_credential(void *ctx)
{
	new_credential *w = ctx;

	rp_cred_reset(&w->rec);
	free(w);
}

static const rp_write_step registration_write = {
        .run = store_credential, .answer = answer_credential, .release = free_credential};

/* A verified assertion's write: the credential's new counter and backup state. */
typedef struct credential_use {
	wa_blob id;
	uint32_t sign_count;
	bool backup_state;
} credential_use;

static rp_store_err store_use_of(rp_store *s, void *ctx)
{
	credential_use *w = ctx;

	return rp_store_cred_update_use(s, w->id.ptr, w->id.len, w->sign_count, w->backup_state);
}

static void answer_use(void *ctx, rp_http_response *resp, rp_store_err err)
{
	(void)ctx;
	if (err != RP_STORE_OK)
		fail_store(resp, "updating the signature counter", err);
	else
		rp_http_response_text(resp, 200, "application/json", ok_answer);
}

static void free_use(void *ctx)
{
	credential_use *w = ctx;

	wa_blob_reset(&w->id);
	free(w);
}

static const rp_write_step assertion_write = {
        .run = store_use_of, .answer = answer_use, .release = free_use};

static void attestation_result(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	new_credential *w;
	result_call c;
	wa_reg_response r;
	wa_trust trust;
	bool exists;
	rp_cred_check check = {.store = app->store};
	int64_t algs[N_WANTED_ALGS];
	size_t n_algs = offered_algs(algs);
	wa_err err;

	rp_write_handler_begin(app);
	memset(&r, 0, sizeof(r));
	if (!result_call_begin(app, req, resp, CEREMONY_REGISTRATION, &c))
		goto out;
	if ((err = wa_reg_response_from_json(c.body, &r)) != WA_OK) {
		fail_wa(resp, err, NULL);
		goto out;
	}
	if (!registering_user(app, &c.p, resp, &c.user, &exists))
		goto out;
	/* The configured anchors, judged at the platform's (test-controllable) time. */
	trust = app->trust;
	trust.at = wa_clock_now(&app->clock);
	wa_reg_options opt = {
	        .expect = rp_app_expect(app, &c.p.challenge, strcmp(c.p.uv, "required") == 0),
	        .algs = algs,
	        .n_algs = n_algs,
	        .trust = &trust,
	        /* Conformance sends attestations from its own test roots, which we do not hold. */
	        .require_trusted_attestation = false,
	        /* Resp-8 F-1: a fido-u2f statement must come with a zero AAGUID. */
	        .u2f_require_zero_aaguid = true,
	        .is_registered = rp_cred_check_registered,
	        .is_registered_ctx = &check,
	};
	err = wa_verify_registration(&opt, &r, &c.cred, &c.report);
	if (check.err != RP_STORE_OK) {
		fail_store(resp, "looking up the credential id", check.err);
		goto out;
	}
	if (err != WA_OK) {
		fail_wa(resp, err, &c.report);
		goto out;
	}
	if ((err = rp_cred_from_record(&c.cred, c.user.id, "", trust.at, app->keys, &c.rec)) !=
	    WA_OK) {
		fail_wa(resp, err, NULL);
		goto out;
	}
	/* A new user is made now, with its first credential, in one transaction. */
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		rp_fail_json(resp, 500, "out of memory");
		goto out;
	}
	w->exists = exists;
	w->user = c.user;
	w->rec = c.rec; /* the write's from here */
	memset(&c.rec, 0, sizeof(c.rec));
	rp_write_then_answer(app, req, resp, &registration_write, w);
out:
	rp_write_handler_end(app, resp);
	wa_reg_response_reset(&r);
	result_call_end(&c);
}

/* ---- POST /assertion/options ---- */

static void assertion_options(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	json_t *body = read_body(req, resp), *allow = NULL, *ids = NULL, *ext, *out, *state, *d;
	const char *username, *uv;
	rp_user user;
	/* The user and its credentials in one snapshot: the list offered is the user's. */
	user_reads more = {0};
	char why[256], challenge[64];
	rp_store_err err;
	size_t i;

	if (body == NULL)
		return;
	if (!get_string(body, "username", "username", true, RP_CONFORMANCE_NAME_MAX, &username, why,
	                sizeof(why)) ||
	    !get_enum(body, "userVerification", "userVerification", uv_values, "preferred", &uv,
	              why, sizeof(why)) ||
	    !get_extensions(body, &ext, why, sizeof(why))) {
		rp_fail_json(resp, 400, why);
		goto out;
	}
	if (!find_user(app, username, resp, &user, &more))
		goto out;
	/* Req-1 P-1: allowCredentials names exactly the user's (usable) credentials. */
	if ((err = descriptors_of(more.list, more.n_list, true, &allow)) != RP_STORE_OK) {
		fail_store(resp, "listing the user's credentials", err);
		goto out;
	}
	if (!rp_random_token(RP_CHALLENGE_BYTES, challenge, sizeof(challenge))) {
		rp_fail_json(resp, 500, "no random challenge available");
		goto out;
	}
	/* The ids offered, so the result is held to this list and not to whatever the user has
	 * then. */
	ids = json_array();
	/* Copies: the kept state shares nothing with the response another thread may free. */
	json_array_foreach(allow, i, d) json_array_append_new(
	        ids, json_string(json_string_value(json_object_get(d, "id"))));
	state = json_pack("{s:s, s:s, s:s, s:s, s:O}", "ceremony",
	                  ceremony_names[CEREMONY_AUTHENTICATION], "challenge", challenge,
	                  "username", username, "userVerification", uv, "allowCredentials", ids);
	/* The state holds the list's only reference once it goes to another thread. */
	json_decref(ids);
	ids = NULL;
	if (!put_pending(app, req, resp, state))
		goto out;
	out = ok_object();
	json_object_set_new(out, "challenge", json_string(challenge));
	json_object_set_new(out, "timeout", json_integer(PENDING_SECONDS * 1000));
	json_object_set_new(out, "rpId", json_string(app->cfg.rp_id));
	json_object_set_new(out, "allowCredentials", allow);
	allow = NULL;
	json_object_set_new(out, "userVerification", json_string(uv));
	if (ext != NULL)
		json_object_set(out, "extensions", ext);
	rp_http_response_json(resp, 200, out);
out:
	rp_cred_list_free(&more.list, more.n_list);
	json_decref(ids);
	json_decref(allow);
	json_decref(body);
}

/* ---- POST /assertion/result ---- */

/* The allowCredentials ids the options offered. */
static wa_err allow_list(const json_t *state, wa_blob *out, size_t *n)
{
	const json_t *ids = json_object_get(state, "allowCredentials"), *v;
	size_t i;

	*n = 0;
	if (!json_is_array(ids) || json_array_size(ids) > MAX_ALLOW)
		return WA_ERR_RECORD;
	json_array_foreach(ids, i, v)
	{
		if (!json_is_string(v) ||
		    wa_b64url_decode(json_string_value(v), json_string_length(v), &out[*n]) !=
		            WA_OK) {
			wa_blob_reset(&out[*n]);
			return WA_ERR_RECORD;
		}
		(*n)++;
	}
	return WA_OK;
}

static void assertion_result(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	credential_use *use;
	result_call c;
	wa_auth_response r;
	wa_blob allow[MAX_ALLOW];
	size_t n_allow = 0;
	user_reads more = {0};
	rp_store_err serr;
	wa_err err;

	rp_write_handler_begin(app);
	memset(&r, 0, sizeof(r));
	memset(allow, 0, sizeof(allow));
	if (!result_call_begin(app, req, resp, CEREMONY_AUTHENTICATION, &c))
		goto out;
	if ((err = wa_auth_response_from_json(c.body, &r)) != WA_OK) {
		fail_wa(resp, err, NULL);
		goto out;
	}
	if ((err = allow_list(c.p.state, allow, &n_allow)) != WA_OK) {
		rp_fail_json(resp, 500, "the stored ceremony state is corrupt");
		goto out;
	}
	/* The user and the credential in one snapshot. */
	more = (user_reads){.cred_id = r.raw_id.len ? r.raw_id.ptr : NULL,
	                    .cred_id_len = r.raw_id.len};
	if (!find_user(app, c.p.username, resp, &c.user, &more))
		goto out;
	if (r.raw_id.len == 0) {
		fail_wa(resp, WA_ERR_CRED_UNKNOWN, NULL);
		goto out;
	}
	if (more.n_list == 0) {
		/*
		 * Not the user's: unknown, or someone else's. The username named the user before
		 * the ceremony (§7.2 step 6, first case): someone else's credential is not
		 * acceptable even when allowCredentials was empty and the verifier has no list to
		 * hold it to.
		 */
		serr = rp_store_cred_exists(app->store, r.raw_id.ptr, r.raw_id.len);
		if (serr == RP_STORE_OK)
			fail_wa(resp, WA_ERR_CRED_NOT_ALLOWED, NULL);
		else if (serr == RP_STORE_NOT_FOUND || serr == RP_STORE_INVALID)
			fail_wa(resp, WA_ERR_CRED_UNKNOWN, NULL);
		else
			fail_store(resp, "reading the credential", serr);
		goto out;
	}
	/* The list's one credential becomes the call's (result_call_end resets it). */
	c.rec = more.list[0];
	memset(&more.list[0], 0, sizeof(more.list[0]));
	if (!c.rec.enabled) {
		rp_fail_json(resp, 403, "the credential is disabled");
		goto out;
	}
	/* Read from the store just now: a deleted or disabled credential never gets this far. */
	if ((err = rp_cred_to_record(&c.rec, c.user.handle, sizeof(c.user.handle), app->keys,
	                             &c.cred)) != WA_OK) {
		fail_wa(resp, err, NULL);
		goto out;
	}
	wa_auth_options opt = {
	        .expect = rp_app_expect(app, &c.p.challenge, strcmp(c.p.uv, "required") == 0),
	        .allow_credentials = allow,
	        .n_allow_credentials = n_allow,
	        .user_identified = true,
	        /* Assertion Resp-3 F-4: a counter that did not increase fails. */
	        .allow_counter_regression = false,
	};
	if ((err = wa_verify_authentication(&opt, &r, &c.cred, &c.report)) != WA_OK) {
		fail_wa(resp, err, &c.report);
		goto out;
	}
	if ((use = calloc(1, sizeof(*use))) == NULL ||
	    wa_blob_set(&use->id, c.cred.id.ptr, c.cred.id.len) != WA_OK) {
		free(use);
		rp_fail_json(resp, 500, "out of memory");
		goto out;
	}
	use->sign_count = c.cred.sign_count;
	use->backup_state = c.cred.backup_state;
	rp_write_then_answer(app, req, resp, &assertion_write, use);
out:
	rp_write_handler_end(app, resp);
	rp_cred_list_free(&more.list, more.n_list);
	for (size_t i = 0; i < n_allow; i++)
		wa_blob_reset(&allow[i]);
	wa_auth_response_reset(&r);
	result_call_end(&c);
}

static const rp_route routes[] = {
        {"POST", "/attestation/options", attestation_options, RP_ROUTE_CONFORMANCE},
        {"POST", "/attestation/result", attestation_result, RP_ROUTE_CONFORMANCE},
        {"POST", "/assertion/options", assertion_options, RP_ROUTE_CONFORMANCE},
        {"POST", "/assertion/result", assertion_result, RP_ROUTE_CONFORMANCE},
};

const rp_route_table rp_conformance_table = RP_ROUTE_TABLE(routes, NULL, NULL);
