/* Scenario files: the format's rules, and bad input refused with the line that is wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scenarios/runner.h"
#include "scenarios/scenario.h"

static const char good[] = "# comment\n"
                           "entry 2.10\n"
                           "manual 2.16 1.04=2.11\n"
                           "title 403 on a forbidden network\n"
                           "\n"
                           "setup\n"
                           "\tca.user doctor\n"
                           "  phone.new phone persona=android-chrome source_address=127.0.0.2\n"
                           "cause c1 Wi-Fi of a hospital\n"
                           "\tnet.forbid 127.0.0.2/32\n"
                           "\tphone.open phone \"/login?x=a b\" label=\"my \\\"phone\\\"\"\n"
                           "\texpect.message phone.page   # trailing comment\n"
                           "remedy r1 carrier network\r\n"
                           "\tnet.forbid\n"
                           "remedy r2 VPN off\n"
                           "cause c2\n"
                           "\texpect.done pc.page\n";

static void test_parse(void **state)
{
	sc_scenario s;
	char why[256];
	const sc_step *st;

	(void)state;
	assert_int_equal(sc_scenario_parse("good", good, strlen(good), &s, why, sizeof(why)),
	                 SC_OK);
	assert_string_equal(s.entry, "2.10");
	assert_int_equal(s.n_manuals, 2);
	assert_string_equal(sc_scenario_entry_in(&s, "2.16"), "2.10");
	assert_string_equal(sc_scenario_entry_in(&s, "1.04"), "2.11");
	assert_string_equal(s.title, "403 on a forbidden network");
	assert_int_equal(s.setup.n_steps, 2);
	st = &s.setup.steps[1];
	assert_string_equal(st->verb, "phone.new");
	assert_string_equal(sc_step_word(st, 0), "phone");
	assert_null(sc_step_word(st, 1));
	assert_string_equal(sc_step_get(st, "persona"), "android-chrome");
	assert_string_equal(sc_step_get(st, "source_address"), "127.0.0.2");
	assert_int_equal(s.n_causes, 2);
	assert_string_equal(s.causes[0].block.id, "c1");
	assert_string_equal(s.causes[0].block.label, "Wi-Fi of a hospital");
	st = &s.causes[0].block.steps[1];
	assert_string_equal(sc_step_word(st, 1), "/login?x=a b");
	assert_string_equal(sc_step_get(st, "label"), "my \"phone\"");
	assert_int_equal(s.causes[0].block.steps[2].n, 1); /* the comment is no word */
	assert_int_equal(s.causes[0].n_remedies, 2);
	assert_string_equal(s.causes[0].remedies[0].id, "r1");
	assert_string_equal(s.causes[0].remedies[0].label, "carrier network");
	assert_int_equal(s.causes[0].remedies[0].steps[0].line, 14);
	assert_int_equal(s.causes[1].n_remedies, 0);
	sc_scenario_free(&s);
}

static void refused(const char *text, const char *needle, sc_err want)
{
	sc_scenario s;
	char why[256] = "";

	assert_int_equal(sc_scenario_parse("bad", text, strlen(text), &s, why, sizeof(why)), want);
	if (strstr(why, needle) == NULL)
		fail_msg("'%s' not in '%s'", needle, why);
	assert_null(s.causes); /* nothing half-built is left */
}

static void test_refused(void **state)
{
	char *big;

	(void)state;
	refused("manual 2.16\ncause c1\n", "no entry line", SC_ERR_SYNTAX);
	refused("entry 2.1\ncause c1\n", "no manual line", SC_ERR_SYNTAX);
	refused("entry 2.1\nmanual 2.16\n", "no cause", SC_ERR_SYNTAX);
	refused("entry 2.1\nmanual 3.00\ncause c1\n", "bad:2: manual is 2.16 or 1.04",
	        SC_ERR_SYNTAX);
	refused("entry 2.1\nmanual 2.16\n\tca.user u\ncause c1\n", "bad:3: a step outside",
	        SC_ERR_SYNTAX);
	refused("entry 2.1\nmanual 2.16\nremedy r1\ncause c1\n", "bad:3: a remedy follows",
	        SC_ERR_SYNTAX);
	refused("entry 2.1\nmanual 2.16\ncause c1\n\tphone.open p \"/x\n", "bad:4: unterminated",
	        SC_ERR_SYNTAX);
	refused("entry 2.1\nmanual 2.16\ncause\n", "bad:3: a cause or remedy needs", SC_ERR_SYNTAX);
	refused("entry 2.1\nmanual 2.16\ncause c1\nsteps\n", "bad:4: unknown keyword",
	        SC_ERR_SYNTAX);
	refused("entry 2.1\nentry 2.2\n", "entry given twice", SC_ERR_SYNTAX);
	refused("entry 2.1\nmanual 2.16\ncause c1\n\ta 1 2 3 4 5 6 7 8 9 10 11 12 13\n",
	        "more than 12 words", SC_ERR_TOO_LARGE);
	big = malloc(5000);
	memset(big, 'a', 4999);
	big[4999] = '\0';
	refused(big, "line longer", SC_ERR_TOO_LARGE);
	free(big);
}

static void test_nul_byte(void **state)
{
	static const char text[] = "entry 2.1\nmanual 2.16\0\ncause c1\n";
	sc_scenario s;
	char why[256];

	(void)state;
	assert_int_equal(sc_scenario_parse("nul", text, sizeof(text) - 1, &s, why, sizeof(why)),
	                 SC_ERR_SYNTAX);
	assert_non_null(strstr(why, "NUL"));
}

/* What the screen shows against the catalogue's line: width, long vowel, placeholders. */
static void test_shows(void **state)
{
	(void)state;
	assert_true(sc_shows("タイトル\nセキュリティーキーによる認証に失敗しました。",
	                     "セキュリティーキーによる認証に失敗しました。"));
	/* Width and spacing are the screen's; a long vowel or a letter's case is the message's. */
	assert_false(sc_shows("セキュリティキーによる認証に失敗しました。",
	                      "セキュリティーキーによる認証に失敗しました。"));
	assert_false(sc_shows("WebAuthn is not supported by this browser.",
	                      "WebAuthn is not Supported by this browser."));
	assert_true(sc_shows("セキュリティーキーによる\n認証に失敗しました。",
	                     "セキュリティーキーによる認証に失敗しました。"));
	assert_true(sc_shows("Ｃｏｏｋｉｅ が見つかりません。", "Cookie が見つかりません。"));
	assert_true(
	        sc_shows("すでにこのセッションで異なるユーザー1234567890として認証されています。",
	                 "すでにこのセッションで異なるユーザーxxxxxxxとして認証されています。"));
	assert_false(
	        sc_shows("すでにこのセッションで異なるユーザー1234567890として",
	                 "すでにこのセッションで異なるユーザーxxxxxxxとして認証されています。"));
	assert_false(sc_shows("セキュリティーキーの登録結果が無効です。",
	                      "セキュリティーキーによる認証に失敗しました。"));
	assert_false(sc_shows("", "403 Forbidden"));
	assert_false(sc_shows("403 Forbidden", ""));
}

/* scenarios/README.md lists the vocabulary exactly as the one table prints it. */
static void test_vocabulary_documented(void **state)
{
	char *printed = NULL, *readme = NULL;
	size_t len = 0, rlen = 0;
	FILE *m = open_memstream(&printed, &len);
	FILE *f = fopen(KAGURA_SCENARIOS_README, "r");

	(void)state;
	assert_non_null(m);
	assert_non_null(f);
	sc_vocabulary_print(m);
	fclose(m);
	readme = malloc(1 << 20);
	assert_non_null(readme);
	rlen = fread(readme, 1, (1 << 20) - 1, f);
	readme[rlen] = '\0';
	fclose(f);
	assert_true(len > 0);
	if (strstr(readme, printed) == NULL)
		fail_msg("scenarios/README.md's vocabulary differs from `kagura-scenarios "
		         "steps`:\n%s",
		         printed);
	free(printed);
	free(readme);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse),   cmocka_unit_test(test_vocabulary_documented),
	        cmocka_unit_test(test_refused), cmocka_unit_test(test_nul_byte),
	        cmocka_unit_test(test_shows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
