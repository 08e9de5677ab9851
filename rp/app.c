#include "rp/app.h"

#include <string.h>
#include <strings.h>

#include "rp/pending.h"
#include "rp/session.h"

/* The store is purged at most this often (platform clock), from the request path. */
#define PURGE_INTERVAL 60
/*
 * An expired QR token is kept this much longer: a flow may still read its state (the PC's page
 * polling, the phone's pending registration) while a session that saw it lives.
 */
#define QR_PURGE_GRACE RP_SESSION_LIFETIME

void rp_fail_json(rp_http_response *resp, int status, const char *message)
{
	rp_http_response_json(resp, status,
	                      json_pack("{s:s, s:s}", "status", "failed", "errorMessage",
	                                message && message[0] ? message : "failed"));
}

const char *rp_msg(const rp_app *app, const char *key)
{
	const char *text = app->msgs ? rp_messages_get(app->msgs, key) : NULL;
	return text ? text : key;
}

wa_expect rp_app_expect(const rp_app *app, const wa_blob *challenge, bool require_uv)
{
	return (wa_expect){.challenge = challenge->ptr,
	                   .challenge_len = challenge->len,
	                   .origins = &app->cfg.origin, /* the platform's one origin */
	                   .n_origins = 1,
	                   .rp_id = app->cfg.rp_id,
	                   .require_uv = require_uv};
}

/* ---- users: the platform's, and the conformance API's own ---- */

bool rp_app_is_conformance_user(const char *stored_name)
{
	return strncmp(stored_name, RP_CONFORMANCE_USER_PREFIX,
	               sizeof(RP_CONFORMANCE_USER_PREFIX) - 1) == 0;
}

rp_store_err rp_app_user_by_name(const rp_app *app, const char *name, rp_user *out)
{
	memset(out, 0, sizeof(*out));
	if (name != NULL && rp_app_is_conformance_user(name))
		return RP_STORE_NOT_FOUND;
	return rp_store_user_by_name(app->store, name, out);
}

/* ---- expired rows and pending ceremonies ---- */

bool rp_app_purge_due(rp_app *app)
{
	long long now = (long long)wa_clock_now(&app->clock);
	long long last = atomic_load(&app->purged_at);

	/* A clock set back (test control restoring its offset) purges again at once. */
	if (last != 0 && now >= last && now - last < PURGE_INTERVAL)
		return true;
	/* One request purges; the others meanwhile go on. */
	if (!atomic_compare_exchange_strong(&app->purged_at, &last, now))
		return true;
	/* The conformance API's pending ceremonies leave memory on the same clock as the rows. */
	rp_pending_purge(app->pending, (time_t)now);
	return rp_store_purge(app->store, (time_t)now, QR_PURGE_GRACE, NULL) == RP_STORE_OK;
}

/* ---- what every answer carries ---- */

/*
 * The headers Keycloak sends with its login pages, by its defaults: BrowserSecurityHeaders and
 * ContentSecurityPolicyBuilder (keycloak/keycloak,
 * server-spi-private/src/main/java/org/keycloak/models/BrowserSecurityHeaders.java and
 * ContentSecurityPolicyBuilder.java). Every answer: nosniff and no Referer; the pages also may
 * only be framed by the platform itself; HTTPS adds HSTS. Nothing the platform answers may be
 * cached: every page carries a session's single-use codes.
 */
static const char *const every_answer[][2] = {
        {"X-Content-Type-Options", "nosniff"},
        {"Referrer-Policy", "no-referrer"},
};
static const char *const pages[][2] = {
        {"X-Frame-Options", "SAMEORIGIN"},
        {"Content-Security-Policy", "frame-src 'self'; frame-ancestors 'self'; object-src 'none';"},
};
#define HSTS "max-age=31536000; includeSubDomains"

static bool has_header(const rp_http_response *resp, const char *name)
{
	for (size_t i = 0; i < resp->n_headers; i++)
		if (strcasecmp(resp->headers[i][0], name) == 0)
			return true;
	return false;
}

/* Adds a header; false when the response has no room left for it. */
static bool add_header(rp_http_response *resp, const char *name, const char *value)
{
	size_t before = resp->n_headers;

	rp_http_response_header(resp, name, value);
	return resp->n_headers > before;
}

/* Over HTTPS every cookie is Secure: the browser never sends it over plain HTTP. */
static bool secure_cookies(rp_http_response *resp)
{
	static const char attr[] = "; Secure";
	size_t room = sizeof(resp->headers[0][1]);

	for (size_t i = 0; i < resp->n_headers; i++) {
		char *value = resp->headers[i][1];
		size_t n = strlen(value);
		if (strcasecmp(resp->headers[i][0], "Set-Cookie") != 0 ||
		    strstr(value, attr) != NULL)
			continue;
		if (n + sizeof(attr) > room)
			return false;
		memcpy(value + n, attr, sizeof(attr));
	}
	return true;
}

static bool protect(const rp_http_request *req, rp_http_response *resp)
{
	bool ok = true;
	bool html = strncasecmp(resp->content_type, "text/html", 9) == 0;

	for (size_t i = 0; i < KAGURA_LEN(every_answer); i++)
		ok = ok && add_header(resp, every_answer[i][0], every_answer[i][1]);
	for (size_t i = 0; html && i < KAGURA_LEN(pages); i++)
		ok = ok && add_header(resp, pages[i][0], pages[i][1]);
	if (!has_header(resp, "Cache-Control"))
		ok = ok && add_header(resp, "Cache-Control", "no-store");
	if (req->tls)
		ok = ok && add_header(resp, "Strict-Transport-Security", HSTS) &&
		     secure_cookies(resp);
	return ok;
}

/* ---- routing ---- */

/* The platform's network policy (manual 2.10): the front server answers 403. */
static void forbidden(rp_app *app, const rp_route_table *t, rp_http_response *resp)
{
	if (t->forbidden_page != NULL && t->forbidden_page(app, resp))
		return;
	rp_http_response_text(resp, 403, "text/html; charset=utf-8",
	                      "<!DOCTYPE html>\n<html><head><title>403 Forbidden</title></head>"
	                      "<body><h1>403 Forbidden</h1></body></html>\n");
}

static void method_not_allowed(rp_app *app, const rp_route_table *t, const rp_http_request *req,
                               rp_http_response *resp)
{
	if (t->method_not_allowed != NULL) {
		t->method_not_allowed(app, req, resp);
		return;
	}
	rp_http_response_header(resp, "Allow", "POST");
	rp_http_response_text(resp, 405, "text/plain; charset=utf-8", "405 Method Not Allowed\n");
}

/* Whether this app serves routes of api (the platform's always, the others when asked). */
static bool serves(const rp_app *app, rp_route_api api)
{
	switch (api) {
	case RP_ROUTE_PLATFORM:
		return true;
	case RP_ROUTE_TEST_CONTROL:
		return app->cfg.test_control;
	case RP_ROUTE_CONFORMANCE:
		return app->cfg.conformance_api;
	}
	return false;
}

/*
 * Whether the source is refused. The operator's policy (--forbidden-network) holds for
 * everything; the list test control sets (manual 2.10 played on the platform) for all but test
 * control itself, so the harness that set it can put it back.
 */
static bool refused(const rp_app *app, rp_route_api api, const char *remote)
{
	return rp_network_any_contains(app->cfg.forbidden, app->cfg.n_forbidden, remote) ||
	       (api != RP_ROUTE_TEST_CONTROL &&
	        rp_network_any_contains(app->cfg.test_forbidden, app->cfg.n_test_forbidden,
	                                remote));
}

static void route(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	const rp_route_table *known = NULL; /* the first table that serves the path */

	for (size_t t = 0; t < app->n_routes; t++) {
		const rp_route_table *table = app->routes[t];
		for (size_t i = 0; i < table->count; i++) {
			const rp_route *r = &table->routes[i];
			if (!serves(app, r->api) || strcmp(r->path, req->path) != 0)
				continue;
			if (refused(app, r->api, req->remote)) {
				forbidden(app, table, resp);
				return;
			}
			if (known == NULL)
				known = table;
			if (strcmp(r->method, req->method) == 0) {
				r->fn(app, req, resp);
				return;
			}
		}
	}
	if (known != NULL)
		method_not_allowed(app, known, req, resp);
	else
		rp_http_response_text(resp, 404, "text/plain; charset=utf-8", "404 Not Found\n");
}

void rp_app_handle(void *ctx, const rp_http_request *req, rp_http_response *resp)
{
	rp_app *app = ctx;
	bool purged = rp_app_purge_due(app);

	route(app, req, resp);
	if (!purged && resp->why[0] == '\0')
		rp_http_response_why(resp, "rp_app_purge_due: the store's expired rows stay");
	if (resp->close_connection)
		return;
	/* A page that cannot carry its protections is not served. */
	if (!protect(req, resp)) {
		rp_http_response_why(resp, "rp_app_handle: no room for the security headers");
		memset(resp->headers, 0, sizeof(resp->headers));
		resp->n_headers = 0;
		rp_http_response_text(resp, 500, "text/plain; charset=utf-8",
		                      "500 response headers\n");
		(void)protect(req, resp);
	}
}
