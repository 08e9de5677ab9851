/*
 * Decoded credential public keys kept for the next assertion: a bounded cache from a COSE_Key's
 * exact bytes to its EVP_PKEY, shared by threads. Decoding a P-256 key (OpenSSL 3 builds the
 * curve's group and imports the point) costs about as much as the signature check itself; a
 * key that verified once needs neither again.
 *
 * Keyed by the bytes, not by a credential id: the cache answers only "what key do these bytes
 * decode to", never "is this credential still registered". Callers read the credential from
 * their store first; one deleted or disabled there never reaches the cache, and a key whose
 * bytes changed is another entry.
 */
#ifndef KAGURA_WEBAUTHN_COSE_CACHE_H
#define KAGURA_WEBAUTHN_COSE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "webauthn/cose.h"

typedef struct wa_cose_cache wa_cose_cache;

/* A cache of at most slots keys (0: WA_COSE_CACHE_DEFAULT_SLOTS); NULL when out of memory. */
#define WA_COSE_CACHE_DEFAULT_SLOTS 4096u
wa_cose_cache *wa_cose_cache_new(size_t slots);
/* Frees the cache and NULLs *cache; keys handed out stay valid (each holds a reference). */
void wa_cose_cache_free(wa_cose_cache **cache);

/*
 * wa_cose_decode through the cache (cache NULL: plain wa_cose_decode). On success out->pkey is
 * the caller's own reference (wa_cose_key_reset frees it), shared with the cache; keys that do
 * not decode are not kept, and each such call reports the same error wa_cose_decode does.
 */
wa_err wa_cose_decode_cached(wa_cose_cache *cache, const uint8_t *ptr, size_t len,
                             wa_cose_key *out);
/*
 * Keeps key, decoded from ptr[0..len) (a credential just registered), for the next decode of
 * those bytes; the cache takes its own reference. Nothing is kept without memory (or cache).
 */
void wa_cose_cache_put(wa_cose_cache *cache, const uint8_t *ptr, size_t len,
                       const wa_cose_key *key);

#endif
