/*
 * bench-store's stores: N users of the FIDO conformance API, each with one credential, written
 * through rp/store's own calls (rp_store_user_create_handle with rp_cred_from_record's row, as
 * /attestation/result writes them). The credentials are real: BS_KEYS ES256 keys, each
 * registered once through the soft authenticator and webauthn/'s verifier, shared round-robin
 * by the users (each user's credential id is its own), so a load generator that knows the keys
 * can authenticate as any stored user.
 */
#ifndef KAGURA_BENCH_STORE_PREFILL_H
#define KAGURA_BENCH_STORE_PREFILL_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "webauthn/credential.h"

#define BS_KEYS        64 /* distinct signing keys among the stored users */
#define BS_CRED_ID_LEN 32 /* what the soft authenticator makes too */
#define BS_NAME_MAX    32 /* "bs-" and the user's number, with the NUL */

/* The keys and the verifier's record of each one's registration. */
typedef struct bs_keys {
	EVP_PKEY *key[BS_KEYS];
	wa_credential rec[BS_KEYS];
} bs_keys;

/* Registers BS_KEYS keys for origin and rp_id through the verifier, at time at; why says what
 * failed. */
bool bs_keys_make(bs_keys *k, const char *origin, const char *rp_id, time_t at, char *why,
                  size_t size);
void bs_keys_free(bs_keys *k);

/* Stored user i: its name as the API's clients give it, its credential id, its key. */
void bs_user_name(size_t i, char out[BS_NAME_MAX]);
void bs_user_cred_id(size_t i, uint8_t out[BS_CRED_ID_LEN]);
EVP_PKEY *bs_user_key(const bs_keys *k, size_t i);

/* A new store at path (which must not exist) holding users 0..n-1, registered at created. */
bool bs_prefill(const char *path, size_t n, const bs_keys *k, time_t created, char *why,
                size_t size);

#endif
