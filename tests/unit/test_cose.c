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
#include <time.h>

#include <cbor.h>
#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include "webauthn/arraylen.h"
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

	/* which signature, verified as which algorithm, verifies; RS384 uses SHA-384: the RS256
	 * signature does not pass as RS384 */
	const struct {
		const wa_blob *sig;
		int64_t alg;
		bool ok;
	} cases[] = {
	        {&pss, WA_COSE_PS256, true},    {&pkcs1, WA_COSE_RS256, true},
	        {&pss, WA_COSE_RS256, false},   {&pkcs1, WA_COSE_PS256, false},
	        {&pkcs1, WA_COSE_RS384, false},
	};

	(void)state;
	sign(rsa_key, WA_COSE_PS256, msg, sizeof(msg), &pss);
	sign(rsa_key, WA_COSE_RS256, msg, sizeof(msg), &pkcs1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if ((wa_pkey_verify(rsa_key, cases[i].alg, msg, sizeof(msg), cases[i].sig->ptr,
		                    cases[i].sig->len) == WA_OK) != cases[i].ok)
			fail_msg("the %s signature as %s: %s",
			         cases[i].sig == &pss ? "PSS" : "PKCS#1",
			         wa_cose_alg_name(cases[i].alg),
			         cases[i].ok ? "refused" : "accepted");
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

/*
 * The rejection cases are data: a COSE map written as text, its members in the order given
 * ("1:2 3:-7 -1:1 -2:x -3:y"), and the error it decodes to. A member's value is an integer, a
 * byte string taken from a named source ("x", its first n bytes "x/31", from an offset on
 * "x+1/31"), a text string ("'ES256'") or "true".
 */
typedef struct source {
	const char *name;
	const uint8_t *bytes;
	size_t len;
} source;

typedef struct decode_case {
	const char *map;
	wa_err want;
} decode_case;

static cbor_item_t *spec_value(const char *v, size_t n, const source *src, size_t n_src)
{
	char name[32];
	size_t off = 0, len, k = strcspn(v, "+/");

	if (v[0] == '\'')
		return cbor_build_stringn(v + 1, n - 2);
	if (n == 4 && strncmp(v, "true", 4) == 0)
		return cbor_build_bool(true);
	if (v[0] == '-' || (v[0] >= '0' && v[0] <= '9'))
		return cint(strtoll(v, NULL, 10));
	if (k > n)
		k = n;
	snprintf(name, sizeof(name), "%.*s", (int)k, v);
	if (k < n && v[k] == '+')
		off = strtoul(v + k + 1, NULL, 10);
	for (size_t i = 0; i < n_src; i++) {
		if (strcmp(src[i].name, name) != 0)
			continue;
		len = src[i].len - off;
		if (memchr(v, '/', n) != NULL)
			len = strtoul((const char *)memchr(v, '/', n) + 1, NULL, 10);
		assert_true(off + len <= src[i].len);
		return cbytes(src[i].bytes + off, len);
	}
	fail_msg("no source \"%s\"", name);
	return NULL;
}

static wa_err decode_spec(const char *map, const source *src, size_t n_src)
{
	entry e[16];
	size_t n = 0;

	for (const char *p = map; *p != '\0';) {
		const char *colon = strchr(p, ':'), *end;

		assert_non_null(colon);
		assert_true(n < sizeof(e) / sizeof(e[0]));
		end = colon[1] == '\'' ? strchr(colon + 2, '\'') + 1 : colon + strcspn(colon, " ");
		e[n].label = strtoll(p, NULL, 10);
		e[n].value = spec_value(colon + 1, (size_t)(end - colon - 1), src, n_src);
		n++;
		p = end + strspn(end, " ");
	}
	return decode_map(e, n);
}

static void expect_decodes(const decode_case *cases, size_t n, const source *src, size_t n_src)
{
	for (size_t i = 0; i < n; i++) {
		wa_err got = decode_spec(cases[i].map, src, n_src);
		if (got != cases[i].want)
			fail_msg("{%s}: %s, expected %s", cases[i].map, wa_errname(got),
			         wa_errname(cases[i].want));
	}
}

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
static const decode_case decode_baseline[] = {
        {"1:2 3:-7 -1:1 -2:x -3:y", WA_OK},
        /* unknown labels are fine where the order is canonical (kid 2, a private -4) */
        {"1:2 2:x/4 3:-7 -1:1 -2:x -3:y -4:0", WA_OK},
};

static const decode_case decode_duplicate[] = {
        {"1:2 3:-7 3:-7 -1:1 -2:x -3:y", WA_ERR_COSE_DUPLICATE},
        /* a duplicate with a different value, not adjacent */
        {"1:2 3:-7 -1:1 -2:x -3:y 1:3", WA_ERR_COSE_DUPLICATE},
};

static const decode_case decode_not_canonical[] = {
        {"3:-7 1:2 -1:1 -2:x -3:y", WA_ERR_COSE_NOT_CANONICAL},
        {"1:2 3:-7 -2:x -1:1 -3:y", WA_ERR_COSE_NOT_CANONICAL},
        /* negative labels before positive ones (sorted as integers, not as encodings) */
        {"-3:y -2:x -1:1 1:2 3:-7", WA_ERR_COSE_NOT_CANONICAL},
        /* a two-byte label (24) sorts after every one-byte label, -3 included */
        {"1:2 3:-7 24:0 -1:1 -2:x -3:y", WA_ERR_COSE_NOT_CANONICAL},
        {"1:2 3:-7 -1:1 -2:x -3:y 24:0", WA_OK},
};

static const decode_case decode_alg[] = {
        {"1:2 -1:1 -2:x -3:y", WA_ERR_COSE_ALG_MISSING},
        {"1:2 3:'ES256' -1:1 -2:x -3:y", WA_ERR_COSE_ALG_MISSING},
        /* ES256K (-47), A128GCM (1) and 0 are not signature algorithms we take */
        {"1:2 3:-47 -1:1 -2:x -3:y", WA_ERR_COSE_ALG_UNSUPPORTED},
        {"1:2 3:1 -1:1 -2:x -3:y", WA_ERR_COSE_ALG_UNSUPPORTED},
        {"1:2 3:0 -1:1 -2:x -3:y", WA_ERR_COSE_ALG_UNSUPPORTED},
};

/* RSA kty with an ECDSA alg, OKP kty with ECDSA, EC2 kty with RS256 and EdDSA, no kty */
static const decode_case decode_kty[] = {
        {"1:3 3:-7 -1:1 -2:x -3:y", WA_ERR_COSE_KTY}, {"1:1 3:-7 -1:1 -2:x -3:y", WA_ERR_COSE_KTY},
        {"1:2 3:-257 -1:x -2:y/3", WA_ERR_COSE_KTY},  {"1:2 3:-8 -1:6 -2:x", WA_ERR_COSE_KTY},
        {"3:-7 -1:1 -2:x -3:y", WA_ERR_COSE_KTY},
};

static const decode_case decode_curve[] = {
        /* ES256 on P-384 (with P-384 coordinates), ES384 on P-256, ES512 on P-256 */
        {"1:2 3:-7 -1:2 -2:x384 -3:y384", WA_ERR_COSE_CURVE},
        {"1:2 3:-35 -1:1 -2:x -3:y", WA_ERR_COSE_CURVE},
        {"1:2 3:-36 -1:1 -2:x -3:y", WA_ERR_COSE_CURVE},
        /* no curve, a text curve, an OKP curve on EC2 */
        {"1:2 3:-7 -2:x -3:y", WA_ERR_COSE_CURVE},
        {"1:2 3:-7 -1:'P-256' -2:x -3:y", WA_ERR_COSE_CURVE},
        {"1:2 3:-7 -1:6 -2:x -3:y", WA_ERR_COSE_CURVE},
        /* OKP: EdDSA on P-256 or X25519 (4); the fully specified ids name one curve each */
        {"1:1 3:-8 -1:1 -2:x", WA_ERR_COSE_CURVE},
        {"1:1 3:-8 -1:4 -2:x", WA_ERR_COSE_CURVE},
        {"1:1 3:-53 -1:6 -2:x", WA_ERR_COSE_CURVE},
        {"1:1 3:-19 -1:7 -2:x384", WA_ERR_COSE_CURVE},
};

static const decode_case decode_coord[] = {
        {"1:2 3:-7 -1:1 -2:x/31 -3:y", WA_ERR_COSE_COORD},
        {"1:2 3:-7 -1:1 -2:x+1/31 -3:y", WA_ERR_COSE_COORD},
        /* 33 bytes: x with a zero byte in front (the same number, not the field size) */
        {"1:2 3:-7 -1:1 -2:big -3:y", WA_ERR_COSE_COORD},
        {"1:2 3:-7 -1:1 -2:x -3:y/0", WA_ERR_COSE_COORD},
        /* missing y (compressed form is not accepted), x as text, y as a boolean */
        {"1:2 3:-7 -1:1 -2:x", WA_ERR_COSE_COORD},
        {"1:2 3:-7 -1:1 -2:'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' -3:y", WA_ERR_COSE_COORD},
        {"1:2 3:-7 -1:1 -2:x -3:true", WA_ERR_COSE_COORD},
        /* OKP x lengths: 31 and 33 for Ed25519, 32 for Ed448, none */
        {"1:1 3:-8 -1:6 -2:x/31", WA_ERR_COSE_COORD},
        {"1:1 3:-8 -1:6 -2:big", WA_ERR_COSE_COORD},
        {"1:1 3:-8 -1:7 -2:x", WA_ERR_COSE_COORD},
        {"1:1 3:-8 -1:6", WA_ERR_COSE_COORD},
};

static const decode_case decode_point[] = {
        /* y with its last bit flipped */
        {"1:2 3:-7 -1:1 -2:x -3:yflip", WA_ERR_COSE_POINT},
        /* the point at infinity has no affine form; (0, 0) is not on P-256 */
        {"1:2 3:-7 -1:1 -2:zero -3:zero", WA_ERR_COSE_POINT},
        /* coordinates not below the field prime; a P-521 point's x plus the prime, the same
         * point modulo the prime */
        {"1:2 3:-7 -1:1 -2:ones -3:ones", WA_ERR_COSE_POINT},
        {"1:2 3:-36 -1:3 -2:x521p -3:y521", WA_ERR_COSE_POINT},
        /* P-384 with a bit of x flipped, P-521 with the last bit of y flipped */
        {"1:2 3:-35 -1:2 -2:x384flip -3:y384", WA_ERR_COSE_POINT},
        {"1:2 3:-36 -1:3 -2:x521 -3:y521flip", WA_ERR_COSE_POINT},
};

static const decode_case decode_rsa[] = {
        {"1:3 3:-257 -1:n -2:e", WA_OK},
        /* an even modulus */
        {"1:3 3:-257 -1:even -2:e", WA_ERR_COSE_RSA},
        /* a modulus with a leading zero byte, too short (1016 bits), too long (8200 bits) */
        {"1:3 3:-257 -1:padded -2:e", WA_ERR_COSE_RSA},
        {"1:3 3:-257 -1:n/127 -2:e", WA_ERR_COSE_RSA},
        {"1:3 3:-257 -1:ones1025 -2:e", WA_ERR_COSE_RSA},
        /* exponents 1 and 2, none, empty, as an integer instead of bytes; no modulus */
        {"1:3 3:-257 -1:n -2:one", WA_ERR_COSE_RSA},
        {"1:3 3:-257 -1:n -2:two", WA_ERR_COSE_RSA},
        {"1:3 3:-257 -1:n", WA_ERR_COSE_RSA},
        {"1:3 3:-257 -1:n -2:e/0", WA_ERR_COSE_RSA},
        {"1:3 3:-257 -1:n -2:65537", WA_ERR_COSE_RSA},
        {"1:3 3:-257 -2:e", WA_ERR_COSE_RSA},
};

/* The named byte strings every case may take bytes from: fresh P-256, P-384 and P-521 points
 * (x, y; x384, y384; x521, y521), the same with a bit flipped off the curve (yflip, x384flip,
 * y521flip), x521 plus P-521's prime (x521p), x after a zero byte (big), zeros and 0xff bytes, the
 * RSA key's modulus and exponent (n, e), n made even (even), after a zero byte (padded), 1025 bytes
 * of 0xff (ones1025), the exponents 1 and 2 (one, two). */
typedef struct sources {
	ec_coords p256, p384, p521;
	uint8_t yflip[32], x384flip[48], y521flip[66], x521p[66], big[33], zero[32], ones[32];
	uint8_t n[1100], e[8], even[1100], padded[1100], ones1025[1025], one[1], two[1];
	size_t nlen, elen;
	source list[24];
	size_t count;
} sources;

static void add_source(sources *s, const char *name, const uint8_t *bytes, size_t len)
{
	assert_true(s->count < sizeof(s->list) / sizeof(s->list[0]));
	s->list[s->count++] = (source){name, bytes, len};
}

/* x + p for P-521 (p = 2^521 - 1): the same x modulo p, in 66 bytes, yet not below p. */
static void x_plus_prime_521(const uint8_t x[66], uint8_t out[66])
{
	BIGNUM *v = BN_bin2bn(x, 66, NULL), *p = BN_new();

	assert_true(v != NULL && p != NULL && BN_set_bit(p, 521) && BN_sub_word(p, 1) &&
	            BN_add(v, v, p) && BN_bn2binpad(v, out, 66) == 66);
	BN_free(v);
	BN_free(p);
}

static void make_sources(sources *s)
{
	memset(s, 0, sizeof(*s));
	coords("P-256", 32, &s->p256);
	coords("P-384", 48, &s->p384);
	coords("P-521", 66, &s->p521);
	memcpy(s->yflip, s->p256.y, 32);
	s->yflip[31] ^= 0x01;
	memcpy(s->x384flip, s->p384.x, 48);
	s->x384flip[0] ^= 0x40;
	memcpy(s->y521flip, s->p521.y, 66);
	s->y521flip[65] ^= 0x01;
	x_plus_prime_521(s->p521.x, s->x521p);
	memcpy(s->big + 1, s->p256.x, 32);
	memset(s->ones, 0xff, sizeof(s->ones));
	s->nlen = bn_param(rsa_key, OSSL_PKEY_PARAM_RSA_N, s->n, 0);
	s->elen = bn_param(rsa_key, OSSL_PKEY_PARAM_RSA_E, s->e, 0);
	assert_int_equal(s->nlen, 256);
	memcpy(s->even, s->n, s->nlen);
	s->even[s->nlen - 1] &= 0xfe;
	memcpy(s->padded + 1, s->n, s->nlen);
	memset(s->ones1025, 0xff, sizeof(s->ones1025));
	s->one[0] = 1;
	s->two[0] = 2;
	add_source(s, "x", s->p256.x, 32);
	add_source(s, "y", s->p256.y, 32);
	add_source(s, "x384", s->p384.x, 48);
	add_source(s, "y384", s->p384.y, 48);
	add_source(s, "x521", s->p521.x, 66);
	add_source(s, "y521", s->p521.y, 66);
	add_source(s, "yflip", s->yflip, 32);
	add_source(s, "x384flip", s->x384flip, 48);
	add_source(s, "y521flip", s->y521flip, 66);
	add_source(s, "x521p", s->x521p, 66);
	add_source(s, "big", s->big, 33);
	add_source(s, "zero", s->zero, 32);
	add_source(s, "ones", s->ones, 32);
	add_source(s, "n", s->n, s->nlen);
	add_source(s, "e", s->e, s->elen);
	add_source(s, "even", s->even, s->nlen);
	add_source(s, "padded", s->padded, s->nlen + 1);
	add_source(s, "ones1025", s->ones1025, sizeof(s->ones1025));
	add_source(s, "one", s->one, 1);
	add_source(s, "two", s->two, 1);
}

/* A table of decode cases, run as one test. */
typedef struct decode_group {
	const char *name;
	const decode_case *cases;
	size_t n;
} decode_group;

#define DECODE_GROUP(t)                                 \
	{                                               \
		"test_" #t, t, sizeof(t) / sizeof(t[0]) \
	}

static const decode_group decode_groups[] = {
        DECODE_GROUP(decode_baseline),      DECODE_GROUP(decode_duplicate),
        DECODE_GROUP(decode_not_canonical), DECODE_GROUP(decode_alg),
        DECODE_GROUP(decode_kty),           DECODE_GROUP(decode_curve),
        DECODE_GROUP(decode_coord),         DECODE_GROUP(decode_point),
        DECODE_GROUP(decode_rsa),
};

static void test_decode_group(void **state)
{
	const decode_group *g = *state;
	sources *s = malloc(sizeof(*s));

	assert_non_null(s);
	make_sources(s);
	expect_decodes(g->cases, g->n, s->list, s->count);
	free(s);
}

static void test_decode_not_map(void **state)
{
	static const struct {
		const char *what;
		uint8_t bytes[8];
		size_t len;
	} cases[] = {
	        {"an array", {0x82, 0x01, 0x02}, 3},
	        {"an unsigned integer", {0x05}, 1},
	        {"a byte string", {0x42, 0xa5, 0x01}, 3},
	        {"an indefinite map", {0xbf, 0x01, 0x02, 0x03, 0x26, 0xff}, 6},
	        {"a truncated map", {0xa5, 0x01, 0x02, 0x03}, 4},
	        {"a byte after the map", {0xa0, 0x00}, 2},
	        {"nothing", {0xa0, 0x00}, 0},
	};
	wa_cose_key key;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (wa_cose_decode(cases[i].bytes, cases[i].len, &key) != WA_ERR_COSE_MALFORMED)
			fail_msg("%s: not WA_ERR_COSE_MALFORMED", cases[i].what);
	assert_null(key.pkey);
	/* a text label */
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

/* ---- encode refusals and wa_pkey_verify's fit check ---- */

/* The keys the fit checks try (NO_KEY: NULL). */
enum { P256, P384, ED25519, ED448, RSA2048, NO_KEY, N_KEYS };

static void fit_keys(EVP_PKEY *keys[N_KEYS])
{
	keys[P256] = keygen("EC", "P-256");
	keys[P384] = keygen("EC", "P-384");
	keys[ED25519] = keygen("ED25519", NULL);
	keys[ED448] = keygen("ED448", NULL);
	keys[RSA2048] = rsa_key;
	keys[NO_KEY] = NULL;
}

static void free_fit_keys(EVP_PKEY *keys[N_KEYS])
{
	for (int i = 0; i < N_KEYS; i++)
		if (keys[i] != rsa_key)
			EVP_PKEY_free(keys[i]);
}

#define UNTRIED ((wa_err)-1)

/*
 * A key and an algorithm: what wa_pkey_verify says of them (with an ES256 signature by the P-256
 * key), and what wa_cose_encode says (UNTRIED: not asked).
 */
static const struct fit_case {
	int key;
	int64_t alg;
	wa_err verify, encode;
} fit_cases[] = {
        {P256, WA_COSE_ES256, WA_OK, UNTRIED},
        /* ES256 with an RSA key, with a P-384 key; ES384 with the P-256 key */
        {RSA2048, WA_COSE_ES256, WA_ERR_ARG, WA_ERR_COSE_KTY},
        {P384, WA_COSE_ES256, WA_ERR_ARG, WA_ERR_COSE_CURVE},
        {P256, WA_COSE_ES384, WA_ERR_ARG, WA_ERR_COSE_CURVE},
        /* EdDSA with an EC key; the fully specified ids with the other curve */
        {P256, WA_COSE_EDDSA, WA_ERR_ARG, WA_ERR_COSE_KTY},
        {ED25519, WA_COSE_ED448, WA_ERR_ARG, WA_ERR_COSE_CURVE},
        {ED448, WA_COSE_ED25519, WA_ERR_ARG, UNTRIED},
        /* RSA algorithms with EC and Ed keys */
        {P256, WA_COSE_RS256, WA_ERR_ARG, WA_ERR_COSE_KTY},
        {ED25519, WA_COSE_PS256, WA_ERR_ARG, UNTRIED},
        /* unknown algorithm, no key */
        {P256, -47, WA_ERR_ARG, WA_ERR_COSE_ALG_UNSUPPORTED},
        {NO_KEY, WA_COSE_ES256, WA_ERR_ARG, UNTRIED},
};

static void expect_fit(const struct fit_case *c, const char *what, wa_err got, wa_err want)
{
	if (got != want)
		fail_msg("%s, key %d as %s: %s, expected %s", what, c->key,
		         wa_cose_alg_name(c->alg), wa_errname(got), wa_errname(want));
}

static void test_encode_mismatch(void **state)
{
	EVP_PKEY *keys[N_KEYS];
	wa_blob out = {0};

	(void)state;
	fit_keys(keys);
	for (size_t i = 0; i < sizeof(fit_cases) / sizeof(fit_cases[0]); i++)
		if (fit_cases[i].encode != UNTRIED)
			expect_fit(&fit_cases[i], "encode",
			           wa_cose_encode(keys[fit_cases[i].key], fit_cases[i].alg, &out),
			           fit_cases[i].encode);
	assert_null(out.ptr);
	free_fit_keys(keys);
}

static void test_pkey_verify_fit(void **state)
{
	static const uint8_t msg[] = "msg";
	EVP_PKEY *keys[N_KEYS];
	wa_blob sig = {0};
	wa_cose_key none = {0};

	(void)state;
	fit_keys(keys);
	/* every case with the same ES256 signature by the P-256 key */
	sign(keys[P256], WA_COSE_ES256, msg, sizeof(msg), &sig);
	for (size_t i = 0; i < sizeof(fit_cases) / sizeof(fit_cases[0]); i++)
		expect_fit(&fit_cases[i], "verify",
		           wa_pkey_verify(keys[fit_cases[i].key], fit_cases[i].alg, msg,
		                          sizeof(msg), sig.ptr, sig.len),
		           fit_cases[i].verify);
	assert_int_equal(wa_cose_verify(&none, msg, sizeof(msg), sig.ptr, sig.len), WA_ERR_ARG);
	wa_blob_reset(&sig);
	free_fit_keys(keys);
}

static void test_alg_table(void **state)
{
	(void)state;
	assert_string_equal(wa_cose_alg_name(WA_COSE_ES256), "ES256");
	assert_string_equal(wa_cose_alg_name(WA_COSE_ED448), "Ed448");
	assert_string_equal(wa_cose_alg_name(-47), "unknown");
	assert_true(wa_cose_alg_supported(WA_COSE_PS256));
	assert_false(wa_cose_alg_supported(-47));
	assert_true(EVP_MD_is_a(wa_cose_alg_md(WA_COSE_ES384), "SHA2-384"));
	assert_true(EVP_MD_is_a(wa_cose_alg_md(WA_COSE_PS256), "SHA2-256"));
	assert_true(EVP_MD_is_a(wa_cose_alg_md(WA_COSE_RS512), "SHA2-512"));
	assert_null(wa_cose_alg_md(WA_COSE_EDDSA));
	assert_null(wa_cose_alg_md(WA_COSE_ED448));
	assert_false(wa_pkey_equal(NULL, rsa_key));
}

/* ---- a stored key's point, checked quickly ---- */

/*
 * A stored key is decoded on every authentication with OpenSSL's quick public-key check (on
 * the curve, not infinity: enough for cofactor-1 curves). It must still refuse a point off the
 * curve, on every curve; a key as encoded decodes. (What a decode costs is measured by
 * bench-verify, never asserted here.)
 */
static void test_decode_off_curve(void **state)
{
	static const struct {
		const char *curve;
		int64_t alg;
	} curves[] = {{"P-256", WA_COSE_ES256}, {"P-384", WA_COSE_ES384}, {"P-521", WA_COSE_ES512}};
	wa_cose_key key;

	(void)state;
	for (size_t i = 0; i < KAGURA_LEN(curves); i++) {
		EVP_PKEY *k = keygen("EC", curves[i].curve);
		wa_blob enc = {0};

		assert_int_equal(wa_cose_encode(k, curves[i].alg, &enc), WA_OK);
		assert_int_equal(wa_cose_decode(enc.ptr, enc.len, &key), WA_OK);
		assert_true(wa_pkey_equal(key.pkey, k));
		wa_cose_key_reset(&key);
		/* y's last bit flipped: off the curve */
		enc.ptr[enc.len - 1] ^= 0x01;
		assert_int_equal(wa_cose_decode(enc.ptr, enc.len, &key), WA_ERR_COSE_POINT);
		assert_null(key.pkey);
		wa_blob_reset(&enc);
		EVP_PKEY_free(k);
	}
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
	        cmocka_unit_test(test_decode_not_map),
	        cmocka_unit_test(test_encode_mismatch),
	        cmocka_unit_test(test_pkey_verify_fit),
	        cmocka_unit_test(test_alg_table),
	        cmocka_unit_test(test_decode_off_curve),
	};
	enum {
		N_ALG = sizeof(alg_cases) / sizeof(alg_cases[0]),
		N_DECODE = sizeof(decode_groups) / sizeof(decode_groups[0]),
		N_FIXED = sizeof(fixed) / sizeof(fixed[0])
	};
	struct CMUnitTest tests[N_ALG + N_DECODE + N_FIXED];

	for (size_t i = 0; i < N_ALG; i++)
		tests[i] = (struct CMUnitTest){.name = case_name(&alg_cases[i]),
		                               .test_func = test_roundtrip,
		                               .initial_state = (void *)&alg_cases[i]};
	for (size_t i = 0; i < N_DECODE; i++)
		tests[N_ALG + i] = (struct CMUnitTest){.name = decode_groups[i].name,
		                                       .test_func = test_decode_group,
		                                       .initial_state = (void *)&decode_groups[i]};
	for (size_t i = 0; i < N_FIXED; i++)
		tests[N_ALG + N_DECODE + i] = fixed[i];
	return _cmocka_run_group_tests("cose", tests, N_ALG + N_DECODE + N_FIXED, setup, teardown);
}
