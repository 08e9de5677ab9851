#include "webauthn/hash.h"

#include <openssl/evp.h>
#include <pthread.h>

#include "webauthn/arraylen.h"

/* The SHA-2 digests in use, fetched once; set by fetch_sha2, then only read. */
static const char *const sha2_names[] = {"SHA2-256", "SHA2-384", "SHA2-512"};
static pthread_once_t sha2_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha2_fetched[KAGURA_LEN(sha2_names)];

static void fetch_sha2(void)
{
	for (size_t i = 0; i < KAGURA_LEN(sha2_names); i++)
		sha2_fetched[i] = EVP_MD_fetch(NULL, sha2_names[i], NULL);
}

/*
 * Fetched once from the default provider: a digest named by EVP_sha256() or SHA256() is looked
 * up again by name on every use, which costs as much as hashing a short message. One that could
 * not be fetched (out of memory) is the named one.
 */
const EVP_MD *wa_sha2_md(unsigned bits)
{
	pthread_once(&sha2_once, fetch_sha2);
	switch (bits) {
	case 256:
		return sha2_fetched[0] ? sha2_fetched[0] : EVP_sha256();
	case 384:
		return sha2_fetched[1] ? sha2_fetched[1] : EVP_sha384();
	case 512:
		return sha2_fetched[2] ? sha2_fetched[2] : EVP_sha512();
	default:
		return NULL;
	}
}

void wa_sha256(const void *ptr, size_t len, uint8_t out[WA_SHA256_LEN])
{
	/* An allocation failure here leaves a digest no signature can match. */
	if (EVP_Digest(ptr, len, out, NULL, wa_sha2_md(256), NULL) != 1)
		for (size_t i = 0; i < WA_SHA256_LEN; i++)
			out[i] = 0;
}

void wa_sha256_2(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[WA_SHA256_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;

	/* An allocation failure here leaves a digest no signature can match. */
	if (ctx == NULL || EVP_DigestInit_ex(ctx, wa_sha2_md(256), NULL) != 1 ||
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
