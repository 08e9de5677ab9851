/* The latency the server saw, off its request log (bench/http/server_times.h). */
#include "server_times.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stats.h"

/* A request line's fields before its time: remote, method, path, status, body bytes. */
#define FIELDS_BEFORE_TIME 5
#define FIELD_METHOD       1
#define FIELD_STATUS       3
/* An answer's status: a request the server answered. */
#define HTTP_STATUS_MIN 100
#define HTTP_STATUS_MAX 599
/* Times kept before the first growth of the array. */
#define TIMES_FIRST 1024

off_t bh_log_end(const char *path)
{
	struct stat st;

	return path[0] != '\0' && stat(path, &st) == 0 ? st.st_size : -1;
}

/*
 * The time a request line ends its fixed fields with, in ms; false for any other line (the
 * sweeper's "REMOTE - - 0 0 AGEms closed: ..." for a connection cut before its answer).
 */
static bool line_time(char *line, float *ms)
{
	char *save = NULL, *field[FIELDS_BEFORE_TIME + 1], *end;
	long status;

	for (int i = 0; i <= FIELDS_BEFORE_TIME; i++)
		if ((field[i] = strtok_r(i == 0 ? line : NULL, " \n", &save)) == NULL)
			return false;
	status = strtol(field[FIELD_STATUS], &end, 10);
	if (strcmp(field[FIELD_METHOD], "-") == 0 || *end != '\0' || status < HTTP_STATUS_MIN ||
	    status > HTTP_STATUS_MAX)
		return false;
	*ms = strtof(field[FIELDS_BEFORE_TIME], &end);
	return end != field[FIELDS_BEFORE_TIME] && strcmp(end, "ms") == 0 && *ms >= 0;
}

/* Appends v to *ms (n used, *cap allocated, grown by doubling); false when memory fails. */
static bool keep(float **ms, size_t *n, size_t *cap, float v)
{
	if (*n == *cap) {
		size_t want = *cap == 0 ? TIMES_FIRST : *cap * 2;
		float *grown = realloc(*ms, want * sizeof(**ms));

		if (grown == NULL)
			return false;
		*ms = grown;
		*cap = want;
	}
	(*ms)[(*n)++] = v;
	return true;
}

bool bh_server_times(const char *path, off_t from, off_t to, double *p50_ms, double *p99_ms)
{
	FILE *f = from >= 0 && to > from ? fopen(path, "rb") : NULL;
	char *line = NULL;
	size_t line_cap = 0, n = 0, cap = 0;
	float *ms = NULL, v;
	off_t at = from;
	ssize_t got;
	/* The first line is whole when the window opens where a line starts (a newline before). */
	bool ok = f != NULL && fseeko(f, from > 0 ? from - 1 : 0, SEEK_SET) == 0;
	bool whole = ok && (from == 0 || fgetc(f) == '\n');

	for (; ok && at < to && (got = getline(&line, &line_cap, f)) > 0; whole = true) {
		at += got;
		/* Nor is one the window's end cut, or one still without its newline. */
		if (whole && at <= to && line[got - 1] == '\n' && line_time(line, &v))
			ok = keep(&ms, &n, &cap, v);
	}
	/* A read that failed partway is no window's figure. */
	if ((ok = ok && !ferror(f) && n > 0))
		bench_p50_p99(ms, n, p50_ms, p99_ms);
	if (f != NULL)
		fclose(f);
	free(line);
	free(ms);
	return ok;
}
