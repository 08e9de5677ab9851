/*
 * The file a run's report goes to (run --output FILE): opened once the run is over, written as a
 * temporary beside FILE and renamed over it once the report is whole, so a run that fails or is
 * stopped before its report is written, or while writing it, leaves an earlier report as it was
 * and no temporary behind. A FILE that exists and is not a regular file (a terminal, a pipe,
 * /dev/stdout) is written in place, as it cannot be replaced; so is one whose folder takes no new
 * file, or whose rename is refused (a sticky folder's file of another owner).
 */
#ifndef KAGURA_SCENARIOS_REPORT_FILE_H
#define KAGURA_SCENARIOS_REPORT_FILE_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

typedef struct sc_report_file {
	FILE *f;                  /* where the report is written */
	char asked[PATH_MAX];     /* FILE as given */
	char path[PATH_MAX];      /* FILE, a symbolic link followed: what the rename replaces */
	char temp[PATH_MAX + 16]; /* "FILE.tmpXXXXXX"; "" when FILE is written in place */
} sc_report_file;

/* Whether a report can go to path, checked before a run: not a folder, in a folder there is
 * (a symbolic link followed); false with errno. */
bool sc_report_file_usable(const char *path);

/* Opens a temporary beside path (or path itself, see above); false with errno when it cannot. */
bool sc_report_file_open(sc_report_file *r, const char *path);

/* Closes r: with keep, the temporary renamed over FILE (or copied into it); without, removed and
 * FILE left alone. False when the report could not be written or put in place. */
bool sc_report_file_close(sc_report_file *r, bool keep);

#endif
