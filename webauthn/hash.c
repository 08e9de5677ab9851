#include "webauthn/hash.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

void wa_sha256(const void *ptr, size_t len, uint8_t out[WA_SHA256_LEN])
{
	SHA256(ptr, len, out);
}

void wa_sha256_2(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[WA_SHA256_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;

	/* An allocation failure here leaves a digest no signature can match. */
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, a, alen) != 1 || EVP_DigestUpdate(ctx, b, blen) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, &n) != 1) {
		for (n = 0; n < WA_SHA256_LEN; n++)
			out[n] = 0;
	}
	EVP_MD_CTX_free(ctx);
}

uint64_t wa_fnv1a64(const void *ptr, size_t len)
{
	const uint8_t *p = ptr;
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}
