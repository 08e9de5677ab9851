/*
 * Certificates as either side reads them: PEM text and DER into OpenSSL stacks, strictly (a
 * block of another type, an encrypted or corrupt one, or DER with bytes left over fails the
 * whole input), a name as text, a certificate looked up in a stack. Hostile input never
 * crashes, and OpenSSL's error queue is left as it was. No global state.
 */
#ifndef KAGURA_COMMON_X509_H
#define KAGURA_COMMON_X509_H

#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cm_x509_err {
	CM_X509_OK,
	CM_X509_BAD,      /* not what was asked for: bad PEM or DER, another block type, nothing */
	CM_X509_TOO_MANY, /* more blocks, certificates or bytes than the caller allows */
	CM_X509_NOMEM,
} cm_x509_err;

/*
 * Every PEM block of text into certs (CERTIFICATE blocks) or crls (X509 CRL blocks); a NULL
 * stack refuses its type. Text outside the blocks is ignored, as openssl does. No block at all
 * is CM_X509_BAD; a block after max of them is CM_X509_TOO_MANY. What was read before a
 * failure stays in the stacks.
 */
cm_x509_err cm_x509_read_pem(const char *pem, size_t len, STACK_OF(X509) * certs,
                             STACK_OF(X509_CRL) * crls, size_t max);

/*
 * A certificate chain as a TLS client sends it or a card's file holds it, leaf first, into out:
 * concatenated DER, or PEM text (what starts with "-----" after white space) of CERTIFICATE
 * blocks only. len > 0. More than max_bytes bytes or max_certs certificates is
 * CM_X509_TOO_MANY; detail says why whenever the answer is not CM_X509_OK.
 */
cm_x509_err cm_x509_read_chain(const uint8_t *buf, size_t len, size_t max_certs, size_t max_bytes,
                               STACK_OF(X509) * out, char *detail, size_t dsize);

/* The name in RFC 2253 form, UTF-8 kept, cut to the buffer; "" when it cannot be printed. */
void cm_x509_name_text(const X509_NAME *name, char *out, size_t size);

/* Whether sk holds a certificate equal to x. */
bool cm_x509_in(STACK_OF(X509) * sk, X509 *x);

#endif
