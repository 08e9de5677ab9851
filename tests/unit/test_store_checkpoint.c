/*
 * The store's WAL is checkpointed while the store stays open (rp/store_checkpoint.c: the
 * store's own thread does it, the committing requests only signal): after enough commits to
 * make a checkpoint due, the database file itself grows with the rows, which before a
 * checkpoint live only in the WAL. No timing is asserted: the test waits for the event, with a
 * generous cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "rp/store.h"
#include "rp/store_impl.h" /* the store's checkpointer */

/* Commits enough for SQLite's checkpoint threshold (1000 WAL pages): one page each at least. */
#define COMMITS     1500
#define CAP_SECONDS 30
#define POLL_NS     (20 * 1000 * 1000)

static long long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static void test_wal_checkpointed_while_open(void **state)
{
	char dir[] = "/tmp/kagura-ckpt-XXXXXX", path[64], wal[80], key[32], value[256];
	rp_store *s = NULL;
	long long before, after = -1;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/store.db", dir);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_int_equal(rp_store_open(path, &s), RP_STORE_OK);
	/* Without its thread SQLite's own checkpoint would run in the committing call, and the file
	 * would grow all the same: the thread is there, or this test proves nothing. */
	assert_non_null(s->checkpointer);
	before = file_size(path);
	assert_true(before > 0);
	memset(value, 'v', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	for (int i = 0; i < COMMITS; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(rp_store_record_put(s, "ckpt", key, value, 1, 0), RP_STORE_OK);
	}
	for (int waited = 0; waited < CAP_SECONDS * 50; waited++) {
		if ((after = file_size(path)) > before)
			break;
		nanosleep(&(struct timespec){0, POLL_NS}, NULL);
	}
	/* Still open: only a checkpoint can have copied the rows into the file. */
	assert_true(after > before);
	rp_store_close(s);
	unlink(path);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", path);
	unlink(wal);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_wal_checkpointed_while_open),
	};
	return cmocka_run_group_tests_name("store checkpoint", tests, NULL, NULL);
}
