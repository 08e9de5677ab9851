/*
 * simdjson's reading into jansson trees (webauthn/json_read.h): every text simdjson reads gives
 * the tree json_loadb gives, member order and integer/real split included; every text jansson
 * refuses is left to jansson, whose error wa_json_loadb hands back unchanged; ordinary bodies
 * really take simdjson's path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_agree.h"
#include "webauthn/json_read.h"

#define BOTH_FLAGS  (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)
#define DEEP_LEVELS 1500 /* beyond simdjson's 1024, within jansson's 2048 */
#define LARGE_ITEMS 1000 /* about 21 KiB of text: beyond the kept parser's 16 KiB */

/* Reads text both ways and checks they agree; true when simdjson's path gave the tree. */
static bool agree(const char *text, size_t len, size_t flags)
{
	bool simd_read = false;
	const char *why = json_read_disagreement(text, len, flags, &simd_read);

	if (why != NULL)
		fail_msg("%s: %.*s", why, (int)(len < 200 ? len : 200), text ? text : "(none)");
	return simd_read;
}

static bool agree_str(const char *text, size_t flags)
{
	return agree(text, strlen(text), flags);
}

/* jansson's own verdict on the text: what the cases below are about. */
static bool jansson_reads(const char *text, size_t len, size_t flags)
{
	json_t *json = json_loadb(text, len, flags, NULL);

	json_decref(json);
	return json != NULL;
}

static bool jansson_reads_str(const char *text, size_t flags)
{
	return jansson_reads(text, strlen(text), flags);
}

/* What servers read every ceremony: simdjson's path, jansson's tree. */
static void test_ordinary_texts_take_simdjson(void **state)
{
	static const char *texts[] = {
	        "{\"id\":\"AAEC\",\"rawId\":\"AAEC\",\"response\":{\"authenticatorData\":\"SZYN\","
	        "\"clientDataJSON\":\"eyJ0\",\"signature\":\"MEUC\",\"userHandle\":\"dXNl\"},"
	        "\"type\":\"public-key\",\"clientExtensionResults\":{}}",
	        "{\"type\":\"webauthn.get\",\"challenge\":\"AAECAw\","
	        "\"origin\":\"https://kagura.example\",\"crossOrigin\":false}",
	        "{\"username\":\"\xe5\xb1\xb1\xe7\x94\xb0\",\"displayName\":\"\\u5c71\\u7530 "
	        "\\ud83d\\ude00\","
	        "\"authenticatorSelection\":{\"requireResidentKey\":false},\"attestation\":"
	        "\"direct\"}",
	        "[1,-1,0,-0,9223372036854775807,-9223372036854775808,1.5,-2.25e-3,1E2,0.1,1e-400]",
	        "{\"z\":1,\"a\":2,\"m\":{\"b\":null,\"a\":true},\"e\":[],\"o\":{}}",
	        "  \t\r\n{\"esc\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20ac\"}\n ",
	        "{\"\":\"empty key\",\"k\":\"\"}",
	        "[\"DEL is no control character: \x7f\"]",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_true(agree_str(texts[i], JSON_REJECT_DUPLICATES));
		assert_true(agree_str(texts[i], BOTH_FLAGS));
		assert_true(agree_str(texts[i], 0));
	}
	/* Scalars at the top only with JSON_DECODE_ANY. */
	assert_true(agree_str("\"text\"", BOTH_FLAGS));
	assert_true(agree_str("42", BOTH_FLAGS));
	assert_true(agree_str("null", BOTH_FLAGS));
	assert_false(agree_str("42", JSON_REJECT_DUPLICATES));
	assert_false(agree_str("\"text\"", 0));
}

/* Every text jansson refuses is refused, with jansson's error. */
static void test_refused_texts_keep_janssons_error(void **state)
{
	static const char *texts[] = {
	        "",
	        " ",
	        "{",
	        "}",
	        "{\"a\":1,}",
	        "[1,]",
	        "[01]",
	        "[1.]",
	        "[.5]",
	        "[+1]",
	        "[-]",
	        "[1e]",
	        "[NaN]",
	        "[Infinity]",
	        "{\"a\" 1}",
	        "{a:1}",
	        "['a']",
	        "[\"\\x\"]",
	        "[\"\\ud800\"]",
	        "[\"\\udc00\"]",
	        "[\"\\ud800\\u0041\"]",
	        "[\"\\u12\"]",
	        "[\"a\x01z\"]",
	        "[\"a\tz\"]",
	        "[1]\v",
	        "\f[1]",
	        "[1] [2]",
	        "[1] x",
	        "[tru]",
	        "[truex]",
	        "[nul]",
	        "[\"\xc3\x28\"]",
	        "[\"\xc0\xaf\"]",
	        "[\"\xed\xa0\x80\"]",
	        "[\"\xf4\x90\x80\x80\"]",
	        "[\"\xff\"]",
	        "[\"\\u0000\"]",
	        "{\"a\\u0000b\":1}",
	        "{\"a\":1,\"a\":2}",
	        "{\"o\":{\"k\":[],\"k\":{}}}",
	        "[9223372036854775808]",
	        "[-9223372036854775809]",
	        "[123456789012345678901234567890]",
	        "[-123456789012345678901234567890]",
	        "[1e400]",
	        "[-1e400]",
	        "\xef\xbb\xbf{}",
	        "[\"unterminated]",
	        "[1,,2]",
	        "{\"a\":}",
	        "[\"\\u00G0\"]",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_false(jansson_reads_str(texts[i], BOTH_FLAGS));
		assert_false(agree_str(texts[i], BOTH_FLAGS));
	}
	/* A NUL byte in the text itself. */
	assert_false(jansson_reads("[1]\0", 4, BOTH_FLAGS));
	assert_false(agree("[1]\0", 4, BOTH_FLAGS));
	assert_false(jansson_reads("[\"a\0b\"]", 7, BOTH_FLAGS));
	assert_false(agree("[\"a\0b\"]", 7, BOTH_FLAGS));
	/* No text at all: jansson's "wrong arguments". */
	assert_false(agree(NULL, 0, BOTH_FLAGS));
	/* The duplicate's own error code, which clientDataJSON's reader tells apart. */
	{
		json_error_t err;

		assert_null(wa_json_loadb("{\"a\":1,\"a\":2}", 13, JSON_REJECT_DUPLICATES, &err));
		assert_int_equal(json_error_code(&err), json_error_duplicate_key);
	}
}

/* Texts jansson reads that simdjson leaves to it: still jansson's tree. */
static void test_left_to_jansson(void **state)
{
	char *deep = malloc(2 * DEEP_LEVELS + 1);

	(void)state;
	/* Without JSON_REJECT_DUPLICATES jansson keeps the last member. */
	assert_true(jansson_reads_str("{\"a\":1,\"a\":2}", 0));
	assert_false(agree_str("{\"a\":1,\"a\":2}", 0));
	/* Flags simdjson's reading does not know. */
	assert_true(jansson_reads_str("[1]", JSON_DECODE_INT_AS_REAL));
	assert_false(agree_str("[1]", JSON_DECODE_INT_AS_REAL));
	assert_true(jansson_reads_str("[\"a\\u0000b\"]", JSON_ALLOW_NUL));
	assert_false(agree_str("[\"a\\u0000b\"]", JSON_ALLOW_NUL));
	/* Reals of 2^63 and beyond. */
	assert_true(jansson_reads_str("[1e19]", BOTH_FLAGS));
	assert_false(agree_str("[1e19]", BOTH_FLAGS));
	assert_true(jansson_reads_str("[-9.3e18]", BOTH_FLAGS));
	assert_false(agree_str("[-9.3e18]", BOTH_FLAGS));
	assert_true(agree_str("[9.2e18]", BOTH_FLAGS));
	/* Deeper than simdjson reads. */
	assert_non_null(deep);
	memset(deep, '[', DEEP_LEVELS);
	memset(deep + DEEP_LEVELS, ']', DEEP_LEVELS);
	deep[2 * DEEP_LEVELS] = '\0';
	assert_true(jansson_reads_str(deep, BOTH_FLAGS));
	assert_false(agree_str(deep, BOTH_FLAGS));
	free(deep);
}

/* The length is honoured: text beyond it is not read, a text without a NUL after it is fine. */
static void test_length_bounds_the_text(void **state)
{
	static const char text[] = "{\"a\":[1,2]}garbage";
	char *exact = malloc(11);

	(void)state;
	assert_true(agree(text, 11, BOTH_FLAGS));
	assert_false(agree(text, 10, BOTH_FLAGS));
	assert_non_null(exact);
	memcpy(exact, text, 11); /* no NUL after it: ASan sees any read past the end */
	assert_true(agree(exact, 11, BOTH_FLAGS));
	free(exact);
}

/* A text beyond the thread's kept parser gets a parser of its own; the kept one goes on. */
static void test_large_text_own_parser(void **state)
{
	size_t cap = LARGE_ITEMS * 32 + 16, len = 0;
	char *text = malloc(cap);

	(void)state;
	assert_non_null(text);
	text[len++] = '[';
	for (int i = 0; i < LARGE_ITEMS; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s\"item %05d of many\"",
		                        i ? "," : "", i);
	text[len++] = ']';
	assert_true(len > 16 * 1024);
	assert_true(agree(text, len, BOTH_FLAGS));
	assert_true(agree_str("{\"small\":[true,null]}", BOTH_FLAGS));
	assert_true(agree(text, len, BOTH_FLAGS));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ordinary_texts_take_simdjson),
	        cmocka_unit_test(test_refused_texts_keep_janssons_error),
	        cmocka_unit_test(test_left_to_jansson),
	        cmocka_unit_test(test_length_bounds_the_text),
	        cmocka_unit_test(test_large_text_own_parser),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
