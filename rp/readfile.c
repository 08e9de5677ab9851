#include "rp/readfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *rp_read_file(const char *path, size_t max, size_t *len, const char **why)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	*why = NULL;
	if (f == NULL) {
		*why = strerror(errno);
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
