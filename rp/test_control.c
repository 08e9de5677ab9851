/*
 * Test control: JSON over HTTP under /test-control/, served only when the
 * platform runs with --test-control. It lets scenarios set up the world: the
 * CA's user and device administration, registration QRs, the clock, networks.
 *
 * It is the harness's hand, not a browser's: a request must declare application/json (an
 * HTML form or a no-CORS fetch cannot, without a preflight the server never answers), name
 * the server itself as Host (no DNS rebinding) and carry no Origin but the platform's own.
 * The operator's --forbidden-network holds for it (rp/app.c).
 */
#include "rp/test_control.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rp/app.h"
#include "rp/card_link.h"
#include "rp/flow_register.h"
#include "rp/pending.h"
#include "rp/session.h"
#include "rp/token.h"
#include "webauthn/b64url.h"
#include "webauthn/credential.h"

/* ---- who may call ---- */

/* "application/json", optionally with parameters ("; charset=utf-8"). */
static bool is_json_type(const char *ct)
{
	size_t n = strlen("application/json");

	return ct != NULL && strncasecmp(ct, "application/json", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* "host[:port]" split; false when the host is empty or the port is not digits. */
static bool split_authority(const char *text, size_t text_len, const char **host, size_t *host_len,
                            const char **port, size_t *port_len)
{
	const char *colon = memchr(text, ':', text_len);

	*host = text;
	*host_len = colon ? (size_t)(colon - text) : text_len;
	*port = colon ? colon + 1 : text + text_len;
	*port_len = colon ? text_len - *host_len - 1 : 0;
	for (size_t i = 0; i < *port_len; i++)
		if ((*port)[i] < '0' || (*port)[i] > '9')
			return false;
	return *host_len > 0;
}

static bool same(const char *a, size_t a_len, const char *b, size_t b_len)
{
	return a_len == b_len && strncasecmp(a, b, a_len) == 0;
}

/*
 * Whether Host names this server: its listen address as bound, its origin's host (with the
 * origin's port, the bound port or none), "localhost" on the bound port when it listens on
 * loopback, any IPv4 address on the bound port when it listens on all of them (an address, unlike
 * a name, cannot be rebound to another server).
 */
static bool own_host(const rp_app *app, const char *value)
{
	const char *h, *p, *lh = "", *lp = "", *oh = "", *op = "";
	size_t hn, pn, lhn = 0, lpn = 0, ohn = 0, opn = 0;
	const char *authority = strstr(app->cfg.origin, "://");
	char name[64];
	struct in_addr ip;

	if (value == NULL || !split_authority(value, strlen(value), &h, &hn, &p, &pn))
		return false;
	if (authority != NULL) {
		authority += 3;
		(void)split_authority(authority, strcspn(authority, "/"), &oh, &ohn, &op, &opn);
	}
	if (app->cfg.listen != NULL)
		(void)split_authority(app->cfg.listen, strlen(app->cfg.listen), &lh, &lhn, &lp,
		                      &lpn);
	if (same(h, hn, oh, ohn) && (pn == 0 || same(p, pn, op, opn) || same(p, pn, lp, lpn)))
		return true;
	if (lhn == 0 || !same(p, pn, lp, lpn))
		return false;
	if (same(h, hn, lh, lhn))
		return true;
	if (hn >= sizeof(name))
		return false;
	memcpy(name, h, hn);
	name[hn] = '\0';
	if (strncmp(lh, "127.", 4) == 0 && strcasecmp(name, "localhost") == 0)
		return true;
	return same(lh, lhn, "0.0.0.0", 7) && inet_pton(AF_INET, name, &ip) == 1;
}

/* Whether the request may use test control; otherwise the refusal is written. */
static bool caller_ok(const rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	const char *ct = rp_http_header(req, "Content-Type");
	const char *host = rp_http_header(req, "Host");
	const char *origin = rp_http_header(req, "Origin");
	char why[300];

	if (!is_json_type(ct)) {
		snprintf(why, sizeof(why),
		         "test control takes Content-Type application/json, not %.64s",
		         ct ? ct : "none");
		rp_fail_json(resp, 415, why);
	} else if (!own_host(app, host)) {
		snprintf(why, sizeof(why), "Host %.64s is not this server's",
		         host ? host : "(none)");
		rp_fail_json(resp, 403, why);
	} else if (origin != NULL && strcasecmp(origin, app->cfg.origin) != 0) {
		/* Another origin's page (a browser always says Origin); a tool sends none. */
		snprintf(why, sizeof(why), "Origin %.64s is not the platform's", origin);
		rp_fail_json(resp, 403, why);
	} else {
		return true;
	}
	rp_http_response_why(resp, "test control: %s", why);
	return false;
}

/* ---- the calls ---- */

/* The JSON body as an object; NULL (and a 400 already written) when it is not one. */
static json_t *body_object(const rp_http_request *req, rp_http_response *resp)
{
	json_error_t jerr;
	json_t *root =
	        json_loadb((const char *)req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);

	if (!json_is_object(root)) {
		json_decref(root);
		rp_fail_json(resp, 400, "body is not a JSON object");
		return NULL;
	}
	return root;
}

static void ok(rp_http_response *resp, json_t *extra)
{
	json_t *doc = extra ? extra : json_object();

	json_object_set_new(doc, "status", json_string("ok"));
	rp_http_response_json(resp, 200, doc);
}

static void store_failure(rp_http_response *resp, rp_store_err e)
{
	rp_fail_json(resp,
	             e == RP_STORE_NOT_FOUND ? 404
	             : e == RP_STORE_EXISTS  ? 409
	                                     : 400,
	             rp_store_strerr(e));
}

static json_t *user_json(const rp_user *u)
{
	char *handle = wa_b64url_encode(u->handle, sizeof(u->handle));
	json_t *j = json_pack("{s:s, s:s, s:s?, s:b}", "name", u->name, "displayName",
	                      u->display_name, "handle", handle, "enabled", u->enabled);

	free(handle);
	return j;
}

static void create_user(rp_app *app, const json_t *body, rp_http_response *resp)
{
	const char *name, *display;
	rp_user u;
	rp_store_err e;

	name = json_string_value(json_object_get(body, "name"));
	display = json_string_value(json_object_get(body, "displayName"));
	if (name == NULL) {
		rp_fail_json(resp, 400, "name (the 本人ID) is required");
	} else if (rp_app_is_conformance_user(name)) {
		rp_fail_json(resp, 400,
		             "names starting " RP_CONFORMANCE_USER_PREFIX
		             " are the conformance API's users");
	} else if ((e = rp_store_user_create(app->store, name, display ? display : name, &u)) !=
	           RP_STORE_OK) {
		store_failure(resp, e);
	} else {
		ok(resp, json_pack("{s:o}", "user", user_json(&u)));
	}
}

static void enable_user(rp_app *app, const json_t *body, rp_http_response *resp)
{
	const char *name;
	const json_t *enabled;
	rp_store_err e;

	name = json_string_value(json_object_get(body, "name"));
	enabled = json_object_get(body, "enabled");
	if (name == NULL || !json_is_boolean(enabled))
		rp_fail_json(resp, 400, "name and enabled (boolean) are required");
	else if (rp_app_is_conformance_user(name))
		store_failure(resp, RP_STORE_NOT_FOUND); /* not the CA's user */
	else if ((e = rp_store_user_set_enabled(app->store, name, json_is_true(enabled))) !=
	         RP_STORE_OK)
		store_failure(resp, e);
	else
		ok(resp, NULL);
}

static void list_credentials(rp_app *app, const json_t *body, rp_http_response *resp)
{
	json_t *arr;
	const char *name;
	rp_user u;
	rp_cred *list = NULL;
	size_t n = 0;
	rp_store_err e;

	name = json_string_value(json_object_get(body, "name"));
	if (name == NULL) {
		rp_fail_json(resp, 400, "name is required");
	} else if ((e = rp_app_user_by_name(app, name, &u)) != RP_STORE_OK ||
	           (e = rp_store_cred_list(app->store, u.id, &list, &n)) != RP_STORE_OK) {
		store_failure(resp, e);
	} else {
		size_t listed = 0;
		arr = json_array();
		for (size_t i = 0; i < n; i++) {
			char *id = wa_b64url_encode(list[i].id.ptr, list[i].id.len);
			char aaguid[37];
			wa_aaguid_format(list[i].aaguid, aaguid);
			/* A credential that cannot be listed (a label that is not UTF-8, from a
			 * store older than the label check) fails the call, never vanishes. */
			listed += json_array_append_new(
			                  arr,
			                  json_pack("{s:s?, s:I, s:I, s:s, s:s, s:s, s:s, s:b}",
			                            "id", id, "alg", (json_int_t)list[i].alg,
			                            "signCount", (json_int_t)list[i].sign_count,
			                            "aaguid", aaguid, "label", list[i].label, "fmt",
			                            list[i].fmt, "transports", list[i].transports,
			                            "enabled", list[i].enabled)) == 0;
			free(id);
		}
		rp_cred_list_free(&list, n);
		if (listed != n) {
			json_decref(arr);
			rp_fail_json(resp, 500, "a stored credential cannot be listed as JSON");
		} else {
			ok(resp, json_pack("{s:o}", "credentials", arr));
		}
	}
}

/* RP_STORE_OK when the credential is a platform user's: the conformance API's users and their
 * keys are not test control's to see (RP_STORE_NOT_FOUND, as for no credential). */
static rp_store_err platform_credential(rp_app *app, const wa_blob *id)
{
	rp_cred cred = {0};
	rp_user owner;
	rp_store_err e = rp_store_cred_by_id(app->store, id->ptr, id->len, &cred);

	if (e == RP_STORE_OK)
		e = rp_store_user_by_id(app->store, cred.user_id, &owner);
	if (e == RP_STORE_OK && rp_app_is_conformance_user(owner.name))
		e = RP_STORE_NOT_FOUND;
	rp_cred_reset(&cred);
	return e;
}

/* {id, enabled} or {id, delete: true}: the CA disables or removes a device. */
static void credential_admin(rp_app *app, const json_t *body, rp_http_response *resp)
{
	const char *id_text;
	wa_blob id = {0};
	rp_store_err e = RP_STORE_INVALID;

	id_text = json_string_value(json_object_get(body, "id"));
	if (id_text == NULL || wa_b64url_decode(id_text, strlen(id_text), &id) != WA_OK) {
		rp_fail_json(resp, 400, "id (base64url credential id) is required");
	} else if ((e = platform_credential(app, &id)) != RP_STORE_OK) {
		store_failure(resp, e);
	} else {
		e = RP_STORE_INVALID;
		if (json_is_true(json_object_get(body, "delete")))
			e = rp_store_cred_delete(app->store, id.ptr, id.len);
		else if (json_is_boolean(json_object_get(body, "enabled")))
			e = rp_store_cred_set_enabled(
			        app->store, id.ptr, id.len,
			        json_is_true(json_object_get(body, "enabled")));
		if (e == RP_STORE_OK)
			ok(resp, NULL);
		else
			store_failure(resp, e);
	}
	wa_blob_reset(&id);
}

/* The clock's offset may grow to this in all (a run restores what it found). */
#define MAX_CLOCK_OFFSET_SECONDS ((json_int_t)10 * 365 * 86400)

/*
 * {advance_seconds}: the platform's clock moves on; {offset_seconds}: the whole offset is set
 * (a run on a shared platform puts back the offset it found). Both answer the time and offset.
 * Either way the offset stays from 0 to ten years: an advance is checked against what is left,
 * never added first (the sum could overflow).
 */
static void advance_clock(rp_app *app, const json_t *body, rp_http_response *resp)
{
	const json_t *advance = json_object_get(body, "advance_seconds");
	const json_t *offset = json_object_get(body, "offset_seconds");
	json_int_t now_offset = (json_int_t)app->clock.fixed, to = -1, v;
	char now[32];

	if ((advance == NULL) != (offset == NULL) && json_is_integer(advance ? advance : offset)) {
		v = json_integer_value(advance ? advance : offset);
		if (advance == NULL)
			to = v;
		else if (v >= 0 && now_offset >= 0 && v <= MAX_CLOCK_OFFSET_SECONDS - now_offset)
			to = now_offset + v;
	}
	if (to < 0 || to > MAX_CLOCK_OFFSET_SECONDS) {
		rp_fail_json(
		        resp, 400,
		        "advance_seconds or offset_seconds: an integer, the offset in all from "
		        "0 to ten years");
		return;
	}
	app->clock.fixed = (time_t)to;
	wa_time_format(wa_clock_now(&app->clock), now, sizeof(now));
	ok(resp, json_pack("{s:s, s:I}", "now", now, "offset_seconds", to));
}

/* "10.0.0.0/8" of a network (the mask's leading ones). */
static json_t *network_json(const rp_network *n)
{
	char text[32];
	int bits = 0;

	for (uint32_t m = n->mask; m & 0x80000000u; m <<= 1)
		bits++;
	snprintf(text, sizeof(text), "%u.%u.%u.%u/%d", n->addr >> 24, (n->addr >> 16) & 0xFF,
	         (n->addr >> 8) & 0xFF, n->addr & 0xFF, bits);
	return json_string(text);
}

/* {} : what a scenario runner needs to know of the platform it drives. */
static void platform_info(rp_app *app, const json_t *body, rp_http_response *resp)
{
	(void)body; /* {}: nothing to read */

	ok(resp,
	   json_pack("{s:s, s:s, s:s, s:b, s:I, s:{s:s?, s:s?}, s:I}", "origin", app->cfg.origin,
	             "rp_id", app->cfg.rp_id, "manual", app->cfg.generation->name, "card_login",
	             app->cards != NULL, "offset_seconds", (json_int_t)app->clock.fixed,
	             "card_fronts", "tls1.2", app->card_front[0], "tls1.3", app->card_front[1],
	             "pending_ceremonies", (json_int_t)rp_pending_count(app->pending)));
}

/*
 * {networks: ["10.0.0.0/8", ...]}: replaces the source networks the platform's pages refuse
 * (manual 2.10), on top of the operator's --forbidden-network.
 */
static void set_networks(rp_app *app, const json_t *body, rp_http_response *resp)
{
	json_t *v, *previous;
	const json_t *arr;
	rp_network nets[RP_MAX_NETWORKS];
	size_t i;

	arr = json_object_get(body, "networks");
	if (!json_is_array(arr) || json_array_size(arr) > RP_MAX_NETWORKS) {
		rp_fail_json(resp, 400, "networks must be an array of at most 16 CIDRs");
		return;
	}
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v) || !rp_network_parse(json_string_value(v), &nets[i])) {
			rp_fail_json(resp, 400, "a network is not IPv4 CIDR text");
			return;
		}
	}
	/* The answer names the list replaced, so whoever changed it can put it back. The
	 * operator's --forbidden-network stays whatever this says (rp/app.h). */
	previous = json_array();
	for (i = 0; i < app->cfg.n_test_forbidden; i++)
		json_array_append_new(previous, network_json(&app->cfg.test_forbidden[i]));
	memcpy(app->cfg.test_forbidden, nets, sizeof(nets[0]) * json_array_size(arr));
	app->cfg.n_test_forbidden = json_array_size(arr);
	ok(resp, json_pack("{s:o}", "previous", previous));
}

/*
 * {name (or user), ttl_seconds?}: the CA issues a registration QR, valid 7 days
 * unless ttl_seconds says otherwise; it supersedes the user's older ones. The
 * answer carries the token and the URL the QR encodes.
 */
static void issue_qr(rp_app *app, const json_t *body, rp_http_response *resp)
{
	const char *name;
	const json_t *ttl;
	rp_user u;
	rp_qr qr;
	rp_store_err e;
	char url[256], expires[32];

	name = json_string_value(json_object_get(body, "name"));
	if (name == NULL)
		name = json_string_value(json_object_get(body, "user"));
	ttl = json_object_get(body, "ttl_seconds");
	memset(&qr, 0, sizeof(qr));
	if (name == NULL ||
	    (ttl != NULL && (!json_is_integer(ttl) || json_integer_value(ttl) <= 0 ||
	                     json_integer_value(ttl) > 10 * 365 * 86400))) {
		rp_fail_json(resp, 400,
		             "name is required; ttl_seconds, when given, from 1 to ten years");
	} else if ((e = rp_app_user_by_name(app, name, &u)) != RP_STORE_OK) {
		store_failure(resp, e);
	} else if (!rp_random_token(RP_QR_TOKEN_BYTES, qr.token, sizeof(qr.token))) {
		rp_fail_json(resp, 500, "no randomness");
	} else {
		qr.kind = RP_QR_CA_REGISTRATION;
		qr.state = RP_QR_WAITING;
		qr.user_id = u.id;
		qr.issued = wa_clock_now(&app->clock);
		qr.expires =
		        qr.issued + (ttl ? (time_t)json_integer_value(ttl) : RP_CA_QR_LIFETIME);
		wa_time_format(qr.expires, expires, sizeof(expires));
		if ((e = rp_store_qr_issue(app->store, &qr)) != RP_STORE_OK)
			store_failure(resp, e);
		else if (!rp_register_url(app, qr.token, url, sizeof(url)))
			rp_fail_json(resp, 500, "origin too long for the QR URL");
		else
			ok(resp, json_pack("{s:s, s:s, s:s}", "token", qr.token, "url", url,
			                   "expires", expires));
	}
}

/*
 * {name}: stands in for the card login (HPKI or My Number card) until it
 * exists: a new PC session of that user, marked card-authenticated, whose
 * cookies go to the browser posting this; then GET next opens device registration.
 */
static void card_session(rp_app *app, const json_t *body, rp_http_response *resp)
{
	const char *name;
	rp_user u;
	rp_session s;
	rp_store_err e;

	name = json_string_value(json_object_get(body, "name"));
	if (name == NULL)
		rp_fail_json(resp, 400, "name (the 本人ID) is required");
	else if ((e = rp_app_user_by_name(app, name, &u)) != RP_STORE_OK)
		store_failure(resp, e);
	else if (!u.enabled)
		rp_fail_json(resp, 409,
		             "the user is disabled (a card login would fail, manual 3.4)");
	else if (!rp_session_start(app, resp, u.id, RP_STEP_CARD_AUTHENTICATED, &s))
		rp_fail_json(resp, 500, "the session could not be stored");
	else
		ok(resp, json_pack("{s:s}", "next", "/device-registration"));
}

/*
 * {fingerprint, name}: the My Number card whose certificate has this SHA-256 fingerprint (hex)
 * is linked to the user (as the card registration of user manual 2.4 does); {fingerprint,
 * delete: true}: the CA removes the link. The answer names the linked user, if any.
 */
static void jpki_link(rp_app *app, const json_t *body, rp_http_response *resp)
{
	const char *fp, *name;
	rp_user u;
	rp_store_err e;
	size_t n;

	fp = json_string_value(json_object_get(body, "fingerprint"));
	name = json_string_value(json_object_get(body, "name"));
	n = fp ? strlen(fp) : 0;
	if (n != 64 || strspn(fp, "0123456789abcdef") != n) {
		rp_fail_json(resp, 400, "fingerprint (SHA-256 of the certificate, lower-case hex)");
	} else if (json_is_true(json_object_get(body, "delete"))) {
		if ((e = rp_card_link_delete(app, fp)) != RP_STORE_OK)
			store_failure(resp, e);
		else
			ok(resp, NULL);
	} else if (name == NULL) {
		rp_fail_json(resp, 400, "name (the 本人ID) or delete: true is required");
	} else if ((e = rp_app_user_by_name(app, name, &u)) != RP_STORE_OK ||
	           (e = rp_card_link_put(app, fp, u.id)) != RP_STORE_OK) {
		store_failure(resp, e);
	} else {
		ok(resp, json_pack("{s:s}", "name", u.name));
	}
}

/* Each route: POST PREFIX+name, its handler given the body as a JSON object. */
#define ROUTES(X)                                \
	X("info", platform_info)                 \
	X("users", create_user)                  \
	X("users/enabled", enable_user)          \
	X("users/credentials", list_credentials) \
	X("credentials", credential_admin)       \
	X("clock", advance_clock)                \
	X("forbidden-networks", set_networks)    \
	X("registration-qr", issue_qr)           \
	X("card-session", card_session)          \
	X("jpki-links", jpki_link)

/*
 * A handler's route: a caller test control does not take (caller_ok), or a body that is not a
 * JSON object, is answered before it runs.
 */
#define ROUTE_FN(name, fn)                                                                      \
	static void fn##_route(rp_app *app, const rp_http_request *req, rp_http_response *resp) \
	{                                                                                       \
		json_t *body = caller_ok(app, req, resp) ? body_object(req, resp) : NULL;       \
		if (body != NULL)                                                               \
			fn(app, body, resp);                                                    \
		json_decref(body);                                                              \
	}
ROUTES(ROUTE_FN)
#undef ROUTE_FN

#define ROUTE_ROW(name, fn) \
	{"POST", RP_TEST_CONTROL_PREFIX name, fn##_route, RP_ROUTE_TEST_CONTROL},
static const rp_route routes[] = {ROUTES(ROUTE_ROW)};
#undef ROUTE_ROW

const rp_route_table rp_test_control_table = RP_ROUTE_TABLE(routes, NULL, NULL);
