/*
 * A TLS server's files (its certificate chain, its private key, the client CAs it names) read,
 * cross-checked and re-encoded by OpenSSL as the plain PEM texts GnuTLS reads from memory
 * (libmicrohttpd's MHD_OPTION_HTTPS_MEM_*): whatever form the files held, GnuTLS sees one.
 */
#ifndef KAGURA_RP_TLS_PEM_H
#define KAGURA_RP_TLS_PEM_H

#include <stddef.h>

#include "rp/http_error.h"

/* The texts, NUL-terminated, owned by the struct (rp_tls_pem_release). */
typedef struct rp_tls_pem {
	char *cert; /* every certificate of the certificate file, leaf first */
	char *key;  /* the private key, PKCS#8 (cleansed when released) */
	size_t key_len;
	char *trust; /* every certificate of the client CA file; NULL when none was named */
} rp_tls_pem;

/*
 * Reads the files (client_ca_file may be NULL) into out: RP_HTTP_TLS_CERT, _KEY (unreadable,
 * not a PEM private key, or encrypted: nothing prompts), _KEY_MISMATCH (the key is not the
 * leaf's), _CLIENT_CA or RP_HTTP_NOMEM, out then empty.
 */
rp_http_err rp_tls_pem_load(const char *cert_file, const char *key_file, const char *client_ca_file,
                            rp_tls_pem *out);
void rp_tls_pem_release(rp_tls_pem *pem);

#endif
