/*
 * Reports of a run hold whatever bytes the results hold: cut Japanese, invalid UTF-8, control
 * characters, markup. Every format must still be read by a real reader: libxml2 for JUnit,
 * jansson for JSON, a strict UTF-8 check and the TAP line grammar for the text and TAP reports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "scenarios/report.h"
#include "scenarios/report_file.h"
#include "scenarios/report_html.h"
#include "scenarios/textcut.h"
#include "testdir.h"

#define ARRAY_LEN(a)   (sizeof(a) / sizeof((a)[0]))
#define JAPANESE_BYTES (10u * 1024u)  /* at least this much Japanese in a long text */
#define REPLACEMENT    "\xEF\xBF\xBD" /* U+FFFD */
#define N_RUNS         2

/* Three bytes a character: a cut at a byte count not divisible by 3 splits one. */
static const char japanese_line[] = "アカウントが無効です。管理者に連絡してください。";

/* Everything the strict readers refuse, and the markup XML must escape. */
static const char invalid_bytes[] = "lone continuation \x80\xBF, truncated \xE3\x81, "
                                    "truncated at the end \xE3, overlong \xC0\xAF \xE0\x80\xAF "
                                    "\xF0\x80\x80\xAF, surrogates \xED\xA0\x80\xED\xBF\xBF, "
                                    "beyond U+10FFFF \xF4\x90\x80\x80, bytes \xFE\xFF, "
                                    "nonchars \xEF\xBF\xBE\xEF\xBF\xBF";
static const char markup[] = "<&\"'> ]]> <![CDATA[ x ]]> &amp; <!-- -->";
static const char controls[] = "line1\nok 99 - injected\nnot ok 98\n# SKIP\n1..3\n"
                               "\x01\x1B[31mred\x7F\r\x1B]0;title\x07 end";
static const char skip_reason[] = "needs test control ]]> <&>";
/* A cause's stand-in note (note.stand-in), markup in it. */
static const char stand_in[] = "stands for a reader on a metal desk <&>; the user sees 3.1";
static const char skip_reason_entry[] = "対象にテスト制御がない\xFF";
static const char skip_reason_entry_clean[] = "対象にテスト制御がない" REPLACEMENT;

enum {
	E_PASS,        /* passes; 10 KiB titles and messages, a seen text cut mid-character */
	E_FAIL_CUT,    /* fails; every text cut mid-character, as snprintf cuts */
	E_FAIL_BYTES,  /* fails; invalid UTF-8, control characters, markup */
	E_SKIP_CAUSE,  /* skipped; the reason is its first skipped cause's */
	E_SKIP_ENTRY,  /* skipped; no cause says why, the entry does */
	E_ERROR,       /* a cause that could not run */
	E_FAIL_NO_CAT, /* no catalogue entry, an id of bad bytes */
	N_ENTRIES
};

static const sc_status entry_status[N_ENTRIES] = {SC_PASS, SC_FAIL,  SC_FAIL, SC_SKIP,
                                                  SC_SKIP, SC_ERROR, SC_FAIL};
#define N_PASSED  1u
#define N_FAILED  4u
#define N_SKIPPED 2u

typedef struct fixture {
	char *japanese; /* at least JAPANESE_BYTES, whole characters */
	const char *messages[1];
	sc_cat_entry cat[N_ENTRIES];
	sc_entry_result *results;
	sc_report_run runs[N_RUNS];
} fixture;

/* As snprintf fills a buffer: cut at size - 1 bytes, wherever a character ends or not. */
static void fill_raw(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n > size - 1)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

#define FILL(field, src) fill_raw((field), sizeof(field), (src))

static sc_cause_result *add_cause(sc_entry_result *e, const char *id, sc_status s)
{
	sc_cause_result *c = &e->causes[e->n_causes++];

	FILL(c->id, id);
	c->status = s;
	c->at.status = s;
	c->at.line = 7;
	return c;
}

static fixture *fixture_new(void)
{
	fixture *f = calloc(1, sizeof(*f));
	size_t len = 0, line = strlen(japanese_line);
	sc_entry_result *e;
	sc_cause_result *c;

	assert_non_null(f);
	f->japanese = malloc(JAPANESE_BYTES + line + 1);
	f->results = calloc(N_ENTRIES, sizeof(*f->results));
	assert_non_null(f->japanese);
	assert_non_null(f->results);
	for (; len < JAPANESE_BYTES; len += line)
		memcpy(f->japanese + len, japanese_line, line);
	f->japanese[len] = '\0';
	f->messages[0] = f->japanese;
	for (size_t i = 0; i < N_ENTRIES; i++) {
		f->cat[i].title = f->japanese;
		f->results[i].entry = &f->cat[i];
		f->results[i].status = entry_status[i];
		f->results[i].remedy = SC_PASS;
		f->results[i].ms = 1234;
		FILL(f->results[i].scenario, "scenarios/cases/x.scn");
	}

	e = &f->results[E_PASS];
	FILL(e->id, "2.1");
	f->cat[E_PASS].messages = f->messages;
	f->cat[E_PASS].n_messages = 1;
	c = add_cause(e, "c1", SC_PASS);
	FILL(c->at.where, "phone.page");
	FILL(c->at.expected, japanese_line);
	FILL(c->at.seen, f->japanese);
	FILL(c->stand_in, stand_in);

	e = &f->results[E_FAIL_CUT];
	FILL(e->id, "2.2");
	FILL(e->detail, f->japanese);
	FILL(e->scenario, f->japanese);
	c = add_cause(e, "c1", SC_FAIL);
	FILL(c->label, f->japanese);
	FILL(c->at.where, f->japanese);
	sc_text_copy(c->at.expected, sizeof(c->at.expected), f->japanese);
	FILL(c->at.seen, f->japanese);
	FILL(c->at.detail, f->japanese);
	e->remedy = SC_FAIL;
	e->remedies_applied = 1;
	FILL(e->remedy_detail, f->japanese);

	e = &f->results[E_FAIL_BYTES];
	FILL(e->id, "2.3");
	f->cat[E_FAIL_BYTES].title = invalid_bytes;
	FILL(e->detail, invalid_bytes);
	FILL(e->scenario, "cases/2.3-\xE3\x81.scn");
	c = add_cause(e, "c1", SC_PASS);
	FILL(c->at.where, "phone.page");
	c = add_cause(e, "c\xFF\x1B", SC_FAIL);
	FILL(c->at.where, "phone.\xFF");
	FILL(c->at.expected, markup);
	FILL(c->at.seen, controls);
	FILL(c->at.detail, invalid_bytes);
	FILL(e->remedy_detail, controls);

	e = &f->results[E_SKIP_CAUSE];
	FILL(e->id, "2.4");
	FILL(e->detail, "not the reason: a cause says");
	c = add_cause(e, "c1", SC_PASS);
	FILL(c->at.detail, "not the reason: it passed");
	c = add_cause(e, "c2", SC_SKIP);
	FILL(c->at.detail, skip_reason);
	c = add_cause(e, "c3", SC_SKIP);
	FILL(c->at.detail, "not the reason: a later cause");

	e = &f->results[E_SKIP_ENTRY];
	FILL(e->id, "2.5");
	FILL(e->detail, skip_reason_entry);

	e = &f->results[E_ERROR];
	FILL(e->id, "2.6");
	c = add_cause(e, "c1", SC_ERROR);
	FILL(c->at.detail, "embedded platform: \x1B[2J\x1B[H gone");

	e = &f->results[E_FAIL_NO_CAT];
	FILL(e->id, "9.\xFF\x01<&");
	e->entry = NULL;
	FILL(e->detail, "no scenario \xE3\x81\x82\xE3");

	f->runs[0] = (sc_report_run){.manual = "2.16",
	                             .results = f->results,
	                             .n = N_ENTRIES,
	                             .wall_ms = 5000,
	                             .program = "kagura-scenarios",
	                             .target = NULL};
	/* A manual name that would set a terminal's title, and a target of bad bytes. */
	f->runs[1] = f->runs[0];
	f->runs[1].manual = "1.04\x1B]0;pwned\x07\xC3";
	f->runs[1].target = "http://127.0.0.1:1/\xE3\x81";
	return f;
}

static void fixture_free(fixture *f)
{
	free(f->japanese);
	free(f->results);
	free(f);
}

/* The report in memory; *len gets its length. */
static char *report(const fixture *f, size_t n_runs, sc_format format, size_t *len)
{
	char *buf = NULL;
	FILE *out = open_memstream(&buf, len);

	assert_non_null(out);
	sc_report_write(out, format, f->runs, n_runs);
	assert_int_equal(fclose(out), 0);
	assert_non_null(buf);
	return buf;
}

/* Strict UTF-8 (RFC 3629): no overlong form, no surrogate, nothing above U+10FFFF, no NUL. */
static bool utf8_strict(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;

	for (size_t i = 0; i < len;) {
		size_t more;
		uint32_t cp, least;

		if (s[i] == 0)
			return false;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xE0) == 0xC0)
			more = 1, cp = s[i] & 0x1Fu, least = 0x80;
		else if ((s[i] & 0xF0) == 0xE0)
			more = 2, cp = s[i] & 0x0Fu, least = 0x800;
		else if ((s[i] & 0xF8) == 0xF0)
			more = 3, cp = s[i] & 0x07u, least = 0x10000;
		else
			return false;
		if (len - i - 1 < more)
			return false;
		for (size_t k = 1; k <= more; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3Fu);
		}
		if (cp < least || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += more + 1;
	}
	return true;
}

/* No control character a terminal or a line-based reader acts on: only \n and \t. */
static void assert_no_controls(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F)
			fail_msg("control character 0x%02x at byte %zu", c, i);
		/* C1 controls (U+0080..U+009F) are C2 80..C2 9F in UTF-8. */
		if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] <= 0x9F)
			fail_msg("C1 control at byte %zu", i);
	}
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* ---- sc_text_copy, sc_text_printf: bounded copies cut at character boundaries ---- */

static void test_text_copy(void **state)
{
	char buf[16];

	(void)state;
	/* An exact fit: len == size - 1. */
	memset(buf, 'x', sizeof(buf));
	assert_true(sc_text_copy(buf, 10, "123456789"));
	assert_string_equal(buf, "123456789");
	/* One byte too long: cut, marked, within size. */
	memset(buf, 'x', sizeof(buf));
	assert_false(sc_text_copy(buf, 10, "1234567890"));
	assert_string_equal(buf, "123456" SC_CUT_MARK);
	assert_int_equal(buf[10], 'x'); /* nothing written past size */
	/* "あいう" is 9 bytes: into 8, room for 4 bytes and the mark; あ (3) fits, い would split.
	 */
	assert_false(sc_text_copy(buf, 8, "あいう"));
	assert_string_equal(buf, "あ" SC_CUT_MARK);
	assert_true(sc_text_copy(buf, 10, "あいう"));
	assert_string_equal(buf, "あいう");
	/* Every size cuts at a boundary and ends with the mark when there is room for one. */
	for (size_t size = 1; size <= sizeof(buf); size++) {
		bool whole = sc_text_copy(buf, size, "日本語テキスト");
		assert_false(whole);
		assert_true(strlen(buf) < size);
		assert_true(utf8_strict(buf, strlen(buf)));
		if (size > strlen(SC_CUT_MARK))
			assert_true(ends(buf, SC_CUT_MARK));
	}
	/* Too small for the mark: nothing, never half a mark or half a character. */
	for (size_t size = 1; size <= 3; size++) {
		assert_false(sc_text_copy(buf, size, "abcd"));
		assert_string_equal(buf, "");
	}
	assert_false(sc_text_copy(buf, 4, "abcd"));
	assert_string_equal(buf, SC_CUT_MARK);
	assert_true(sc_text_copy(buf, 4, "abc"));
	assert_string_equal(buf, "abc");
	assert_true(sc_text_copy(buf, 1, ""));
	assert_string_equal(buf, "");
	assert_true(sc_text_copy(buf, 2, "a"));
	assert_string_equal(buf, "a");
	/* NULL copies "". */
	memset(buf, 'x', sizeof(buf));
	assert_true(sc_text_copy(buf, sizeof(buf), NULL));
	assert_string_equal(buf, "");
	assert_true(sc_text_copy(buf, 1, NULL));
	assert_string_equal(buf, "");
	/* sc_text_fit: whole when shorter, else back to a boundary. */
	assert_int_equal(sc_text_fit("abc", 10), 3);
	assert_int_equal(sc_text_fit("あい", 6), 6);
	assert_int_equal(sc_text_fit("あい", 5), 3);
	assert_int_equal(sc_text_fit("あい", 3), 3);
	assert_int_equal(sc_text_fit("あい", 2), 0);
}

static void test_text_printf(void **state)
{
	char buf[12];

	(void)state;
	assert_true(sc_text_printf(buf, sizeof(buf), "%s-%d", "ab", 42));
	assert_string_equal(buf, "ab-42");
	assert_true(sc_text_printf(buf, sizeof(buf), "%s", "12345678901"));
	assert_string_equal(buf, "12345678901");
	assert_false(sc_text_printf(buf, sizeof(buf), "%s", "123456789012"));
	assert_string_equal(buf, "12345678" SC_CUT_MARK);
	/* 8 bytes of room before the mark: the cut falls where 失 begins. */
	assert_false(sc_text_printf(buf, sizeof(buf), "line %d: %s", 3, "失敗しました"));
	assert_string_equal(buf, "line 3: " SC_CUT_MARK);
	assert_false(sc_text_printf(buf, sizeof(buf), "%s%s", "アイ", "ウエオ"));
	assert_string_equal(buf, "アイ" SC_CUT_MARK);
	for (size_t size = 1; size <= 4; size++) {
		assert_false(sc_text_printf(buf, size, "%s", "あいうえお"));
		assert_true(utf8_strict(buf, strlen(buf)));
		assert_string_equal(buf, size == 4 ? SC_CUT_MARK : "");
	}
}

/* ---- the cleaners the writers use ---- */

static void assert_cleaned(const char *in, sc_text_for use, const char *want)
{
	char *got = sc_text_clean(in, use);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_text_clean(void **state)
{
	char *out = NULL;

	(void)state;
	assert_true(sc_text_utf8_valid("アカウント", &out));
	assert_string_equal(out, "アカウント");
	free(out);
	/* Each maximal invalid subpart becomes one U+FFFD (Unicode's practice, as browsers do). */
	assert_false(sc_text_utf8_valid("a\x80\xBF"
	                                "b",
	                                &out));
	assert_string_equal(out, "a" REPLACEMENT REPLACEMENT "b");
	free(out);
	assert_false(sc_text_utf8_valid("\xE3\x81"
	                                "a\xE3",
	                                NULL));
	assert_cleaned("\xE3\x81"
	               "a\xE3",
	               SC_TEXT_UTF8, REPLACEMENT "a" REPLACEMENT);
	assert_cleaned("\xC0\xAF", SC_TEXT_UTF8, REPLACEMENT REPLACEMENT);
	assert_cleaned("\xE0\x80\xAF", SC_TEXT_UTF8, REPLACEMENT REPLACEMENT REPLACEMENT);
	assert_cleaned("\xED\xA0\x80", SC_TEXT_UTF8, REPLACEMENT REPLACEMENT REPLACEMENT);
	assert_cleaned("\xF4\x90\x80\x80", SC_TEXT_UTF8,
	               REPLACEMENT REPLACEMENT REPLACEMENT REPLACEMENT);
	assert_cleaned("\xFE\xFF", SC_TEXT_UTF8, REPLACEMENT REPLACEMENT);
	assert_cleaned("\xF0\x9F\x98\x80\xED\x9F\xBF", SC_TEXT_UTF8,
	               "\xF0\x9F\x98\x80\xED\x9F\xBF");
	assert_cleaned(NULL, SC_TEXT_UTF8, "");
	/* UTF-8 for JSON keeps control characters: JSON escapes them itself. */
	assert_cleaned("a\x01\x1B\tb\n", SC_TEXT_UTF8, "a\x01\x1B\tb\n");
	/* For a terminal: control characters shown as their pictures, C1 and noncharacters as
	 * U+FFFD; tab and line feed kept. */
	assert_cleaned("a\x01\x1B[1m\x7F\r\tb\n\xC2\x9B\xEF\xBF\xBE", SC_TEXT_TERMINAL,
	               "a\xE2\x90\x81\xE2\x90\x9B[1m\xE2\x90\xA1\xE2\x90\x8D\tb\n" REPLACEMENT
	                       REPLACEMENT);
	/* XML: markup escaped; in an attribute line breaks and tabs survive as references. */
	assert_cleaned("<&\"'> ]]>\t\n\x0C", SC_TEXT_XML,
	               "&lt;&amp;&quot;&apos;&gt; ]]&gt;\t\n\xE2\x90\x8C");
	assert_cleaned("a\tb\nc\xFF", SC_TEXT_XML_ATTR, "a&#9;b&#10;c" REPLACEMENT);
	/* Every cleaned text passes the strict check. */
	for (size_t use = 0; use <= SC_TEXT_XML_ATTR; use++) {
		out = sc_text_clean(invalid_bytes, (sc_text_for)use);
		assert_non_null(out);
		assert_true(utf8_strict(out, strlen(out)));
		free(out);
	}
}

/* ---- the report formats ---- */

static void test_report_text(void **state)
{
	fixture *f = fixture_new();
	size_t len;
	char *text = report(f, N_RUNS, SC_FORMAT_TEXT, &len), *save = NULL, *line, *prev = NULL;
	size_t reasons = 0, entry_reasons = 0, stand_ins = 0;

	(void)state;
	assert_true(utf8_strict(text, len));
	assert_no_controls(text, len);
	/* Every line is a heading, a row, an indented explanation, or the summary. */
	for (line = strtok_r(text, "\n", &save); line;
	     prev = line, line = strtok_r(NULL, "\n", &save)) {
		if (!starts(line, "manual ") && !starts(line, "entry ") && !starts(line, "2.") &&
		    !starts(line, "9.") && line[0] != ' ' && !starts(line, "2 passed, 8 failed"))
			fail_msg("unexpected line: %s", line);
		/* A skipped entry says why on the line under it. */
		if (prev && starts(prev, "2.4 ") && starts(line, " ") && ends(line, skip_reason))
			reasons++;
		if (prev && starts(prev, "2.5 ") && starts(line, " ") &&
		    ends(line, skip_reason_entry_clean))
			entry_reasons++;
		/* A stand-in says so under its entry, with what it stands for. */
		if (prev && starts(prev, "2.1 ") && starts(line, " ") &&
		    strstr(line, "stand-in, cause c1: ") != NULL && ends(line, stand_in))
			stand_ins++;
	}
	assert_int_equal(stand_ins, N_RUNS);
	assert_int_equal(reasons, N_RUNS);
	assert_int_equal(entry_reasons, N_RUNS);
	free(text);
	fixture_free(f);
}

static void test_report_tap(void **state)
{
	fixture *f = fixture_new();
	size_t len, n = 0, not_ok = 0, skips = 0;
	char *tap = report(f, N_RUNS, SC_FORMAT_TAP, &len), *save = NULL, *line, want[64];

	(void)state;
	assert_true(utf8_strict(tap, len));
	assert_no_controls(tap, len);
	line = strtok_r(tap, "\n", &save);
	assert_non_null(line);
	assert_string_equal(line, "TAP version 13");
	line = strtok_r(NULL, "\n", &save);
	assert_non_null(line);
	snprintf(want, sizeof(want), "1..%d", N_RUNS * N_ENTRIES);
	assert_string_equal(line, want);
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		char number[32];
		if (line[0] == '#')
			continue;
		if (starts(line, "not ok "))
			not_ok++, line += strlen("not ok ");
		else if (starts(line, "ok "))
			line += strlen("ok ");
		else
			fail_msg("not a TAP line: %s", line);
		/* Numbered in order, and one directive at most: the skip. */
		snprintf(number, sizeof(number), "%zu - ", ++n);
		if (!starts(line, number))
			fail_msg("test %zu numbered wrongly: %s", n, line);
		if (strstr(line, " # SKIP ") != NULL) {
			skips++;
			if (!ends(line, (n - 1) % N_ENTRIES == E_SKIP_CAUSE
			                        ? skip_reason
			                        : skip_reason_entry_clean))
				fail_msg("skip without its reason: %s", line);
		}
		/* The only '#' in a description is escaped: no stray directive. */
		for (const char *p = strchr(line, '#'); p && !starts(p, "# SKIP ");
		     p = strchr(p + 1, '#'))
			if (p[-1] != '\\')
				fail_msg("unescaped # in: %s", line);
	}
	assert_int_equal(n, N_RUNS * N_ENTRIES);
	assert_int_equal(not_ok, N_RUNS * N_FAILED);
	assert_int_equal(skips, N_RUNS * N_SKIPPED);
	free(tap);
	fixture_free(f);
}

static char *attr(xmlNode *n, const char *name)
{
	return (char *)xmlGetProp(n, (const xmlChar *)name);
}

static bool named(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static void assert_attr(xmlNode *n, const char *name, const char *want)
{
	char *got = attr(n, name);

	assert_non_null(got);
	assert_string_equal(got, want);
	xmlFree(got);
}

/* A child element's text contains want. */
static void assert_child_text(xmlNode *n, const char *name, const char *want)
{
	for (xmlNode *c = n->children; c; c = c->next)
		if (named(c, name)) {
			char *text = (char *)xmlNodeGetContent(c);
			assert_non_null(text);
			if (strstr(text, want) == NULL)
				fail_msg("'%s' not in <%s>%s", want, name, text);
			xmlFree(text);
			return;
		}
	fail_msg("no <%s>", name);
}

static void test_report_junit(void **state)
{
	fixture *f = fixture_new();
	size_t len, suites = 0;
	char *xml = report(f, N_RUNS, SC_FORMAT_JUNIT, &len), number[16];
	xmlDoc *doc;
	xmlNode *root;

	(void)state;
	/* No recovery: a single well-formedness error fails the parse. */
	doc = xmlReadMemory(xml, (int)len, "junit.xml", NULL, XML_PARSE_NONET);
	if (doc == NULL)
		fail_msg("not well-formed XML");
	assert_true(utf8_strict(xml, len));
	root = xmlDocGetRootElement(doc);
	assert_true(named(root, "testsuites"));
	for (xmlNode *s = root->children; s; s = s->next) {
		size_t cases = 0, failures = 0, skipped = 0;
		if (!named(s, "testsuite"))
			continue;
		suites++;
		snprintf(number, sizeof(number), "%u", N_ENTRIES);
		assert_attr(s, "tests", number);
		snprintf(number, sizeof(number), "%u", N_FAILED);
		assert_attr(s, "failures", number);
		snprintf(number, sizeof(number), "%u", N_SKIPPED);
		assert_attr(s, "skipped", number);
		for (xmlNode *t = s->children; t; t = t->next) {
			if (!named(t, "testcase"))
				continue;
			for (xmlNode *c = t->children; c; c = c->next) {
				failures += named(c, "failure");
				skipped += named(c, "skipped");
				if (cases == E_SKIP_CAUSE && named(c, "skipped"))
					assert_attr(c, "message", skip_reason);
				if (cases == E_SKIP_ENTRY && named(c, "skipped"))
					assert_attr(c, "message", skip_reason_entry_clean);
			}
			if (cases == E_FAIL_BYTES) {
				/* Markup and "]]>" come back as they were written. */
				assert_child_text(t, "failure", markup);
				assert_child_text(t, "failure", "line1");
			}
			if (cases == E_FAIL_CUT)
				assert_child_text(t, "failure", japanese_line);
			if (cases == E_FAIL_NO_CAT) {
				char *name = attr(t, "name");
				assert_non_null(name);
				assert_true(starts(name, "9." REPLACEMENT));
				xmlFree(name);
			}
			cases++;
		}
		assert_int_equal(cases, N_ENTRIES);
		assert_int_equal(failures, N_FAILED);
		assert_int_equal(skipped, N_SKIPPED);
	}
	assert_int_equal(suites, N_RUNS);
	xmlFreeDoc(doc);
	free(xml);
	fixture_free(f);
}

/* One manual's object: every entry there with its status, every cause with its texts. */
static void check_json_run(const fixture *f, json_t *run)
{
	json_t *entries = json_object_get(run, "entries");
	static const char *const status[N_ENTRIES] = {"pass", "fail", "fail", "skip",
	                                              "skip", "fail", "fail"};

	assert_true(json_is_array(entries));
	assert_int_equal(json_array_size(entries), N_ENTRIES);
	assert_int_equal(json_integer_value(json_object_get(run, "passed")), N_PASSED);
	assert_int_equal(json_integer_value(json_object_get(run, "failed")), N_FAILED);
	assert_int_equal(json_integer_value(json_object_get(run, "skipped")), N_SKIPPED);
	for (size_t i = 0; i < N_ENTRIES; i++) {
		json_t *e = json_array_get(entries, i), *causes = json_object_get(e, "causes");
		assert_true(json_is_string(json_object_get(e, "id")));
		assert_string_equal(json_string_value(json_object_get(e, "status")), status[i]);
		assert_true(json_is_array(causes));
		assert_int_equal(json_array_size(causes), f->results[i].n_causes);
		for (size_t k = 0; k < json_array_size(causes); k++) {
			json_t *c = json_array_get(causes, k);
			static const char *const keys[] = {"cause", "status", "expected", "seen",
			                                   "where", "detail", "stand_in"};
			for (size_t j = 0; j < ARRAY_LEN(keys); j++)
				assert_true(json_is_string(json_object_get(c, keys[j])));
		}
	}
	/* Valid text comes back as it was, control characters and markup too. */
	json_t *c =
	        json_array_get(json_object_get(json_array_get(entries, E_FAIL_BYTES), "causes"), 1);
	assert_string_equal(json_string_value(json_object_get(c, "seen")), controls);
	assert_string_equal(json_string_value(json_object_get(c, "expected")), markup);
	c = json_array_get(json_object_get(json_array_get(entries, E_SKIP_CAUSE), "causes"), 1);
	assert_string_equal(json_string_value(json_object_get(c, "detail")), skip_reason);
	assert_string_equal(
	        json_string_value(json_object_get(json_array_get(entries, E_PASS), "id")), "2.1");
	c = json_array_get(json_object_get(json_array_get(entries, E_PASS), "causes"), 0);
	assert_string_equal(json_string_value(json_object_get(c, "stand_in")), stand_in);
}

static void test_report_json(void **state)
{
	fixture *f = fixture_new();
	size_t len;
	char *text;
	json_error_t err;
	json_t *doc;

	(void)state;
	/* One manual: its object. */
	text = report(f, 1, SC_FORMAT_JSON, &len);
	assert_true(utf8_strict(text, len));
	doc = json_loadb(text, len, 0, &err);
	if (doc == NULL)
		fail_msg("not JSON: %s at %d:%d", err.text, err.line, err.column);
	assert_true(json_is_object(doc));
	assert_string_equal(json_string_value(json_object_get(doc, "manual")), "2.16");
	check_json_run(f, doc);
	json_decref(doc);
	free(text);
	/* Several (--manual all): an array of them. */
	text = report(f, N_RUNS, SC_FORMAT_JSON, &len);
	assert_true(utf8_strict(text, len));
	doc = json_loadb(text, len, 0, &err);
	if (doc == NULL)
		fail_msg("not JSON: %s at %d:%d", err.text, err.line, err.column);
	assert_true(json_is_array(doc));
	assert_int_equal(json_array_size(doc), N_RUNS);
	for (size_t r = 0; r < N_RUNS; r++)
		check_json_run(f, json_array_get(doc, r));
	json_decref(doc);
	free(text);
	fixture_free(f);
}

/* Every element of the tree in document order into visit; counts those named name. */
static size_t count_named(xmlNode *n, const char *name)
{
	size_t k = 0;

	for (; n != NULL; n = n->next) {
		k += n->type == XML_ELEMENT_NODE && xmlStrcasecmp(n->name, BAD_CAST name) == 0;
		k += count_named(n->children, name);
	}
	return k;
}

/* The visual report's page: hostile texts in a screen too, read back by libxml2's HTML parser. */
static void test_report_html(void **state)
{
	fixture *f = fixture_new();
	sc_entry_result *e = &f->results[E_FAIL_BYTES];
	static char hostile_url[] = "javascript:alert(1)\"><script>x</script>";
	char *hostile_text = NULL;
	sc_screens screens = {.block = "c1", .cause = 1, .status = SC_FAIL, .ms = 7};
	size_t len;
	char *html, *text;
	htmlDocPtr doc;

	(void)state;
	size_t hostile_len = sizeof(markup) + sizeof(controls) + sizeof(invalid_bytes);

	assert_non_null(hostile_text = malloc(hostile_len));
	snprintf(hostile_text, hostile_len, "%s\n%s\n%s", markup, controls, invalid_bytes);
	/* Borrowed texts: the fixture frees nothing of a screen. */
	screens.views[SC_PLACE_PHONE_PAGE] = (sc_view){.shown = true,
	                                               .status = 200,
	                                               .text = hostile_text,
	                                               .url = hostile_url,
	                                               .html = hostile_url,
	                                               .html_len = strlen(hostile_url)};
	screens.views[SC_PLACE_PHONE_ERROR] =
	        (sc_view){.shown = true, .text = hostile_text, .url = ""};
	e->screens = &screens;
	e->n_screens = 1;
	html = report(f, N_RUNS, SC_FORMAT_HTML, &len);
	assert_true(utf8_strict(html, len));
	doc = htmlReadMemory(html, (int)len, "index.html", "UTF-8",
	                     HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
	assert_non_null(doc);
	/* Nothing of the results became markup: no script, no link, one style (the report's). */
	assert_int_equal(count_named(xmlDocGetRootElement(doc), "script"), 0);
	assert_int_equal(count_named(xmlDocGetRootElement(doc), "a"), 0);
	assert_int_equal(count_named(xmlDocGetRootElement(doc), "style"), 1);
	assert_int_equal(count_named(xmlDocGetRootElement(doc), "section"), N_ENTRIES * N_RUNS);
	/* ... and reads back as the text it was. */
	text = (char *)xmlNodeGetContent(xmlDocGetRootElement(doc));
	assert_non_null(strstr(text, markup));
	assert_non_null(strstr(text, hostile_url));
	assert_non_null(strstr(text, f->japanese));
	xmlFree(text);
	xmlFreeDoc(doc);
	free(html);
	free(hostile_text);
	e->screens = NULL;
	e->n_screens = 0;
	fixture_free(f);
}

/* The whole of a small file, "" when it cannot be read. */
static void slurp(const char *path, char *text, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(text, 1, size - 1, f) : 0;

	text[n] = '\0';
	if (f != NULL)
		fclose(f);
}

static void spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Files in dir: only the report may be left, never a temporary. */
static size_t files_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* --output FILE: a run that fails before its report is written leaves the earlier report whole;
 * a written report replaces it (its mode kept), through a link to the file it names, one not
 * written yet included. */
static void test_report_file(void **state)
{
	char dir[256], path[320], link[320], text[64];
	sc_report_file r;
	struct stat st;

	(void)state;
	assert_true(test_dir_make(dir, sizeof(dir), "kagura-report-file"));
	snprintf(path, sizeof(path), "%s/report.txt", dir);
	snprintf(link, sizeof(link), "%s/link.txt", dir);
	spit(path, "earlier report\n");
	assert_int_equal(chmod(path, 0640), 0);
	/* the run fails after the file was opened: nothing written is kept */
	assert_true(sc_report_file_open(&r, path));
	fputs("half a report", r.f);
	slurp(path, text, sizeof(text));
	assert_string_equal(text, "earlier report\n");
	assert_true(sc_report_file_close(&r, false));
	slurp(path, text, sizeof(text));
	assert_string_equal(text, "earlier report\n");
	assert_int_equal(files_in(dir), 1);
	/* the report is whole: it takes the file's place, and its mode */
	assert_true(sc_report_file_open(&r, path));
	fputs("new report\n", r.f);
	assert_true(sc_report_file_close(&r, true));
	slurp(path, text, sizeof(text));
	assert_string_equal(text, "new report\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(files_in(dir), 1);
	/* through a link: the file it names is replaced, the link stays one */
	assert_int_equal(symlink("report.txt", link), 0);
	assert_true(sc_report_file_open(&r, link));
	fputs("through the link\n", r.f);
	assert_true(sc_report_file_close(&r, true));
	slurp(path, text, sizeof(text));
	assert_string_equal(text, "through the link\n");
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	unlink(link);
	/* a link to a report not written yet: the report is made where it points, the link kept */
	assert_int_equal(symlink("first.txt", link), 0);
	assert_true(sc_report_file_usable(link));
	assert_true(sc_report_file_open(&r, link));
	fputs("first report\n", r.f);
	assert_true(sc_report_file_close(&r, true));
	snprintf(path, sizeof(path), "%s/first.txt", dir);
	slurp(path, text, sizeof(text));
	assert_string_equal(text, "first report\n");
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	unlink(link);
	unlink(path);
	/* a folder that does not exist, or a folder as FILE: refused before a run, as when opened
	 */
	snprintf(path, sizeof(path), "%s/no-such-folder/report.txt", dir);
	assert_false(sc_report_file_usable(path));
	assert_false(sc_report_file_open(&r, path));
	assert_null(r.f);
	assert_false(sc_report_file_usable(dir));
	test_dir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_text_copy),   cmocka_unit_test(test_text_printf),
	        cmocka_unit_test(test_text_clean),  cmocka_unit_test(test_report_text),
	        cmocka_unit_test(test_report_tap),  cmocka_unit_test(test_report_junit),
	        cmocka_unit_test(test_report_json), cmocka_unit_test(test_report_html),
	        cmocka_unit_test(test_report_file),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	xmlCleanupParser();
	return rc;
}
