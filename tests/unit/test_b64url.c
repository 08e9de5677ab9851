/*
 * base64url (RFC 4648 §5, no padding) as WebAuthn uses it: the RFC test
 * strings, the strict decoder's rejections (padding, foreign characters,
 * impossible lengths, non-zero trailing bits) and round trips checked against
 * OpenSSL's standard base64 as an independent oracle.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "webauthn/b64url.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Sextet value of c, or -1 outside the base64url alphabet (the test's own table). */
static int sextet(unsigned char c)
{
	const char *p = c ? strchr(alphabet, c) : NULL;
	return p ? (int)(p - alphabet) : -1;
}

static wa_err decode_str(const char *s, wa_blob *out)
{
	return wa_b64url_decode(s, strlen(s), out);
}

/* Decoding s must fail with want and leave out untouched. */
static void expect_reject(const char *s, size_t len, wa_err want)
{
	wa_blob out = {0};
	wa_err got = wa_b64url_decode(s, len, &out);

	if (got != want)
		print_error("decoding \"%.*s\" (%zu chars): got %s, want %s\n", (int)len, s, len,
		            wa_errname(got), wa_errname(want));
	assert_int_equal(got, want);
	assert_null(out.ptr);
	assert_int_equal(out.len, 0);
}

/* xorshift64*: deterministic bytes for the round-trip tests. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint8_t rnd8(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint8_t)((rng_state * 0x2545f4914f6cdd1dull) >> 56);
}

/* Standard base64 from OpenSSL, translated to base64url and stripped of padding. */
static char *oracle_encode(const uint8_t *p, size_t len)
{
	char *s = malloc(len / 3 * 4 + 8);
	int n;

	assert_non_null(s);
	n = EVP_EncodeBlock((unsigned char *)s, p, (int)len);
	assert_true(n >= 0);
	while (n > 0 && s[n - 1] == '=')
		n--;
	s[n] = '\0';
	for (int i = 0; i < n; i++) {
		if (s[i] == '+')
			s[i] = '-';
		else if (s[i] == '/')
			s[i] = '_';
	}
	return s;
}

/* RFC 4648 §10 test vectors, without their padding. */
static void test_rfc4648_vectors(void **state)
{
	static const struct {
		const char *plain, *enc;
	} v[] = {
	        {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
	        {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		wa_blob out = {0};
		char *enc = wa_b64url_encode(v[i].plain, strlen(v[i].plain));

		assert_non_null(enc);
		assert_string_equal(enc, v[i].enc);
		free(enc);
		assert_int_equal(decode_str(v[i].enc, &out), WA_OK);
		assert_int_equal(out.len, strlen(v[i].plain));
		if (out.len)
			assert_memory_equal(out.ptr, v[i].plain, out.len);
		wa_blob_reset(&out);
	}
}

/* The two characters that differ from standard base64: 62 is '-', 63 is '_'. */
static void test_url_alphabet(void **state)
{
	static const uint8_t bytes[] = {0xfb, 0xff, 0xbf, 0xef, 0xbe};
	wa_blob out = {0};
	char *enc;

	(void)state;
	enc = wa_b64url_encode(bytes, 3);
	assert_string_equal(enc, "-_-_");
	free(enc);
	enc = wa_b64url_encode(bytes, sizeof(bytes));
	assert_string_equal(enc, "-_-_774");
	assert_null(strchr(enc, '+'));
	assert_null(strchr(enc, '/'));
	assert_int_equal(decode_str(enc, &out), WA_OK);
	assert_int_equal(out.len, sizeof(bytes));
	assert_memory_equal(out.ptr, bytes, sizeof(bytes));
	free(enc);
	wa_blob_reset(&out);
}

static void test_empty(void **state)
{
	wa_blob out = {0};
	char *enc;

	(void)state;
	assert_int_equal(wa_b64url_decode("", 0, &out), WA_OK);
	assert_int_equal(out.len, 0);
	wa_blob_reset(&out);
	/* A zero length means empty even when the pointer has more behind it. */
	assert_int_equal(wa_b64url_decode("Zm9v", 0, &out), WA_OK);
	assert_int_equal(out.len, 0);
	wa_blob_reset(&out);
	enc = wa_b64url_encode("", 0);
	assert_non_null(enc);
	assert_string_equal(enc, "");
	free(enc);
}

/* Only len characters are read: the rest of the buffer does not matter. */
static void test_length_bounds_input(void **state)
{
	wa_blob out = {0};

	(void)state;
	assert_int_equal(wa_b64url_decode("Zm9v==!!", 4, &out), WA_OK);
	assert_int_equal(out.len, 3);
	assert_memory_equal(out.ptr, "foo", 3);
	assert_int_equal(wa_b64url_decode("Zm8A", 3, &out), WA_OK);
	assert_int_equal(out.len, 2);
	assert_memory_equal(out.ptr, "fo", 2);
	wa_blob_reset(&out);
}

static void test_reject_padding(void **state)
{
	(void)state;
	expect_reject("Zg==", 4, WA_ERR_B64_PADDING);
	expect_reject("Zm8=", 4, WA_ERR_B64_PADDING);
	expect_reject("Zg=", 3, WA_ERR_B64_PADDING);
	expect_reject("=", 1, WA_ERR_B64_PADDING);
	expect_reject("====", 4, WA_ERR_B64_PADDING);
	expect_reject("Zm9vYg==", 8, WA_ERR_B64_PADDING);
	/* padding where a 4n+1 length would otherwise be reported */
	expect_reject("Zm9vY", 5, WA_ERR_B64_LENGTH);
	expect_reject("Zm9v=", 5, WA_ERR_B64_PADDING);
	/* padding in the middle */
	expect_reject("Zg==Zg", 6, WA_ERR_B64_PADDING);
}

static void test_reject_chars(void **state)
{
	(void)state;
	/* the standard alphabet's 62 and 63 */
	expect_reject("Zm+v", 4, WA_ERR_B64_CHAR);
	expect_reject("Zm/v", 4, WA_ERR_B64_CHAR);
	expect_reject("-_+/", 4, WA_ERR_B64_CHAR);
	/* whitespace anywhere */
	expect_reject(" Zm9v", 5, WA_ERR_B64_CHAR);
	expect_reject("Zm9v ", 5, WA_ERR_B64_CHAR);
	expect_reject("Zm 9v", 5, WA_ERR_B64_CHAR);
	expect_reject("Zm9v\n", 5, WA_ERR_B64_CHAR);
	expect_reject("Zm9v\r\nZg", 8, WA_ERR_B64_CHAR);
	expect_reject("Zm\t9", 4, WA_ERR_B64_CHAR);
	/* non-ASCII: UTF-8 é, a lone continuation byte, 0xff */
	expect_reject("Zm\xc3\xa9", 4, WA_ERR_B64_CHAR);
	expect_reject("\x80"
	              "AAA",
	              4, WA_ERR_B64_CHAR);
	expect_reject("AAA\xff", 4, WA_ERR_B64_CHAR);
	/* an embedded NUL is a character like any other */
	expect_reject("Zm\0v", 4, WA_ERR_B64_CHAR);
	/* other punctuation */
	expect_reject("Zm.v", 4, WA_ERR_B64_CHAR);
	expect_reject("Zm~v", 4, WA_ERR_B64_CHAR);
}

/* Every byte value in every position of a 4-character group. */
static void test_every_byte_value(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++) {
		for (int pos = 0; pos < 4; pos++) {
			char s[5] = "AAAA";
			wa_blob out = {0};
			wa_err err;

			s[pos] = (char)c;
			err = wa_b64url_decode(s, 4, &out);
			if (sextet((unsigned char)c) >= 0) {
				assert_int_equal(err, WA_OK);
				assert_int_equal(out.len, 3);
			} else {
				assert_int_equal(err,
				                 c == '=' ? WA_ERR_B64_PADDING : WA_ERR_B64_CHAR);
			}
			wa_blob_reset(&out);
		}
	}
}

static void test_reject_length(void **state)
{
	(void)state;
	expect_reject("A", 1, WA_ERR_B64_LENGTH);
	expect_reject("Z", 1, WA_ERR_B64_LENGTH);
	expect_reject("AAAAA", 5, WA_ERR_B64_LENGTH);
	expect_reject("Zm9vY", 5, WA_ERR_B64_LENGTH);
	expect_reject("Zm9vYmFyZ", 9, WA_ERR_B64_LENGTH);
	/* 4n, 4n+2 and 4n+3 are all possible lengths */
	for (size_t len = 0; len <= 41; len++) {
		char s[64];
		wa_blob out = {0};
		wa_err err;

		memset(s, 'A', len);
		err = wa_b64url_decode(s, len, &out);
		if (len % 4 == 1) {
			assert_int_equal(err, WA_ERR_B64_LENGTH);
		} else {
			assert_int_equal(err, WA_OK);
			assert_int_equal(out.len, len * 3 / 4);
		}
		wa_blob_reset(&out);
	}
}

static void test_reject_trailing_bits(void **state)
{
	wa_blob out = {0};

	(void)state;
	assert_int_equal(decode_str("QQ", &out), WA_OK);
	assert_int_equal(out.len, 1);
	assert_int_equal(out.ptr[0], 'A');
	wa_blob_reset(&out);
	expect_reject("QR", 2, WA_ERR_B64_TRAILING_BITS);
	expect_reject("QB", 2, WA_ERR_B64_TRAILING_BITS);
	expect_reject("Q_", 2, WA_ERR_B64_TRAILING_BITS);
	expect_reject("Zm9", 3, WA_ERR_B64_TRAILING_BITS); /* "Zm8" is canonical "fo" */
	expect_reject("Zm9vZh", 6, WA_ERR_B64_TRAILING_BITS);
	expect_reject("Zm9vYmF", 7, WA_ERR_B64_TRAILING_BITS);
	assert_int_equal(decode_str("Zm9vYmE", &out), WA_OK);
	assert_int_equal(out.len, 5);
	assert_memory_equal(out.ptr, "fooba", 5);
	wa_blob_reset(&out);
}

/*
 * Exhaustive 2- and 3-character inputs: accepted exactly when the bits past
 * the last whole byte are zero (4 bits for 2 characters, 2 for 3), and then
 * the byte values are the ones the sextets spell.
 */
static void test_trailing_bits_exhaustive(void **state)
{
	(void)state;
	for (int a = 0; a < 64; a++) {
		for (int b = 0; b < 64; b++) {
			char s[3] = {alphabet[a], alphabet[b], 0};
			wa_blob out = {0};
			wa_err err = wa_b64url_decode(s, 2, &out);

			if ((b & 0x0f) == 0) {
				assert_int_equal(err, WA_OK);
				assert_int_equal(out.len, 1);
				assert_int_equal(out.ptr[0], (uint8_t)(a << 2 | b >> 4));
			} else {
				assert_int_equal(err, WA_ERR_B64_TRAILING_BITS);
			}
			wa_blob_reset(&out);
			for (int c = 0; c < 64; c++) {
				char t[4] = {alphabet[a], alphabet[b], alphabet[c], 0};
				err = wa_b64url_decode(t, 3, &out);
				if ((c & 0x03) == 0) {
					assert_int_equal(err, WA_OK);
					assert_int_equal(out.len, 2);
					assert_int_equal(out.ptr[0], (uint8_t)(a << 2 | b >> 4));
					assert_int_equal(out.ptr[1],
					                 (uint8_t)((b & 0x0f) << 4 | c >> 2));
				} else {
					assert_int_equal(err, WA_ERR_B64_TRAILING_BITS);
				}
				wa_blob_reset(&out);
			}
		}
	}
}

/* 1..64 random bytes: encode like the oracle, no padding, decode back to the same bytes. */
static void test_random_roundtrip(void **state)
{
	(void)state;
	for (int round = 0; round < 8; round++) {
		for (size_t len = 1; len <= 64; len++) {
			uint8_t buf[64];
			wa_blob out = {0};
			char *enc, *want;

			for (size_t i = 0; i < len; i++)
				buf[i] = rnd8();
			enc = wa_b64url_encode(buf, len);
			want = oracle_encode(buf, len);
			assert_non_null(enc);
			assert_string_equal(enc, want);
			assert_int_equal(strlen(enc), (len * 4 + 2) / 3);
			assert_int_not_equal(strlen(enc) % 4, 1);
			for (const char *p = enc; *p; p++)
				assert_true(sextet((unsigned char)*p) >= 0);
			assert_int_equal(wa_b64url_decode(enc, strlen(enc), &out), WA_OK);
			assert_int_equal(out.len, len);
			assert_memory_equal(out.ptr, buf, len);
			wa_blob_reset(&out);
			free(enc);
			free(want);
		}
	}
}

/* All 256 byte values, and a decode into a blob that already holds data replaces it. */
static void test_all_bytes_and_reuse(void **state)
{
	uint8_t all[256];
	wa_blob out = {0};
	char *enc;

	(void)state;
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	enc = wa_b64url_encode(all, sizeof(all));
	assert_non_null(enc);
	assert_int_equal(wa_blob_set(&out, "previous contents", 17), WA_OK);
	assert_int_equal(wa_b64url_decode(enc, strlen(enc), &out), WA_OK);
	assert_int_equal(out.len, sizeof(all));
	assert_memory_equal(out.ptr, all, sizeof(all));
	/* a failed decode keeps what was there */
	assert_int_equal(wa_b64url_decode("Zg==", 4, &out), WA_ERR_B64_PADDING);
	assert_int_equal(out.len, sizeof(all));
	assert_memory_equal(out.ptr, all, sizeof(all));
	wa_blob_reset(&out);
	free(enc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rfc4648_vectors),
	        cmocka_unit_test(test_url_alphabet),
	        cmocka_unit_test(test_empty),
	        cmocka_unit_test(test_length_bounds_input),
	        cmocka_unit_test(test_reject_padding),
	        cmocka_unit_test(test_reject_chars),
	        cmocka_unit_test(test_every_byte_value),
	        cmocka_unit_test(test_reject_length),
	        cmocka_unit_test(test_reject_trailing_bits),
	        cmocka_unit_test(test_trailing_bits_exhaustive),
	        cmocka_unit_test(test_random_roundtrip),
	        cmocka_unit_test(test_all_bytes_and_reuse),
	};
	return cmocka_run_group_tests_name("b64url", tests, NULL, NULL);
}
