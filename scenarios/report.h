/* Reports of a run: a table for people, TAP and JUnit XML for CI systems, JSON for tools, and a
 * visual report (HTML with the screens) for QA. */
#ifndef KAGURA_SCENARIOS_REPORT_H
#define KAGURA_SCENARIOS_REPORT_H

#include <stdio.h>

#include "scenarios/runner.h"

typedef enum sc_format {
	SC_FORMAT_TEXT,
	SC_FORMAT_TAP,
	SC_FORMAT_JUNIT,
	SC_FORMAT_JSON,
	SC_FORMAT_HTML, /* a folder: sc_report_html; sc_report_write gives its page alone */
} sc_format;

/* "text", "tap", "junit", "json", "html"; false when unknown. */
bool sc_format_parse(const char *name, sc_format *out);

typedef struct sc_report_run {
	const char *manual;
	const sc_entry_result *results;
	size_t n;
	long wall_ms;
	const char *program;   /* for the command that reproduces one entry */
	const char *reproduce; /* that command up to the entry id (NULL: program run --manual) */
	const char *target;    /* NULL: embedded */
	const char *note; /* how the run differs from the manual's world (its host), NULL none */
} sc_report_run;

/* All runs in one document (a table per manual, one JUnit suite per manual, ...). */
void sc_report_write(FILE *out, sc_format format, const sc_report_run *runs, size_t n_runs);

/* ---- the visual report (report_html.c) ---- */

#define SC_HTML_ERROR(X)                                               \
	X(SC_HTML_OK, "ok")                                            \
	X(SC_HTML_ERR_DIR, "the report's folder cannot be made")       \
	X(SC_HTML_ERR_WRITE, "a file of the report cannot be written") \
	X(SC_HTML_ERR_SHOTS, "the screenshots were not taken")

typedef enum sc_html_err {
#define SC_HTML_ENUM(name, text) name,
	SC_HTML_ERROR(SC_HTML_ENUM)
#undef SC_HTML_ENUM
} sc_html_err;

const char *sc_html_strerr(sc_html_err e);

/*
 * The visual report in dir (made when missing): the pages as served in dir/pages/, a list of
 * them (dir/shots.list: page, PNG, phone|pc per line), their screenshots in dir/shots/ taken by
 * the command shooter (argv, NULL-ended; dir is added as its last argument; NULL: none taken),
 * then dir/index.html, one page that shows every entry with its screens. why names the file
 * or the command at fault. The report is written also when the screenshots failed
 * (SC_HTML_ERR_SHOTS): a picture missing says so in its place.
 */
sc_html_err sc_report_html(const char *dir, const sc_report_run *runs, size_t n_runs,
                           const char *const *shooter, char *why, size_t why_size);

/* The index page alone (no pages saved, no screenshots) to out. */
void sc_report_html_index(FILE *out, const sc_report_run *runs, size_t n_runs, const char *dir);

/* Passed, failed and skipped over all runs. */
void sc_report_count(const sc_report_run *runs, size_t n_runs, size_t *passed, size_t *failed,
                     size_t *skipped);

#endif
