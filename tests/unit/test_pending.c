/*
 * The conformance API's pending ceremonies (rp/pending.h): a ceremony is taken once, expires by
 * the time given, a put under the same token replaces, the bound holds with the ceremonies
 * nearest their expiry evicted (expired ones first), and threads putting and taking at once
 * neither lose nor duplicate a ceremony.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "rp/pending.h"

#define NOW      1000000
#define LIFETIME 300

/* A state naming its ceremony, so a take can tell which one it got. */
static json_t *state_named(const char *name)
{
	json_t *s = json_pack("{s:s}", "name", name);

	assert_non_null(s);
	return s;
}

static const char *name_of(const json_t *state)
{
	return json_string_value(json_object_get(state, "name"));
}

static void test_single_use(void **unused)
{
	rp_pending *t = rp_pending_new(0, 0);
	json_t *got = NULL;

	(void)unused;
	assert_non_null(t);
	assert_int_equal(rp_pending_put(t, "tok-a", state_named("a"), NOW, NOW + LIFETIME),
	                 RP_PENDING_OK);
	assert_int_equal(rp_pending_count(t), 1);
	assert_int_equal(rp_pending_take(t, "tok-a", NOW + 1, &got), RP_PENDING_OK);
	assert_string_equal(name_of(got), "a");
	json_decref(got);
	/* Taken: a replay finds nothing. */
	assert_int_equal(rp_pending_take(t, "tok-a", NOW + 1, &got), RP_PENDING_NOT_FOUND);
	assert_null(got);
	assert_int_equal(rp_pending_count(t), 0);
	assert_int_equal(rp_pending_take(t, "never-put", NOW, &got), RP_PENDING_NOT_FOUND);
	rp_pending_free(&t);
	assert_null(t);
}

static void test_expiry_by_given_time(void **unused)
{
	rp_pending *t = rp_pending_new(0, 0);
	json_t *got = NULL;

	(void)unused;
	assert_int_equal(rp_pending_put(t, "early", state_named("e"), NOW, NOW + 10),
	                 RP_PENDING_OK);
	assert_int_equal(rp_pending_put(t, "late", state_named("l"), NOW, NOW + LIFETIME),
	                 RP_PENDING_OK);
	/* At its expiry exactly it is gone, and taking it still spends it. */
	assert_int_equal(rp_pending_take(t, "early", NOW + 10, &got), RP_PENDING_EXPIRED);
	assert_null(got);
	assert_int_equal(rp_pending_take(t, "early", NOW, &got), RP_PENDING_NOT_FOUND);
	/* Purging by a time drops what expired by then, nothing else. */
	assert_int_equal(rp_pending_put(t, "early", state_named("e"), NOW, NOW + 10),
	                 RP_PENDING_OK);
	assert_int_equal(rp_pending_purge(t, NOW + 9), 0);
	assert_int_equal(rp_pending_purge(t, NOW + 10), 1);
	assert_int_equal(rp_pending_count(t), 1);
	assert_int_equal(rp_pending_purge(t, NOW + LIFETIME), 1);
	assert_int_equal(rp_pending_count(t), 0);
	rp_pending_free(&t);
}

static void test_replace_and_delete(void **unused)
{
	rp_pending *t = rp_pending_new(0, 0);
	json_t *got = NULL;

	(void)unused;
	assert_int_equal(rp_pending_put(t, "tok", state_named("first"), NOW, NOW + LIFETIME),
	                 RP_PENDING_OK);
	assert_int_equal(rp_pending_put(t, "tok", state_named("second"), NOW, NOW + LIFETIME),
	                 RP_PENDING_OK);
	assert_int_equal(rp_pending_count(t), 1);
	assert_int_equal(rp_pending_take(t, "tok", NOW, &got), RP_PENDING_OK);
	assert_string_equal(name_of(got), "second");
	json_decref(got);
	assert_int_equal(rp_pending_put(t, "tok", state_named("x"), NOW, NOW + LIFETIME),
	                 RP_PENDING_OK);
	assert_int_equal(rp_pending_delete(t, "tok"), RP_PENDING_OK);
	assert_int_equal(rp_pending_delete(t, "tok"), RP_PENDING_NOT_FOUND);
	assert_int_equal(rp_pending_take(t, "tok", NOW, &got), RP_PENDING_NOT_FOUND);
	rp_pending_free(&t);
}

static void test_bad_input(void **unused)
{
	rp_pending *t = rp_pending_new(0, 0);
	char long_token[RP_PENDING_TOKEN_MAX + 2];
	json_t *got = NULL;

	(void)unused;
	memset(long_token, 'a', sizeof(long_token) - 1);
	long_token[sizeof(long_token) - 1] = '\0';
	assert_int_equal(rp_pending_put(t, "", state_named("x"), NOW, NOW + 1), RP_PENDING_INVALID);
	assert_int_equal(rp_pending_put(t, long_token, state_named("x"), NOW, NOW + 1),
	                 RP_PENDING_INVALID);
	assert_int_equal(rp_pending_put(t, "tok", NULL, NOW, NOW + 1), RP_PENDING_INVALID);
	assert_int_equal(rp_pending_take(t, long_token, NOW, &got), RP_PENDING_INVALID);
	assert_int_equal(rp_pending_take(NULL, "tok", NOW, &got), RP_PENDING_INVALID);
	assert_int_equal(rp_pending_count(t), 0);
	assert_string_equal(rp_pending_strerr(RP_PENDING_EXPIRED),
	                    "the pending ceremony has expired");
	assert_string_equal(rp_pending_strerr(RP_PENDING__COUNT), "unknown pending-ceremony error");
	rp_pending_free(&t);
	rp_pending_free(&t); /* NULL: nothing */
}

#define SMALL 4

static void test_bound_evicts_oldest(void **unused)
{
	rp_pending *t = rp_pending_new(SMALL, 0);
	json_t *got = NULL;
	char token[32];

	(void)unused;
	/* Three times the bound, each a second later: the last SMALL stay. */
	for (int i = 0; i < 3 * SMALL; i++) {
		snprintf(token, sizeof(token), "tok-%d", i);
		assert_int_equal(
		        rp_pending_put(t, token, state_named(token), NOW + i, NOW + i + LIFETIME),
		        RP_PENDING_OK);
		assert_true(rp_pending_count(t) <= SMALL);
	}
	assert_int_equal(rp_pending_count(t), SMALL);
	for (int i = 0; i < 3 * SMALL; i++) {
		snprintf(token, sizeof(token), "tok-%d", i);
		rp_pending_err want = i < 2 * SMALL ? RP_PENDING_NOT_FOUND : RP_PENDING_OK;
		assert_int_equal(rp_pending_take(t, token, NOW + 3 * SMALL, &got), want);
		if (want == RP_PENDING_OK)
			assert_string_equal(name_of(got), token);
		json_decref(got);
	}
	rp_pending_free(&t);
}

#define BIG_ID_CHARS 1364 /* a 1023-byte credential id in base64url */
#define BIG_IDS      64   /* allowCredentials at its longest */

/* The state of an assertion options call at its largest: 64 ids of 1023 bytes. */
static json_t *state_big(const char *name)
{
	json_t *s = state_named(name), *ids = json_array();
	char *id = malloc(BIG_ID_CHARS + 1);

	assert_non_null(ids);
	assert_non_null(id);
	memset(id, 'A', BIG_ID_CHARS);
	id[BIG_ID_CHARS] = '\0';
	for (int i = 0; i < BIG_IDS; i++)
		assert_int_equal(json_array_append_new(ids, json_string(id)), 0);
	free(id);
	assert_int_equal(json_object_set_new(s, "allowCredentials", ids), 0);
	return s;
}

/* The bytes bound holds too: large states push out the oldest long before the count is
 * reached, and a state larger than the whole table is refused. */
static void test_bytes_bound(void **unused)
{
	/* About what one such state holds: its ids' text, and a value's cost (128 bytes) each. */
	size_t one = (size_t)BIG_IDS * (BIG_ID_CHARS + 128);
	rp_pending *t = rp_pending_new(1000, 3 * one + one / 2);
	rp_pending *tiny = rp_pending_new(1000, 64);
	json_t *got = NULL;
	char token[32];

	(void)unused;
	assert_non_null(t);
	for (int i = 0; i < 10; i++) {
		snprintf(token, sizeof(token), "big-%d", i);
		assert_int_equal(
		        rp_pending_put(t, token, state_big(token), NOW + i, NOW + i + LIFETIME),
		        RP_PENDING_OK);
		assert_true(rp_pending_count(t) <= 3);
	}
	assert_int_equal(rp_pending_count(t), 3);
	assert_int_equal(rp_pending_take(t, "big-6", NOW + 10, &got), RP_PENDING_NOT_FOUND);
	assert_int_equal(rp_pending_take(t, "big-9", NOW + 10, &got), RP_PENDING_OK);
	assert_string_equal(name_of(got), "big-9");
	json_decref(got);
	/* A small state still fits beside the two large ones left. */
	assert_int_equal(
	        rp_pending_put(t, "small", state_named("small"), NOW + 10, NOW + 10 + LIFETIME),
	        RP_PENDING_OK);
	assert_int_equal(rp_pending_count(t), 3);
	assert_int_equal(rp_pending_put(tiny, "big", state_big("big"), NOW, NOW + LIFETIME),
	                 RP_PENDING_TOO_LARGE);
	assert_int_equal(rp_pending_count(tiny), 0);
	rp_pending_free(&t);
	rp_pending_free(&tiny);
}

/* A state deeper than any the API makes counts as too large, whatever the table's bound. */
static void test_deep_state_too_large(void **unused)
{
	rp_pending *t = rp_pending_new(0, 0);
	json_t *deep = json_string("x");

	(void)unused;
	assert_non_null(t);
	for (int i = 0; i < 12; i++)
		deep = json_pack("{s:o}", "in", deep);
	assert_non_null(deep);
	assert_int_equal(rp_pending_put(t, "deep", deep, NOW, NOW + LIFETIME),
	                 RP_PENDING_TOO_LARGE);
	assert_int_equal(rp_pending_count(t), 0);
	/* Three levels, as the API's states have at most: kept. */
	assert_int_equal(rp_pending_put(t, "flat", json_pack("{s:{s:[s]}}", "a", "b", "c"), NOW,
	                                NOW + LIFETIME),
	                 RP_PENDING_OK);
	rp_pending_free(&t);
}

static void test_full_drops_expired_first(void **unused)
{
	rp_pending *t = rp_pending_new(SMALL, 0);
	json_t *got = NULL;

	(void)unused;
	/* The newest put expires first (a clock set back): it goes before any older live one. */
	assert_int_equal(rp_pending_put(t, "a", state_named("a"), NOW, NOW + LIFETIME),
	                 RP_PENDING_OK);
	assert_int_equal(rp_pending_put(t, "b", state_named("b"), NOW, NOW + LIFETIME),
	                 RP_PENDING_OK);
	assert_int_equal(rp_pending_put(t, "c", state_named("c"), NOW, NOW + LIFETIME),
	                 RP_PENDING_OK);
	assert_int_equal(rp_pending_put(t, "short", state_named("s"), NOW, NOW + 5), RP_PENDING_OK);
	assert_int_equal(rp_pending_put(t, "d", state_named("d"), NOW + 5, NOW + 5 + LIFETIME),
	                 RP_PENDING_OK);
	assert_int_equal(rp_pending_count(t), SMALL);
	assert_int_equal(rp_pending_take(t, "short", NOW, &got), RP_PENDING_NOT_FOUND);
	assert_int_equal(rp_pending_take(t, "a", NOW + 6, &got), RP_PENDING_OK);
	json_decref(got);
	rp_pending_free(&t);
}

#define THREADS    4
#define PER_THREAD 2000

typedef struct worker {
	rp_pending *table;
	int id;
	int taken; /* shared ceremonies this thread took */
	int own_lost;
} worker;

/*
 * Each thread puts and takes its own tokens (none may go missing: the bound is above their
 * number); thread 0 also puts shared ones that the others race to take.
 */
static void *work(void *arg)
{
	worker *w = arg;
	char token[32];
	json_t *got;

	for (int i = 0; i < PER_THREAD; i++) {
		snprintf(token, sizeof(token), "own-%d-%d", w->id, i);
		if (rp_pending_put(w->table, token, state_named(token), NOW, NOW + LIFETIME) !=
		    RP_PENDING_OK)
			w->own_lost++;
		snprintf(token, sizeof(token), "shared-%d", i);
		if (w->id == 0)
			rp_pending_put(w->table, token, state_named(token), NOW, NOW + LIFETIME);
		else if (rp_pending_take(w->table, token, NOW, &got) == RP_PENDING_OK) {
			w->taken++;
			json_decref(got);
		}
	}
	for (int i = 0; i < PER_THREAD; i++) {
		snprintf(token, sizeof(token), "own-%d-%d", w->id, i);
		if (rp_pending_take(w->table, token, NOW, &got) != RP_PENDING_OK ||
		    strcmp(name_of(got), token) != 0)
			w->own_lost++;
		json_decref(got);
	}
	return NULL;
}

static void test_concurrent_threads(void **unused)
{
	rp_pending *t = rp_pending_new(THREADS * PER_THREAD + PER_THREAD, 0);
	pthread_t threads[THREADS];
	worker workers[THREADS];
	int taken = 0;

	(void)unused;
	for (int i = 0; i < THREADS; i++) {
		workers[i] = (worker){.table = t, .id = i};
		assert_int_equal(pthread_create(&threads[i], NULL, work, &workers[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_int_equal(workers[i].own_lost, 0);
		taken += workers[i].taken;
	}
	/* Each shared ceremony was taken once or is still there: none lost, none taken twice. */
	assert_int_equal((size_t)taken + rp_pending_count(t), PER_THREAD);
	rp_pending_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_single_use),
	        cmocka_unit_test(test_expiry_by_given_time),
	        cmocka_unit_test(test_replace_and_delete),
	        cmocka_unit_test(test_bad_input),
	        cmocka_unit_test(test_bound_evicts_oldest),
	        cmocka_unit_test(test_bytes_bound),
	        cmocka_unit_test(test_deep_state_too_large),
	        cmocka_unit_test(test_full_drops_expired_first),
	        cmocka_unit_test(test_concurrent_threads),
	};

	return cmocka_run_group_tests_name("pending", tests, NULL, NULL);
}
