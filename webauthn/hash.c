#include "webauthn/hash.h"

#include <openssl/evp.h>
#include <pthread.h>

static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_fetched; /* set once, then only read */

static void fetch_sha256(void)
{
	sha256_fetched = EVP_MD_fetch(NULL, "SHA2-256", NULL);
}

/*
 * SHA-256 fetched once from the default provider: a digest named by EVP_sha256() or SHA256()
 * is looked up again by name on every use, which costs as much as hashing a short message.
 * Not fetched (out of memory), the named one serves.
 */
static const EVP_MD *sha256(void)
{
	pthread_once(&sha256_once, fetch_sha256);
	return sha256_fetched != NULL ? sha256_fetched : EVP_sha256();
}

void wa_sha256(const void *ptr, size_t len, uint8_t out[WA_SHA256_LEN])
{
	/* An allocation failure here leaves a digest no signature can match. */
	if (EVP_Digest(ptr, len, out, NULL, sha256(), NULL) != 1)
		for (size_t i = 0; i < WA_SHA256_LEN; i++)
			out[i] = 0;
}

void wa_sha256_2(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[WA_SHA256_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;

	/* An allocation failure here leaves a digest no signature can match. */
	if (ctx == NULL || EVP_DigestInit_ex(ctx, sha256(), NULL) != 1 ||
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
