/*
 * What every flow of the platform shares: rendering a page, Keycloak's error
 * page, the platform's 405 page (manual 2.20), the cookie-missing page (2.15),
 * entering a form post through its session and single-use code, and the stored
 * credential as the verifier's record.
 */
#ifndef KAGURA_RP_FLOW_H
#define KAGURA_RP_FLOW_H

#include "rp/app.h"
#include "rp/form.h"
#include "rp/session.h"
#include "webauthn/credential.h"

#define RP_HTML "text/html; charset=utf-8"

/* Renders template tpl with vars into resp (a 500 when the template is missing). */
void rp_flow_page(rp_app *app, rp_http_response *resp, int status, const char *tpl,
                  const char *const vars[][2], size_t n);
/* message.html with kind (a class on kc-content) and a message already escaped as HTML. */
void rp_flow_message_html(rp_app *app, rp_http_response *resp, int status, const char *title_key,
                          const char *kind, const char *message_html);
/* Keycloak's error page: the alert with the bundle's message_key as kc-feedback-text. */
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

/* The stored credential as the verifier's record (owner handle when the response named one). */
bool rp_flow_record(const rp_cred *c, const wa_blob *owner, wa_credential *rec);

/* PublicKeyCredentialRequestOptionsJSON for the user's enabled devices, UV required. */
json_t *rp_flow_request_options(const rp_app *app, const char *challenge, const rp_cred *creds,
                                size_t n);

/*
 * Verifies the assertion a WebAuthn page posted (Keycloak's form fields) for user_id: a
 * stored, enabled credential of that user, a userHandle naming that user, the challenge,
 * origin, RP ID, UV and a counter that increased (§7.2); the new counter is stored.
 */
bool rp_flow_verify_assertion(rp_app *app, const rp_form *f, int64_t user_id,
                              const char *challenge);

/* "/path?session_code=CODE" for a fresh code of action; false on a store failure. */
bool rp_flow_action_url(rp_app *app, const rp_session *s, const char *path, const char *action,
                        char *url, size_t size);

#endif
