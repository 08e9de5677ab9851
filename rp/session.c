#include "rp/session.h"

#include <stdio.h>
#include <string.h>

#include "rp/token.h"

/* The AUTH_SESSION_ID cookie naming session id. */
static void set_session_cookie(rp_http_response *resp, const char *id)
{
	char value[128];

	/* HttpOnly: no script reads it; Secure is the router's, over HTTPS (rp/app.c). */
	snprintf(value, sizeof(value), "%s=%s; Path=/; HttpOnly; SameSite=Lax", RP_SESSION_COOKIE,
	         id);
	rp_http_response_header(resp, "Set-Cookie", value);
}

/*
 * The restart cookie tells "cookies were lost mid-flow" apart from "cookies never worked"; its
 * value is a random token of its own, never the session id (Keycloak's is a signed token of the
 * client's request, not the session either): who reads one learns nothing of the other.
 */
static bool set_restart_cookie(rp_http_response *resp)
{
	char token[RP_SESSION_ID_MAX + 1], value[128];

	if (!rp_random_token(RP_SESSION_ID_BYTES, token, sizeof(token)))
		return false;
	snprintf(value, sizeof(value), "%s=%s; Path=/; HttpOnly; SameSite=Lax", RP_RESTART_COOKIE,
	         token);
	rp_http_response_header(resp, "Set-Cookie", value);
	return true;
}

rp_session_status rp_session_of(rp_app *app, const rp_http_request *req, rp_http_response *resp,
                                bool create, rp_session *out)
{
	const char *id = rp_http_cookie(req, RP_SESSION_COOKIE);
	time_t now = wa_clock_now(&app->clock);
	rp_store_err e;

	memset(out, 0, sizeof(*out));
	if (id != NULL && strlen(id) <= RP_SESSION_ID_MAX) {
		e = rp_store_session_get(app->store, id, now, out);
		if (e == RP_STORE_OK)
			return RP_SESSION_FOUND;
		if (e != RP_STORE_NOT_FOUND)
			return RP_SESSION_ERROR;
	}
	if (!create)
		return id == NULL && rp_http_cookie(req, RP_RESTART_COOKIE) == NULL
		               ? RP_SESSION_NO_COOKIE
		               : RP_SESSION_EXPIRED;
	return rp_session_start(app, resp, 0, RP_STEP_NEW, out) ? RP_SESSION_CREATED
	                                                        : RP_SESSION_ERROR;
}

bool rp_session_start(rp_app *app, rp_http_response *resp, int64_t user_id, rp_session_step step,
                      rp_session *out)
{
	time_t now = wa_clock_now(&app->clock);

	memset(out, 0, sizeof(*out));
	if (!rp_random_token(RP_SESSION_ID_BYTES, out->id, sizeof(out->id)))
		return false;
	out->user_id = user_id;
	out->step = step;
	out->created = now;
	out->expires = now + RP_SESSION_LIFETIME;
	if (rp_store_session_put(app->store, out) != RP_STORE_OK || !set_restart_cookie(resp))
		return false;
	set_session_cookie(resp, out->id);
	return true;
}

bool rp_session_renew(rp_app *app, rp_http_response *resp, rp_session *s)
{
	char old[sizeof(s->id)];
	time_t now = wa_clock_now(&app->clock);
	rp_store_err e;

	memcpy(old, s->id, sizeof(old));
	if (!rp_random_token(RP_SESSION_ID_BYTES, s->id, sizeof(s->id)))
		return false;
	s->created = now;
	s->expires = now + RP_SESSION_LIFETIME;
	/*
	 * What the login gave is stored under the new id only: should deleting the old one fail,
	 * whoever knows it still holds a session that never logged in.
	 */
	if (rp_store_session_put(app->store, s) != RP_STORE_OK)
		return false;
	e = rp_store_session_delete(app->store, old);
	if (e != RP_STORE_OK && e != RP_STORE_NOT_FOUND)
		return false;
	set_session_cookie(resp, s->id);
	return true;
}

bool rp_session_save(rp_app *app, const rp_session *s)
{
	return rp_store_session_put(app->store, s) == RP_STORE_OK;
}

bool rp_session_issue_code(rp_app *app, const rp_session *s, const char *action, char *code,
                           size_t size)
{
	time_t now = wa_clock_now(&app->clock);

	return rp_random_token(RP_CODE_BYTES, code, size) &&
	       rp_store_code_issue(app->store, s->id, code, action, now, now + RP_CODE_LIFETIME) ==
	               RP_STORE_OK;
}

bool rp_session_take_code(rp_app *app, const rp_session *s, const char *action, const char *code)
{
	return code != NULL && code[0] != '\0' && strlen(code) <= RP_CODE_MAX &&
	       rp_store_code_take(app->store, s->id, code, action, wa_clock_now(&app->clock)) ==
	               RP_STORE_OK;
}
