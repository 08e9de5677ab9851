/*
 * The users an owned store keeps in memory (rp/store_cache.h, rp_store_user_creds): what it
 * answers is what its own writes committed, each kind of write reflected at once (a counter
 * update only once committed, never one its batch undid), the file served by one owner at a
 * time, and the number kept bounded. A write by another connection is not seen while the user
 * is kept: that shows the answers come from memory, so the other checks are not about SQLite.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include <cmocka.h>

#include "testdir.h"
#include "rp/store.h"
#include "rp/store_cache.h"

typedef struct fixture {
	char dir[64];
	char path[128];
	rp_store *s;     /* owned: keeps users */
	rp_store *other; /* a plain connection to the same file: what is committed */
	int64_t alice;
} fixture;

static void make_cred(rp_cred *c, int64_t user_id, uint8_t fill, uint32_t sign_count)
{
	static const uint8_t cose[] = {0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01};
	uint8_t id[16];

	memset(c, 0, sizeof(*c));
	memset(id, fill, sizeof(id));
	c->user_id = user_id;
	assert_int_equal(wa_blob_set(&c->id, id, sizeof(id)), WA_OK);
	assert_int_equal(wa_blob_set(&c->public_key, cose, sizeof(cose)), WA_OK);
	c->alg = -7;
	c->sign_count = sign_count;
	strcpy(c->label, "iPhone");
	strcpy(c->fmt, "packed");
	c->enabled = true;
	c->created = 1000;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	char why[200] = "";
	rp_user u;
	rp_cred c;

	if (f == NULL)
		return -1;
	if (!test_dir_make(f->dir, sizeof(f->dir), "kagura-kept"))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/store.db", f->dir);
	if (rp_store_open_ex(f->path, RP_STORE_OWNED, why, sizeof(why), &f->s) != RP_STORE_OK ||
	    rp_store_open(f->path, &f->other) != RP_STORE_OK)
		return -1;
	make_cred(&c, 0, 0x11, 5);
	if (rp_store_user_create_handle(f->s, "alice", "Alice", (const uint8_t *)"0123456789abcdef",
	                                &c, &u) != RP_STORE_OK)
		return -1;
	rp_cred_reset(&c);
	f->alice = u.id;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	rp_store_close(f->other);
	rp_store_close(f->s);
	test_dir_remove(f->dir);
	free(f);
	return 0;
}

/* What the owned store answers for a user: its credentials' count, and the first one. */
typedef struct seen {
	rp_store_err err;
	rp_user user;
	size_t n;
	rp_cred first;
} seen;

static seen look(rp_store *s, const char *name)
{
	seen v;
	rp_cred *list = NULL;

	memset(&v, 0, sizeof(v));
	v.err = rp_store_user_creds(s, name, NULL, 0, &v.user, &list, &v.n);
	if (v.n > 0) {
		v.first = list[0];
		memset(&list[0], 0, sizeof(list[0])); /* moved */
	}
	rp_cred_list_free(&list, v.n);
	return v;
}

/* Reads the user once, so the owned store keeps them. */
static void prime(rp_store *s, const char *name)
{
	seen v = look(s, name);

	assert_int_equal(v.err, RP_STORE_OK);
	rp_cred_reset(&v.first);
}

static const uint8_t id11[16] = {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11};

static void test_kept_in_memory(void **state)
{
	fixture *f = *state;
	seen v = look(f->s, "alice");

	assert_int_equal(v.err, RP_STORE_OK);
	assert_int_equal(v.n, 1);
	assert_int_equal(v.first.sign_count, 5);
	assert_string_equal(v.user.display_name, "Alice");
	rp_cred_reset(&v.first);

	/* Another connection's write is not seen while alice is kept: the answer is memory's. */
	assert_int_equal(rp_store_cred_update_use(f->other, id11, sizeof(id11), 50, false),
	                 RP_STORE_OK);
	v = look(f->s, "alice");
	assert_int_equal(v.first.sign_count, 5);
	rp_cred_reset(&v.first);

	/* The owner's own write is, once committed. */
	assert_int_equal(rp_store_cred_update_use(f->s, id11, sizeof(id11), 60, true), RP_STORE_OK);
	v = look(f->s, "alice");
	assert_int_equal(v.first.sign_count, 60);
	assert_true(v.first.backup_state);
	rp_cred_reset(&v.first);

	/* No such user: NOT_FOUND, nothing kept for it. */
	v = look(f->s, "nobody");
	assert_int_equal(v.err, RP_STORE_NOT_FOUND);
	assert_int_equal(v.n, 0);
}

/* A user just created is kept as their first read would have found them in the file. */
static void test_new_user_kept(void **state)
{
	fixture *f = *state;
	rp_cred c;
	rp_user made;
	seen kept, file;

	make_cred(&c, 0, 0x44, 9);
	strcpy(c.transports, "hybrid,internal");
	c.backup_eligible = true;
	assert_int_equal(rp_store_user_create_handle(f->s, "carol", "Carol",
	                                             (const uint8_t *)"fedcba9876543210", &c,
	                                             &made),
	                 RP_STORE_OK);
	/* Changed behind the owner's back: what the owner answers was not read after this. */
	assert_int_equal(rp_store_cred_update_use(f->other, c.id.ptr, c.id.len, 77, true),
	                 RP_STORE_OK);
	kept = look(f->s, "carol");
	file = look(f->other, "carol");
	assert_int_equal(kept.err, RP_STORE_OK);
	assert_int_equal(file.err, RP_STORE_OK);
	assert_int_equal(kept.first.sign_count, 9);
	assert_false(kept.first.backup_state);
	assert_int_equal(file.first.sign_count, 77);
	/* Everything else as the file has it. */
	assert_memory_equal(&kept.user, &file.user, sizeof(kept.user));
	assert_memory_equal(&kept.user, &made, sizeof(made));
	assert_int_equal(kept.n, 1);
	assert_int_equal(kept.first.user_id, file.first.user_id);
	assert_memory_equal(kept.first.id.ptr, file.first.id.ptr, file.first.id.len);
	assert_memory_equal(kept.first.public_key.ptr, file.first.public_key.ptr,
	                    file.first.public_key.len);
	assert_int_equal(kept.first.alg, file.first.alg);
	assert_memory_equal(kept.first.aaguid, file.first.aaguid, sizeof(file.first.aaguid));
	assert_string_equal(kept.first.transports, file.first.transports);
	assert_string_equal(kept.first.label, file.first.label);
	assert_string_equal(kept.first.fmt, file.first.fmt);
	assert_int_equal(kept.first.backup_eligible, file.first.backup_eligible);
	assert_int_equal(kept.first.enabled, file.first.enabled);
	assert_int_equal(kept.first.created, file.first.created);
	rp_cred_reset(&kept.first);
	rp_cred_reset(&file.first);
	rp_cred_reset(&c);
}

static void test_each_write_seen(void **state)
{
	fixture *f = *state;
	seen v;
	rp_cred second;

	make_cred(&second, f->alice, 0x22, 0);

	prime(f->s, "alice");
	assert_int_equal(rp_store_cred_set_label(f->s, id11, sizeof(id11), "Pixel"), RP_STORE_OK);
	v = look(f->s, "alice");
	assert_string_equal(v.first.label, "Pixel");
	rp_cred_reset(&v.first);

	assert_int_equal(rp_store_cred_set_enabled(f->s, id11, sizeof(id11), false), RP_STORE_OK);
	v = look(f->s, "alice");
	assert_false(v.first.enabled);
	rp_cred_reset(&v.first);

	assert_int_equal(rp_store_cred_add(f->s, &second), RP_STORE_OK);
	v = look(f->s, "alice");
	assert_int_equal(v.n, 2);
	rp_cred_reset(&v.first);

	assert_int_equal(rp_store_cred_delete(f->s, id11, sizeof(id11)), RP_STORE_OK);
	v = look(f->s, "alice");
	assert_int_equal(v.n, 1);
	assert_memory_equal(v.first.id.ptr, second.id.ptr, second.id.len);
	rp_cred_reset(&v.first);

	assert_int_equal(rp_store_user_set_enabled(f->s, "alice", false), RP_STORE_OK);
	v = look(f->s, "alice");
	assert_false(v.user.enabled);
	rp_cred_reset(&v.first);
	rp_cred_reset(&second);
}

/* A batch's writes: one commits a counter, one fails after its update (undone alone). */
typedef struct use_write {
	const uint8_t *id;
	uint32_t count;
	bool fail_after;
} use_write;

static rp_store_err run_use(rp_store *s, void *ctx)
{
	use_write *w = ctx;
	rp_store_err err = rp_store_cred_update_use(s, w->id, 16, w->count, false);

	return err == RP_STORE_OK && w->fail_after ? RP_STORE_INVALID : err;
}

static void test_batch_undone_not_applied(void **state)
{
	fixture *f = *state;
	rp_cred second;
	seen v;
	static const uint8_t id22[16] = {0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
	                                 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22};
	use_write kept = {id11, 9, false}, undone = {id22, 99, true};
	rp_store_write writes[] = {{run_use, &kept, RP_STORE_OK}, {run_use, &undone, RP_STORE_OK}};
	rp_cred *list = NULL;
	size_t n = 0;
	rp_user u;

	make_cred(&second, f->alice, 0x22, 3);
	assert_int_equal(rp_store_cred_add(f->s, &second), RP_STORE_OK);
	rp_cred_reset(&second);
	prime(f->s, "alice"); /* kept, both credentials */

	assert_int_equal(rp_store_write_batch(f->s, writes, 2), RP_STORE_OK);
	assert_int_equal(writes[0].result, RP_STORE_OK);
	assert_int_equal(writes[1].result, RP_STORE_INVALID);

	/* The kept credentials: one picked by its id, each as the file has it. */
	assert_int_equal(rp_store_user_creds(f->s, "alice", id11, 16, &u, &list, &n), RP_STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].sign_count, 9);
	rp_cred_list_free(&list, n);
	assert_int_equal(rp_store_user_creds(f->s, "alice", id22, 16, &u, &list, &n), RP_STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].sign_count, 3);
	rp_cred_list_free(&list, n);
	v = look(f->other, "alice"); /* the plain connection reads the file */
	assert_int_equal(v.n, 2);
	rp_cred_reset(&v.first);
	assert_int_equal(rp_store_cred_by_id(f->other, id22, 16, &second), RP_STORE_OK);
	assert_int_equal(second.sign_count, 3);
	rp_cred_reset(&second);
}

static void test_cred_picked(void **state)
{
	fixture *f = *state;
	rp_cred bobs, *list = NULL;
	size_t n = 7;
	rp_user u;
	static const uint8_t unknown[16] = {0x77};

	assert_int_equal(rp_store_user_create(f->s, "bob", "", &u), RP_STORE_OK);
	make_cred(&bobs, u.id, 0x33, 1);
	assert_int_equal(rp_store_cred_add(f->s, &bobs), RP_STORE_OK);
	for (int round = 0; round < 2; round++) { /* read from the file, then from memory */
		assert_int_equal(
		        rp_store_user_creds(f->s, "alice", bobs.id.ptr, bobs.id.len, &u, &list, &n),
		        RP_STORE_OK);
		assert_int_equal(n, 0);
		assert_null(list);
		assert_int_equal(rp_store_user_creds(f->s, "alice", unknown, 16, &u, &list, &n),
		                 RP_STORE_OK);
		assert_int_equal(n, 0);
		assert_int_equal(
		        rp_store_user_creds(f->s, "bob", bobs.id.ptr, bobs.id.len, &u, &list, &n),
		        RP_STORE_OK);
		assert_int_equal(n, 1);
		assert_string_equal(u.name, "bob");
		rp_cred_list_free(&list, n);
	}
	assert_int_equal(rp_store_user_creds(f->s, "", NULL, 0, &u, &list, &n), RP_STORE_INVALID);
	assert_int_equal(rp_store_user_creds(f->s, "bob", unknown, 0, &u, &list, &n),
	                 RP_STORE_INVALID);
	rp_cred_reset(&bobs);
}

static void test_one_owner(void **state)
{
	fixture *f = *state;
	char why[200] = "", owner[160];
	rp_store *second = NULL;

	assert_int_equal(rp_store_open_ex(f->path, RP_STORE_OWNED, why, sizeof(why), &second),
	                 RP_STORE_IN_USE);
	assert_null(second);
	assert_non_null(strstr(why, "another kagura-rp serve"));
	/* The owner's mark beside the store: there while it is open, gone once it closes, and
	 * then another may own the store. */
	snprintf(owner, sizeof(owner), "%s%s", f->path, RP_STORE_OWNER_SUFFIX);
	assert_int_equal(access(owner, F_OK), 0);
	rp_store_close(f->s);
	f->s = NULL;
	assert_int_equal(access(owner, F_OK), -1);
	assert_int_equal(rp_store_open_ex(f->path, RP_STORE_OWNED, why, sizeof(why), &f->s),
	                 RP_STORE_OK);
	seen v = look(f->s, "alice");
	assert_int_equal(v.err, RP_STORE_OK);
	rp_cred_reset(&v.first);
}

/* ---- many threads: readers never see a counter that was not committed, nor an older one ---- */

#define RACE_USERS       16
#define RACE_WRITERS     2 /* writer w owns the users u with u % RACE_WRITERS == w */
#define RACE_READERS     4
#define RACE_BATCHES     150 /* each writer's, of RACE_BATCH counter updates */
#define RACE_BATCH       8
#define RACE_MAX_COUNTER (RACE_BATCHES * RACE_BATCH + 1)

typedef struct race {
	rp_store *s;
	atomic_uint committed[RACE_USERS]; /* the last counter a committed batch wrote */
	atomic_uint written[RACE_USERS];   /* the highest counter any write tried */
	/* undone[u][v]: a write of counter v to user u was undone (its batch kept the others) */
	atomic_bool undone[RACE_USERS][RACE_MAX_COUNTER + 1];
	atomic_int writers_left;
	atomic_long reads, older, unwritten, undone_seen, failures;
} race;

typedef struct race_write {
	race *r;
	int user;
	uint32_t count;
	bool fail_after;
} race_write;

static void race_cred_id(int user, uint8_t id[16])
{
	memset(id, 0x40, 16);
	id[0] = (uint8_t)user;
}

static rp_store_err race_run(rp_store *s, void *ctx)
{
	race_write *w = ctx;
	uint8_t id[16];
	rp_store_err err;

	race_cred_id(w->user, id);
	err = rp_store_cred_update_use(s, id, sizeof(id), w->count, false);
	return err == RP_STORE_OK && w->fail_after ? RP_STORE_INVALID : err;
}

typedef struct race_thread {
	race *r;
	int index;
} race_thread;

static void *race_writer(void *arg)
{
	race_thread *t = arg;
	race *r = t->r;
	unsigned seed = (unsigned)t->index + 1;

	for (int b = 0; b < RACE_BATCHES; b++) {
		race_write ws[RACE_BATCH];
		rp_store_write wr[RACE_BATCH];
		for (int i = 0; i < RACE_BATCH; i++) {
			int u = (rand_r(&seed) % (RACE_USERS / RACE_WRITERS)) * RACE_WRITERS +
			        t->index;
			uint32_t v = atomic_load(&r->written[u]) + 1;
			atomic_store(&r->written[u], v);
			ws[i] = (race_write){r, u, v, rand_r(&seed) % 4 == 0};
			wr[i] = (rp_store_write){race_run, &ws[i], RP_STORE_OK};
		}
		if (rp_store_write_batch(r->s, wr, RACE_BATCH) != RP_STORE_OK)
			atomic_fetch_add(&r->failures, 1);
		for (int i = 0; i < RACE_BATCH; i++) {
			if (wr[i].result == RP_STORE_OK)
				atomic_store(&r->committed[ws[i].user], ws[i].count);
			else
				atomic_store(&r->undone[ws[i].user][ws[i].count], true);
		}
		/* Now and then the user is forgotten, so readers read the file again. */
		if (rand_r(&seed) % 8 == 0) {
			uint8_t id[16];
			race_cred_id(ws[0].user, id);
			if (rp_store_cred_set_label(r->s, id, sizeof(id), "relabelled") !=
			    RP_STORE_OK)
				atomic_fetch_add(&r->failures, 1);
		}
	}
	atomic_fetch_sub(&r->writers_left, 1);
	return NULL;
}

static void *race_reader(void *arg)
{
	race_thread *t = arg;
	race *r = t->r;
	unsigned seed = (unsigned)t->index + 100;

	while (atomic_load(&r->writers_left) > 0) {
		int u = rand_r(&seed) % RACE_USERS;
		uint32_t before = atomic_load(&r->committed[u]), count;
		char name[16];
		uint8_t id[16];
		rp_cred *list = NULL;
		size_t n = 0;
		rp_user user;

		snprintf(name, sizeof(name), "racer%d", u);
		race_cred_id(u, id);
		if (rp_store_user_creds(r->s, name, id, sizeof(id), &user, &list, &n) !=
		            RP_STORE_OK ||
		    n != 1) {
			atomic_fetch_add(&r->failures, 1);
			rp_cred_list_free(&list, n);
			continue;
		}
		count = list[0].sign_count;
		rp_cred_list_free(&list, n);
		atomic_fetch_add(&r->reads, 1);
		if (count < before)
			atomic_fetch_add(&r->older, 1);
		if (count > atomic_load(&r->written[u]))
			atomic_fetch_add(&r->unwritten, 1);
		if (count <= RACE_MAX_COUNTER && atomic_load(&r->undone[u][count]))
			atomic_fetch_add(&r->undone_seen, 1);
	}
	return NULL;
}

static void test_readers_beside_batches(void **state)
{
	fixture *f = *state;
	race *r = calloc(1, sizeof(*r));
	pthread_t threads[RACE_WRITERS + RACE_READERS];
	race_thread args[RACE_WRITERS + RACE_READERS];

	assert_non_null(r);
	r->s = f->s;
	for (int u = 0; u < RACE_USERS; u++) {
		char name[16];
		uint8_t handle[16];
		rp_cred c;

		snprintf(name, sizeof(name), "racer%d", u);
		memset(handle, 0x80 + u, sizeof(handle));
		make_cred(&c, 0, 0, 0);
		race_cred_id(u, (uint8_t *)c.id.ptr);
		assert_int_equal(rp_store_user_create_handle(f->s, name, "", handle, &c, NULL),
		                 RP_STORE_OK);
		rp_cred_reset(&c);
	}
	atomic_store(&r->writers_left, RACE_WRITERS);
	for (int i = 0; i < RACE_WRITERS + RACE_READERS; i++) {
		args[i] = (race_thread){r, i < RACE_WRITERS ? i : i - RACE_WRITERS};
		assert_int_equal(pthread_create(&threads[i], NULL,
		                                i < RACE_WRITERS ? race_writer : race_reader,
		                                &args[i]),
		                 0);
	}
	for (int i = 0; i < RACE_WRITERS + RACE_READERS; i++)
		pthread_join(threads[i], NULL);
	assert_int_equal(atomic_load(&r->failures), 0);
	assert_true(atomic_load(&r->reads) > 0);
	assert_int_equal(atomic_load(&r->older), 0);
	assert_int_equal(atomic_load(&r->unwritten), 0);
	assert_int_equal(atomic_load(&r->undone_seen), 0);
	free(r);
}

/* ---- the cache itself: bounded, a user read lately stays ---- */

static void keep(store_cache *k, int64_t id, const char *name)
{
	rp_user u = {.id = id, .enabled = true};
	rp_cred c;

	snprintf(u.name, sizeof(u.name), "%s", name);
	make_cred(&c, id, (uint8_t)id, 0);
	store_cache_put(k, &u, &c, 1);
	rp_cred_reset(&c);
}

static bool kept(store_cache *k, const char *name)
{
	rp_user u;
	rp_cred *list = NULL;
	size_t n = 0;
	rp_store_err err = store_cache_get(k, name, NULL, 0, &u, &list, &n);

	rp_cred_list_free(&list, n);
	return err == RP_STORE_OK;
}

static void test_bounded(void **state)
{
	store_cache *k = store_cache_new(3);
	static const uint8_t cred_e[16] = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5};

	(void)state;
	assert_non_null(k);
	keep(k, 1, "a");
	keep(k, 2, "b");
	keep(k, 3, "c");
	keep(k, 4, "d"); /* all put just now: the hand clears them all, the first goes */
	assert_int_equal(store_cache_count(k), 3);
	assert_false(kept(k, "a"));
	assert_true(kept(k, "c")); /* read since the hand passed: stays */
	keep(k, 5, "e");
	assert_int_equal(store_cache_count(k), 3);
	assert_false(kept(k, "b")); /* not read since: goes */
	assert_true(kept(k, "c"));
	assert_true(kept(k, "d"));
	assert_true(kept(k, "e"));
	/* Put again, under the same id or name: replaces, never a second entry. */
	keep(k, 5, "e2");
	assert_int_equal(store_cache_count(k), 3);
	assert_false(kept(k, "e"));
	assert_true(kept(k, "e2"));
	keep(k, 6, "e2");
	assert_int_equal(store_cache_count(k), 3);
	/* Forgotten by credential, id or name. */
	store_cache_forget_cred(k, cred_e, sizeof(cred_e));
	assert_true(kept(k, "e2")); /* user 6's credential is another */
	store_cache_forget_user(k, 6);
	assert_false(kept(k, "e2"));
	store_cache_forget_name(k, "c");
	assert_false(kept(k, "c"));
	assert_int_equal(store_cache_count(k), 1);
	store_cache_free(&k);
	assert_null(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_kept_in_memory, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_new_user_kept, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_each_write_seen, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_batch_undone_not_applied, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_cred_picked, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_one_owner, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_readers_beside_batches, setup, teardown),
	        cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests_name("store_cache", tests, NULL, NULL);
}
