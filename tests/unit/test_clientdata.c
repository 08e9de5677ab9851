/*
 * CollectedClientData (clientDataJSON): parsing what browsers send (UTF-8,
 * BOM, one JSON object, no duplicates, member types), building it the way
 * Chromium serialises it, and the UTF-8 validator underneath.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "webauthn/b64url.h"
#include "webauthn/clientdata.h"
#include "webauthn/utf8.h"

/* 32 bytes 0x00..0x1f and their base64url form. */
#define CHAL_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"

static const uint8_t *chal_bytes(void)
{
	static uint8_t c[32];
	for (int i = 0; i < 32; i++)
		c[i] = (uint8_t)i;
	return c;
}

static wa_err parse_str(const char *s, wa_clientdata *cd)
{
	return wa_clientdata_parse((const uint8_t *)s, strlen(s), cd);
}

/* Parsing must fail with want, and a failed parse leaves nothing allocated behind. */
static void expect_parse_err(const void *p, size_t len, wa_err want)
{
	wa_clientdata cd;
	wa_err got = wa_clientdata_parse(p, len, &cd);

	if (got != want)
		print_error("parsing %.*s: got %s, want %s\n", (int)len, (const char *)p,
		            wa_errname(got), wa_errname(want));
	assert_int_equal(got, want);
	assert_null(cd.type);
	assert_null(cd.challenge);
	assert_null(cd.origin);
	assert_null(cd.top_origin);
	assert_null(cd.token_binding_status);
	wa_clientdata_reset(&cd);
}

static void expect_str_err(const char *s, wa_err want)
{
	expect_parse_err(s, strlen(s), want);
}

/* What Chromium sends for navigator.credentials.create(), including its warning member. */
static const char chromium_create[] =
        "{\"type\":\"webauthn.create\",\"challenge\":\"" CHAL_B64 "\","
        "\"origin\":\"https://kagura.example.jp\",\"crossOrigin\":false,"
        "\"other_keys_can_be_added_here\":\"do not compare clientDataJSON against a template. "
        "See https://goo.gl/yabPex\"}";

static void test_parse_chromium(void **state)
{
	wa_clientdata cd;

	(void)state;
	assert_int_equal(parse_str(chromium_create, &cd), WA_OK);
	assert_string_equal(cd.type, WA_TYPE_CREATE);
	assert_string_equal(cd.challenge, CHAL_B64);
	assert_string_equal(cd.origin, "https://kagura.example.jp");
	assert_true(cd.has_cross_origin);
	assert_false(cd.cross_origin);
	assert_null(cd.top_origin);
	assert_null(cd.token_binding_status);
	wa_clientdata_reset(&cd);
	assert_null(cd.type);
}

static void test_parse_cross_origin_top_origin(void **state)
{
	wa_clientdata cd;

	(void)state;
	assert_int_equal(parse_str("{\"type\":\"webauthn.get\",\"challenge\":\"" CHAL_B64 "\","
	                           "\"origin\":\"https://idp.example\",\"crossOrigin\":true,"
	                           "\"topOrigin\":\"https://rp.example\"}",
	                           &cd),
	                 WA_OK);
	assert_string_equal(cd.type, WA_TYPE_GET);
	assert_string_equal(cd.origin, "https://idp.example");
	assert_true(cd.has_cross_origin);
	assert_true(cd.cross_origin);
	assert_non_null(cd.top_origin);
	assert_string_equal(cd.top_origin, "https://rp.example");
	wa_clientdata_reset(&cd);
}

/* crossOrigin is optional (Level 1 clients omit it). */
static void test_parse_minimal(void **state)
{
	wa_clientdata cd;

	(void)state;
	assert_int_equal(parse_str("{\"challenge\":\"AA\",\"origin\":\"o\",\"type\":\"t\"}", &cd),
	                 WA_OK);
	assert_string_equal(cd.type, "t");
	assert_string_equal(cd.challenge, "AA");
	assert_string_equal(cd.origin, "o");
	assert_false(cd.has_cross_origin);
	assert_false(cd.cross_origin);
	assert_null(cd.top_origin);
	wa_clientdata_reset(&cd);
}

/* Level 2 tokenBinding: the status is kept when it is one of the three values. */
static void test_parse_token_binding(void **state)
{
	static const char *const statuses[] = {"present", "supported", "not-supported"};

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		char buf[256];
		wa_clientdata cd;

		snprintf(buf, sizeof(buf),
		         "{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"https://a\","
		         "\"tokenBinding\":{\"status\":\"%s\",\"id\":\"AAAA\"}}",
		         statuses[i]);
		assert_int_equal(parse_str(buf, &cd), WA_OK);
		assert_non_null(cd.token_binding_status);
		assert_string_equal(cd.token_binding_status, statuses[i]);
		wa_clientdata_reset(&cd);
	}
}

/* Unknown members of any JSON type are tolerated and do not disturb the known ones. */
static void test_parse_extra_keys(void **state)
{
	wa_clientdata cd;

	(void)state;
	assert_int_equal(
	        parse_str(
	                " {\"extraData\":\"clientDataJSON may be extended\", \"n\": "
	                "1.5e3,\"arr\":[1,"
	                "{\"type\":\"nested\"}],\"obj\":{\"origin\":\"https://evil\"},\"nul\":null,"
	                "\"type\" : \"webauthn.get\",\n\"challenge\":\"" CHAL_B64 "\",\t\"origin\":"
	                "\"https://kagura.example.jp\",\"crossOrigin\":false,\"\":true} \r\n",
	                &cd),
	        WA_OK);
	assert_string_equal(cd.type, WA_TYPE_GET);
	assert_string_equal(cd.challenge, CHAL_B64);
	assert_string_equal(cd.origin, "https://kagura.example.jp");
	assert_true(cd.has_cross_origin);
	assert_false(cd.cross_origin);
	wa_clientdata_reset(&cd);
}

/* JSON escapes are decoded: \/ and \u00e9 (é) and a surrogate pair (U+1F600). */
static void test_parse_escapes(void **state)
{
	wa_clientdata cd;

	(void)state;
	assert_int_equal(parse_str("{\"type\":\"webauthn.\\u0067et\",\"challenge\":\"AA\","
	                           "\"origin\":\"https:\\/\\/caf\\u00e9.example\","
	                           "\"topOrigin\":\"https://\\ud83d\\ude00.example\"}",
	                           &cd),
	                 WA_OK);
	assert_string_equal(cd.type, "webauthn.get");
	assert_string_equal(cd.origin, "https://caf\xc3\xa9.example");
	assert_string_equal(cd.top_origin, "https://\xf0\x9f\x98\x80.example");
	wa_clientdata_reset(&cd);
}

static void test_parse_bom(void **state)
{
	char buf[512];
	wa_clientdata cd;
	int n;

	(void)state;
	n = snprintf(buf, sizeof(buf), "\xef\xbb\xbf%s", chromium_create);
	assert_int_equal(wa_clientdata_parse((const uint8_t *)buf, (size_t)n, &cd), WA_OK);
	assert_string_equal(cd.type, WA_TYPE_CREATE);
	assert_string_equal(cd.origin, "https://kagura.example.jp");
	wa_clientdata_reset(&cd);
	/* Only one BOM is dropped: a second one is a stray character before the object. */
	n = snprintf(buf, sizeof(buf), "\xef\xbb\xbf\xef\xbb\xbf%s", chromium_create);
	expect_parse_err(buf, (size_t)n, WA_ERR_CDATA_JSON);
	/* A BOM anywhere else is not stripped either. */
	n = snprintf(buf, sizeof(buf), " \xef\xbb\xbf%s", chromium_create);
	expect_parse_err(buf, (size_t)n, WA_ERR_CDATA_JSON);
	/* A BOM alone is an empty document. */
	expect_parse_err("\xef\xbb\xbf", 3, WA_ERR_CDATA_JSON);
	/* A UTF-16 BOM is not UTF-8 at all. */
	expect_parse_err("\xff\xfe{}", 4, WA_ERR_CDATA_UTF8);
}

/* Invalid UTF-8 inside an otherwise valid object, in the origin value. */
static void test_parse_bad_utf8(void **state)
{
	static const char *const bad[] = {
	        "\xc0\xaf",         /* overlong '/' */
	        "\xe0\x80\xaf",     /* overlong '/', three bytes */
	        "\xf0\x80\x80\xaf", /* overlong '/', four bytes */
	        "\xed\xa0\x80",     /* U+D800 encoded in UTF-8 (CESU) */
	        "\xed\xbf\xbf",     /* U+DFFF */
	        "\xe2\x82",         /* truncated sequence (€ without its last byte) */
	        "\xff",
	        "\xfe",
	        "\x80",             /* lone continuation byte */
	        "\xf4\x90\x80\x80", /* U+110000 */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char buf[256];
		int n = snprintf(buf, sizeof(buf),
		                 "{\"type\":\"webauthn.get\",\"challenge\":\"AA\","
		                 "\"origin\":\"https://x%s.example\"}",
		                 bad[i]);
		expect_parse_err(buf, (size_t)n, WA_ERR_CDATA_UTF8);
	}
	/* truncated at the very end of the input, and in an unknown member's name */
	expect_str_err("{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"o\"}\xe2\x82",
	               WA_ERR_CDATA_UTF8);
	expect_str_err("{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"o\","
	               "\"\xc1\xbf\":1}",
	               WA_ERR_CDATA_UTF8);
}

static void test_parse_not_json(void **state)
{
	static const char with_nul[] = "{\"type\":\"webauthn.get\",\"challenge\":\"AA\","
	                               "\"origin\":\"o\0\"}";

	(void)state;
	expect_parse_err("", 0, WA_ERR_CDATA_JSON);
	expect_str_err("webauthn", WA_ERR_CDATA_JSON);
	expect_str_err("{\"type\":\"webauthn.create\",", WA_ERR_CDATA_JSON);
	expect_str_err("{\"type\":'webauthn.create'}", WA_ERR_CDATA_JSON);
	expect_str_err("{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"o\",}",
	               WA_ERR_CDATA_JSON);
	/* one object, and nothing after it */
	expect_str_err("{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"o\"}{}",
	               WA_ERR_CDATA_JSON);
	expect_str_err("{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"o\"} x",
	               WA_ERR_CDATA_JSON);
	/* a raw control character inside a string is not JSON (valid UTF-8 though) */
	expect_parse_err(with_nul, sizeof(with_nul) - 1, WA_ERR_CDATA_JSON);
	/* not an object */
	expect_str_err("[\"webauthn.create\"]", WA_ERR_CDATA_JSON);
	expect_str_err("[{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"o\"}]",
	               WA_ERR_CDATA_JSON);
	expect_str_err("\"webauthn.get\"", WA_ERR_CDATA_JSON);
	expect_str_err("42", WA_ERR_CDATA_JSON);
	expect_str_err("null", WA_ERR_CDATA_JSON);
	expect_str_err("true", WA_ERR_CDATA_JSON);
}

static void test_parse_duplicate(void **state)
{
	(void)state;
	expect_str_err("{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"https://a\","
	               "\"origin\":\"https://a\"}",
	               WA_ERR_CDATA_DUPLICATE);
	/* the second value would win in a last-wins parser: it must not be picked silently */
	expect_str_err(
	        "{\"type\":\"webauthn.get\",\"type\":\"webauthn.create\",\"challenge\":\"AA\","
	        "\"origin\":\"https://a\"}",
	        WA_ERR_CDATA_DUPLICATE);
	expect_str_err("{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"https://a\","
	               "\"x\":1,\"x\":1}",
	               WA_ERR_CDATA_DUPLICATE);
	/* duplicates spelled differently: an escape decodes to the same name */
	expect_str_err("{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"https://a\","
	               "\"\\u006frigin\":\"https://b\"}",
	               WA_ERR_CDATA_DUPLICATE);
}

static void test_parse_member_types(void **state)
{
	static const struct {
		const char *json;
		wa_err want;
	} cases[] = {
	        /* type */
	        {"{\"challenge\":\"AA\",\"origin\":\"o\"}", WA_ERR_CDATA_TYPE_MISSING},
	        {"{\"type\":1,\"challenge\":\"AA\",\"origin\":\"o\"}", WA_ERR_CDATA_TYPE_MISSING},
	        {"{\"type\":null,\"challenge\":\"AA\",\"origin\":\"o\"}",
	         WA_ERR_CDATA_TYPE_MISSING},
	        {"{\"type\":[\"webauthn.get\"],\"challenge\":\"AA\",\"origin\":\"o\"}",
	         WA_ERR_CDATA_TYPE_MISSING},
	        {"{\"Type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"o\"}",
	         WA_ERR_CDATA_TYPE_MISSING},
	        /* challenge */
	        {"{\"type\":\"webauthn.get\",\"origin\":\"o\"}", WA_ERR_CDATA_CHALLENGE_MISSING},
	        {"{\"type\":\"webauthn.get\",\"challenge\":\"\",\"origin\":\"o\"}",
	         WA_ERR_CDATA_CHALLENGE_MISSING},
	        {"{\"type\":\"webauthn.get\",\"challenge\":123,\"origin\":\"o\"}",
	         WA_ERR_CDATA_CHALLENGE_MISSING},
	        {"{\"type\":\"webauthn.get\",\"challenge\":{},\"origin\":\"o\"}",
	         WA_ERR_CDATA_CHALLENGE_MISSING},
	        /* origin */
	        {"{\"type\":\"webauthn.get\",\"challenge\":\"AA\"}", WA_ERR_CDATA_ORIGIN_MISSING},
	        {"{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"\"}",
	         WA_ERR_CDATA_ORIGIN_MISSING},
	        {"{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":false}",
	         WA_ERR_CDATA_ORIGIN_MISSING},
	        /* crossOrigin */
	        {"{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"o\",\"crossOrigin\":"
	         "\"false\"}",
	         WA_ERR_CDATA_CROSS_ORIGIN_TYPE},
	        {"{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"o\",\"crossOrigin\":"
	         "0}",
	         WA_ERR_CDATA_CROSS_ORIGIN_TYPE},
	        {"{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"o\",\"crossOrigin\":"
	         "null}",
	         WA_ERR_CDATA_CROSS_ORIGIN_TYPE},
	        /* topOrigin */
	        {"{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"o\",\"topOrigin\":"
	         "5}",
	         WA_ERR_CDATA_TOP_ORIGIN_TYPE},
	        {"{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"o\",\"topOrigin\":"
	         "null}",
	         WA_ERR_CDATA_TOP_ORIGIN_TYPE},
	        {"{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"o\",\"topOrigin\":"
	         "true}",
	         WA_ERR_CDATA_TOP_ORIGIN_TYPE},
	        /* tokenBinding */
	        {"{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"o\","
	         "\"tokenBinding\":"
	         "\"present\"}",
	         WA_ERR_CDATA_TOKEN_BINDING},
	        {"{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"o\","
	         "\"tokenBinding\":{}}",
	         WA_ERR_CDATA_TOKEN_BINDING},
	        {"{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"o\","
	         "\"tokenBinding\":"
	         "{\"status\":1}}",
	         WA_ERR_CDATA_TOKEN_BINDING},
	        {"{\"type\":\"webauthn.get\",\"challenge\":\"AA\",\"origin\":\"o\","
	         "\"tokenBinding\":"
	         "{\"status\":\"maybe\"}}",
	         WA_ERR_CDATA_TOKEN_BINDING},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_str_err(cases[i].json, cases[i].want);
}

/* The parser keeps the challenge as text; whether it is base64url is the ceremony's check. */
static void test_parse_challenge_text_kept(void **state)
{
	wa_clientdata cd;

	(void)state;
	assert_int_equal(parse_str("{\"type\":\"webauthn.get\",\"challenge\":\"not base64==\","
	                           "\"origin\":\"o\"}",
	                           &cd),
	                 WA_OK);
	assert_string_equal(cd.challenge, "not base64==");
	wa_clientdata_reset(&cd);
}

static void test_build_chromium_bytes(void **state)
{
	static const char want[] = "{\"type\":\"webauthn.get\",\"challenge\":\"" CHAL_B64 "\","
	                           "\"origin\":\"https://x.example\",\"crossOrigin\":false}";
	static const char want_top[] =
	        "{\"type\":\"webauthn.create\",\"challenge\":\"" CHAL_B64 "\","
	        "\"origin\":\"https://x.example\",\"crossOrigin\":true,\"topOrigin\":\"https://"
	        "top.example\"}";
	wa_blob out = {0};

	(void)state;
	assert_int_equal(wa_clientdata_build(WA_TYPE_GET, chal_bytes(), 32, "https://x.example",
	                                     false, NULL, &out),
	                 WA_OK);
	assert_int_equal(out.len, strlen(want));
	assert_memory_equal(out.ptr, want, out.len);
	/* building into a blob that holds data replaces it */
	assert_int_equal(wa_clientdata_build(WA_TYPE_CREATE, chal_bytes(), 32, "https://x.example",
	                                     true, "https://top.example", &out),
	                 WA_OK);
	assert_int_equal(out.len, strlen(want_top));
	assert_memory_equal(out.ptr, want_top, out.len);
	wa_blob_reset(&out);
}

/* Short challenges are base64url without padding; '/' in origins is not escaped. */
static void test_build_short_challenge(void **state)
{
	static const char want[] = "{\"type\":\"webauthn.get\",\"challenge\":\"-_8\","
	                           "\"origin\":\"https://a.example/\",\"crossOrigin\":false}";
	static const uint8_t chal[] = {0xfb, 0xff};
	wa_blob out = {0};

	(void)state;
	assert_int_equal(wa_clientdata_build(WA_TYPE_GET, chal, sizeof(chal), "https://a.example/",
	                                     false, NULL, &out),
	                 WA_OK);
	assert_int_equal(out.len, strlen(want));
	assert_memory_equal(out.ptr, want, out.len);
	wa_blob_reset(&out);
}

static void test_build_parse_roundtrip(void **state)
{
	static const char *const origins[] = {"https://x.example", "https://caf\xc3\xa9.example",
	                                      "https://q\"uote\\.example"};
	wa_blob out = {0}, chal = {0};
	wa_clientdata cd;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		for (int cross = 0; cross < 2; cross++) {
			const char *top = cross ? "https://top.example" : NULL;

			assert_int_equal(wa_clientdata_build(cross ? WA_TYPE_CREATE : WA_TYPE_GET,
			                                     chal_bytes(), 16 + i, origins[i],
			                                     cross, top, &out),
			                 WA_OK);
			assert_true(wa_utf8_valid(out.ptr, out.len));
			assert_int_equal(wa_clientdata_parse(out.ptr, out.len, &cd), WA_OK);
			assert_string_equal(cd.type, cross ? WA_TYPE_CREATE : WA_TYPE_GET);
			assert_string_equal(cd.origin, origins[i]);
			assert_true(cd.has_cross_origin);
			assert_int_equal(cd.cross_origin, cross);
			if (top) {
				assert_non_null(cd.top_origin);
				assert_string_equal(cd.top_origin, top);
			} else {
				assert_null(cd.top_origin);
			}
			assert_int_equal(
			        wa_b64url_decode(cd.challenge, strlen(cd.challenge), &chal), WA_OK);
			assert_int_equal(chal.len, 16 + i);
			assert_memory_equal(chal.ptr, chal_bytes(), chal.len);
			wa_clientdata_reset(&cd);
		}
	}
	wa_blob_reset(&chal);
	wa_blob_reset(&out);
}

static void test_utf8_table(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		bool ok;
	} t[] = {
	        {"", 0, true},
	        {"abc", 3, true},
	        {"a\0b", 3, true}, /* NUL is a code point */
	        {"\x7f", 1, true},
	        {"\xc2\x80", 2, true},         /* U+0080, smallest two-byte */
	        {"\xdf\xbf", 2, true},         /* U+07FF */
	        {"\xe0\xa0\x80", 3, true},     /* U+0800, smallest three-byte */
	        {"\xed\x9f\xbf", 3, true},     /* U+D7FF, just below the surrogates */
	        {"\xee\x80\x80", 3, true},     /* U+E000, just above */
	        {"\xef\xbb\xbf", 3, true},     /* BOM */
	        {"\xef\xbf\xbf", 3, true},     /* U+FFFF */
	        {"\xf0\x90\x80\x80", 4, true}, /* U+10000, smallest four-byte */
	        {"\xf0\x9f\x98\x80", 4, true}, /* U+1F600 */
	        {"\xf4\x8f\xbf\xbf", 4, true}, /* U+10FFFF, the last code point */
	        {"caf\xc3\xa9 \xe2\x82\xac", 9, true},
	        {"\x80", 1, false}, /* lone continuation */
	        {"\xbf", 1, false},
	        {"a\x80z", 3, false},
	        {"\xc0\x80", 2, false},                 /* overlong NUL */
	        {"\xc0\xaf", 2, false},                 /* overlong '/' */
	        {"\xc1\xbf", 2, false},                 /* overlong U+007F */
	        {"\xe0\x80\x80", 3, false},             /* overlong three-byte */
	        {"\xe0\x9f\xbf", 3, false},             /* overlong U+07FF */
	        {"\xf0\x80\x80\x80", 4, false},         /* overlong four-byte */
	        {"\xf0\x8f\xbf\xbf", 4, false},         /* overlong U+FFFF */
	        {"\xed\xa0\x80", 3, false},             /* U+D800 */
	        {"\xed\xaf\xbf", 3, false},             /* U+DBFF */
	        {"\xed\xb0\x80", 3, false},             /* U+DC00 */
	        {"\xed\xbf\xbf", 3, false},             /* U+DFFF */
	        {"\xed\xa0\xbd\xed\xb8\x80", 6, false}, /* a surrogate pair, CESU-8 */
	        {"\xf4\x90\x80\x80", 4, false},         /* U+110000 */
	        {"\xf5\x80\x80\x80", 4, false},
	        {"\xf7\xbf\xbf\xbf", 4, false},
	        {"\xf8\x88\x80\x80\x80", 5, false}, /* five-byte form */
	        {"\xfc\x84\x80\x80\x80\x80", 6, false},
	        {"\xfe", 1, false},
	        {"\xff", 1, false},
	        {"\xc2", 1, false}, /* truncated at the end */
	        {"\xe2\x82", 2, false},
	        {"\xf0\x9f\x98", 3, false},
	        {"ab\xf0\x9f", 4, false},
	        {"\xc2\x41", 2, false}, /* continuation missing */
	        {"\xe2\x28\xa1", 3, false},
	        {"\xe2\x82\x28", 3, false},
	        {"\xf0\x9f\x28\x80", 4, false},
	        {"\xc2\x80\x80", 3, false}, /* one continuation too many */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		bool got = wa_utf8_valid((const uint8_t *)t[i].s, t[i].len);
		if (got != t[i].ok)
			print_error("row %zu: wa_utf8_valid says %d\n", i, got);
		assert_int_equal(got, t[i].ok);
	}
	/* the length bounds the input: a valid sequence cut short is invalid */
	assert_false(wa_utf8_valid((const uint8_t *)"\xc2\x80", 1));
	assert_false(wa_utf8_valid((const uint8_t *)"\xf0\x9f\x98\x80", 3));
	assert_true(wa_utf8_valid((const uint8_t *)"ab\xff", 2));
}

/* Every code point U+0000..U+10FFFF, encoded by the test, is accepted except the surrogates. */
static void test_utf8_every_code_point(void **state)
{
	(void)state;
	for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
		uint8_t b[4];
		size_t n;

		if (cp < 0x80) {
			b[0] = (uint8_t)cp;
			n = 1;
		} else if (cp < 0x800) {
			b[0] = (uint8_t)(0xc0 | cp >> 6);
			b[1] = (uint8_t)(0x80 | (cp & 0x3f));
			n = 2;
		} else if (cp < 0x10000) {
			b[0] = (uint8_t)(0xe0 | cp >> 12);
			b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
			b[2] = (uint8_t)(0x80 | (cp & 0x3f));
			n = 3;
		} else {
			b[0] = (uint8_t)(0xf0 | cp >> 18);
			b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
			b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
			b[3] = (uint8_t)(0x80 | (cp & 0x3f));
			n = 4;
		}
		if (wa_utf8_valid(b, n) != !(cp >= 0xd800 && cp <= 0xdfff)) {
			print_error("U+%04X misjudged\n", (unsigned)cp);
			fail();
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse_chromium),
	        cmocka_unit_test(test_parse_cross_origin_top_origin),
	        cmocka_unit_test(test_parse_minimal),
	        cmocka_unit_test(test_parse_token_binding),
	        cmocka_unit_test(test_parse_extra_keys),
	        cmocka_unit_test(test_parse_escapes),
	        cmocka_unit_test(test_parse_bom),
	        cmocka_unit_test(test_parse_bad_utf8),
	        cmocka_unit_test(test_parse_not_json),
	        cmocka_unit_test(test_parse_duplicate),
	        cmocka_unit_test(test_parse_member_types),
	        cmocka_unit_test(test_parse_challenge_text_kept),
	        cmocka_unit_test(test_build_chromium_bytes),
	        cmocka_unit_test(test_build_short_challenge),
	        cmocka_unit_test(test_build_parse_roundtrip),
	        cmocka_unit_test(test_utf8_table),
	        cmocka_unit_test(test_utf8_every_code_point),
	};
	return cmocka_run_group_tests_name("clientdata", tests, NULL, NULL);
}
