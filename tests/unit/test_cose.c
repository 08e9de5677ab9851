/*
 * COSE_Key credential public keys: OpenSSL key -> wa_cose_encode ->
 * wa_cose_decode -> the same key, signatures made by OpenSSL verify (and
 * tampered ones do not), EC coordinates left-padded to the field size, every
 * rejection of the strict decoder, and wa_pkey_verify refusing an algorithm
 * that does not fit the key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include "webauthn/cose.h"

static EVP_PKEY *rsa_key; /* generated once: RSA key generation is the slow part */

static EVP_PKEY *keygen(const char *type, const char *curve)
{
	EVP_PKEY *k = curve ? EVP_PKEY_Q_keygen(NULL, NULL, type, curve)
	                    : EVP_PKEY_Q_keygen(NULL, NULL, type);
	assert_non_null(k);
	return k;
}

/* Signs msg with key under a COSE alg the way an authenticator would (DER for ECDSA). */
static void sign(EVP_PKEY *key, int64_t alg, const uint8_t *msg, size_t len, wa_blob *sig)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	size_t n = 0;

	assert_non_null(ctx);
	assert_int_equal(EVP_DigestSignInit(ctx, &pctx, wa_cose_alg_md(alg), NULL, key), 1);
	if (alg == WA_COSE_PS256) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST), 1);
	}
	assert_int_equal(EVP_DigestSign(ctx, NULL, &n, msg, len), 1);
	wa_blob_reset(sig);
	sig->ptr = malloc(n);
	assert_non_null(sig->ptr);
	assert_int_equal(EVP_DigestSign(ctx, sig->ptr, &n, msg, len), 1);
	sig->len = n;
	EVP_MD_CTX_free(ctx);
}

/* ---- building COSE maps by hand ---- */

/* An integer in its shortest encoding (libcbor serialises the width it is built with). */
static cbor_item_t *cint(int64_t v)
{
	uint64_t u = v >= 0 ? (uint64_t)v : (uint64_t)(-1 - v);
	cbor_item_t *item;

	if (u <= 0xff)
		item = cbor_build_uint8((uint8_t)u);
	else if (u <= 0xffff)
		item = cbor_build_uint16((uint16_t)u);
	else if (u <= 0xffffffffu)
		item = cbor_build_uint32((uint32_t)u);
	else
		item = cbor_build_uint64(u);
	if (v < 0)
		cbor_mark_negint(item);
	return item;
}

static cbor_item_t *cbytes(const uint8_t *p, size_t n)
{
	return cbor_build_bytestring(p, n);
}

typedef struct entry {
	int64_t label;
	cbor_item_t *value; /* owned; NULL ends the list */
} entry;

/* Serialises {label: value, ...} in the order given, and frees the values. */
static void build_map(const entry *e, size_t n, wa_blob *out)
{
	cbor_item_t *map = cbor_new_definite_map(n);
	unsigned char *buf = NULL;
	size_t cap = 0, len;

	assert_non_null(map);
	for (size_t i = 0; i < n; i++) {
		cbor_item_t *k = cint(e[i].label), *v = e[i].value;
		assert_true(cbor_map_add(map, (struct cbor_pair){.key = k, .value = v}));
		cbor_decref(&k);
		cbor_decref(&v);
	}
	len = cbor_serialize_alloc(map, &buf, &cap);
	assert_true(len > 0);
	wa_blob_reset(out);
	out->ptr = buf;
	out->len = len;
	cbor_decref(&map);
}

static wa_err decode_map(const entry *e, size_t n)
{
	wa_blob b = {0};
	wa_cose_key key;
	wa_err err;

	build_map(e, n, &b);
	err = wa_cose_decode(b.ptr, b.len, &key);
	if (err == WA_OK)
		assert_non_null(key.pkey);
	else
		assert_null(key.pkey);
	wa_cose_key_reset(&key);
	wa_blob_reset(&b);
	return err;
}

#define DECODE(...)                              \
	decode_map((const entry[]){__VA_ARGS__}, \
	           sizeof((const entry[]){__VA_ARGS__}) / sizeof(entry))

/* The big-endian value of an EVP_PKEY BIGNUM parameter, left-padded to pad bytes (0: minimal). */
static size_t bn_param(EVP_PKEY *k, const char *name, uint8_t *out, size_t pad)
{
	BIGNUM *bn = NULL;
	int n;

	assert_int_equal(EVP_PKEY_get_bn_param(k, name, &bn), 1);
	n = pad ? BN_bn2binpad(bn, out, (int)pad) : BN_bn2bin(bn, out);
	assert_true(n > 0);
	BN_free(bn);
	return (size_t)n;
}

/* ---- round trips per algorithm ---- */

typedef struct alg_case {
	int64_t alg;
	const char *type, *curve; /* keygen; RSA uses the shared key */
	int64_t kty, crv;
	uint8_t prefix[12]; /* the canonical map's first bytes: kty, alg, crv/n head */
	size_t prefix_len;
	size_t len; /* total encoded length; 0: not fixed (RSA) */
} alg_case;

static const alg_case alg_cases[] = {
        {WA_COSE_ES256,
         "EC",
         "P-256",
         WA_COSE_KTY_EC2,
         WA_COSE_CRV_P256,
         {0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20},
         10,
         77},
        {WA_COSE_ES384,
         "EC",
         "P-384",
         WA_COSE_KTY_EC2,
         WA_COSE_CRV_P384,
         {0xa5, 0x01, 0x02, 0x03, 0x38, 0x22, 0x20, 0x02, 0x21, 0x58, 0x30},
         11,
         110},
        {WA_COSE_ES512,
         "EC",
         "P-521",
         WA_COSE_KTY_EC2,
         WA_COSE_CRV_P521,
         {0xa5, 0x01, 0x02, 0x03, 0x38, 0x23, 0x20, 0x03, 0x21, 0x58, 0x42},
         11,
         146},
        {WA_COSE_RS256,
         "RSA",
         NULL,
         WA_COSE_KTY_RSA,
         0,
         {0xa4, 0x01, 0x03, 0x03, 0x39, 0x01, 0x00, 0x20, 0x59, 0x01, 0x00},
         11,
         0},
        {WA_COSE_PS256,
         "RSA",
         NULL,
         WA_COSE_KTY_RSA,
         0,
         {0xa4, 0x01, 0x03, 0x03, 0x38, 0x24, 0x20, 0x59, 0x01, 0x00},
         10,
         0},
        {WA_COSE_RS384,
         "RSA",
         NULL,
         WA_COSE_KTY_RSA,
         0,
         {0xa4, 0x01, 0x03, 0x03, 0x39, 0x01, 0x01, 0x20, 0x59, 0x01, 0x00},
         11,
         0},
        {WA_COSE_RS512,
         "RSA",
         NULL,
         WA_COSE_KTY_RSA,
         0,
         {0xa4, 0x01, 0x03, 0x03, 0x39, 0x01, 0x02, 0x20, 0x59, 0x01, 0x00},
         11,
         0},
        {WA_COSE_EDDSA,
         "ED25519",
         NULL,
         WA_COSE_KTY_OKP,
         WA_COSE_CRV_ED25519,
         {0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21, 0x58, 0x20},
         10,
         42},
        {WA_COSE_ED25519,
         "ED25519",
         NULL,
         WA_COSE_KTY_OKP,
         WA_COSE_CRV_ED25519,
         {0xa4, 0x01, 0x01, 0x03, 0x32, 0x20, 0x06, 0x21, 0x58, 0x20},
         10,
         42},
        {WA_COSE_EDDSA,
         "ED448",
         NULL,
         WA_COSE_KTY_OKP,
         WA_COSE_CRV_ED448,
         {0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x07, 0x21, 0x58, 0x39},
         10,
         67},
        {WA_COSE_ED448,
         "ED448",
         NULL,
         WA_COSE_KTY_OKP,
         WA_COSE_CRV_ED448,
         {0xa4, 0x01, 0x01, 0x03, 0x38, 0x34, 0x20, 0x07, 0x21, 0x58, 0x39},
         11,
         68},
};

static void flip_last(wa_blob *b)
{
	b->ptr[b->len - 1] ^= 0x01;
}

static int64_t item_int(const cbor_item_t *item)
{
	assert_true(cbor_isa_uint(item) || cbor_isa_negint(item));
	return cbor_isa_uint(item) ? (int64_t)cbor_get_int(item) : -1 - (int64_t)cbor_get_int(item);
}

/* The encoded key's members, by value: labels 1, 3, -1, -2[, -3] in that order. */
static void check_members(const wa_blob *enc, const alg_case *c)
{
	static const int64_t order[] = {1, 3, -1, -2, -3};
	struct cbor_load_result res;
	cbor_item_t *map = cbor_load(enc->ptr, enc->len, &res);
	struct cbor_pair *pairs;
	size_t want = c->kty == WA_COSE_KTY_EC2 ? 5 : 4;

	assert_non_null(map);
	assert_int_equal(res.read, enc->len);
	assert_true(cbor_isa_map(map));
	assert_int_equal(cbor_map_size(map), want);
	pairs = cbor_map_handle(map);
	for (size_t i = 0; i < want; i++)
		assert_int_equal(item_int(pairs[i].key), order[i]);
	assert_int_equal(item_int(pairs[0].value), c->kty);
	assert_int_equal(item_int(pairs[1].value), c->alg);
	if (c->kty == WA_COSE_KTY_RSA) {
		assert_int_equal(cbor_bytestring_length(pairs[2].value), 256);
		assert_int_equal(cbor_bytestring_length(pairs[3].value), 3); /* 65537 */
		assert_memory_equal(cbor_bytestring_handle(pairs[3].value), "\x01\x00\x01", 3);
	} else {
		assert_int_equal(item_int(pairs[2].value), c->crv);
		assert_true(cbor_isa_bytestring(pairs[3].value));
	}
	cbor_decref(&map);
}

/*
 * The exact bytes: CTAP2 canonical CBOR encodes every integer in its shortest
 * form, so kty 2 is 0x02 and ES256 (-7) is 0x26, as authenticators send them.
 */
static void test_encode_shortest_integers(void **state)
{
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(alg_cases) / sizeof(alg_cases[0]); i++) {
		const alg_case *c = &alg_cases[i];
		EVP_PKEY *k = strcmp(c->type, "RSA") == 0 ? rsa_key : keygen(c->type, c->curve);
		wa_blob enc = {0};
		size_t want_len = c->len ? c->len : c->prefix_len + 256 + 5;

		assert_int_equal(wa_cose_encode(k, c->alg, &enc), WA_OK);
		if (enc.len != want_len || memcmp(enc.ptr, c->prefix, c->prefix_len) != 0 ||
		    (c->len == 0 &&
		     memcmp(enc.ptr + enc.len - 5, "\x21\x43\x01\x00\x01", 5) != 0)) {
			print_error("%s: %zu bytes (want %zu), starting", wa_cose_alg_name(c->alg),
			            enc.len, want_len);
			for (size_t j = 0; j < c->prefix_len + 2 && j < enc.len; j++)
				print_error(" %02x", enc.ptr[j]);
			print_error("\n");
			bad++;
		}
		wa_blob_reset(&enc);
		if (k != rsa_key)
			EVP_PKEY_free(k);
	}
	assert_int_equal(bad, 0);
}

static void roundtrip(const alg_case *c)
{
	static const uint8_t msg[] = "authenticatorData || SHA-256(clientDataJSON)";
	EVP_PKEY *k = strcmp(c->type, "RSA") == 0 ? rsa_key : keygen(c->type, c->curve);
	EVP_PKEY *other = strcmp(c->type, "RSA") == 0 ? NULL : keygen(c->type, c->curve);
	wa_blob enc = {0}, sig = {0};
	wa_cose_key key;
	wa_err err;

	assert_int_equal(wa_cose_encode(k, c->alg, &enc), WA_OK);
	check_members(&enc, c);

	assert_int_equal(wa_cose_decode(enc.ptr, enc.len, &key), WA_OK);
	assert_int_equal(key.alg, c->alg);
	assert_int_equal(key.kty, c->kty);
	assert_int_equal(key.crv, c->crv);
	assert_true(wa_pkey_equal(key.pkey, k));
	if (other != NULL)
		assert_false(wa_pkey_equal(key.pkey, other));

	/* a signature made by OpenSSL verifies, through the decoded key and the original */
	sign(k, c->alg, msg, sizeof(msg), &sig);
	assert_int_equal(wa_cose_verify(&key, msg, sizeof(msg), sig.ptr, sig.len), WA_OK);
	assert_int_equal(wa_pkey_verify(k, c->alg, msg, sizeof(msg), sig.ptr, sig.len), WA_OK);
	/* the same message with one bit changed does not */
	{
		uint8_t m2[sizeof(msg)];
		memcpy(m2, msg, sizeof(msg));
		m2[0] ^= 0x80;
		assert_int_equal(wa_cose_verify(&key, m2, sizeof(m2), sig.ptr, sig.len),
		                 WA_ERR_SIG_INVALID);
	}
	/* a flipped signature (last byte: inside s for ECDSA DER, so still well-formed) */
	flip_last(&sig);
	assert_int_equal(wa_cose_verify(&key, msg, sizeof(msg), sig.ptr, sig.len),
	                 WA_ERR_SIG_INVALID);
	assert_int_equal(wa_pkey_verify(k, c->alg, msg, sizeof(msg), sig.ptr, sig.len),
	                 WA_ERR_SIG_INVALID);
	/* no signature at all */
	assert_int_equal(wa_cose_verify(&key, msg, sizeof(msg), sig.ptr, 0), WA_ERR_SIG_ENCODING);
	/* a truncated one never verifies */
	err = wa_cose_verify(&key, msg, sizeof(msg), sig.ptr, sig.len / 2);
	assert_true(err == WA_ERR_SIG_INVALID || err == WA_ERR_SIG_ENCODING);
	/* a valid signature by another key of the same type does not either */
	if (other != NULL) {
		sign(other, c->alg, msg, sizeof(msg), &sig);
		assert_int_equal(wa_cose_verify(&key, msg, sizeof(msg), sig.ptr, sig.len),
		                 WA_ERR_SIG_INVALID);
	}
	wa_cose_key_reset(&key);
	assert_null(key.pkey);
	wa_blob_reset(&sig);
	wa_blob_reset(&enc);
	if (k != rsa_key)
		EVP_PKEY_free(k);
	EVP_PKEY_free(other);
}

static void test_roundtrip(void **state)
{
	roundtrip(*state);
}

/* RS256 and PS256 are different paddings: a signature under one fails under the other. */
static void test_rsa_padding_distinct(void **state)
{
	static const uint8_t msg[] = "message";
	wa_blob pss = {0}, pkcs1 = {0};

	(void)state;
	sign(rsa_key, WA_COSE_PS256, msg, sizeof(msg), &pss);
	sign(rsa_key, WA_COSE_RS256, msg, sizeof(msg), &pkcs1);
	assert_int_equal(wa_pkey_verify(rsa_key, WA_COSE_PS256, msg, sizeof(msg), pss.ptr, pss.len),
	                 WA_OK);
	assert_int_equal(
	        wa_pkey_verify(rsa_key, WA_COSE_RS256, msg, sizeof(msg), pkcs1.ptr, pkcs1.len),
	        WA_OK);
	assert_int_not_equal(
	        wa_pkey_verify(rsa_key, WA_COSE_RS256, msg, sizeof(msg), pss.ptr, pss.len), WA_OK);
	assert_int_not_equal(
	        wa_pkey_verify(rsa_key, WA_COSE_PS256, msg, sizeof(msg), pkcs1.ptr, pkcs1.len),
	        WA_OK);
	/* RS384 uses SHA-384: the RS256 signature does not pass as RS384 */
	assert_int_not_equal(
	        wa_pkey_verify(rsa_key, WA_COSE_RS384, msg, sizeof(msg), pkcs1.ptr, pkcs1.len),
	        WA_OK);
	wa_blob_reset(&pss);
	wa_blob_reset(&pkcs1);
}

/*
 * EC coordinates are fixed-size: a P-256 x with a leading zero byte is still
 * 32 bytes in the key (keygen until one turns up, about 1 in 256), and a P-521
 * coordinate (521 bits) is 66 bytes even when its top byte is zero.
 */
static void left_pad(const char *curve, int64_t alg, size_t coord_len, bool want_y)
{
	uint8_t x[66], y[66];
	EVP_PKEY *k = NULL;
	wa_blob enc = {0};
	wa_cose_key key;
	struct cbor_load_result res;
	cbor_item_t *map, *v = NULL;
	int tries;

	for (tries = 0; tries < 20000; tries++) {
		k = keygen("EC", curve);
		bn_param(k, want_y ? OSSL_PKEY_PARAM_EC_PUB_Y : OSSL_PKEY_PARAM_EC_PUB_X, x,
		         coord_len);
		if (x[0] == 0)
			break;
		EVP_PKEY_free(k);
		k = NULL;
	}
	assert_non_null(k);
	bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, x, coord_len);
	bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, y, coord_len);
	assert_int_equal(wa_cose_encode(k, alg, &enc), WA_OK);

	map = cbor_load(enc.ptr, enc.len, &res);
	assert_non_null(map);
	assert_int_equal(res.read, enc.len);
	for (size_t i = 0; i < cbor_map_size(map); i++) {
		struct cbor_pair p = cbor_map_handle(map)[i];
		if (cbor_isa_negint(p.key) && cbor_get_int(p.key) == (want_y ? 2 : 1))
			v = p.value;
	}
	assert_non_null(v);
	assert_true(cbor_isa_bytestring(v));
	assert_int_equal(cbor_bytestring_length(v), coord_len);
	assert_int_equal(cbor_bytestring_handle(v)[0], 0);
	assert_memory_equal(cbor_bytestring_handle(v), want_y ? y : x, coord_len);
	cbor_decref(&map);

	assert_int_equal(wa_cose_decode(enc.ptr, enc.len, &key), WA_OK);
	assert_true(wa_pkey_equal(key.pkey, k));
	wa_cose_key_reset(&key);
	wa_blob_reset(&enc);
	EVP_PKEY_free(k);
}

static void test_left_pad_p256_x(void **state)
{
	(void)state;
	left_pad("P-256", WA_COSE_ES256, 32, false);
}

static void test_left_pad_p256_y(void **state)
{
	(void)state;
	left_pad("P-256", WA_COSE_ES256, 32, true);
}

static void test_left_pad_p521(void **state)
{
	(void)state;
	left_pad("P-521", WA_COSE_ES512, 66, false);
}

/* ---- decoder rejections ---- */

typedef struct ec_coords {
	uint8_t x[66], y[66];
} ec_coords;

static void coords(const char *curve, size_t len, ec_coords *c)
{
	EVP_PKEY *k = keygen("EC", curve);
	bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, c->x, len);
	bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, c->y, len);
	EVP_PKEY_free(k);
}

/* The baseline the rejections start from decodes. */
static void test_decode_baseline(void **state)
{
	ec_coords c;

	(void)state;
	coords("P-256", 32, &c);
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-7)}, {-1, cint(1)}, {-2, cbytes(c.x, 32)},
	                        {-3, cbytes(c.y, 32)}),
	                 WA_OK);
	/* unknown labels are fine where the order is canonical (kid 2, a private -4) */
	assert_int_equal(DECODE({1, cint(2)}, {2, cbytes(c.x, 4)}, {3, cint(-7)}, {-1, cint(1)},
	                        {-2, cbytes(c.x, 32)}, {-3, cbytes(c.y, 32)}, {-4, cint(0)}),
	                 WA_OK);
}

static void test_decode_not_map(void **state)
{
	static const uint8_t array[] = {0x82, 0x01, 0x02};
	static const uint8_t uint[] = {0x05};
	static const uint8_t bytes[] = {0x42, 0xa5, 0x01};
	static const uint8_t indefinite[] = {0xbf, 0x01, 0x02, 0x03, 0x26, 0xff};
	static const uint8_t truncated[] = {0xa5, 0x01, 0x02, 0x03};
	static const uint8_t trailing[] = {0xa0, 0x00};
	wa_cose_key key;
	ec_coords c;

	(void)state;
	assert_int_equal(wa_cose_decode(array, sizeof(array), &key), WA_ERR_COSE_MALFORMED);
	assert_int_equal(wa_cose_decode(uint, sizeof(uint), &key), WA_ERR_COSE_MALFORMED);
	assert_int_equal(wa_cose_decode(bytes, sizeof(bytes), &key), WA_ERR_COSE_MALFORMED);
	assert_int_equal(wa_cose_decode(indefinite, sizeof(indefinite), &key),
	                 WA_ERR_COSE_MALFORMED);
	assert_int_equal(wa_cose_decode(truncated, sizeof(truncated), &key), WA_ERR_COSE_MALFORMED);
	assert_int_equal(wa_cose_decode(trailing, sizeof(trailing), &key), WA_ERR_COSE_MALFORMED);
	assert_int_equal(wa_cose_decode(trailing, 0, &key), WA_ERR_COSE_MALFORMED);
	assert_null(key.pkey);
	/* a text label */
	coords("P-256", 32, &c);
	{
		cbor_item_t *map = cbor_new_definite_map(2), *k1 = cbor_build_string("kty"),
		            *v1 = cint(2);
		unsigned char *buf = NULL;
		size_t cap = 0, len;
		cbor_map_add(map, (struct cbor_pair){.key = k1, .value = v1});
		cbor_decref(&k1);
		cbor_decref(&v1);
		len = cbor_serialize_alloc(map, &buf, &cap);
		assert_int_equal(wa_cose_decode(buf, len, &key), WA_ERR_COSE_MALFORMED);
		free(buf);
		cbor_decref(&map);
	}
}

static void test_decode_duplicate(void **state)
{
	ec_coords c;

	(void)state;
	coords("P-256", 32, &c);
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-7)}, {3, cint(-7)}, {-1, cint(1)},
	                        {-2, cbytes(c.x, 32)}, {-3, cbytes(c.y, 32)}),
	                 WA_ERR_COSE_DUPLICATE);
	/* a duplicate with a different value, not adjacent */
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-7)}, {-1, cint(1)}, {-2, cbytes(c.x, 32)},
	                        {-3, cbytes(c.y, 32)}, {1, cint(3)}),
	                 WA_ERR_COSE_DUPLICATE);
}

static void test_decode_not_canonical(void **state)
{
	ec_coords c;

	(void)state;
	coords("P-256", 32, &c);
	assert_int_equal(DECODE({3, cint(-7)}, {1, cint(2)}, {-1, cint(1)}, {-2, cbytes(c.x, 32)},
	                        {-3, cbytes(c.y, 32)}),
	                 WA_ERR_COSE_NOT_CANONICAL);
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-7)}, {-2, cbytes(c.x, 32)}, {-1, cint(1)},
	                        {-3, cbytes(c.y, 32)}),
	                 WA_ERR_COSE_NOT_CANONICAL);
	/* negative labels before positive ones (sorted as integers, not as encodings) */
	assert_int_equal(DECODE({-3, cbytes(c.y, 32)}, {-2, cbytes(c.x, 32)}, {-1, cint(1)},
	                        {1, cint(2)}, {3, cint(-7)}),
	                 WA_ERR_COSE_NOT_CANONICAL);
	/* a two-byte label (24) sorts after every one-byte label, -3 included */
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-7)}, {24, cint(0)}, {-1, cint(1)},
	                        {-2, cbytes(c.x, 32)}, {-3, cbytes(c.y, 32)}),
	                 WA_ERR_COSE_NOT_CANONICAL);
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-7)}, {-1, cint(1)}, {-2, cbytes(c.x, 32)},
	                        {-3, cbytes(c.y, 32)}, {24, cint(0)}),
	                 WA_OK);
}

static void test_decode_alg(void **state)
{
	ec_coords c;

	(void)state;
	coords("P-256", 32, &c);
	assert_int_equal(
	        DECODE({1, cint(2)}, {-1, cint(1)}, {-2, cbytes(c.x, 32)}, {-3, cbytes(c.y, 32)}),
	        WA_ERR_COSE_ALG_MISSING);
	assert_int_equal(DECODE({1, cint(2)}, {3, cbor_build_string("ES256")}, {-1, cint(1)},
	                        {-2, cbytes(c.x, 32)}, {-3, cbytes(c.y, 32)}),
	                 WA_ERR_COSE_ALG_MISSING);
	/* ES256K (-47), A128GCM (1) and 0 are not signature algorithms we take */
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-47)}, {-1, cint(1)}, {-2, cbytes(c.x, 32)},
	                        {-3, cbytes(c.y, 32)}),
	                 WA_ERR_COSE_ALG_UNSUPPORTED);
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(1)}, {-1, cint(1)}, {-2, cbytes(c.x, 32)},
	                        {-3, cbytes(c.y, 32)}),
	                 WA_ERR_COSE_ALG_UNSUPPORTED);
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(0)}, {-1, cint(1)}, {-2, cbytes(c.x, 32)},
	                        {-3, cbytes(c.y, 32)}),
	                 WA_ERR_COSE_ALG_UNSUPPORTED);
}

static void test_decode_kty(void **state)
{
	ec_coords c;

	(void)state;
	coords("P-256", 32, &c);
	/* RSA kty with an ECDSA alg, OKP kty with ECDSA, EC2 kty with RS256, no kty at all */
	assert_int_equal(DECODE({1, cint(3)}, {3, cint(-7)}, {-1, cint(1)}, {-2, cbytes(c.x, 32)},
	                        {-3, cbytes(c.y, 32)}),
	                 WA_ERR_COSE_KTY);
	assert_int_equal(DECODE({1, cint(1)}, {3, cint(-7)}, {-1, cint(1)}, {-2, cbytes(c.x, 32)},
	                        {-3, cbytes(c.y, 32)}),
	                 WA_ERR_COSE_KTY);
	assert_int_equal(
	        DECODE({1, cint(2)}, {3, cint(-257)}, {-1, cbytes(c.x, 32)}, {-2, cbytes(c.y, 3)}),
	        WA_ERR_COSE_KTY);
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-8)}, {-1, cint(6)}, {-2, cbytes(c.x, 32)}),
	                 WA_ERR_COSE_KTY);
	assert_int_equal(
	        DECODE({3, cint(-7)}, {-1, cint(1)}, {-2, cbytes(c.x, 32)}, {-3, cbytes(c.y, 32)}),
	        WA_ERR_COSE_KTY);
}

static void test_decode_curve(void **state)
{
	ec_coords c, c384;

	(void)state;
	coords("P-256", 32, &c);
	coords("P-384", 48, &c384);
	/* ES256 on P-384 (with P-384 coordinates), ES384 on P-256, ES512 on P-256 */
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-7)}, {-1, cint(2)},
	                        {-2, cbytes(c384.x, 48)}, {-3, cbytes(c384.y, 48)}),
	                 WA_ERR_COSE_CURVE);
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-35)}, {-1, cint(1)}, {-2, cbytes(c.x, 32)},
	                        {-3, cbytes(c.y, 32)}),
	                 WA_ERR_COSE_CURVE);
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-36)}, {-1, cint(1)}, {-2, cbytes(c.x, 32)},
	                        {-3, cbytes(c.y, 32)}),
	                 WA_ERR_COSE_CURVE);
	/* no curve, a text curve, an OKP curve on EC2 */
	assert_int_equal(
	        DECODE({1, cint(2)}, {3, cint(-7)}, {-2, cbytes(c.x, 32)}, {-3, cbytes(c.y, 32)}),
	        WA_ERR_COSE_CURVE);
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-7)}, {-1, cbor_build_string("P-256")},
	                        {-2, cbytes(c.x, 32)}, {-3, cbytes(c.y, 32)}),
	                 WA_ERR_COSE_CURVE);
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-7)}, {-1, cint(6)}, {-2, cbytes(c.x, 32)},
	                        {-3, cbytes(c.y, 32)}),
	                 WA_ERR_COSE_CURVE);
	/* OKP: EdDSA on P-256 or X25519 (4); the fully specified ids name one curve each */
	assert_int_equal(DECODE({1, cint(1)}, {3, cint(-8)}, {-1, cint(1)}, {-2, cbytes(c.x, 32)}),
	                 WA_ERR_COSE_CURVE);
	assert_int_equal(DECODE({1, cint(1)}, {3, cint(-8)}, {-1, cint(4)}, {-2, cbytes(c.x, 32)}),
	                 WA_ERR_COSE_CURVE);
	assert_int_equal(DECODE({1, cint(1)}, {3, cint(-53)}, {-1, cint(6)}, {-2, cbytes(c.x, 32)}),
	                 WA_ERR_COSE_CURVE);
	assert_int_equal(
	        DECODE({1, cint(1)}, {3, cint(-19)}, {-1, cint(7)}, {-2, cbytes(c384.x, 48)}),
	        WA_ERR_COSE_CURVE);
}

static void test_decode_coord(void **state)
{
	ec_coords c;
	uint8_t big[67] = {0};

	(void)state;
	coords("P-256", 32, &c);
	memcpy(big + 1, c.x, 32);
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-7)}, {-1, cint(1)}, {-2, cbytes(c.x, 31)},
	                        {-3, cbytes(c.y, 32)}),
	                 WA_ERR_COSE_COORD);
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-7)}, {-1, cint(1)},
	                        {-2, cbytes(c.x + 1, 31)}, {-3, cbytes(c.y, 32)}),
	                 WA_ERR_COSE_COORD);
	/* 33 bytes: x with a zero byte in front (the same number, not the field size) */
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-7)}, {-1, cint(1)}, {-2, cbytes(big, 33)},
	                        {-3, cbytes(c.y, 32)}),
	                 WA_ERR_COSE_COORD);
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-7)}, {-1, cint(1)}, {-2, cbytes(c.x, 32)},
	                        {-3, cbytes(c.y, 0)}),
	                 WA_ERR_COSE_COORD);
	/* missing y (compressed form is not accepted), x as text */
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-7)}, {-1, cint(1)}, {-2, cbytes(c.x, 32)}),
	                 WA_ERR_COSE_COORD);
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-7)}, {-1, cint(1)},
	                        {-2, cbor_build_string("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")},
	                        {-3, cbytes(c.y, 32)}),
	                 WA_ERR_COSE_COORD);
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-7)}, {-1, cint(1)}, {-2, cbytes(c.x, 32)},
	                        {-3, cbor_build_bool(true)}),
	                 WA_ERR_COSE_COORD);
	/* OKP x lengths: 31 and 33 for Ed25519, 32 for Ed448 */
	assert_int_equal(DECODE({1, cint(1)}, {3, cint(-8)}, {-1, cint(6)}, {-2, cbytes(c.x, 31)}),
	                 WA_ERR_COSE_COORD);
	assert_int_equal(DECODE({1, cint(1)}, {3, cint(-8)}, {-1, cint(6)}, {-2, cbytes(big, 33)}),
	                 WA_ERR_COSE_COORD);
	assert_int_equal(DECODE({1, cint(1)}, {3, cint(-8)}, {-1, cint(7)}, {-2, cbytes(c.x, 32)}),
	                 WA_ERR_COSE_COORD);
	assert_int_equal(DECODE({1, cint(1)}, {3, cint(-8)}, {-1, cint(6)}), WA_ERR_COSE_COORD);
}

static void test_decode_point(void **state)
{
	ec_coords c;
	uint8_t zero[66] = {0}, ones[66];

	(void)state;
	memset(ones, 0xff, sizeof(ones));
	coords("P-256", 32, &c);
	c.y[31] ^= 0x01;
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-7)}, {-1, cint(1)}, {-2, cbytes(c.x, 32)},
	                        {-3, cbytes(c.y, 32)}),
	                 WA_ERR_COSE_POINT);
	/* the point at infinity has no affine form; (0, 0) is not on P-256 */
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-7)}, {-1, cint(1)}, {-2, cbytes(zero, 32)},
	                        {-3, cbytes(zero, 32)}),
	                 WA_ERR_COSE_POINT);
	/* coordinates not below the field prime */
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-7)}, {-1, cint(1)}, {-2, cbytes(ones, 32)},
	                        {-3, cbytes(ones, 32)}),
	                 WA_ERR_COSE_POINT);
	coords("P-384", 48, &c);
	c.x[0] ^= 0x40;
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-35)}, {-1, cint(2)}, {-2, cbytes(c.x, 48)},
	                        {-3, cbytes(c.y, 48)}),
	                 WA_ERR_COSE_POINT);
	coords("P-521", 66, &c);
	c.y[65] ^= 0x01;
	assert_int_equal(DECODE({1, cint(2)}, {3, cint(-36)}, {-1, cint(3)}, {-2, cbytes(c.x, 66)},
	                        {-3, cbytes(c.y, 66)}),
	                 WA_ERR_COSE_POINT);
}

static void test_decode_rsa(void **state)
{
	uint8_t n[1100], e[8];
	size_t nlen = bn_param(rsa_key, OSSL_PKEY_PARAM_RSA_N, n, 0);
	size_t elen = bn_param(rsa_key, OSSL_PKEY_PARAM_RSA_E, e, 0);
	uint8_t even[1100], padded[1100], two[1] = {2}, one[1] = {1};

	(void)state;
	assert_int_equal(nlen, 256);
	assert_int_equal(
	        DECODE({1, cint(3)}, {3, cint(-257)}, {-1, cbytes(n, nlen)}, {-2, cbytes(e, elen)}),
	        WA_OK);
	memcpy(even, n, nlen);
	even[nlen - 1] &= 0xfe;
	assert_int_equal(DECODE({1, cint(3)}, {3, cint(-257)}, {-1, cbytes(even, nlen)},
	                        {-2, cbytes(e, elen)}),
	                 WA_ERR_COSE_RSA);
	/* a modulus with a leading zero byte, too short (1016 bits), too long (8200 bits) */
	padded[0] = 0;
	memcpy(padded + 1, n, nlen);
	assert_int_equal(DECODE({1, cint(3)}, {3, cint(-257)}, {-1, cbytes(padded, nlen + 1)},
	                        {-2, cbytes(e, elen)}),
	                 WA_ERR_COSE_RSA);
	assert_int_equal(
	        DECODE({1, cint(3)}, {3, cint(-257)}, {-1, cbytes(n, 127)}, {-2, cbytes(e, elen)}),
	        WA_ERR_COSE_RSA);
	memset(padded, 0xff, sizeof(padded));
	assert_int_equal(DECODE({1, cint(3)}, {3, cint(-257)}, {-1, cbytes(padded, 1025)},
	                        {-2, cbytes(e, elen)}),
	                 WA_ERR_COSE_RSA);
	/* exponents 1 and 2, none, empty, as an integer instead of bytes */
	assert_int_equal(
	        DECODE({1, cint(3)}, {3, cint(-257)}, {-1, cbytes(n, nlen)}, {-2, cbytes(one, 1)}),
	        WA_ERR_COSE_RSA);
	assert_int_equal(
	        DECODE({1, cint(3)}, {3, cint(-257)}, {-1, cbytes(n, nlen)}, {-2, cbytes(two, 1)}),
	        WA_ERR_COSE_RSA);
	assert_int_equal(DECODE({1, cint(3)}, {3, cint(-257)}, {-1, cbytes(n, nlen)}),
	                 WA_ERR_COSE_RSA);
	assert_int_equal(
	        DECODE({1, cint(3)}, {3, cint(-257)}, {-1, cbytes(n, nlen)}, {-2, cbytes(e, 0)}),
	        WA_ERR_COSE_RSA);
	assert_int_equal(
	        DECODE({1, cint(3)}, {3, cint(-257)}, {-1, cbytes(n, nlen)}, {-2, cint(65537)}),
	        WA_ERR_COSE_RSA);
	assert_int_equal(DECODE({1, cint(3)}, {3, cint(-257)}, {-2, cbytes(e, elen)}),
	                 WA_ERR_COSE_RSA);
}

/* ---- encode refusals and wa_pkey_verify's fit check ---- */

static void test_encode_mismatch(void **state)
{
	EVP_PKEY *p256 = keygen("EC", "P-256"), *p384 = keygen("EC", "P-384"),
	         *ed25519 = keygen("ED25519", NULL);
	wa_blob out = {0};

	(void)state;
	assert_int_equal(wa_cose_encode(p384, WA_COSE_ES256, &out), WA_ERR_COSE_CURVE);
	assert_int_equal(wa_cose_encode(p256, WA_COSE_ES384, &out), WA_ERR_COSE_CURVE);
	assert_int_equal(wa_cose_encode(ed25519, WA_COSE_ED448, &out), WA_ERR_COSE_CURVE);
	assert_int_equal(wa_cose_encode(rsa_key, WA_COSE_ES256, &out), WA_ERR_COSE_KTY);
	assert_int_equal(wa_cose_encode(p256, WA_COSE_RS256, &out), WA_ERR_COSE_KTY);
	assert_int_equal(wa_cose_encode(p256, WA_COSE_EDDSA, &out), WA_ERR_COSE_KTY);
	assert_int_equal(wa_cose_encode(p256, -47, &out), WA_ERR_COSE_ALG_UNSUPPORTED);
	assert_null(out.ptr);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(ed25519);
}

static void test_pkey_verify_fit(void **state)
{
	static const uint8_t msg[] = "msg";
	EVP_PKEY *p256 = keygen("EC", "P-256"), *p384 = keygen("EC", "P-384"),
	         *ed25519 = keygen("ED25519", NULL), *ed448 = keygen("ED448", NULL);
	wa_blob sig = {0};
	wa_cose_key none = {0};

	(void)state;
	sign(p256, WA_COSE_ES256, msg, sizeof(msg), &sig);
	assert_int_equal(wa_pkey_verify(p256, WA_COSE_ES256, msg, sizeof(msg), sig.ptr, sig.len),
	                 WA_OK);
	/* ES256 with an RSA key, with a P-384 key; ES384 with the P-256 key */
	assert_int_equal(wa_pkey_verify(rsa_key, WA_COSE_ES256, msg, sizeof(msg), sig.ptr, sig.len),
	                 WA_ERR_ARG);
	assert_int_equal(wa_pkey_verify(p384, WA_COSE_ES256, msg, sizeof(msg), sig.ptr, sig.len),
	                 WA_ERR_ARG);
	assert_int_equal(wa_pkey_verify(p256, WA_COSE_ES384, msg, sizeof(msg), sig.ptr, sig.len),
	                 WA_ERR_ARG);
	/* EdDSA with an EC key; the fully specified ids with the other curve */
	assert_int_equal(wa_pkey_verify(p256, WA_COSE_EDDSA, msg, sizeof(msg), sig.ptr, sig.len),
	                 WA_ERR_ARG);
	assert_int_equal(wa_pkey_verify(ed25519, WA_COSE_ED448, msg, sizeof(msg), sig.ptr, sig.len),
	                 WA_ERR_ARG);
	assert_int_equal(wa_pkey_verify(ed448, WA_COSE_ED25519, msg, sizeof(msg), sig.ptr, sig.len),
	                 WA_ERR_ARG);
	/* RSA algorithms with EC and Ed keys */
	assert_int_equal(wa_pkey_verify(p256, WA_COSE_RS256, msg, sizeof(msg), sig.ptr, sig.len),
	                 WA_ERR_ARG);
	assert_int_equal(wa_pkey_verify(ed25519, WA_COSE_PS256, msg, sizeof(msg), sig.ptr, sig.len),
	                 WA_ERR_ARG);
	/* unknown algorithm, no key */
	assert_int_equal(wa_pkey_verify(p256, -47, msg, sizeof(msg), sig.ptr, sig.len), WA_ERR_ARG);
	assert_int_equal(wa_pkey_verify(NULL, WA_COSE_ES256, msg, sizeof(msg), sig.ptr, sig.len),
	                 WA_ERR_ARG);
	assert_int_equal(wa_cose_verify(&none, msg, sizeof(msg), sig.ptr, sig.len), WA_ERR_ARG);
	wa_blob_reset(&sig);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(ed25519);
	EVP_PKEY_free(ed448);
}

static void test_alg_table(void **state)
{
	(void)state;
	assert_string_equal(wa_cose_alg_name(WA_COSE_ES256), "ES256");
	assert_string_equal(wa_cose_alg_name(WA_COSE_ED448), "Ed448");
	assert_string_equal(wa_cose_alg_name(-47), "unknown");
	assert_true(wa_cose_alg_supported(WA_COSE_PS256));
	assert_false(wa_cose_alg_supported(-47));
	assert_ptr_equal(wa_cose_alg_md(WA_COSE_ES384), EVP_sha384());
	assert_ptr_equal(wa_cose_alg_md(WA_COSE_PS256), EVP_sha256());
	assert_ptr_equal(wa_cose_alg_md(WA_COSE_RS512), EVP_sha512());
	assert_null(wa_cose_alg_md(WA_COSE_EDDSA));
	assert_null(wa_cose_alg_md(WA_COSE_ED448));
	assert_false(wa_pkey_equal(NULL, rsa_key));
}

static int setup(void **state)
{
	(void)state;
	rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	return rsa_key == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(rsa_key);
	return 0;
}

static const char *case_name(const alg_case *c)
{
	static char names[sizeof(alg_cases) / sizeof(alg_cases[0])][48];
	size_t i = (size_t)(c - alg_cases);

	snprintf(names[i], sizeof(names[i]), "roundtrip_%s_%s", wa_cose_alg_name(c->alg),
	         c->curve ? c->curve : c->type);
	return names[i];
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
	        cmocka_unit_test(test_encode_shortest_integers),
	        cmocka_unit_test(test_rsa_padding_distinct),
	        cmocka_unit_test(test_left_pad_p256_x),
	        cmocka_unit_test(test_left_pad_p256_y),
	        cmocka_unit_test(test_left_pad_p521),
	        cmocka_unit_test(test_decode_baseline),
	        cmocka_unit_test(test_decode_not_map),
	        cmocka_unit_test(test_decode_duplicate),
	        cmocka_unit_test(test_decode_not_canonical),
	        cmocka_unit_test(test_decode_alg),
	        cmocka_unit_test(test_decode_kty),
	        cmocka_unit_test(test_decode_curve),
	        cmocka_unit_test(test_decode_coord),
	        cmocka_unit_test(test_decode_point),
	        cmocka_unit_test(test_decode_rsa),
	        cmocka_unit_test(test_encode_mismatch),
	        cmocka_unit_test(test_pkey_verify_fit),
	        cmocka_unit_test(test_alg_table),
	};
	enum {
		N_ALG = sizeof(alg_cases) / sizeof(alg_cases[0]),
		N_FIXED = sizeof(fixed) / sizeof(fixed[0])
	};
	struct CMUnitTest tests[N_ALG + N_FIXED];

	for (size_t i = 0; i < N_ALG; i++)
		tests[i] = (struct CMUnitTest){.name = case_name(&alg_cases[i]),
		                               .test_func = test_roundtrip,
		                               .initial_state = (void *)&alg_cases[i]};
	for (size_t i = 0; i < N_FIXED; i++)
		tests[N_ALG + i] = fixed[i];
	return _cmocka_run_group_tests("cose", tests, N_ALG + N_FIXED, setup, teardown);
}
