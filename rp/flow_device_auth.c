/*
 * Cross-device authentication (デバイス認証): the PC asks the 本人ID, shows a
 * QR valid 10 minutes and polls the platform; the phone opens the QR and runs
 * navigator.credentials.get with user verification; the PC then goes on to
 * the result. Manual entries: on the PC 3.7, 3.8, 3.9, 3.12 (v1.04: 3.6, 3.7,
 * 3.8), on the phone 2.19 and 2.6, on both 2.15 and 2.20.
 *
 * 3.8 or 3.12: a user without an enabled device who ever registered one (a
 * credential stored but disabled, or deleted: rp_store_user_had_device) gets
 * 3.8; a user who never registered any gets 3.12. v1.04 shows its 3.7 for both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp/flow.h"
#include "rp/flow_register.h"
#include "rp/pages.h"
#include "rp/qr.h"
#include "webauthn/authentication.h"
#include "webauthn/b64url.h"

#define QR_KIND            "device-auth"
#define QR_LIFETIME        (10 * 60) /* manual 2.19: the QR must be read within 10 minutes */
#define CHALLENGE_LIFETIME (5 * 60)  /* the phone's ceremony, once it has read the QR */
#define PHONE_RECORD       "device-auth-phone" /* keyed by the phone's session id */

/* The PC session's steps (rp_session.state). */
#define ST_NEW  "new"
#define ST_QR   "device-auth-qr"
#define ST_AUTH "authenticated"

static bool manual_v104(const rp_app *app)
{
	return app->cfg.manual != NULL && strcmp(app->cfg.manual, "1.04") == 0;
}

/* key when the bundle has it, else the key the older generation showed for the same cause. */
static const char *key_or(const rp_app *app, const char *key, const char *older)
{
	return rp_messages_get(app->msgs, key) != NULL ? key : older;
}

/* Appends the bundle's text as given: its values are HTML fragments (3.7 holds a <br/>). */
static void append_msg(const rp_app *app, const char *key, wa_blob *out)
{
	const char *text = rp_msg(app, key);

	wa_blob_append(out, text, strlen(text));
}

/* An error page of the platform whose text is one or two bundle keys, one line each. */
static void error_page(rp_app *app, rp_http_response *resp, const char *title_key, const char *key,
                       const char *key2)
{
	wa_blob html = {0};

	append_msg(app, key, &html);
	if (key2 != NULL) {
		wa_blob_append(&html, "<br/>", 5);
		append_msg(app, key2, &html);
	}
	wa_blob_append(&html, "", 1);
	rp_flow_message_html(app, resp, 400, title_key, "alert-error",
	                     html.ptr ? (const char *)html.ptr : "");
	wa_blob_reset(&html);
}

/* 3.9 (v1.04 3.8). */
static void device_auth_error(rp_app *app, rp_http_response *resp)
{
	error_page(app, resp, "kagura-platform-name", "kagura-device-auth-error", NULL);
}

static void method_not_allowed(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_flow_405(app, req, resp);
}

/* ---- the PC ---- */

/* The page that asks the 本人ID, with an error banner when feedback_key is set. */
static void start_page(rp_app *app, rp_http_response *resp, const rp_session *s,
                       const char *feedback_key)
{
	static const char open[] = "<div class=\"alert-error\"><span id=\"kc-feedback-text\">";
	static const char close[] = "</span></div>";
	char action[160];
	wa_blob fb = {0};

	if (!rp_flow_action_url(app, s, "/device-auth-actions/username", "device-auth-username",
	                        action, sizeof(action))) {
		rp_flow_500(resp);
		return;
	}
	if (feedback_key != NULL) {
		wa_blob_append(&fb, open, sizeof(open) - 1);
		append_msg(app, feedback_key, &fb);
		wa_blob_append(&fb, close, sizeof(close) - 1);
	}
	wa_blob_append(&fb, "", 1);
	const char *vars[][2] = {{"title", rp_msg(app, "kagura-platform-name")},
	                         {"start", rp_msg(app, "kagura-device-auth-start")},
	                         {"feedback", (const char *)fb.ptr},
	                         {"action", action},
	                         {"prompt", rp_msg(app, "kagura-enter-username")},
	                         {"submit_label", rp_msg(app, "doSubmit")}};
	rp_flow_page(app, resp, 200, "device-auth.html", vars, 6);
	wa_blob_reset(&fb);
}

/* A new QR for the PC session s and user_id; it supersedes the user's earlier one. */
static bool issue_qr(rp_app *app, const rp_session *s, int64_t user_id, char *token, size_t size)
{
	rp_qr qr;

	memset(&qr, 0, sizeof(qr));
	if (!rp_random_token(24, qr.token, sizeof(qr.token)) || strlen(qr.token) >= size)
		return false;
	snprintf(qr.kind, sizeof(qr.kind), QR_KIND);
	snprintf(qr.session_id, sizeof(qr.session_id), "%s", s->id);
	snprintf(qr.state, sizeof(qr.state), "waiting");
	qr.user_id = user_id;
	qr.issued = wa_clock_now(&app->clock);
	qr.expires = qr.issued + QR_LIFETIME;
	if (rp_store_qr_issue(app->store, &qr) != RP_STORE_OK)
		return false;
	strcpy(token, qr.token);
	return true;
}

/* The QR page: the contract authenticator/pc.h reads, and the script a real browser runs. */
static void qr_page(rp_app *app, rp_http_response *resp, const rp_session *s, const char *token)
{
	char qr_url[RP_QR_TEXT_MAX], poll[160], next[160], cancel[160];
	wa_blob svg = {0};

	if ((size_t)snprintf(qr_url, sizeof(qr_url), "%s/device-auth/qr?token=%s", app->cfg.origin,
	                     token) >= sizeof(qr_url) ||
	    (size_t)snprintf(poll, sizeof(poll), "/device-auth/status?token=%s", token) >=
	            sizeof(poll) ||
	    (size_t)snprintf(next, sizeof(next), "/device-auth/result?token=%s", token) >=
	            sizeof(next) ||
	    !rp_flow_action_url(app, s, "/device-auth-actions/cancel", "device-auth-cancel", cancel,
	                        sizeof(cancel)) ||
	    !rp_qr_svg(qr_url, &svg)) {
		wa_blob_reset(&svg);
		rp_flow_500(resp);
		return;
	}
	const char *vars[][2] = {{"title", rp_msg(app, "kagura-platform-name")},
	                         {"start", rp_msg(app, "kagura-device-auth-start")},
	                         {"qr_url", qr_url},
	                         {"poll_url", poll},
	                         {"next_url", next},
	                         {"qr_svg", (const char *)svg.ptr},
	                         {"token", token},
	                         {"cancel_action", cancel},
	                         {"cancel_label", rp_msg(app, "doCancel")}};
	rp_flow_page(app, resp, 200, "device-auth-qr.html", vars, 9);
	rp_http_response_header(resp, "Cache-Control", "no-store");
	wa_blob_reset(&svg);
}

static void get_start(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;
	char token[RP_QR_TOKEN_MAX + 1];

	if (rp_session_of(app, req, resp, true, &s) >= RP_SESSION_NO_COOKIE) {
		rp_flow_500(resp);
		return;
	}
	/* 3.9: this browser has completed a logon already (remedy: a fresh browser). */
	if (strcmp(s.state, ST_AUTH) == 0) {
		device_auth_error(app, resp);
		return;
	}
	/* A reload of the QR page shows a new QR; the one shown before is superseded (2.19). */
	if (strcmp(s.state, ST_QR) == 0 && s.user_id != 0) {
		if (!issue_qr(app, &s, s.user_id, token, sizeof(token)))
			rp_flow_500(resp);
		else
			qr_page(app, resp, &s, token);
		return;
	}
	start_page(app, resp, &s, NULL);
}

/* Why user name cannot start a device authentication: a bundle key, NULL when it can. */
static rp_store_err refusal(rp_app *app, const char *name, rp_user *u, const char **key)
{
	bool v104 = manual_v104(app), had = false;
	rp_cred *creds = NULL;
	size_t n = 0, enabled = 0;
	rp_store_err e;

	*key = NULL;
	if (name == NULL || name[0] == '\0') {
		/* 3.7; v1.04 names the empty Username under its 3.7 (v2.16's 3.8 text). */
		*key = v104 ? "kagura-device-auth-info-not-registered"
		            : "kagura-user-not-registered";
		return RP_STORE_OK;
	}
	e = rp_store_user_by_name(app->store, name, u);
	if (e == RP_STORE_NOT_FOUND || e == RP_STORE_INVALID) {
		/* 3.8 (unregistered user, wrong 本人ID); v1.04 3.6. */
		*key = v104 ? "kagura-user-not-registered"
		            : "kagura-device-auth-info-not-registered";
		return RP_STORE_OK;
	}
	if (e != RP_STORE_OK)
		return e;
	if (!u->enabled) {
		*key = "accountDisabledMessage"; /* as the Username form of Keycloak says it */
		return RP_STORE_OK;
	}
	if ((e = rp_store_cred_list(app->store, u->id, &creds, &n)) != RP_STORE_OK ||
	    (e = rp_store_user_had_device(app->store, u->id, &had)) != RP_STORE_OK)
		return e;
	for (size_t i = 0; i < n; i++)
		enabled += creds[i].enabled;
	rp_cred_list_free(creds, n);
	if (enabled == 0)
		*key = had ? "kagura-device-auth-info-not-registered" /* 3.8: disabled or deleted */
		           : key_or(app, "kagura-device-not-registered", /* 3.12 */
		                    "kagura-device-auth-info-not-registered");
	return RP_STORE_OK;
}

static void post_username(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;
	rp_form f;
	rp_user u;
	const char *key;
	char token[RP_QR_TOKEN_MAX + 1];

	if (!rp_flow_enter_form(app, req, resp, "device-auth-username", &s, &f))
		return;
	if (strcmp(s.state, ST_AUTH) == 0) {
		device_auth_error(app, resp); /* 3.9 */
		goto out;
	}
	memset(&u, 0, sizeof(u));
	if (refusal(app, rp_form_get(&f, "username"), &u, &key) != RP_STORE_OK) {
		rp_flow_500(resp);
		goto out;
	}
	if (key != NULL) {
		start_page(app, resp, &s, key);
		goto out;
	}
	s.user_id = u.id;
	snprintf(s.state, sizeof(s.state), ST_QR);
	if (!issue_qr(app, &s, u.id, token, sizeof(token)) || !rp_session_save(app, &s)) {
		rp_flow_500(resp);
		goto out;
	}
	qr_page(app, resp, &s, token);
out:
	rp_form_free(&f);
}

/* The QR named by token when it is this PC session's device-authentication QR. */
static bool session_qr(rp_app *app, const rp_session *s, const char *token, rp_qr *qr)
{
	return token != NULL && rp_store_qr_get(app->store, token, qr) == RP_STORE_OK &&
	       strcmp(qr->kind, QR_KIND) == 0 && strcmp(qr->session_id, s->id) == 0;
}

/* What the PC's script sees: waiting, done, failed, cancelled or expired. */
static const char *pc_state(const rp_app *app, const rp_qr *qr)
{
	time_t now = wa_clock_now(&app->clock);

	if (strcmp(qr->state, "waiting") != 0)
		return qr->state;
	if (qr->superseded || (!qr->consumed && now >= qr->expires))
		return "expired";
	/* Read but never answered: the phone's challenge has run out too. */
	if (qr->consumed && now >= qr->expires + CHALLENGE_LIFETIME)
		return "expired";
	return "waiting";
}

static void get_status(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;
	rp_qr qr;
	rp_session_status st = rp_session_of(app, req, resp, false, &s);

	if (st == RP_SESSION_ERROR) {
		rp_flow_500(resp);
		return;
	}
	/* Not this browser's QR: "expired" sends the script on to the result page's error. */
	if (st != RP_SESSION_FOUND || !session_qr(app, &s, rp_http_query(req, "token"), &qr))
		rp_http_response_json(resp, 404, json_pack("{s:s}", "state", "expired"));
	else
		rp_http_response_json(resp, 200, json_pack("{s:s}", "state", pc_state(app, &qr)));
	rp_http_response_header(resp, "Cache-Control", "no-store");
}

/* Back to the Username page's step: a failed or cancelled attempt leaves nothing to clean up. */
static bool restart(rp_app *app, rp_session *s)
{
	if (strcmp(s->state, ST_QR) != 0)
		return true;
	s->user_id = 0;
	snprintf(s->state, sizeof(s->state), ST_NEW);
	return rp_session_save(app, s);
}

static void get_result(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;
	rp_qr qr;
	const char *state;

	if (!rp_flow_session(app, req, resp, &s))
		return;
	/* 3.9: the logon is complete; a second one in this browser is refused. */
	if (strcmp(s.state, ST_AUTH) == 0 ||
	    !session_qr(app, &s, rp_http_query(req, "token"), &qr)) {
		device_auth_error(app, resp);
		return;
	}
	state = pc_state(app, &qr);
	if (strcmp(state, "waiting") == 0) {
		qr_page(app, resp, &s, qr.token); /* opened early: the phone has not finished */
		return;
	}
	if (strcmp(state, "done") == 0 && strcmp(s.state, ST_QR) == 0 && s.user_id == qr.user_id) {
		snprintf(s.state, sizeof(s.state), ST_AUTH);
		s.challenge[0] = '\0';
		if (!rp_session_save(app, &s))
			rp_flow_500(resp);
		else
			rp_flow_done(app, resp, "logged-in", "kagura-process-finished");
		return;
	}
	if (!restart(app, &s)) {
		rp_flow_500(resp);
		return;
	}
	device_auth_error(app, resp); /* failed, cancelled or expired: 3.9 */
}

static void post_cancel(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;
	rp_form f;
	rp_qr qr;

	if (!rp_flow_enter_form(app, req, resp, "device-auth-cancel", &s, &f))
		return;
	/* The phone can no longer use the QR; the session goes back to the Username page. */
	if (session_qr(app, &s, rp_form_get(&f, "token"), &qr) &&
	    strcmp(qr.state, "waiting") == 0 &&
	    rp_store_qr_set_state(app->store, qr.token, "cancelled") != RP_STORE_OK) {
		rp_flow_500(resp);
		goto out;
	}
	if (!restart(app, &s)) {
		rp_flow_500(resp);
		goto out;
	}
	device_auth_error(app, resp); /* 3.9: "rarely" after Cancel; nothing needs doing */
out:
	rp_form_free(&f);
}

/* ---- the phone ---- */

/* The QR the phone may still use: this kind, in date, the newest, unread, not cancelled. */
static bool qr_usable(const rp_app *app, const rp_qr *qr)
{
	return strcmp(qr->kind, QR_KIND) == 0 && !qr->superseded && !qr->consumed &&
	       strcmp(qr->state, "waiting") == 0 && wa_clock_now(&app->clock) < qr->expires;
}

static void get_qr(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	const char *token = rp_http_query(req, "token");
	time_t now = wa_clock_now(&app->clock);
	rp_session s;
	rp_qr qr;
	rp_cred *creds = NULL;
	size_t n = 0;
	char challenge[64], action[160], *value = NULL, *opts_text = NULL;
	json_t *opts = NULL, *pending = NULL;

	if (token == NULL || rp_store_qr_get(app->store, token, &qr) != RP_STORE_OK ||
	    !qr_usable(app, &qr)) {
		rp_register_invalid_qr(app, resp); /* 2.19: expired, superseded or already read */
		return;
	}
	if (rp_session_of(app, req, resp, true, &s) >= RP_SESSION_NO_COOKIE ||
	    rp_store_cred_list(app->store, qr.user_id, &creds, &n) != RP_STORE_OK ||
	    !rp_random_token(32, challenge, sizeof(challenge)) ||
	    (pending = json_pack("{s:s, s:s}", "token", qr.token, "challenge", challenge)) ==
	            NULL ||
	    (value = json_dumps(pending, JSON_COMPACT)) == NULL ||
	    rp_store_record_put(app->store, PHONE_RECORD, s.id, value, now,
	                        now + CHALLENGE_LIFETIME) != RP_STORE_OK ||
	    !rp_flow_action_url(app, &s, "/device-auth-actions/webauthn", "device-auth-webauthn",
	                        action, sizeof(action)) ||
	    (opts = rp_flow_request_options(app, challenge, creds, n)) == NULL ||
	    (opts_text = json_dumps(opts, JSON_COMPACT)) == NULL) {
		rp_flow_500(resp);
		goto out;
	}
	/* Last, so a failure above leaves the QR readable; single use from here on. */
	if (rp_store_qr_consume(app->store, qr.token) != RP_STORE_OK) {
		rp_store_record_delete(app->store, PHONE_RECORD, s.id);
		rp_register_invalid_qr(app, resp);
		goto out;
	}
	const char *vars[][2] = {{"title", rp_msg(app, "webauthn-login-title")},
	                         {"options", opts_text},
	                         {"unsupported", rp_msg(app, "webauthn-unsupported-browser-text")},
	                         {"action", action}};
	rp_flow_page(app, resp, 200, "webauthn-authenticate.html", vars, 4);
out:
	free(opts_text);
	json_decref(opts);
	free(value);
	json_decref(pending);
	rp_cred_list_free(creds, n);
}

static void post_webauthn(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;
	rp_form f;
	rp_record rec = {0};
	rp_qr qr;
	json_t *doc = NULL;
	const char *token, *challenge, *error;
	rp_store_err e;

	if (!rp_flow_enter_form(app, req, resp, "device-auth-webauthn", &s, &f))
		return;
	/* The challenge is single use and lives CHALLENGE_LIFETIME. */
	e = rp_store_record_take(app->store, PHONE_RECORD, s.id, wa_clock_now(&app->clock), &rec);
	if (e != RP_STORE_OK) {
		if (e == RP_STORE_NOT_FOUND)
			rp_flow_error(app, resp, 400, "webauthn-error-title",
			              "webauthn-error-api-get");
		else
			rp_flow_500(resp);
		goto out;
	}
	doc = json_loads(rec.value, 0, NULL);
	token = json_string_value(json_object_get(doc, "token"));
	challenge = json_string_value(json_object_get(doc, "challenge"));
	/* The PC cancelled, or the QR is otherwise no longer the one being answered. */
	if (token == NULL || challenge == NULL ||
	    rp_store_qr_get(app->store, token, &qr) != RP_STORE_OK ||
	    strcmp(qr.kind, QR_KIND) != 0 || !qr.consumed || strcmp(qr.state, "waiting") != 0) {
		rp_register_invalid_qr(app, resp);
		goto out;
	}
	error = rp_form_get(&f, "error");
	if ((error != NULL && error[0] != '\0') ||
	    !rp_flow_verify_assertion(app, &f, qr.user_id, challenge)) {
		if (rp_store_qr_set_state(app->store, qr.token, "failed") != RP_STORE_OK) {
			rp_flow_500(resp);
			goto out;
		}
		/* As the device-only login: 2.2 for a browser without WebAuthn, otherwise 2.6. */
		rp_flow_error(app, resp, 400, "webauthn-error-title",
		              error != NULL && strcmp(error, rp_msg(app, "webauthn-unsupported-"
		                                                         "browser-text")) == 0
		                      ? "webauthn-unsupported-browser-text"
		                      : "webauthn-error-api-get");
		goto out;
	}
	if (rp_store_qr_set_state(app->store, qr.token, "done") != RP_STORE_OK) {
		rp_flow_500(resp);
		goto out;
	}
	rp_flow_done(app, resp, "done", "kagura-process-finished");
out:
	json_decref(doc);
	rp_record_reset(&rec);
	rp_form_free(&f);
}

const rp_route rp_device_auth_routes[] = {
        {"GET", "/device-auth", get_start, false},
        {"POST", "/device-auth-actions/username", post_username, false},
        {"GET", "/device-auth-actions/username", method_not_allowed, false},
        {"GET", "/device-auth/status", get_status, false},
        {"GET", "/device-auth/result", get_result, false},
        {"POST", "/device-auth-actions/cancel", post_cancel, false},
        {"GET", "/device-auth-actions/cancel", method_not_allowed, false},
        {"GET", "/device-auth/qr", get_qr, false},
        {"POST", "/device-auth-actions/webauthn", post_webauthn, false},
        {"GET", "/device-auth-actions/webauthn", method_not_allowed, false},
};
const size_t rp_device_auth_route_count =
        sizeof(rp_device_auth_routes) / sizeof(rp_device_auth_routes[0]);
