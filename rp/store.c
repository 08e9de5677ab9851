/*
 * The mock platform's store on SQLite. One connection per rp_store, prepared
 * statements cached in it and bound, never SQL built from data; every mutating
 * call is one BEGIN IMMEDIATE … COMMIT, rolled back on any failure.
 */
#include "rp/store.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <sqlite3.h>

/* The file's PRAGMA application_id: 0x4B475253, "KGRS", a kagura rp store. */
#define STORE_APP_ID 1262965331
/* A writer waits this long for another connection's transaction. */
#define STORE_BUSY_MS 5000
#define CRED_ID_MAX   1023
/* Limits of rp_store_code_* arguments the header gives no macro for. */
#define ACTION_MAX 64
/* WebAuthn user.id is at most 64 bytes; ours are 16. */
#define HANDLE_MAX 64
#define QR_KIND_CA "ca-registration"
/* The second QR kind that supersedes; the per-user trace a deleted credential leaves (records). */
#define QR_KIND_DEVICE_AUTH "device-auth"
#define CRED_DELETED_KIND   "cred-deleted"

#define STR_(x) #x
#define STR(x)  STR_(x)

/* Lengths are bytes (CAST AS BLOB): SQLite's length() of TEXT counts characters. */
#define BYTES(col) "length(CAST(" col " AS BLOB))"
#define BOOL(col)  col " INTEGER NOT NULL CHECK (" col " IN (0, 1))"

/* Changing a table or a CHECK limit needs RP_STORE_SCHEMA_VERSION bumped; one column a line. */
/* clang-format off */
static const char schema_sql[] =
	"CREATE TABLE users ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE CHECK (" BYTES("name") " BETWEEN 1 AND " STR(RP_USER_NAME_MAX) "),"
	" display_name TEXT NOT NULL CHECK (" BYTES("display_name") " <= " STR(RP_DISPLAY_NAME_MAX) "),"
	" handle BLOB NOT NULL UNIQUE CHECK (length(handle) = 16),"
	" " BOOL("enabled") ") STRICT;"
	"CREATE TABLE credentials ("
	" id BLOB NOT NULL PRIMARY KEY CHECK (length(id) BETWEEN 1 AND " STR(CRED_ID_MAX) "),"
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" public_key BLOB NOT NULL CHECK (length(public_key) >= 1),"
	" alg INTEGER NOT NULL,"
	" sign_count INTEGER NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),"
	" aaguid BLOB NOT NULL CHECK (length(aaguid) = 16),"
	" transports TEXT NOT NULL,"
	" label TEXT NOT NULL CHECK (" BYTES("label") " <= " STR(RP_LABEL_MAX) "),"
	" fmt TEXT NOT NULL,"
	" " BOOL("backup_eligible") ","
	" " BOOL("backup_state") ","
	" " BOOL("enabled") ","
	" created INTEGER NOT NULL) STRICT;"
	"CREATE INDEX credentials_by_user ON credentials(user_id, created);"
	"CREATE TABLE sessions ("
	" id TEXT NOT NULL PRIMARY KEY CHECK (" BYTES("id") " BETWEEN 1 AND " STR(RP_SESSION_ID_MAX) "),"
	" user_id INTEGER REFERENCES users(id),"
	" state TEXT NOT NULL,"
	" challenge TEXT NOT NULL,"
	" created INTEGER NOT NULL,"
	" expires INTEGER NOT NULL) STRICT;"
	/* A session's codes die with it (logout, expiry clean-up). */
	"CREATE TABLE codes ("
	" code TEXT NOT NULL PRIMARY KEY CHECK (" BYTES("code") " BETWEEN 1 AND " STR(RP_CODE_MAX) "),"
	" session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
	" action TEXT NOT NULL CHECK (" BYTES("action") " BETWEEN 1 AND " STR(ACTION_MAX) "),"
	" issued INTEGER NOT NULL,"
	" expires INTEGER NOT NULL) STRICT;"
	"CREATE INDEX codes_by_session ON codes(session_id);"
	"CREATE TABLE qr_tokens ("
	" token TEXT NOT NULL PRIMARY KEY"
	"  CHECK (" BYTES("token") " BETWEEN 1 AND " STR(RP_QR_TOKEN_MAX) "),"
	" kind TEXT NOT NULL,"
	" user_id INTEGER REFERENCES users(id),"
	" session_id TEXT NOT NULL,"
	" issued INTEGER NOT NULL,"
	" expires INTEGER NOT NULL,"
	" " BOOL("superseded") ","
	" " BOOL("consumed") ","
	" state TEXT NOT NULL) STRICT;"
	"CREATE INDEX qr_tokens_by_user ON qr_tokens(user_id, kind);"
	"CREATE TABLE records ("
	" kind TEXT NOT NULL,"
	" key TEXT NOT NULL,"
	" value TEXT NOT NULL,"
	" created INTEGER NOT NULL,"
	" expires INTEGER NOT NULL,"
	" PRIMARY KEY (kind, key)) STRICT;"
	"PRAGMA application_id = " STR(STORE_APP_ID) ";"
	"PRAGMA user_version = " STR(RP_STORE_SCHEMA_VERSION) ";";
/* clang-format on */

/* "expires 0: never"; otherwise a row is alive while now < expires. */
#define ALIVE(col, now) "(" col " = 0 OR " col " > " now ")"

enum q {
	Q_BEGIN,
	Q_COMMIT,
	Q_ROLLBACK,
	Q_USER_INSERT,
	Q_USER_BY_NAME,
	Q_USER_BY_HANDLE,
	Q_USER_BY_ID,
	Q_USER_SET_ENABLED,
	Q_CRED_INSERT,
	Q_CRED_BY_ID,
	Q_CRED_LIST,
	Q_CRED_UPDATE_USE,
	Q_CRED_SET_ENABLED,
	Q_CRED_SET_LABEL,
	Q_CRED_DELETE,
	Q_CRED_DELETED_MARK,
	Q_USER_HAD_DEVICE,
	Q_REC_PUT,
	Q_REC_GET,
	Q_REC_DELETE,
	Q_SES_PUT,
	Q_SES_GET,
	Q_SES_DELETE,
	Q_CODE_INSERT,
	Q_CODE_TAKE,
	Q_QR_SUPERSEDE,
	Q_QR_INSERT,
	Q_QR_GET,
	Q_QR_CONSUME,
	Q_QR_SET_STATE,
	Q__COUNT
};

#define USER_COLS "id, name, display_name, handle, enabled"
#define CRED_COLS                                                                    \
	"user_id, id, public_key, alg, sign_count, aaguid, transports, label, fmt, " \
	"backup_eligible, backup_state, enabled, created"

/* clang-format off */
static const char *const sql_text[Q__COUNT] = {
	[Q_BEGIN] = "BEGIN IMMEDIATE",
	[Q_COMMIT] = "COMMIT",
	[Q_ROLLBACK] = "ROLLBACK",
	[Q_USER_INSERT] = "INSERT INTO users (name, display_name, handle, enabled) "
	                  "VALUES (?1, ?2, ?3, 1)",
	[Q_USER_BY_NAME] = "SELECT " USER_COLS " FROM users WHERE name = ?1",
	[Q_USER_BY_HANDLE] = "SELECT " USER_COLS " FROM users WHERE handle = ?1",
	[Q_USER_BY_ID] = "SELECT " USER_COLS " FROM users WHERE id = ?1",
	[Q_USER_SET_ENABLED] = "UPDATE users SET enabled = ?2 WHERE name = ?1",
	[Q_CRED_INSERT] = "INSERT INTO credentials (" CRED_COLS ") "
	                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[Q_CRED_BY_ID] = "SELECT " CRED_COLS " FROM credentials WHERE id = ?1",
	[Q_CRED_LIST] = "SELECT " CRED_COLS " FROM credentials WHERE user_id = ?1 "
	                "ORDER BY created, rowid",
	[Q_CRED_UPDATE_USE] = "UPDATE credentials SET sign_count = ?2, backup_state = ?3 "
	                      "WHERE id = ?1",
	[Q_CRED_SET_ENABLED] = "UPDATE credentials SET enabled = ?2 WHERE id = ?1",
	[Q_CRED_SET_LABEL] = "UPDATE credentials SET label = ?2 WHERE id = ?1",
	[Q_CRED_DELETE] = "DELETE FROM credentials WHERE id = ?1",
	[Q_CRED_DELETED_MARK] = "INSERT INTO records (kind, key, value, created, expires) "
	                        "SELECT '" CRED_DELETED_KIND "', CAST(user_id AS TEXT), '{}', "
	                        "created, 0 FROM credentials WHERE id = ?1 "
	                        "ON CONFLICT (kind, key) DO NOTHING",
	[Q_USER_HAD_DEVICE] = "SELECT EXISTS (SELECT 1 FROM credentials WHERE user_id = ?1) OR "
	                      "EXISTS (SELECT 1 FROM records WHERE kind = '" CRED_DELETED_KIND "' "
	                      "AND key = CAST(?1 AS TEXT))",
	/* An upsert, not INSERT OR REPLACE: REPLACE deletes first, which fires deletes. */
	[Q_REC_PUT] = "INSERT INTO records (kind, key, value, created, expires) "
	              "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (kind, key) DO UPDATE SET "
	              "value = excluded.value, created = excluded.created, "
	              "expires = excluded.expires",
	[Q_REC_GET] = "SELECT value, created, expires FROM records "
	              "WHERE kind = ?1 AND key = ?2 AND " ALIVE("expires", "?3"),
	[Q_REC_DELETE] = "DELETE FROM records WHERE kind = ?1 AND key = ?2",
	/* An upsert: REPLACE would delete the row and cascade to the session's codes. */
	[Q_SES_PUT] = "INSERT INTO sessions (id, user_id, state, challenge, created, expires) "
	              "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO UPDATE SET "
	              "user_id = excluded.user_id, state = excluded.state, "
	              "challenge = excluded.challenge, created = excluded.created, "
	              "expires = excluded.expires",
	[Q_SES_GET] = "SELECT id, user_id, state, challenge, created, expires FROM sessions "
	              "WHERE id = ?1 AND " ALIVE("expires", "?2"),
	[Q_SES_DELETE] = "DELETE FROM sessions WHERE id = ?1",
	[Q_CODE_INSERT] = "INSERT INTO codes (code, session_id, action, issued, expires) "
	                  "VALUES (?1, ?2, ?3, ?4, ?5)",
	/* One statement decides and consumes, so two takes can never both succeed. */
	[Q_CODE_TAKE] = "DELETE FROM codes WHERE code = ?1 AND session_id = ?2 AND action = ?3 "
	                "AND " ALIVE("expires", "?4") " AND EXISTS (SELECT 1 FROM sessions "
	                "WHERE sessions.id = ?2 AND " ALIVE("sessions.expires", "?4") ")",
	[Q_QR_SUPERSEDE] = "UPDATE qr_tokens SET superseded = 1 WHERE kind = ?1 AND user_id = ?2 "
	                   "AND consumed = 0 AND superseded = 0",
	[Q_QR_INSERT] = "INSERT INTO qr_tokens (token, kind, user_id, session_id, issued, "
	                "expires, superseded, consumed, state) "
	                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0, ?7)",
	[Q_QR_GET] = "SELECT token, kind, user_id, session_id, issued, expires, superseded, "
	             "consumed, state FROM qr_tokens WHERE token = ?1",
	[Q_QR_CONSUME] = "UPDATE qr_tokens SET consumed = 1 "
	                 "WHERE token = ?1 AND consumed = 0 AND superseded = 0",
	[Q_QR_SET_STATE] = "UPDATE qr_tokens SET state = ?2 WHERE token = ?1",
};
/* clang-format on */

struct rp_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[Q__COUNT]; /* prepared on first use */
};

static const char *const err_text[RP_STORE__COUNT] = {
        [RP_STORE_OK] = "ok",
        [RP_STORE_NOT_FOUND] = "not found",
        [RP_STORE_EXISTS] = "already exists",
        [RP_STORE_INVALID] = "argument out of its limits",
        [RP_STORE_IO] = "store could not be opened, read or written",
        [RP_STORE_SCHEMA] = "file is not a store of this schema version",
        [RP_STORE_NOMEM] = "out of memory",
};

const char *rp_store_strerr(rp_store_err err)
{
	if ((unsigned)err >= RP_STORE__COUNT)
		return "unknown store error";
	return err_text[err];
}

/* SQLite's (extended) result code as the store's error. */
static rp_store_err map_rc(int rc)
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

/* A C string of min..max bytes. */
static bool str_ok(const char *v, size_t min, size_t max)
{
	size_t n;

	if (v == NULL)
		return false;
	n = strnlen(v, max + 1);
	return n >= min && n <= max;
}

/* A char array field: terminated inside its buffer, at least min bytes. */
#define FIELD_OK(arr, min) str_ok((arr), (min), sizeof(arr) - 1)

static bool cred_id_ok(const uint8_t *id, size_t len)
{
	return id != NULL && len >= 1 && len <= CRED_ID_MAX;
}

/* ---- statements ---- */

/* The cached statement q, prepared on first use; NULL with *rc set on failure. */
static sqlite3_stmt *use(rp_store *s, enum q q, int *rc)
{
	if (*rc != SQLITE_OK)
		return NULL;
	if (s->stmt[q] == NULL)
		*rc = sqlite3_prepare_v3(s->db, sql_text[q], -1, SQLITE_PREPARE_PERSISTENT,
		                         &s->stmt[q], NULL);
	return *rc == SQLITE_OK ? s->stmt[q] : NULL;
}

/* Ready for the next use; no binding keeps pointing at the caller's memory. */
static void release(sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* The bind helpers skip once *rc holds an error, so a call site checks once. */
static void bind_text(sqlite3_stmt *st, int i, const char *v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void bind_blob(sqlite3_stmt *st, int i, const void *v, size_t len, int *rc)
{
	/* A zero-length blob must still be a blob, not NULL: SQLite wants a pointer. */
	static const uint8_t empty[1];

	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_blob64(st, i, len ? v : empty, len, SQLITE_STATIC);
}

static void bind_int(sqlite3_stmt *st, int i, int64_t v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_int64(st, i, v);
}

/* 0 (no user) is stored as NULL so the foreign key only checks real users. */
static void bind_user(sqlite3_stmt *st, int i, int64_t user_id, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = user_id == 0 ? sqlite3_bind_null(st, i) : sqlite3_bind_int64(st, i, user_id);
}

/* Runs a statement that returns no rows; *changes gets the rows it changed. */
static rp_store_err run(rp_store *s, sqlite3_stmt *st, int rc, int *changes)
{
	if (changes != NULL)
		*changes = 0;
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE && changes != NULL)
			*changes = sqlite3_changes(s->db);
	}
	release(st);
	return rc == SQLITE_DONE ? RP_STORE_OK : map_rc(rc);
}

/* Steps a query once: OK with a row, NOT_FOUND without; the caller releases st. */
static rp_store_err fetch(sqlite3_stmt *st, int rc)
{
	if (rc != SQLITE_OK)
		return map_rc(rc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return RP_STORE_OK;
	return rc == SQLITE_DONE ? RP_STORE_NOT_FOUND : map_rc(rc);
}

/* ---- transactions ---- */

static rp_store_err tx_begin(rp_store *s)
{
	int rc = SQLITE_OK;
	sqlite3_stmt *st = use(s, Q_BEGIN, &rc);

	return run(s, st, rc, NULL);
}

/* Commits when err is OK, else (or when COMMIT fails) rolls back; returns the outcome. */
static rp_store_err tx_end(rp_store *s, rp_store_err err)
{
	int rc = SQLITE_OK;
	sqlite3_stmt *st;

	if (err == RP_STORE_OK) {
		st = use(s, Q_COMMIT, &rc);
		err = run(s, st, rc, NULL);
		if (err == RP_STORE_OK)
			return RP_STORE_OK;
		rc = SQLITE_OK;
	}
	/* SQLite may have rolled back already (e.g. SQLITE_FULL); ROLLBACK then fails. */
	if (!sqlite3_get_autocommit(s->db)) {
		st = use(s, Q_ROLLBACK, &rc);
		(void)run(s, st, rc, NULL);
	}
	return err;
}

/* ---- columns ---- */

/* Copies a TEXT column into buf; a value that cannot fit is not one this store wrote. */
static rp_store_err col_text(sqlite3_stmt *st, int i, char *buf, size_t size)
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

static rp_store_err col_blob(sqlite3_stmt *st, int i, wa_blob *out)
{
	const void *v = sqlite3_column_blob(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);

	if (v == NULL && n != 0)
		return RP_STORE_NOMEM;
	return wa_blob_set(out, v, n) == WA_OK ? RP_STORE_OK : RP_STORE_NOMEM;
}

static rp_store_err col_fixed(sqlite3_stmt *st, int i, uint8_t *out, size_t len)
{
	const void *v = sqlite3_column_blob(st, i);

	if (v == NULL || (size_t)sqlite3_column_bytes(st, i) != len)
		return RP_STORE_SCHEMA;
	memcpy(out, v, len);
	return RP_STORE_OK;
}

/* ---- open / close ---- */

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

enum file_kind { FILE_OURS, FILE_EMPTY, FILE_FOREIGN };

/* Reads the header only: nothing is written to a file that turns out not to be ours. */
static rp_store_err classify(sqlite3 *db, enum file_kind *kind)
{
	int64_t app = 0, version = 0, objects = 0;
	int rc = query_int(db, "PRAGMA application_id", &app);

	if (rc == SQLITE_OK)
		rc = query_int(db, "PRAGMA user_version", &version);
	if (rc == SQLITE_OK)
		rc = query_int(db, "SELECT count(*) FROM sqlite_master", &objects);
	if (rc != SQLITE_OK)
		return map_rc(rc);
	if (app == STORE_APP_ID && version == RP_STORE_SCHEMA_VERSION)
		*kind = FILE_OURS;
	else if (app == 0 && version == 0 && objects == 0)
		*kind = FILE_EMPTY;
	else
		*kind = FILE_FOREIGN;
	return RP_STORE_OK;
}

/* Creates the schema in an empty file; another opener may have done it meanwhile. */
static rp_store_err init_schema(rp_store *s)
{
	enum file_kind kind;
	rp_store_err err;
	int rc;

	/* WAL can only be switched on outside a transaction. */
	if ((rc = journal_mode_is(s->db, "PRAGMA journal_mode = WAL", "wal")) != SQLITE_OK)
		return map_rc(rc);
	if ((err = tx_begin(s)) != RP_STORE_OK)
		return err;
	err = classify(s->db, &kind);
	if (err == RP_STORE_OK && kind == FILE_EMPTY)
		err = map_rc(sqlite3_exec(s->db, schema_sql, NULL, NULL, NULL));
	else if (err == RP_STORE_OK && kind == FILE_FOREIGN)
		err = RP_STORE_SCHEMA;
	return tx_end(s, err);
}

static rp_store_err configure(rp_store *s)
{
	sqlite3 *db = s->db;
	enum file_kind kind;
	int64_t fk = 0;
	rp_store_err err;
	int rc;

	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, STORE_BUSY_MS);
	/* The file is data: its schema may not call side-effecting functions or be rewritten. */
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	/* Foreign keys are per connection and off by default. */
	if ((rc = sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL)) != SQLITE_OK)
		return map_rc(rc);
	if ((rc = query_int(db, "PRAGMA foreign_keys", &fk)) != SQLITE_OK)
		return map_rc(rc);
	if (fk != 1)
		return RP_STORE_IO;
	if ((err = classify(db, &kind)) != RP_STORE_OK)
		return err;
	if (kind == FILE_FOREIGN)
		return RP_STORE_SCHEMA;
	if (kind == FILE_EMPTY && (err = init_schema(s)) != RP_STORE_OK)
		return err;
	/* WAL is persistent in the file; this confirms it for a store created earlier. */
	if ((rc = journal_mode_is(db, "PRAGMA journal_mode = WAL", "wal")) != SQLITE_OK)
		return map_rc(rc);
	/* A COMMIT that returned is on disk: a credential survives a power cut too. */
	if ((rc = sqlite3_exec(db, "PRAGMA synchronous = FULL", NULL, NULL, NULL)) != SQLITE_OK)
		return map_rc(rc);
	return RP_STORE_OK;
}

rp_store_err rp_store_open(const char *path, rp_store **out)
{
	rp_store *s;
	rp_store_err err;
	int rc;

	if (out == NULL)
		return RP_STORE_INVALID;
	*out = NULL;
	if (path == NULL || *path == '\0')
		return RP_STORE_INVALID;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return RP_STORE_NOMEM;
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK)
		err = rc == SQLITE_NOMEM ? RP_STORE_NOMEM : RP_STORE_IO;
	else
		err = configure(s);
	if (err != RP_STORE_OK) {
		/* Closing must not checkpoint a foreign WAL into a file we refused. */
		if (s->db != NULL)
			sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
		rp_store_close(s);
		return err;
	}
	*out = s;
	return RP_STORE_OK;
}

void rp_store_close(rp_store *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < Q__COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	sqlite3_close(s->db);
	free(s);
}

/* ---- users ---- */

static rp_store_err read_user(sqlite3_stmt *st, rp_user *out)
{
	rp_store_err err;

	out->id = sqlite3_column_int64(st, 0);
	if ((err = col_text(st, 1, out->name, sizeof(out->name))) != RP_STORE_OK ||
	    (err = col_text(st, 2, out->display_name, sizeof(out->display_name))) != RP_STORE_OK ||
	    (err = col_fixed(st, 3, out->handle, sizeof(out->handle))) != RP_STORE_OK)
		return err;
	out->enabled = sqlite3_column_int64(st, 4) != 0;
	return RP_STORE_OK;
}

rp_store_err rp_store_user_create(rp_store *s, const char *name, const char *display_name,
                                  rp_user *out)
{
	uint8_t handle[16];
	sqlite3_stmt *st;
	int64_t id = 0;
	rp_store_err err;
	int rc = SQLITE_OK;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (s == NULL || !str_ok(name, 1, RP_USER_NAME_MAX) ||
	    !str_ok(display_name, 0, RP_DISPLAY_NAME_MAX))
		return RP_STORE_INVALID;
	/* user.id must not be guessable from the name (WebAuthn §14.6.1). */
	if (RAND_bytes(handle, sizeof(handle)) != 1)
		return RP_STORE_IO;
	if ((err = tx_begin(s)) != RP_STORE_OK)
		return err;
	st = use(s, Q_USER_INSERT, &rc);
	bind_text(st, 1, name, &rc);
	bind_text(st, 2, display_name, &rc);
	bind_blob(st, 3, handle, sizeof(handle), &rc);
	err = run(s, st, rc, NULL);
	if (err == RP_STORE_OK)
		id = sqlite3_last_insert_rowid(s->db);
	if ((err = tx_end(s, err)) != RP_STORE_OK)
		return err;
	if (out != NULL) {
		out->id = id;
		strcpy(out->name, name);
		strcpy(out->display_name, display_name);
		memcpy(out->handle, handle, sizeof(handle));
		out->enabled = true;
	}
	return RP_STORE_OK;
}

/* A one-row user query already bound; fills out or leaves it zeroed. */
static rp_store_err user_query(sqlite3_stmt *st, int rc, rp_user *out)
{
	rp_store_err err = fetch(st, rc);

	if (err == RP_STORE_OK)
		err = read_user(st, out);
	release(st);
	if (err != RP_STORE_OK)
		memset(out, 0, sizeof(*out));
	return err;
}

rp_store_err rp_store_user_by_name(rp_store *s, const char *name, rp_user *out)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;

	if (out == NULL)
		return RP_STORE_INVALID;
	memset(out, 0, sizeof(*out));
	if (s == NULL || !str_ok(name, 1, RP_USER_NAME_MAX))
		return RP_STORE_INVALID;
	st = use(s, Q_USER_BY_NAME, &rc);
	bind_text(st, 1, name, &rc);
	return user_query(st, rc, out);
}

rp_store_err rp_store_user_by_handle(rp_store *s, const uint8_t *handle, size_t len, rp_user *out)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;

	if (out == NULL)
		return RP_STORE_INVALID;
	memset(out, 0, sizeof(*out));
	if (s == NULL || handle == NULL || len == 0 || len > HANDLE_MAX)
		return RP_STORE_INVALID;
	st = use(s, Q_USER_BY_HANDLE, &rc);
	bind_blob(st, 1, handle, len, &rc);
	return user_query(st, rc, out);
}

rp_store_err rp_store_user_by_id(rp_store *s, int64_t id, rp_user *out)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;

	if (out == NULL)
		return RP_STORE_INVALID;
	memset(out, 0, sizeof(*out));
	if (s == NULL || id <= 0)
		return RP_STORE_INVALID;
	st = use(s, Q_USER_BY_ID, &rc);
	bind_int(st, 1, id, &rc);
	return user_query(st, rc, out);
}

/* One UPDATE/DELETE in its own transaction; NOT_FOUND when it matched no row. */
static rp_store_err tx_run_one(rp_store *s, sqlite3_stmt *st, int rc)
{
	rp_store_err err;
	int changes = 0;

	if (rc != SQLITE_OK) {
		release(st);
		return map_rc(rc);
	}
	if ((err = tx_begin(s)) != RP_STORE_OK) {
		release(st);
		return err;
	}
	err = run(s, st, rc, &changes);
	if (err == RP_STORE_OK && changes == 0)
		err = RP_STORE_NOT_FOUND;
	return tx_end(s, err);
}

rp_store_err rp_store_user_set_enabled(rp_store *s, const char *name, bool enabled)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;

	if (s == NULL || !str_ok(name, 1, RP_USER_NAME_MAX))
		return RP_STORE_INVALID;
	st = use(s, Q_USER_SET_ENABLED, &rc);
	bind_text(st, 1, name, &rc);
	bind_int(st, 2, enabled, &rc);
	return tx_run_one(s, st, rc);
}

/* ---- credentials ---- */

void rp_cred_reset(rp_cred *c)
{
	if (c == NULL)
		return;
	wa_blob_reset(&c->id);
	wa_blob_reset(&c->public_key);
	memset(c, 0, sizeof(*c));
}

static bool cred_ok(const rp_cred *c)
{
	return c != NULL && cred_id_ok(c->id.ptr, c->id.len) && c->public_key.ptr != NULL &&
	       c->public_key.len != 0 && FIELD_OK(c->transports, 0) && FIELD_OK(c->label, 0) &&
	       FIELD_OK(c->fmt, 0);
}

/* The INSERT of a checked credential, inside the caller's transaction. */
static rp_store_err cred_insert(rp_store *s, const rp_cred *c)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;

	st = use(s, Q_CRED_INSERT, &rc);
	bind_int(st, 1, c->user_id, &rc);
	bind_blob(st, 2, c->id.ptr, c->id.len, &rc);
	bind_blob(st, 3, c->public_key.ptr, c->public_key.len, &rc);
	bind_int(st, 4, c->alg, &rc);
	bind_int(st, 5, c->sign_count, &rc);
	bind_blob(st, 6, c->aaguid, sizeof(c->aaguid), &rc);
	bind_text(st, 7, c->transports, &rc);
	bind_text(st, 8, c->label, &rc);
	bind_text(st, 9, c->fmt, &rc);
	bind_int(st, 10, c->backup_eligible, &rc);
	bind_int(st, 11, c->backup_state, &rc);
	bind_int(st, 12, c->enabled, &rc);
	bind_int(st, 13, (int64_t)c->created, &rc);
	return run(s, st, rc, NULL);
}

rp_store_err rp_store_cred_add(rp_store *s, const rp_cred *c)
{
	rp_store_err err;

	if (s == NULL || !cred_ok(c))
		return RP_STORE_INVALID;
	if ((err = tx_begin(s)) != RP_STORE_OK)
		return err;
	return tx_end(s, cred_insert(s, c));
}

/* Fills a zeroed out from a CRED_COLS row; on failure the caller resets it. */
static rp_store_err read_cred(sqlite3_stmt *st, rp_cred *out)
{
	int64_t count;
	rp_store_err err;

	out->user_id = sqlite3_column_int64(st, 0);
	if ((err = col_blob(st, 1, &out->id)) != RP_STORE_OK ||
	    (err = col_blob(st, 2, &out->public_key)) != RP_STORE_OK)
		return err;
	out->alg = sqlite3_column_int64(st, 3);
	count = sqlite3_column_int64(st, 4);
	if (count < 0 || count > UINT32_MAX)
		return RP_STORE_SCHEMA;
	out->sign_count = (uint32_t)count;
	if ((err = col_fixed(st, 5, out->aaguid, sizeof(out->aaguid))) != RP_STORE_OK ||
	    (err = col_text(st, 6, out->transports, sizeof(out->transports))) != RP_STORE_OK ||
	    (err = col_text(st, 7, out->label, sizeof(out->label))) != RP_STORE_OK ||
	    (err = col_text(st, 8, out->fmt, sizeof(out->fmt))) != RP_STORE_OK)
		return err;
	out->backup_eligible = sqlite3_column_int64(st, 9) != 0;
	out->backup_state = sqlite3_column_int64(st, 10) != 0;
	out->enabled = sqlite3_column_int64(st, 11) != 0;
	out->created = (time_t)sqlite3_column_int64(st, 12);
	return RP_STORE_OK;
}

rp_store_err rp_store_cred_by_id(rp_store *s, const uint8_t *id, size_t len, rp_cred *out)
{
	sqlite3_stmt *st;
	rp_store_err err;
	int rc = SQLITE_OK;

	if (out == NULL)
		return RP_STORE_INVALID;
	memset(out, 0, sizeof(*out));
	if (s == NULL || !cred_id_ok(id, len))
		return RP_STORE_INVALID;
	st = use(s, Q_CRED_BY_ID, &rc);
	bind_blob(st, 1, id, len, &rc);
	if ((err = fetch(st, rc)) == RP_STORE_OK)
		err = read_cred(st, out);
	release(st);
	if (err != RP_STORE_OK)
		rp_cred_reset(out);
	return err;
}

rp_store_err rp_store_cred_list(rp_store *s, int64_t user_id, rp_cred **out, size_t *n)
{
	rp_cred *list = NULL;
	size_t count = 0, cap = 0;
	sqlite3_stmt *st;
	rp_store_err err = RP_STORE_OK;
	int rc = SQLITE_OK;

	if (out == NULL || n == NULL)
		return RP_STORE_INVALID;
	*out = NULL;
	*n = 0;
	if (s == NULL)
		return RP_STORE_INVALID;
	st = use(s, Q_CRED_LIST, &rc);
	bind_int(st, 1, user_id, &rc);
	while (err == RP_STORE_OK && rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		if (count == cap) {
			size_t grown_cap = cap ? cap * 2 : 4;
			rp_cred *grown = realloc(list, grown_cap * sizeof(*list));
			if (grown == NULL) {
				err = RP_STORE_NOMEM;
				break;
			}
			list = grown;
			cap = grown_cap;
		}
		memset(&list[count], 0, sizeof(list[count]));
		count++;
		err = read_cred(st, &list[count - 1]);
	}
	if (err == RP_STORE_OK && rc != SQLITE_DONE)
		err = map_rc(rc);
	release(st);
	if (err != RP_STORE_OK) {
		rp_cred_list_free(list, count);
		return err;
	}
	*out = list;
	*n = count;
	return RP_STORE_OK;
}

void rp_cred_list_free(rp_cred *list, size_t n)
{
	if (list == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		rp_cred_reset(&list[i]);
	free(list);
}

rp_store_err rp_store_cred_update_use(rp_store *s, const uint8_t *id, size_t len,
                                      uint32_t sign_count, bool backup_state)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;

	if (s == NULL || !cred_id_ok(id, len))
		return RP_STORE_INVALID;
	st = use(s, Q_CRED_UPDATE_USE, &rc);
	bind_blob(st, 1, id, len, &rc);
	bind_int(st, 2, sign_count, &rc);
	bind_int(st, 3, backup_state, &rc);
	return tx_run_one(s, st, rc);
}

rp_store_err rp_store_cred_set_enabled(rp_store *s, const uint8_t *id, size_t len, bool enabled)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;

	if (s == NULL || !cred_id_ok(id, len))
		return RP_STORE_INVALID;
	st = use(s, Q_CRED_SET_ENABLED, &rc);
	bind_blob(st, 1, id, len, &rc);
	bind_int(st, 2, enabled, &rc);
	return tx_run_one(s, st, rc);
}

rp_store_err rp_store_cred_set_label(rp_store *s, const uint8_t *id, size_t len, const char *label)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;

	if (s == NULL || !cred_id_ok(id, len) || !str_ok(label, 0, RP_LABEL_MAX))
		return RP_STORE_INVALID;
	st = use(s, Q_CRED_SET_LABEL, &rc);
	bind_blob(st, 1, id, len, &rc);
	bind_text(st, 2, label, &rc);
	return tx_run_one(s, st, rc);
}

rp_store_err rp_store_cred_delete(rp_store *s, const uint8_t *id, size_t len)
{
	sqlite3_stmt *st;
	rp_store_err err;
	int rc = SQLITE_OK, changes = 0;

	if (s == NULL || !cred_id_ok(id, len))
		return RP_STORE_INVALID;
	if ((err = tx_begin(s)) != RP_STORE_OK)
		return err;
	/* The owner keeps a trace: "deleted" is not "never registered" (manual 3.8 vs 3.12). */
	st = use(s, Q_CRED_DELETED_MARK, &rc);
	bind_blob(st, 1, id, len, &rc);
	err = run(s, st, rc, NULL);
	if (err == RP_STORE_OK) {
		st = use(s, Q_CRED_DELETE, &rc);
		bind_blob(st, 1, id, len, &rc);
		err = run(s, st, rc, &changes);
		if (err == RP_STORE_OK && changes == 0)
			err = RP_STORE_NOT_FOUND;
	}
	return tx_end(s, err);
}

rp_store_err rp_store_user_had_device(rp_store *s, int64_t user_id, bool *out)
{
	sqlite3_stmt *st;
	rp_store_err err;
	int rc = SQLITE_OK;

	if (out == NULL)
		return RP_STORE_INVALID;
	*out = false;
	if (s == NULL || user_id <= 0)
		return RP_STORE_INVALID;
	st = use(s, Q_USER_HAD_DEVICE, &rc);
	bind_int(st, 1, user_id, &rc);
	if ((err = fetch(st, rc)) == RP_STORE_OK)
		*out = sqlite3_column_int64(st, 0) != 0;
	release(st);
	return err;
}

/* ---- records ---- */

#define RECORD_KIND_OK(kind) str_ok((kind), 1, sizeof(((rp_record *)0)->kind) - 1)
#define RECORD_KEY_OK(key)   str_ok((key), 1, sizeof(((rp_record *)0)->key) - 1)

void rp_record_reset(rp_record *r)
{
	if (r == NULL)
		return;
	free(r->value);
	memset(r, 0, sizeof(*r));
}

rp_store_err rp_store_record_put(rp_store *s, const char *kind, const char *key, const char *value,
                                 time_t created, time_t expires)
{
	sqlite3_stmt *st;
	rp_store_err err;
	int rc = SQLITE_OK;

	if (s == NULL || !RECORD_KIND_OK(kind) || !RECORD_KEY_OK(key) || value == NULL)
		return RP_STORE_INVALID;
	if ((err = tx_begin(s)) != RP_STORE_OK)
		return err;
	st = use(s, Q_REC_PUT, &rc);
	bind_text(st, 1, kind, &rc);
	bind_text(st, 2, key, &rc);
	bind_text(st, 3, value, &rc);
	bind_int(st, 4, (int64_t)created, &rc);
	bind_int(st, 5, (int64_t)expires, &rc);
	return tx_end(s, run(s, st, rc, NULL));
}

/* The live record (kind, key) at now into a zeroed out; the caller resets it on failure. */
static rp_store_err record_read(rp_store *s, const char *kind, const char *key, time_t now,
                                rp_record *out)
{
	int rc = SQLITE_OK;
	sqlite3_stmt *st = use(s, Q_REC_GET, &rc);
	rp_store_err err;

	bind_text(st, 1, kind, &rc);
	bind_text(st, 2, key, &rc);
	bind_int(st, 3, (int64_t)now, &rc);
	if ((err = fetch(st, rc)) == RP_STORE_OK) {
		const unsigned char *v = sqlite3_column_text(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 0);

		if (v == NULL)
			err = RP_STORE_NOMEM;
		else if ((out->value = malloc(n + 1)) == NULL)
			err = RP_STORE_NOMEM;
		else {
			memcpy(out->value, v, n);
			out->value[n] = '\0';
			strcpy(out->kind, kind);
			strcpy(out->key, key);
			out->created = (time_t)sqlite3_column_int64(st, 1);
			out->expires = (time_t)sqlite3_column_int64(st, 2);
		}
	}
	release(st);
	return err;
}

rp_store_err rp_store_record_get(rp_store *s, const char *kind, const char *key, time_t now,
                                 rp_record *out)
{
	rp_store_err err;

	if (out == NULL)
		return RP_STORE_INVALID;
	memset(out, 0, sizeof(*out));
	if (s == NULL || !RECORD_KIND_OK(kind) || !RECORD_KEY_OK(key))
		return RP_STORE_INVALID;
	if ((err = record_read(s, kind, key, now, out)) != RP_STORE_OK)
		rp_record_reset(out);
	return err;
}

rp_store_err rp_store_record_take(rp_store *s, const char *kind, const char *key, time_t now,
                                  rp_record *out)
{
	sqlite3_stmt *st;
	rp_store_err err;
	int rc = SQLITE_OK;

	if (out == NULL)
		return RP_STORE_INVALID;
	memset(out, 0, sizeof(*out));
	if (s == NULL || !RECORD_KIND_OK(kind) || !RECORD_KEY_OK(key))
		return RP_STORE_INVALID;
	if ((err = tx_begin(s)) != RP_STORE_OK)
		return err;
	/* Read and delete under the same write lock: only one taker sees the record. */
	err = record_read(s, kind, key, now, out);
	if (err == RP_STORE_OK) {
		st = use(s, Q_REC_DELETE, &rc);
		bind_text(st, 1, kind, &rc);
		bind_text(st, 2, key, &rc);
		err = run(s, st, rc, NULL);
	}
	if ((err = tx_end(s, err)) != RP_STORE_OK)
		rp_record_reset(out);
	return err;
}

rp_store_err rp_store_record_delete(rp_store *s, const char *kind, const char *key)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;

	if (s == NULL || !RECORD_KIND_OK(kind) || !RECORD_KEY_OK(key))
		return RP_STORE_INVALID;
	st = use(s, Q_REC_DELETE, &rc);
	bind_text(st, 1, kind, &rc);
	bind_text(st, 2, key, &rc);
	return tx_run_one(s, st, rc);
}

/* ---- sessions ---- */

rp_store_err rp_store_session_put(rp_store *s, const rp_session *session)
{
	sqlite3_stmt *st;
	rp_store_err err;
	int rc = SQLITE_OK;

	if (s == NULL || session == NULL || !FIELD_OK(session->id, 1) ||
	    !FIELD_OK(session->state, 0) || !FIELD_OK(session->challenge, 0))
		return RP_STORE_INVALID;
	if ((err = tx_begin(s)) != RP_STORE_OK)
		return err;
	st = use(s, Q_SES_PUT, &rc);
	bind_text(st, 1, session->id, &rc);
	bind_user(st, 2, session->user_id, &rc);
	bind_text(st, 3, session->state, &rc);
	bind_text(st, 4, session->challenge, &rc);
	bind_int(st, 5, (int64_t)session->created, &rc);
	bind_int(st, 6, (int64_t)session->expires, &rc);
	return tx_end(s, run(s, st, rc, NULL));
}

rp_store_err rp_store_session_get(rp_store *s, const char *id, time_t now, rp_session *out)
{
	sqlite3_stmt *st;
	rp_store_err err;
	int rc = SQLITE_OK;

	if (out == NULL)
		return RP_STORE_INVALID;
	memset(out, 0, sizeof(*out));
	if (s == NULL || !str_ok(id, 1, RP_SESSION_ID_MAX))
		return RP_STORE_INVALID;
	st = use(s, Q_SES_GET, &rc);
	bind_text(st, 1, id, &rc);
	bind_int(st, 2, (int64_t)now, &rc);
	if ((err = fetch(st, rc)) == RP_STORE_OK &&
	    (err = col_text(st, 0, out->id, sizeof(out->id))) == RP_STORE_OK &&
	    (err = col_text(st, 2, out->state, sizeof(out->state))) == RP_STORE_OK &&
	    (err = col_text(st, 3, out->challenge, sizeof(out->challenge))) == RP_STORE_OK) {
		out->user_id = sqlite3_column_int64(st, 1); /* NULL reads as 0: no user */
		out->created = (time_t)sqlite3_column_int64(st, 4);
		out->expires = (time_t)sqlite3_column_int64(st, 5);
	}
	release(st);
	if (err != RP_STORE_OK)
		memset(out, 0, sizeof(*out));
	return err;
}

rp_store_err rp_store_session_delete(rp_store *s, const char *id)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;

	if (s == NULL || !str_ok(id, 1, RP_SESSION_ID_MAX))
		return RP_STORE_INVALID;
	st = use(s, Q_SES_DELETE, &rc);
	bind_text(st, 1, id, &rc);
	return tx_run_one(s, st, rc);
}

/* ---- action codes ---- */

rp_store_err rp_store_code_issue(rp_store *s, const char *session_id, const char *code,
                                 const char *action, time_t issued, time_t expires)
{
	sqlite3_stmt *st;
	rp_store_err err;
	int rc = SQLITE_OK;

	if (s == NULL || !str_ok(session_id, 1, RP_SESSION_ID_MAX) ||
	    !str_ok(code, 1, RP_CODE_MAX) || !str_ok(action, 1, ACTION_MAX))
		return RP_STORE_INVALID;
	if ((err = tx_begin(s)) != RP_STORE_OK)
		return err;
	st = use(s, Q_CODE_INSERT, &rc);
	bind_text(st, 1, code, &rc);
	bind_text(st, 2, session_id, &rc);
	bind_text(st, 3, action, &rc);
	bind_int(st, 4, (int64_t)issued, &rc);
	bind_int(st, 5, (int64_t)expires, &rc);
	return tx_end(s, run(s, st, rc, NULL));
}

rp_store_err rp_store_code_take(rp_store *s, const char *session_id, const char *code,
                                const char *action, time_t now)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;

	if (s == NULL || !str_ok(session_id, 1, RP_SESSION_ID_MAX) ||
	    !str_ok(code, 1, RP_CODE_MAX) || !str_ok(action, 1, ACTION_MAX))
		return RP_STORE_INVALID;
	st = use(s, Q_CODE_TAKE, &rc);
	bind_text(st, 1, code, &rc);
	bind_text(st, 2, session_id, &rc);
	bind_text(st, 3, action, &rc);
	bind_int(st, 4, (int64_t)now, &rc);
	return tx_run_one(s, st, rc);
}

/* ---- QR tokens ---- */

rp_store_err rp_store_qr_issue(rp_store *s, const rp_qr *qr)
{
	sqlite3_stmt *st;
	rp_store_err err;
	int rc = SQLITE_OK;

	if (s == NULL || qr == NULL || !FIELD_OK(qr->token, 1) || !FIELD_OK(qr->kind, 1) ||
	    !FIELD_OK(qr->session_id, 0) || !FIELD_OK(qr->state, 0))
		return RP_STORE_INVALID;
	if ((err = tx_begin(s)) != RP_STORE_OK)
		return err;
	/* Only the newest CA registration or device-authentication QR of a user may be used. */
	if (qr->user_id != 0 &&
	    (strcmp(qr->kind, QR_KIND_CA) == 0 || strcmp(qr->kind, QR_KIND_DEVICE_AUTH) == 0)) {
		st = use(s, Q_QR_SUPERSEDE, &rc);
		bind_text(st, 1, qr->kind, &rc);
		bind_int(st, 2, qr->user_id, &rc);
		err = run(s, st, rc, NULL);
	}
	if (err == RP_STORE_OK) {
		st = use(s, Q_QR_INSERT, &rc);
		bind_text(st, 1, qr->token, &rc);
		bind_text(st, 2, qr->kind, &rc);
		bind_user(st, 3, qr->user_id, &rc);
		bind_text(st, 4, qr->session_id, &rc);
		bind_int(st, 5, (int64_t)qr->issued, &rc);
		bind_int(st, 6, (int64_t)qr->expires, &rc);
		bind_text(st, 7, qr->state[0] ? qr->state : "waiting", &rc);
		err = run(s, st, rc, NULL);
	}
	return tx_end(s, err);
}

rp_store_err rp_store_qr_get(rp_store *s, const char *token, rp_qr *out)
{
	sqlite3_stmt *st;
	rp_store_err err;
	int rc = SQLITE_OK;

	if (out == NULL)
		return RP_STORE_INVALID;
	memset(out, 0, sizeof(*out));
	if (s == NULL || !str_ok(token, 1, RP_QR_TOKEN_MAX))
		return RP_STORE_INVALID;
	st = use(s, Q_QR_GET, &rc);
	bind_text(st, 1, token, &rc);
	if ((err = fetch(st, rc)) == RP_STORE_OK &&
	    (err = col_text(st, 0, out->token, sizeof(out->token))) == RP_STORE_OK &&
	    (err = col_text(st, 1, out->kind, sizeof(out->kind))) == RP_STORE_OK &&
	    (err = col_text(st, 3, out->session_id, sizeof(out->session_id))) == RP_STORE_OK &&
	    (err = col_text(st, 8, out->state, sizeof(out->state))) == RP_STORE_OK) {
		out->user_id = sqlite3_column_int64(st, 2);
		out->issued = (time_t)sqlite3_column_int64(st, 4);
		out->expires = (time_t)sqlite3_column_int64(st, 5);
		out->superseded = sqlite3_column_int64(st, 6) != 0;
		out->consumed = sqlite3_column_int64(st, 7) != 0;
	}
	release(st);
	if (err != RP_STORE_OK)
		memset(out, 0, sizeof(*out));
	return err;
}

rp_store_err rp_store_qr_consume(rp_store *s, const char *token)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;

	if (s == NULL || !str_ok(token, 1, RP_QR_TOKEN_MAX))
		return RP_STORE_INVALID;
	st = use(s, Q_QR_CONSUME, &rc);
	bind_text(st, 1, token, &rc);
	return tx_run_one(s, st, rc);
}

rp_store_err rp_store_qr_set_state(rp_store *s, const char *token, const char *state)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;

	if (s == NULL || !str_ok(token, 1, RP_QR_TOKEN_MAX) ||
	    !str_ok(state, 1, sizeof(((rp_qr *)0)->state) - 1))
		return RP_STORE_INVALID;
	st = use(s, Q_QR_SET_STATE, &rc);
	bind_text(st, 1, token, &rc);
	bind_text(st, 2, state, &rc);
	return tx_run_one(s, st, rc);
}

rp_store_err rp_store_qr_register(rp_store *s, const char *token, const rp_cred *c,
                                  const char *state)
{
	sqlite3_stmt *st;
	rp_store_err err;
	int rc = SQLITE_OK, changes = 0;

	if (s == NULL || !str_ok(token, 1, RP_QR_TOKEN_MAX) || !cred_ok(c) ||
	    !str_ok(state, 1, sizeof(((rp_qr *)0)->state) - 1))
		return RP_STORE_INVALID;
	if ((err = tx_begin(s)) != RP_STORE_OK)
		return err;
	/* The token first: a used or superseded QR stores nothing. */
	st = use(s, Q_QR_CONSUME, &rc);
	bind_text(st, 1, token, &rc);
	err = run(s, st, rc, &changes);
	if (err == RP_STORE_OK && changes == 0)
		err = RP_STORE_NOT_FOUND;
	if (err == RP_STORE_OK) {
		st = use(s, Q_QR_SET_STATE, &rc);
		bind_text(st, 1, token, &rc);
		bind_text(st, 2, state, &rc);
		err = run(s, st, rc, NULL);
	}
	if (err == RP_STORE_OK)
		err = cred_insert(s, c);
	return tx_end(s, err);
}
