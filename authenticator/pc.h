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
#ifndef KAGURA_AUTHENTICATOR_PC_H
#define KAGURA_AUTHENTICATOR_PC_H

#include <stdbool.h>

#include "authenticator/page.h"
#include "authenticator/web.h"

typedef struct au_pc {
	au_web *web;     /* owned */
	au_page *page;   /* the page on screen (owned), NULL before the first load */
	long status;     /* its HTTP status */
	char error[300]; /* the last transport failure, "" none */
} au_pc;

/* cookie_jar NULL keeps cookies in memory; false when the jar cannot be read. */
bool au_pc_open(au_pc *pc, const char *cookie_jar);
void au_pc_close(au_pc *pc);

/*
 * The IC card in the reader: its certificate (PEM, the chain may follow) and key, presented
 * whenever an HTTPS server asks for a client certificate (card login); NULL cert: no card.
 * server_ca: the CA file the platform's HTTPS certificate is trusted by (NULL: the system's).
 * False (pc->error) when a file cannot be used.
 */
bool au_pc_set_card(au_pc *pc, const char *cert_pem, const char *key_pem);
bool au_pc_set_server_ca(au_pc *pc, const char *server_ca);

/* Opens url. False on a transport failure (pc->error). */
bool au_pc_get(au_pc *pc, const char *url);
/* POSTs a JSON body (the test-control shortcuts) and shows the answer. */
bool au_pc_post_json(au_pc *pc, const char *url, const char *json);
/* Fills name=value in form_id of the page on screen (more pairs: call again) and submits it. */
bool au_pc_submit(au_pc *pc, const char *form_id, const char *name, const char *value);

/* The QR on screen: what it encodes, NULL when the page shows none. */
const char *au_pc_qr_url(const au_pc *pc);
/*
 * Does what the QR page's script does: polls data-poll-url up to max_polls
 * times, interval_ms apart, while the state is "waiting"; then opens
 * data-next-url. state (may be NULL, 16 bytes) gets the last state seen.
 * False on a transport failure, a page without the contract, or still waiting.
 */
bool au_pc_wait(au_pc *pc, int max_polls, int interval_ms, char *state, size_t state_size);

/* The page on screen: title, Keycloak's feedback (else the visible text), kc-content class. */
const char *au_pc_title(const au_pc *pc);
const char *au_pc_text(const au_pc *pc);
const char *au_pc_kind(const au_pc *pc);

#endif
