/* Trust anchors and the verification time for attestation certificate chains. */
#ifndef KAGURA_WEBAUTHN_TRUST_H
#define KAGURA_WEBAUTHN_TRUST_H

#include <openssl/x509.h>
#include <stdbool.h>
#include <time.h>

#include "webauthn/error.h"

typedef struct wa_trust {
	STACK_OF(X509) * anchors; /* owned; empty means "no anchors configured" */
	time_t at;                /* verification time, from the caller's clock */
} wa_trust;

wa_err wa_trust_init(wa_trust *trust, time_t at);
void wa_trust_reset(wa_trust *trust);
/* Adds every certificate of a PEM file; an unreadable file, a corrupt block or no certificate at
 * all fails. */
wa_err wa_trust_add_pem_file(wa_trust *trust, const char *path);
/* Adds one certificate (the trust store takes its own reference). */
wa_err wa_trust_add_cert(wa_trust *trust, X509 *cert);
size_t wa_trust_count(const wa_trust *trust);

/*
 * Checks an attestation trust path (leaf first): every certificate inside its
 * validity at trust->at, no self-signed root inside x5c unless root_allowed
 * (FIDO conformance Resp-5 F-10 refuses it for packed; Android key attestation
 * chains end in their root), and, when anchors are configured, a chain from the
 * leaf to one of them. detail (may be NULL) receives OpenSSL's reason.
 */
wa_err wa_trust_check_path(const wa_trust *trust, STACK_OF(X509) * x5c, bool root_allowed,
                           char *detail, size_t size);

#endif
