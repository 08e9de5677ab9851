/* explain's scoring against the real catalogue, and the personas that show a browser's text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scenarios/explain.h"
#include "scenarios/persona_texts.h"

static sc_catalogue *manual216;

static int setup(void **state)
{
	char why[600];

	(void)state;
	if (sc_catalogue_load(KAGURA_MANUAL_DIR "/v2.16.json", &manual216, why, sizeof(why)) !=
	    SC_CAT_OK) {
		print_error("%s\n", why);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sc_catalogue_free(manual216);
	return 0;
}

static double score(const char *id, const char *text)
{
	const sc_cat_entry *e = sc_catalogue_find(manual216, id);

	assert_non_null(e);
	return sc_explain_score(manual216, e, text);
}

/* The best entry for text, or "" when none reaches the floor. */
static const char *best(const char *text)
{
	sc_match m[1];

	return sc_explain(manual216, text, m, 1) == 1 ? m[0].entry->id : "";
}

static void test_statuses(void **state)
{
	(void)state;
	/* By code, with or without words around it, or by reason phrase. */
	assert_true(score("2.10", "403") >= SC_EXPLAIN_CONFIDENT);
	assert_true(score("3.17", "HTTP/1.1 403") >= SC_EXPLAIN_CONFIDENT);
	assert_true(score("2.10", "Forbidden") >= SC_EXPLAIN_CONFIDENT);
	assert_true(score("2.20", "error 405") >= SC_EXPLAIN_CONFIDENT);
	assert_true(score("3.10", "401") >= SC_EXPLAIN_CONFIDENT);
	assert_true(score("3.10", "407 Proxy Authentication Required") >= SC_EXPLAIN_CONFIDENT);
	/* Another status, or the digits inside an ID or a longer number, are not the status. */
	assert_true(score("2.10", "405") < SC_EXPLAIN_FLOOR);
	assert_true(score("2.10", "TESTC40312") < SC_EXPLAIN_FLOOR);
	assert_true(score("2.10", "4031") < SC_EXPLAIN_FLOOR);
	assert_true(score("2.10", "1403") < SC_EXPLAIN_FLOOR);
}

static void test_samples(void **state)
{
	(void)state;
	/* Another user's ID or host in the message: still the whole message. */
	assert_true(
	        score("2.18",
	              "すでにこのセッションで異なるユーザーtestc99999として認証されています。") ==
	        1.0);
	assert_true(score("2.11", "rp.example.com でセキュリティキーを使用する") == 1.0);
	assert_string_equal(best("すでにこのセッションで異なるユーザ TESTC1 として認証されてます"),
	                    "2.18");
	/* A sample value alone names nothing. */
	assert_true(score("2.1", "TESTC30383") == 0.0);
	assert_true(score("3.13", "testc30382") == 0.0);
	assert_true(score("2.18", "xxxxxxx") == 0.0);
	assert_true(score("2.11", "mahpki-auth.2nds.medis.or.jp") == 0.0);
	assert_true(score("2.20", "2024/4/24 14:20:46 MA-T-T") < SC_EXPLAIN_FLOOR);
	assert_string_equal(best("TESTC30383"), "");
	/* Dotted names that are no hosts, and error codes, are text. */
	assert_true(score("2.7", "com.apple.developer.web-browser") >= SC_EXPLAIN_CONFIDENT);
	assert_true(score("3.14", "JPKIHREGERR003") >= SC_EXPLAIN_CONFIDENT);
}

static void test_fragments_and_screens(void **state)
{
	(void)state;
	/* A remembered fragment counts by its length: a shared phrase is weak. */
	assert_true(score("3.9", "エラーが発生しました") < SC_EXPLAIN_CONFIDENT);
	assert_true(score("3.9", "デバイス認証でエラーが発生しました") >= SC_EXPLAIN_CONFIDENT);
	assert_true(score("2.21", "パスキー") < SC_EXPLAIN_FLOOR);
	/* A long fragment that entries with other messages hold too names none of them. */
	assert_true(score("2.8", "NotAllowedError:") < SC_EXPLAIN_CONFIDENT);
	assert_true(score("2.8", "was not allowed.") >= SC_EXPLAIN_CONFIDENT);
	/* Entries with the same message (the phone's and the PC's) do not make it shared. */
	assert_true(score("3.6", "Cookieが見つかりません") >= SC_EXPLAIN_CONFIDENT);
	/* Width, case and long vowels fold; the whole message scores 1. */
	assert_true(score("2.15", "Ｃｏｏｋｉｅ が見つかりません。") == 1.0);
	/* A screen line that is not the message (a label, the page header) is never enough. */
	assert_true(score("2.1", "Username") < SC_EXPLAIN_CONFIDENT);
	assert_true(score("3.7", "HPKIセカンド電子証明書管理・認証プラットフォーム") <
	            SC_EXPLAIN_CONFIDENT);
	/* Not text at all. */
	assert_true(score("2.1", "") == 0.0);
	assert_true(score("2.1", "\xff") == 0.0);
}

static void test_exception_lines(void **state)
{
	(void)state;
	assert_true(sc_persona_text_is_exception("NotAllowedError: Operation failed."));
	assert_true(sc_persona_text_is_exception("TypeError: undefined is not an object"));
	assert_false(sc_persona_text_is_exception("WebAuthn is not Supported by this browser."));
	assert_false(sc_persona_text_is_exception("403 Forbidden"));
	assert_false(sc_persona_text_is_exception("an Error: lower case"));
	assert_true(sc_explain_is_exception(sc_catalogue_find(manual216, "2.8")));
	assert_false(sc_explain_is_exception(sc_catalogue_find(manual216, "3.1")));
}

static void test_personas(void **state)
{
	static const struct {
		const char *report, *names;
	} cases[] = {
	        {"NotAllowedError: The operation either timed out or was not allowed.",
	         "android-chrome, android-chrome-old, android-chrome-without-screen-lock, "
	         "android-chromium-unprivileged, desktop-chrome, desktop-edge"},
	        {"notallowederror: operation failed.", "ios17-safari, ios18-safari"},
	        {"Safari: NotAllowedError: This request has been cancelled by the user. (iOS 17)",
	         "ios17-safari, ios18-safari"},
	        /* {op} stands for create or get. */
	        {"TypeError: undefined is not an object (evaluating 'navigator.credentials.get')",
	         "ios-thirdparty-browser, ios17-safari, ios18-safari"},
	        {"NotAllowedError: operation was not allowed", ""},
	};
	char names[1024], why[600];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = sc_persona_texts_showing(KAGURA_PERSONA_DIR, cases[i].report, names,
		                                 sizeof(names), why, sizeof(why));
		assert_true(n >= 0);
		assert_string_equal(names, cases[i].names);
		assert_int_equal(n == 0, cases[i].names[0] == '\0');
	}
	assert_int_equal(sc_persona_texts_showing(KAGURA_PERSONA_DIR "/none", "x", names,
	                                          sizeof(names), why, sizeof(why)),
	                 -1);
	assert_non_null(strstr(why, "/none"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_statuses),
	        cmocka_unit_test(test_samples),
	        cmocka_unit_test(test_fragments_and_screens),
	        cmocka_unit_test(test_exception_lines),
	        cmocka_unit_test(test_personas),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
