/* The growable buffer (webauthn/buf.h): always NUL-terminated, capped, a failure kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "webauthn/buf.h"

static void test_append(void **state)
{
	wa_buf b = WA_BUF_INIT(1024);
	wa_blob blob = {0};

	(void)state;
	assert_string_equal(wa_buf_str(&b), "");
	assert_int_equal(wa_buf_adds(&b, "<p>"), WA_OK);
	assert_int_equal(wa_buf_add(&b, "abc", 2), WA_OK);
	assert_int_equal(wa_buf_addf(&b, "%d-%s", 42, "x"), WA_OK);
	assert_int_equal(wa_buf_adds(&b, NULL), WA_OK);
	assert_string_equal(wa_buf_str(&b), "<p>ab42-x");
	assert_int_equal(wa_buf_len(&b), 9);
	/* bytes with a NUL inside keep their length, and a NUL past the end */
	assert_int_equal(wa_buf_add(&b, "\0z", 2), WA_OK);
	assert_int_equal(wa_buf_len(&b), 11);
	assert_int_equal(wa_buf_str(&b)[11], '\0');
	assert_int_equal(wa_buf_to_blob(&b, &blob), WA_OK);
	assert_int_equal(blob.len, 11);
	assert_memory_equal(blob.ptr, "<p>ab42-x\0z", 11);
	assert_int_equal(wa_buf_len(&b), 0);
	assert_string_equal(wa_buf_str(&b), "");
	wa_blob_reset(&blob);
	wa_buf_free(&b);
}

static void test_grows(void **state)
{
	wa_buf b = WA_BUF_INIT(1 << 20);
	char piece[100];

	(void)state;
	memset(piece, 'q', sizeof(piece));
	for (int i = 0; i < 5000; i++)
		assert_int_equal(wa_buf_add(&b, piece, sizeof(piece)), WA_OK);
	assert_int_equal(wa_buf_len(&b), 500000);
	assert_int_equal(strlen(wa_buf_str(&b)), 500000);
	wa_buf_free(&b);
}

/* Over its maximum: emptied, the error kept, later appends do nothing, no blob handed over. */
static void test_cap_is_sticky(void **state)
{
	wa_buf b = WA_BUF_INIT(8);
	wa_blob blob = {0};

	(void)state;
	assert_int_equal(wa_buf_adds(&b, "12345678"), WA_OK);
	assert_int_equal(wa_buf_adds(&b, "9"), WA_ERR_TOO_LARGE);
	assert_int_equal(wa_buf_err(&b), WA_ERR_TOO_LARGE);
	assert_string_equal(wa_buf_str(&b), "");
	assert_int_equal(wa_buf_len(&b), 0);
	assert_int_equal(wa_buf_adds(&b, "a"), WA_ERR_TOO_LARGE);
	assert_int_equal(wa_buf_addf(&b, "%s", "a"), WA_ERR_TOO_LARGE);
	assert_string_equal(wa_buf_str(&b), "");
	assert_int_equal(wa_buf_to_blob(&b, &blob), WA_ERR_TOO_LARGE);
	assert_null(blob.ptr);
	wa_buf_free(&b);
	/* after free it is empty and usable again, with its maximum */
	assert_int_equal(wa_buf_err(&b), WA_OK);
	assert_int_equal(wa_buf_adds(&b, "ok"), WA_OK);
	assert_int_equal(wa_buf_addf(&b, "%s", "1234567"), WA_ERR_TOO_LARGE);
	wa_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_append),
	        cmocka_unit_test(test_grows),
	        cmocka_unit_test(test_cap_is_sticky),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
