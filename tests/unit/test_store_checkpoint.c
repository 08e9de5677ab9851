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
/* The WAL's layout (sqlite.org/fileformat.html) with the store's page size. */
#define WAL_HEADER       32
#define WAL_FRAME_HEADER 24
#define PAGE_SIZE        4096
/* rp/store_checkpoint.c's CHECKPOINT_INLINE_FRAMES: a reset at that size is SQLite's own. */
#define INLINE_FRAMES 4000
/* Enough commits for several resets either way; a short gap between them, never a pause. */
#define MAX_STEADY_COMMITS 12000
#define STEADY_GAP_NS      (100 * 1000)

static long long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* A store opened in a temporary folder of its own, with its checkpoint thread. */
typedef struct ckpt_store {
	char dir[32], path[64], wal[80];
	rp_store *s;
} ckpt_store;

static void open_store(ckpt_store *c)
{
	snprintf(c->dir, sizeof(c->dir), "/tmp/kagura-ckpt-XXXXXX");
	assert_non_null(mkdtemp(c->dir));
	snprintf(c->path, sizeof(c->path), "%s/store.db", c->dir);
	snprintf(c->wal, sizeof(c->wal), "%s-wal", c->path);
	c->s = NULL;
	assert_int_equal(rp_store_open(c->path, &c->s), RP_STORE_OK);
	/* Without its thread SQLite's own checkpoint would run in the committing call: the
	 * thread is there, or these tests prove nothing. */
	assert_non_null(c->s->checkpointer);
}

static void close_store(ckpt_store *c)
{
	char shm[80];

	rp_store_close(c->s);
	unlink(c->path);
	unlink(c->wal);
	snprintf(shm, sizeof(shm), "%s-shm", c->path);
	unlink(shm);
	rmdir(c->dir);
}

/* A record value of n - 1 bytes of c. */
static void fill_value(char *value, size_t n, char c)
{
	memset(value, c, n - 1);
	value[n - 1] = '\0';
}

static void test_wal_checkpointed_while_open(void **state)
{
	char key[32], value[256];
	long long before, after = -1;
	ckpt_store c;

	(void)state;
	open_store(&c);
	before = file_size(c.path);
	assert_true(before > 0);
	fill_value(value, sizeof(value), 'v');
	for (int i = 0; i < COMMITS; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(rp_store_record_put(c.s, "ckpt", key, value, 1, 0), RP_STORE_OK);
	}
	for (int waited = 0; waited < CAP_SECONDS * 50; waited++) {
		if ((after = file_size(c.path)) > before)
			break;
		nanosleep(&(struct timespec){0, POLL_NS}, NULL);
	}
	/* Still open: only a checkpoint can have copied the rows into the file. */
	assert_true(after > before);
	close_store(&c);
}

/* The WAL header's checkpoint sequence number (big-endian at byte 12): a reset counts it up. */
static long wal_sequence(const char *wal)
{
	unsigned char h[16];
	FILE *f = fopen(wal, "rb");
	size_t got = f ? fread(h, 1, sizeof(h), f) : 0;

	if (f)
		fclose(f);
	return got == sizeof(h) ? (long)h[12] << 24 | h[13] << 16 | h[14] << 8 | h[15] : -1;
}

/*
 * Writes that never pause: the WAL still starts over right after the thread's run, not only
 * when it reaches CHECKPOINT_INLINE_FRAMES (whose inline checkpoint copies thousands of frames
 * while every write waits). Counted in frames, the WAL file's size when its sequence moves.
 */
static void test_wal_starts_over_after_the_threads_run(void **state)
{
	char key[32], value[256];
	long long frames_at_reset = -1;
	long first = -1;
	ckpt_store c;

	(void)state;
	open_store(&c);
	fill_value(value, sizeof(value), 'w');
	for (int i = 0; i < MAX_STEADY_COMMITS && frames_at_reset < 0; i++) {
		long seq;

		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(rp_store_record_put(c.s, "steady", key, value, 1, 0), RP_STORE_OK);
		seq = wal_sequence(c.wal);
		if (first < 0)
			first = seq;
		else if (seq != first)
			frames_at_reset =
			        (file_size(c.wal) - WAL_HEADER) / (WAL_FRAME_HEADER + PAGE_SIZE);
		/* A steady stream, as under load: commits go on during the thread's run. */
		nanosleep(&(struct timespec){0, STEADY_GAP_NS}, NULL);
	}
	assert_true(first >= 0);
	assert_true(frames_at_reset > 0);
	assert_true(frames_at_reset < INLINE_FRAMES);
	close_store(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_wal_checkpointed_while_open),
	        cmocka_unit_test(test_wal_starts_over_after_the_threads_run),
	};
	return cmocka_run_group_tests_name("store checkpoint", tests, NULL, NULL);
}
