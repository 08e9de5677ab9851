/*
 * IC-card login on the PC (rp/flow_card.h). What each outcome shows, per manual generation:
 *
 *   cause                                          v2.16                      v1.04
 *   no client certificate / plain HTTP             connection closed (3.3)    the same
 *   > RP_CARD_PIN_WINDOW s since the handshake,    Apache 403 (3.17)          (no entry: not
 * checked) or a forbidden network certificate revoked                            3.18 errorTitle
 * page other kind of card / certificate not valid     3.19                       errorTitle page
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
#include "rp/flow_card.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp/flow.h"
#include "rp/pages.h"

/* ---- the trust configuration ---- */

static bool pki_path(const json_t *obj, const char *key, const char *dir, char *out, size_t size)
{
	const char *rel = json_string_value(json_object_get(obj, key));

	return rel != NULL && (size_t)snprintf(out, size, "%s/%s", dir, rel) < size;
}

bool rp_card_pki_load(const char *dir, rp_cardcert_ctx **ctx, rp_card_pki_files *files, char *why,
                      size_t why_size)
{
	char index[4200];
	json_error_t jerr;
	json_t *root;
	const json_t *trust, *tls;
	rp_card_pki_files f;
	rp_cardcert_ctx *c = NULL;
	rp_cardcert_err e;
	const char *bad = NULL;

	*ctx = NULL;
	memset(&f, 0, sizeof(f));
	snprintf(index, sizeof(index), "%s/index.json", dir);
	if ((root = json_load_file(index, 0, &jerr)) == NULL) {
		snprintf(why, why_size, "%s: %s", index, jerr.text);
		return false;
	}
	trust = json_object_get(root, "trust");
	tls = json_object_get(root, "tls");
	if (!pki_path(trust, "hpki_anchors", dir, f.hpki_anchors, sizeof(f.hpki_anchors)) ||
	    !pki_path(trust, "jpki_anchors", dir, f.jpki_anchors, sizeof(f.jpki_anchors)) ||
	    !pki_path(trust, "intermediates", dir, f.intermediates, sizeof(f.intermediates)) ||
	    !pki_path(trust, "crls", dir, f.crls, sizeof(f.crls)) ||
	    !pki_path(trust, "client_ca", dir, f.client_ca, sizeof(f.client_ca)) ||
	    !pki_path(tls, "cert", dir, f.tls_cert, sizeof(f.tls_cert)) ||
	    !pki_path(tls, "key", dir, f.tls_key, sizeof(f.tls_key)) ||
	    !pki_path(tls, "ca", dir, f.tls_ca, sizeof(f.tls_ca))) {
		snprintf(why, why_size, "%s: \"trust\" or \"tls\" lacks a file path", index);
		json_decref(root);
		return false;
	}
	json_decref(root);
	if ((e = rp_cardcert_ctx_new(&c)) != RP_CARDCERT_OK)
		bad = "trust context";
	else if ((e = rp_cardcert_ctx_add_anchors(c, RP_CARDCERT_HPKI, f.hpki_anchors)) !=
	         RP_CARDCERT_OK)
		bad = f.hpki_anchors;
	else if ((e = rp_cardcert_ctx_add_anchors(c, RP_CARDCERT_JPKI, f.jpki_anchors)) !=
	         RP_CARDCERT_OK)
		bad = f.jpki_anchors;
	else if ((e = rp_cardcert_ctx_add_intermediates(c, f.intermediates)) != RP_CARDCERT_OK)
		bad = f.intermediates;
	else if ((e = rp_cardcert_ctx_add_crls(c, f.crls)) != RP_CARDCERT_OK)
		bad = f.crls;
	if (bad != NULL) {
		snprintf(why, why_size, "%s: %s", bad, rp_cardcert_strerr(e));
		rp_cardcert_ctx_free(c);
		return false;
	}
	*ctx = c;
	if (files != NULL)
		*files = f;
	return true;
}

/* ---- the JPKI card links ---- */

rp_store_err rp_card_link_get(rp_app *app, const char *fingerprint, int64_t *user_id)
{
	rp_record r;
	json_t *doc;
	rp_store_err e;

	*user_id = 0;
	if ((e = rp_store_record_get(app->store, RP_JPKI_LINK_RECORD, fingerprint,
	                             wa_clock_now(&app->clock), &r)) != RP_STORE_OK)
		return e;
	doc = json_loads(r.value, 0, NULL);
	if (json_is_integer(json_object_get(doc, "user_id")))
		*user_id = (int64_t)json_integer_value(json_object_get(doc, "user_id"));
	else
		e = RP_STORE_NOT_FOUND;
	json_decref(doc);
	rp_record_reset(&r);
	return e;
}

rp_store_err rp_card_link_put(rp_app *app, const char *fingerprint, int64_t user_id)
{
	char value[64];

	snprintf(value, sizeof(value), "{\"user_id\":%lld}", (long long)user_id);
	return rp_store_record_put(app->store, RP_JPKI_LINK_RECORD, fingerprint, value,
	                           wa_clock_now(&app->clock), 0);
}

rp_store_err rp_card_link_delete(rp_app *app, const char *fingerprint)
{
	return rp_store_record_delete(app->store, RP_JPKI_LINK_RECORD, fingerprint);
}

/* ---- pages ---- */

bool rp_card_path(const char *path)
{
	return path != NULL && strncmp(path, RP_CARD_PREFIX, strlen(RP_CARD_PREFIX)) == 0;
}

bool rp_card_forbidden_page(rp_app *app, rp_http_response *resp)
{
	if (rp_messages_get(app->msgs, "kagura-apache-forbidden-heading") == NULL)
		return false;
	const char *vars[][2] = {
	        {"title", rp_msg(app, "kagura-forbidden-title")},
	        {"heading", rp_msg(app, "kagura-apache-forbidden-heading")},
	        {"text", rp_msg(app, "kagura-apache-forbidden-text")},
	        {"errordocument", rp_msg(app, "kagura-apache-forbidden-errordocument")}};
	/* text and errordocument go in unescaped: Apache prints "don't", and the bundle holds no
	 * markup. */
	rp_flow_page(app, resp, 403, "apache-forbidden.html", vars, 4);
	snprintf(resp->content_type, sizeof(resp->content_type), "text/html; charset=iso-8859-1");
	return true;
}

static bool v104(const rp_app *app)
{
	return strcmp(app->cfg.manual, "1.04") == 0;
}

/* An error page with the bundle's key, or v1.04's errorTitle page when the key is v2.16's. */
static void card_error(rp_app *app, rp_http_response *resp, int status, const char *key)
{
	if (rp_messages_get(app->msgs, key) != NULL)
		rp_flow_error(app, resp, status, "errorTitle", key);
	else
		rp_flow_error(app, resp, status, "errorTitle", "invalidCodeMessage");
}

/* ---- the login ---- */

/* The kind of card the session's login used ("hpki", "jpki"), "" none. */
static void session_card(rp_app *app, const rp_session *s, char *kind, size_t size)
{
	rp_record r;
	json_t *doc;
	const char *k;

	kind[0] = '\0';
	if (rp_store_record_get(app->store, RP_CARD_LOGIN_RECORD, s->id, wa_clock_now(&app->clock),
	                        &r) != RP_STORE_OK)
		return;
	doc = json_loads(r.value, 0, NULL);
	k = json_string_value(json_object_get(doc, "kind"));
	snprintf(kind, size, "%s", k ? k : "");
	json_decref(doc);
	rp_record_reset(&r);
}

/*
 * What every card endpoint checks before the certificate: TLS with a client certificate (else
 * the connection closes), the front server's one-minute window (3.17), the trust configuration.
 * False when an answer (or the close) has been written.
 */
static bool card_front(rp_app *app, const rp_http_request *req, rp_http_response *resp)
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
	if (!v104(app) && req->conn_request_no == 1 && req->connected_at != 0 &&
	    now - req->connected_at > RP_CARD_PIN_WINDOW && rp_card_forbidden_page(app, resp))
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
		card_error(app, resp, 403,
		           v104(app) ? "kagura-user-not-registered"
		                     : "kagura-user-info-unavailable");
		return false;
	}
	if (e != RP_STORE_OK) {
		rp_flow_500(resp);
		return false;
	}
	if (!u->enabled) {
		card_error(app, resp, 403, "kagura-cert-user-disabled");
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
	char before[16];
	rp_session_status st = rp_session_of(app, req, resp, false, s);

	*found = false;
	if (st == RP_SESSION_ERROR) {
		rp_flow_500(resp);
		return false;
	}
	if (st != RP_SESSION_FOUND || s->user_id == 0)
		return true;
	session_card(app, s, before, sizeof(before));
	if (kind == RP_CARDCERT_JPKI && strcmp(before, "hpki") == 0) {
		card_error(app, resp, 400, "kagura-unexpected-error"); /* 3.5 */
		return false;
	}
	if (kind == RP_CARDCERT_HPKI && strcmp(before, "jpki") == 0) {
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
		snprintf(s->state, sizeof(s->state), "card-authenticated");
		if (!rp_session_save(app, s)) {
			rp_flow_500(resp);
			return;
		}
	} else if (!rp_session_start(app, resp, u->id, "card-authenticated", s)) {
		rp_flow_500(resp);
		return;
	}
	snprintf(value, sizeof(value), "{\"kind\":\"%s\"}", rp_cardcert_kind_name(kind));
	if (rp_store_record_put(app->store, RP_CARD_LOGIN_RECORD, s->id, value,
	                        wa_clock_now(&app->clock), s->expires) != RP_STORE_OK) {
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

	if (!card_front(app, req, resp) || !card_check(app, req, resp, RP_CARDCERT_HPKI, &res) ||
	    !card_user(app, resp, rp_store_user_by_name(app->store, res.honin_id, &u), &u) ||
	    !card_browser(app, req, resp, &u, RP_CARDCERT_HPKI, &s, &found))
		return;
	card_success(app, resp, &u, RP_CARDCERT_HPKI, &s, found);
}

/* ---- GET /card-login/jpki (v2.16) ---- */

static bool jpki_served(rp_app *app, rp_http_response *resp)
{
	if (!v104(app))
		return true;
	/* The v1.04 platform had no My Number card login. */
	rp_http_response_text(resp, 404, "text/plain; charset=utf-8", "404 Not Found\n");
	return false;
}

static void get_jpki(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_cardcert_result res;
	rp_user u;
	rp_session s;
	int64_t user_id;
	rp_store_err e;
	bool found;

	if (!jpki_served(app, resp) || !card_front(app, req, resp) ||
	    !card_check(app, req, resp, RP_CARDCERT_JPKI, &res))
		return;
	if ((e = rp_card_link_get(app, res.fingerprint, &user_id)) == RP_STORE_NOT_FOUND) {
		/* A browser that logged in with the HPKI card first is 3.5 whatever the card. */
		if (rp_session_of(app, req, resp, false, &s) == RP_SESSION_FOUND &&
		    s.user_id != 0) {
			char before[16];
			session_card(app, &s, before, sizeof(before));
			if (strcmp(before, "hpki") == 0) {
				card_error(app, resp, 400, "kagura-unexpected-error");
				return;
			}
		}
		card_error(app, resp, 403, "kagura-jpki-no-linked-user"); /* 3.20 */
		return;
	}
	if (e != RP_STORE_OK) {
		rp_flow_500(resp);
		return;
	}
	if (!card_user(app, resp, rp_store_user_by_id(app->store, user_id, &u), &u) ||
	    !card_browser(app, req, resp, &u, RP_CARDCERT_JPKI, &s, &found))
		return;
	card_success(app, resp, &u, RP_CARDCERT_JPKI, &s, found);
}

/* ---- the My Number card registration (user manual 2.4) ---- */

/* The HPKI-logged-in session; false when a page was written. */
static bool hpki_session(rp_app *app, const rp_http_request *req, rp_http_response *resp,
                         rp_session *s, rp_user *u)
{
	char kind[16];

	if (!rp_flow_session(app, req, resp, s))
		return false;
	session_card(app, s, kind, sizeof(kind));
	if (strcmp(s->state, "card-authenticated") != 0 || strcmp(kind, "hpki") != 0 ||
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
	rp_flow_page(app, resp, 200, "jpki-registration.html", vars, 7);
	rp_http_response_header(resp, "Cache-Control", "no-store");
}

/* 3.14: エラーコード:JPKIHREGERR003, the reason, ページを閉じてください。 */
static void registered_to_another(rp_app *app, rp_http_response *resp)
{
	const char *args[] = {"JPKIHREGERR003"};
	char code[64];
	wa_blob html = {0};

	if (rp_messages_format(app->msgs, "kagura-error-code", args, 1, code, sizeof(code)) !=
	    RP_MSG_OK)
		snprintf(code, sizeof(code), "JPKIHREGERR003");
	rp_html_escape(code, &html);
	wa_blob_append(&html, "<br/>", 5);
	rp_html_escape(rp_msg(app, "kagura-jpki-card-registered-to-another-user"), &html);
	wa_blob_append(&html, "<br/>", 5);
	rp_html_escape(rp_msg(app, "kagura-close-page"), &html);
	wa_blob_append(&html, "", 1);
	rp_flow_message_html(app, resp, 409, "kagura-jpki-registration-site", "alert-error",
	                     (const char *)html.ptr);
	wa_blob_reset(&html);
}

/* GET /card-login/jpki-register: the My Number card over TLS, linked to the session's user. */
static void get_register(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_cardcert_result res;
	rp_session s;
	rp_user u;
	int64_t owner;
	rp_store_err e;

	if (!jpki_served(app, resp) || !card_front(app, req, resp) ||
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

const rp_route rp_card_routes[] = {
        {"GET", RP_CARD_PREFIX "hpki", get_hpki, false},
        {"GET", RP_CARD_PREFIX "jpki", get_jpki, false},
        {"GET", RP_CARD_PREFIX "jpki-register", get_register, false},
        {"GET", "/jpki-registration", get_registration_page, false},
};
const size_t rp_card_route_count = sizeof(rp_card_routes) / sizeof(rp_card_routes[0]);
