/*
 * Browser sessions of the platform, as Keycloak keeps them: an AUTH_SESSION_ID
 * cookie naming a stored session, and single-use action codes (session_code)
 * that each rendered form carries. A used, stale or foreign code is refused,
 * which is how the Back button and replays end on the 405 page (manual 2.20).
 */
#ifndef KAGURA_RP_SESSION_H
#define KAGURA_RP_SESSION_H

#include "rp/app.h"

#define RP_SESSION_COOKIE   "AUTH_SESSION_ID"
#define RP_RESTART_COOKIE   "KC_RESTART"
#define RP_SESSION_LIFETIME (30 * 60) /* an authentication session lives 30 minutes */
#define RP_CODE_LIFETIME    (10 * 60)

typedef enum rp_session_status {
	RP_SESSION_FOUND,     /* the cookie named a live session */
	RP_SESSION_CREATED,   /* no usable cookie: a new session, cookies set on resp */
	RP_SESSION_NO_COOKIE, /* a follow-up request arrived without any session cookie (2.15) */
	RP_SESSION_EXPIRED,   /* the cookie names a session that ended or expired */
	RP_SESSION_ERROR,     /* the store failed */
} rp_session_status;

/* Whether the request has a session to go on with, found or just created. */
static inline bool rp_session_usable(rp_session_status st)
{
	return st == RP_SESSION_FOUND || st == RP_SESSION_CREATED;
}

/*
 * The request's session. With create, a missing or expired one is replaced by
 * a new session whose cookies go on resp; without create (a form post), a
 * request carrying neither cookie is RP_SESSION_NO_COOKIE (manual 2.15) and one
 * whose session is gone RP_SESSION_EXPIRED.
 */
rp_session_status rp_session_of(rp_app *app, const rp_http_request *req, rp_http_response *resp,
                                bool create, rp_session *out);

/* A new session of user_id (0: none) at step, its cookies set on resp; false on a store failure. */
bool rp_session_start(rp_app *app, rp_http_response *resp, int64_t user_id, rp_session_step step,
                      rp_session *out);

/*
 * Authentication completed: s (its user, step and challenge as the caller set them) is saved
 * under a new id, with a new lifetime, and its AUTH_SESSION_ID cookie set on resp; the old id,
 * with its codes, is deleted. A session id known before the login (planted in the browser:
 * session fixation) never becomes a logged-in session. False on a store failure.
 */
bool rp_session_renew(rp_app *app, rp_http_response *resp, rp_session *s);

/* Saves changes to the session (user, step, challenge). */
bool rp_session_save(rp_app *app, const rp_session *s);

/* A fresh single-use code for action, bound to the session. */
bool rp_session_issue_code(rp_app *app, const rp_session *s, const char *action, char *code,
                           size_t size);
/* Consumes code for action; false when it was used already, is stale, or is another session's. */
bool rp_session_take_code(rp_app *app, const rp_session *s, const char *action, const char *code);

#endif
