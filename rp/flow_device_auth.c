/* Cross-device authentication (rp/flow_device_auth.h): the PC's pages, then the phone's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp/flow_device_auth.h"
#include "rp/flow_register.h"
#include "rp/pages.h"
#include "rp/poll.h"
#include "rp/qr.h"
#include "rp/token.h"

#define QR_LIFETIME        (10 * 60) /* manual 2.19: the QR must be read within 10 minutes */
#define CHALLENGE_LIFETIME (5 * 60)  /* the phone's ceremony, once it has read the QR */
#define PHONE_RECORD       "device-auth-phone" /* keyed by the phone's session id */

/* An error page of the platform whose text is one or two bundle keys, one line each; the
 * bundle's values are HTML fragments (3.7 holds a <br/>). */
static void error_page(rp_app *app, rp_http_response *resp, const char *title_key, const char *key,
                       const char *key2)
{
	const char *lines[] = {rp_msg(app, key), key2 ? rp_msg(app, key2) : NULL};

	rp_flow_lines(app, resp, 400, title_key, true, lines, key2 ? 2 : 1);
}

/* 3.9 (v1.04 3.8). */
static void device_auth_error(rp_app *app, rp_http_response *resp)
{
	error_page(app, resp, "kagura-platform-name", "kagura-device-auth-error", NULL);
}

/* ---- the PC ---- */

/* The page that asks the 本人ID, with an error banner when feedback_key is set. */
static void start_page(rp_app *app, rp_http_response *resp, const rp_session *s,
                       const char *feedback_key)
{
	char action[160];
	wa_buf fb;

	if (!rp_flow_action_url(app, s, "/device-auth-actions/username", "device-auth-username",
	                        action, sizeof(action))) {
		rp_flow_500(resp);
		return;
	}
	wa_buf_init(&fb, RP_HTML_MAX);
	if (rp_flow_feedback(app, feedback_key, true, &fb) != WA_OK) {
		wa_buf_free(&fb);
		rp_flow_500(resp);
		return;
	}
	const char *vars[][2] = {{"title", rp_msg(app, "kagura-platform-name")},
	                         {"start", rp_msg(app, "kagura-device-auth-start")},
	                         {"feedback", wa_buf_str(&fb)},
	                         {"action", action},
	                         {"username_label", rp_msg(app, "kagura-enter-username")},
	                         {"submit_label", rp_msg(app, "doSubmit")}};
	RP_FLOW_PAGE(app, resp, 200, "device-auth.html", vars);
	wa_buf_free(&fb);
}

/* A new QR for the PC session s and user_id; it supersedes the user's earlier one. */
static bool issue_qr(rp_app *app, const rp_session *s, int64_t user_id, char *token, size_t size)
{
	rp_qr qr;

	memset(&qr, 0, sizeof(qr));
	if (!rp_random_token(RP_QR_TOKEN_BYTES, qr.token, sizeof(qr.token)) ||
	    strlen(qr.token) >= size)
		return false;
	qr.kind = RP_QR_DEVICE_AUTH;
	qr.state = RP_QR_WAITING;
	snprintf(qr.session_id, sizeof(qr.session_id), "%s", s->id);
	qr.user_id = user_id;
	qr.issued = wa_clock_now(&app->clock);
	qr.expires = qr.issued + QR_LIFETIME;
	if (rp_store_qr_issue(app->store, &qr) != RP_STORE_OK)
		return false;
	strcpy(token, qr.token);
	return true;
}

/* The QR page: the contract authenticator/pc/pc.h reads, and the script a real browser runs. */
static void qr_page(rp_app *app, rp_http_response *resp, const rp_session *s, const char *token)
{
	char qr_url[RP_QR_TEXT_MAX], poll_url[160], next[160], cancel[160];
	wa_buf svg = WA_BUF_INIT(RP_HTML_MAX);

	if ((size_t)snprintf(qr_url, sizeof(qr_url), "%s/device-auth/qr?token=%s", app->cfg.origin,
	                     token) >= sizeof(qr_url) ||
	    (size_t)snprintf(poll_url, sizeof(poll_url), "/device-auth/status?token=%s", token) >=
	            sizeof(poll_url) ||
	    (size_t)snprintf(next, sizeof(next), "/device-auth/result?token=%s", token) >=
	            sizeof(next) ||
	    !rp_flow_action_url(app, s, "/device-auth-actions/cancel", "device-auth-cancel", cancel,
	                        sizeof(cancel)) ||
	    !rp_qr_svg(qr_url, &svg)) {
		wa_buf_free(&svg);
		rp_flow_500(resp);
		return;
	}
	const char *vars[][2] = {{"title", rp_msg(app, "kagura-platform-name")},
	                         {"start", rp_msg(app, "kagura-device-auth-start")},
	                         {"qr_url", qr_url},
	                         {"poll_url", poll_url},
	                         {"next_url", next},
	                         {"qr_svg", wa_buf_str(&svg)},
	                         {"token", token},
	                         {"cancel_action", cancel},
	                         {"cancel_label", rp_msg(app, "doCancel")}};
	RP_FLOW_PAGE(app, resp, 200, "device-auth-qr.html", vars);
	rp_http_response_header(resp, "Cache-Control", "no-store");
	wa_buf_free(&svg);
}

static void get_start(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;
	char token[RP_QR_TOKEN_MAX + 1];

	if (!rp_session_usable(rp_session_of(app, req, resp, true, &s))) {
		rp_flow_500(resp);
		return;
	}
	/* 3.9: this browser has completed a logon already (remedy: a fresh browser). */
	if (s.step == RP_STEP_AUTHENTICATED) {
		device_auth_error(app, resp);
		return;
	}
	/* A reload of the QR page shows a new QR; the one shown before is superseded (2.19). */
	if (s.step == RP_STEP_DEVICE_AUTH_QR && s.user_id != 0) {
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
	const rp_generation *gen = app->cfg.generation;
	bool had = false;
	rp_cred *creds = NULL;
	size_t n = 0, enabled = 0;
	rp_store_err e;

	*key = NULL;
	if (name == NULL || name[0] == '\0') {
		*key = gen->empty_name_key; /* 3.7 */
		return RP_STORE_OK;
	}
	e = rp_app_user_by_name(app, name, u);
	if (e == RP_STORE_NOT_FOUND || e == RP_STORE_INVALID) {
		*key = gen->unknown_user_key; /* 3.8 (unregistered user, wrong 本人ID) */
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
	rp_cred_list_free(&creds, n);
	if (enabled == 0)
		*key = had ? "kagura-device-auth-info-not-registered" /* 3.8: disabled or deleted */
		           : gen->never_registered_key;               /* 3.12 */
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
	if (s.step == RP_STEP_AUTHENTICATED) {
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
	s.step = RP_STEP_DEVICE_AUTH_QR;
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
	       qr->kind == RP_QR_DEVICE_AUTH && strcmp(qr->session_id, s->id) == 0;
}

/* What the PC's script sees: a QR superseded, unread in time or unanswered is expired. */
static rp_poll pc_state(const rp_app *app, const rp_qr *qr)
{
	time_t now = wa_clock_now(&app->clock);
	rp_poll shown = rp_poll_of(qr->state);

	if (shown != RP_POLL_WAITING)
		return shown;
	if (qr->superseded || (!qr->consumed && now >= qr->expires))
		return RP_POLL_EXPIRED;
	/* Read but never answered: the phone's challenge has run out too. */
	if (qr->consumed && now >= qr->expires + CHALLENGE_LIFETIME)
		return RP_POLL_EXPIRED;
	return RP_POLL_WAITING;
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
		rp_poll_answer(resp, 404, RP_POLL_EXPIRED);
	else
		rp_poll_answer(resp, 200, pc_state(app, &qr));
}

/* Back to the Username page's step: a failed or cancelled attempt leaves nothing to clean up. */
static bool restart(rp_app *app, rp_session *s)
{
	if (s->step != RP_STEP_DEVICE_AUTH_QR)
		return true;
	s->user_id = 0;
	s->step = RP_STEP_NEW;
	return rp_session_save(app, s);
}

static void get_result(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;
	rp_qr qr;
	rp_poll shown;

	if (!rp_flow_session(app, req, resp, &s))
		return;
	/* 3.9: the logon is complete; a second one in this browser is refused. */
	if (s.step == RP_STEP_AUTHENTICATED ||
	    !session_qr(app, &s, rp_http_query(req, "token"), &qr)) {
		device_auth_error(app, resp);
		return;
	}
	shown = pc_state(app, &qr);
	if (shown == RP_POLL_WAITING) {
		qr_page(app, resp, &s, qr.token); /* opened early: the phone has not finished */
		return;
	}
	if (shown == RP_POLL_DONE && s.step == RP_STEP_DEVICE_AUTH_QR && s.user_id == qr.user_id) {
		s.step = RP_STEP_AUTHENTICATED;
		s.challenge[0] = '\0';
		/* Logged in: under a session id no one could know before (session fixation). */
		if (!rp_session_renew(app, resp, &s))
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
	if (session_qr(app, &s, rp_form_get(&f, "token"), &qr) && qr.state == RP_QR_WAITING &&
	    rp_store_qr_set_state(app->store, qr.token, RP_QR_CANCELLED) != RP_STORE_OK) {
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
	return qr->kind == RP_QR_DEVICE_AUTH && !qr->superseded && !qr->consumed &&
	       qr->state == RP_QR_WAITING && wa_clock_now(&app->clock) < qr->expires;
}

static void get_qr(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	const char *token = rp_http_query(req, "token");
	time_t now = wa_clock_now(&app->clock);
	rp_session s;
	rp_qr qr;
	rp_cred *creds = NULL;
	size_t n = 0;
	char challenge[64], action[160], *value = NULL;
	json_t *pending = NULL;

	if (token == NULL || rp_store_qr_get(app->store, token, &qr) != RP_STORE_OK ||
	    !qr_usable(app, &qr)) {
		rp_register_invalid_qr(app, resp); /* 2.19: expired, superseded or already read */
		return;
	}
	if (!rp_session_usable(rp_session_of(app, req, resp, true, &s)) ||
	    rp_store_cred_list(app->store, qr.user_id, &creds, &n) != RP_STORE_OK ||
	    !rp_random_token(RP_CHALLENGE_BYTES, challenge, sizeof(challenge)) ||
	    (pending = json_pack("{s:s, s:s}", "token", qr.token, "challenge", challenge)) ==
	            NULL ||
	    (value = json_dumps(pending, JSON_COMPACT)) == NULL ||
	    rp_store_record_put(app->store, PHONE_RECORD, s.id, value, now,
	                        now + CHALLENGE_LIFETIME) != RP_STORE_OK ||
	    !rp_flow_action_url(app, &s, "/device-auth-actions/webauthn", "device-auth-webauthn",
	                        action, sizeof(action))) {
		rp_flow_500(resp);
		goto out;
	}
	/* Last, so a failure above leaves the QR readable; single use from here on. */
	if (rp_store_qr_consume(app->store, qr.token) != RP_STORE_OK) {
		rp_store_record_delete(app->store, PHONE_RECORD, s.id);
		rp_register_invalid_qr(app, resp);
		goto out;
	}
	rp_flow_webauthn_page(app, resp,
	                      &(rp_flow_get){.challenge = challenge,
	                                     .creds = creds,
	                                     .n = n,
	                                     .user_identified = true,
	                                     .action = action});
out:
	free(value);
	json_decref(pending);
	rp_cred_list_free(&creds, n);
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
	    qr.kind != RP_QR_DEVICE_AUTH || !qr.consumed || qr.state != RP_QR_WAITING) {
		rp_register_invalid_qr(app, resp);
		goto out;
	}
	error = rp_form_get(&f, "error");
	if ((error != NULL && error[0] != '\0') ||
	    rp_flow_verify_assertion(app, resp, &f, qr.user_id, challenge) != WA_OK) {
		if (rp_store_qr_set_state(app->store, qr.token, RP_QR_FAILED) != RP_STORE_OK) {
			rp_flow_500(resp);
			goto out;
		}
		/* The QR is spent: trying again is a new QR on the PC, not this page. */
		rp_flow_webauthn_refused(app, resp, error, NULL);
		goto out;
	}
	if (rp_store_qr_set_state(app->store, qr.token, RP_QR_DONE) != RP_STORE_OK) {
		rp_flow_500(resp);
		goto out;
	}
	rp_flow_done(app, resp, "done", "kagura-process-finished");
out:
	json_decref(doc);
	rp_record_reset(&rec);
	rp_form_free(&f);
}

static const rp_route routes[] = {
        {"GET", "/device-auth", get_start, RP_ROUTE_PLATFORM},
        {"POST", "/device-auth-actions/username", post_username, RP_ROUTE_PLATFORM},
        {"GET", "/device-auth/status", get_status, RP_ROUTE_PLATFORM},
        {"GET", "/device-auth/result", get_result, RP_ROUTE_PLATFORM},
        {"POST", "/device-auth-actions/cancel", post_cancel, RP_ROUTE_PLATFORM},
        {"GET", "/device-auth/qr", get_qr, RP_ROUTE_PLATFORM},
        {"POST", "/device-auth-actions/webauthn", post_webauthn, RP_ROUTE_PLATFORM},
};

const rp_route_table rp_device_auth_table = RP_ROUTE_TABLE(routes, NULL, rp_flow_405);
