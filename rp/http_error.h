/* The HTTP layer's errors (rp/http.h; rp_http_strerr gives each its text), apart so that the
 * parts it starts with, such as its TLS files (rp/tls_pem.h), can answer in them. */
#ifndef KAGURA_RP_HTTP_ERROR_H
#define KAGURA_RP_HTTP_ERROR_H

typedef enum rp_http_err {
	RP_HTTP_OK,
	RP_HTTP_ADDRESS,     /* listen address is not IPv4:port (rp/listen.h) */
	RP_HTTP_START,       /* the daemon could not start (none of the reasons below) */
	RP_HTTP_IN_USE,      /* another socket listens on that address and port */
	RP_HTTP_UNAVAILABLE, /* the address is not one of this host's */
	RP_HTTP_DENIED,      /* binding needs a privilege (a port below 1024) */
	RP_HTTP_NOMEM,
	RP_HTTP_TLS_CERT,         /* server certificate file unreadable or no PEM certificate */
	RP_HTTP_TLS_KEY,          /* key file unreadable, not a PEM private key, or encrypted */
	RP_HTTP_TLS_KEY_MISMATCH, /* the key is not the server certificate's */
	RP_HTTP_TLS_KEY_TYPE,     /* a key GnuTLS serves with no certificate of (DSA, secp256k1) */
	RP_HTTP_TLS_CLIENT_CA,    /* client CA file unreadable or no PEM certificate */
	RP_HTTP_TLS_UNSUPPORTED,  /* libmicrohttpd was built without TLS */
	RP_HTTP__COUNT
} rp_http_err;

#endif
