/* The latency the server saw, off its request log (bench/http/server_times.h). */
#include "server_times.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stats.h"

/* A request line's fields before its time: remote, method, path, status, body bytes. */
#define FIELDS_BEFORE_TIME 5

off_t bh_log_end(const char *path)
{
	struct stat st;

	return path[0] != '\0' && stat(path, &st) == 0 ? st.st_size : -1;
}

/* The time a request line ends its fixed fields with, in ms; false for any other line. */
static bool line_time(char *line, float *ms)
{
	char *save = NULL, *field = strtok_r(line, " ", &save), *end;

	for (int i = 0; i < FIELDS_BEFORE_TIME && field != NULL; i++)
		field = strtok_r(NULL, " ", &save);
	if (field == NULL)
		return false;
	*ms = strtof(field, &end);
	return end != field && strcmp(end, "ms") == 0 && *ms >= 0;
}

bool bh_server_times(const char *path, off_t from, off_t to, double *p50_ms, double *p99_ms)
{
	size_t len = to > from && from >= 0 ? (size_t)(to - from) : 0, n = 0;
	char *text = len > 0 ? malloc(len + 1) : NULL;
	float *ms = len > 0 ? malloc((len / 2 + 1) * sizeof(*ms)) : NULL; /* a line: >= 2 bytes */
	FILE *f = text != NULL && ms != NULL ? fopen(path, "rb") : NULL;
	bool ok = false;

	if (f != NULL && fseeko(f, from, SEEK_SET) == 0 && fread(text, 1, len, f) == len) {
		char *line = text, *nl;

		text[len] = '\0';
		/* A line the window's start cut is not whole; nor is one without its newline. */
		if (from > 0 && (line = strchr(text, '\n')) != NULL)
			line++;
		while (line != NULL && (nl = strchr(line, '\n')) != NULL) {
			*nl = '\0';
			if (line_time(line, &ms[n]))
				n++;
			line = nl + 1;
		}
		if (n > 0) {
			qsort(ms, n, sizeof(*ms), bench_cmp_float);
			*p50_ms = bench_quantile(ms, n, 0.50);
			*p99_ms = bench_quantile(ms, n, 0.99);
			ok = true;
		}
	}
	if (f != NULL)
		fclose(f);
	free(text);
	free(ms);
	return ok;
}
