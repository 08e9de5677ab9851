/* A run's results as every report reads them (scenarios/report.h, scenarios/report_html.h). */
#ifndef KAGURA_SCENARIOS_REPORT_RUN_H
#define KAGURA_SCENARIOS_REPORT_RUN_H

#include <stddef.h>

#include "scenarios/runner.h"

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

/* Passed, failed and skipped over all runs. */
void sc_report_count(const sc_report_run *runs, size_t n_runs, size_t *passed, size_t *failed,
                     size_t *skipped);

#endif
