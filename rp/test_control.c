/*
 * Test control: JSON over HTTP under /test-control/, served only when the
 * platform runs with --test-control. It lets scenarios set up the world: the
 * CA's user and device administration, registration QRs, the clock, networks.
 */
#include "rp/test_control.h"

#include <stdlib.h>
#include <string.h>

#include "rp/flow_card.h"
#include "rp/flow_register.h"
#include "rp/session.h"
#include "webauthn/b64url.h"
#include "webauthn/credential.h"

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

static void create_user(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	json_t *body = body_object(req, resp);
	const char *name, *display;
	rp_user u;
	rp_store_err e;

	if (body == NULL)
		return;
	name = json_string_value(json_object_get(body, "name"));
	display = json_string_value(json_object_get(body, "displayName"));
	if (name == NULL) {
		rp_fail_json(resp, 400, "name (the 本人ID) is required");
	} else if ((e = rp_store_user_create(app->store, name, display ? display : name, &u)) !=
	           RP_STORE_OK) {
		store_failure(resp, e);
	} else {
		ok(resp, json_pack("{s:o}", "user", user_json(&u)));
	}
	json_decref(body);
}

static void enable_user(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	json_t *body = body_object(req, resp);
	const char *name;
	const json_t *enabled;
	rp_store_err e;

	if (body == NULL)
		return;
	name = json_string_value(json_object_get(body, "name"));
	enabled = json_object_get(body, "enabled");
	if (name == NULL || !json_is_boolean(enabled))
		rp_fail_json(resp, 400, "name and enabled (boolean) are required");
	else if ((e = rp_store_user_set_enabled(app->store, name, json_is_true(enabled))) !=
	         RP_STORE_OK)
		store_failure(resp, e);
	else
		ok(resp, NULL);
	json_decref(body);
}

static void list_credentials(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	json_t *body = body_object(req, resp), *arr;
	const char *name;
	rp_user u;
	rp_cred *list = NULL;
	size_t n = 0;
	rp_store_err e;

	if (body == NULL)
		return;
	name = json_string_value(json_object_get(body, "name"));
	if (name == NULL) {
		rp_fail_json(resp, 400, "name is required");
	} else if ((e = rp_store_user_by_name(app->store, name, &u)) != RP_STORE_OK ||
	           (e = rp_store_cred_list(app->store, u.id, &list, &n)) != RP_STORE_OK) {
		store_failure(resp, e);
	} else {
		arr = json_array();
		for (size_t i = 0; i < n; i++) {
			char *id = wa_b64url_encode(list[i].id.ptr, list[i].id.len);
			char aaguid[37];
			wa_aaguid_format(list[i].aaguid, aaguid);
			json_array_append_new(
			        arr,
			        json_pack("{s:s?, s:I, s:I, s:s, s:s, s:s, s:s, s:b}", "id", id,
			                  "alg", (json_int_t)list[i].alg, "signCount",
			                  (json_int_t)list[i].sign_count, "aaguid", aaguid, "label",
			                  list[i].label, "fmt", list[i].fmt, "transports",
			                  list[i].transports, "enabled", list[i].enabled));
			free(id);
		}
		rp_cred_list_free(list, n);
		ok(resp, json_pack("{s:o}", "credentials", arr));
	}
	json_decref(body);
}

/* {id, enabled} or {id, delete: true}: the CA disables or removes a device. */
static void credential_admin(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	json_t *body = body_object(req, resp);
	const char *id_text;
	wa_blob id = {0};
	rp_store_err e = RP_STORE_INVALID;

	if (body == NULL)
		return;
	id_text = json_string_value(json_object_get(body, "id"));
	if (id_text == NULL || wa_b64url_decode(id_text, strlen(id_text), &id) != WA_OK) {
		rp_fail_json(resp, 400, "id (base64url credential id) is required");
	} else {
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
	json_decref(body);
}

/* {advance_seconds: N}: the platform's clock moves; expiries follow it. */
/* The clock's offset may grow to this in all (a run restores what it found). */
#define MAX_CLOCK_OFFSET_SECONDS ((json_int_t)10 * 365 * 86400)

/*
 * {advance_seconds}: the platform's clock moves on; {offset_seconds}: the whole offset is set
 * (a run on a shared platform puts back the offset it found). Both answer the time and offset.
 */
static void advance_clock(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	json_t *body = body_object(req, resp);
	const json_t *advance, *offset;
	json_int_t to;
	char now[32];

	if (body == NULL)
		return;
	advance = json_object_get(body, "advance_seconds");
	offset = json_object_get(body, "offset_seconds");
	to = json_is_integer(advance)  ? (json_int_t)app->clock.fixed + json_integer_value(advance)
	     : json_is_integer(offset) ? json_integer_value(offset)
	                               : -1;
	if ((advance == NULL) == (offset == NULL) ||
	    (advance != NULL && json_integer_value(advance) < 0) || to < 0 ||
	    to > MAX_CLOCK_OFFSET_SECONDS) {
		rp_fail_json(
		        resp, 400,
		        "advance_seconds or offset_seconds: an integer, the offset in all from "
		        "0 to ten years");
	} else {
		app->clock.fixed = (time_t)to;
		wa_time_format(wa_clock_now(&app->clock), now, sizeof(now));
		ok(resp, json_pack("{s:s, s:I}", "now", now, "offset_seconds", to));
	}
	json_decref(body);
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
static void platform_info(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	json_t *body = body_object(req, resp);

	if (body == NULL)
		return;
	ok(resp,
	   json_pack("{s:s, s:s, s:s, s:b, s:I, s:{s:s?, s:s?}}", "origin", app->cfg.origin,
	             "rp_id", app->cfg.rp_id, "manual", app->cfg.manual, "card_login",
	             app->cards != NULL, "offset_seconds", (json_int_t)app->clock.fixed,
	             "card_fronts", "tls1.2", app->card_front[0], "tls1.3", app->card_front[1]));
	json_decref(body);
}

/* {networks: ["10.0.0.0/8", ...]}: replaces the forbidden source networks (manual 2.10). */
static void set_networks(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	json_t *body = body_object(req, resp), *v, *previous;
	const json_t *arr;
	rp_network nets[RP_MAX_NETWORKS];
	size_t i;

	if (body == NULL)
		return;
	arr = json_object_get(body, "networks");
	if (!json_is_array(arr) || json_array_size(arr) > RP_MAX_NETWORKS) {
		rp_fail_json(resp, 400, "networks must be an array of at most 16 CIDRs");
		json_decref(body);
		return;
	}
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v) || !rp_network_parse(json_string_value(v), &nets[i])) {
			rp_fail_json(resp, 400, "a network is not IPv4 CIDR text");
			json_decref(body);
			return;
		}
	}
	/* The answer names the list replaced, so whoever changed it can put it back. */
	previous = json_array();
	for (i = 0; i < app->cfg.n_forbidden; i++)
		json_array_append_new(previous, network_json(&app->cfg.forbidden[i]));
	memcpy(app->cfg.forbidden, nets, sizeof(nets[0]) * json_array_size(arr));
	app->cfg.n_forbidden = json_array_size(arr);
	ok(resp, json_pack("{s:o}", "previous", previous));
	json_decref(body);
}

/*
 * {name (or user), ttl_seconds?}: the CA issues a registration QR, valid 7 days
 * unless ttl_seconds says otherwise; it supersedes the user's older ones. The
 * answer carries the token and the URL the QR encodes.
 */
static void issue_qr(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	json_t *body = body_object(req, resp);
	const char *name;
	const json_t *ttl;
	rp_user u;
	rp_qr qr;
	rp_store_err e;
	char url[256], expires[32];

	if (body == NULL)
		return;
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
	} else if ((e = rp_store_user_by_name(app->store, name, &u)) != RP_STORE_OK) {
		store_failure(resp, e);
	} else if (!rp_random_token(24, qr.token, sizeof(qr.token))) {
		rp_fail_json(resp, 500, "no randomness");
	} else {
		snprintf(qr.kind, sizeof(qr.kind), "ca-registration");
		snprintf(qr.state, sizeof(qr.state), "waiting");
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
	json_decref(body);
}

/*
 * {name}: stands in for the card login (HPKI or My Number card) until it
 * exists: a new PC session of that user, marked card-authenticated, whose
 * cookies go to the browser posting this; then GET next opens device registration.
 */
static void card_session(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	json_t *body = body_object(req, resp);
	const char *name;
	rp_user u;
	rp_session s;
	rp_store_err e;

	if (body == NULL)
		return;
	name = json_string_value(json_object_get(body, "name"));
	if (name == NULL)
		rp_fail_json(resp, 400, "name (the 本人ID) is required");
	else if ((e = rp_store_user_by_name(app->store, name, &u)) != RP_STORE_OK)
		store_failure(resp, e);
	else if (!u.enabled)
		rp_fail_json(resp, 409,
		             "the user is disabled (a card login would fail, manual 3.4)");
	else if (!rp_session_start(app, resp, u.id, "card-authenticated", &s))
		rp_fail_json(resp, 500, "the session could not be stored");
	else
		ok(resp, json_pack("{s:s}", "next", "/device-registration"));
	json_decref(body);
}

/*
 * {fingerprint, name}: the My Number card whose certificate has this SHA-256 fingerprint (hex)
 * is linked to the user (as the card registration of user manual 2.4 does); {fingerprint,
 * delete: true}: the CA removes the link. The answer names the linked user, if any.
 */
static void jpki_link(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	json_t *body = body_object(req, resp);
	const char *fp, *name;
	rp_user u;
	rp_store_err e;
	size_t n;

	if (body == NULL)
		return;
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
	} else if ((e = rp_store_user_by_name(app->store, name, &u)) != RP_STORE_OK ||
	           (e = rp_card_link_put(app, fp, u.id)) != RP_STORE_OK) {
		store_failure(resp, e);
	} else {
		ok(resp, json_pack("{s:s}", "name", u.name));
	}
	json_decref(body);
}

const rp_route rp_test_control_routes[] = {
        {"POST", RP_TEST_CONTROL_PREFIX "info", platform_info, true},
        {"POST", RP_TEST_CONTROL_PREFIX "users", create_user, true},
        {"POST", RP_TEST_CONTROL_PREFIX "users/enabled", enable_user, true},
        {"POST", RP_TEST_CONTROL_PREFIX "users/credentials", list_credentials, true},
        {"POST", RP_TEST_CONTROL_PREFIX "credentials", credential_admin, true},
        {"POST", RP_TEST_CONTROL_PREFIX "clock", advance_clock, true},
        {"POST", RP_TEST_CONTROL_PREFIX "forbidden-networks", set_networks, true},
        {"POST", RP_TEST_CONTROL_PREFIX "registration-qr", issue_qr, true},
        {"POST", RP_TEST_CONTROL_PREFIX "card-session", card_session, true},
        {"POST", RP_TEST_CONTROL_PREFIX "jpki-links", jpki_link, true},
};
const size_t rp_test_control_route_count =
        sizeof(rp_test_control_routes) / sizeof(rp_test_control_routes[0]);
