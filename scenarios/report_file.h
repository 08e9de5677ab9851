/*
 * The file a run's report goes to (run --output FILE): written as a temporary beside FILE and
 * renamed over it once the report is whole, so a run that fails before its report is written,
 * or while writing it, leaves an earlier report as it was. A FILE that exists and is not a
 * regular file (a terminal, a pipe, /dev/stdout) is written in place, as it cannot be replaced.
 */
#ifndef KAGURA_SCENARIOS_REPORT_FILE_H
#define KAGURA_SCENARIOS_REPORT_FILE_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

typedef struct sc_report_file {
	FILE *f;                  /* where the report is written */
	char path[PATH_MAX];      /* FILE, a symbolic link followed: what the rename replaces */
	char temp[PATH_MAX + 16]; /* "FILE.tmpXXXXXX"; "" when FILE is written in place */
} sc_report_file;

/* Opens a temporary beside path (or path itself, see above); false with errno when it cannot. */
bool sc_report_file_open(sc_report_file *r, const char *path);

/* Closes r: with keep, the temporary renamed over FILE; without, removed and FILE left alone.
 * False when the report could not be written or put in place (FILE then left alone). */
bool sc_report_file_close(sc_report_file *r, bool keep);

#endif
