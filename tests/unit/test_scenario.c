/* Scenario files: the format's rules, and bad input refused with the line that is wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scenarios/number.h"
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

/* A number is the whole word in decimal digits, within its range: nothing else is read as one. */
static void test_number_parse(void **state)
{
	static const struct {
		const char *text;
		uint64_t min, max;
		sc_number_err want;
		uint64_t value;
	} cases[] = {
	        {"0", 0, 10, SC_NUMBER_OK, 0},
	        {"7", 1, 64, SC_NUMBER_OK, 7},
	        {"007", 1, 64, SC_NUMBER_OK, 7},
	        {"18446744073709551615", 0, UINT64_MAX, SC_NUMBER_OK, UINT64_MAX},
	        {"18446744073709551616", 0, UINT64_MAX, SC_NUMBER_OUT_OF_RANGE, 0},
	        {"4294967297", 1, 64, SC_NUMBER_OUT_OF_RANGE, 0},
	        {"0", 1, 64, SC_NUMBER_OUT_OF_RANGE, 0},
	        {"65", 1, 64, SC_NUMBER_OUT_OF_RANGE, 0},
	        {"", 0, 10, SC_NUMBER_NOT_A_NUMBER, 0},
	        {"1x", 0, 10, SC_NUMBER_NOT_A_NUMBER, 0},
	        {"one", 0, 10, SC_NUMBER_NOT_A_NUMBER, 0},
	        {"200abc", 0, 1000, SC_NUMBER_NOT_A_NUMBER, 0},
	        {"-1", 0, 10, SC_NUMBER_NOT_A_NUMBER, 0},
	        {"+1", 0, 10, SC_NUMBER_NOT_A_NUMBER, 0},
	        {" 1", 0, 10, SC_NUMBER_NOT_A_NUMBER, 0},
	        {"1 ", 0, 10, SC_NUMBER_NOT_A_NUMBER, 0},
	        {"0x10", 0, 100, SC_NUMBER_NOT_A_NUMBER, 0},
	        {"1e3", 0, 10000, SC_NUMBER_NOT_A_NUMBER, 0},
	        {"1.5", 0, 10, SC_NUMBER_NOT_A_NUMBER, 0},
	        {"nan", 0, 10, SC_NUMBER_NOT_A_NUMBER, 0},
	        {"inf", 0, 10, SC_NUMBER_NOT_A_NUMBER, 0},
	        {"-18446744073709551615", 0, 10, SC_NUMBER_NOT_A_NUMBER, 0},
	        {"99999999999999999999x", 0, 10, SC_NUMBER_NOT_A_NUMBER, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;
		sc_number_err e = sc_number_parse(cases[i].text, cases[i].min, cases[i].max, &v);
		if (e != cases[i].want)
			fail_msg("'%s': %s, not %s", cases[i].text, sc_number_strerr(e),
			         sc_number_strerr(cases[i].want));
		assert_int_equal(v, e == SC_NUMBER_OK ? cases[i].value : 12345);
	}
	assert_int_equal(sc_number_parse(NULL, 0, 10, &(uint64_t){0}), SC_NUMBER_NOT_A_NUMBER);
}

/* step is the one step of a cause; its check against the vocabulary says want ("" fits). */
static void step_checked(const char *step, const char *want)
{
	char text[512], why[512] = "";
	sc_scenario s;
	bool fits;

	snprintf(text, sizeof(text), "entry 2.1\nmanual 2.16\ncause c1\n\t%s\n", step);
	assert_int_equal(sc_scenario_parse("n.scn", text, strlen(text), &s, why, sizeof(why)),
	                 SC_OK);
	fits = sc_step_check(&s.causes[0].block.steps[0], why, sizeof(why));
	if (want[0] == '\0' ? !fits : fits || strcmp(why, want) != 0)
		fail_msg("%s: %s, not '%s'", step, fits ? "fits" : why, want);
	sc_scenario_free(&s);
}

/* A number a step's usage line admits (COUNT, CODE, MINUTES, SECONDS, N) is checked as the file
 * loads: a malformed one is an error, never read as 0 or as its leading digits. */
static void test_step_numbers(void **state)
{
	(void)state;
	step_checked("expect.devices doctor 1", "");
	step_checked("expect.devices doctor 0", "");
	step_checked("expect.status phone.page 403", "");
	step_checked("clock.advance 1500", "");
	step_checked("ca.qr doctor as=qr ttl=86400", "");
	step_checked("card.reader pc metal=100", "");
	step_checked("card.reader pc metal=no seated=yes", "");
	step_checked("pc.card-login pc hpki pin_seconds=61", "");
	step_checked("expect.devices doctor 1x",
	             "1x is not a number (COUNT: a whole number from 0 to 1000000; usage: "
	             "expect.devices USER COUNT)");
	step_checked("expect.devices doctor one",
	             "one is not a number (COUNT: a whole number from 0 to 1000000; usage: "
	             "expect.devices USER COUNT)");
	step_checked("expect.devices doctor \"\"",
	             "\"\" is not a number (COUNT: a whole number from 0 to 1000000; usage: "
	             "expect.devices USER COUNT)");
	step_checked("expect.status phone.page 200abc",
	             "200abc is not a number (CODE: an HTTP status from 100 to 599; usage: "
	             "expect.status WHERE CODE)");
	step_checked("expect.status phone.page 4030",
	             "4030 is out of range (CODE: an HTTP status from 100 to 599; usage: "
	             "expect.status WHERE CODE)");
	step_checked("clock.advance nan", "nan is not a number (MINUTES: whole minutes from 1 to "
	                                  "525600; usage: clock.advance MINUTES)");
	step_checked("clock.advance 0", "0 is out of range (MINUTES: whole minutes from 1 to "
	                                "525600; usage: clock.advance MINUTES)");
	step_checked("ca.qr doctor as=qr ttl=1e3",
	             "1e3 is not a number (SECONDS: whole seconds from 1 to 315360000; usage: "
	             "ca.qr USER as=VAR [ttl=SECONDS])");
	step_checked("card.reader pc metal=-1",
	             "-1 is not a number (N: a whole number from 0 to 1000000; usage: card.reader "
	             "PC [connected=yes|no] [seated=yes|no] [antivirus=yes|no] [pca=yes|no] "
	             "[metal=N|no])");
	step_checked("pc.card-login pc hpki pin_seconds=4294967357",
	             "4294967357 is out of range (N: a whole number from 0 to 1000000; usage: "
	             "pc.card-login PC hpki|jpki|jpki-register [pin_seconds=N] [cancel=yes])");
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
	        cmocka_unit_test(test_parse),        cmocka_unit_test(test_vocabulary_documented),
	        cmocka_unit_test(test_refused),      cmocka_unit_test(test_nul_byte),
	        cmocka_unit_test(test_shows),        cmocka_unit_test(test_number_parse),
	        cmocka_unit_test(test_step_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
