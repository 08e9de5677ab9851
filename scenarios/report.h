/* Reports of a run: a table for people, TAP and JUnit XML for CI systems, JSON for tools, and a
 * visual report (HTML with the screens) for QA. */
#ifndef KAGURA_SCENARIOS_REPORT_H
#define KAGURA_SCENARIOS_REPORT_H

#include <stdio.h>

#include "scenarios/report_run.h"

typedef enum sc_format {
	SC_FORMAT_TEXT,
	SC_FORMAT_TAP,
	SC_FORMAT_JUNIT,
	SC_FORMAT_JSON,
	SC_FORMAT_HTML, /* a folder (report_html.h); sc_report_write gives its index page alone */
} sc_format;

/* "text", "tap", "junit", "json", "html"; false when unknown. */
bool sc_format_parse(const char *name, sc_format *out);

/* All runs in one document (a table per manual, one JUnit suite per manual, ...). */
void sc_report_write(FILE *out, sc_format format, const sc_report_run *runs, size_t n_runs);

#endif
