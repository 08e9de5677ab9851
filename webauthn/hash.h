/* SHA-2 helpers over OpenSSL's one-shot digest, and a table hash. */
#ifndef KAGURA_WEBAUTHN_HASH_H
#define KAGURA_WEBAUTHN_HASH_H

#include <openssl/types.h>
#include <stddef.h>
#include <stdint.h>

#define WA_SHA256_LEN 32

/* SHA-256, -384 or -512 by its bits, fetched once (OpenSSL's; not to be freed); NULL for others. */
const EVP_MD *wa_sha2_md(unsigned bits);

void wa_sha256(const void *ptr, size_t len, uint8_t out[WA_SHA256_LEN]);
/* SHA-256 over the concatenation a || b. */
void wa_sha256_2(const void *a, size_t alen, const void *b, size_t blen,
                 uint8_t out[WA_SHA256_LEN]);

/* FNV-1a, 64-bit: a table's bucket hash (not a digest: anyone can make it collide). */
uint64_t wa_fnv1a64(const void *ptr, size_t len);

#endif
