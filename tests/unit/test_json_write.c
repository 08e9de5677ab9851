/*
 * The compact JSON writer (webauthn/json_write.h): byte for byte json_dumps(JSON_COMPACT) for
 * every tree jansson writes (escapes, NULs, non-ASCII, reals, order, empty containers), and NULL
 * where jansson gives NULL (scalars, strings that are not UTF-8) or the tree is too deep.
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

#include "webauthn/json_write.h"

/* Writes the tree both ways: the same bytes, or NULL from both. */
static void same_text(const json_t *json)
{
	char *want = json_dumps(json, JSON_COMPACT);
	size_t len = 12345;
	char *got = wa_json_dumps(json, &len);

	if (want == NULL) {
		assert_null(got);
		assert_int_equal(len, 0);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));
	free(want);
	free(got);
}

static void same_text_of(const char *text)
{
	json_error_t err;
	json_t *json = json_loads(text, JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);

	if (json == NULL)
		fail_msg("test text does not parse: %s: %s", text, err.text);
	same_text(json);
	json_decref(json);
}

static void test_written_as_jansson_writes(void **state)
{
	static const char *texts[] = {
	        "{\"status\":\"ok\",\"errorMessage\":\"\",\"challenge\":\"AAECAw\",\"timeout\":"
	        "300000,"
	        "\"rpId\":\"kagura.example\",\"allowCredentials\":[{\"type\":\"public-key\","
	        "\"id\":\"AAEC\"}],\"userVerification\":\"preferred\"}",
	        "{}",
	        "[]",
	        "[{}]",
	        "[[],{},[[]]]",
	        "{\"a\":{\"b\":{\"c\":[]}}}",
	        "[\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\\u0000 \\u007f\"]",
	        "{\"key\":\"v\\u0000\",\"\\n\":\"\"}",
	        "[\"\xe5\xb1\xb1\xe7\x94\xb0 \\u20ac \\ud83d\\ude00\"]",
	        "[1,-1,0,9223372036854775807,-9223372036854775808]",
	        "[1.5,-0.0,1e300,2.5e-300,0.1,100000000000000000000.0,3.0]",
	        "[true,false,null]",
	        "{\"z\":1,\"a\":2,\"m\":3}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		same_text_of(texts[i]);
}

static void test_refused_as_jansson_refuses(void **state)
{
	json_t *scalar = json_integer(1), *text = json_string("s"), *obj = json_object();
	size_t len = 1;

	(void)state;
	/* Scalars at the top (jansson: only with JSON_ENCODE_ANY). */
	same_text(scalar);
	same_text(text);
	/* A string that is not UTF-8, which only the unchecked constructors make. */
	json_object_set_new(obj, "bad", json_stringn_nocheck("\xff", 1));
	same_text(obj);
	json_decref(obj);
	/* A key that is not UTF-8: refused (jansson writes a lone quote, no JSON). */
	obj = json_object();
	json_object_set_new_nocheck(obj, "\xc0\xaf", json_true());
	assert_null(wa_json_dumps(obj, &len));
	json_decref(obj);
	json_decref(scalar);
	json_decref(text);
	/* Too deep: refused, where jansson would go on. */
	{
		json_t *deep = json_array(), *top = deep;

		for (int i = 0; i < WA_JSON_WRITE_DEPTH + 1; i++) {
			json_t *inner = json_array();

			json_array_append_new(deep, inner);
			deep = inner;
		}
		assert_null(wa_json_dumps(top, &len));
		assert_int_equal(len, 0);
		json_decref(top);
	}
	/* A cycle: jansson refuses it, and so does the depth limit here. */
	{
		json_t *a = json_array(), *b = json_array();

		json_array_append(a, b);
		json_array_append(b, a);
		assert_null(wa_json_dumps(a, &len));
		json_array_clear(b);
		json_decref(a);
		json_decref(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_written_as_jansson_writes),
	        cmocka_unit_test(test_refused_as_jansson_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
