#include "parts.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rp/app.h"
#include "rp/credmap.h"
#include "rp/store.h"
#include "prefill.h"
#include "softauthn.h"
#include "stats.h"
#include "webauthn/authentication.h"
#include "webauthn/registration.h"
#include "webauthn/response.h"

#define FLAG_UP 0x01
#define FLAG_UV 0x04
/* The authentications go round the users registered last, as bench-http's virtual users each
 * authenticate with the credential they just registered: the rows a load touches stay hot. */
#define RECENT_USERS 64
/* Runs between two looks at the clock. */
#define RUNS_PER_LOOK 8

static const int64_t es256[] = {WA_COSE_ES256};
static const char *const origins[] = {SA_ORIGIN};

/* A registration's write: the user with its credential. */
typedef struct new_user {
	char plain[BS_NAME_MAX], stored[RP_USER_NAME_MAX + 1];
	uint8_t id[BS_CRED_ID_LEN], handle[16];
	rp_cred row;
} new_user;

/* An authentication's write: the credential's counter. */
typedef struct counter_update {
	uint8_t id[BS_CRED_ID_LEN];
	uint32_t counter;
} counter_update;

struct bf_parts {
	sa_params params;       /* the options both responses answer (challenge, RP) */
	char *reg_text;         /* RegistrationResponseJSON, packed self attestation */
	char *auth_text;        /* AuthenticationResponseJSON by the same credential */
	wa_credential rec;      /* the credential the registration verified to, key decoded */
	wa_trust trust;         /* empty: self attestation needs no anchor */
	char dir[256], db[300]; /* the store's folder and file */
	rp_store *store;
	size_t registered; /* users the store part made so far: reg-0 .. */
	uint32_t counter;  /* the last signature counter stored */
	/* Writes waiting for their batch, committed batch at a time as kagura-rp serve's write
	 * queue commits them (rp/write_queue.h). */
	size_t batch;
	new_user regs[BF_BATCH_MAX];
	counter_update uses[BF_BATCH_MAX];
	rp_store_write writes[BF_BATCH_MAX];
	size_t n_regs, n_uses;
};

static const char *const part_names[BF_PART__COUNT] = {
        [BF_VERIFY_REGISTRATION] = "verify a registration (packed self, key decoded)",
        [BF_VERIFY_AUTHENTICATION] = "verify an assertion (ES256, key decoded once)",
        [BF_STORE_REGISTRATION] = "store: a registration's 4 reads and its write",
        [BF_STORE_AUTHENTICATION] = "store: an authentication's 2 reads and its write",
};

const char *bf_part_name(bf_part part)
{
	return (unsigned)part < BF_PART__COUNT ? part_names[part] : "?";
}

static wa_expect expect_of(const bf_parts *p)
{
	return (wa_expect){.challenge = p->params.challenge,
	                   .challenge_len = sizeof(p->params.challenge),
	                   .origins = origins,
	                   .n_origins = 1,
	                   .rp_id = p->params.rp_id};
}

/* The registration text verified into out (a run of BF_VERIFY_REGISTRATION). */
static wa_err verify_registration(bf_parts *p, wa_credential *out)
{
	wa_reg_options opt = {
	        .expect = expect_of(p), .algs = es256, .n_algs = 1, .trust = &p->trust};
	wa_reg_response r = {0};
	json_t *json = json_loads(p->reg_text, 0, NULL);
	wa_err err = json ? wa_reg_response_from_json(json, &r) : WA_ERR_JSON_SYNTAX;

	if (err == WA_OK)
		err = wa_verify_registration(&opt, &r, out, NULL);
	wa_reg_response_reset(&r);
	json_decref(json);
	return err;
}

static wa_err verify_authentication(bf_parts *p)
{
	/* The same assertion each run: its counter does not move. */
	wa_auth_options opt = {
	        .expect = expect_of(p), .user_identified = true, .allow_counter_regression = true};
	wa_auth_response r = {0};
	json_t *json = json_loads(p->auth_text, 0, NULL);
	wa_err err = json ? wa_auth_response_from_json(json, &r) : WA_ERR_JSON_SYNTAX;

	if (err == WA_OK)
		err = wa_verify_authentication(&opt, &r, &p->rec, NULL);
	wa_auth_response_reset(&r);
	json_decref(json);
	return err;
}

/* User i's names as the conformance API meets them (bench-store's users): the platform's, then
 * its own. */
static void user_names(size_t i, char plain[BS_NAME_MAX], char stored[RP_USER_NAME_MAX + 1])
{
	bs_user_name(i, plain);
	snprintf(stored, RP_USER_NAME_MAX + 1, "%s%s", RP_CONFORMANCE_USER_PREFIX, plain);
}

static rp_store_err write_user(rp_store *s, void *ctx)
{
	new_user *u = ctx;

	return rp_store_user_create_handle(s, u->stored, u->plain, u->handle, &u->row, NULL);
}

static rp_store_err write_counter(rp_store *s, void *ctx)
{
	counter_update *c = ctx;

	return rp_store_cred_update_use(s, c->id, sizeof(c->id), c->counter, false);
}

/* Commits the n writes of w[] in one batch: the first failure, or OK. */
static rp_store_err commit_batch(bf_parts *p, size_t n, rp_store_err (*run)(rp_store *, void *),
                                 void *items, size_t item_size)
{
	rp_store_err err;

	for (size_t i = 0; i < n; i++)
		p->writes[i] = (rp_store_write){.run = run, .ctx = (char *)items + i * item_size};
	if ((err = rp_store_write_batch(p->store, p->writes, n)) != RP_STORE_OK)
		return err;
	for (size_t i = 0; i < n; i++)
		if (p->writes[i].result != RP_STORE_OK)
			return p->writes[i].result;
	return RP_STORE_OK;
}

/* The registrations' writes waiting for their batch, committed now. */
static rp_store_err flush_registrations(bf_parts *p)
{
	rp_store_err err = commit_batch(p, p->n_regs, write_user, p->regs, sizeof(p->regs[0]));

	for (size_t i = 0; i < p->n_regs; i++)
		rp_cred_reset(&p->regs[i].row);
	if (err == RP_STORE_OK)
		p->registered += p->n_regs;
	p->n_regs = 0;
	return err;
}

static rp_store_err flush_authentications(bf_parts *p)
{
	rp_store_err err = commit_batch(p, p->n_uses, write_counter, p->uses, sizeof(p->uses[0]));

	p->n_uses = 0;
	return err;
}

/* /attestation/options and /attestation/result's store calls for a new user. */
static rp_store_err store_registration(bf_parts *p)
{
	new_user *u = &p->regs[p->n_regs];
	char plain[BS_NAME_MAX], stored[RP_USER_NAME_MAX + 1];
	wa_credential rec = p->rec; /* borrowed: only the id is this user's */
	rp_user found;
	rp_store_err err;
	size_t i = p->registered + p->n_regs;

	user_names(i, plain, stored);
	memcpy(u->plain, plain, sizeof(plain));
	memcpy(u->stored, stored, sizeof(stored));
	bs_user_cred_id(i, u->id);
	memcpy(u->handle, u->id + sizeof(u->id) - sizeof(u->handle), sizeof(u->handle));
	/* options: not a platform user, not one of the API's yet */
	if ((err = rp_store_user_by_name(p->store, u->plain, &found)) != RP_STORE_NOT_FOUND ||
	    (err = rp_store_user_by_name(p->store, u->stored, &found)) != RP_STORE_NOT_FOUND)
		return err == RP_STORE_OK ? RP_STORE_EXISTS : err;
	/* result: still new, its credential id unknown, then both stored with the batch */
	if ((err = rp_store_user_by_name(p->store, u->stored, &found)) != RP_STORE_NOT_FOUND ||
	    (err = rp_store_cred_exists(p->store, u->id, sizeof(u->id))) != RP_STORE_NOT_FOUND)
		return err == RP_STORE_OK ? RP_STORE_EXISTS : err;
	rec.id = (wa_blob){.ptr = u->id, .len = sizeof(u->id)};
	if (rp_cred_from_record(&rec, 0, "", time(NULL), NULL, &u->row) != WA_OK)
		return RP_STORE_NOMEM;
	return ++p->n_regs == p->batch ? flush_registrations(p) : RP_STORE_OK;
}

/* One authentication's read of one user (rp_store_user_creds, as the conformance API reads): with
 * all their credentials (options, id NULL), or with the one the response names (result); the
 * number of credentials it gave. */
static rp_store_err read_user_creds(rp_store *s, const char *stored, const uint8_t *id, size_t *n)
{
	rp_user u;
	rp_cred *list = NULL;
	rp_store_err err =
	        rp_store_user_creds(s, stored, id, id ? BS_CRED_ID_LEN : 0, &u, &list, n);

	rp_cred_list_free(&list, *n);
	return err;
}

/* /assertion/options and /assertion/result's store calls for a user the part registered last. */
static rp_store_err store_authentication(bf_parts *p, size_t run)
{
	char plain[BS_NAME_MAX], stored[RP_USER_NAME_MAX + 1];
	uint8_t id[BS_CRED_ID_LEN];
	size_t recent = p->registered < RECENT_USERS ? p->registered : RECENT_USERS;
	size_t i = p->registered - 1 - run % recent;
	size_t n = 0;
	rp_store_err err;

	user_names(i, plain, stored);
	bs_user_cred_id(i, id);
	if ((err = read_user_creds(p->store, stored, NULL, &n)) != RP_STORE_OK)
		return err;
	if (n != 1)
		return RP_STORE_NOT_FOUND;
	if ((err = read_user_creds(p->store, stored, id, &n)) != RP_STORE_OK)
		return err;
	if (n != 1)
		return RP_STORE_NOT_FOUND;
	memcpy(p->uses[p->n_uses].id, id, sizeof(id));
	p->uses[p->n_uses].counter = ++p->counter;
	return ++p->n_uses == p->batch ? flush_authentications(p) : RP_STORE_OK;
}

bf_parts *bf_parts_init(const char *dir, size_t batch, char *why, size_t why_size)
{
	bf_parts *p = calloc(1, sizeof(*p));
	sa_credential cred = {0};
	json_t *reg = NULL, *auth = NULL;
	char open_why[160] = "";
	rp_store_err serr;
	wa_err err;

	if (p == NULL) {
		snprintf(why, why_size, "out of memory");
		return NULL;
	}
	p->batch = batch < 1 ? 1 : batch > BF_BATCH_MAX ? BF_BATCH_MAX : batch;
	p->params = sa_default_params();
	p->params.fmt = "packed-self";
	p->params.flags = FLAG_UP | FLAG_UV;
	if ((reg = sa_register(&p->params, NULL, NULL, &cred)) == NULL ||
	    (auth = sa_authenticate(&p->params, NULL, &cred)) == NULL ||
	    (p->reg_text = json_dumps(reg, JSON_COMPACT)) == NULL ||
	    (p->auth_text = json_dumps(auth, JSON_COMPACT)) == NULL) {
		snprintf(why, why_size, "the soft authenticator made no response");
		goto fail;
	}
	if (wa_trust_init(&p->trust, time(NULL)) != WA_OK) {
		snprintf(why, why_size, "no trust store (out of memory)");
		goto fail;
	}
	if ((err = verify_registration(p, &p->rec)) != WA_OK) {
		snprintf(why, why_size, "the registration did not verify: %s", wa_strerr(err));
		goto fail;
	}
	snprintf(p->dir, sizeof(p->dir), "%s/bench-floor.XXXXXX", dir);
	if (mkdtemp(p->dir) == NULL) {
		snprintf(why, why_size, "cannot make a folder under %s", dir);
		p->dir[0] = '\0';
		goto fail;
	}
	snprintf(p->db, sizeof(p->db), "%s/store.db", p->dir);
	if ((serr = rp_store_open_ex(p->db, RP_STORE_OWNED, open_why, sizeof(open_why),
	                             &p->store)) != RP_STORE_OK) {
		snprintf(why, why_size, "the store did not open: %s %s", rp_store_strerr(serr),
		         open_why);
		goto fail;
	}
	json_decref(reg);
	json_decref(auth);
	sa_credential_free(&cred);
	return p;
fail:
	json_decref(reg);
	json_decref(auth);
	sa_credential_free(&cred);
	bf_parts_free(p);
	return NULL;
}

void bf_parts_free(bf_parts *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n_regs; i++)
		rp_cred_reset(&p->regs[i].row);
	rp_store_close(p->store);
	if (p->dir[0] != '\0') {
		static const char *const suffixes[] = {"", "-wal", "-shm"};
		char path[320];
		for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
			snprintf(path, sizeof(path), "%s%s", p->db, suffixes[i]);
			unlink(path);
		}
		rmdir(p->dir);
	}
	wa_credential_reset(&p->rec);
	wa_trust_reset(&p->trust);
	free(p->reg_text);
	free(p->auth_text);
	free(p);
}

/* One run of part; what went wrong in words, NULL when it did its work. */
static const char *run_once(bf_parts *p, bf_part part, size_t run)
{
	wa_credential out = {0};
	wa_err err;
	rp_store_err serr;

	switch (part) {
	case BF_VERIFY_REGISTRATION:
		err = verify_registration(p, &out);
		wa_credential_reset(&out);
		return err == WA_OK ? NULL : wa_strerr(err);
	case BF_VERIFY_AUTHENTICATION:
		err = verify_authentication(p);
		return err == WA_OK ? NULL : wa_strerr(err);
	case BF_STORE_REGISTRATION:
		serr = store_registration(p);
		return serr == RP_STORE_OK ? NULL : rp_store_strerr(serr);
	case BF_STORE_AUTHENTICATION:
		if (p->registered == 0)
			return "no user registered yet (the registration part runs first)";
		serr = store_authentication(p, run);
		return serr == RP_STORE_OK ? NULL : rp_store_strerr(serr);
	case BF_PART__COUNT:
		break;
	}
	return "no such part";
}

/* The writes of part still waiting for their batch, committed; what failed, NULL when none. */
static const char *flush_rest(bf_parts *p, bf_part part)
{
	rp_store_err err = part == BF_STORE_REGISTRATION     ? flush_registrations(p)
	                   : part == BF_STORE_AUTHENTICATION ? flush_authentications(p)
	                                                     : RP_STORE_OK;

	return err == RP_STORE_OK ? NULL : rp_store_strerr(err);
}

bool bf_part_time(bf_parts *p, bf_part part, double seconds, double *us, char *why, size_t why_size)
{
	double until = bench_now_seconds() + seconds, cpu;
	size_t runs = 0;
	const char *failed;

	cpu = bench_self_cpu_seconds();
	do {
		for (int k = 0; k < RUNS_PER_LOOK; k++, runs++)
			if ((failed = run_once(p, part, runs)) != NULL) {
				snprintf(why, why_size, "%s: %s", bf_part_name(part), failed);
				return false;
			}
	} while (bench_now_seconds() < until);
	/* The last, partial batch is this window's work too. */
	if ((failed = flush_rest(p, part)) != NULL) {
		snprintf(why, why_size, "%s: %s", bf_part_name(part), failed);
		return false;
	}
	*us = (bench_self_cpu_seconds() - cpu) / (double)runs * 1e6;
	return true;
}
