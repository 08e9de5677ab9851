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
	char why[200] = "";
	rp_store *second = NULL;

	assert_int_equal(rp_store_open_ex(f->path, RP_STORE_OWNED, why, sizeof(why), &second),
	                 RP_STORE_IN_USE);
	assert_null(second);
	assert_non_null(strstr(why, "another kagura-rp serve"));
	/* Reading it is still anyone's; once the owner closes, another may own it. */
	rp_store_close(f->s);
	f->s = NULL;
	assert_int_equal(rp_store_open_ex(f->path, RP_STORE_OWNED, why, sizeof(why), &f->s),
	                 RP_STORE_OK);
	seen v = look(f->s, "alice");
	assert_int_equal(v.err, RP_STORE_OK);
	rp_cred_reset(&v.first);
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
	store_cache *k = store_cache_new(2);
	static const uint8_t cred_c[16] = {3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3};

	(void)state;
	assert_non_null(k);
	keep(k, 1, "a");
	keep(k, 2, "b");
	assert_true(kept(k, "a")); /* read: stays when the hand passes */
	keep(k, 3, "c");
	assert_int_equal(store_cache_count(k), 2);
	assert_true(kept(k, "a"));
	assert_false(kept(k, "b"));
	assert_true(kept(k, "c"));
	/* Put again: replaces, never a second entry; forgotten by id, name or credential. */
	keep(k, 3, "c");
	assert_int_equal(store_cache_count(k), 2);
	store_cache_forget_cred(k, cred_c, sizeof(cred_c));
	assert_false(kept(k, "c"));
	store_cache_forget_user(k, 1);
	assert_false(kept(k, "a"));
	assert_int_equal(store_cache_count(k), 0);
	keep(k, 2, "b");
	store_cache_forget_name(k, "b");
	assert_int_equal(store_cache_count(k), 0);
	store_cache_free(&k);
	assert_null(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_kept_in_memory, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_each_write_seen, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_batch_undone_not_applied, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_cred_picked, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_one_owner, setup, teardown),
	        cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests_name("store_cache", tests, NULL, NULL);
}
