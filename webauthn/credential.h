/* The credential record an RP stores after registration (W3C WebAuthn L3 §7.1). */
#ifndef KAGURA_WEBAUTHN_CREDENTIAL_H
#define KAGURA_WEBAUTHN_CREDENTIAL_H

#include <jansson.h>
#include <stdbool.h>

#include "webauthn/attest.h"
#include "webauthn/blob.h"
#include "webauthn/cose.h"
#include "webauthn/response.h"

typedef struct wa_credential {
	wa_blob id;
	wa_blob public_key; /* COSE_Key bytes, as registered */
	wa_cose_key key;    /* public_key decoded once, for every later assertion */
	uint32_t sign_count;
	bool uv_initialized;
	bool backup_eligible;
	bool backup_state;
	uint8_t aaguid[16];
	char fmt[32];
	wa_att_type att_type;
	wa_blob user_handle; /* the owner's user.id, when the RP knows it */
	size_t n_transports;
	char *transports[WA_TRANSPORTS_MAX];
} wa_credential;

/* Sets public_key and decodes it into key. */
wa_err wa_credential_set_public_key(wa_credential *cred, const uint8_t *cose, size_t len);
/* The same, the key decoded through keys (webauthn/cose_cache.h; NULL: decoded here). */
struct wa_cose_cache;
wa_err wa_credential_set_public_key_cached(wa_credential *cred, const uint8_t *cose, size_t len,
                                           struct wa_cose_cache *keys);
void wa_credential_reset(wa_credential *cred);

/* {"id","publicKey","alg","signCount","uvInitialized","backupEligible","backupState",
 *  "aaguid","fmt","attestationType","transports"[,"userHandle"]} */
json_t *wa_credential_to_json(const wa_credential *cred);
/* Reads that object, or any object holding it under "credential"; needs id and publicKey. */
wa_err wa_credential_from_json(const json_t *obj, wa_credential *cred);

/* AAGUID as the canonical 8-4-4-4-12 lower-case UUID text (37 bytes with NUL). */
void wa_aaguid_format(const uint8_t aaguid[16], char out[37]);

#endif
