#include "scenarios/report_run.h"

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
