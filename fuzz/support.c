/* The helpers of fuzz.h: an input as a C string or a file in the process's scratch folder. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

/* nftw keeps this many folders open at once while it removes the scratch folder. */
#define FUZZ_NFTW_FDS 16

char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s != NULL) {
		if (size > 0)
			memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* The one folder of the process: libFuzzer runs inputs one after another in one process. */
static char scratch[PATH_MAX];

static void remove_scratch(void)
{
	if (scratch[0] != '\0')
		nftw(scratch, remove_entry, FUZZ_NFTW_FDS, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (scratch[0] != '\0')
		return scratch;
	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	if (snprintf(scratch, sizeof(scratch), "%s/kagura-fuzz-XXXXXX", base) >=
	            (int)sizeof(scratch) ||
	    mkdtemp(scratch) == NULL) {
		scratch[0] = '\0';
		return NULL;
	}
	atexit(remove_scratch);
	return scratch;
}

bool fuzz_write_file(const char *name, const uint8_t *data, size_t size, char *path,
                     size_t path_size)
{
	const char *dir = fuzz_tmpdir();
	FILE *f;
	bool ok;

	if (dir == NULL || snprintf(path, path_size, "%s/%s", dir, name) >= (int)path_size)
		return false;
	if ((f = fopen(path, "wb")) == NULL)
		return false;
	ok = fwrite(data, 1, size, f) == size;
	ok &= fclose(f) == 0;
	return ok;
}
