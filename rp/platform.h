/*
 * The mock platform embedded in another program (the scenario runner, tests):
 * a temporary store, the fixtures' texts and pages, the HTTP server on a free
 * loopback port; everything removed again by rp_platform_stop.
 */
#ifndef KAGURA_RP_PLATFORM_H
#define KAGURA_RP_PLATFORM_H

#include <stdio.h>

#include "rp/app.h"
#include "rp/front.h"

typedef struct rp_platform_options {
	const char *manual;       /* "2.16" or "1.04" (rp/generation.h); NULL: 2.16 */
	const char *origin;       /* NULL: https://mahpki-auth.2nds.medis.or.jp */
	const char *rp_id;        /* NULL: the origin's host */
	const char *fixtures_dir; /* NULL: KAGURA_FIXTURES or the source tree's fixtures */
	bool test_control;
	/* The FIDO conformance API (rp/conformance.h): off unless asked, it needs no login. */
	bool conformance_api;
	FILE *log; /* one line per request; NULL: none */
	/*
	 * IC-card login (rp/flow_card.h): a built test PKI (build/fixtures/pki, see
	 * fixtures/pki/README.md) whose index.json names the card trust; NULL: no card login.
	 */
	const char *card_pki;
	/*
	 * Serve HTTPS instead of HTTP, requesting a client certificate from the CAs of client_ca
	 * (the HPKI and JPKI anchors). tls_cert, tls_key and client_ca NULL: the card PKI's
	 * tls/server.pem, tls/server.key and trust/client-ca.pem.
	 */
	bool https;
	const char *tls_cert, *tls_key, *client_ca;
	/*
	 * With https: the front servers for card logins as well (rp/front.h), one TLS 1.2 and one
	 * TLS 1.3, each insisting on a valid client certificate before passing requests on.
	 */
	bool card_fronts;
	/* The HTTP server's limits and threads (rp/http.h); NULL: its defaults. */
	const struct rp_http_limits *limits;
} rp_platform_options;

typedef struct rp_platform rp_platform;

/* Starts on 127.0.0.1 with a free port; why (may be NULL) says what failed. */
rp_platform *rp_platform_start(const rp_platform_options *opt, char *why, size_t why_size);
/* "http://127.0.0.1:PORT" ("https://..." with https) */
const char *rp_platform_base(const rp_platform *p);
/* The CA file a client trusts the HTTPS server by (the card PKI's tls/server-ca.pem); NULL none. */
const char *rp_platform_tls_ca(const rp_platform *p);
const char *rp_platform_origin(const rp_platform *p);
/* The card-login front of that flavour, "https://127.0.0.1:PORT"; NULL when not started. */
const char *rp_platform_front(const rp_platform *p, rp_front_mode mode);
void rp_platform_stop(rp_platform *p);

#endif
