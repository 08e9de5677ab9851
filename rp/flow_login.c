/* Device-only FIDO login on the phone (rp/flow_login.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp/flow.h"
#include "rp/flow_login.h"
#include "rp/pages.h"
#include "rp/token.h"

/* ---- handlers ---- */

static void login_form(rp_app *app, rp_http_response *resp, rp_session *s, const char *username,
                       const char *feedback_key)
{
	char action[128];
	wa_buf fb = WA_BUF_INIT(RP_HTML_MAX);

	if (!rp_flow_action_url(app, s, "/login-actions/authenticate", "username", action,
	                        sizeof(action)) ||
	    rp_flow_feedback(app, feedback_key, false, &fb) != WA_OK) {
		wa_buf_free(&fb);
		rp_flow_500(resp);
		return;
	}
	const char *vars[][2] = {{"title", rp_msg(app, "loginAccountTitle")},
	                         {"feedback", wa_buf_str(&fb)},
	                         {"action", action},
	                         {"username_label", rp_msg(app, "username")},
	                         {"username", username ? username : ""},
	                         {"submit_label", rp_msg(app, "doLogIn")}};
	RP_FLOW_PAGE(app, resp, 200, "login.html", vars);
	wa_buf_free(&fb);
}

static void get_login(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;

	if (!rp_session_usable(rp_session_of(app, req, resp, true, &s))) {
		rp_flow_500(resp);
		return;
	}
	login_form(app, resp, &s, NULL, NULL);
}

/*
 * The WebAuthn step for the session's user (user_id 0: a 本人ID nobody has): a new challenge,
 * saved with the session, and the page that asks get() once its button is pressed.
 */
static void webauthn_step(rp_app *app, rp_http_response *resp, rp_session *s)
{
	rp_cred *creds = NULL;
	size_t n = 0;
	char action[128];

	if ((s->user_id != 0 &&
	     rp_store_cred_list(app->store, s->user_id, &creds, &n) != RP_STORE_OK) ||
	    !rp_random_token(RP_CHALLENGE_BYTES, s->challenge, sizeof(s->challenge))) {
		rp_flow_500(resp);
		return;
	}
	s->step = RP_STEP_WEBAUTHN;
	if (!rp_session_save(app, s) || !rp_flow_action_url(app, s, "/login-actions/webauthn",
	                                                    "webauthn", action, sizeof(action))) {
		rp_flow_500(resp);
		goto out;
	}
	rp_flow_webauthn_page(app, resp,
	                      &(rp_flow_get){.challenge = s->challenge,
	                                     .creds = creds,
	                                     .n = n,
	                                     .user_identified = s->user_id != 0,
	                                     .action = action});
out:
	rp_cred_list_free(&creds, n);
}

static void post_username(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;
	rp_form f;
	const char *name;
	rp_user u;
	rp_cred *creds = NULL;
	size_t n = 0, enabled = 0;

	if (!rp_flow_enter_form(app, req, resp, "username", &s, &f))
		return;
	name = rp_form_get(&f, "username");
	if (name == NULL || name[0] == '\0' || rp_app_user_by_name(app, name, &u) != RP_STORE_OK) {
		/*
		 * Stock Keycloak answers invalidUsernameMessage here; the manual (2.6, "a wrong
		 * 本人ID") shows the WebAuthn step failing instead: the ceremony runs for nobody.
		 */
		s.user_id = 0;
		webauthn_step(app, resp, &s);
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
	webauthn_step(app, resp, &s);
out:
	rp_cred_list_free(&creds, n);
	rp_form_free(&f);
}

/* Bytes of a posted browser error kept for the log line (a DOMException text is shorter). */
#define BROWSER_ERROR_LOGGED 200

/* text cut to size, control characters as '?': one log line whatever the page posted. */
static void log_safe(const char *text, char *out, size_t size)
{
	size_t n = 0;

	for (; text[n] != '\0' && n + 1 < size; n++)
		out[n] = (unsigned char)text[n] < 0x20 || text[n] == 0x7F ? '?' : text[n];
	out[n] = '\0';
}

static void post_webauthn(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;
	rp_form f;
	const char *error;
	char retry[128];

	if (!rp_flow_enter_form(app, req, resp, "webauthn", &s, &f))
		return;
	if (rp_flow_is_retry(&f)) {
		webauthn_step(app, resp, &s); /* Try again: the page once more, a new challenge */
		goto out;
	}
	error = rp_form_get(&f, "error");
	/* The page posts only error when the browser refused. Nobody's 本人ID never verifies. */
	if ((error != NULL && error[0] != '\0') || s.user_id == 0 ||
	    rp_flow_verify_assertion(app, resp, &f, s.user_id, s.challenge) != WA_OK) {
		/* As Keycloak at login: {0} stays empty, the browser's error is logged. */
		if (error != NULL && error[0] != '\0') {
			char shown[BROWSER_ERROR_LOGGED + 1];
			log_safe(error, shown, sizeof(shown));
			rp_http_response_why(resp, "%s: the browser's error: %s", __func__, shown);
		}
		rp_flow_webauthn_refused(app, resp, error,
		                         rp_flow_action_url(app, &s, "/login-actions/webauthn",
		                                            "webauthn", retry, sizeof(retry))
		                                 ? retry
		                                 : NULL);
		goto out;
	}
	s.step = RP_STEP_AUTHENTICATED;
	s.challenge[0] = '\0';
	/* Logged in: under a session id no one could know before (session fixation). */
	if (!rp_session_renew(app, resp, &s)) {
		rp_flow_500(resp);
		goto out;
	}
	rp_flow_done(app, resp, "logged-in", "kagura-process-finished");
out:
	rp_form_free(&f);
}

static const rp_route routes[] = {
        {"GET", "/login", get_login, RP_ROUTE_PLATFORM},
        {"POST", "/login-actions/authenticate", post_username, RP_ROUTE_PLATFORM},
        {"POST", "/login-actions/webauthn", post_webauthn, RP_ROUTE_PLATFORM},
};

const rp_route_table rp_login_table = RP_ROUTE_TABLE(routes, NULL, rp_flow_405);
