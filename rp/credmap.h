/*
 * The one mapping between the store's credential (rp_cred) and the verifier's record
 * (wa_credential), each way, copying every field either keeps; and the verifier's "is this id
 * registered" hook over the store.
 */
#ifndef KAGURA_RP_CREDMAP_H
#define KAGURA_RP_CREDMAP_H

#include "rp/store.h"
#include "webauthn/credential.h"

struct wa_cose_cache;

/*
 * The verifier's record of a stored credential; owner (len bytes, NULL none) becomes its user
 * handle; its key decoded through keys (webauthn/cose_cache.h: the app's, NULL decodes here).
 * WA_ERR_RECORD when the stored key no longer decodes; out is empty on any failure.
 */
wa_err rp_cred_to_record(const rp_cred *c, const uint8_t *owner, size_t owner_len,
                         struct wa_cose_cache *keys, wa_credential *out);

/*
 * The store's credential for a verified record: user_id's, labelled label (at most RP_LABEL_MAX
 * bytes, cut by the caller at a character boundary), enabled, registered at created. Transports
 * that do not fit or hold a comma are left out. The record's decoded key goes into keys (NULL:
 * none) for the credential's first assertion; keyed by the bytes, it is harmless if the store
 * then refuses the credential. out is empty on failure.
 */
wa_err rp_cred_from_record(const wa_credential *rec, int64_t user_id, const char *label,
                           time_t created, struct wa_cose_cache *keys, rp_cred *out);

/*
 * wa_reg_options.is_registered over a store. The hook can only answer yes or no: a store that
 * cannot tell answers yes (nothing is registered over what could not be seen) and keeps its
 * error in err, which the caller reads after the verification.
 */
typedef struct rp_cred_check {
	rp_store *store;
	rp_store_err err; /* RP_STORE_OK unless a lookup failed */
} rp_cred_check;

bool rp_cred_check_registered(void *check, const uint8_t *id, size_t len);

#endif
