/*
 * The PC's browser on the platform's pages: a cookie jar, forms the user
 * fills, and what the QR pages' script does (poll the platform until the
 * phone has finished, then go on to the result page).
 *
 * The QR page contract (fixtures/pages/README.md): an element id "kagura-qr"
 * with data-qr-url (what the QR encodes), data-poll-url (JSON
 * {"state":"waiting|done|failed|cancelled|expired"}) and data-next-url (the
 * page the script opens once the state is not "waiting"); Cancel is the form
 * id "kagura-qr-cancel".
 */
#ifndef KAGURA_AUTHENTICATOR_PC_PC_H
#define KAGURA_AUTHENTICATOR_PC_PC_H

#include "authenticator/error.h"
#include "authenticator/web/page.h"
#include "authenticator/web/web.h"

/*
 * Every call that can fail returns an au_err (authenticator/error.h, the phone's error space) and
 * leaves why: the detail in words ("" after AU_OK), as the phone's visit leaves its net_error.
 */
typedef struct au_pc {
	au_web *web;   /* owned */
	au_page *page; /* the page on screen (owned); NULL: none (yet, or the last load failed) */
	long status;   /* its HTTP status; a failure's too (407 from a proxy), else 0 */
	char why[300]; /* what the last call ran into, "" after AU_OK */
} au_pc;

/* cookie_jar NULL keeps cookies in memory. AU_ERR_BROWSER_FILE: the jar cannot be read. */
au_err au_pc_open(au_pc *pc, const char *cookie_jar);
void au_pc_close(au_pc *pc);

/*
 * The IC card in the reader: its certificate (PEM, the chain may follow) and key, presented
 * whenever an HTTPS server asks for a client certificate (card login); NULL cert: no card.
 * server_ca: the CA file the platform's HTTPS certificate is trusted by from then on (until the
 * first call, the system's; NULL cannot bring those back). AU_ERR_BROWSER_FILE when a file
 * cannot be read, AU_ERR_ARG for a key or CA file of NULL, AU_ERR_NOMEM.
 */
au_err au_pc_set_card(au_pc *pc, const char *cert_pem, const char *key_pem);
au_err au_pc_set_server_ca(au_pc *pc, const char *server_ca);

/*
 * Opens url and shows the answer, whatever its HTTP status (pc->status). AU_ERR_NETWORK when none
 * came or it cannot be read (no page on screen then); so do the two below.
 */
au_err au_pc_get(au_pc *pc, const char *url);
/* POSTs a JSON body (the test-control shortcuts) and shows the answer. AU_ERR_ARG: json does not
 * parse (nothing sent). */
au_err au_pc_post_json(au_pc *pc, const char *url, const char *json);
/*
 * Fills name=value (name NULL: nothing) in form_id of the page on screen, submits it and shows
 * the answer. AU_ERR_NO_FORM: the page has no such form (nothing sent); AU_ERR_NOMEM.
 */
au_err au_pc_submit(au_pc *pc, const char *form_id, const char *name, const char *value);
/*
 * Shows an answer the browser got on a connection of its own (a card login: the handshake, the
 * PIN, then the request; authenticator/pc/cardtls.h), as au_pc_get would have: the page in r
 * (r->body from r->url) when e is AU_WEB_OK, else the failure (r->error). r stays the caller's.
 */
au_err au_pc_show(au_pc *pc, au_web_err e, const au_web_response *r);

/* The QR on screen: what it encodes, NULL when the page shows none. */
const char *au_pc_qr_url(const au_pc *pc);
/*
 * Does what the QR page's script does: polls data-poll-url up to max_polls
 * times, interval_ms apart, while the state is "waiting"; then opens
 * data-next-url. state (may be NULL, 16 bytes) gets the last state seen.
 * AU_ERR_NO_QR: the page on screen has no QR contract; AU_ERR_QR_POLL: a poll
 * answered without a state; AU_ERR_QR_WAITING: still waiting after max_polls;
 * AU_ERR_NETWORK: a poll did not load, or the next page (as au_pc_get). The
 * page stays on screen until the next page is opened.
 */
au_err au_pc_wait(au_pc *pc, int max_polls, int interval_ms, char *state, size_t state_size);

/* The page on screen: title, Keycloak's feedback (else the visible text), kc-content class. */
const char *au_pc_title(const au_pc *pc);
const char *au_pc_text(const au_pc *pc);
const char *au_pc_kind(const au_pc *pc);

#endif
