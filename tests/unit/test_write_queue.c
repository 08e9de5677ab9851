/*
 * rp/write_queue: writes submitted from several threads are all committed, each told once how
 * it ended, only after its COMMIT (another connection sees it by then), failures reported to
 * their own write only, and what is queued when the queue stops is committed, not dropped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>

#include "testdir.h"
#include "rp/store.h"
#include "rp/write_queue.h"

#define THREADS           4
#define WRITES_PER_THREAD 50

typedef struct fixture {
	char dir[64];
	char path[128];
	rp_store *s;
	rp_store *other; /* a second connection: what is committed */
	rp_write_queue *q;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	if (!test_dir_make(f->dir, sizeof(f->dir), "kagura-writes"))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/store.db", f->dir);
	if (rp_store_open(f->path, &f->s) != RP_STORE_OK ||
	    rp_store_open(f->path, &f->other) != RP_STORE_OK ||
	    (f->q = rp_write_queue_start(f->s)) == NULL)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	rp_write_queue_stop(&f->q);
	rp_store_close(f->other);
	rp_store_close(f->s);
	test_dir_remove(f->dir);
	free(f);
	return 0;
}

/* One write: a user made; done records how it ended and what another connection saw then. */
typedef struct user_write {
	fixture *f;
	char name[32];
	pthread_mutex_t *lock; /* the count's */
	int *done_count;
	int done_calls;
	rp_store_err result;
	rp_store_err seen; /* the user looked up on the other connection in done */
} user_write;

static rp_store_err make_user(rp_store *s, void *ctx)
{
	user_write *w = ctx;

	return rp_store_user_create(s, w->name, "", NULL);
}

static void write_done(void *ctx, rp_store_err result)
{
	user_write *w = ctx;
	rp_user u;

	w->result = result;
	w->seen = rp_store_user_by_name(w->f->other, w->name, &u);
	w->done_calls++;
	pthread_mutex_lock(w->lock);
	(*w->done_count)++;
	pthread_mutex_unlock(w->lock);
}

typedef struct submitter {
	fixture *f;
	user_write *writes; /* WRITES_PER_THREAD */
	int submitted;
} submitter;

/* Submits as a handler does: it says a write is coming, submits, and says it is done. */
static void *submit_main(void *arg)
{
	submitter *t = arg;

	for (int i = 0; i < WRITES_PER_THREAD; i++) {
		rp_write_queue_coming(t->f->q, +1);
		t->submitted +=
		        rp_write_queue_submit(t->f->q, make_user, write_done, &t->writes[i]);
		rp_write_queue_coming(t->f->q, -1);
	}
	return NULL;
}

static void test_every_write_committed_once(void **state)
{
	fixture *f = *state;
	static user_write writes[THREADS][WRITES_PER_THREAD];
	submitter t[THREADS];
	pthread_t threads[THREADS];
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	int done_count = 0;

	memset(writes, 0, sizeof(writes));
	for (int k = 0; k < THREADS; k++) {
		for (int i = 0; i < WRITES_PER_THREAD; i++) {
			writes[k][i] =
			        (user_write){.f = f, .lock = &lock, .done_count = &done_count};
			snprintf(writes[k][i].name, sizeof(writes[k][i].name), "u%d-%d", k, i);
		}
		t[k] = (submitter){.f = f, .writes = writes[k]};
		assert_int_equal(pthread_create(&threads[k], NULL, submit_main, &t[k]), 0);
	}
	for (int k = 0; k < THREADS; k++)
		pthread_join(threads[k], NULL);
	/* Stopping commits what is still queued. */
	rp_write_queue_stop(&f->q);
	assert_null(f->q);
	assert_int_equal(done_count, THREADS * WRITES_PER_THREAD);
	for (int k = 0; k < THREADS; k++) {
		assert_int_equal(t[k].submitted, WRITES_PER_THREAD);
		for (int i = 0; i < WRITES_PER_THREAD; i++) {
			assert_int_equal(writes[k][i].done_calls, 1);
			assert_int_equal(writes[k][i].result, RP_STORE_OK);
			/* Committed before its owner was told. */
			assert_int_equal(writes[k][i].seen, RP_STORE_OK);
		}
	}
}

static void test_failure_is_its_own(void **state)
{
	fixture *f = *state;
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	int done_count = 0;
	user_write w[3] = {{.f = f, .name = "dup", .lock = &lock, .done_count = &done_count},
	                   {.f = f, .name = "dup", .lock = &lock, .done_count = &done_count},
	                   {.f = f, .name = "other", .lock = &lock, .done_count = &done_count}};

	/* Each told its own outcome, in the order submitted, whichever batches they joined. */
	rp_write_queue_coming(f->q, +1);
	for (int i = 0; i < 3; i++)
		assert_true(rp_write_queue_submit(f->q, make_user, write_done, &w[i]));
	rp_write_queue_coming(f->q, -1);
	rp_write_queue_stop(&f->q);
	assert_int_equal(done_count, 3);
	assert_int_equal(w[0].result, RP_STORE_OK); /* in the order submitted */
	assert_int_equal(w[1].result, RP_STORE_EXISTS);
	assert_int_equal(w[2].result, RP_STORE_OK);
	assert_int_equal(w[2].seen, RP_STORE_OK);
}

/* No queue (none started, or stopped): nothing is taken, and the caller writes by itself. */
static void test_refused_without_queue(void **state)
{
	fixture *f = *state;
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	int done_count = 0;
	user_write w = {.f = f, .name = "late", .lock = &lock, .done_count = &done_count};

	rp_write_queue_stop(&f->q);
	rp_write_queue_stop(&f->q); /* stopped already: nothing happens */
	assert_false(rp_write_queue_submit(f->q, make_user, write_done, &w));
	rp_write_queue_coming(f->q, +1); /* nothing to say it to: no effect */
	assert_int_equal(done_count, 0);
	assert_null(rp_write_queue_start(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_every_write_committed_once, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_failure_is_its_own, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_refused_without_queue, setup, teardown),
	};

	return cmocka_run_group_tests_name("write queue", tests, NULL, NULL);
}
