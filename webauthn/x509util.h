/* X.509 helpers shared by the attestation formats. */
#ifndef KAGURA_WEBAUTHN_X509UTIL_H
#define KAGURA_WEBAUTHN_X509UTIL_H

#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>

#include "webauthn/error.h"

/* DER certificate spanning all of ptr[0..len); NULL otherwise. */
X509 *wa_x509_from_der(const uint8_t *ptr, size_t len);

/* Value of the extension with dotted oid, NULL when absent; *critical set when found. */
const ASN1_OCTET_STRING *wa_x509_ext_value(X509 *cert, const char *oid, int *critical);

/* id-fido-gen-ce-aaguid (1.3.6.1.4.1.45724.1.1.4): when present it must be
 * non-critical and wrap the 16-byte AAGUID equal to aaguid. */
wa_err wa_x509_check_aaguid_ext(X509 *cert, const uint8_t aaguid[16]);

/* basicConstraints absent or CA=false. */
bool wa_x509_is_not_ca(X509 *cert);

/* Self-signed: issuer equals subject and the signature verifies with its own key. */
bool wa_x509_is_self_signed(X509 *cert);

#endif
