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

#include "rp/flow.h"
#include "rp/pages.h"

/* ---- handlers ---- */

static void login_form(rp_app *app, rp_http_response *resp, rp_session *s, const char *username,
                       const char *feedback_key)
{
	char code[RP_CODE_MAX + 1], action[128];
	wa_blob fb = {0};

	if (!rp_session_issue_code(app, s, "username", code, sizeof(code))) {
		rp_flow_500(resp);
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
	rp_flow_page(app, resp, 200, "login.html", vars, 6);
	wa_blob_reset(&fb);
}

static void get_login(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;

	if (rp_session_of(app, req, resp, true, &s) >= RP_SESSION_NO_COOKIE) {
		rp_flow_500(resp);
		return;
	}
	login_form(app, resp, &s, NULL, NULL);
}

static void post_username(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;
	rp_form f;
	const char *name;
	rp_user u;
	rp_cred *creds = NULL;
	size_t n = 0, enabled = 0;
	char code[RP_CODE_MAX + 1], action[128], *opts_text = NULL;
	json_t *opts;

	if (!rp_flow_enter_form(app, req, resp, "username", &s, &f))
		return;
	name = rp_form_get(&f, "username");
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
		rp_flow_error(app, resp, 400, "errorTitle", "credentialSetupRequired"); /* 2.24 */
		goto out;
	}
	s.user_id = u.id;
	snprintf(s.state, sizeof(s.state), "webauthn");
	if (!rp_random_token(32, s.challenge, sizeof(s.challenge)) || !rp_session_save(app, &s) ||
	    !rp_session_issue_code(app, &s, "webauthn", code, sizeof(code)) ||
	    (opts = rp_flow_request_options(app, s.challenge, creds, n)) == NULL) {
		rp_flow_500(resp);
		goto out;
	}
	opts_text = json_dumps(opts, JSON_COMPACT);
	json_decref(opts);
	snprintf(action, sizeof(action), "/login-actions/webauthn?session_code=%s", code);
	const char *vars[][2] = {{"title", rp_msg(app, "webauthn-login-title")},
	                         {"options", opts_text},
	                         {"unsupported", rp_msg(app, "webauthn-unsupported-browser-text")},
	                         {"action", action}};
	rp_flow_page(app, resp, 200, "webauthn-authenticate.html", vars, 4);
out:
	free(opts_text);
	rp_cred_list_free(creds, n);
	rp_form_free(&f);
}

static void post_webauthn(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;
	rp_form f;
	const char *error;

	if (!rp_flow_enter_form(app, req, resp, "webauthn", &s, &f))
		return;
	error = rp_form_get(&f, "error");
	/* The page posts only error when the browser refused (2.2 unsupported, 2.6 otherwise). */
	if (error != NULL && error[0] != '\0') {
		rp_flow_error(app, resp, 400, "webauthn-error-title",
		              strcmp(error, rp_msg(app, "webauthn-unsupported-browser-text")) == 0
		                      ? "webauthn-unsupported-browser-text"
		                      : "webauthn-error-api-get");
		goto out;
	}
	if (!rp_flow_verify_assertion(app, &f, s.user_id, s.challenge)) {
		rp_flow_error(app, resp, 400, "webauthn-error-title", "webauthn-error-api-get");
		goto out;
	}
	snprintf(s.state, sizeof(s.state), "authenticated");
	s.challenge[0] = '\0';
	rp_session_save(app, &s);
	rp_flow_done(app, resp, "logged-in", "kagura-process-finished");
out:
	rp_form_free(&f);
}

const rp_route rp_login_routes[] = {
        {"GET", "/login", get_login, false},
        {"POST", "/login-actions/authenticate", post_username, false},
        {"POST", "/login-actions/webauthn", post_webauthn, false},
};
const size_t rp_login_route_count = sizeof(rp_login_routes) / sizeof(rp_login_routes[0]);
