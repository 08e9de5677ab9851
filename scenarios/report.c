#include "scenarios/report.h"

#include <jansson.h>
#include <string.h>

bool sc_format_parse(const char *name, sc_format *out)
{
	static const char *const names[] = {"text", "tap", "junit", "json"};

	for (size_t i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0) {
			*out = (sc_format)i;
			return true;
		}
	return false;
}

void sc_report_count(const sc_report_run *runs, size_t n_runs, size_t *passed, size_t *failed,
                     size_t *skipped)
{
	*passed = *failed = *skipped = 0;
	for (size_t r = 0; r < n_runs; r++)
		for (size_t i = 0; i < runs[r].n; i++) {
			sc_status s = runs[r].results[i].status;
			*(s == SC_PASS ? passed : s == SC_SKIP ? skipped : failed) += 1;
		}
}

/* How many causes passed of those run. */
static size_t causes_passed(const sc_entry_result *e)
{
	size_t n = 0;

	for (size_t i = 0; i < e->n_causes; i++)
		n += e->causes[i].status == SC_PASS;
	return n;
}

/* The first failing cause, or NULL. */
static const sc_cause_result *first_failure(const sc_entry_result *e)
{
	for (size_t i = 0; i < e->n_causes; i++)
		if (e->causes[i].status != SC_PASS && e->causes[i].status != SC_SKIP)
			return &e->causes[i];
	return NULL;
}

/* What went wrong, in one paragraph: expected, seen, where, and how to reproduce. */
static void explain_failure(FILE *out, const sc_report_run *run, const sc_entry_result *e,
                            const char *indent)
{
	const sc_cause_result *c = first_failure(e);

	if (e->detail[0] != '\0')
		fprintf(out, "%s%s\n", indent, e->detail);
	if (c != NULL) {
		fprintf(out, "%scause %s (%s:%d): %s\n", indent, c->id, e->scenario, c->at.line,
		        c->at.detail);
		if (c->at.expected[0] != '\0')
			fprintf(out, "%s  expected: %s\n", indent, c->at.expected);
		if (c->at.where[0] != '\0') {
			/* One line per report line: the page's lines joined by " / ". */
			fprintf(out, "%s  seen at %s: ", indent, c->at.where);
			for (const char *p = c->at.seen; *p != '\0'; p++)
				if (*p == '\n')
					fputs(p[1] ? " / " : "", out);
				else
					fputc(*p, out);
			fputc('\n', out);
		}
	}
	if (e->remedy != SC_PASS && e->remedy_detail[0] != '\0')
		fprintf(out, "%s%s\n", indent, e->remedy_detail);
	fprintf(out, "%sreproduce: %s run --manual %s%s%s %s\n", indent, run->program, run->manual,
	        run->target ? " --target " : "", run->target ? run->target : "", e->id);
}

static void first_line(const char *text, char *buf, size_t size, size_t max_chars)
{
	size_t n = 0, chars = 0;

	for (; text && text[n] != '\0' && text[n] != '\n' && n < size - 1; n++) {
		/* Count characters, not bytes: UTF-8 continuation bytes are 10xxxxxx. */
		if (((unsigned char)text[n] & 0xC0) != 0x80 && ++chars > max_chars)
			break;
		buf[n] = text[n];
	}
	buf[n] = '\0';
}

static void write_text(FILE *out, const sc_report_run *runs, size_t n_runs)
{
	size_t passed, failed, skipped;
	long wall = 0;

	for (size_t r = 0; r < n_runs; r++) {
		const sc_report_run *run = &runs[r];
		fprintf(out, "\nmanual %s%s%s\n", run->manual, run->target ? " against " : "",
		        run->target ? run->target : " (embedded platform)");
		/* The message last: Japanese text has no fixed width in a terminal. */
		fprintf(out, "%-6s %-6s %-7s %-7s %6s  %s\n", "entry", "result", "causes", "remedy",
		        "ms", "message");
		for (size_t i = 0; i < run->n; i++) {
			const sc_entry_result *e = &run->results[i];
			char msg[200];
			first_line(e->entry && e->entry->n_messages ? e->entry->messages[0]
			           : e->entry                       ? e->entry->title
			                                            : e->detail,
			           msg, sizeof(msg), 40);
			fprintf(out, "%-6s %-6s %3zu/%-3zu %-7s %6ld  %s\n", e->id,
			        sc_status_name(e->status), causes_passed(e), e->n_causes,
			        e->remedies_applied ? sc_status_name(e->remedy) : "-", e->ms, msg);
			if (e->status == SC_FAIL)
				explain_failure(out, run, e, "       ");
		}
		wall += run->wall_ms;
	}
	sc_report_count(runs, n_runs, &passed, &failed, &skipped);
	fprintf(out, "\n%zu passed, %zu failed, %zu skipped (wall time %.1f s)\n", passed, failed,
	        skipped, (double)wall / 1000.0);
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
			fprintf(out, "%s %zu - manual %s entry %s%s\n",
			        e->status == SC_FAIL ? "not ok" : "ok", ++k, runs[r].manual, e->id,
			        e->status == SC_SKIP ? " # SKIP needs test control" : "");
			if (e->status == SC_FAIL)
				explain_failure(out, &runs[r], e, "# ");
		}
}

static void xml_text(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		default:
			/* XML 1.0 has no place for other control characters. */
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, out);
		}
	}
}

static void write_junit(FILE *out, const sc_report_run *runs, size_t n_runs)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n", out);
	for (size_t r = 0; r < n_runs; r++) {
		size_t passed, failed, skipped;
		sc_report_count(&runs[r], 1, &passed, &failed, &skipped);
		fprintf(out,
		        "  <testsuite name=\"manual %s\" tests=\"%zu\" failures=\"%zu\" "
		        "skipped=\"%zu\" time=\"%.3f\">\n",
		        runs[r].manual, runs[r].n, failed, skipped, runs[r].wall_ms / 1000.0);
		for (size_t i = 0; i < runs[r].n; i++) {
			const sc_entry_result *e = &runs[r].results[i];
			fprintf(out, "    <testcase classname=\"manual-%s\" name=\"",
			        runs[r].manual);
			xml_text(out, e->id);
			fputs(" ", out);
			xml_text(out, e->entry ? e->entry->title : e->detail);
			fprintf(out, "\" time=\"%.3f\">", e->ms / 1000.0);
			if (e->status == SC_SKIP) {
				fputs("<skipped message=\"needs test control\"/>", out);
			} else if (e->status == SC_FAIL) {
				char *buf = NULL;
				size_t len = 0;
				FILE *m = open_memstream(&buf, &len);
				if (m != NULL) {
					explain_failure(m, &runs[r], e, "");
					fclose(m);
				}
				fputs("<failure message=\"", out);
				xml_text(out,
				         e->detail[0] ? e->detail : "a cause or remedy failed");
				fputs("\">", out);
				xml_text(out, buf);
				fputs("</failure>", out);
				free(buf);
			}
			fputs("</testcase>\n", out);
		}
		fputs("  </testsuite>\n", out);
	}
	fputs("</testsuites>\n", out);
}

static json_t *entry_json(const sc_entry_result *e)
{
	json_t *causes = json_array();

	for (size_t i = 0; i < e->n_causes; i++) {
		const sc_cause_result *c = &e->causes[i];
		json_array_append_new(causes,
		                      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "cause", c->id,
		                                "status", sc_status_name(c->status), "expected",
		                                c->at.expected, "seen", c->at.seen, "where",
		                                c->at.where, "detail", c->at.detail));
	}
	return json_pack("{s:s, s:s, s:o, s:{s:s, s:s}, s:I, s:s, s:s}", "id", e->id, "status",
	                 sc_status_name(e->status), "causes", causes, "remedy", "status",
	                 e->remedies_applied ? sc_status_name(e->remedy) : "skip", "detail",
	                 e->remedy_detail, "ms", (json_int_t)e->ms, "scenario", e->scenario,
	                 "detail", e->detail);
}

static void write_json(FILE *out, const sc_report_run *runs, size_t n_runs)
{
	json_t *doc = json_array();

	for (size_t r = 0; r < n_runs; r++) {
		size_t passed, failed, skipped;
		json_t *entries = json_array();
		sc_report_count(&runs[r], 1, &passed, &failed, &skipped);
		for (size_t i = 0; i < runs[r].n; i++)
			json_array_append_new(entries, entry_json(&runs[r].results[i]));
		json_array_append_new(
		        doc, json_pack("{s:s, s:o, s:I, s:I, s:I, s:I}", "manual", runs[r].manual,
		                       "entries", entries, "passed", (json_int_t)passed, "failed",
		                       (json_int_t)failed, "skipped", (json_int_t)skipped,
		                       "wall_ms", (json_int_t)runs[r].wall_ms));
	}
	/* One manual: the object itself, as the shape; several: a list of them. */
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
	}
}
