/*
 * The cache of decoded COSE keys (webauthn/cose_cache.h): the same bytes give the same shared
 * key, other bytes another key, bytes that do not decode the decoder's own error every time
 * and nothing kept, a key handed out outlives its slot and the cache, a key put in is the one
 * found, no cache decodes plainly, and the hits of an ECDSA key share one verification context
 * that checks right under threads, after a refusal and past its slot's eviction.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "webauthn/cose.h"
#include "webauthn/cose_cache.h"
#include "webauthn/cose_verifier.h"

/* A fresh P-256 key as a COSE_Key. */
static void p256_cose(wa_blob *out, EVP_PKEY **key)
{
	*key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(*key);
	assert_int_equal(wa_cose_encode(*key, WA_COSE_ES256, out), WA_OK);
}

static void test_same_bytes_same_key(void **state)
{
	wa_cose_cache *cache = wa_cose_cache_new(0);
	wa_blob a = {0}, b = {0};
	EVP_PKEY *ka, *kb;
	wa_cose_key first, again, other;

	(void)state;
	assert_non_null(cache);
	p256_cose(&a, &ka);
	p256_cose(&b, &kb);
	assert_int_equal(wa_cose_decode_cached(cache, a.ptr, a.len, &first), WA_OK);
	assert_int_equal(wa_cose_decode_cached(cache, a.ptr, a.len, &again), WA_OK);
	assert_int_equal(wa_cose_decode_cached(cache, b.ptr, b.len, &other), WA_OK);
	/* A hit shares the decoded key; what it decodes to is the key encoded. */
	assert_ptr_equal(first.pkey, again.pkey);
	assert_int_equal(again.alg, WA_COSE_ES256);
	assert_int_equal(again.kty, WA_COSE_KTY_EC2);
	assert_int_equal(again.crv, WA_COSE_CRV_P256);
	assert_true(wa_pkey_equal(again.pkey, ka));
	assert_ptr_not_equal(other.pkey, first.pkey);
	assert_true(wa_pkey_equal(other.pkey, kb));
	wa_cose_key_reset(&first);
	wa_cose_key_reset(&again);
	wa_cose_key_reset(&other);
	wa_cose_cache_free(&cache);
	assert_null(cache);
	wa_blob_reset(&a);
	wa_blob_reset(&b);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
}

static void test_bad_bytes_same_error_each_time(void **state)
{
	wa_cose_cache *cache = wa_cose_cache_new(1); /* one slot: a kept failure would evict good */
	wa_blob a = {0}, good = {0};
	EVP_PKEY *ka, *kg;
	wa_cose_key k, first, again;
	wa_err plain;

	(void)state;
	p256_cose(&a, &ka);
	p256_cose(&good, &kg);
	assert_int_equal(wa_cose_decode_cached(cache, good.ptr, good.len, &first), WA_OK);
	/* The point moved off the curve: the last byte of y. */
	a.ptr[a.len - 1] ^= 0x01;
	plain = wa_cose_decode(a.ptr, a.len, &k);
	assert_int_not_equal(plain, WA_OK);
	assert_int_equal(wa_cose_decode_cached(cache, a.ptr, a.len, &k), plain);
	assert_null(k.pkey);
	assert_int_equal(wa_cose_decode_cached(cache, a.ptr, a.len, &k), plain);
	assert_null(k.pkey);
	/* Nothing was kept for the bad bytes: the good key still holds the only slot. */
	assert_int_equal(wa_cose_decode_cached(cache, good.ptr, good.len, &again), WA_OK);
	assert_ptr_equal(again.pkey, first.pkey);
	wa_cose_key_reset(&first);
	wa_cose_key_reset(&again);
	wa_cose_cache_free(&cache);
	wa_blob_reset(&a);
	wa_blob_reset(&good);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kg);
}

static void test_key_outlives_slot_and_cache(void **state)
{
	wa_cose_cache *cache = wa_cose_cache_new(1); /* one slot: every new key evicts the last */
	wa_blob a = {0}, b = {0};
	EVP_PKEY *ka, *kb;
	wa_cose_key first, second, again;

	(void)state;
	p256_cose(&a, &ka);
	p256_cose(&b, &kb);
	assert_int_equal(wa_cose_decode_cached(cache, a.ptr, a.len, &first), WA_OK);
	assert_int_equal(wa_cose_decode_cached(cache, b.ptr, b.len, &second), WA_OK);
	/* a was evicted: decoded anew, while the first key handed out still holds. */
	assert_int_equal(wa_cose_decode_cached(cache, a.ptr, a.len, &again), WA_OK);
	assert_ptr_not_equal(again.pkey, first.pkey);
	wa_cose_cache_free(&cache);
	assert_true(wa_pkey_equal(first.pkey, ka));
	assert_true(wa_pkey_equal(second.pkey, kb));
	assert_true(wa_pkey_equal(again.pkey, ka));
	wa_cose_key_reset(&first);
	wa_cose_key_reset(&second);
	wa_cose_key_reset(&again);
	wa_blob_reset(&a);
	wa_blob_reset(&b);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
}

static void test_put_then_hit(void **state)
{
	wa_cose_cache *cache = wa_cose_cache_new(0);
	wa_blob a = {0};
	EVP_PKEY *ka;
	wa_cose_key decoded, hit;

	(void)state;
	p256_cose(&a, &ka);
	assert_int_equal(wa_cose_decode(a.ptr, a.len, &decoded), WA_OK);
	wa_cose_cache_put(cache, a.ptr, a.len, &decoded);
	assert_int_equal(wa_cose_decode_cached(cache, a.ptr, a.len, &hit), WA_OK);
	assert_ptr_equal(hit.pkey, decoded.pkey);
	assert_int_equal(hit.alg, WA_COSE_ES256);
	wa_cose_key_reset(&decoded);
	wa_cose_cache_free(&cache);
	/* The cache's reference and the caller's were each its own. */
	assert_true(wa_pkey_equal(hit.pkey, ka));
	wa_cose_key_reset(&hit);
	wa_blob_reset(&a);
	EVP_PKEY_free(ka);
}

static void test_no_cache_decodes(void **state)
{
	wa_blob a = {0};
	EVP_PKEY *ka;
	wa_cose_key k, j;

	(void)state;
	p256_cose(&a, &ka);
	assert_int_equal(wa_cose_decode_cached(NULL, a.ptr, a.len, &k), WA_OK);
	assert_int_equal(wa_cose_decode_cached(NULL, a.ptr, a.len, &j), WA_OK);
	assert_ptr_not_equal(k.pkey, j.pkey);
	assert_true(wa_pkey_equal(k.pkey, ka));
	wa_cose_key_reset(&k);
	wa_cose_key_reset(&j);
	wa_blob_reset(&a);
	EVP_PKEY_free(ka);
}

/* ---- hits share one verification context ---- */

#define CHECKERS        4
#define CHECKS_A_THREAD 200

static const uint8_t message[] = "authenticatorData || SHA-256(clientDataJSON)";

typedef struct checker {
	const wa_cose_key *key; /* the thread's own copy */
	const wa_blob *good, *bad;
	int wrong; /* checks that did not end as they should */
} checker;

static void *checker_main(void *arg)
{
	checker *c = arg;

	for (int i = 0; i < CHECKS_A_THREAD; i++) {
		const wa_blob *sig = i % 3 == 2 ? c->bad : c->good;
		wa_err want = sig == c->bad ? WA_ERR_SIG_INVALID : WA_OK;

		if (wa_cose_verify(c->key, message, sizeof(message), sig->ptr, sig->len) != want)
			c->wrong++;
	}
	return NULL;
}

static void test_hits_share_one_verifier(void **state)
{
	wa_cose_cache *cache = wa_cose_cache_new(1); /* one slot: b evicts a below */
	wa_blob a = {0}, b = {0}, good = {0}, bad = {0};
	EVP_PKEY *ka, *kb;
	wa_cose_key first, hits[CHECKERS], other;
	pthread_t threads[CHECKERS];
	checker checkers[CHECKERS];

	(void)state;
	p256_cose(&a, &ka);
	p256_cose(&b, &kb);
	assert_int_equal(wa_cose_sign(ka, WA_COSE_ES256, message, sizeof(message), &good), WA_OK);
	assert_int_equal(wa_blob_set(&bad, good.ptr, good.len), WA_OK);
	bad.ptr[bad.len - 1] ^= 0x01; /* still DER, no longer the signature */
	/* The decode that fills the slot and every hit after it share one context. */
	assert_int_equal(wa_cose_decode_cached(cache, a.ptr, a.len, &first), WA_OK);
	assert_non_null(first.verifier);
	for (int i = 0; i < CHECKERS; i++) {
		assert_int_equal(wa_cose_decode_cached(cache, a.ptr, a.len, &hits[i]), WA_OK);
		assert_ptr_equal(hits[i].verifier, first.verifier);
	}
	/* A refusal leaves the shared context fit for the next check. */
	assert_int_equal(wa_cose_verify(&hits[0], message, sizeof(message), bad.ptr, bad.len),
	                 WA_ERR_SIG_INVALID);
	assert_int_equal(wa_cose_verify(&hits[0], message, sizeof(message), good.ptr, good.len),
	                 WA_OK);
	/* The slot's key evicted and the cache gone: the copies' holds keep the context. */
	assert_int_equal(wa_cose_decode_cached(cache, b.ptr, b.len, &other), WA_OK);
	wa_cose_cache_free(&cache);
	/* Checks at once on the same context: one at a time uses it, the others make their own. */
	for (int i = 0; i < CHECKERS; i++) {
		checkers[i] = (checker){.key = &hits[i], .good = &good, .bad = &bad};
		assert_int_equal(pthread_create(&threads[i], NULL, checker_main, &checkers[i]), 0);
	}
	for (int i = 0; i < CHECKERS; i++) {
		pthread_join(threads[i], NULL);
		assert_int_equal(checkers[i].wrong, 0);
	}
	/* No other key's signature passes through it. */
	assert_int_equal(wa_cose_verify(&other, message, sizeof(message), good.ptr, good.len),
	                 WA_ERR_SIG_INVALID);
	for (int i = 0; i < CHECKERS; i++)
		wa_cose_key_reset(&hits[i]);
	wa_cose_key_reset(&first);
	wa_cose_key_reset(&other);
	wa_blob_reset(&a);
	wa_blob_reset(&b);
	wa_blob_reset(&good);
	wa_blob_reset(&bad);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_same_bytes_same_key),
	        cmocka_unit_test(test_bad_bytes_same_error_each_time),
	        cmocka_unit_test(test_key_outlives_slot_and_cache),
	        cmocka_unit_test(test_put_then_hit),
	        cmocka_unit_test(test_no_cache_decodes),
	        cmocka_unit_test(test_hits_share_one_verifier),
	};
	return cmocka_run_group_tests_name("cose cache", tests, NULL, NULL);
}
