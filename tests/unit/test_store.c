/*
 * rp/store: every call's success path, its limits, uniqueness, single-use codes,
 * expiry at a given now, QR supersede, transactions that roll back when a later
 * statement fails, durability across a close and a crash, refusal of foreign
 * files (left byte-for-byte unchanged) and hostile strings stored verbatim.
 * Each test has its own temporary directory; a raw sqlite3 connection is the
 * independent view of what the file holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "testdir.h"
#include "rp/credmap.h"
#include "rp/store.h"
#include "webauthn/arraylen.h"

typedef struct fixture {
	char dir[64];
	char path[128];
	rp_store *s;
} fixture;

/* ---- fixture: a temporary directory, the store file in it ---- */

static int fx_setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	if (!test_dir_make(f->dir, sizeof(f->dir), "kagura-store")) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/store.db", f->dir);
	*state = f;
	return 0;
}

/* The fixture with the store already open. */
static int fx_setup_open(void **state)
{
	fixture *f;

	if (fx_setup(state) != 0)
		return -1;
	f = *state;
	return rp_store_open(f->path, &f->s) == RP_STORE_OK ? 0 : -1;
}

static int fx_teardown(void **state)
{
	fixture *f = *state;

	rp_store_close(f->s);
	test_dir_remove(f->dir);
	free(f);
	return 0;
}

/* ---- the independent view: a raw connection to the same file ---- */

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = raw_open(path);
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
	sqlite3_close(db);
}

static int64_t raw_int(const char *path, const char *sql)
{
	sqlite3 *db = raw_open(path);
	sqlite3_stmt *st = NULL;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static char *raw_text(const char *path, const char *sql)
{
	sqlite3 *db = raw_open(path);
	sqlite3_stmt *st = NULL;
	char *v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = strdup((const char *)sqlite3_column_text(st, 0));
	assert_non_null(v);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Every row of every table, as one number: "nothing else changed" checks. */
static int64_t raw_total_rows(const char *path)
{
	return raw_int(path, "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM "
	                     "credentials) + (SELECT count(*) FROM sessions) + (SELECT count(*) "
	                     "FROM codes) + (SELECT count(*) FROM qr_tokens) + (SELECT count(*) "
	                     "FROM records)");
}

static uint8_t *read_bytes(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n >= 0);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static void write_bytes(const char *path, const void *p, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(p, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* ---- builders ---- */

static int64_t new_user(rp_store *s, const char *name)
{
	rp_user u;

	assert_int_equal(rp_store_user_create(s, name, "Display", &u), RP_STORE_OK);
	return u.id;
}

/* A credential of user_id whose id is idlen bytes of fill. */
static void make_cred(rp_cred *c, int64_t user_id, uint8_t fill, size_t idlen, time_t created)
{
	uint8_t id[1100];
	static const uint8_t cose[] = {0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01};

	memset(c, 0, sizeof(*c));
	memset(id, fill, sizeof(id));
	c->user_id = user_id;
	assert_int_equal(wa_blob_set(&c->id, id, idlen), WA_OK);
	assert_int_equal(wa_blob_set(&c->public_key, cose, sizeof(cose)), WA_OK);
	c->alg = -7;
	c->sign_count = 7;
	for (int i = 0; i < 16; i++)
		c->aaguid[i] = (uint8_t)(0xa0 + i);
	strcpy(c->transports, "hybrid,internal");
	strcpy(c->label, "iPhone");
	strcpy(c->fmt, "packed");
	c->backup_eligible = true;
	c->backup_state = false;
	c->enabled = true;
	c->created = created;
}

static void set_session(rp_session *ses, const char *id, int64_t user_id, time_t expires)
{
	memset(ses, 0, sizeof(*ses));
	strcpy(ses->id, id);
	ses->user_id = user_id;
	ses->step = RP_STEP_NEW;
	strcpy(ses->challenge, "OcDnUhYCRVvK-LMKUMrzQg");
	ses->created = 1000;
	ses->expires = expires;
}

static void assert_session_equal(const rp_session *a, const rp_session *b)
{
	assert_string_equal(a->id, b->id);
	assert_int_equal(a->user_id, b->user_id);
	assert_int_equal(a->step, b->step);
	assert_string_equal(a->challenge, b->challenge);
	assert_int_equal(a->created, b->created);
	assert_int_equal(a->expires, b->expires);
}

static void set_qr(rp_qr *qr, const char *token, rp_qr_kind kind, int64_t user_id)
{
	memset(qr, 0, sizeof(*qr));
	strcpy(qr->token, token);
	qr->kind = kind;
	qr->user_id = user_id;
	strcpy(qr->session_id, "pc-session");
	qr->issued = 1000;
	qr->expires = 1300;
}

static bool qr_superseded(rp_store *s, const char *token)
{
	rp_qr qr;

	assert_int_equal(rp_store_qr_get(s, token, &qr), RP_STORE_OK);
	return qr.superseded;
}

/* A string of n copies of c. */
static char *repeat(char c, size_t n)
{
	char *p = malloc(n + 1);

	assert_non_null(p);
	memset(p, c, n);
	p[n] = '\0';
	return p;
}

/* ---- open ---- */

static void test_open_arguments(void **state)
{
	fixture *f = *state;
	rp_store *s = (rp_store *)&s;
	char missing[200];

	assert_int_equal(rp_store_open(NULL, &s), RP_STORE_INVALID);
	assert_null(s);
	assert_int_equal(rp_store_open("", &s), RP_STORE_INVALID);
	assert_int_equal(rp_store_open(f->path, NULL), RP_STORE_INVALID);
	snprintf(missing, sizeof(missing), "%s/no/such/dir/store.db", f->dir);
	assert_int_equal(rp_store_open(missing, &s), RP_STORE_IO);
	assert_null(s);
	/* A directory is not a file SQLite can open. */
	assert_int_equal(rp_store_open(f->dir, &s), RP_STORE_IO);
	rp_store_close(NULL);

	/* Every code has its own text. */
	for (int i = 0; i < RP_STORE__COUNT; i++) {
		assert_non_null(rp_store_strerr((rp_store_err)i));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(rp_store_strerr((rp_store_err)i),
			                        rp_store_strerr((rp_store_err)j));
	}
	assert_string_equal(rp_store_strerr(RP_STORE__COUNT), "unknown store error");
}

static void test_open_creates_wal_schema(void **state)
{
	fixture *f = *state;
	char *mode;

	assert_int_equal(rp_store_open(f->path, &f->s), RP_STORE_OK);
	rp_store_close(f->s);
	f->s = NULL;
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), RP_STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(f->path, "PRAGMA application_id"), 0x4B475253);
	mode = raw_text(f->path, "PRAGMA journal_mode");
	assert_string_equal(mode, "wal");
	free(mode);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
	                                  "AND name IN ('users', 'credentials', 'sessions', "
	                                  "'codes', 'qr_tokens', 'records')"),
	                 6);
	/* Reopening our own store works, and an empty file is a store to create. */
	assert_int_equal(rp_store_open(f->path, &f->s), RP_STORE_OK);
	rp_store_close(f->s);
	f->s = NULL;
	write_bytes(f->path, "", 0);
	assert_int_equal(rp_store_open(f->path, &f->s), RP_STORE_OK);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), RP_STORE_SCHEMA_VERSION);
}

/* Opening the file must fail with RP_STORE_SCHEMA and leave it byte-for-byte unchanged. */
static void expect_refused(const char *path)
{
	size_t before_len, after_len;
	uint8_t *before = read_bytes(path, &before_len);
	uint8_t *after;
	rp_store *s = (rp_store *)&s;

	assert_int_equal(rp_store_open(path, &s), RP_STORE_SCHEMA);
	assert_null(s);
	after = read_bytes(path, &after_len);
	assert_int_equal(after_len, before_len);
	assert_memory_equal(after, before, before_len);
	free(before);
	free(after);
}

static void test_open_refuses_non_sqlite(void **state)
{
	fixture *f = *state;
	char text[4096];

	write_bytes(f->path, "hello, not a database\n", 22);
	expect_refused(f->path);
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (char)('a' + i % 26);
	write_bytes(f->path, text, sizeof(text));
	expect_refused(f->path);
	/* The magic alone does not make a store. */
	memset(text, 0xff, sizeof(text));
	memcpy(text, "SQLite format 3", 16);
	write_bytes(f->path, text, sizeof(text));
	expect_refused(f->path);
}

static void test_open_refuses_other_schema(void **state)
{
	fixture *f = *state;
	rp_user u;

	/* A store from another schema version: its data must not be reused. */
	assert_int_equal(rp_store_open(f->path, &f->s), RP_STORE_OK);
	assert_int_equal(rp_store_user_create(f->s, "alice", "Alice", &u), RP_STORE_OK);
	rp_store_close(f->s);
	f->s = NULL;
	raw_exec(f->path, "PRAGMA user_version = 2");
	expect_refused(f->path);
	raw_exec(f->path, "PRAGMA user_version = 0");
	expect_refused(f->path);
	/* Back at our version it opens again, data intact: the check is the version. */
	raw_exec(f->path, "PRAGMA user_version = 1");
	assert_int_equal(rp_store_open(f->path, &f->s), RP_STORE_OK);
	assert_int_equal(rp_store_user_by_name(f->s, "alice", &u), RP_STORE_OK);
	rp_store_close(f->s);
	f->s = NULL;

	/* Somebody else's SQLite database, version 0 but not empty. */
	unlink(f->path);
	{
		sqlite3 *db = NULL;
		assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x); INSERT INTO t VALUES (1);",
		                              NULL, NULL, NULL),
		                 SQLITE_OK);
		sqlite3_close(db);
	}
	expect_refused(f->path);
	/* Right version, wrong application: not ours either. */
	raw_exec(f->path, "PRAGMA user_version = 1");
	expect_refused(f->path);
}

/* A store of this version missing a table, a column or an index, or with a column declared
 * otherwise: refused at open with what is wrong, and left unchanged, its journal mode too. */
static void expect_schema_why(const char *path, const char *why)
{
	size_t before_len, after_len;
	uint8_t *before = read_bytes(path, &before_len), *after;
	rp_store *s = (rp_store *)&s;
	char got[256];

	char side[200];
	struct stat st;

	assert_int_equal(rp_store_open_ex(path, 0, got, sizeof(got), &s), RP_STORE_SCHEMA);
	assert_null(s);
	assert_string_equal(got, why);
	after = read_bytes(path, &after_len);
	assert_int_equal(after_len, before_len);
	assert_memory_equal(after, before, before_len);
	/* Nor is a WAL left beside it (the damage's own connection closed cleanly). */
	snprintf(side, sizeof(side), "%s-wal", path);
	assert_int_not_equal(stat(side, &st), 0);
	snprintf(side, sizeof(side), "%s-shm", path);
	assert_int_not_equal(stat(side, &st), 0);
	free(before);
	free(after);
}

static void test_open_checks_schema(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *damage, *why;
	} cases[] = {
	        {"DROP TABLE codes", "table codes is missing"},
	        /* A copy a tool left in rollback-journal mode: not switched to WAL either. */
	        {"DROP TABLE codes; PRAGMA journal_mode = DELETE", "table codes is missing"},
	        {"DROP INDEX credentials_by_user", "index credentials_by_user is missing"},
	        {"ALTER TABLE credentials RENAME COLUMN sign_count TO counter",
	         "table credentials has no column sign_count INTEGER NOT NULL"},
	        {"ALTER TABLE records ADD COLUMN note TEXT",
	         "table records has a column this version does not know: note TEXT"},
	        /* Same name, other declaration: a table rebuilt by hand. */
	        {"DROP TABLE records; CREATE TABLE records (kind TEXT NOT NULL, key TEXT NOT NULL, "
	         "value BLOB NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL, "
	         "PRIMARY KEY (kind, key))",
	         "column records.value is not declared value TEXT NOT NULL"},
	};
	char copy[160];

	assert_int_equal(rp_store_open(f->path, &f->s), RP_STORE_OK);
	rp_store_close(f->s);
	f->s = NULL;
	snprintf(copy, sizeof(copy), "%s.other", f->path);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		uint8_t *pristine = read_bytes(f->path, &len);
		write_bytes(copy, pristine, len);
		free(pristine);
		raw_exec(copy, cases[i].damage);
		expect_schema_why(copy, cases[i].why);
	}
	/* The store itself, untouched, opens. */
	assert_int_equal(rp_store_open(f->path, &f->s), RP_STORE_OK);
}

/* Another program's database with a WAL it has not checkpointed, opened through a symbolic
 * link: refused, and neither the file nor its WAL (beside the link's target) is touched. */
static void test_open_refused_link_keeps_wal(void **state)
{
	fixture *f = *state;
	char link[200], wal[200];
	sqlite3 *db = NULL;
	size_t before_len, after_len, wal_before, wal_after;
	uint8_t *before, *after, *w;
	rp_store *s = NULL;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; "
	                              "CREATE TABLE t (x); INSERT INTO t VALUES (1);",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	/* as a crash would leave it: the WAL not copied into the file */
	sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
	sqlite3_close(db);
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	snprintf(link, sizeof(link), "%s.link", f->path);
	assert_int_equal(symlink(f->path, link), 0);
	before = read_bytes(f->path, &before_len);
	free(read_bytes(wal, &wal_before));
	assert_true(wal_before > 0);

	assert_int_equal(rp_store_open(link, &s), RP_STORE_SCHEMA);
	after = read_bytes(f->path, &after_len);
	w = read_bytes(wal, &wal_after);
	assert_int_equal(after_len, before_len);
	assert_memory_equal(after, before, before_len);
	assert_int_equal(wal_after, wal_before);
	free(before);
	free(after);
	free(w);
	unlink(link);
}

/* What a refused open says, in words. */
static void test_open_says_why(void **state)
{
	fixture *f = *state;
	rp_store *s = NULL;
	char why[256];

	write_bytes(f->path, "hello, not a database\n", 22);
	assert_int_equal(rp_store_open_ex(f->path, 0, why, sizeof(why), &s), RP_STORE_SCHEMA);
	assert_string_equal(why, "not a SQLite database");
	unlink(f->path);
	assert_int_equal(rp_store_open_ex(f->path, 0, why, sizeof(why), &s), RP_STORE_OK);
	rp_store_close(s);
	raw_exec(f->path, "PRAGMA user_version = 2");
	assert_int_equal(rp_store_open_ex(f->path, 0, why, sizeof(why), &s), RP_STORE_SCHEMA);
	assert_string_equal(why, "a store of schema version 2, this program reads version 1");
	/* A throwaway store (no syncing) is a store like any other. */
	unlink(f->path);
	assert_int_equal(rp_store_open_ex(f->path, RP_STORE_THROWAWAY, why, sizeof(why), &f->s),
	                 RP_STORE_OK);
	assert_int_equal(rp_store_user_create(f->s, "alice", "", NULL), RP_STORE_OK);
}

/* ---- threads ---- */

#define THREADS       8
#define THREAD_ROUNDS 40
#define SHARED_CODES  40

typedef struct racer {
	rp_store *s;
	int id;
	int created, taken; /* users this thread created, shared codes it took */
	rp_store_err first_error;
} racer;

/* Each thread creates its users, keeps its own session and codes, and races the others for the
 * same shared codes: one rp_store shared by the threads. */
static void *race_main(void *arg)
{
	racer *r = arg;

	for (int i = 0; i < THREAD_ROUNDS; i++) {
		char name[32], code[48];
		rp_session ses, got;
		rp_user u;
		rp_store_err e;

		snprintf(name, sizeof(name), "t%d-%d", r->id, i);
		if ((e = rp_store_user_create(r->s, name, "", &u)) == RP_STORE_OK)
			r->created++;
		else if (r->first_error == RP_STORE_OK)
			r->first_error = e;
		set_session(&ses, name, u.id, 0);
		snprintf(code, sizeof(code), "own-%s", name);
		if ((e = rp_store_session_put(r->s, &ses)) != RP_STORE_OK ||
		    (e = rp_store_session_get(r->s, name, 0, &got)) != RP_STORE_OK ||
		    (e = rp_store_code_issue(r->s, name, code, "a", 0, 0)) != RP_STORE_OK ||
		    (e = rp_store_code_take(r->s, name, code, "a", 0)) != RP_STORE_OK ||
		    (e = rp_store_user_by_name(r->s, name, &u)) != RP_STORE_OK) {
			if (r->first_error == RP_STORE_OK)
				r->first_error = e;
		}
		snprintf(code, sizeof(code), "shared-%d", i % SHARED_CODES);
		r->taken += rp_store_code_take(r->s, "S-shared", code, "a", 0) == RP_STORE_OK;
	}
	return NULL;
}

static void test_threads_share_one_store(void **state)
{
	fixture *f = *state;
	racer r[THREADS];
	pthread_t t[THREADS];
	rp_session ses;
	int taken = 0;

	set_session(&ses, "S-shared", 0, 0);
	assert_int_equal(rp_store_session_put(f->s, &ses), RP_STORE_OK);
	for (int i = 0; i < SHARED_CODES; i++) {
		char code[32];
		snprintf(code, sizeof(code), "shared-%d", i);
		assert_int_equal(rp_store_code_issue(f->s, "S-shared", code, "a", 0, 0),
		                 RP_STORE_OK);
	}
	for (int i = 0; i < THREADS; i++) {
		r[i] = (racer){f->s, i, 0, 0, RP_STORE_OK};
		assert_int_equal(pthread_create(&t[i], NULL, race_main, &r[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(r[i].first_error, RP_STORE_OK);
		assert_int_equal(r[i].created, THREAD_ROUNDS);
		taken += r[i].taken;
	}
	/* Every shared code was taken exactly once, whoever took it. */
	assert_int_equal(taken, SHARED_CODES);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM users"), THREADS * THREAD_ROUNDS);
	/* The threads are gone: a new one uses the store they left. */
	r[0] = (racer){f->s, THREADS, 0, 0, RP_STORE_OK};
	assert_int_equal(pthread_create(&t[0], NULL, race_main, &r[0]), 0);
	pthread_join(t[0], NULL);
	assert_int_equal(r[0].first_error, RP_STORE_OK);
	assert_int_equal(r[0].created, THREAD_ROUNDS);
}

typedef struct writer {
	rp_store *s;
	bool update; /* an UPDATE of alice (store_run_one's path), else a new user */
	rp_store_err err;
	bool done; /* under lock */
	pthread_mutex_t lock;
} writer;

static void *write_main(void *arg)
{
	writer *w = arg;
	rp_store_err e = w->update ? rp_store_user_set_enabled(w->s, "alice", true)
	                           : rp_store_user_create(w->s, "bob", "", NULL);

	pthread_mutex_lock(&w->lock);
	w->err = e;
	w->done = true;
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/*
 * Another process holds the write lock: a write of ours waits for it (in its thread), and
 * meanwhile reads of the same store answer at once, from other threads. The write then
 * succeeds once the lock is let go.
 */
static void reads_while_a_write_waits(fixture *f, bool update)
{
	sqlite3 *other = raw_open(f->path);
	writer w = {.s = f->s, .update = update, .lock = PTHREAD_MUTEX_INITIALIZER};
	pthread_t t;
	rp_user u;
	rp_store_err read_err;
	bool done_at_read;
	struct timespec moment = {0, 200 * 1000000L};

	new_user(f->s, "alice");
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(pthread_create(&t, NULL, write_main, &w), 0);
	nanosleep(&moment, NULL); /* the write is now waiting (a moment, not a condition) */
	read_err = rp_store_user_by_name(f->s, "alice", &u);
	pthread_mutex_lock(&w.lock);
	done_at_read = w.done;
	pthread_mutex_unlock(&w.lock);
	assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	pthread_join(t, NULL);
	assert_int_equal(read_err, RP_STORE_OK);
	assert_false(done_at_read); /* the read did not wait for the write to give up */
	assert_int_equal(w.err, RP_STORE_OK);
	if (!update)
		assert_int_equal(rp_store_user_by_name(f->s, "bob", &u), RP_STORE_OK);
}

static void test_reads_while_a_write_waits(void **state)
{
	reads_while_a_write_waits(*state, false);
}

/* The same through the one-statement UPDATEs (logins' counters, codes taken, settings). */
static void test_reads_while_an_update_waits(void **state)
{
	reads_while_a_write_waits(*state, true);
}

/* ---- users ---- */

static void test_users(void **state)
{
	fixture *f = *state;
	rp_user a, b, got;
	static const uint8_t zero[16];

	assert_int_equal(rp_store_user_create(f->s, "100200300", "山田 太郎", &a), RP_STORE_OK);
	assert_true(a.id > 0);
	assert_string_equal(a.name, "100200300");
	assert_string_equal(a.display_name, "山田 太郎");
	assert_true(a.enabled);
	assert_memory_not_equal(a.handle, zero, 16);
	assert_int_equal(rp_store_user_create(f->s, "100200301", "", &b), RP_STORE_OK);
	assert_memory_not_equal(a.handle, b.handle, 16);
	assert_int_equal(rp_store_user_create(f->s, "100200302", "no out", NULL), RP_STORE_OK);

	assert_int_equal(rp_store_user_by_name(f->s, "100200300", &got), RP_STORE_OK);
	assert_memory_equal(&got, &a, sizeof(a));
	assert_int_equal(rp_store_user_by_handle(f->s, b.handle, 16, &got), RP_STORE_OK);
	assert_int_equal(got.id, b.id);
	assert_string_equal(got.name, "100200301");
	assert_string_equal(got.display_name, "");

	assert_int_equal(rp_store_user_set_enabled(f->s, "100200300", false), RP_STORE_OK);
	assert_int_equal(rp_store_user_by_name(f->s, "100200300", &got), RP_STORE_OK);
	assert_false(got.enabled);
	assert_int_equal(rp_store_user_set_enabled(f->s, "100200300", true), RP_STORE_OK);
	assert_int_equal(rp_store_user_by_name(f->s, "100200300", &got), RP_STORE_OK);
	assert_true(got.enabled);

	assert_int_equal(rp_store_user_by_name(f->s, "nobody", &got), RP_STORE_NOT_FOUND);
	assert_int_equal(got.id, 0);
	assert_int_equal(rp_store_user_by_handle(f->s, zero, 16, &got), RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_user_by_handle(f->s, a.handle, 15, &got), RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_user_set_enabled(f->s, "nobody", false), RP_STORE_NOT_FOUND);
}

static void test_user_duplicate_name(void **state)
{
	fixture *f = *state;
	rp_user a, dup, got;
	int64_t rows;

	assert_int_equal(rp_store_user_create(f->s, "alice", "Alice", &a), RP_STORE_OK);
	rows = raw_total_rows(f->path);
	assert_int_equal(rp_store_user_create(f->s, "alice", "Mallory", &dup), RP_STORE_EXISTS);
	assert_int_equal(dup.id, 0);
	assert_int_equal(raw_total_rows(f->path), rows);
	assert_int_equal(rp_store_user_by_name(f->s, "alice", &got), RP_STORE_OK);
	assert_memory_equal(&got, &a, sizeof(a));
	/* Names are exact: another case is another user. */
	assert_int_equal(rp_store_user_create(f->s, "Alice", "Alice 2", NULL), RP_STORE_OK);
}

static void test_user_limits(void **state)
{
	fixture *f = *state;
	char *n64 = repeat('n', RP_USER_NAME_MAX), *n65 = repeat('n', RP_USER_NAME_MAX + 1);
	char *d128 = repeat('d', RP_DISPLAY_NAME_MAX), *d129 = repeat('d', RP_DISPLAY_NAME_MAX + 1);
	char kanji[100] = "";
	rp_user u;
	uint8_t handle[65] = {0};

	assert_int_equal(rp_store_user_create(f->s, "", "x", &u), RP_STORE_INVALID);
	assert_int_equal(rp_store_user_create(f->s, NULL, "x", &u), RP_STORE_INVALID);
	assert_int_equal(rp_store_user_create(f->s, "x", NULL, &u), RP_STORE_INVALID);
	assert_int_equal(rp_store_user_create(f->s, n65, "x", &u), RP_STORE_INVALID);
	assert_int_equal(rp_store_user_create(f->s, "y", d129, &u), RP_STORE_INVALID);
	assert_int_equal(rp_store_user_create(NULL, "y", "y", &u), RP_STORE_INVALID);
	assert_int_equal(raw_total_rows(f->path), 0);
	assert_int_equal(rp_store_user_create(f->s, n64, d128, &u), RP_STORE_OK);
	assert_string_equal(u.name, n64);
	assert_string_equal(u.display_name, d128);

	/* The limit is bytes: 21 three-byte characters fit (63), 22 do not (66). */
	for (int i = 0; i < 21; i++)
		strcat(kanji, "本");
	assert_int_equal(rp_store_user_create(f->s, kanji, "", NULL), RP_STORE_OK);
	strcat(kanji, "本");
	assert_int_equal(rp_store_user_create(f->s, kanji, "", NULL), RP_STORE_INVALID);

	assert_int_equal(rp_store_user_by_name(f->s, "", &u), RP_STORE_INVALID);
	assert_int_equal(rp_store_user_by_name(f->s, n65, &u), RP_STORE_INVALID);
	assert_int_equal(rp_store_user_by_name(f->s, "x", NULL), RP_STORE_INVALID);
	assert_int_equal(rp_store_user_by_handle(f->s, handle, 0, &u), RP_STORE_INVALID);
	assert_int_equal(rp_store_user_by_handle(f->s, handle, 65, &u), RP_STORE_INVALID);
	assert_int_equal(rp_store_user_by_handle(f->s, NULL, 16, &u), RP_STORE_INVALID);
	assert_int_equal(rp_store_user_by_handle(f->s, handle, 64, &u), RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_user_set_enabled(f->s, "", true), RP_STORE_INVALID);
	assert_int_equal(rp_store_user_set_enabled(f->s, n65, true), RP_STORE_INVALID);
	free(n64);
	free(n65);
	free(d128);
	free(d129);
}

/* ---- credentials ---- */

static void assert_cred_equal(const rp_cred *a, const rp_cred *b)
{
	assert_int_equal(a->user_id, b->user_id);
	assert_int_equal(a->id.len, b->id.len);
	assert_memory_equal(a->id.ptr, b->id.ptr, a->id.len);
	assert_int_equal(a->public_key.len, b->public_key.len);
	assert_memory_equal(a->public_key.ptr, b->public_key.ptr, a->public_key.len);
	assert_int_equal(a->alg, b->alg);
	assert_int_equal(a->sign_count, b->sign_count);
	assert_memory_equal(a->aaguid, b->aaguid, 16);
	assert_string_equal(a->transports, b->transports);
	assert_string_equal(a->label, b->label);
	assert_string_equal(a->fmt, b->fmt);
	assert_int_equal(a->backup_eligible, b->backup_eligible);
	assert_int_equal(a->backup_state, b->backup_state);
	assert_int_equal(a->enabled, b->enabled);
	assert_int_equal(a->created, b->created);
}

static void test_credentials(void **state)
{
	fixture *f = *state;
	int64_t alice = new_user(f->s, "alice"), bob = new_user(f->s, "bob");
	rp_cred c1, c2, c3, got;
	rp_cred *list;
	size_t n;

	/* c2 is added last but created first: the list is by creation time. */
	make_cred(&c1, alice, 0x11, 16, 2000);
	make_cred(&c2, alice, 0x22, 32, 1000);
	make_cred(&c3, alice, 0x33, 1, 2000);
	c3.alg = -257;
	c3.sign_count = UINT32_MAX;
	c3.transports[0] = '\0';
	c3.label[0] = '\0';
	strcpy(c3.fmt, "none");
	c3.backup_eligible = false;
	c3.enabled = false;
	assert_int_equal(rp_store_cred_add(f->s, &c1), RP_STORE_OK);
	assert_int_equal(rp_store_cred_add(f->s, &c3), RP_STORE_OK);
	assert_int_equal(rp_store_cred_add(f->s, &c2), RP_STORE_OK);

	assert_int_equal(rp_store_cred_by_id(f->s, c3.id.ptr, c3.id.len, &got), RP_STORE_OK);
	assert_cred_equal(&got, &c3);
	rp_cred_reset(&got);

	assert_int_equal(rp_store_cred_list(f->s, alice, &list, &n), RP_STORE_OK);
	assert_int_equal(n, 3);
	assert_cred_equal(&list[0], &c2);
	assert_cred_equal(&list[1], &c1); /* same time as c3: added first */
	assert_cred_equal(&list[2], &c3);
	rp_cred_list_free(&list, n);
	assert_int_equal(rp_store_cred_list(f->s, bob, &list, &n), RP_STORE_OK);
	assert_int_equal(n, 0);
	assert_null(list);
	assert_int_equal(rp_store_cred_list(f->s, 999, &list, &n), RP_STORE_OK);
	assert_int_equal(n, 0);
	rp_cred_list_free(NULL, 0);
	assert_null(list);

	assert_int_equal(rp_store_cred_update_use(f->s, c1.id.ptr, c1.id.len, 8, true),
	                 RP_STORE_OK);
	assert_int_equal(rp_store_cred_set_enabled(f->s, c1.id.ptr, c1.id.len, false), RP_STORE_OK);
	assert_int_equal(rp_store_cred_set_label(f->s, c1.id.ptr, c1.id.len, "Pixel 8"),
	                 RP_STORE_OK);
	assert_int_equal(rp_store_cred_by_id(f->s, c1.id.ptr, c1.id.len, &got), RP_STORE_OK);
	c1.sign_count = 8;
	c1.backup_state = true;
	c1.enabled = false;
	strcpy(c1.label, "Pixel 8");
	assert_cred_equal(&got, &c1);
	rp_cred_reset(&got);

	assert_int_equal(rp_store_cred_delete(f->s, c1.id.ptr, c1.id.len), RP_STORE_OK);
	assert_int_equal(rp_store_cred_by_id(f->s, c1.id.ptr, c1.id.len, &got), RP_STORE_NOT_FOUND);
	assert_null(got.id.ptr);
	assert_int_equal(rp_store_cred_delete(f->s, c1.id.ptr, c1.id.len), RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_cred_update_use(f->s, c1.id.ptr, c1.id.len, 9, false),
	                 RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_cred_set_enabled(f->s, c1.id.ptr, c1.id.len, true),
	                 RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_cred_set_label(f->s, c1.id.ptr, c1.id.len, "x"),
	                 RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_cred_list(f->s, alice, &list, &n), RP_STORE_OK);
	assert_int_equal(n, 2);
	rp_cred_list_free(&list, n);

	rp_cred_reset(&c1);
	rp_cred_reset(&c2);
	rp_cred_reset(&c3);
	rp_cred_reset(NULL);
}

static void test_credential_duplicate_and_owner(void **state)
{
	fixture *f = *state;
	int64_t alice = new_user(f->s, "alice"), bob = new_user(f->s, "bob");
	rp_cred c, dup, got;
	int64_t rows;

	make_cred(&c, alice, 0x42, 64, 1000);
	assert_int_equal(rp_store_cred_add(f->s, &c), RP_STORE_OK);
	rows = raw_total_rows(f->path);
	/* The same id for another user, with other fields: refused, the original intact. */
	make_cred(&dup, bob, 0x42, 64, 5000);
	dup.sign_count = 99;
	strcpy(dup.label, "attacker");
	assert_int_equal(rp_store_cred_add(f->s, &dup), RP_STORE_EXISTS);
	assert_int_equal(raw_total_rows(f->path), rows);
	assert_int_equal(rp_store_cred_by_id(f->s, c.id.ptr, c.id.len, &got), RP_STORE_OK);
	assert_cred_equal(&got, &c);
	rp_cred_reset(&got);
	rp_cred_reset(&dup);

	/* A credential of no user: the foreign key refuses it. */
	make_cred(&dup, 4242, 0x43, 64, 5000);
	assert_int_equal(rp_store_cred_add(f->s, &dup), RP_STORE_NOT_FOUND);
	dup.user_id = 0;
	assert_int_equal(rp_store_cred_add(f->s, &dup), RP_STORE_NOT_FOUND);
	assert_int_equal(raw_total_rows(f->path), rows);
	rp_cred_reset(&dup);
	rp_cred_reset(&c);
}

static void test_credential_limits(void **state)
{
	fixture *f = *state;
	int64_t alice = new_user(f->s, "alice");
	char *l128 = repeat('l', RP_LABEL_MAX), *l129 = repeat('l', RP_LABEL_MAX + 1);
	uint8_t id[1024] = {0};
	rp_cred c, got;

	make_cred(&c, alice, 0x01, 1024, 1000);
	assert_int_equal(rp_store_cred_add(f->s, &c), RP_STORE_INVALID);
	rp_cred_reset(&c);
	make_cred(&c, alice, 0x01, 0, 1000);
	assert_int_equal(rp_store_cred_add(f->s, &c), RP_STORE_INVALID);
	rp_cred_reset(&c);
	make_cred(&c, alice, 0x01, 16, 1000);
	wa_blob_reset(&c.public_key);
	assert_int_equal(rp_store_cred_add(f->s, &c), RP_STORE_INVALID);
	rp_cred_reset(&c);
	/* Fixed-size text fields must be terminated inside their buffers. */
	make_cred(&c, alice, 0x01, 16, 1000);
	memset(c.label, 'l', sizeof(c.label));
	assert_int_equal(rp_store_cred_add(f->s, &c), RP_STORE_INVALID);
	strcpy(c.label, "ok");
	memset(c.transports, 't', sizeof(c.transports));
	assert_int_equal(rp_store_cred_add(f->s, &c), RP_STORE_INVALID);
	strcpy(c.transports, "usb");
	memset(c.fmt, 'f', sizeof(c.fmt));
	assert_int_equal(rp_store_cred_add(f->s, &c), RP_STORE_INVALID);
	assert_int_equal(rp_store_cred_add(f->s, NULL), RP_STORE_INVALID);
	rp_cred_reset(&c);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM credentials"), 0);

	/* The bounds themselves are accepted: 1 and 1023 bytes, a 128-byte label. */
	make_cred(&c, alice, 0x02, 1023, 1000);
	strcpy(c.label, l128);
	assert_int_equal(rp_store_cred_add(f->s, &c), RP_STORE_OK);
	assert_int_equal(rp_store_cred_by_id(f->s, c.id.ptr, c.id.len, &got), RP_STORE_OK);
	assert_cred_equal(&got, &c);
	rp_cred_reset(&got);
	assert_int_equal(rp_store_cred_set_label(f->s, c.id.ptr, c.id.len, l129), RP_STORE_INVALID);
	assert_int_equal(rp_store_cred_set_label(f->s, c.id.ptr, c.id.len, NULL), RP_STORE_INVALID);
	assert_int_equal(rp_store_cred_set_label(f->s, c.id.ptr, c.id.len, ""), RP_STORE_OK);
	rp_cred_reset(&c);
	make_cred(&c, alice, 0x03, 1, 1000);
	assert_int_equal(rp_store_cred_add(f->s, &c), RP_STORE_OK);
	rp_cred_reset(&c);

	/* Lookups and updates by an id out of 1..1023 bytes. */
	assert_int_equal(rp_store_cred_by_id(f->s, id, 0, &got), RP_STORE_INVALID);
	assert_int_equal(rp_store_cred_by_id(f->s, id, 1024, &got), RP_STORE_INVALID);
	assert_int_equal(rp_store_cred_by_id(f->s, NULL, 16, &got), RP_STORE_INVALID);
	assert_int_equal(rp_store_cred_update_use(f->s, id, 1024, 1, false), RP_STORE_INVALID);
	assert_int_equal(rp_store_cred_set_enabled(f->s, id, 0, true), RP_STORE_INVALID);
	assert_int_equal(rp_store_cred_set_label(f->s, id, 1024, "x"), RP_STORE_INVALID);
	assert_int_equal(rp_store_cred_delete(f->s, id, 1024), RP_STORE_INVALID);
	assert_int_equal(rp_store_cred_by_id(f->s, id, 1023, &got), RP_STORE_NOT_FOUND);
	free(l128);
	free(l129);
}

/* ---- records ---- */

static void test_records(void **state)
{
	fixture *f = *state;
	rp_record r;

	assert_int_equal(rp_store_record_put(f->s, "challenge", "c1", "{\"a\":1}", 1000, 1300),
	                 RP_STORE_OK);
	assert_int_equal(rp_store_record_get(f->s, "challenge", "c1", 1000, &r), RP_STORE_OK);
	assert_string_equal(r.kind, "challenge");
	assert_string_equal(r.key, "c1");
	assert_string_equal(r.value, "{\"a\":1}");
	assert_int_equal(r.created, 1000);
	assert_int_equal(r.expires, 1300);
	rp_record_reset(&r);

	/* Put replaces. */
	assert_int_equal(rp_store_record_put(f->s, "challenge", "c1", "{\"a\":2}", 1100, 1400),
	                 RP_STORE_OK);
	assert_int_equal(rp_store_record_get(f->s, "challenge", "c1", 1399, &r), RP_STORE_OK);
	assert_string_equal(r.value, "{\"a\":2}");
	assert_int_equal(r.created, 1100);
	rp_record_reset(&r);
	/* The same key of another kind is another record. */
	assert_int_equal(rp_store_record_get(f->s, "other", "c1", 1000, &r), RP_STORE_NOT_FOUND);
	assert_null(r.value);

	/* Expiry: alive while now < expires; 0 never expires. */
	assert_int_equal(rp_store_record_get(f->s, "challenge", "c1", 1400, &r),
	                 RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_record_take(f->s, "challenge", "c1", 1400, &r),
	                 RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_record_put(f->s, "k", "forever", "", 1, 0), RP_STORE_OK);
	assert_int_equal(rp_store_record_get(f->s, "k", "forever", INT64_MAX, &r), RP_STORE_OK);
	assert_string_equal(r.value, "");
	rp_record_reset(&r);

	/* Take: once; an expired take above consumed nothing. */
	assert_int_equal(rp_store_record_take(f->s, "challenge", "c1", 1200, &r), RP_STORE_OK);
	assert_string_equal(r.value, "{\"a\":2}");
	assert_int_equal(r.expires, 1400);
	rp_record_reset(&r);
	assert_int_equal(rp_store_record_take(f->s, "challenge", "c1", 1200, &r),
	                 RP_STORE_NOT_FOUND);
	assert_null(r.value);
	assert_int_equal(rp_store_record_get(f->s, "challenge", "c1", 1200, &r),
	                 RP_STORE_NOT_FOUND);

	assert_int_equal(rp_store_record_delete(f->s, "k", "forever"), RP_STORE_OK);
	assert_int_equal(rp_store_record_delete(f->s, "k", "forever"), RP_STORE_NOT_FOUND);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM records"), 0);
	rp_record_reset(NULL);
}

static void test_record_limits(void **state)
{
	fixture *f = *state;
	char *k31 = repeat('k', 31), *k32 = repeat('k', 32);
	char *y127 = repeat('y', 127), *y128 = repeat('y', 128);
	rp_record r;

	assert_int_equal(rp_store_record_put(f->s, k32, "y", "v", 0, 0), RP_STORE_INVALID);
	assert_int_equal(rp_store_record_put(f->s, "", "y", "v", 0, 0), RP_STORE_INVALID);
	assert_int_equal(rp_store_record_put(f->s, NULL, "y", "v", 0, 0), RP_STORE_INVALID);
	assert_int_equal(rp_store_record_put(f->s, "k", y128, "v", 0, 0), RP_STORE_INVALID);
	assert_int_equal(rp_store_record_put(f->s, "k", "", "v", 0, 0), RP_STORE_INVALID);
	assert_int_equal(rp_store_record_put(f->s, "k", "y", NULL, 0, 0), RP_STORE_INVALID);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM records"), 0);
	assert_int_equal(rp_store_record_put(f->s, k31, y127, "v", 0, 0), RP_STORE_OK);
	assert_int_equal(rp_store_record_get(f->s, k31, y127, 0, &r), RP_STORE_OK);
	assert_string_equal(r.kind, k31);
	assert_string_equal(r.key, y127);
	rp_record_reset(&r);
	assert_int_equal(rp_store_record_get(f->s, k32, "y", 0, &r), RP_STORE_INVALID);
	assert_int_equal(rp_store_record_get(f->s, "k", y128, 0, &r), RP_STORE_INVALID);
	assert_int_equal(rp_store_record_get(f->s, "k", "y", 0, NULL), RP_STORE_INVALID);
	assert_int_equal(rp_store_record_take(f->s, k32, "y", 0, &r), RP_STORE_INVALID);
	assert_int_equal(rp_store_record_take(f->s, "k", "", 0, &r), RP_STORE_INVALID);
	assert_int_equal(rp_store_record_delete(f->s, k32, "y"), RP_STORE_INVALID);
	assert_int_equal(rp_store_record_delete(f->s, "k", y128), RP_STORE_INVALID);
	free(k31);
	free(k32);
	free(y127);
	free(y128);
}

/* ---- sessions ---- */

static void test_sessions(void **state)
{
	fixture *f = *state;
	int64_t alice = new_user(f->s, "alice");
	rp_session ses, got;

	set_session(&ses, "AUTH-1", 0, 1300);
	assert_int_equal(rp_store_session_put(f->s, &ses), RP_STORE_OK);
	assert_int_equal(rp_store_session_get(f->s, "AUTH-1", 1299, &got), RP_STORE_OK);
	assert_session_equal(&got, &ses);
	/* Put updates in place: the browser's session moves on and now holds alice. */
	ses.user_id = alice;
	ses.step = RP_STEP_WEBAUTHN;
	ses.challenge[0] = '\0';
	ses.expires = 0;
	assert_int_equal(rp_store_session_put(f->s, &ses), RP_STORE_OK);
	assert_int_equal(rp_store_session_get(f->s, "AUTH-1", INT64_MAX, &got), RP_STORE_OK);
	assert_session_equal(&got, &ses);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sessions"), 1);

	/* Expiry at now. */
	set_session(&ses, "AUTH-2", alice, 1300);
	assert_int_equal(rp_store_session_put(f->s, &ses), RP_STORE_OK);
	assert_int_equal(rp_store_session_get(f->s, "AUTH-2", 1300, &got), RP_STORE_NOT_FOUND);
	assert_int_equal(got.id[0], '\0');
	assert_int_equal(rp_store_session_get(f->s, "AUTH-2", 1299, &got), RP_STORE_OK);

	/* A session of no such user. */
	set_session(&ses, "AUTH-3", 4242, 1300);
	assert_int_equal(rp_store_session_put(f->s, &ses), RP_STORE_NOT_FOUND);

	assert_int_equal(rp_store_session_delete(f->s, "AUTH-2"), RP_STORE_OK);
	assert_int_equal(rp_store_session_delete(f->s, "AUTH-2"), RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_session_get(f->s, "AUTH-2", 0, &got), RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_session_get(f->s, "nope", 0, &got), RP_STORE_NOT_FOUND);
}

static void test_session_limits(void **state)
{
	fixture *f = *state;
	char *i64 = repeat('i', RP_SESSION_ID_MAX), *i65 = repeat('i', RP_SESSION_ID_MAX + 1);
	rp_session ses, got;

	set_session(&ses, "", 0, 0);
	assert_int_equal(rp_store_session_put(f->s, &ses), RP_STORE_INVALID);
	memset(ses.id, 'i', sizeof(ses.id));
	assert_int_equal(rp_store_session_put(f->s, &ses), RP_STORE_INVALID);
	set_session(&ses, "s", 0, 0);
	ses.step = RP_STEP__COUNT;
	assert_int_equal(rp_store_session_put(f->s, &ses), RP_STORE_INVALID);
	set_session(&ses, "s", 0, 0);
	memset(ses.challenge, 'c', sizeof(ses.challenge));
	assert_int_equal(rp_store_session_put(f->s, &ses), RP_STORE_INVALID);
	assert_int_equal(rp_store_session_put(f->s, NULL), RP_STORE_INVALID);
	assert_int_equal(raw_total_rows(f->path), 0);

	set_session(&ses, i64, 0, 0);
	memset(ses.challenge, 'c', sizeof(ses.challenge) - 1);
	ses.step = RP_STEP_CARD_AUTHENTICATED;
	assert_int_equal(rp_store_session_put(f->s, &ses), RP_STORE_OK);
	assert_int_equal(rp_store_session_get(f->s, i64, 0, &got), RP_STORE_OK);
	assert_session_equal(&got, &ses);
	assert_int_equal(rp_store_session_get(f->s, i65, 0, &got), RP_STORE_INVALID);
	assert_int_equal(rp_store_session_get(f->s, "", 0, &got), RP_STORE_INVALID);
	assert_int_equal(rp_store_session_delete(f->s, i65), RP_STORE_INVALID);
	assert_int_equal(rp_store_session_delete(f->s, NULL), RP_STORE_INVALID);
	free(i64);
	free(i65);
}

/* ---- action codes ---- */

static void test_codes_single_use(void **state)
{
	fixture *f = *state;
	rp_session ses;

	set_session(&ses, "S1", 0, 0);
	assert_int_equal(rp_store_session_put(f->s, &ses), RP_STORE_OK);
	set_session(&ses, "S2", 0, 0);
	assert_int_equal(rp_store_session_put(f->s, &ses), RP_STORE_OK);
	assert_int_equal(rp_store_code_issue(f->s, "S1", "code-1", "authenticate", 1000, 1300),
	                 RP_STORE_OK);

	/* Another session or another action: refused, and the code is still there. */
	assert_int_equal(rp_store_code_take(f->s, "S2", "code-1", "authenticate", 1000),
	                 RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_code_take(f->s, "S1", "code-1", "register", 1000),
	                 RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_code_take(f->s, "S1", "code-2", "authenticate", 1000),
	                 RP_STORE_NOT_FOUND);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM codes"), 1);
	/* Exactly once. */
	assert_int_equal(rp_store_code_take(f->s, "S1", "code-1", "authenticate", 1000),
	                 RP_STORE_OK);
	assert_int_equal(rp_store_code_take(f->s, "S1", "code-1", "authenticate", 1000),
	                 RP_STORE_NOT_FOUND);

	/* Codes are unique across sessions. */
	assert_int_equal(rp_store_code_issue(f->s, "S1", "code-3", "authenticate", 1000, 1300),
	                 RP_STORE_OK);
	assert_int_equal(rp_store_code_issue(f->s, "S2", "code-3", "register", 1000, 1300),
	                 RP_STORE_EXISTS);
	assert_int_equal(rp_store_code_take(f->s, "S2", "code-3", "register", 1000),
	                 RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_code_take(f->s, "S1", "code-3", "authenticate", 1000),
	                 RP_STORE_OK);
	/* A code for a session the store does not have. */
	assert_int_equal(rp_store_code_issue(f->s, "S9", "code-4", "authenticate", 1000, 1300),
	                 RP_STORE_NOT_FOUND);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM codes"), 0);
}

static void test_codes_expiry_and_session(void **state)
{
	fixture *f = *state;
	rp_session ses;

	set_session(&ses, "S1", 0, 2000);
	assert_int_equal(rp_store_session_put(f->s, &ses), RP_STORE_OK);
	assert_int_equal(rp_store_code_issue(f->s, "S1", "c-exp", "a", 1000, 1300), RP_STORE_OK);
	assert_int_equal(rp_store_code_issue(f->s, "S1", "c-never", "a", 1000, 0), RP_STORE_OK);
	/* Expired at now = expires; that failed take did not consume it. */
	assert_int_equal(rp_store_code_take(f->s, "S1", "c-exp", "a", 1300), RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_code_take(f->s, "S1", "c-exp", "a", 1299), RP_STORE_OK);
	/* The session expired: its codes are unusable too, whatever their own expiry. */
	assert_int_equal(rp_store_code_take(f->s, "S1", "c-never", "a", 2000), RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_code_take(f->s, "S1", "c-never", "a", 1999), RP_STORE_OK);

	/* Updating the session keeps its codes; deleting it deletes them. */
	assert_int_equal(rp_store_code_issue(f->s, "S1", "c-3", "a", 1000, 0), RP_STORE_OK);
	ses.step = RP_STEP_AUTHENTICATED;
	assert_int_equal(rp_store_session_put(f->s, &ses), RP_STORE_OK);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM codes"), 1);
	assert_int_equal(rp_store_session_delete(f->s, "S1"), RP_STORE_OK);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM codes"), 0);
	assert_int_equal(rp_store_session_put(f->s, &ses), RP_STORE_OK);
	assert_int_equal(rp_store_code_take(f->s, "S1", "c-3", "a", 1000), RP_STORE_NOT_FOUND);
}

static void test_code_limits(void **state)
{
	fixture *f = *state;
	char *c64 = repeat('c', RP_CODE_MAX), *c65 = repeat('c', RP_CODE_MAX + 1);
	char *a64 = repeat('a', 64), *a65 = repeat('a', 65);
	char *s64 = repeat('s', RP_SESSION_ID_MAX), *s65 = repeat('s', RP_SESSION_ID_MAX + 1);
	rp_session ses;

	set_session(&ses, s64, 0, 0);
	assert_int_equal(rp_store_session_put(f->s, &ses), RP_STORE_OK);
	assert_int_equal(rp_store_code_issue(f->s, s64, "", "a", 0, 0), RP_STORE_INVALID);
	assert_int_equal(rp_store_code_issue(f->s, s64, c65, "a", 0, 0), RP_STORE_INVALID);
	assert_int_equal(rp_store_code_issue(f->s, s64, "c", "", 0, 0), RP_STORE_INVALID);
	assert_int_equal(rp_store_code_issue(f->s, s64, "c", a65, 0, 0), RP_STORE_INVALID);
	assert_int_equal(rp_store_code_issue(f->s, s65, "c", "a", 0, 0), RP_STORE_INVALID);
	assert_int_equal(rp_store_code_issue(f->s, "", "c", "a", 0, 0), RP_STORE_INVALID);
	assert_int_equal(rp_store_code_issue(f->s, s64, NULL, "a", 0, 0), RP_STORE_INVALID);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM codes"), 0);
	assert_int_equal(rp_store_code_issue(f->s, s64, c64, a64, 0, 0), RP_STORE_OK);
	assert_int_equal(rp_store_code_take(f->s, s64, c65, a64, 0), RP_STORE_INVALID);
	assert_int_equal(rp_store_code_take(f->s, s64, c64, a65, 0), RP_STORE_INVALID);
	assert_int_equal(rp_store_code_take(f->s, s65, c64, a64, 0), RP_STORE_INVALID);
	assert_int_equal(rp_store_code_take(f->s, s64, "", a64, 0), RP_STORE_INVALID);
	assert_int_equal(rp_store_code_take(f->s, s64, c64, a64, 0), RP_STORE_OK);
	free(c64);
	free(c65);
	free(a64);
	free(a65);
	free(s64);
	free(s65);
}

/* ---- QR tokens ---- */

static void test_qr(void **state)
{
	fixture *f = *state;
	int64_t alice = new_user(f->s, "alice");
	rp_qr qr, got;

	set_qr(&qr, "tok-pc", RP_QR_PC_REGISTRATION, alice);
	qr.superseded = true; /* a new token is neither, whatever the caller says */
	qr.consumed = true;
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
	assert_int_equal(rp_store_qr_get(f->s, "tok-pc", &got), RP_STORE_OK);
	assert_string_equal(got.token, "tok-pc");
	assert_int_equal(got.kind, RP_QR_PC_REGISTRATION);
	assert_int_equal(got.user_id, alice);
	assert_string_equal(got.session_id, "pc-session");
	assert_int_equal(got.issued, 1000);
	assert_int_equal(got.expires, 1300);
	assert_false(got.superseded);
	assert_false(got.consumed);
	assert_int_equal(got.state, RP_QR_WAITING);

	assert_int_equal(rp_store_qr_set_state(f->s, "tok-pc", RP_QR_DONE), RP_STORE_OK);
	assert_int_equal(rp_store_qr_consume(f->s, "tok-pc"), RP_STORE_OK);
	assert_int_equal(rp_store_qr_consume(f->s, "tok-pc"), RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_qr_get(f->s, "tok-pc", &got), RP_STORE_OK);
	assert_true(got.consumed);
	assert_int_equal(got.state, RP_QR_DONE);

	/* No user yet, no session, an explicit state. */
	set_qr(&qr, "tok-dev", RP_QR_DEVICE_AUTH, 0);
	qr.session_id[0] = '\0';
	qr.state = RP_QR_CANCELLED;
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
	assert_int_equal(rp_store_qr_get(f->s, "tok-dev", &got), RP_STORE_OK);
	assert_int_equal(got.user_id, 0);
	assert_string_equal(got.session_id, "");
	assert_int_equal(got.state, RP_QR_CANCELLED);

	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_EXISTS);
	set_qr(&qr, "tok-nouser", RP_QR_PC_REGISTRATION, 4242);
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_qr_get(f->s, "nope", &got), RP_STORE_NOT_FOUND);
	assert_int_equal(got.token[0], '\0');
	assert_int_equal(rp_store_qr_consume(f->s, "nope"), RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_qr_set_state(f->s, "nope", RP_QR_DONE), RP_STORE_NOT_FOUND);
}

static void test_qr_supersede(void **state)
{
	fixture *f = *state;
	int64_t alice = new_user(f->s, "alice"), bob = new_user(f->s, "bob");
	rp_qr qr;

	set_qr(&qr, "ca-used", RP_QR_CA_REGISTRATION, alice);
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
	assert_int_equal(rp_store_qr_consume(f->s, "ca-used"), RP_STORE_OK);
	set_qr(&qr, "ca-1", RP_QR_CA_REGISTRATION, alice);
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
	assert_false(qr_superseded(f->s, "ca-used"));
	set_qr(&qr, "ca-bob", RP_QR_CA_REGISTRATION, bob);
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
	set_qr(&qr, "pc-1", RP_QR_PC_REGISTRATION, alice);
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
	assert_false(qr_superseded(f->s, "ca-1"));

	set_qr(&qr, "ca-2", RP_QR_CA_REGISTRATION, alice);
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
	assert_true(qr_superseded(f->s, "ca-1"));
	assert_false(qr_superseded(f->s, "ca-2"));
	assert_false(qr_superseded(f->s, "ca-used")); /* already used: history, not superseded */
	assert_false(qr_superseded(f->s, "ca-bob"));
	assert_false(qr_superseded(f->s, "pc-1"));
	/* The stale page's token can no longer be used; the newest can. */
	assert_int_equal(rp_store_qr_consume(f->s, "ca-1"), RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_qr_consume(f->s, "ca-2"), RP_STORE_OK);

	/* Other kinds never supersede. */
	set_qr(&qr, "pc-2", RP_QR_PC_REGISTRATION, alice);
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
	assert_false(qr_superseded(f->s, "pc-1"));

	/* A device-authentication QR supersedes the user's older one of its kind only. */
	set_qr(&qr, "da-1", RP_QR_DEVICE_AUTH, alice);
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
	set_qr(&qr, "da-bob", RP_QR_DEVICE_AUTH, bob);
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
	set_qr(&qr, "da-2", RP_QR_DEVICE_AUTH, alice);
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
	assert_true(qr_superseded(f->s, "da-1"));
	assert_false(qr_superseded(f->s, "da-2"));
	assert_false(qr_superseded(f->s, "da-bob"));
	assert_false(qr_superseded(f->s, "ca-2"));

	/* ... of the same PC session only: another browser naming alice leaves hers alone. */
	set_qr(&qr, "da-other-pc", RP_QR_DEVICE_AUTH, alice);
	strcpy(qr.session_id, "another-pc");
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
	assert_false(qr_superseded(f->s, "da-2"));
	set_qr(&qr, "da-3", RP_QR_DEVICE_AUTH, alice);
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
	assert_true(qr_superseded(f->s, "da-2"));
	assert_false(qr_superseded(f->s, "da-other-pc"));
}

/* Expired rows go, live ones and those that never expire stay; QR tokens after their grace. */
static void test_purge(void **state)
{
	fixture *f = *state;
	int64_t alice = new_user(f->s, "alice");
	rp_store_purged n;
	rp_session ses;
	rp_record rec;
	rp_qr qr;

	set_session(&ses, "s-dead", alice, 2000);
	assert_int_equal(rp_store_session_put(f->s, &ses), RP_STORE_OK);
	assert_int_equal(rp_store_code_issue(f->s, "s-dead", "c-of-dead", "act", 1000, 5000),
	                 RP_STORE_OK);
	set_session(&ses, "s-live", alice, 4000);
	assert_int_equal(rp_store_session_put(f->s, &ses), RP_STORE_OK);
	assert_int_equal(rp_store_code_issue(f->s, "s-live", "c-dead", "act", 1000, 2500),
	                 RP_STORE_OK);
	assert_int_equal(rp_store_code_issue(f->s, "s-live", "c-live", "act", 1000, 3500),
	                 RP_STORE_OK);
	assert_int_equal(rp_store_record_put(f->s, "k", "dead", "{}", 1000, 3000), RP_STORE_OK);
	assert_int_equal(rp_store_record_put(f->s, "k", "live", "{}", 1000, 3001), RP_STORE_OK);
	assert_int_equal(rp_store_record_put(f->s, "k", "never", "{}", 1000, 0), RP_STORE_OK);
	set_qr(&qr, "q-long-dead", RP_QR_CA_REGISTRATION, alice); /* expires 1300 */
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
	set_qr(&qr, "q-in-grace", RP_QR_PC_REGISTRATION, alice);
	qr.expires = 2500;
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);

	assert_int_equal(rp_store_purge(f->s, 3000, 1000, &n), RP_STORE_OK);
	assert_int_equal(n.sessions, 1);
	assert_int_equal(n.codes, 2); /* the dead session's and the expired one */
	assert_int_equal(n.records, 1);
	assert_int_equal(n.qr_tokens, 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sessions"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM codes"), 1);
	assert_int_equal(rp_store_code_take(f->s, "s-live", "c-live", "act", 3000), RP_STORE_OK);
	assert_int_equal(rp_store_record_get(f->s, "k", "live", 3000, &rec), RP_STORE_OK);
	rp_record_reset(&rec);
	assert_int_equal(rp_store_record_get(f->s, "k", "never", 9999999, &rec), RP_STORE_OK);
	rp_record_reset(&rec);
	assert_int_equal(rp_store_qr_get(f->s, "q-long-dead", &qr), RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_qr_get(f->s, "q-in-grace", &qr), RP_STORE_OK);
	/* Nothing left to purge; the users stay whatever the clock says. */
	assert_int_equal(rp_store_purge(f->s, 3000, 1000, &n), RP_STORE_OK);
	assert_int_equal(n.sessions + n.codes + n.records + n.qr_tokens, 0);
	assert_int_equal(rp_store_purge(f->s, 99999999, 0, &n), RP_STORE_OK);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM users"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM records"), 1);
	assert_int_equal(rp_store_purge(NULL, 0, 0, &n), RP_STORE_INVALID);
}

/* A user with a given handle and, in the same transaction, its first credential. */
static void test_user_create_handle(void **state)
{
	fixture *f = *state;
	static const uint8_t handle[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	rp_cred c, other;
	rp_user u;
	rp_cred *list = NULL;
	size_t n = 0;

	make_cred(&c, 0, 0x11, 32, 1000);
	assert_int_equal(rp_store_user_create_handle(f->s, "carol", "Carol", handle, &c, &u),
	                 RP_STORE_OK);
	assert_memory_equal(u.handle, handle, sizeof(handle));
	assert_int_equal(rp_store_cred_list(f->s, u.id, &list, &n), RP_STORE_OK);
	assert_int_equal(n, 1);
	rp_cred_list_free(&list, n);
	/* A credential id already registered: no user either. */
	make_cred(&other, 0, 0x11, 32, 1000);
	assert_int_equal(rp_store_user_create_handle(f->s, "dave", "Dave", (const uint8_t[16]){9},
	                                             &other, &u),
	                 RP_STORE_EXISTS);
	assert_int_equal(rp_store_user_by_name(f->s, "dave", &u), RP_STORE_NOT_FOUND);
	/* The same handle twice: refused. */
	assert_int_equal(rp_store_user_create_handle(f->s, "erin", "", handle, NULL, &u),
	                 RP_STORE_EXISTS);
	rp_cred_reset(&c);
	rp_cred_reset(&other);
}

/* 3.8 vs 3.12: a deleted or disabled device is "had one", never registering is not. */
static void test_user_had_device(void **state)
{
	fixture *f = *state;
	int64_t alice = new_user(f->s, "alice"), bob = new_user(f->s, "bob");
	int64_t carol = new_user(f->s, "carol");
	rp_cred c1, c2;
	bool had = true;

	assert_int_equal(rp_store_user_had_device(f->s, alice, &had), RP_STORE_OK);
	assert_false(had);
	make_cred(&c1, alice, 0x11, 16, 1000);
	make_cred(&c2, bob, 0x22, 16, 1000);
	c2.enabled = false;
	assert_int_equal(rp_store_cred_add(f->s, &c1), RP_STORE_OK);
	assert_int_equal(rp_store_cred_add(f->s, &c2), RP_STORE_OK);
	assert_int_equal(rp_store_user_had_device(f->s, alice, &had), RP_STORE_OK);
	assert_true(had);
	assert_int_equal(rp_store_user_had_device(f->s, bob, &had), RP_STORE_OK);
	assert_true(had); /* disabled still counts */

	/* Deleting leaves the trace; deleting nothing leaves none. */
	assert_int_equal(rp_store_cred_delete(f->s, c1.id.ptr, c1.id.len), RP_STORE_OK);
	assert_int_equal(rp_store_user_had_device(f->s, alice, &had), RP_STORE_OK);
	assert_true(had);
	assert_int_equal(rp_store_cred_delete(f->s, c1.id.ptr, c1.id.len), RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_user_had_device(f->s, carol, &had), RP_STORE_OK);
	assert_false(had);
	assert_int_equal(
	        raw_int(f->path, "SELECT count(*) FROM records WHERE kind = 'cred-deleted'"), 1);

	/* The trace survives a reopen. */
	rp_store_close(f->s);
	assert_int_equal(rp_store_open(f->path, &f->s), RP_STORE_OK);
	assert_int_equal(rp_store_user_had_device(f->s, alice, &had), RP_STORE_OK);
	assert_true(had);

	assert_int_equal(rp_store_user_had_device(f->s, 0, &had), RP_STORE_INVALID);
	assert_false(had);
	assert_int_equal(rp_store_user_had_device(f->s, alice, NULL), RP_STORE_INVALID);
	assert_int_equal(rp_store_user_had_device(NULL, alice, &had), RP_STORE_INVALID);
	rp_cred_reset(&c1);
	rp_cred_reset(&c2);
}

static void test_qr_limits(void **state)
{
	fixture *f = *state;
	char *t64 = repeat('t', RP_QR_TOKEN_MAX), *t65 = repeat('t', RP_QR_TOKEN_MAX + 1);
	rp_qr qr, got;

	set_qr(&qr, "", RP_QR_DEVICE_AUTH, 0);
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_INVALID);
	memset(qr.token, 't', sizeof(qr.token));
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_INVALID);
	set_qr(&qr, "t", RP_QR_KIND__COUNT, 0);
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_INVALID);
	set_qr(&qr, "t", RP_QR_DEVICE_AUTH, 0);
	qr.kind = RP_QR_KIND__COUNT;
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_INVALID);
	set_qr(&qr, "t", RP_QR_DEVICE_AUTH, 0);
	memset(qr.session_id, 's', sizeof(qr.session_id));
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_INVALID);
	set_qr(&qr, "t", RP_QR_DEVICE_AUTH, 0);
	qr.state = RP_QR_STATE__COUNT;
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_INVALID);
	assert_int_equal(rp_store_qr_issue(f->s, NULL), RP_STORE_INVALID);
	assert_int_equal(raw_total_rows(f->path), 0);

	set_qr(&qr, t64, RP_QR_DEVICE_AUTH, 0);
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
	assert_int_equal(rp_store_qr_get(f->s, t64, &got), RP_STORE_OK);
	assert_int_equal(rp_store_qr_get(f->s, t65, &got), RP_STORE_INVALID);
	assert_int_equal(rp_store_qr_get(f->s, "", &got), RP_STORE_INVALID);
	assert_int_equal(rp_store_qr_consume(f->s, t65), RP_STORE_INVALID);
	assert_int_equal(rp_store_qr_set_state(f->s, t64, RP_QR_STATE__COUNT), RP_STORE_INVALID);
	assert_int_equal(rp_store_qr_set_state(f->s, t65, RP_QR_DONE), RP_STORE_INVALID);
	assert_int_equal(rp_store_qr_set_state(f->s, t64, RP_QR_LATE), RP_STORE_OK);
	assert_int_equal(rp_store_qr_get(f->s, t64, &got), RP_STORE_OK);
	assert_int_equal(got.state, RP_QR_LATE);
	free(t64);
	free(t65);
}

/* ---- atomicity: the second statement fails, the first is undone ---- */

static void test_rollback_unique_violation(void **state)
{
	fixture *f = *state;
	int64_t alice = new_user(f->s, "alice"), bob = new_user(f->s, "bob");
	rp_qr qr;

	set_qr(&qr, "ca-1", RP_QR_CA_REGISTRATION, alice);
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
	set_qr(&qr, "ca-bob", RP_QR_CA_REGISTRATION, bob);
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
	/* Supersede (1st statement) runs, then the insert (2nd) hits bob's token. */
	set_qr(&qr, "ca-bob", RP_QR_CA_REGISTRATION, alice);
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_EXISTS);
	assert_false(qr_superseded(f->s, "ca-1"));
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM qr_tokens WHERE superseded = 1"),
	                 0);
	assert_int_equal(raw_int(f->path, "SELECT user_id FROM qr_tokens WHERE token = 'ca-bob'"),
	                 bob);
	/* And a failed issue leaves the store usable. */
	set_qr(&qr, "ca-2", RP_QR_CA_REGISTRATION, alice);
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
	assert_true(qr_superseded(f->s, "ca-1"));
}

static void test_rollback_trigger(void **state)
{
	fixture *f = *state;
	int64_t alice = new_user(f->s, "alice");
	rp_qr qr;
	rp_record r;

	set_qr(&qr, "ca-1", RP_QR_CA_REGISTRATION, alice);
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
	assert_int_equal(rp_store_record_put(f->s, "code", "k", "v", 0, 0), RP_STORE_OK);
	/* Installed by another connection while the store is open: a disk that refuses. */
	raw_exec(f->path, "CREATE TRIGGER fail_qr BEFORE INSERT ON qr_tokens "
	                  "WHEN NEW.token = 'boom' BEGIN SELECT RAISE(ABORT, 'injected'); END;"
	                  "CREATE TRIGGER fail_rec BEFORE DELETE ON records "
	                  "BEGIN SELECT RAISE(ABORT, 'injected'); END;");

	set_qr(&qr, "boom", RP_QR_CA_REGISTRATION, alice);
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_IO);
	assert_false(qr_superseded(f->s, "ca-1"));
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM qr_tokens"), 1);

	/* take = read + delete: the delete fails, the record stays and nothing is returned. */
	assert_int_equal(rp_store_record_take(f->s, "code", "k", 0, &r), RP_STORE_IO);
	assert_null(r.value);
	assert_int_equal(rp_store_record_get(f->s, "code", "k", 0, &r), RP_STORE_OK);
	assert_string_equal(r.value, "v");
	rp_record_reset(&r);

	raw_exec(f->path, "DROP TRIGGER fail_qr; DROP TRIGGER fail_rec;");
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
	assert_true(qr_superseded(f->s, "ca-1"));
	assert_int_equal(rp_store_record_take(f->s, "code", "k", 0, &r), RP_STORE_OK);
	rp_record_reset(&r);
}

/* ---- durability ---- */

static void test_durability_reopen(void **state)
{
	fixture *f = *state;
	int64_t alice = new_user(f->s, "alice");
	rp_cred c, got;
	rp_session ses;
	rp_qr qr;
	rp_record r;
	rp_user u;

	make_cred(&c, alice, 0x5a, 64, 1000);
	assert_int_equal(rp_store_cred_add(f->s, &c), RP_STORE_OK);
	assert_int_equal(rp_store_cred_update_use(f->s, c.id.ptr, c.id.len, 41, true), RP_STORE_OK);
	assert_int_equal(rp_store_record_put(f->s, "k", "key", "{}", 1, 0), RP_STORE_OK);
	set_session(&ses, "S1", alice, 0);
	assert_int_equal(rp_store_session_put(f->s, &ses), RP_STORE_OK);
	assert_int_equal(rp_store_code_issue(f->s, "S1", "c1", "a", 0, 0), RP_STORE_OK);
	set_qr(&qr, "q1", RP_QR_CA_REGISTRATION, alice);
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
	rp_store_close(f->s);
	f->s = NULL;

	/* The platform restarts. */
	assert_int_equal(rp_store_open(f->path, &f->s), RP_STORE_OK);
	assert_int_equal(rp_store_user_by_name(f->s, "alice", &u), RP_STORE_OK);
	assert_int_equal(u.id, alice);
	assert_int_equal(rp_store_cred_by_id(f->s, c.id.ptr, c.id.len, &got), RP_STORE_OK);
	c.sign_count = 41;
	c.backup_state = true;
	assert_cred_equal(&got, &c);
	rp_cred_reset(&got);
	assert_int_equal(rp_store_record_get(f->s, "k", "key", 5, &r), RP_STORE_OK);
	rp_record_reset(&r);
	assert_int_equal(rp_store_code_take(f->s, "S1", "c1", "a", 5), RP_STORE_OK);
	assert_int_equal(rp_store_qr_get(f->s, "q1", &qr), RP_STORE_OK);
	rp_cred_reset(&c);
}

/*
 * Commits that never pause: the WAL still starts over. A checkpoint running beside the writes is
 * always a few frames behind, and the WAL restarts only when a write begins with every frame
 * copied; the store must make that moment itself, or the WAL grows with every commit.
 */
#define WAL_COMMITS    12000
#define WAL_MOST_PAGES 6000 /* far below one page a commit */

static void test_wal_bounded(void **state)
{
	fixture *f = *state;
	char wal[160];
	struct stat st;
	rp_cred c, got;
	int64_t alice = new_user(f->s, "alice");

	make_cred(&c, alice, 0x11, 16, 1000);
	assert_int_equal(rp_store_cred_add(f->s, &c), RP_STORE_OK);
	for (uint32_t n = 1; n <= WAL_COMMITS; n++)
		assert_int_equal(rp_store_cred_update_use(f->s, c.id.ptr, c.id.len, n, false),
		                 RP_STORE_OK);
	assert_int_equal(rp_store_cred_by_id(f->s, c.id.ptr, c.id.len, &got), RP_STORE_OK);
	assert_int_equal(got.sign_count, WAL_COMMITS);
	/* The file keeps the largest size the WAL reached (it is reused, not truncated). */
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	assert_int_equal(stat(wal, &st), 0);
	assert_true(st.st_size < (off_t)WAL_MOST_PAGES * 4096);
	rp_cred_reset(&got);
	rp_cred_reset(&c);
}

static void test_durability_crash(void **state)
{
	fixture *f = *state;
	rp_cred c, got;
	pid_t pid;
	int status;

	rp_store_close(f->s);
	f->s = NULL;
	/* A child registers a credential and dies without closing: no checkpoint, no cleanup. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		rp_store *s;
		rp_user u;
		rp_cred cc;
		if (rp_store_open(f->path, &s) != RP_STORE_OK ||
		    rp_store_user_create(s, "alice", "Alice", &u) != RP_STORE_OK)
			_exit(1);
		make_cred(&cc, u.id, 0x77, 32, 1000);
		_exit(rp_store_cred_add(s, &cc) == RP_STORE_OK ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	assert_int_equal(rp_store_open(f->path, &f->s), RP_STORE_OK);
	make_cred(&c, 0, 0x77, 32, 1000);
	assert_int_equal(rp_store_cred_by_id(f->s, c.id.ptr, c.id.len, &got), RP_STORE_OK);
	c.user_id = got.user_id;
	assert_cred_equal(&got, &c);
	rp_cred_reset(&got);
	rp_cred_reset(&c);
}

/* Two connections (two platform processes) on one file: a code is still taken once. */
static void test_two_connections(void **state)
{
	fixture *f = *state;
	rp_store *other;
	rp_session ses;
	rp_user u;

	assert_int_equal(rp_store_open(f->path, &other), RP_STORE_OK);
	set_session(&ses, "S1", 0, 0);
	assert_int_equal(rp_store_session_put(f->s, &ses), RP_STORE_OK);
	assert_int_equal(rp_store_code_issue(f->s, "S1", "c1", "a", 0, 0), RP_STORE_OK);
	assert_int_equal(rp_store_code_take(other, "S1", "c1", "a", 0), RP_STORE_OK);
	assert_int_equal(rp_store_code_take(f->s, "S1", "c1", "a", 0), RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_user_create(other, "alice", "", NULL), RP_STORE_OK);
	assert_int_equal(rp_store_user_create(f->s, "alice", "", NULL), RP_STORE_EXISTS);
	assert_int_equal(rp_store_user_by_name(f->s, "alice", &u), RP_STORE_OK);
	rp_store_close(other);
}

/* ---- writes committed together ---- */

typedef struct batch_write {
	const char *name;  /* the user the write makes */
	bool then_fail;    /* after making it, the write reports a failure */
	bool read_inside;  /* the write tries rp_store_read */
	rp_store_err read; /* what that returned */
} batch_write;

static rp_store_err noop_reads(rp_store *s, void *ctx)
{
	(void)s;
	(void)ctx;
	return RP_STORE_OK;
}

static rp_store_err run_batch_write(rp_store *s, void *ctx)
{
	batch_write *w = ctx;
	rp_store_err err = rp_store_user_create(s, w->name, "", NULL);

	if (w->read_inside)
		w->read = rp_store_read(s, noop_reads, NULL);
	return err == RP_STORE_OK && w->then_fail ? RP_STORE_INVALID : err;
}

/* Each write kept or undone alone, one COMMIT for the kept ones, the store usable after. */
static void test_write_batch(void **state)
{
	fixture *f = *state;
	batch_write bw[] = {{.name = "bob"},
	                    {.name = "alice"}, /* taken: undone alone */
	                    {.name = "carol", .then_fail = true},
	                    {.name = "dave", .read_inside = true}};
	rp_store_write w[KAGURA_LEN(bw)];
	rp_user u;

	new_user(f->s, "alice");
	for (size_t i = 0; i < KAGURA_LEN(bw); i++)
		w[i] = (rp_store_write){.run = run_batch_write, .ctx = &bw[i]};
	assert_int_equal(rp_store_write_batch(f->s, w, KAGURA_LEN(w)), RP_STORE_OK);
	assert_int_equal(w[0].result, RP_STORE_OK);
	assert_int_equal(w[1].result, RP_STORE_EXISTS);
	assert_int_equal(w[2].result, RP_STORE_INVALID);
	assert_int_equal(w[3].result, RP_STORE_OK);
	assert_int_equal(bw[3].read, RP_STORE_INVALID); /* no read transaction inside a write */
	/* What the raw view sees: committed, each as its write ended. */
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM users WHERE name = 'bob'"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM users WHERE name = 'alice'"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM users WHERE name = 'carol'"), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM users WHERE name = 'dave'"), 1);
	/* Nothing of the batch stays behind: transactions and reads work as before. */
	assert_int_equal(rp_store_user_create(f->s, "erin", "", NULL), RP_STORE_OK);
	assert_int_equal(rp_store_user_by_name(f->s, "carol", &u), RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_read(f->s, noop_reads, NULL), RP_STORE_OK);
	assert_int_equal(rp_store_write_batch(f->s, NULL, 0), RP_STORE_OK);
	assert_int_equal(rp_store_write_batch(NULL, w, 1), RP_STORE_INVALID);
}

/* ---- one read transaction ---- */

typedef struct snapshot_reads {
	rp_store *other; /* another connection, writing while the reads run */
	int64_t user_id;
	size_t before, after; /* credentials listed before and after other's write */
	rp_cred extra;
	rp_store_err other_err, nested_err, write_err;
} snapshot_reads;

static rp_store_err list_count(rp_store *s, int64_t user_id, size_t *count)
{
	rp_cred *list = NULL;
	rp_store_err err = rp_store_cred_list(s, user_id, &list, count);

	rp_cred_list_free(&list, *count);
	return err;
}

static rp_store_err nothing(rp_store *s, void *ctx)
{
	(void)s, (void)ctx;
	return RP_STORE_OK;
}

static rp_store_err reads_around_a_write(rp_store *s, void *ctx)
{
	snapshot_reads *r = ctx;
	rp_store_err err = list_count(s, r->user_id, &r->before);

	if (err != RP_STORE_OK)
		return err;
	/* Another process's commit lands between the two reads... */
	r->other_err = rp_store_cred_add(r->other, &r->extra);
	/* ... and neither a nested read transaction nor a write starts inside this one. */
	r->nested_err = rp_store_read(s, nothing, NULL);
	r->write_err = rp_store_user_create(s, "mallory", "", NULL);
	return list_count(s, r->user_id, &r->after);
}

static rp_store_err not_found(rp_store *s, void *ctx)
{
	rp_user u;

	(void)ctx;
	return rp_store_user_by_name(s, "nobody", &u);
}

static void test_read_one_snapshot(void **state)
{
	fixture *f = *state;
	snapshot_reads r = {.user_id = new_user(f->s, "alice")};
	rp_cred first;
	size_t now;
	rp_user u;

	make_cred(&first, r.user_id, 0x11, 16, 1000);
	make_cred(&r.extra, r.user_id, 0x22, 16, 2000);
	assert_int_equal(rp_store_cred_add(f->s, &first), RP_STORE_OK);
	assert_int_equal(rp_store_open(f->path, &r.other), RP_STORE_OK);

	assert_int_equal(rp_store_read(f->s, reads_around_a_write, &r), RP_STORE_OK);
	assert_int_equal(r.other_err, RP_STORE_OK);
	assert_int_equal(r.before, 1);
	assert_int_equal(r.after, 1); /* the snapshot the first read took */
	assert_int_equal(r.nested_err, RP_STORE_INVALID);
	assert_int_equal(r.write_err, RP_STORE_INVALID);
	/* Once it ends, the next read sees the other's write; the refused write stored nothing. */
	assert_int_equal(list_count(f->s, r.user_id, &now), RP_STORE_OK);
	assert_int_equal(now, 2);
	assert_int_equal(rp_store_user_by_name(f->s, "mallory", &u), RP_STORE_NOT_FOUND);

	/* The reads' own outcome is the result, and the store is free again after it. */
	assert_int_equal(rp_store_read(f->s, not_found, NULL), RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_user_create(f->s, "bob", "", NULL), RP_STORE_OK);
	assert_int_equal(rp_store_read(f->s, NULL, NULL), RP_STORE_INVALID);
	assert_int_equal(rp_store_read(NULL, nothing, NULL), RP_STORE_INVALID);

	rp_cred_reset(&first);
	rp_cred_reset(&r.extra);
	rp_store_close(r.other);
}

/* ---- hostile strings ---- */

/* Each at most 31 bytes, so it fits every field it is stored in (a record kind). */
static const char *const hostile[] = {
        "'",
        "\"",
        "'; DROP TABLE users; --",
        "\" OR 1=1 --",
        "x' OR '1'='1",
        "%",
        "_",
        "\\'\\\"\\\\",
        "本人ID ＡＢＣ ñ 🙂 \xe2\x80\x8f",
        "?1 ?2 :name @v $x",
        "); DELETE FROM users; --",
        "\t\n\r ",
};

static void test_hostile_strings(void **state)
{
	fixture *f = *state;
	size_t n = sizeof(hostile) / sizeof(hostile[0]);

	for (size_t i = 0; i < n; i++) {
		const char *h = hostile[i];
		rp_user u, got;
		rp_cred c, gc;
		rp_record r;
		rp_session ses, gs;
		rp_qr qr, gq;
		char label[RP_LABEL_MAX + 1];

		assert_int_equal(rp_store_user_create(f->s, h, h, &u), RP_STORE_OK);
		assert_int_equal(rp_store_user_by_name(f->s, h, &got), RP_STORE_OK);
		assert_int_equal(got.id, u.id);
		assert_string_equal(got.name, h);
		assert_string_equal(got.display_name, h);
		assert_int_equal(rp_store_user_set_enabled(f->s, h, false), RP_STORE_OK);

		make_cred(&c, u.id, (uint8_t)(0x80 + i), 20, 1000);
		snprintf(label, sizeof(label), "%s", h);
		strcpy(c.label, label);
		snprintf(c.transports, sizeof(c.transports), "%s", h);
		snprintf(c.fmt, sizeof(c.fmt), "%s", h);
		assert_int_equal(rp_store_cred_add(f->s, &c), RP_STORE_OK);
		assert_int_equal(rp_store_cred_set_label(f->s, c.id.ptr, c.id.len, h), RP_STORE_OK);
		assert_int_equal(rp_store_cred_by_id(f->s, c.id.ptr, c.id.len, &gc), RP_STORE_OK);
		assert_cred_equal(&gc, &c);
		rp_cred_reset(&gc);
		rp_cred_reset(&c);

		assert_int_equal(rp_store_record_put(f->s, h, h, h, 0, 0), RP_STORE_OK);
		assert_int_equal(rp_store_record_get(f->s, h, h, 0, &r), RP_STORE_OK);
		assert_string_equal(r.kind, h);
		assert_string_equal(r.key, h);
		assert_string_equal(r.value, h);
		rp_record_reset(&r);

		set_session(&ses, h, u.id, 0);
		snprintf(ses.challenge, sizeof(ses.challenge), "%s", h);
		assert_int_equal(rp_store_session_put(f->s, &ses), RP_STORE_OK);
		assert_int_equal(rp_store_session_get(f->s, h, 0, &gs), RP_STORE_OK);
		assert_session_equal(&gs, &ses);
		assert_int_equal(rp_store_code_issue(f->s, h, h, h, 0, 0), RP_STORE_OK);
		assert_int_equal(rp_store_code_take(f->s, h, h, h, 0), RP_STORE_OK);

		set_qr(&qr, h, RP_QR_CA_REGISTRATION, u.id);
		snprintf(qr.session_id, sizeof(qr.session_id), "%s", h);
		assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
		assert_int_equal(rp_store_qr_set_state(f->s, h, RP_QR_CANCELLED), RP_STORE_OK);
		assert_int_equal(rp_store_qr_get(f->s, h, &gq), RP_STORE_OK);
		assert_string_equal(gq.token, h);
		assert_string_equal(gq.session_id, h);
		assert_int_equal(gq.state, RP_QR_CANCELLED);
	}
	/* Nothing was interpreted: one row each, every table still there, no wildcard matches. */
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM users"), (int64_t)n);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM credentials"), (int64_t)n);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM records"), (int64_t)n);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sessions"), (int64_t)n);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM qr_tokens"), (int64_t)n);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM codes"), 0);
	{
		rp_user got;
		assert_int_equal(rp_store_user_by_name(f->s, "%", &got), RP_STORE_OK);
		assert_string_equal(got.name, "%");
		assert_int_equal(rp_store_user_by_name(f->s, "%%", &got), RP_STORE_NOT_FOUND);
	}
}

/*
 * Whether an id is registered: a typed answer. A store that cannot tell is an error, never
 * "not registered", and the verifier's hook then answers "registered" and keeps the error.
 */
static void test_cred_exists(void **state)
{
	fixture *f = *state;
	int64_t alice = new_user(f->s, "alice");
	uint8_t unknown[16] = {0x5a}, long_id[1024] = {0x5b};
	rp_cred_check check = {.store = f->s};
	rp_cred c;

	make_cred(&c, alice, 0x33, 16, 1000);
	assert_int_equal(rp_store_cred_add(f->s, &c), RP_STORE_OK);
	assert_int_equal(rp_store_cred_exists(f->s, c.id.ptr, c.id.len), RP_STORE_OK);
	assert_int_equal(rp_store_cred_exists(f->s, unknown, sizeof(unknown)), RP_STORE_NOT_FOUND);
	/* Longer than any stored id: registered to no one. */
	assert_int_equal(rp_store_cred_exists(f->s, long_id, sizeof(long_id)), RP_STORE_NOT_FOUND);
	assert_int_equal(rp_store_cred_exists(NULL, unknown, sizeof(unknown)), RP_STORE_INVALID);
	assert_true(rp_cred_check_registered(&check, c.id.ptr, c.id.len));
	assert_false(rp_cred_check_registered(&check, unknown, sizeof(unknown)));
	assert_int_equal(check.err, RP_STORE_OK);

	/* The table is gone under the open store: the lookup fails, it does not say "absent". */
	raw_exec(f->path, "PRAGMA foreign_keys = OFF; DROP TABLE credentials;");
	assert_int_equal(rp_store_cred_exists(f->s, unknown, sizeof(unknown)), RP_STORE_IO);
	assert_true(rp_cred_check_registered(&check, unknown, sizeof(unknown)));
	assert_int_equal(check.err, RP_STORE_IO);
	rp_cred_reset(&c);
}

/* A state's name the store did not write is a damaged store, not a state. */
static void test_unknown_state_names(void **state)
{
	fixture *f = *state;
	int64_t alice = new_user(f->s, "alice");
	rp_session ses, got;
	rp_qr qr, gq;
	char *text;

	set_session(&ses, "S1", alice, 0);
	assert_int_equal(rp_store_session_put(f->s, &ses), RP_STORE_OK);
	set_qr(&qr, "q1", RP_QR_CA_REGISTRATION, alice);
	assert_int_equal(rp_store_qr_issue(f->s, &qr), RP_STORE_OK);
	text = raw_text(f->path, "SELECT state || ' ' || (SELECT kind || ' ' || state "
	                         "FROM qr_tokens) FROM sessions");
	assert_string_equal(text, "new ca-registration waiting"); /* the names, as text */
	free(text);

	raw_exec(f->path, "UPDATE sessions SET state = 'login'");
	assert_int_equal(rp_store_session_get(f->s, "S1", 0, &got), RP_STORE_SCHEMA);
	assert_int_equal(got.id[0], '\0');
	raw_exec(f->path, "UPDATE qr_tokens SET state = 'it''s done'");
	assert_int_equal(rp_store_qr_get(f->s, "q1", &gq), RP_STORE_SCHEMA);
	raw_exec(f->path, "UPDATE qr_tokens SET state = 'done', kind = 'pc'");
	assert_int_equal(rp_store_qr_get(f->s, "q1", &gq), RP_STORE_SCHEMA);
	assert_int_equal(gq.token[0], '\0');
}

/* A test on a store opened by its setup, and one that opens the store itself. */
#define OPEN(fn) cmocka_unit_test_setup_teardown(fn, fx_setup_open, fx_teardown)
#define NEW(fn)  cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        NEW(test_open_arguments),
	        NEW(test_open_creates_wal_schema),
	        NEW(test_open_refuses_non_sqlite),
	        NEW(test_open_refuses_other_schema),
	        NEW(test_open_checks_schema),
	        NEW(test_open_refused_link_keeps_wal),
	        NEW(test_open_says_why),
	        OPEN(test_threads_share_one_store),
	        OPEN(test_reads_while_a_write_waits),
	        OPEN(test_reads_while_an_update_waits),
	        OPEN(test_users),
	        OPEN(test_user_duplicate_name),
	        OPEN(test_user_limits),
	        OPEN(test_credentials),
	        OPEN(test_credential_duplicate_and_owner),
	        OPEN(test_credential_limits),
	        OPEN(test_user_had_device),
	        OPEN(test_cred_exists),
	        OPEN(test_unknown_state_names),
	        OPEN(test_records),
	        OPEN(test_record_limits),
	        OPEN(test_sessions),
	        OPEN(test_session_limits),
	        OPEN(test_codes_single_use),
	        OPEN(test_codes_expiry_and_session),
	        OPEN(test_code_limits),
	        OPEN(test_qr),
	        OPEN(test_qr_supersede),
	        OPEN(test_purge),
	        OPEN(test_user_create_handle),
	        OPEN(test_qr_limits),
	        OPEN(test_rollback_unique_violation),
	        OPEN(test_rollback_trigger),
	        OPEN(test_durability_reopen),
	        OPEN(test_durability_crash),
	        OPEN(test_wal_bounded),
	        OPEN(test_two_connections),
	        OPEN(test_read_one_snapshot),
	        OPEN(test_write_batch),
	        OPEN(test_hostile_strings),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
