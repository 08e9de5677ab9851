/*
 * The platform's front server for the card logins: the TLS terminator in front of the
 * platform (Apache mod_ssl with SSLVerifyClient require, as the manual's 3.17 page shows)
 * that insists on a client certificate its client CAs issued and that is in date, and
 * refuses the handshake otherwise, before any HTTP. What a browser then shows is manual 3.1,
 * 3.2 or 3.21, depending on the alert (authenticator/pc/pcbrowser.h):
 *
 *  RP_FRONT_TLS12: TLS 1.2 at most; every client-certificate failure (none, expired, unknown
 *    issuer) is refused with handshake_failure (40): the browser's ERR_SSL_PROTOCOL_ERROR.
 *  RP_FRONT_TLS13: TLS 1.3; OpenSSL's alerts: certificate_required (116) for none,
 *    certificate_expired (45), unknown_ca (48): ERR_BAD_SSL_CLIENT_AUTH_CERT.
 *
 * A request on an accepted connection goes to the platform (its HTTPS base) on a connection of
 * the front's own, with the client's certificates in a header the platform trusts only with
 * the front's secret (rp_http_trust_front); the answer comes back and the connection closes.
 * A relay (common/relay.h): a thread per connection, a prompt stop; no global state.
 */
#ifndef KAGURA_RP_FRONT_H
#define KAGURA_RP_FRONT_H

#include <stdbool.h>
#include <stddef.h>

#define RP_FRONT_SECRET_HEADER "X-Kagura-Front"
#define RP_FRONT_CHAIN_HEADER  "X-Kagura-Client-Chain" /* base64url of the DER certificates */

typedef enum rp_front_mode { RP_FRONT_TLS12, RP_FRONT_TLS13 } rp_front_mode;

typedef struct rp_front_opts {
	rp_front_mode mode;
	const char *cert_file, *key_file; /* the platform's HTTPS certificate and key */
	const char *client_ca_file;       /* the anchors a card's chain must lead to */
	const char *backend;              /* "127.0.0.1:PORT" of the platform's HTTPS */
	const char *secret;               /* sent to the platform with the certificates */
	/* CRLs (PEM) the handshake checks every certificate of the chain against; NULL none (the
	 * platform checks revocation itself: manual 2.16 3.18). Manual 1.04's platform refused a
	 * revoked card in the handshake (its 3.1, 3.2). */
	const char *crl_file;
} rp_front_opts;

typedef struct rp_front rp_front;

bool rp_front_start(const rp_front_opts *opts, rp_front **out, char *err, size_t err_size);
/* "https://127.0.0.1:PORT" */
const char *rp_front_url(const rp_front *f);
void rp_front_stop(rp_front *f);

#endif
