/*
 * rp/store's registration from a QR (rp_store_qr_register) and user lookup by
 * id: the credential, the consumed token and its state change together or not
 * at all, whatever makes the transaction fail.
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

typedef struct fixture {
	char dir[64];
	char path[128];
	rp_store *s;
	rp_user alice;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	if (!test_dir_make(f->dir, sizeof(f->dir), "kagura-regstore")) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/store.db", f->dir);
	*state = f;
	if (rp_store_open(f->path, &f->s) != RP_STORE_OK ||
	    rp_store_user_create(f->s, "alice", "Alice", &f->alice) != RP_STORE_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	rp_store_close(f->s);
	test_dir_remove(f->dir);
	free(f);
	return 0;
}

static void qr(fixture *f, const char *token, rp_qr_kind kind)
{
	rp_qr q;

	memset(&q, 0, sizeof(q));
	snprintf(q.token, sizeof(q.token), "%s", token);
	q.kind = kind;
	q.user_id = f->alice.id;
	q.issued = 1000;
	q.expires = 2000;
	assert_int_equal(rp_store_qr_issue(f->s, &q), RP_STORE_OK);
}

/* A credential record of user_id whose id is the text id; the caller resets it. */
static void cred(rp_cred *c, int64_t user_id, const char *id)
{
	memset(c, 0, sizeof(*c));
	c->user_id = user_id;
	assert_int_equal(wa_blob_set(&c->id, id, strlen(id)), WA_OK);
	assert_int_equal(wa_blob_set(&c->public_key, "\xa5\x01\x02", 3), WA_OK);
	c->alg = -7;
	c->sign_count = 7;
	snprintf(c->label, sizeof(c->label), "label of %s", id);
	snprintf(c->fmt, sizeof(c->fmt), "none");
	c->enabled = true;
	c->created = 1500;
}

static size_t count(fixture *f)
{
	rp_cred *list = NULL;
	size_t n = 0;

	assert_int_equal(rp_store_cred_list(f->s, f->alice.id, &list, &n), RP_STORE_OK);
	rp_cred_list_free(&list, n);
	return n;
}

static void assert_qr(fixture *f, const char *token, bool consumed, rp_qr_state state)
{
	rp_qr q;

	assert_int_equal(rp_store_qr_get(f->s, token, &q), RP_STORE_OK);
	assert_int_equal(q.consumed, consumed);
	assert_int_equal(q.state, state);
}

static void test_register(void **state)
{
	fixture *f = *state;
	rp_cred c, got;

	qr(f, "tok", RP_QR_CA_REGISTRATION);
	cred(&c, f->alice.id, "cred-1");
	assert_int_equal(rp_store_qr_register(f->s, "tok", &c, RP_QR_DONE), RP_STORE_OK);
	assert_qr(f, "tok", true, RP_QR_DONE);
	assert_int_equal(rp_store_cred_by_id(f->s, (const uint8_t *)"cred-1", 6, &got),
	                 RP_STORE_OK);
	assert_string_equal(got.label, "label of cred-1");
	assert_int_equal(got.sign_count, 7);
	assert_int_equal(got.user_id, f->alice.id);
	rp_cred_reset(&got);
	rp_cred_reset(&c);
	/* Single use: the token registers nothing more. */
	cred(&c, f->alice.id, "cred-2");
	assert_int_equal(rp_store_qr_register(f->s, "tok", &c, RP_QR_DONE), RP_STORE_NOT_FOUND);
	assert_int_equal(count(f), 1);
	rp_cred_reset(&c);
}

static void test_nothing_on_failure(void **state)
{
	fixture *f = *state;
	rp_cred c;

	qr(f, "old", RP_QR_CA_REGISTRATION);
	qr(f, "new", RP_QR_CA_REGISTRATION); /* supersedes old */
	cred(&c, f->alice.id, "cred-1");
	assert_int_equal(rp_store_qr_register(f->s, "old", &c, RP_QR_DONE), RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_qr_register(f->s, "unknown", &c, RP_QR_DONE), RP_STORE_NOT_FOUND);
	assert_int_equal(count(f), 0);
	assert_int_equal(rp_store_qr_register(f->s, "new", &c, RP_QR_DONE), RP_STORE_OK);
	rp_cred_reset(&c);

	/* The credential insert fails after the token was consumed: both roll back. */
	qr(f, "pc", RP_QR_PC_REGISTRATION);
	cred(&c, f->alice.id, "cred-1");
	assert_int_equal(rp_store_qr_register(f->s, "pc", &c, RP_QR_DONE), RP_STORE_EXISTS);
	assert_qr(f, "pc", false, RP_QR_WAITING);
	rp_cred_reset(&c);
	cred(&c, 4242, "cred-9"); /* no such user */
	assert_int_equal(rp_store_qr_register(f->s, "pc", &c, RP_QR_DONE), RP_STORE_NOT_FOUND);
	assert_qr(f, "pc", false, RP_QR_WAITING);
	assert_int_equal(count(f), 1);
	rp_cred_reset(&c);

	/* Arguments out of their limits change nothing either. */
	cred(&c, f->alice.id, "cred-3");
	assert_int_equal(rp_store_qr_register(f->s, "pc", &c, RP_QR_STATE__COUNT),
	                 RP_STORE_INVALID);
	assert_int_equal(rp_store_qr_register(f->s, "", &c, RP_QR_DONE), RP_STORE_INVALID);
	assert_int_equal(rp_store_qr_register(f->s, "pc", NULL, RP_QR_DONE), RP_STORE_INVALID);
	assert_int_equal(rp_store_qr_register(NULL, "pc", &c, RP_QR_DONE), RP_STORE_INVALID);
	wa_blob_reset(&c.public_key);
	assert_int_equal(rp_store_qr_register(f->s, "pc", &c, RP_QR_DONE), RP_STORE_INVALID);
	assert_qr(f, "pc", false, RP_QR_WAITING);
	rp_cred_reset(&c);
}

static void test_user_by_id(void **state)
{
	fixture *f = *state;
	rp_user u;

	assert_int_equal(rp_store_user_by_id(f->s, f->alice.id, &u), RP_STORE_OK);
	assert_string_equal(u.name, "alice");
	assert_memory_equal(u.handle, f->alice.handle, sizeof(u.handle));
	assert_int_equal(rp_store_user_by_id(f->s, f->alice.id + 1, &u), RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_user_by_id(f->s, 0, &u), RP_STORE_INVALID);
	assert_int_equal(rp_store_user_by_id(f->s, -1, &u), RP_STORE_INVALID);
	assert_int_equal(rp_store_user_by_id(f->s, 1, NULL), RP_STORE_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_register, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_nothing_on_failure, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_user_by_id, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
