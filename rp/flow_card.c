// clang-format off
/*
 * IC-card login on the PC (rp/flow_card.h). What each outcome shows, per manual generation:
 *
 *   cause                                          v2.16                      v1.04
 *   no client certificate / plain HTTP             connection closed (3.3)    the same
 *   > RP_CARD_PIN_WINDOW s since the handshake,    Apache 403 (3.17)          (no entry: not
 *     or a forbidden network                                                  checked)
 *   certificate revoked                            3.18                       errorTitle page
 *   other kind of card / certificate not valid     3.19                       errorTitle page
 *   JPKI card linked to nobody                     3.20                       (no JPKI)
 *   user not registered                            3.11                       3.6
 *   user disabled                                  3.4                        3.4 (its text)
 *   JPKI login after an HPKI login, same browser   3.5                        (no JPKI)
 *   HPKI login after a JPKI login, same browser    3.19                       (no JPKI)
 *   another user's login left in the browser       3.6                        3.5 (errorTitle page)
 *   My Number card linked to another user          3.14                       (no JPKI)
 *
 * Certificates that are not valid for another reason than revocation (expired, untrusted...)
 * are refused by a real front server in the TLS handshake (3.1 / 3.21 on the PC); this platform
 * requests the certificate without requiring it, so it answers them with 3.19 instead, which the
 * PC simulator can tell apart. The v1.04 manual has no entry for certificate failures: the old
 * platform's page is not known, and the errorTitle page stands in for it.
 */
// clang-format on
#include "rp/flow_card.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp/card_link.h"
#include "rp/flow.h"
#include "rp/pages.h"

/* The store's record of a session's card login: {"kind": "hpki" or "jpki"}. */
#define LOGIN_RECORD "card-login"

/* ---- pages ---- */

/*
 * The front server's 403 page of manual 3.17 (Apache's "Forbidden" with the ErrorDocument line);
 * false when the manual generation has no such entry (v1.04), nothing written then.
 */
static bool forbidden_page(rp_app *app, rp_http_response *resp)
{
	if (!app->cfg.generation->has_forbidden_page)
		return false;
	const char *vars[][2] = {
	        {"title", rp_msg(app, "kagura-forbidden-title")},
	        {"heading", rp_msg(app, "kagura-apache-forbidden-heading")},
	        {"text", rp_msg(app, "kagura-apache-forbidden-text")},
	        {"errordocument", rp_msg(app, "kagura-apache-forbidden-errordocument")}};
	/* text and errordocument go in unescaped: Apache prints "don't", and the bundle holds no
	 * markup. */
	RP_FLOW_PAGE(app, resp, 403, "apache-forbidden.html", vars);
	snprintf(resp->content_type, sizeof(resp->content_type), "text/html; charset=iso-8859-1");
	return true;
}

/* A card error page of v2.16 (3.5, 3.18-3.20); v1.04 shows Keycloak's errorTitle page. */
static void card_error(rp_app *app, rp_http_response *resp, int status, const char *key)
{
	rp_flow_error(app, resp, status, "errorTitle",
	              app->cfg.generation->has_card_error_pages ? key : "invalidCodeMessage");
}

/* ---- the login ---- */

/* The kind of card the session's login used; RP_CARDCERT_UNKNOWN for none. */
static rp_cardcert_kind session_card(rp_app *app, const rp_session *s)
{
	static const rp_cardcert_kind kinds[] = {RP_CARDCERT_HPKI, RP_CARDCERT_JPKI};
	rp_cardcert_kind kind = RP_CARDCERT_UNKNOWN;
	rp_record r;
	json_t *doc;
	const char *name;

	if (rp_store_record_get(app->store, LOGIN_RECORD, s->id, wa_clock_now(&app->clock), &r) !=
	    RP_STORE_OK)
		return kind;
	doc = json_loads(r.value, 0, NULL);
	name = json_string_value(json_object_get(doc, "kind"));
	for (size_t i = 0; name != NULL && i < KAGURA_LEN(kinds); i++)
		if (strcmp(name, rp_cardcert_kind_name(kinds[i])) == 0)
			kind = kinds[i];
	json_decref(doc);
	rp_record_reset(&r);
	return kind;
}

/*
 * What every card endpoint checks before the certificate: TLS with a client certificate (else
 * the connection closes), the front server's one-minute window (3.17), the trust configuration.
 * False when an answer (or the close) has been written.
 */
static bool front_rules(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	time_t now = wa_clock_now(&app->clock);

	if (!req->tls || req->peer_chain_len == 0) {
		rp_http_response_close(resp);
		return false;
	}
	/*
	 * Only the request that follows the handshake: a later one on a kept-alive connection
	 * chose no card (a browser opens a new connection when the certificate changes).
	 */
	if (req->conn_request_no == 1 && req->connected_at != 0 &&
	    now - req->connected_at > RP_CARD_PIN_WINDOW && forbidden_page(app, resp))
		return false;
	if (app->cards == NULL) {
		rp_http_response_text(resp, 503, "text/plain; charset=utf-8",
		                      "503 card login is not configured (no card PKI)\n");
		return false;
	}
	return true;
}

/* Checks the certificate for a login of kind; false when an error page was written. */
static bool card_check(rp_app *app, const rp_http_request *req, rp_http_response *resp,
                       rp_cardcert_kind kind, rp_cardcert_result *res)
{
	rp_cardcert_check(app->cards, req->peer_chain, req->peer_chain_len,
	                  wa_clock_now(&app->clock), res);
	if (res->kind != kind && res->kind != RP_CARDCERT_UNKNOWN) {
		card_error(app, resp, 403, "kagura-cert-auth-error"); /* 3.19: the other card */
		return false;
	}
	if (res->status == RP_CARDCERT_REVOKED) {
		card_error(app, resp, 403, "kagura-cert-revoked"); /* 3.18 */
		return false;
	}
	if (res->status != RP_CARDCERT_OK || res->kind != kind) {
		card_error(app, resp, 403, "kagura-cert-auth-error"); /* 3.19 */
		return false;
	}
	return true;
}

/* The user found by the card: not registered (3.11) or disabled (3.4) are pages. */
static bool card_user(rp_app *app, rp_http_response *resp, rp_store_err e, const rp_user *u)
{
	if (e == RP_STORE_NOT_FOUND) {
		rp_flow_error(app, resp, 403, "errorTitle",
		              app->cfg.generation->card_user_unknown_key);
		return false;
	}
	if (e != RP_STORE_OK) {
		rp_flow_500(resp);
		return false;
	}
	if (!u->enabled) {
		rp_flow_error(app, resp, 403, "errorTitle", "kagura-cert-user-disabled");
		return false;
	}
	return true;
}

/*
 * The browser's current session, when its cookie names a live one (found true). A session of
 * another user is 3.6 (v1.04 3.5); switching cards in one browser is 3.5 (HPKI then JPKI) or
 * 3.19 (JPKI then HPKI). False when a page was written.
 */
static bool card_browser(rp_app *app, const rp_http_request *req, rp_http_response *resp,
                         const rp_user *u, rp_cardcert_kind kind, rp_session *s, bool *found)
{
	rp_cardcert_kind before;
	rp_session_status st = rp_session_of(app, req, resp, false, s);

	*found = false;
	if (st == RP_SESSION_ERROR) {
		rp_flow_500(resp);
		return false;
	}
	if (st != RP_SESSION_FOUND || s->user_id == 0)
		return true;
	before = session_card(app, s);
	if (kind == RP_CARDCERT_JPKI && before == RP_CARDCERT_HPKI) {
		card_error(app, resp, 400, "kagura-unexpected-error"); /* 3.5 */
		return false;
	}
	if (kind == RP_CARDCERT_HPKI && before == RP_CARDCERT_JPKI) {
		card_error(app, resp, 400, "kagura-cert-auth-error"); /* 3.19 */
		return false;
	}
	if (s->user_id != u->id) {
		rp_flow_no_cookie(app, resp); /* 3.6; v1.04: the errorTitle page of its 3.5 */
		return false;
	}
	*found = true;
	return true;
}

/* The session becomes card-authenticated and the browser goes on to device registration. */
static void card_success(rp_app *app, rp_http_response *resp, const rp_user *u,
                         rp_cardcert_kind kind, rp_session *s, bool found)
{
	char value[32];

	if (found) {
		s->step = RP_STEP_CARD_AUTHENTICATED;
		/* Logged in by the card: under a new session id (session fixation). */
		if (!rp_session_renew(app, resp, s)) {
			rp_flow_500(resp);
			return;
		}
	} else if (!rp_session_start(app, resp, u->id, RP_STEP_CARD_AUTHENTICATED, s)) {
		rp_flow_500(resp);
		return;
	}
	snprintf(value, sizeof(value), "{\"kind\":\"%s\"}", rp_cardcert_kind_name(kind));
	if (rp_store_record_put(app->store, LOGIN_RECORD, s->id, value, wa_clock_now(&app->clock),
	                        s->expires) != RP_STORE_OK) {
		rp_flow_500(resp);
		return;
	}
	resp->status = 303;
	snprintf(resp->content_type, sizeof(resp->content_type), "text/plain; charset=utf-8");
	wa_blob_set(&resp->body, "See Other\n", 10);
	rp_http_response_header(resp, "Location", "/device-registration");
	rp_http_response_header(resp, "Cache-Control", "no-store");
}

/* ---- GET /card-login/hpki ---- */

static void get_hpki(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_cardcert_result res;
	rp_user u;
	rp_session s;
	bool found;

	if (!front_rules(app, req, resp) || !card_check(app, req, resp, RP_CARDCERT_HPKI, &res) ||
	    !card_user(app, resp, rp_app_user_by_name(app, res.honin_id, &u), &u) ||
	    !card_browser(app, req, resp, &u, RP_CARDCERT_HPKI, &s, &found))
		return;
	card_success(app, resp, &u, RP_CARDCERT_HPKI, &s, found);
}

/* ---- GET /card-login/jpki (v2.16) ---- */

static bool jpki_served(rp_app *app, rp_http_response *resp)
{
	if (app->cfg.generation->jpki)
		return true;
	/* The v1.04 platform had no My Number card login. */
	rp_http_response_text(resp, 404, "text/plain; charset=utf-8", "404 Not Found\n");
	return false;
}

/* The user the My Number card is linked to, into u; false when a page was written (3.20, or
 * 3.5 for a browser that logged in with an HPKI card first). */
static bool linked_user(rp_app *app, const rp_http_request *req, rp_http_response *resp,
                        const rp_cardcert_result *res, rp_user *u)
{
	int64_t user_id;
	rp_session s;
	rp_store_err e = rp_card_link_get(app, res->fingerprint, &user_id);

	if (e == RP_STORE_NOT_FOUND) {
		/* A browser that logged in with the HPKI card first is 3.5 whatever the card. */
		if (rp_session_of(app, req, resp, false, &s) == RP_SESSION_FOUND &&
		    s.user_id != 0 && session_card(app, &s) == RP_CARDCERT_HPKI)
			card_error(app, resp, 400, "kagura-unexpected-error");
		else
			card_error(app, resp, 403, "kagura-jpki-no-linked-user"); /* 3.20 */
		return false;
	}
	if (e != RP_STORE_OK) {
		rp_flow_500(resp);
		return false;
	}
	return card_user(app, resp, rp_store_user_by_id(app->store, user_id, u), u);
}

static void get_jpki(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_cardcert_result res;
	rp_user u;
	rp_session s;
	bool found;

	if (jpki_served(app, resp) && front_rules(app, req, resp) &&
	    card_check(app, req, resp, RP_CARDCERT_JPKI, &res) &&
	    linked_user(app, req, resp, &res, &u) &&
	    card_browser(app, req, resp, &u, RP_CARDCERT_JPKI, &s, &found))
		card_success(app, resp, &u, RP_CARDCERT_JPKI, &s, found);
}

/* ---- the My Number card registration (user manual 2.4) ---- */

/* The HPKI-logged-in session; false when a page was written. */
static bool hpki_session(rp_app *app, const rp_http_request *req, rp_http_response *resp,
                         rp_session *s, rp_user *u)
{
	if (!rp_flow_session(app, req, resp, s))
		return false;
	if (s->step != RP_STEP_CARD_AUTHENTICATED || session_card(app, s) != RP_CARDCERT_HPKI ||
	    rp_store_user_by_id(app->store, s->user_id, u) != RP_STORE_OK) {
		rp_flow_error(app, resp, 400, "errorTitle", "invalidCodeMessage");
		return false;
	}
	return true;
}

/* GET /jpki-registration: マイナンバーカード登録サイト (the screen of manual 3.13). */
static void get_registration_page(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;
	rp_user u;
	char line[160];
	const char *args[] = {u.name};

	if (!jpki_served(app, resp) || !hpki_session(app, req, resp, &s, &u))
		return;
	if (rp_messages_format(app->msgs, "kagura-user-id-line", args, 1, line, sizeof(line)) !=
	    RP_MSG_OK)
		snprintf(line, sizeof(line), "%s", u.name);
	const char *vars[][2] = {{"platform", rp_msg(app, "kagura-platform-name")},
	                         {"title", rp_msg(app, "kagura-jpki-registration-site")},
	                         {"user_id_line", line},
	                         {"swap_card", rp_msg(app, "kagura-jpki-swap-card")},
	                         {"set_card", rp_msg(app, "kagura-jpki-set-card")},
	                         {"action", RP_CARD_PREFIX "jpki-register"},
	                         {"button", rp_msg(app, "kagura-jpki-register-button")}};
	RP_FLOW_PAGE(app, resp, 200, "jpki-registration.html", vars);
	rp_http_response_header(resp, "Cache-Control", "no-store");
}

/* 3.14: エラーコード:JPKIHREGERR003, the reason, ページを閉じてください。 */
static void registered_to_another(rp_app *app, rp_http_response *resp)
{
	const char *args[] = {"JPKIHREGERR003"};
	char code[64];

	if (rp_messages_format(app->msgs, "kagura-error-code", args, 1, code, sizeof(code)) !=
	    RP_MSG_OK)
		snprintf(code, sizeof(code), "JPKIHREGERR003");
	const char *lines[] = {code, rp_msg(app, "kagura-jpki-card-registered-to-another-user"),
	                       rp_msg(app, "kagura-close-page")};
	rp_flow_lines(app, resp, 409, "kagura-jpki-registration-site", false, lines,
	              KAGURA_LEN(lines));
}

/* GET /card-login/jpki-register: the My Number card over TLS, linked to the session's user. */
static void get_register(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_cardcert_result res;
	rp_session s;
	rp_user u;
	int64_t owner;
	rp_store_err e;

	if (!jpki_served(app, resp) || !front_rules(app, req, resp) ||
	    !hpki_session(app, req, resp, &s, &u) ||
	    !card_check(app, req, resp, RP_CARDCERT_JPKI, &res))
		return;
	e = rp_card_link_get(app, res.fingerprint, &owner);
	if (e == RP_STORE_OK && owner != u.id) {
		registered_to_another(app, resp); /* one card, one person */
		return;
	}
	if ((e != RP_STORE_OK && e != RP_STORE_NOT_FOUND) ||
	    (e == RP_STORE_NOT_FOUND &&
	     rp_card_link_put(app, res.fingerprint, u.id) != RP_STORE_OK)) {
		rp_flow_500(resp);
		return;
	}
	rp_flow_done(app, resp, "done", "kagura-process-finished");
}

static const rp_route front_routes[] = {
        {"GET", RP_CARD_PREFIX "hpki", get_hpki, RP_ROUTE_PLATFORM},
        {"GET", RP_CARD_PREFIX "jpki", get_jpki, RP_ROUTE_PLATFORM},
        {"GET", RP_CARD_PREFIX "jpki-register", get_register, RP_ROUTE_PLATFORM},
};
static const rp_route page_routes[] = {
        {"GET", "/jpki-registration", get_registration_page, RP_ROUTE_PLATFORM},
};

const rp_route_table rp_card_front_table =
        RP_ROUTE_TABLE(front_routes, forbidden_page, rp_flow_405);
const rp_route_table rp_card_page_table = RP_ROUTE_TABLE(page_routes, NULL, rp_flow_405);
