/*
 * Proxies between the PC and the platform, on loopback, as real sockets (a relay,
 * common/relay.h: a thread per connection, a prompt stop; no global state): what the manual
 * blames for 3.1/3.3 and 3.10.
 *
 *  - AU_PROXY_TUNNEL: a plain CONNECT tunnel. The TLS session, client certificate included, is
 *    the browser's with the server: the healthy case (a proxy that relays client auth).
 *  - AU_PROXY_AUTH: the same, but CONNECT needs Proxy-Authorization Basic user:password;
 *    without it the answer is 407 with an "Unauthorized" page (3.10). Remedy: the browser's
 *    proxy credentials (au_web_set_proxy's user/password) → it tunnels.
 *  - AU_PROXY_INSPECT: a TLS-inspecting proxy: it answers CONNECT, completes the browser's TLS
 *    with its own certificate (the PC trusts its CA), and opens its own TLS to the server, with
 *    no client certificate — it cannot relay the card's. When the server insists on one, the
 *    proxy's upstream fails and it closes the browser's connection without an answer
 *    (ERR_EMPTY_RESPONSE: 3.3). Remedy: go direct, or use the TUNNEL proxy.
 */
#ifndef KAGURA_AUTHENTICATOR_PC_PROXY_H
#define KAGURA_AUTHENTICATOR_PC_PROXY_H

#include <stdbool.h>
#include <stddef.h>

/*
 * AU_PROXY_INSPECT_FIRST: a TLS-inspecting proxy that connects to the server first (to learn
 * its certificate) and answers the browser's handshake only when its own succeeded; when the
 * server refuses it (no client certificate), the browser's handshake is refused with the
 * server's alert, and the browser shows that alert's page (3.1, 3.2, 3.21). Remedy: as
 * INSPECT.
 */
typedef enum au_proxy_mode {
	AU_PROXY_TUNNEL,
	AU_PROXY_AUTH,
	AU_PROXY_INSPECT,
	AU_PROXY_INSPECT_FIRST
} au_proxy_mode;

typedef struct au_proxy_opts {
	au_proxy_mode mode;
	const char *user, *password; /* AUTH: the credentials it accepts */
	const char *cert_file;       /* INSPECT: the certificate it shows the browser (PEM) */
	const char *key_file;        /* INSPECT: its key */
	const char
	        *upstream_ca_file; /* INSPECT: how it trusts the server; NULL: it does not check */
} au_proxy_opts;

/* Each event is counted before the client can see it (the answer, the alert, the close): read
 * once the client has its outcome, the stats include it. */
typedef struct au_proxy_stats {
	unsigned connections;     /* accepted */
	unsigned auth_refused;    /* 407 answers */
	unsigned tunnels;         /* CONNECTs answered 200 */
	unsigned upstream_failed; /* INSPECT: the proxy's own TLS to the server failed */
} au_proxy_stats;

typedef struct au_proxy au_proxy;

/* Listens on 127.0.0.1, an ephemeral port. False (and *out NULL) when it cannot. */
bool au_proxy_start(const au_proxy_opts *opts, au_proxy **out, char *err, size_t err_size);
/* "http://127.0.0.1:PORT" */
const char *au_proxy_url(const au_proxy *p);
au_proxy_stats au_proxy_get_stats(au_proxy *p);
/* Waits until every connection the proxy took has ended, so that the stats count what they did
 * (a connection counts its failure after the client already saw it). */
void au_proxy_wait_idle(au_proxy *p);
/* Stops listening, ends every connection and waits for them. NULL is fine. */
void au_proxy_stop(au_proxy *p);

#endif
