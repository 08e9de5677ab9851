/*
 * authenticatorData (W3C WebAuthn §6.1): the fixed 37 bytes, attested
 * credential data, extensions, every error of the parser, and
 * wa_authdata_encode(parse(x)) == x, including the W3C vectors' authData.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "webauthn/attobj.h"
#include "webauthn/authdata.h"
#include "webauthn/b64url.h"
#include "webauthn/cose.h"
#include "webauthn/hash.h"

/* A byte buffer the tests assemble authenticatorData in. */
typedef struct buf {
	uint8_t p[4096];
	size_t n;
} buf;

static void put(buf *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->p));
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void put8(buf *b, uint8_t v)
{
	put(b, &v, 1);
}

static void put16(buf *b, uint16_t v)
{
	put8(b, (uint8_t)(v >> 8));
	put8(b, (uint8_t)v);
}

static void fill(buf *b, uint8_t v, size_t n)
{
	assert_true(b->n + n <= sizeof(b->p));
	memset(b->p + b->n, v, n);
	b->n += n;
}

static const uint8_t aaguid[16] = {0xad, 0xce, 0x00, 0x02, 0x35, 0xbc, 0xc6, 0x0a,
                                   0x64, 0x8b, 0x0b, 0x25, 0xf1, 0xf0, 0x55, 0x03};

/* An EC2 P-256 COSE key (the coordinates are arbitrary: the authData parser only spans it). */
static size_t cose_key(uint8_t out[77])
{
	static const uint8_t head[] = {0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20};
	size_t n = 0;

	memcpy(out, head, sizeof(head));
	n = sizeof(head);
	for (int i = 0; i < 32; i++)
		out[n++] = (uint8_t)(0x40 + i);
	out[n++] = 0x22;
	out[n++] = 0x58;
	out[n++] = 0x20;
	for (int i = 0; i < 32; i++)
		out[n++] = (uint8_t)(0x80 + i);
	return n;
}

/* {"credProtect": 2} */
static const uint8_t ext_cred_protect[] = {0xa1, 0x6b, 'c', 'r', 'e', 'd', 'P',
                                           'r',  'o',  't', 'e', 'c', 't', 0x02};

/* rpIdHash of "kagura.example.jp", flags, counter. */
static void head(buf *b, uint8_t flags, uint32_t count)
{
	uint8_t h[32];

	b->n = 0;
	wa_sha256("kagura.example.jp", 17, h);
	put(b, h, 32);
	put8(b, flags);
	put8(b, (uint8_t)(count >> 24));
	put8(b, (uint8_t)(count >> 16));
	put8(b, (uint8_t)(count >> 8));
	put8(b, (uint8_t)count);
}

/* Attested credential data with a cred_len-byte id (0xc0, 0xc1, ...) and the COSE key. */
static void attested(buf *b, size_t cred_len)
{
	uint8_t key[77];
	size_t klen = cose_key(key);

	put(b, aaguid, 16);
	put16(b, (uint16_t)cred_len);
	for (size_t i = 0; i < cred_len; i++)
		put8(b, (uint8_t)(0xc0 + i));
	put(b, key, klen);
}

static wa_err parse(const buf *b, wa_authdata *ad)
{
	return wa_authdata_parse(b->p, b->n, ad);
}

/* encode(parse(x)) reproduces x byte for byte. */
static void expect_roundtrip(const uint8_t *p, size_t len)
{
	wa_authdata ad;
	wa_blob out = {0};

	assert_int_equal(wa_authdata_parse(p, len, &ad), WA_OK);
	assert_int_equal(wa_authdata_encode(&ad, &out), WA_OK);
	assert_int_equal(out.len, len);
	assert_memory_equal(out.ptr, p, len);
	wa_blob_reset(&out);
}

static void test_minimal_assertion(void **state)
{
	buf b;
	wa_authdata ad;
	uint8_t h[32];

	(void)state;
	head(&b, WA_FLAG_UP | WA_FLAG_UV, 0x01020304);
	assert_int_equal(b.n, WA_AUTHDATA_MIN_LEN);
	assert_int_equal(parse(&b, &ad), WA_OK);
	wa_sha256("kagura.example.jp", 17, h);
	assert_memory_equal(ad.rp_id_hash, h, 32);
	assert_int_equal(ad.flags, 0x05);
	assert_int_equal(ad.sign_count, 0x01020304u); /* big-endian */
	assert_false(ad.has_attested);
	assert_null(ad.cred_id);
	assert_int_equal(ad.cred_id_len, 0);
	assert_null(ad.cose_key);
	assert_null(ad.ext);
	assert_int_equal(ad.ext_len, 0);
	expect_roundtrip(b.p, b.n);
}

/* Flags are reported as given; the counter is unsigned 32-bit big-endian. */
static void test_flags_and_counter(void **state)
{
	static const uint32_t counts[] = {0, 1, 0xff, 0x100, 0x80000000u, 0xfffffffeu, 0xffffffffu};
	/* every flag combination without AT/ED (those change what must follow) */
	(void)state;
	for (unsigned f = 0; f < 0x40; f++) {
		for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
			buf b;
			wa_authdata ad;

			head(&b, (uint8_t)f, counts[i]);
			assert_int_equal(parse(&b, &ad), WA_OK);
			assert_int_equal(ad.flags, f);
			assert_int_equal(ad.sign_count, counts[i]);
			assert_false(ad.has_attested);
			expect_roundtrip(b.p, b.n);
		}
	}
}

static void test_attested(void **state)
{
	buf b;
	wa_authdata ad;
	uint8_t key[77];
	size_t klen = cose_key(key);

	(void)state;
	head(&b, WA_FLAG_UP | WA_FLAG_UV | WA_FLAG_AT, 0);
	attested(&b, 16);
	assert_int_equal(b.n, 37 + 16 + 2 + 16 + klen);
	assert_int_equal(parse(&b, &ad), WA_OK);
	assert_true(ad.has_attested);
	assert_int_equal(ad.flags, 0x45);
	assert_int_equal(ad.sign_count, 0);
	assert_memory_equal(ad.aaguid, aaguid, 16);
	assert_int_equal(ad.cred_id_len, 16);
	assert_ptr_equal(ad.cred_id, b.p + 55); /* borrowed, right after the length */
	assert_int_equal(ad.cred_id[0], 0xc0);
	assert_int_equal(ad.cred_id[15], 0xcf);
	assert_ptr_equal(ad.cose_key, b.p + 71);
	assert_int_equal(ad.cose_key_len, klen);
	assert_memory_equal(ad.cose_key, key, klen);
	assert_null(ad.ext);
	expect_roundtrip(b.p, b.n);
}

/* Credential id lengths at the edges: 0, 1, 255, 256 and the maximum 1023. */
static void test_attested_id_lengths(void **state)
{
	static const size_t lens[] = {0, 1, 255, 256, WA_CRED_ID_MAX};

	(void)state;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		buf b;
		wa_authdata ad;

		head(&b, WA_FLAG_UP | WA_FLAG_AT, 7);
		attested(&b, lens[i]);
		assert_int_equal(parse(&b, &ad), WA_OK);
		assert_int_equal(ad.cred_id_len, lens[i]);
		assert_ptr_equal(ad.cose_key, b.p + 55 + lens[i]);
		assert_int_equal(ad.cose_key_len, 77);
		expect_roundtrip(b.p, b.n);
	}
}

static void test_extensions(void **state)
{
	buf b;
	wa_authdata ad;

	(void)state;
	/* assertion with extensions: ED only */
	head(&b, WA_FLAG_UP | WA_FLAG_ED, 9);
	put(&b, ext_cred_protect, sizeof(ext_cred_protect));
	assert_int_equal(parse(&b, &ad), WA_OK);
	assert_false(ad.has_attested);
	assert_ptr_equal(ad.ext, b.p + 37);
	assert_int_equal(ad.ext_len, sizeof(ext_cred_protect));
	expect_roundtrip(b.p, b.n);

	/* attested data, then extensions */
	head(&b, WA_FLAG_UP | WA_FLAG_AT | WA_FLAG_ED, 0);
	attested(&b, 32);
	put(&b, ext_cred_protect, sizeof(ext_cred_protect));
	assert_int_equal(parse(&b, &ad), WA_OK);
	assert_true(ad.has_attested);
	assert_int_equal(ad.cose_key_len, 77);
	assert_ptr_equal(ad.ext, b.p + 37 + 18 + 32 + 77);
	assert_int_equal(ad.ext_len, sizeof(ext_cred_protect));
	expect_roundtrip(b.p, b.n);

	/* an empty map is still a map */
	head(&b, WA_FLAG_UP | WA_FLAG_ED, 0);
	put8(&b, 0xa0);
	assert_int_equal(parse(&b, &ad), WA_OK);
	assert_int_equal(ad.ext_len, 1);
	expect_roundtrip(b.p, b.n);
}

static void test_err_short(void **state)
{
	buf b;
	wa_authdata ad;

	(void)state;
	head(&b, WA_FLAG_UP, 1);
	for (size_t len = 0; len < WA_AUTHDATA_MIN_LEN; len++)
		assert_int_equal(wa_authdata_parse(b.p, len, &ad), WA_ERR_AUTHDATA_SHORT);
	assert_int_equal(wa_authdata_parse(NULL, 0, &ad), WA_ERR_AUTHDATA_SHORT);
	assert_int_equal(wa_authdata_parse(NULL, 37, &ad), WA_ERR_AUTHDATA_SHORT);
}

/* AT set and the attested credential data cut anywhere: AAGUID, length, id, or COSE key. */
static void test_err_attested_short(void **state)
{
	buf full;
	wa_authdata ad;

	(void)state;
	head(&full, WA_FLAG_UP | WA_FLAG_AT, 1);
	attested(&full, 16);
	assert_int_equal(parse(&full, &ad), WA_OK);
	for (size_t len = WA_AUTHDATA_MIN_LEN; len < full.n; len++) {
		wa_err err = wa_authdata_parse(full.p, len, &ad);
		if (err != WA_ERR_AUTHDATA_ATTESTED_SHORT)
			print_error("cut at %zu: %s\n", len, wa_errname(err));
		assert_int_equal(err, WA_ERR_AUTHDATA_ATTESTED_SHORT);
	}
	/* a length field claiming more id bytes than there are */
	head(&full, WA_FLAG_UP | WA_FLAG_AT, 1);
	put(&full, aaguid, 16);
	put16(&full, 100);
	fill(&full, 0xcc, 99);
	assert_int_equal(parse(&full, &ad), WA_ERR_AUTHDATA_ATTESTED_SHORT);
}

static void test_err_cred_id_length(void **state)
{
	buf b;
	wa_authdata ad;

	(void)state;
	head(&b, WA_FLAG_UP | WA_FLAG_AT, 1);
	attested(&b, WA_CRED_ID_MAX + 1); /* 1024, with all its bytes and a key present */
	assert_int_equal(parse(&b, &ad), WA_ERR_AUTHDATA_CRED_ID_LENGTH);
	/* the largest value the field can hold, with nothing behind it */
	head(&b, WA_FLAG_UP | WA_FLAG_AT, 1);
	put(&b, aaguid, 16);
	put16(&b, 0xffff);
	assert_int_equal(parse(&b, &ad), WA_ERR_AUTHDATA_CRED_ID_LENGTH);
}

static void test_err_ed_missing(void **state)
{
	buf b;
	wa_authdata ad;

	(void)state;
	head(&b, WA_FLAG_UP | WA_FLAG_ED, 1);
	assert_int_equal(parse(&b, &ad), WA_ERR_AUTHDATA_ED_MISSING);
	head(&b, WA_FLAG_UP | WA_FLAG_AT | WA_FLAG_ED, 1);
	attested(&b, 16);
	assert_int_equal(parse(&b, &ad), WA_ERR_AUTHDATA_ED_MISSING);
}

static void test_err_extensions(void **state)
{
	static const struct {
		uint8_t bytes[8];
		size_t len;
	} bad[] = {
	        {{0x01}, 1},             /* uint */
	        {{0x80}, 1},             /* array */
	        {{0x61, 'x'}, 2},        /* text */
	        {{0xf6}, 1},             /* null */
	        {{0xa1, 0x61, 'x'}, 3},  /* truncated map */
	        {{0xa2, 0x01, 0x02}, 3}, /* map short one pair */
	        {{0xff}, 1},             /* a lone break */
	        {{0x1c}, 1},             /* reserved additional information */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf b;
		wa_authdata ad;

		head(&b, WA_FLAG_UP | WA_FLAG_ED, 1);
		put(&b, bad[i].bytes, bad[i].len);
		assert_int_equal(parse(&b, &ad), WA_ERR_AUTHDATA_EXTENSIONS);
		/* the same after attested credential data */
		head(&b, WA_FLAG_UP | WA_FLAG_AT | WA_FLAG_ED, 1);
		attested(&b, 16);
		put(&b, bad[i].bytes, bad[i].len);
		assert_int_equal(parse(&b, &ad), WA_ERR_AUTHDATA_EXTENSIONS);
	}
}

static void test_err_trailing(void **state)
{
	buf b;
	wa_authdata ad;
	wa_err err;

	(void)state;
	/* one byte past the fixed part with neither AT nor ED */
	head(&b, WA_FLAG_UP, 1);
	put8(&b, 0x00);
	assert_int_equal(parse(&b, &ad), WA_ERR_AUTHDATA_TRAILING);
	/* a byte after the COSE key */
	head(&b, WA_FLAG_UP | WA_FLAG_AT, 1);
	attested(&b, 16);
	put8(&b, 0x00);
	assert_int_equal(parse(&b, &ad), WA_ERR_AUTHDATA_TRAILING);
	/* a byte after the extensions map */
	head(&b, WA_FLAG_UP | WA_FLAG_AT | WA_FLAG_ED, 1);
	attested(&b, 16);
	put(&b, ext_cred_protect, sizeof(ext_cred_protect));
	put8(&b, 0xa0);
	assert_int_equal(parse(&b, &ad), WA_ERR_AUTHDATA_TRAILING);
	/* an extensions map while ED is clear: left over either way */
	head(&b, WA_FLAG_UP, 1);
	put(&b, ext_cred_protect, sizeof(ext_cred_protect));
	err = parse(&b, &ad);
	assert_int_equal(err, WA_ERR_AUTHDATA_TRAILING);
	/* attested data while AT is clear */
	head(&b, WA_FLAG_UP, 1);
	attested(&b, 16);
	assert_int_equal(parse(&b, &ad), WA_ERR_AUTHDATA_TRAILING);
}

/* A COSE key that is not even one CBOR item is refused. */
static void test_err_key_not_cbor(void **state)
{
	buf b;
	wa_authdata ad;
	wa_err err;

	(void)state;
	head(&b, WA_FLAG_UP | WA_FLAG_AT, 1);
	put(&b, aaguid, 16);
	put16(&b, 4);
	fill(&b, 0xcc, 4);
	put8(&b, 0xff); /* a break outside any indefinite item */
	err = parse(&b, &ad);
	assert_int_not_equal(err, WA_OK);
	assert_true(err == WA_ERR_CBOR_MALFORMED || err == WA_ERR_AUTHDATA_ATTESTED_SHORT);
	assert_false(ad.has_attested);
}

/* Encoding writes the fields as given: flags are not derived from what is present. */
static void test_encode_fields(void **state)
{
	wa_authdata ad = {0};
	wa_blob out = {0};
	uint8_t key[77];
	static const uint8_t id[3] = {1, 2, 3};

	(void)state;
	memset(ad.rp_id_hash, 0x5a, 32);
	ad.flags = WA_FLAG_UP; /* AT deliberately clear */
	ad.sign_count = 0xa1b2c3d4;
	ad.has_attested = true;
	memcpy(ad.aaguid, aaguid, 16);
	ad.cred_id = id;
	ad.cred_id_len = sizeof(id);
	ad.cose_key = key;
	ad.cose_key_len = cose_key(key);
	assert_int_equal(wa_blob_set(&out, "old", 3), WA_OK);
	assert_int_equal(wa_authdata_encode(&ad, &out), WA_OK);
	assert_int_equal(out.len, 37 + 16 + 2 + 3 + 77);
	assert_int_equal(out.ptr[31], 0x5a);
	assert_int_equal(out.ptr[32], WA_FLAG_UP);
	assert_int_equal(out.ptr[33], 0xa1);
	assert_int_equal(out.ptr[36], 0xd4);
	assert_memory_equal(out.ptr + 37, aaguid, 16);
	assert_int_equal(out.ptr[53], 0);
	assert_int_equal(out.ptr[54], 3);
	assert_memory_equal(out.ptr + 55, id, 3);
	assert_memory_equal(out.ptr + 58, key, 77);
	/* a credential id longer than the 16-bit length field can say */
	ad.cred_id_len = 0x10000;
	assert_int_equal(wa_authdata_encode(&ad, &out), WA_ERR_ARG);
	/* and out still holds the previous result */
	assert_int_equal(out.len, 37 + 16 + 2 + 3 + 77);
	wa_blob_reset(&out);
}

static wa_blob vec_b64(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	wa_blob b = {0};

	assert_non_null(s);
	assert_int_equal(wa_b64url_decode(s, strlen(s), &b), WA_OK);
	return b;
}

/* Every W3C vector: registration authData (inside attestationObject) and the assertion's. */
static void test_w3c_vectors_roundtrip(void **state)
{
	json_error_t jerr;
	json_t *vectors = json_load_file(KAGURA_VECTORS, 0, &jerr), *v;
	const char *name;
	int seen = 0;

	(void)state;
	assert_non_null(vectors);
	json_object_foreach(vectors, name, v)
	{
		json_t *reg = json_object_get(v, "registration"), *auth;
		wa_blob ao, ad_b, id, chal;
		wa_attobj obj;
		wa_authdata ad;
		wa_cose_key key;

		if (name[0] == '_')
			continue;
		auth = json_object_get(v, "authentication");
		ao = vec_b64(reg, "attestationObject");
		id = vec_b64(reg, "credential_id");
		assert_int_equal(wa_attobj_parse(ao.ptr, ao.len, &obj), WA_OK);
		assert_int_equal(wa_authdata_parse(obj.auth_data, obj.auth_data_len, &ad), WA_OK);
		assert_true(ad.has_attested);
		assert_true(ad.flags & WA_FLAG_AT);
		assert_int_equal(ad.cred_id_len, id.len);
		assert_memory_equal(ad.cred_id, id.ptr, id.len);
		/* the key span is exactly one COSE key */
		assert_int_equal(wa_cose_decode(ad.cose_key, ad.cose_key_len, &key), WA_OK);
		wa_cose_key_reset(&key);
		expect_roundtrip(obj.auth_data, obj.auth_data_len);

		ad_b = vec_b64(auth, "authenticatorData");
		assert_int_equal(wa_authdata_parse(ad_b.ptr, ad_b.len, &ad), WA_OK);
		assert_false(ad.has_attested);
		expect_roundtrip(ad_b.ptr, ad_b.len);
		/* both ceremonies of a vector use the same RP ID */
		assert_int_equal(wa_authdata_parse(obj.auth_data, obj.auth_data_len, &ad), WA_OK);
		assert_memory_equal(ad.rp_id_hash, ad_b.ptr, 32);

		chal = vec_b64(auth, "challenge"); /* decodes: the vectors are strict base64url */
		wa_blob_reset(&chal);
		wa_attobj_reset(&obj);
		wa_blob_reset(&ao);
		wa_blob_reset(&ad_b);
		wa_blob_reset(&id);
		seen++;
	}
	assert_int_equal(seen, 15);
	json_decref(vectors);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_minimal_assertion),
	        cmocka_unit_test(test_flags_and_counter),
	        cmocka_unit_test(test_attested),
	        cmocka_unit_test(test_attested_id_lengths),
	        cmocka_unit_test(test_extensions),
	        cmocka_unit_test(test_err_short),
	        cmocka_unit_test(test_err_attested_short),
	        cmocka_unit_test(test_err_cred_id_length),
	        cmocka_unit_test(test_err_ed_missing),
	        cmocka_unit_test(test_err_extensions),
	        cmocka_unit_test(test_err_trailing),
	        cmocka_unit_test(test_err_key_not_cbor),
	        cmocka_unit_test(test_encode_fields),
	        cmocka_unit_test(test_w3c_vectors_roundtrip),
	};
	return cmocka_run_group_tests_name("authdata", tests, NULL, NULL);
}
