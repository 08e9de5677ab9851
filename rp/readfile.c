#include "rp/readfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/regular_file.h"

char *rp_read_file(const char *path, size_t max, size_t *len, const char **why)
{
	FILE *f = stdin;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	cm_file_err fe;

	*why = NULL;
	/* Only a regular file: a FIFO would hold the tool in open() or read() for ever. */
	if (strcmp(path, "-") != 0 && (fe = cm_file_open_regular(path, &f)) != CM_FILE_OK) {
		*why = fe == CM_FILE_OPEN ? strerror(errno) : cm_file_strerr(fe);
		return NULL;
	}
	for (;;) {
		size_t got;
		if (n == cap) {
			char *grown;
			cap = cap ? cap * 2 : 4096;
			if ((grown = realloc(buf, cap + 1)) == NULL) {
				*why = "out of memory";
				break;
			}
			buf = grown;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n > max) {
			*why = "file too large";
			break;
		}
		if (got == 0) {
			if (ferror(f))
				*why = strerror(errno);
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	if (*why != NULL) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

const char *rp_file_unreadable(const char *path)
{
	FILE *f;
	cm_file_err fe = cm_file_open_regular(path, &f);

	if (fe != CM_FILE_OK)
		return fe == CM_FILE_OPEN ? strerror(errno) : cm_file_strerr(fe);
	fclose(f);
	return NULL;
}
