/* Attestation statement verification (W3C WebAuthn §8), one procedure per fmt. */
#ifndef KAGURA_WEBAUTHN_ATTEST_H
#define KAGURA_WEBAUTHN_ATTEST_H

#include <cbor.h>
#include <openssl/x509.h>
#include <stdbool.h>

#include "webauthn/authdata.h"
#include "webauthn/cose.h"

typedef enum wa_att_type {
	WA_ATT_TYPE_NONE,
	WA_ATT_TYPE_SELF,
	WA_ATT_TYPE_BASIC,
	WA_ATT_TYPE_ATTCA,
	WA_ATT_TYPE_ANONCA,
} wa_att_type;

typedef struct wa_attest_input {
	const cbor_item_t *att_stmt;
	const uint8_t *auth_data; /* raw bytes, as signed */
	size_t auth_data_len;
	const wa_authdata *ad;           /* parsed view of auth_data, AT set */
	const uint8_t *client_data_hash; /* SHA-256(clientDataJSON) */
	const wa_cose_key *cred_key;     /* decoded credentialPublicKey */
	/* FIDO conformance (Server-ServerAuthenticatorAttestationResponse-Resp-8 F-1): a
	 * fido-u2f authenticator has no AAGUID; the W3C vectors carry one, so it is a policy. */
	bool u2f_require_zero_aaguid;
	/* android-key: take origin/purpose from teeEnforced only (hardware-backed keys). */
	bool android_key_tee_only;
	/* android-key: accept a key description whose two authorization lists are both
	 * empty (no origin, no purpose), as the W3C test-vector generator writes them;
	 * real keystores always fill them, so this is off unless asked for. */
	bool android_key_allow_empty_authz;
} wa_attest_input;

typedef struct wa_attest_result {
	wa_att_type type;
	STACK_OF(X509) * x5c; /* trust path, leaf first; owned; NULL for none and self */
} wa_attest_result;

/* True for the fmt identifiers this core verifies (case-sensitive, §7.1). */
bool wa_attest_fmt_supported(const char *fmt);

/* Runs fmt's verification procedure; on success fills out (caller resets it). */
wa_err wa_attest_verify(const char *fmt, const wa_attest_input *in, wa_attest_result *out);
void wa_attest_result_reset(wa_attest_result *res);

const char *wa_att_type_name(wa_att_type type);

#endif
