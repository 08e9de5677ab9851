/*
 * What every flow of the platform shares: rendering a page, Keycloak's error
 * page, the platform's 405 page (manual 2.20), the cookie-missing page (2.15),
 * entering a form post through its session and single-use code, and the WebAuthn
 * login step the device-only and cross-device logins share.
 */
#ifndef KAGURA_RP_FLOW_H
#define KAGURA_RP_FLOW_H

#include "rp/app.h"
#include "rp/form.h"
#include "rp/session.h"
#include "webauthn/arraylen.h"
#include "webauthn/buf.h"
#include "webauthn/error.h"

#define RP_HTML "text/html; charset=utf-8"

/* Renders template tpl with vars into resp (a 500 when the template is missing). */
void rp_flow_page(rp_app *app, rp_http_response *resp, int status, const char *tpl,
                  const char *const vars[][2], size_t n);
/* rp_flow_page with an array of {name, value} pairs whose length the compiler counts. */
#define RP_FLOW_PAGE(app, resp, status, tpl, vars) \
	rp_flow_page((app), (resp), (status), (tpl), (vars), KAGURA_LEN(vars))
/* message.html: kind (a class on kc-content; alert-error: a red banner, else a success one)
 * and the banner's message already escaped as HTML. */
void rp_flow_message_html(rp_app *app, rp_http_response *resp, int status, const char *title_key,
                          const char *kind, const char *message_html);
/* The error page: Keycloak's banner (alert-error, class kc-feedback-text) with message_key. */
void rp_flow_error(rp_app *app, rp_http_response *resp, int status, const char *title_key,
                   const char *message_key);
/* The same with a text that is not a bundle key (escaped here). */
void rp_flow_error_text(rp_app *app, rp_http_response *resp, int status, const char *title_key,
                        const char *text);
/* A success page: kind "logged-in" or "done" and the bundle's message_key. */
void rp_flow_done(rp_app *app, rp_http_response *resp, const char *kind, const char *message_key);
/* The platform's own 405 page (manual 2.20): the time and the client's address. */
void rp_flow_405(rp_app *app, const rp_http_request *req, rp_http_response *resp);
/* Cookies gone (manual 2.15; v1.04: "We are sorry..." and the invalid-code text). */
void rp_flow_no_cookie(rp_app *app, rp_http_response *resp);
/* The store failed: a plain 500 (nothing was changed). */
void rp_flow_500(rp_http_response *resp);
/* The message page with html (freed here) as its message; 500 when building it failed. */
void rp_flow_message_buf(rp_app *app, rp_http_response *resp, int status, const char *title_key,
                         const char *kind, wa_buf *html);
/* An error page whose message is the texts, one line each (raw: bundle HTML fragments). */
void rp_flow_lines(rp_app *app, rp_http_response *resp, int status, const char *title_key, bool raw,
                   const char *const lines[], size_t n);
/* Keycloak's feedback banner (alert-error, class kc-feedback-text) with the bundle's key; none
 * when key is NULL. */
wa_err rp_flow_feedback(const rp_app *app, const char *key, bool raw, wa_buf *out);

/* The request's existing session; false when a page (2.15, expired session, 500) was written. */
bool rp_flow_session(rp_app *app, const rp_http_request *req, rp_http_response *resp,
                     rp_session *s);

/*
 * The request's session and its single-use code for action; false when a page
 * (2.15, expired session, 405, 500) has been written instead.
 */
bool rp_flow_enter(rp_app *app, const rp_http_request *req, rp_http_response *resp,
                   const char *action, rp_session *s);
/* Enter plus the form body; a malformed body is the 405 page (manual 2.20: "a malformed request").
 */
bool rp_flow_enter_form(rp_app *app, const rp_http_request *req, rp_http_response *resp,
                        const char *action, rp_session *s, rp_form *f);

/*
 * Verifies the assertion a WebAuthn page posted (Keycloak's form fields) for user_id: a
 * stored, enabled credential of that user, a userHandle naming that user, the challenge,
 * origin, RP ID, UV and a counter that increased (§7.2); the new counter is stored. On failure
 * the error names the step, and why it failed goes on resp's log line.
 */
wa_err rp_flow_verify_assertion(rp_app *app, rp_http_response *resp, const rp_form *f,
                                int64_t user_id, const char *challenge);

/* What the WebAuthn login page asks get() for. */
typedef struct rp_flow_get {
	const char *challenge;
	const rp_cred *creds; /* the user's; the enabled ones become allowCredentials */
	size_t n;
	bool user_identified; /* false: nobody known, get() without allowCredentials */
	const char *action;   /* where the page posts */
} rp_flow_get;

/*
 * Keycloak's webauthn-authenticate page: the parameters in its module script, the user's
 * credentials in the authn_select form, and get() only once the user presses
 * authenticateWebAuthnButton.
 */
void rp_flow_webauthn_page(rp_app *app, rp_http_response *resp, const rp_flow_get *get);
/*
 * Keycloak's webauthn-error page with message_html in the banner and, when retry_action is
 * set, Try again (kc-try-again) posting isSetRetry there; without it the message page (a step
 * that cannot be tried again).
 */
void rp_flow_webauthn_error(rp_app *app, rp_http_response *resp, int status,
                            const char *message_html, const char *retry_action);
/*
 * The page for a login the phone did not complete: 2.2 when the browser's error is the
 * unsupported-browser text, 2.6 for any other error or a failed verification (error NULL).
 */
void rp_flow_webauthn_refused(rp_app *app, rp_http_response *resp, const char *error,
                              const char *retry_action);
/* The post is Try again of the WebAuthn error page (isSetRetry set). */
bool rp_flow_is_retry(const rp_form *f);

/* "/path?session_code=CODE" for a fresh code of action; false on a store failure. */
bool rp_flow_action_url(rp_app *app, const rp_session *s, const char *path, const char *action,
                        char *url, size_t size);

#endif
