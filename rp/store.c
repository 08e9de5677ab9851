/*
 * The mock platform's store on SQLite. One connection, shared by the threads that use the store
 * one call at a time (store_conn, behind the store's lock), prepared statements cached in it and
 * bound, never SQL built from data; every mutating call is one BEGIN IMMEDIATE … COMMIT, rolled
 * back on any failure.
 */
#define _DEFAULT_SOURCE /* realpath */
#include "rp/store_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rp/store_cache.h"

/* Between two tries of a transaction's start while another process writes (doubling). */
#define STORE_RETRY_FIRST_MS 1
#define STORE_RETRY_MAX_MS   50

static const char *const err_text[RP_STORE__COUNT] = {
        [RP_STORE_OK] = "ok",
        [RP_STORE_NOT_FOUND] = "not found",
        [RP_STORE_EXISTS] = "already exists",
        [RP_STORE_INVALID] = "argument out of its limits",
        [RP_STORE_IO] = "store could not be opened, read or written",
        [RP_STORE_SCHEMA] = "file is not a store of this schema version",
        [RP_STORE_NOMEM] = "out of memory",
        [RP_STORE_IN_USE] = "store is served by another process",
};

const char *rp_store_strerr(rp_store_err err)
{
	if ((unsigned)err >= RP_STORE__COUNT)
		return "unknown store error";
	return err_text[err];
}

/* Says why an open failed, into the caller's buffer (may be NULL); the first reason stays. */
static void say(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || size == 0 || why[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
}

/* ---- one connection ---- */

/* One integer from a constant query (the header pragmas). */
static int query_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		} else if (rc == SQLITE_DONE) {
			rc = SQLITE_ERROR;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

/* The journal mode a PRAGMA journal_mode statement reports, compared with want. */
static int journal_mode_is(sqlite3 *db, const char *sql, const char *want)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			const unsigned char *mode = sqlite3_column_text(st, 0);
			rc = mode != NULL && strcmp((const char *)mode, want) == 0 ? SQLITE_OK
			                                                           : SQLITE_ERROR;
		} else if (rc == SQLITE_DONE) {
			rc = SQLITE_ERROR;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

/* What every connection sets for itself (none of it is kept in the file). */
static int conn_configure(sqlite3 *db, bool throwaway)
{
	int64_t fk = 0;
	int rc;

	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, STORE_BUSY_MS);
	/* The file is data: its schema may not call side-effecting functions or be rewritten. */
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	/* Foreign keys are per connection and off by default. */
	if ((rc = sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL)) != SQLITE_OK ||
	    (rc = query_int(db, "PRAGMA foreign_keys", &fk)) != SQLITE_OK)
		return rc;
	if (fk != 1)
		return SQLITE_ERROR;
	/*
	 * In WAL, NORMAL syncs at checkpoints only: a COMMIT that returned is in the WAL file
	 * and survives the process being killed, not necessarily a power cut. A throwaway
	 * store is removed at exit: it never syncs.
	 */
	return sqlite3_exec(db,
	                    throwaway ? "PRAGMA synchronous = OFF" : "PRAGMA synchronous = NORMAL",
	                    NULL, NULL, NULL);
}

static void conn_close(store_conn *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < Q__COUNT; i++)
		sqlite3_finalize(c->stmt[i]);
	sqlite3_close(c->db);
	free(c);
}

/* A new connection to s's file, configured; its SQLite result code. */
static int conn_open(rp_store *s, store_conn **out)
{
	store_conn *c = calloc(1, sizeof(*c));
	int rc;

	*out = NULL;
	if (c == NULL)
		return SQLITE_NOMEM;
	/* Used by one thread at a time (the store's lock): SQLite's own mutexes are not needed. */
	rc = sqlite3_open_v2(s->path, &c->db,
	                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                     NULL);
	if (rc == SQLITE_OK)
		rc = conn_configure(c->db, s->throwaway);
	if (rc != SQLITE_OK) {
		/* Closing must not checkpoint a foreign WAL into a file we refuse. */
		if (c->db != NULL)
			sqlite3_db_config(c->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
		conn_close(c);
		return rc;
	}
	*out = c;
	return SQLITE_OK;
}

/* ---- the file: ours, empty or foreign; the schema in it ---- */

enum file_kind { FILE_OURS, FILE_EMPTY, FILE_FOREIGN };

/* Reads the header only: nothing is written to a file that turns out not to be ours. */
static rp_store_err classify(sqlite3 *db, enum file_kind *kind, char *why, size_t size)
{
	int64_t app = 0, version = 0, objects = 0;
	int rc = query_int(db, "PRAGMA application_id", &app);

	if (rc == SQLITE_OK)
		rc = query_int(db, "PRAGMA user_version", &version);
	if (rc == SQLITE_OK)
		rc = query_int(db, "SELECT count(*) FROM sqlite_master", &objects);
	if (rc != SQLITE_OK) {
		say(why, size, "%s",
		    rc == SQLITE_NOTADB ? "not a SQLite database" : sqlite3_errstr(rc));
		return store_map_rc(rc);
	}
	if (app == STORE_APP_ID && version == RP_STORE_SCHEMA_VERSION)
		*kind = FILE_OURS;
	else if (app == 0 && version == 0 && objects == 0)
		*kind = FILE_EMPTY;
	else
		*kind = FILE_FOREIGN;
	if (*kind == FILE_FOREIGN && app == STORE_APP_ID)
		say(why, size, "a store of schema version %lld, this program reads version %d",
		    (long long)version, RP_STORE_SCHEMA_VERSION);
	else if (*kind == FILE_FOREIGN)
		say(why, size, "a SQLite database, but not a kagura-rp store (application_id %lld)",
		    (long long)app);
	return RP_STORE_OK;
}

/* Creates the schema in an empty file; another opener may have done it meanwhile. *created:
 * whether this call wrote store_schema_sql (only then is the file known to hold it as written). */
static rp_store_err init_schema(rp_store *s, sqlite3 *db, bool *created, char *why, size_t size)
{
	enum file_kind kind;
	rp_store_err err;
	int rc;

	*created = false;
	/* WAL can only be switched on outside a transaction. */
	if ((rc = journal_mode_is(db, "PRAGMA journal_mode = WAL", "wal")) != SQLITE_OK) {
		say(why, size, "cannot switch to WAL: %s", sqlite3_errstr(rc));
		return store_map_rc(rc);
	}
	if ((err = store_tx_begin(s)) != RP_STORE_OK)
		return err;
	err = classify(db, &kind, why, size);
	if (err == RP_STORE_OK && kind == FILE_EMPTY)
		err = store_map_rc(sqlite3_exec(db, store_schema_sql, NULL, NULL, NULL));
	else if (err == RP_STORE_OK && kind == FILE_FOREIGN)
		err = RP_STORE_SCHEMA;
	err = store_tx_end(s, err);
	*created = err == RP_STORE_OK && kind == FILE_EMPTY;
	return err;
}

/* Columns of a table as "name type notnull pk" lines, sorted by name (owned; NULL: no memory). */
static char *columns_of(sqlite3 *db, const char *table, int *rc)
{
	sqlite3_stmt *st = NULL;
	char *all = NULL;
	size_t len = 0;

	*rc = sqlite3_prepare_v2(db,
	                         "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1) "
	                         "ORDER BY name",
	                         -1, &st, NULL);
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	while (*rc == SQLITE_OK && (*rc = sqlite3_step(st)) == SQLITE_ROW) {
		char line[256];
		int n = snprintf(line, sizeof(line), "%s %s %d %d\n",
		                 (const char *)sqlite3_column_text(st, 0),
		                 (const char *)sqlite3_column_text(st, 1),
		                 sqlite3_column_int(st, 2), sqlite3_column_int(st, 3));
		char *grown = n > 0 ? realloc(all, len + (size_t)n + 1) : NULL;
		if (grown == NULL) {
			*rc = SQLITE_NOMEM;
			break;
		}
		all = grown;
		memcpy(all + len, line, (size_t)n + 1);
		len += (size_t)n;
		*rc = SQLITE_OK;
	}
	if (*rc == SQLITE_DONE)
		*rc = all != NULL ? SQLITE_OK : SQLITE_ERROR; /* no columns: no such table */
	sqlite3_finalize(st);
	if (*rc != SQLITE_OK) {
		free(all);
		return NULL;
	}
	return all;
}

/* The line of lines (each ending in '\n') that is exactly text (n bytes), or starts with it and
 * a space when prefix; NULL none. */
static const char *find_line(const char *lines, const char *text, size_t n, bool prefix)
{
	for (const char *h = lines; *h != '\0';) {
		const char *end = strchr(h, '\n');
		size_t len = (size_t)(end - h);
		if (prefix ? len > n && memcmp(h, text, n) == 0 && h[n] == ' '
		           : len == n && memcmp(h, text, n) == 0)
			return h;
		h = end + 1;
	}
	return NULL;
}

/* The first line of want that is not in have, into buf; false: none. */
static bool missing_line(const char *want, const char *have, char *buf, size_t size)
{
	for (const char *line = want; *line != '\0';) {
		const char *end = strchr(line, '\n');
		size_t n = (size_t)(end - line);
		if (find_line(have, line, n, false) == NULL) {
			snprintf(buf, size, "%.*s", (int)n, line);
			return true;
		}
		line = end + 1;
	}
	return false;
}

/* A "name type notnull pk" line in words ("sign_count INTEGER NOT NULL"); its name into name. */
static void column_words(const char *line, char *name, size_t name_size, char *buf, size_t size)
{
	int notnull = 0, pk = 0, n = 0;
	char type[64] = "";

	if (sscanf(line, "%*s%n %63s %d %d", &n, type, &notnull, &pk) < 1 || n <= 0)
		n = (int)strlen(line);
	snprintf(name, name_size, "%.*s", n, line);
	snprintf(buf, size, "%s %s%s%s", name, type, notnull ? " NOT NULL" : "",
	         pk ? " PRIMARY KEY" : "");
}

/* One table of the schema against the file's: every column, its type, NOT NULL and key. */
static rp_store_err check_table(sqlite3 *db, sqlite3 *want, const char *table, char *why,
                                size_t size)
{
	int rc, rc_want;
	char *have = columns_of(db, table, &rc), *expect = columns_of(want, table, &rc_want);
	char line[300], name[128], words[300];
	rp_store_err err = RP_STORE_SCHEMA;

	if (expect == NULL) {
		err = store_map_rc(rc_want == SQLITE_ERROR ? SQLITE_NOMEM : rc_want);
	} else if (have == NULL && rc == SQLITE_ERROR) {
		say(why, size, "table %s is missing", table);
	} else if (have == NULL) {
		err = store_map_rc(rc);
	} else if (missing_line(expect, have, line, sizeof(line))) {
		column_words(line, name, sizeof(name), words, sizeof(words));
		if (find_line(have, name, strlen(name), true) != NULL)
			say(why, size, "column %s.%s is not declared %s", table, name, words);
		else
			say(why, size, "table %s has no column %s", table, words);
	} else if (missing_line(have, expect, line, sizeof(line))) {
		column_words(line, name, sizeof(name), words, sizeof(words));
		say(why, size, "table %s has a column this version does not know: %s", table,
		    words);
	} else {
		err = RP_STORE_OK;
	}
	free(have);
	free(expect);
	return err;
}

/*
 * The file holds what this version's schema creates: every table with exactly its columns
 * (name, type, NOT NULL, primary key) and every index. The reference is the schema itself,
 * created in memory: nothing here repeats it.
 */
static rp_store_err check_schema(sqlite3 *db, char *why, size_t size)
{
	sqlite3 *want = NULL;
	sqlite3_stmt *objs = NULL, *has = NULL;
	rp_store_err err = RP_STORE_OK;
	int rc = sqlite3_open_v2(":memory:", &want, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
	                         NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_exec(want, store_schema_sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
		        want,
		        "SELECT type, name FROM sqlite_master "
		        "WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
		        -1, &objs, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db,
		                        "SELECT 1 FROM sqlite_master WHERE type = ?1 AND name = ?2",
		                        -1, &has, NULL);
	while (rc == SQLITE_OK && err == RP_STORE_OK && (rc = sqlite3_step(objs)) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(objs, 0);
		const char *name = (const char *)sqlite3_column_text(objs, 1);

		rc = SQLITE_OK;
		if (strcmp(type, "table") == 0) {
			err = check_table(db, want, name, why, size);
			continue;
		}
		sqlite3_reset(has);
		if ((rc = sqlite3_bind_text(has, 1, type, -1, SQLITE_TRANSIENT)) != SQLITE_OK ||
		    (rc = sqlite3_bind_text(has, 2, name, -1, SQLITE_TRANSIENT)) != SQLITE_OK)
			break;
		rc = sqlite3_step(has);
		if (rc == SQLITE_DONE) {
			say(why, size, "%s %s is missing", type, name);
			err = RP_STORE_SCHEMA;
		}
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	if (err == RP_STORE_OK && rc != SQLITE_DONE && rc != SQLITE_OK) {
		say(why, size, "cannot read the schema: %s", sqlite3_errstr(rc));
		err = store_map_rc(rc);
	}
	sqlite3_finalize(objs);
	sqlite3_finalize(has);
	sqlite3_close(want);
	return err;
}

/*
 * A store made before store_later_indexes_sql's indexes gets them, once it passed check_schema
 * (a refused file is never written). Each CREATE INDEX IF NOT EXISTS is its own transaction and
 * writes only when the index is missing: opening a store that has them takes no write lock. No
 * other thread has the store yet.
 */
static rp_store_err add_later_indexes(sqlite3 *db, char *why, size_t size)
{
	int rc = sqlite3_exec(db, store_later_indexes_sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		say(why, size, "cannot add the store's indexes: %s", sqlite3_errstr(rc));
	return store_map_rc(rc);
}

/* The store's connection opened, and through it the file classified, created or checked. */
static rp_store_err first_open(rp_store *s, char *why, size_t size)
{
	enum file_kind kind;
	store_conn *c;
	rp_store_err err;
	bool created = false;
	int rc;

	if ((rc = conn_open(s, &s->conn)) != SQLITE_OK) {
		say(why, size, "%s",
		    rc == SQLITE_NOTADB ? "not a SQLite database" : sqlite3_errstr(rc));
		return rc == SQLITE_NOMEM ? RP_STORE_NOMEM : store_map_rc(rc);
	}
	c = s->conn;
	if ((err = classify(c->db, &kind, why, size)) != RP_STORE_OK)
		return err;
	if (kind == FILE_FOREIGN)
		return RP_STORE_SCHEMA;
	if (kind == FILE_EMPTY && (err = init_schema(s, c->db, &created, why, size)) != RP_STORE_OK)
		return err;
	/* A file this open just made holds store_schema_sql as written: any other is compared,
	 * one another opener made meanwhile included (another build may have made it), before
	 * anything is written to it. */
	if (!created && (err = check_schema(c->db, why, size)) != RP_STORE_OK)
		return err;
	/* WAL is persistent in the file; this confirms it for a store created earlier. */
	if ((rc = journal_mode_is(c->db, "PRAGMA journal_mode = WAL", "wal")) != SQLITE_OK) {
		say(why, size, "cannot switch to WAL: %s", sqlite3_errstr(rc));
		return store_map_rc(rc);
	}
	return add_later_indexes(c->db, why, size);
}

static void notes_truncate(rp_store *s, size_t keep);

static void free_store(rp_store *s)
{
	if (s->conn != NULL)
		sqlite3_wal_hook(s->conn->db, NULL, NULL); /* the checkpointer goes first */
	store_checkpointer_stop(&s->checkpointer);
	conn_close(s->conn);
	store_cache_free(&s->cache);
	notes_truncate(s, 0);
	free(s->notes);
	if (s->owner_fd >= 0) {
		/* Unlinked while still locked: whoever opened it meanwhile finds it gone (below).
		 */
		unlink(s->owner_path);
		close(s->owner_fd);
	}
	free(s->owner_path);
	pthread_mutex_destroy(&s->lock);
	free(s->path);
	free(s);
}

/* Tries to take the owner's file (owner_path) before another does. */
#define OWNER_TRIES 3

/*
 * RP_STORE_OWNED: an exclusive flock on FILE-owner, an empty file beside the store, held while
 * the store is open and removed at its close. Not on the store's own file: closing any
 * descriptor of a file drops every fcntl lock the process holds on it, SQLite's included.
 * flock's are per open file, so a second open in this process is refused too. Taken before
 * the file is opened: a refused open never touches a store another process serves.
 */
static rp_store_err take_ownership(rp_store *s, char *why, size_t size)
{
	size_t n = strlen(s->path) + sizeof(RP_STORE_OWNER_SUFFIX);

	if ((s->owner_path = malloc(n)) == NULL)
		return RP_STORE_NOMEM;
	snprintf(s->owner_path, n, "%s%s", s->path, RP_STORE_OWNER_SUFFIX);
	for (int i = 0; i < OWNER_TRIES; i++) {
		struct stat held, named;
		int fd = open(s->owner_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0) {
			say(why, size, "cannot open %s: %s", s->owner_path, strerror(errno));
			return RP_STORE_IO;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			int e = errno;
			close(fd);
			if (e == EWOULDBLOCK) {
				say(why, size,
				    "another kagura-rp serve has this store open: one process "
				    "serves a store at a time");
				return RP_STORE_IN_USE;
			}
			say(why, size, "cannot lock %s: %s", s->owner_path, strerror(e));
			return RP_STORE_IO;
		}
		/* Still the file of that name: its owner did not remove it while we opened it. */
		if (fstat(fd, &held) == 0 && stat(s->owner_path, &named) == 0 &&
		    held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
			s->owner_fd = fd;
			return RP_STORE_OK;
		}
		close(fd);
	}
	say(why, size, "%s keeps changing: another process takes and drops it", s->owner_path);
	return RP_STORE_IN_USE;
}

/* The store's lock: recursive, so a call made inside the same thread's transaction reenters. */
static bool init_lock(pthread_mutex_t *lock)
{
	pthread_mutexattr_t attr;
	bool ok;

	if (pthread_mutexattr_init(&attr) != 0)
		return false;
	ok = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE) == 0 &&
	     pthread_mutex_init(lock, &attr) == 0;
	pthread_mutexattr_destroy(&attr);
	return ok;
}

/* Whether path's WAL file is there (another process's, or one a crash left): beside the file a
 * symbolic link leads to, where SQLite keeps it. */
static bool wal_exists(const char *path)
{
	char real[PATH_MAX], wal[PATH_MAX + 8];
	struct stat st;

	if (realpath(path, real) == NULL) {
		if (errno != ENOENT || lstat(path, &st) == 0)
			return true; /* cannot tell: as if it were */
		snprintf(real, sizeof(real), "%s",
		         path); /* no file yet, no link: the path itself */
	}
	if ((size_t)snprintf(wal, sizeof(wal), "%s-wal", real) >= sizeof(wal))
		return true;
	return stat(wal, &st) == 0;
}

rp_store_err rp_store_open_ex(const char *path, unsigned flags, char *why, size_t why_size,
                              rp_store **out)
{
	rp_store *s;
	rp_store_err err;
	bool wal_before;

	if (why != NULL && why_size > 0)
		why[0] = '\0';
	if (out == NULL)
		return RP_STORE_INVALID;
	*out = NULL;
	if (path == NULL || *path == '\0')
		return RP_STORE_INVALID;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return RP_STORE_NOMEM;
	if ((s->path = strdup(path)) == NULL || !init_lock(&s->lock)) {
		free(s->path);
		free(s);
		return RP_STORE_NOMEM;
	}
	s->throwaway = (flags & RP_STORE_THROWAWAY) != 0;
	s->owner_fd = -1;
	err = RP_STORE_OK;
	if ((flags & RP_STORE_OWNED) != 0 &&
	    (err = take_ownership(s, why, why_size)) == RP_STORE_OK &&
	    (s->cache = store_cache_new(0)) == NULL)
		err = RP_STORE_NOMEM;
	wal_before = wal_exists(path);
	if (err == RP_STORE_OK)
		err = first_open(s, why, why_size);
	if (err != RP_STORE_OK) {
		/* Closing must not checkpoint a foreign WAL into a file we refused; a WAL this open
		 * made holds nothing, and the close removes it. */
		if (s->conn != NULL && wal_before)
			sqlite3_db_config(s->conn->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
			                  (int *)NULL);
		say(why, why_size, "%s", rp_store_strerr(err));
		free_store(s);
		return err;
	}
	/* Without its thread, the connection checkpoints for itself, as SQLite does by default. */
	if ((s->checkpointer = store_checkpointer_start(s->path, s->throwaway)) != NULL)
		sqlite3_wal_hook(s->conn->db, store_wal_hook, s->checkpointer);
	*out = s;
	return RP_STORE_OK;
}

rp_store_err rp_store_open(const char *path, rp_store **out)
{
	return rp_store_open_ex(path, 0, NULL, 0, out);
}

void rp_store_close(rp_store *s)
{
	if (s != NULL)
		free_store(s);
}

/* ---- the lock, and transactions: one call or one transaction at a time ---- */

void store_lock(rp_store *s)
{
	pthread_mutex_lock(&s->lock);
	s->held++;
}

void store_unlock(rp_store *s)
{
	s->held--;
	pthread_mutex_unlock(&s->lock);
}

static void add_ms(struct timespec *t, long ms)
{
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

static bool passed(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

/*
 * BEGIN IMMEDIATE on c, the lock held (SQLite's busy wait off for it): SQLITE_BUSY at once
 * when another process writes.
 */
static int begin_now(rp_store *s, store_conn *c)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;

	sqlite3_busy_timeout(c->db, 0);
	st = store_use(s, Q_BEGIN, &rc);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	store_release(s, st);
	sqlite3_busy_timeout(c->db, STORE_BUSY_MS);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* SAVEPOINT (the store's lock held); a failure that ended the whole transaction loses the batch. */
static rp_store_err savepoint_begin(rp_store *s)
{
	int rc = SQLITE_OK;
	sqlite3_stmt *st = store_use(s, Q_SAVEPOINT, &rc);
	rp_store_err err = store_run(s, st, rc, NULL);

	if (err != RP_STORE_OK && sqlite3_get_autocommit(s->conn->db))
		s->batch_lost = true;
	return err;
}

/* A transaction inside a write batch's write: a savepoint; the lock stays held (store_tx_end). */
static rp_store_err batch_savepoint(rp_store *s)
{
	rp_store_err err = savepoint_begin(s);

	if (err != RP_STORE_OK) {
		store_unlock(s);
	} else {
		s->in_savepoint = true;
		s->savepoint_mark = s->n_notes;
	}
	return err;
}

/* Ends the innermost savepoint: kept (RELEASE) when err is OK, else undone first; err, or the
 * failure to release. A transaction SQLite rolled back whole leaves the batch lost. */
static rp_store_err savepoint_close(rp_store *s, rp_store_err err)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;
	rp_store_err rel;

	if (sqlite3_get_autocommit(s->conn->db)) {
		s->batch_lost = true;
		return err == RP_STORE_OK ? RP_STORE_IO : err;
	}
	if (err != RP_STORE_OK) {
		st = store_use(s, Q_ROLLBACK_TO, &rc);
		/* Not undone, the write would be committed with the batch: the batch is lost. */
		if (store_run(s, st, rc, NULL) != RP_STORE_OK)
			s->batch_lost = true;
		rc = SQLITE_OK;
	}
	st = store_use(s, Q_RELEASE, &rc);
	/* A savepoint left open is committed with the batch whatever its write said: lost too. */
	if ((rel = store_run(s, st, rc, NULL)) != RP_STORE_OK)
		s->batch_lost = true;
	return err == RP_STORE_OK ? rel : err;
}

/* savepoint_close; a savepoint not kept takes its notes (those after mark, how many there were
 * when it began) with it: its writes never reach the kept users. */
static rp_store_err savepoint_end(rp_store *s, rp_store_err err, size_t mark)
{
	rp_store_err out = savepoint_close(s, err);

	if (out != RP_STORE_OK)
		notes_truncate(s, mark);
	return out;
}

/* ---- the open transaction's counter updates and new users, for the kept users at its COMMIT ----
 */

/* What a write of the open transaction does to the kept users once it commits. */
typedef enum note_kind {
	NOTE_USE,      /* a credential's counter and backup state */
	NOTE_NEW_USER, /* a user just created, with their first credential */
} note_kind;

typedef struct store_note {
	note_kind kind;
	rp_cred cred;   /* NOTE_USE: its id, sign_count, backup_state; NOTE_NEW_USER: all (owned) */
	rp_user user;   /* NOTE_NEW_USER */
	bool with_cred; /* NOTE_NEW_USER: the user has cred */
} store_note;

/* A new note at the end of the list (zeroed), or NULL without memory. */
static store_note *note_new(rp_store *s)
{
	if (s->n_notes == s->cap_notes) {
		size_t cap = s->cap_notes ? 2 * s->cap_notes : 16;
		store_note *grown = realloc(s->notes, cap * sizeof(*grown));
		if (grown == NULL)
			return NULL;
		s->notes = grown;
		s->cap_notes = cap;
	}
	memset(&s->notes[s->n_notes], 0, sizeof(s->notes[0]));
	return &s->notes[s->n_notes];
}

void store_note_use(rp_store *s, const uint8_t *id, size_t len, uint32_t sign_count,
                    bool backup_state)
{
	store_note *n;

	if (s->cache == NULL)
		return;
	if ((n = note_new(s)) == NULL || wa_blob_set(&n->cred.id, id, len) != WA_OK) {
		/* Not kept for the COMMIT: the user is read from the file again. */
		store_cache_forget_cred(s->cache, id, len);
		return;
	}
	n->kind = NOTE_USE;
	n->cred.sign_count = sign_count;
	n->cred.backup_state = backup_state;
	s->n_notes++;
}

void store_note_new_user(rp_store *s, const rp_user *user, const rp_cred *first)
{
	store_note *n;

	/* Without memory nothing is kept: the user's first read reads the file. */
	if (s->cache == NULL || (n = note_new(s)) == NULL)
		return;
	n->kind = NOTE_NEW_USER;
	n->user = *user;
	if (first != NULL && rp_cred_copy(&n->cred, first) != RP_STORE_OK)
		return;
	n->with_cred = first != NULL;
	s->n_notes++;
}

/* Drops the notes after the first keep (their writes were undone, or all were applied). */
static void notes_truncate(rp_store *s, size_t keep)
{
	while (s->n_notes > keep)
		rp_cred_reset(&s->notes[--s->n_notes].cred);
}

/* The transaction failed: what it wrote may or may not be in the file (a COMMIT can fail after
 * writing), so the users it touched are read from the file again. */
static void notes_forget(rp_store *s)
{
	for (size_t i = 0; i < s->n_notes; i++) {
		const store_note *n = &s->notes[i];
		if (n->kind == NOTE_USE)
			store_cache_forget_cred(s->cache, n->cred.id.ptr, n->cred.id.len);
		else
			store_cache_forget_name(s->cache, n->user.name);
	}
	notes_truncate(s, 0);
}

/* The transaction committed: the kept users get what it wrote. */
static void notes_apply(rp_store *s)
{
	for (size_t i = 0; i < s->n_notes; i++) {
		const store_note *n = &s->notes[i];
		if (n->kind == NOTE_USE)
			store_cache_set_use(s->cache, n->cred.id.ptr, n->cred.id.len,
			                    n->cred.sign_count, n->cred.backup_state);
		else
			store_cache_put(s->cache, &n->user, n->with_cred ? &n->cred : NULL,
			                n->with_cred ? 1 : 0);
	}
	notes_truncate(s, 0);
}

rp_store_err store_tx_begin(rp_store *s)
{
	struct timespec until;
	long pause_ms = STORE_RETRY_FIRST_MS;

	clock_gettime(CLOCK_MONOTONIC, &until);
	add_ms(&until, STORE_BUSY_MS);
	for (;;) {
		int rc;

		store_lock(s);
		/*
		 * Held deeper than this call, the lock is this thread's own transaction or
		 * statement in use: a transaction does not nest, and starts before its statements
		 * (its wait for another process lets the lock go, which a statement in use must
		 * keep). In a write batch's write, it is a savepoint of the batch.
		 */
		if (s->held > 1) {
			if (s->batch && s->held == 2 && !s->in_savepoint)
				return batch_savepoint(s);
			store_unlock(s);
			return RP_STORE_INVALID;
		}
		if ((rc = begin_now(s, s->conn)) == SQLITE_OK) {
			s->conn->in_tx = true;
			return RP_STORE_OK; /* the lock stays held until store_tx_end */
		}
		store_unlock(s);
		if ((rc & 0xff) != SQLITE_BUSY || passed(&until))
			return store_map_rc(rc);
		/* Another process writes: wait with the lock let go, so this one's reads go on. */
		struct timespec pause = {0, pause_ms * 1000000L};
		nanosleep(&pause, NULL);
		if (pause_ms < STORE_RETRY_MAX_MS)
			pause_ms *= 2;
	}
}

rp_store_err rp_store_read(rp_store *s, rp_store_err (*reads)(rp_store *s, void *ctx), void *ctx)
{
	sqlite3_stmt *st;
	rp_store_err err;
	int rc = SQLITE_OK;

	if (s == NULL || reads == NULL)
		return RP_STORE_INVALID;
	store_lock(s);
	if (s->held > 1) {
		/* Inside another transaction or statement of this thread: they do not nest. */
		store_unlock(s);
		return RP_STORE_INVALID;
	}
	/* Deferred: the first read takes the snapshot, and nothing waits for a writer. */
	st = store_use(s, Q_BEGIN_READ, &rc);
	if ((err = store_run(s, st, rc, NULL)) != RP_STORE_OK) {
		store_unlock(s);
		return err;
	}
	s->conn->in_tx = true;
	return store_tx_end(s, reads(s, ctx));
}

/* Commits when err is OK, else (or when COMMIT fails) rolls back; returns the outcome. */
rp_store_err store_tx_end(rp_store *s, rp_store_err err)
{
	int rc = SQLITE_OK;
	store_conn *c;
	sqlite3_stmt *st;

	store_lock(s);
	if (s->batch) {
		/* A write's transaction in a batch: its savepoint; none when store_tx_begin failed.
		 */
		if (s->in_savepoint) {
			err = savepoint_end(s, err, s->savepoint_mark);
			s->in_savepoint = false;
			store_unlock(s); /* the savepoint's, from store_tx_begin */
		}
		store_unlock(s); /* this call's */
		return err;
	}
	/* Held: a transaction open now is this thread's (none when store_tx_begin failed). */
	c = s->conn;
	if (!c->in_tx) {
		store_unlock(s);
		return err;
	}
	if (err == RP_STORE_OK) {
		st = store_use(s, Q_COMMIT, &rc);
		err = store_run(s, st, rc, NULL);
		rc = SQLITE_OK;
	}
	/* SQLite may have rolled back already (e.g. SQLITE_FULL); ROLLBACK then fails. */
	if (err != RP_STORE_OK && !sqlite3_get_autocommit(c->db)) {
		st = store_use(s, Q_ROLLBACK, &rc);
		(void)store_run(s, st, rc, NULL);
	}
	/* A COMMIT that failed busy leaves the transaction open: never hand it on open. */
	if (!sqlite3_get_autocommit(c->db))
		(void)sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	c->in_tx = false;
	if (err == RP_STORE_OK)
		notes_apply(s);
	else
		notes_forget(s);
	store_unlock(s); /* this call's */
	store_unlock(s); /* the transaction's, from store_tx_begin */
	return err;
}

/* One write of a batch under a savepoint of its own (the store's lock held). */
static rp_store_err batch_one(rp_store *s, rp_store_write *w)
{
	rp_store_err err = savepoint_begin(s);
	size_t mark = s->n_notes;

	if (err != RP_STORE_OK)
		return err;
	return savepoint_end(s, w->run(s, w->ctx), mark);
}

rp_store_err rp_store_write_batch(rp_store *s, rp_store_write *writes, size_t n)
{
	rp_store_err err;
	bool lost;

	if (s == NULL || (writes == NULL && n > 0))
		return RP_STORE_INVALID;
	if (n == 0)
		return RP_STORE_OK;
	if ((err = store_tx_begin(s)) != RP_STORE_OK) {
		for (size_t i = 0; i < n; i++)
			writes[i].result = err;
		return err;
	}
	/* The lock stays held from here to the COMMIT: nobody else sees the batch half done. */
	s->batch = true;
	for (size_t i = 0; i < n; i++)
		writes[i].result = s->batch_lost ? RP_STORE_IO : batch_one(s, &writes[i]);
	s->batch = false;
	lost = s->batch_lost;
	s->batch_lost = false;
	err = store_tx_end(s, lost ? RP_STORE_IO : RP_STORE_OK);
	/* Nothing of the batch is stored: what a write saw inside it (a row another write of the
	 * batch made) is not so either. */
	for (size_t i = 0; err != RP_STORE_OK && i < n; i++)
		writes[i].result = err;
	return err;
}
