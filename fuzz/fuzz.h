/*
 * What every fuzz target shares: the libFuzzer entry points (linked with -fsanitize=fuzzer under
 * clang and KAGURA_FUZZ, or with replay.c as a regression runner), and the few helpers targets
 * need to hand a parser its input the way the program reads it (a C string, a file).
 */
#ifndef KAGURA_FUZZ_FUZZ_H
#define KAGURA_FUZZ_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Runs one input; always returns 0 (libFuzzer reserves other values). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional one-time set-up (a trust context, a temporary folder); replay.c calls it too. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A NUL-terminated copy of the input (the caller frees it), for parsers that read C strings;
 * NULL when out of memory. */
char *fuzz_strndup(const uint8_t *data, size_t size);

/*
 * The process's scratch folder, made on first use under $TMPDIR (or /tmp) and removed with
 * everything in it at exit: targets whose parser reads a file write it here and nowhere else.
 * NULL when it cannot be made.
 */
const char *fuzz_tmpdir(void);

/* Writes data to fuzz_tmpdir()/name and returns the path in path; false on any failure. */
bool fuzz_write_file(const char *name, const uint8_t *data, size_t size, char *path,
                     size_t path_size);

#endif
