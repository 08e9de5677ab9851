/*
 * IC-card login on the PC (error manual section 3; user manual 2.4, 5.2(b)/(c)): the HPKI card
 * and the My Number card (JPKI) present their certificates in the TLS handshake; the platform
 * checks them against its card trust (rp/cardcert.h), finds the user and opens device
 * registration. Also the My Number card's link to a user (one card, one user).
 *
 * Endpoints (HTTPS; the server requests a client certificate):
 *   GET /card-login/hpki           HPKI login: the user whose 本人ID the card names
 *   GET /card-login/jpki           JPKI login (v2.16): the user the card is linked to
 *   GET /jpki-registration         after an HPKI login: the My Number card registration page
 *   GET /card-login/jpki-register  the My Number card, linked to the HPKI-logged-in user
 * A successful login is a 303 to /device-registration with a card-authenticated session.
 *
 * The front server's behaviour is modelled too: a card endpoint reached without a client
 * certificate (or over plain HTTP) gets no answer at all, the connection is closed (what a proxy
 * that does not relay the certificate causes; the PC's browser then shows manual 3.3
 * "このページは現在機能していません"); the first request on a connection more than
 * RP_CARD_PIN_WINDOW seconds (platform clock) after the connection was accepted, i.e. after the
 * TLS handshake in which the card was chosen, gets Apache's 403 page (3.17), as does a card
 * endpoint from a forbidden network. v1.04 has no 3.17: there the window is not checked.
 */
#ifndef KAGURA_RP_FLOW_CARD_H
#define KAGURA_RP_FLOW_CARD_H

#include "rp/app.h"
#include "rp/cardcert.h"

/* The card endpoints share this prefix: the front server's rules (3.3, 3.17) apply to them. */
#define RP_CARD_PREFIX "/card-login/"
/* Seconds allowed between the TLS handshake (card selection) and the request after the PIN. */
#define RP_CARD_PIN_WINDOW 60
/* Store records: a My Number card's link (key: certificate fingerprint), a session's card. */
#define RP_JPKI_LINK_RECORD  "jpki-link"
#define RP_CARD_LOGIN_RECORD "card-login"

/* Paths of a built test PKI (fixtures/pki/README.md), from its index.json. */
typedef struct rp_card_pki_files {
	char hpki_anchors[4096];
	char jpki_anchors[4096];
	char intermediates[4096];
	char crls[4096];
	char client_ca[4096]; /* the CAs named in the TLS certificate request */
	char tls_cert[4096];  /* the platform's HTTPS certificate */
	char tls_key[4096];   /* its key */
	char tls_ca[4096];    /* the root a PC trusts it by */
} rp_card_pki_files;

/*
 * Reads dir/index.json and builds the card trust context from its "trust" files; files (may be
 * NULL) gets every path. False with why filled on any failure (nothing allocated then).
 */
bool rp_card_pki_load(const char *dir, rp_cardcert_ctx **ctx, rp_card_pki_files *files, char *why,
                      size_t why_size);

/* Whether path is a card endpoint (the front server's rules apply). */
bool rp_card_path(const char *path);
/*
 * The front server's 403 page of manual 3.17 (Apache's "Forbidden" with the ErrorDocument line);
 * false when the manual generation has no such entry (v1.04), nothing written then.
 */
bool rp_card_forbidden_page(rp_app *app, rp_http_response *resp);

/* The user a My Number card (SHA-256 fingerprint, hex) is linked to; NOT_FOUND when none. */
rp_store_err rp_card_link_get(rp_app *app, const char *fingerprint, int64_t *user_id);
/* Links the card to user_id (replacing any link of that card). */
rp_store_err rp_card_link_put(rp_app *app, const char *fingerprint, int64_t user_id);
rp_store_err rp_card_link_delete(rp_app *app, const char *fingerprint);

#endif
