/*
 * A card login split in two, the way a person does it: the TLS handshake (certificate picker),
 * then — after the seconds spent on the PIN dialog — the HTTP request on the same connection.
 * The platform measures that gap (manual 3.17: over one minute between certificate choice and
 * PIN is refused), so between the two a hook runs: a test advances the platform's clock there.
 * libcurl CURLOPT_CONNECT_ONLY does the handshake; curl_easy_send/recv the request.
 * Needs curl_global_init like au_web. No global state.
 */
#ifndef KAGURA_AUTHENTICATOR_PC_CARDTLS_H
#define KAGURA_AUTHENTICATOR_PC_CARDTLS_H

#include <stdbool.h>
#include <stddef.h>

#include "authenticator/pc/card.h"

typedef struct au_cardtls_opts {
	const char *ca_file; /* the server's trust (PEM file); NULL: the system's */
	bool insecure;       /* skip server verification */
	const char *proxy;   /* NULL: direct */
	long timeout_ms;     /* 0: 10000 */
	/* Runs after the handshake, before the request; false aborts (nothing is sent). */
	bool (*between)(void *arg);
	void *arg;
} au_cardtls_opts;

typedef struct au_cardtls_result {
	au_web_err err;      /* AU_WEB_OK: an HTTP answer arrived */
	bool handshake_done; /* CONNECT_ONLY finished: the hook ran */
	long status;         /* the HTTP status, 0 none */
	char *body;          /* owned, NUL-terminated; NULL none */
	size_t body_len;
	int tls_alert_received;  /* as au_web_response; -1 none */
	bool tls_cert_requested; /* as au_web_response: the server sent a CertificateRequest */
	char error[256];
} au_cardtls_result;

void au_cardtls_result_free(au_cardtls_result *r);

/* The result as an au_web_response (for pcbrowser's classification); out borrows r's body. */
void au_cardtls_as_response(const au_cardtls_result *r, const char *url, au_web_response *out);

/*
 * GET url (https) presenting card (NULL: no certificate). out is always filled; returns
 * out->err. The answer is read until the server closes (the request says Connection: close).
 */
au_web_err au_cardtls_get(const char *url, const au_card *card, const au_cardtls_opts *opts,
                          au_cardtls_result *out);

#endif
