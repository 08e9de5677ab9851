/* Reports of a run: a table for people, TAP and JUnit XML for CI systems, JSON for tools. */
#ifndef KAGURA_SCENARIOS_REPORT_H
#define KAGURA_SCENARIOS_REPORT_H

#include <stdio.h>

#include "scenarios/runner.h"

typedef enum sc_format { SC_FORMAT_TEXT, SC_FORMAT_TAP, SC_FORMAT_JUNIT, SC_FORMAT_JSON } sc_format;

/* "text", "tap", "junit", "json"; false when unknown. */
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

/* Passed, failed and skipped over all runs. */
void sc_report_count(const sc_report_run *runs, size_t n_runs, size_t *passed, size_t *failed,
                     size_t *skipped);

#endif
