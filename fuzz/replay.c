/*
 * The regression runner a fuzz target becomes without libFuzzer (gcc, the release and ASan
 * builds): every file named, and every file of every folder named (in name order), is fed to
 * LLVMFuzzerTestOneInput once. A crash, a sanitizer report or a leak fails the run; so does
 * finding no input at all, so a corpus that went missing is never a silent pass.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* The largest input replayed: libFuzzer's own default -max_len is far below it. */
#define REPLAY_MAX_INPUT (4u * 1024u * 1024u)

typedef enum replay_err {
	REPLAY_OK,
	REPLAY_ERR_OPEN,
	REPLAY_ERR_READ,
	REPLAY_ERR_TOO_BIG,
	REPLAY_ERR_NOMEM,
} replay_err;

static const char *replay_strerr(replay_err err)
{
	switch (err) {
	case REPLAY_OK:
		return "success";
	case REPLAY_ERR_OPEN:
		return "cannot be opened";
	case REPLAY_ERR_READ:
		return "cannot be read";
	case REPLAY_ERR_TOO_BIG:
		return "is larger than the 4 MiB a replayed input may be";
	case REPLAY_ERR_NOMEM:
		return "out of memory";
	}
	return "unknown error";
}

/* Weak: a target without set-up need not define it. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static replay_err replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *data;
	size_t size;
	bool complete;

	if (f == NULL)
		return REPLAY_ERR_OPEN;
	if (fstat(fileno(f), &st) != 0 || st.st_size < 0) {
		fclose(f);
		return REPLAY_ERR_READ;
	}
	if ((uintmax_t)st.st_size > REPLAY_MAX_INPUT) {
		fclose(f);
		return REPLAY_ERR_TOO_BIG;
	}
	size = (size_t)st.st_size;
	/* Exactly the input's bytes, so ASan sees any read past its end (one for an empty file). */
	if ((data = malloc(size > 0 ? size : 1)) == NULL) {
		fclose(f);
		return REPLAY_ERR_NOMEM;
	}
	complete = fread(data, 1, size, f) == size && !ferror(f);
	fclose(f);
	if (complete)
		LLVMFuzzerTestOneInput(data, size);
	free(data);
	return complete ? REPLAY_OK : REPLAY_ERR_READ;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Replays path (a file, or the regular files of a folder); adds to *count; false on an error. */
static int replay_path(const char *path, size_t *count)
{
	struct stat st;
	struct dirent **names;
	int n, bad = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		replay_err err = replay_file(path);
		if (err != REPLAY_OK) {
			fprintf(stderr, "replay: %s: %s\n", path, replay_strerr(err));
			return 1;
		}
		(*count)++;
		return 0;
	}
	if ((n = scandir(path, &names, NULL, by_name)) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char file[4096];
		struct stat fst;

		if (names[i]->d_name[0] != '.' &&
		    snprintf(file, sizeof(file), "%s/%s", path, names[i]->d_name) <
		            (int)sizeof(file) &&
		    stat(file, &fst) == 0 && S_ISREG(fst.st_mode))
			bad |= replay_path(file, count);
		free(names[i]);
	}
	free(names);
	return bad;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int bad = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|FOLDER...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++)
		bad |= replay_path(argv[i], &count);
	printf("replayed %zu inputs\n", count);
	if (count == 0) {
		fprintf(stderr, "replay: no input found\n");
		return 1;
	}
	return bad ? 1 : 0;
}
