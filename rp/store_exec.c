/* Statements, bindings, transactions and columns: how every store call is written. */
#include "rp/store_impl.h"

#include <string.h>

/* SQLite's (extended) result code as the store's error. */
rp_store_err store_map_rc(int rc)
{
	switch (rc) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return RP_STORE_OK;
	case SQLITE_NOMEM:
		return RP_STORE_NOMEM;
	case SQLITE_CONSTRAINT_PRIMARYKEY:
	case SQLITE_CONSTRAINT_UNIQUE:
		return RP_STORE_EXISTS;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return RP_STORE_NOT_FOUND;
	case SQLITE_CONSTRAINT_CHECK:
	case SQLITE_CONSTRAINT_NOTNULL:
	case SQLITE_CONSTRAINT_DATATYPE:
	case SQLITE_TOOBIG:
	case SQLITE_RANGE:
		return RP_STORE_INVALID;
	case SQLITE_NOTADB:
		return RP_STORE_SCHEMA;
	default:
		return RP_STORE_IO;
	}
}

/* ---- argument limits ---- */

bool store_clear(void *out, size_t size)
{
	if (out != NULL)
		memset(out, 0, size);
	return out != NULL;
}

/* A C string of min..max bytes. */
bool store_str_ok(const char *v, size_t min, size_t max)
{
	size_t n;

	if (v == NULL)
		return false;
	n = strnlen(v, max + 1);
	return n >= min && n <= max;
}

bool store_cred_id_ok(const uint8_t *id, size_t len)
{
	return id != NULL && len >= 1 && len <= CRED_ID_MAX;
}

/* ---- statements ---- */

/*
 * The cached statement q, prepared on first use, with the store's lock held until
 * store_release; NULL (lock not held) with *rc set on failure.
 */
sqlite3_stmt *store_use(rp_store *s, enum q q, int *rc)
{
	store_conn *c = s->conn;

	if (*rc != SQLITE_OK)
		return NULL;
	store_lock(s);
	if (c->stmt[q] == NULL)
		*rc = sqlite3_prepare_v3(c->db, store_sql_text[q], -1, SQLITE_PREPARE_PERSISTENT,
		                         &c->stmt[q], NULL);
	if (*rc != SQLITE_OK) {
		store_unlock(s);
		return NULL;
	}
	return c->stmt[q];
}

sqlite3_stmt *store_use_texts(rp_store *s, enum q q, const char *a, const char *b, const char *c,
                              int *rc)
{
	sqlite3_stmt *st = store_use(s, q, rc);

	store_bind_text(st, 1, a, rc);
	store_bind_text(st, 2, b, rc);
	store_bind_text(st, 3, c, rc);
	return st;
}

/* Ready for the next use; no binding keeps pointing at the caller's memory; the lock let go. */
void store_release(rp_store *s, sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	store_unlock(s);
}

/* The bind helpers skip once *rc holds an error, so a call site checks once. */
void store_bind_text(sqlite3_stmt *st, int i, const char *v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

void store_bind_blob(sqlite3_stmt *st, int i, const void *v, size_t len, int *rc)
{
	/* A zero-length blob must still be a blob, not NULL: SQLite wants a pointer. */
	static const uint8_t empty[1];

	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_blob64(st, i, len ? v : empty, len, SQLITE_STATIC);
}

void store_bind_int(sqlite3_stmt *st, int i, int64_t v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_int64(st, i, v);
}

/* 0 (no user) is stored as NULL so the foreign key only checks real users. */
void store_bind_user(sqlite3_stmt *st, int i, int64_t user_id, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = user_id == 0 ? sqlite3_bind_null(st, i) : sqlite3_bind_int64(st, i, user_id);
}

/* Runs a statement that returns no rows; *changes gets the rows it changed. */
rp_store_err store_run(rp_store *s, sqlite3_stmt *st, int rc, int *changes)
{
	if (changes != NULL)
		*changes = 0;
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE && changes != NULL)
			*changes = sqlite3_changes(sqlite3_db_handle(st));
	}
	store_release(s, st);
	return rc == SQLITE_DONE ? RP_STORE_OK : store_map_rc(rc);
}

/* Steps a query once: OK with a row, NOT_FOUND without; the caller releases st. */
rp_store_err store_fetch(sqlite3_stmt *st, int rc)
{
	if (rc != SQLITE_OK)
		return store_map_rc(rc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return RP_STORE_OK;
	return rc == SQLITE_DONE ? RP_STORE_NOT_FOUND : store_map_rc(rc);
}

/*
 * Starts a one-row read by a text key: out (size bytes) zeroed, key (1..max bytes) bound as ?1
 * of q into *st; INVALID, nothing prepared, when the arguments are out of their limits.
 */
rp_store_err store_get_by_key(rp_store *s, enum q q, const char *key, size_t max, void *out,
                              size_t size, sqlite3_stmt **st, int *rc)
{
	if (!store_clear(out, size))
		return RP_STORE_INVALID;
	if (s == NULL || !store_str_ok(key, 1, max))
		return RP_STORE_INVALID;
	*st = store_use(s, q, rc);
	store_bind_text(*st, 1, key, rc);
	return RP_STORE_OK;
}

/* Ends a one-row read: st ready for its next use, out zeroed unless err is OK. */
rp_store_err store_row_done(rp_store *s, sqlite3_stmt *st, rp_store_err err, void *out, size_t size)
{
	store_release(s, st);
	if (err != RP_STORE_OK)
		memset(out, 0, size);
	return err;
}

/* ---- transactions ---- */

/* store_tx_begin and store_tx_end: rp/store.c, with the connections. */

/* ---- columns ---- */

/* Copies a TEXT column into buf; a value that cannot fit is not one this store wrote. */
rp_store_err store_col_text(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);

	if (v == NULL)
		return sqlite3_errcode(sqlite3_db_handle(st)) == SQLITE_NOMEM ? RP_STORE_NOMEM
		                                                              : RP_STORE_SCHEMA;
	if (n >= size || memchr(v, '\0', n) != NULL)
		return RP_STORE_SCHEMA;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return RP_STORE_OK;
}

rp_store_err store_col_blob(sqlite3_stmt *st, int i, wa_blob *out)
{
	const void *v = sqlite3_column_blob(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);

	if (v == NULL && n != 0)
		return RP_STORE_NOMEM;
	return wa_blob_set(out, v, n) == WA_OK ? RP_STORE_OK : RP_STORE_NOMEM;
}

rp_store_err store_col_fixed(sqlite3_stmt *st, int i, uint8_t *out, size_t len)
{
	const void *v = sqlite3_column_blob(st, i);

	if (v == NULL || (size_t)sqlite3_column_bytes(st, i) != len)
		return RP_STORE_SCHEMA;
	memcpy(out, v, len);
	return RP_STORE_OK;
}

/* One UPDATE/DELETE inside the caller's transaction; NOT_FOUND when it matched no row. */
rp_store_err store_run_one(rp_store *s, sqlite3_stmt *st, int rc)
{
	int changes = 0;
	rp_store_err err = store_run(s, st, rc, &changes);

	return err == RP_STORE_OK && changes == 0 ? RP_STORE_NOT_FOUND : err;
}

/* A row of three texts, from and until (records, codes): q's ?1..?5, in its own transaction. */
rp_store_err store_put_timed(rp_store *s, enum q q, const char *a, const char *b, const char *c,
                             time_t from, time_t until)
{
	sqlite3_stmt *st;
	rp_store_err err;
	int rc = SQLITE_OK;

	if ((err = store_tx_begin(s)) != RP_STORE_OK)
		return err;
	st = store_use_texts(s, q, a, b, c, &rc);
	store_bind_int(st, 4, (int64_t)from, &rc);
	store_bind_int(st, 5, (int64_t)until, &rc);
	return store_tx_end(s, store_run(s, st, rc, NULL));
}

/* One UPDATE or DELETE q whose only argument is key (1..max bytes), in its own transaction. */
rp_store_err store_run_by_key(rp_store *s, enum q q, const char *key, size_t max)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;
	rp_store_err err;

	if (s == NULL || !store_str_ok(key, 1, max))
		return RP_STORE_INVALID;
	if ((err = store_tx_begin(s)) != RP_STORE_OK)
		return err;
	st = store_use(s, q, &rc);
	store_bind_text(st, 1, key, &rc);
	return store_tx_end(s, store_run_one(s, st, rc));
}
