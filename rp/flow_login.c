/*
 * Device-only FIDO login on the phone (デバイス単独 FIDO 認証): the Username
 * form, then navigator.credentials.get with user verification, then the
 * result. The documented outcomes: disabled user (2.1), unsupported browser
 * (2.2), failed authentication (2.6), cookies missing (2.15), a replayed or
 * Back-button form (2.20, the 405 page), a user with no device (2.24).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp/app.h"
#include "rp/pages.h"
#include "rp/session.h"
#include "webauthn/authentication.h"
#include "webauthn/b64url.h"

#define HTML     "text/html; charset=utf-8"
#define FORM_MAX 32

/* ---- application/x-www-form-urlencoded ---- */

typedef struct form {
	size_t n;
	char *name[FORM_MAX];
	char *value[FORM_MAX];
} form;

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

/* Decodes one form component in place; false on a broken %XX. */
static bool form_decode(char *s)
{
	char *w = s;

	for (char *r = s; *r != '\0'; r++) {
		if (*r == '+') {
			*w++ = ' ';
		} else if (*r == '%') {
			int hi = hexval(r[1]), lo = hi < 0 ? -1 : hexval(r[2]);
			if (hi < 0 || lo < 0)
				return false;
			*w++ = (char)(hi << 4 | lo);
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return true;
}

static void form_free(form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->name[i]);
		free(f->value[i]);
	}
	f->n = 0;
}

static bool form_parse(const uint8_t *body, size_t len, form *f)
{
	char *copy = strndup((const char *)body, len), *save = NULL, *pair;
	bool ok = copy != NULL && strlen(copy) == len;

	memset(f, 0, sizeof(*f));
	for (pair = ok ? strtok_r(copy, "&", &save) : NULL; ok && pair;
	     pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '=');
		if (f->n == FORM_MAX) {
			ok = false;
			break;
		}
		if (eq != NULL)
			*eq = '\0';
		f->name[f->n] = strdup(pair);
		f->value[f->n] = strdup(eq ? eq + 1 : "");
		f->n++;
		ok = f->name[f->n - 1] && f->value[f->n - 1] && form_decode(f->name[f->n - 1]) &&
		     form_decode(f->value[f->n - 1]);
	}
	free(copy);
	if (!ok)
		form_free(f);
	return ok;
}

static const char *form_get(const form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0)
			return f->value[i];
	return NULL;
}

/* ---- pages ---- */

static void page(rp_app *app, rp_http_response *resp, int status, const char *tpl,
                 const char *const vars[][2], size_t n)
{
	wa_blob html = {0};

	if (!rp_page_render(app->pages_dir, tpl, vars, n, &html)) {
		rp_http_response_text(resp, 500, "text/plain; charset=utf-8",
		                      "500 page template missing\n");
		wa_blob_reset(&html);
		return;
	}
	resp->status = status;
	snprintf(resp->content_type, sizeof(resp->content_type), HTML);
	wa_blob_reset(&resp->body);
	resp->body = html;
}

/* An error page: Keycloak's alert with the feedback text. */
static void error_page(rp_app *app, rp_http_response *resp, int status, const char *title_key,
                       const char *message_html)
{
	const char *vars[][2] = {{"title", rp_msg(app, title_key)},
	                         {"kind", "alert-error"},
	                         {"message", message_html}};
	page(app, resp, status, "message.html", vars, 3);
}

static void escaped_error(rp_app *app, rp_http_response *resp, int status, const char *title_key,
                          const char *message_key)
{
	wa_blob html = {0};

	rp_html_escape(rp_msg(app, message_key), &html);
	wa_blob_append(&html, "", 1);
	error_page(app, resp, status, title_key, (const char *)html.ptr);
	wa_blob_reset(&html);
}

/* The platform's own 405 page (manual 2.20): the time and the client's address. */
static void method_not_allowed(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	char when[64], line1[160], line2[160];
	time_t now = wa_clock_now(&app->clock);
	struct tm tm;
	const char *a1[] = {when}, *a2[] = {req->remote};
	wa_blob html = {0};

	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y/%-m/%-d %H:%M:%S", &tm);
	if (rp_messages_format(app->msgs, "kagura-error-occurred-at", a1, 1, line1,
	                       sizeof(line1)) != RP_MSG_OK)
		line1[0] = '\0';
	if (rp_messages_format(app->msgs, "kagura-error-access-from", a2, 1, line2,
	                       sizeof(line2)) != RP_MSG_OK)
		line2[0] = '\0';
	/* v1.04 had only the container's heading; v2.16's page carries the sentence and details. */
	if (rp_messages_get(app->msgs, "kagura-405-message") != NULL) {
		rp_html_escape(rp_msg(app, "kagura-405-message"), &html);
		wa_blob_append(&html, "<br/>", 5);
		rp_html_escape(line1, &html);
		wa_blob_append(&html, "<br/>", 5);
		rp_html_escape(line2, &html);
		wa_blob_append(&html, "<br/>", 5);
		rp_html_escape(rp_msg(app, "kagura-error-footer"), &html);
	}
	wa_blob_append(&html, "", 1);
	error_page(app, resp, 405, "kagura-405-title", (const char *)html.ptr);
	rp_http_response_header(resp, "Allow", "POST");
	wa_blob_reset(&html);
}

/* Cookies gone (manual 2.15; v1.04: "We are sorry..." and the invalid-code text). */
static void no_cookie(rp_app *app, rp_http_response *resp)
{
	if (rp_messages_get(app->msgs, "cookieNotFoundMessage") != NULL)
		escaped_error(app, resp, 400, "errorTitle", "cookieNotFoundMessage");
	else
		escaped_error(app, resp, 400, "errorTitle", "invalidCodeMessage");
}

/* ---- handlers ---- */

static void login_form(rp_app *app, rp_http_response *resp, rp_session *s, const char *username,
                       const char *feedback_key)
{
	char code[RP_CODE_MAX + 1], action[128];
	wa_blob fb = {0};

	if (!rp_session_issue_code(app, s, "username", code, sizeof(code))) {
		rp_http_response_text(resp, 500, "text/plain; charset=utf-8", "500 store error\n");
		return;
	}
	snprintf(action, sizeof(action), "/login-actions/authenticate?session_code=%s", code);
	if (feedback_key != NULL) {
		static const char open[] =
		        "<div class=\"alert-error\"><span id=\"kc-feedback-text\">";
		static const char close[] = "</span></div>";
		wa_blob_append(&fb, open, sizeof(open) - 1);
		rp_html_escape(rp_msg(app, feedback_key), &fb);
		wa_blob_append(&fb, close, sizeof(close) - 1);
	}
	wa_blob_append(&fb, "", 1);
	const char *vars[][2] = {{"title", rp_msg(app, "loginAccountTitle")},
	                         {"feedback", (const char *)fb.ptr},
	                         {"action", action},
	                         {"username_label", rp_msg(app, "username")},
	                         {"username", username ? username : ""},
	                         {"submit_label", rp_msg(app, "doLogIn")}};
	page(app, resp, 200, "login.html", vars, 6);
	wa_blob_reset(&fb);
}

static void get_login(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;

	if (rp_session_of(app, req, resp, true, &s) >= RP_SESSION_NO_COOKIE) {
		rp_http_response_text(resp, 500, "text/plain; charset=utf-8", "500 store error\n");
		return;
	}
	login_form(app, resp, &s, NULL, NULL);
}

/* The session and its single-use code for action; false when a page has been written. */
static bool enter(rp_app *app, const rp_http_request *req, rp_http_response *resp,
                  const char *action, rp_session *s)
{
	switch (rp_session_of(app, req, resp, false, s)) {
	case RP_SESSION_FOUND:
		break;
	case RP_SESSION_NO_COOKIE:
		no_cookie(app, resp);
		return false;
	case RP_SESSION_EXPIRED:
		escaped_error(app, resp, 400, "errorTitle", "invalidCodeMessage");
		return false;
	default:
		rp_http_response_text(resp, 500, "text/plain; charset=utf-8", "500 store error\n");
		return false;
	}
	if (!rp_session_take_code(app, s, action, rp_http_query(req, "session_code"))) {
		method_not_allowed(app, req, resp);
		return false;
	}
	return true;
}

static json_t *request_options(rp_app *app, const rp_session *s, const rp_cred *creds, size_t n)
{
	json_t *allow = json_array();

	for (size_t i = 0; i < n; i++) {
		char *id;
		if (!creds[i].enabled)
			continue;
		id = wa_b64url_encode(creds[i].id.ptr, creds[i].id.len);
		json_array_append_new(allow,
		                      json_pack("{s:s, s:s?}", "type", "public-key", "id", id));
		free(id);
	}
	return json_pack("{s:s, s:s, s:o, s:s, s:i}", "challenge", s->challenge, "rpId",
	                 app->cfg.rp_id, "allowCredentials", allow, "userVerification", "required",
	                 "timeout", 180000);
}

static void post_username(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;
	form f;
	const char *name;
	rp_user u;
	rp_cred *creds = NULL;
	size_t n = 0, enabled = 0;
	char code[RP_CODE_MAX + 1], action[128], *opts_text = NULL;
	json_t *opts;

	if (!enter(app, req, resp, "username", &s))
		return;
	if (!form_parse(req->body, req->body_len, &f)) {
		method_not_allowed(app, req, resp); /* a malformed request (2.20) */
		return;
	}
	name = form_get(&f, "username");
	if (name == NULL || name[0] == '\0' ||
	    rp_store_user_by_name(app->store, name, &u) != RP_STORE_OK) {
		/* Keycloak does not tell unknown users apart: the WebAuthn step fails them (2.6).
		 */
		login_form(app, resp, &s, name, "webauthn-error-api-get");
		goto out;
	}
	if (!u.enabled) {
		login_form(app, resp, &s, name, "accountDisabledMessage"); /* 2.1, Username kept */
		goto out;
	}
	if (rp_store_cred_list(app->store, u.id, &creds, &n) != RP_STORE_OK)
		n = 0;
	for (size_t i = 0; i < n; i++)
		enabled += creds[i].enabled;
	if (enabled == 0) {
		escaped_error(app, resp, 400, "errorTitle", "credentialSetupRequired"); /* 2.24 */
		goto out;
	}
	s.user_id = u.id;
	snprintf(s.state, sizeof(s.state), "webauthn");
	if (!rp_random_token(32, s.challenge, sizeof(s.challenge)) || !rp_session_save(app, &s) ||
	    !rp_session_issue_code(app, &s, "webauthn", code, sizeof(code)) ||
	    (opts = request_options(app, &s, creds, n)) == NULL) {
		rp_http_response_text(resp, 500, "text/plain; charset=utf-8", "500 store error\n");
		goto out;
	}
	opts_text = json_dumps(opts, JSON_COMPACT);
	json_decref(opts);
	snprintf(action, sizeof(action), "/login-actions/webauthn?session_code=%s", code);
	const char *vars[][2] = {{"title", rp_msg(app, "webauthn-login-title")},
	                         {"options", opts_text},
	                         {"unsupported", rp_msg(app, "webauthn-unsupported-browser-text")},
	                         {"action", action}};
	page(app, resp, 200, "webauthn-authenticate.html", vars, 4);
out:
	free(opts_text);
	rp_cred_list_free(creds, n);
	form_free(&f);
}

/* The stored credential as the verifier's record (owner handle when the response named one). */
static bool record_of(const rp_cred *c, const wa_blob *owner, wa_credential *rec)
{
	memset(rec, 0, sizeof(*rec));
	if (wa_blob_set(&rec->id, c->id.ptr, c->id.len) != WA_OK ||
	    wa_credential_set_public_key(rec, c->public_key.ptr, c->public_key.len) != WA_OK ||
	    (owner != NULL && wa_blob_set(&rec->user_handle, owner->ptr, owner->len) != WA_OK)) {
		wa_credential_reset(rec);
		return false;
	}
	rec->sign_count = c->sign_count;
	rec->backup_eligible = c->backup_eligible;
	rec->backup_state = c->backup_state;
	return true;
}

static void post_webauthn(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;
	form f;
	const char *error;
	rp_user u;
	rp_cred cred = {0};
	wa_credential rec = {0};
	wa_auth_response ar = {0};
	wa_blob chal = {0};
	const char *origins[] = {app->cfg.origin};
	wa_err err;

	if (!enter(app, req, resp, "webauthn", &s))
		return;
	if (!form_parse(req->body, req->body_len, &f)) {
		method_not_allowed(app, req, resp);
		return;
	}
	error = form_get(&f, "error");
	/* The page posts only error when the browser refused (2.2 unsupported, 2.6 otherwise). */
	if (error != NULL && error[0] != '\0') {
		escaped_error(app, resp, 400, "webauthn-error-title",
		              strcmp(error, rp_msg(app, "webauthn-unsupported-browser-text")) == 0
		                      ? "webauthn-unsupported-browser-text"
		                      : "webauthn-error-api-get");
		goto out;
	}
	err = wa_auth_response_from_fields(
	        form_get(&f, "credentialId"), form_get(&f, "clientDataJSON"),
	        form_get(&f, "authenticatorData"), form_get(&f, "signature"),
	        form_get(&f, "userHandle"), &ar);
	if (err != WA_OK ||
	    rp_store_cred_by_id(app->store, ar.raw_id.ptr, ar.raw_id.len, &cred) != RP_STORE_OK ||
	    cred.user_id != s.user_id || !cred.enabled) {
		escaped_error(app, resp, 400, "webauthn-error-title", "webauthn-error-api-get");
		goto out;
	}
	/* A returned userHandle must name the user this session is signing in (§7.2). */
	if (ar.has_user_handle && (rp_store_user_by_handle(app->store, ar.user_handle.ptr,
	                                                   ar.user_handle.len, &u) != RP_STORE_OK ||
	                           u.id != s.user_id)) {
		escaped_error(app, resp, 400, "webauthn-error-title", "webauthn-error-api-get");
		goto out;
	}
	if (!record_of(&cred, ar.has_user_handle ? &ar.user_handle : NULL, &rec) ||
	    wa_b64url_decode(s.challenge, strlen(s.challenge), &chal) != WA_OK) {
		escaped_error(app, resp, 400, "webauthn-error-title", "webauthn-error-api-get");
		goto out;
	}
	wa_auth_options opt = {
	        .expect = {.challenge = chal.ptr,
	                   .challenge_len = chal.len,
	                   .origins = origins,
	                   .n_origins = 1,
	                   .rp_id = app->cfg.rp_id,
	                   .require_uv = true},
	        .user_identified = true,
	};
	if ((err = wa_verify_authentication(&opt, &ar, &rec, NULL)) != WA_OK) {
		escaped_error(app, resp, 400, "webauthn-error-title", "webauthn-error-api-get");
		goto out;
	}
	rp_store_cred_update_use(app->store, rec.id.ptr, rec.id.len, rec.sign_count,
	                         rec.backup_state);
	snprintf(s.state, sizeof(s.state), "authenticated");
	s.challenge[0] = '\0';
	rp_session_save(app, &s);
	{
		const char *vars[][2] = {{"title", rp_msg(app, "kagura-platform-name")},
		                         {"kind", "logged-in"},
		                         {"message", rp_msg(app, "kagura-process-finished")}};
		page(app, resp, 200, "message.html", vars, 3);
	}
out:
	wa_blob_reset(&chal);
	wa_credential_reset(&rec);
	wa_auth_response_reset(&ar);
	rp_cred_reset(&cred);
	form_free(&f);
}

const rp_route rp_login_routes[] = {
        {"GET", "/login", get_login, false},
        {"POST", "/login-actions/authenticate", post_username, false},
        {"POST", "/login-actions/webauthn", post_webauthn, false},
};
const size_t rp_login_route_count = sizeof(rp_login_routes) / sizeof(rp_login_routes[0]);
