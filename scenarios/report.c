/*
 * The reports. Results hold whatever bytes a page or a producer gave (a text cut mid-character,
 * control characters, markup), so every text passes through textcut.h's cleaners on its way
 * out: the table and TAP are UTF-8 without control characters, JUnit is well-formed XML 1.0,
 * JSON holds every entry.
 */
#include "scenarios/report.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/report_html.h"
#include "scenarios/textcut.h"
#include "webauthn/arraylen.h"

#define MS_PER_S            1000.0
#define TABLE_ID_WIDTH      6  /* the entry column: "2.11", "3.17" and room */
#define TABLE_MESSAGE_CHARS 40 /* the message column: what fits beside the others on a line */
#define TABLE_INDENT        "       " /* explanations start under the result column */
#define TAP_DIAGNOSTIC      "# "      /* a line a TAP reader shows and never counts */
#define NO_FAILURE_DETAIL   "a cause or remedy failed"
#define NO_JSON_REPORT      "{\"error\": \"out of memory: no report\"}\n"

bool sc_format_parse(const char *name, sc_format *out)
{
	static const char *const names[] = {"text", "tap", "junit", "json", "html"};

	for (size_t i = 0; i < KAGURA_LEN(names); i++)
		if (strcmp(name, names[i]) == 0) {
			*out = (sc_format)i;
			return true;
		}
	return false;
}

/* Neither passed nor skipped: a failure, or an error that let nothing be judged. */
static bool is_failure(sc_status s)
{
	return s != SC_PASS && s != SC_SKIP;
}

/* A caller's text that may be absent. */
static const char *or_empty(const char *s)
{
	return s != NULL ? s : "";
}

/* The first failing cause, or NULL. */
static const sc_cause_result *first_failure(const sc_entry_result *e)
{
	for (size_t i = 0; i < e->n_causes; i++)
		if (is_failure(e->causes[i].status))
			return &e->causes[i];
	return NULL;
}

/* Why an entry was skipped: what its first skipped cause says, else the entry itself. */
static const char *skip_reason(const sc_entry_result *e)
{
	for (size_t i = 0; i < e->n_causes; i++)
		if (e->causes[i].status == SC_SKIP && e->causes[i].at.detail[0] != '\0')
			return e->causes[i].at.detail;
	return e->detail;
}

/*
 * What went wrong, a line each: expected, seen, where, and how to reproduce; the results'
 * bytes as they are (the writers clean them). NULL when memory runs out.
 */
static char *explanation(const sc_report_run *run, const sc_entry_result *e)
{
	const sc_cause_result *c = first_failure(e);
	sc_memtext text;
	FILE *m;

	if (!sc_memtext_open(&text))
		return NULL;
	m = text.file;
	if (e->detail[0] != '\0')
		fprintf(m, "%s\n", e->detail);
	if (c != NULL) {
		fprintf(m, "cause %s (%s:%d): %s\n", c->id,
		        c->scenario[0] ? c->scenario : e->scenario, c->at.line, c->at.detail);
		if (c->at.expected[0] != '\0')
			fprintf(m, "  expected: %s\n", c->at.expected);
		if (c->at.where[0] != '\0') {
			/* One line per report line: the page's lines joined by " / ". */
			fprintf(m, "  seen at %s: ", c->at.where);
			for (const char *p = c->at.seen; *p != '\0'; p++)
				if (*p == '\n')
					fputs(p[1] ? " / " : "", m);
				else
					fputc(*p, m);
			fputc('\n', m);
		}
	}
	if (e->remedy != SC_PASS && e->remedy_detail[0] != '\0')
		fprintf(m, "%s\n", e->remedy_detail);
	if (run->reproduce != NULL)
		fprintf(m, "reproduce: %s %s\n", run->reproduce, e->id);
	else
		fprintf(m, "reproduce: %s run --manual %s%s%s %s\n", or_empty(run->program),
		        or_empty(run->manual), run->target ? " --target " : "",
		        or_empty(run->target), e->id);
	return sc_memtext_done(&text);
}

/* Each line of text after indent, cleaned for a terminal: no line of it stands on its own. */
static void put_lines(FILE *out, const char *indent, const char *text)
{
	char *clean = sc_text_clean(text, SC_TEXT_TERMINAL);

	for (const char *line = clean; line != NULL && *line != '\0';) {
		size_t n = strcspn(line, "\n");
		fputs(indent, out);
		fwrite(line, 1, n, out);
		fputc('\n', out);
		line += n + (line[n] == '\n');
	}
	free(clean);
}

/*
 * text on the current line, cleaned for a terminal: its line breaks shown as " / ", at most max
 * characters (then the cut mark), for a TAP description '#' and '\' escaped so no directive
 * starts inside. Returns the characters written.
 */
static size_t put_inline(FILE *out, const char *text, size_t max, bool tap)
{
	char *clean = sc_text_clean(text, SC_TEXT_TERMINAL);
	size_t chars = 0;

	for (const char *p = clean; p != NULL && *p != '\0'; p++) {
		/* Count characters, not bytes: UTF-8 continuation bytes are 10xxxxxx. */
		if (((unsigned char)*p & 0xC0) != 0x80 && chars++ == max) {
			fputs(SC_CUT_MARK, out);
			break;
		}
		if (*p == '\n')
			chars += 2, fputs(" / ", out);
		else if (tap && (*p == '#' || *p == '\\'))
			fprintf(out, "\\%c", *p);
		else
			fputc(*p, out);
	}
	free(clean);
	return chars;
}

/* Under an entry, each cause that is a stand-in and what it stands for. */
static void put_stand_ins(FILE *out, const sc_entry_result *e)
{
	char line[SC_STAND_IN_MAX + 64];

	for (size_t i = 0; i < e->n_causes; i++)
		if (e->causes[i].stand_in[0] != '\0') {
			snprintf(line, sizeof(line), "stand-in, cause %s: %s", e->causes[i].id,
			         e->causes[i].stand_in);
			put_lines(out, TABLE_INDENT, line);
		}
}

/* An entry's explanation after indent on each line. */
static void explain_failure(FILE *out, const sc_report_run *run, const sc_entry_result *e,
                            const char *indent)
{
	char *text = explanation(run, e);

	put_lines(out, indent, text);
	free(text);
}

/* What the table's message column shows of an entry. */
static const char *table_message(const sc_entry_result *e)
{
	if (e->entry == NULL)
		return e->detail;
	return e->entry->n_messages > 0 ? e->entry->messages[0] : e->entry->title;
}

static void write_text(FILE *out, const sc_report_run *runs, size_t n_runs)
{
	size_t passed, failed, skipped;
	long wall = 0;

	for (size_t r = 0; r < n_runs; r++) {
		const sc_report_run *run = &runs[r];
		fputs("\nmanual ", out);
		put_inline(out, run->manual, SIZE_MAX, false);
		fputs(run->target ? " against " : " (embedded platform)", out);
		put_inline(out, run->target, SIZE_MAX, false);
		if (run->note != NULL && run->note[0] != '\0') {
			fputs("\n", out);
			put_inline(out, run->note, SIZE_MAX, false);
		}
		/* The message last: Japanese text has no fixed width in a terminal. */
		fprintf(out, "\n%-*s %-6s %-7s %-7s %6s  %s\n", TABLE_ID_WIDTH, "entry", "result",
		        "causes", "remedy", "ms", "message");
		for (size_t i = 0; i < run->n; i++) {
			const sc_entry_result *e = &run->results[i];
			size_t w = put_inline(out, e->id, SIZE_MAX, false);
			fprintf(out, "%*s %-6s %3zu/%-3zu %-7s %6ld  ",
			        w < TABLE_ID_WIDTH ? (int)(TABLE_ID_WIDTH - w) : 0, "",
			        sc_status_name(e->status), e->cause_ids_passed, e->cause_ids,
			        e->remedies_applied ? sc_status_name(e->remedy) : "-", e->ms);
			put_inline(out, table_message(e), TABLE_MESSAGE_CHARS, false);
			fputc('\n', out);
			if (is_failure(e->status))
				explain_failure(out, run, e, TABLE_INDENT);
			else if (e->status == SC_SKIP)
				put_lines(out, TABLE_INDENT, skip_reason(e));
			put_stand_ins(out, e);
		}
		/* the catalogues run together: the run took as long as the longest */
		wall = run->wall_ms > wall ? run->wall_ms : wall;
	}
	sc_report_count(runs, n_runs, &passed, &failed, &skipped);
	fprintf(out, "\n%zu passed, %zu failed, %zu skipped (wall time %.1f s)\n", passed, failed,
	        skipped, (double)wall / MS_PER_S);
}

static void write_tap(FILE *out, const sc_report_run *runs, size_t n_runs)
{
	size_t total = 0, k = 0;

	for (size_t r = 0; r < n_runs; r++)
		total += runs[r].n;
	fprintf(out, "TAP version 13\n1..%zu\n", total);
	for (size_t r = 0; r < n_runs; r++)
		for (size_t i = 0; i < runs[r].n; i++) {
			const sc_entry_result *e = &runs[r].results[i];
			fprintf(out, "%s %zu - manual ", is_failure(e->status) ? "not ok" : "ok",
			        ++k);
			put_inline(out, runs[r].manual, SIZE_MAX, true);
			fputs(" entry ", out);
			put_inline(out, e->id, SIZE_MAX, true);
			if (e->status == SC_SKIP) {
				/* The directive's reason runs to the end of the line: no escapes.
				 */
				fputs(" # SKIP ", out);
				put_inline(out, skip_reason(e), SIZE_MAX, false);
			}
			fputc('\n', out);
			if (is_failure(e->status))
				explain_failure(out, &runs[r], e, TAP_DIAGNOSTIC);
		}
}

/* Character data and attribute values: escaped text, never CDATA, so "]]>" is only text. */
static void xml_text(FILE *out, const char *s)
{
	sc_text_write(out, s, SC_TEXT_XML);
}

static void xml_attr(FILE *out, const char *s)
{
	sc_text_write(out, s, SC_TEXT_XML_ATTR);
}

static void write_junit(FILE *out, const sc_report_run *runs, size_t n_runs)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n", out);
	for (size_t r = 0; r < n_runs; r++) {
		size_t passed, failed, skipped;
		sc_report_count(&runs[r], 1, &passed, &failed, &skipped);
		fputs("  <testsuite name=\"manual ", out);
		xml_attr(out, runs[r].manual);
		fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
		        runs[r].n, failed, skipped, runs[r].wall_ms / MS_PER_S);
		for (size_t i = 0; i < runs[r].n; i++) {
			const sc_entry_result *e = &runs[r].results[i];
			fputs("    <testcase classname=\"manual-", out);
			xml_attr(out, runs[r].manual);
			fputs("\" name=\"", out);
			xml_attr(out, e->id);
			fputs(" ", out);
			xml_attr(out, e->entry ? e->entry->title : e->detail);
			fprintf(out, "\" time=\"%.3f\">", e->ms / MS_PER_S);
			if (e->status == SC_SKIP) {
				fputs("<skipped message=\"", out);
				xml_attr(out, skip_reason(e));
				fputs("\"/>", out);
			} else if (is_failure(e->status)) {
				char *text = explanation(&runs[r], e);
				fputs("<failure message=\"", out);
				xml_attr(out, e->detail[0] ? e->detail : NO_FAILURE_DETAIL);
				fputs("\">", out);
				xml_text(out, text);
				fputs("</failure>", out);
				free(text);
			}
			fputs("</testcase>\n", out);
		}
		fputs("  </testsuite>\n", out);
	}
	fputs("</testsuites>\n", out);
}

/*
 * JSON members. jansson refuses a string that is not UTF-8, so every text is cleaned first;
 * json_object_set_new() takes the value even when it fails, so a chain of them leaks nothing,
 * and each answers false when memory ran out.
 */
static bool set_value(json_t *obj, const char *key, json_t *value)
{
	return json_object_set_new(obj, key, value) == 0;
}

static bool set_text(json_t *obj, const char *key, const char *text)
{
	char *clean = sc_text_clean(text, SC_TEXT_UTF8);
	json_t *value = clean != NULL ? json_string(clean) : NULL;

	free(clean);
	return set_value(obj, key, value);
}

static bool set_int(json_t *obj, const char *key, json_int_t n)
{
	return set_value(obj, key, json_integer(n));
}

/* An object built by ok's chain, or NULL (and freed) when a member is missing. */
static json_t *built(json_t *obj, bool ok)
{
	if (!ok) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

static json_t *cause_json(const sc_cause_result *c)
{
	json_t *o = json_object();
	bool ok = o != NULL;

	ok &= set_text(o, "cause", c->id);
	ok &= set_text(o, "label", c->label);
	ok &= set_text(o, "scenario", c->scenario);
	ok &= set_text(o, "status", sc_status_name(c->status));
	ok &= set_text(o, "expected", c->at.expected);
	ok &= set_text(o, "seen", c->at.seen);
	ok &= set_text(o, "where", c->at.where);
	ok &= set_int(o, "line", c->at.line);
	ok &= set_text(o, "detail", c->at.detail);
	ok &= set_text(o, "stand_in", c->stand_in);
	return built(o, ok);
}

static json_t *entry_json(const sc_entry_result *e)
{
	json_t *o = json_object(), *causes = json_array(), *remedy = json_object();
	bool ok = o != NULL;

	for (size_t i = 0; i < e->n_causes; i++)
		ok &= json_array_append_new(causes, cause_json(&e->causes[i])) == 0;
	ok &= set_text(remedy, "status", e->remedies_applied ? sc_status_name(e->remedy) : "skip");
	ok &= set_text(remedy, "detail", e->remedy_detail);
	ok &= set_text(o, "id", e->id);
	ok &= set_text(o, "status", sc_status_name(e->status));
	ok &= set_value(o, "causes", causes);
	ok &= set_value(o, "remedy", remedy);
	ok &= set_int(o, "ms", e->ms);
	ok &= set_int(o, "causes_provoked", (json_int_t)e->cause_ids);
	ok &= set_int(o, "causes_passed", (json_int_t)e->cause_ids_passed);
	ok &= set_text(o, "scenario", e->scenario);
	ok &= set_text(o, "detail", e->detail);
	return built(o, ok);
}

static json_t *run_json(const sc_report_run *run)
{
	json_t *o = json_object(), *entries = json_array();
	size_t passed, failed, skipped;
	bool ok = o != NULL;

	sc_report_count(run, 1, &passed, &failed, &skipped);
	for (size_t i = 0; i < run->n; i++)
		ok &= json_array_append_new(entries, entry_json(&run->results[i])) == 0;
	ok &= set_text(o, "manual", run->manual);
	if (run->target != NULL)
		ok &= set_text(o, "target", run->target);
	if (run->note != NULL && run->note[0] != '\0')
		ok &= set_text(o, "note", run->note);
	ok &= set_value(o, "entries", entries);
	ok &= set_int(o, "passed", (json_int_t)passed);
	ok &= set_int(o, "failed", (json_int_t)failed);
	ok &= set_int(o, "skipped", (json_int_t)skipped);
	ok &= set_int(o, "wall_ms", run->wall_ms);
	return built(o, ok);
}

static void write_json(FILE *out, const sc_report_run *runs, size_t n_runs)
{
	json_t *doc = json_array();
	bool ok = doc != NULL;

	for (size_t r = 0; r < n_runs; r++)
		ok &= json_array_append_new(doc, run_json(&runs[r])) == 0;
	/* Half a report would read as fewer entries: all of it, or a document saying why not. */
	if (!ok) {
		fputs(NO_JSON_REPORT, out);
		json_decref(doc);
		return;
	}
	/* One manual: its object; several (--manual all): a list of them. */
	json_dumpf(n_runs == 1 ? json_array_get(doc, 0) : doc, out,
	           JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(doc);
}

void sc_report_write(FILE *out, sc_format format, const sc_report_run *runs, size_t n_runs)
{
	switch (format) {
	case SC_FORMAT_TEXT:
		write_text(out, runs, n_runs);
		break;
	case SC_FORMAT_TAP:
		write_tap(out, runs, n_runs);
		break;
	case SC_FORMAT_JUNIT:
		write_junit(out, runs, n_runs);
		break;
	case SC_FORMAT_JSON:
		write_json(out, runs, n_runs);
		break;
	case SC_FORMAT_HTML:
		sc_report_html_index(out, runs, n_runs, NULL);
		break;
	}
}
