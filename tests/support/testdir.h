/* A test's temporary folder under /tmp, and its removal with whatever the test left in it. */
#ifndef KAGURA_TESTS_TESTDIR_H
#define KAGURA_TESTS_TESTDIR_H

#include <stdbool.h>
#include <stddef.h>

/* A new folder /tmp/PREFIX-XXXXXX into dir (size bytes); false when it cannot be made. */
bool test_dir_make(char *dir, size_t size, const char *prefix);
/* Removes the files in dir (a store's -wal and -shm included, no subfolders) and dir itself. */
void test_dir_remove(const char *dir);

#endif
