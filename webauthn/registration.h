/* Registration ceremony verification, W3C WebAuthn Level 3 §7.1. */
#ifndef KAGURA_WEBAUTHN_REGISTRATION_H
#define KAGURA_WEBAUTHN_REGISTRATION_H

#include "webauthn/ceremony.h"
#include "webauthn/credential.h"
#include "webauthn/response.h"
#include "webauthn/trust.h"

typedef struct wa_reg_options {
	wa_expect expect;
	bool conditional;    /* mediation "conditional": user presence not required */
	const int64_t *algs; /* pubKeyCredParams algorithms; none given = any supported */
	size_t n_algs;
	const wa_trust *trust; /* required: the verification time, and anchors if any */
	/* Fail when an attestation with a trust path (x5c) does not chain to an anchor;
	 * none and self attestation carry no path and stay acceptable (§7.1 policy). */
	bool require_trusted_attestation;
	bool u2f_require_zero_aaguid;
	bool android_key_tee_only;
	bool android_key_allow_empty_authz; /* see wa_attest_input */
	/* §7.1: the credential id must not be registered yet (NULL: not checked). */
	bool (*is_registered)(void *ctx, const uint8_t *id, size_t len);
	void *is_registered_ctx;
} wa_reg_options;

/*
 * Verifies a registration response step by step. On success *out holds the
 * new credential record (caller resets it); on failure out is left empty and
 * the returned code names the failed step. report may be NULL.
 */
wa_err wa_verify_registration(const wa_reg_options *opt, const wa_reg_response *resp,
                              wa_credential *out, wa_report *report);

#endif
