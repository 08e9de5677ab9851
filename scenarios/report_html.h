/* The visual report: HTML pages with the screens, for QA (scenarios/report_html.c). */
#ifndef KAGURA_SCENARIOS_REPORT_HTML_H
#define KAGURA_SCENARIOS_REPORT_HTML_H

#include <stdio.h>

#include "scenarios/report_run.h"

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

#endif
