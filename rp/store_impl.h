/*
 * What the store's files share (rp/store*.c, not for anyone else): the connection, its cached
 * statements, and the helpers every call is written with. The SQL is rp/store_sql.c.
 */
#ifndef KAGURA_RP_STORE_IMPL_H
#define KAGURA_RP_STORE_IMPL_H

#include <pthread.h>
#include <sqlite3.h>

#include "rp/store.h"

/* The file's PRAGMA application_id: 0x4B475253, "KGRS", a kagura rp store. */
#define STORE_APP_ID 1262965331
/* A statement waits this long for another process's writer; a transaction's start, as long. */
#define STORE_BUSY_MS 5000
#define CRED_ID_MAX   1023
/* Limits of rp_store_code_* arguments the header gives no macro for. */
#define ACTION_MAX 64
/* WebAuthn user.id is at most 64 bytes; ours are 16. */
#define HANDLE_MAX 64
/* A state's name as stored (rp/states.h): longer text is not one this store wrote. */
#define STATE_NAME_MAX 32
/* The per-user trace a deleted credential leaves (records). */
#define CRED_DELETED_KIND "cred-deleted"

/* The statements, each one SQL text of store_sql_text. */
enum q {
	Q_BEGIN,
	Q_BEGIN_READ,
	Q_COMMIT,
	Q_ROLLBACK,
	Q_SAVEPOINT,
	Q_ROLLBACK_TO,
	Q_RELEASE,
	Q_USER_INSERT,
	Q_USER_BY_NAME,
	Q_USER_BY_HANDLE,
	Q_USER_BY_ID,
	Q_USER_SET_ENABLED,
	Q_CRED_INSERT,
	Q_CRED_BY_ID,
	Q_CRED_EXISTS,
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
	Q_QR_SUPERSEDE_SESSION,
	Q_PURGE_SESSION_CODES,
	Q_PURGE_SESSIONS,
	Q_PURGE_CODES,
	Q_PURGE_RECORDS,
	Q_PURGE_QR_TOKENS,
	Q__COUNT
};

extern const char *const store_sql_text[Q__COUNT];
/* The schema a new store file gets, and what an existing one is checked against. */
extern const char store_schema_sql[];
/* Indexes added later within this schema version (IF NOT EXISTS): every open creates them. */
extern const char store_later_indexes_sql[];

/* The store's connection to its file, with its cached statements. */
typedef struct store_conn {
	sqlite3 *db;
	sqlite3_stmt *stmt[Q__COUNT]; /* prepared on first use */
	bool in_tx;                   /* inside store_tx_begin .. store_tx_end */
} store_conn;

/*
 * One connection, used by one call (or one transaction) at a time, behind lock, so its page
 * cache stays valid between the handlers' calls (a connection that sees another's commit drops
 * its cache). A call holds the lock a few microseconds (no verification runs inside one); the
 * checkpoints run on a connection of their own, outside it.
 */
struct rp_store {
	char *path;
	bool throwaway; /* RP_STORE_THROWAWAY: no fsync */
	/* Recursive: store_use inside the thread's own transaction reenters it. Owns conn's use. */
	pthread_mutex_t lock;
	unsigned held; /* how deep lock is held (by its holder; read under it) */
	/* Under lock: a write batch runs (rp_store_write_batch); a write's own transaction has its
	 * savepoint open (they do not nest); lost: the batch cannot be committed as it stands. */
	bool batch, in_savepoint, batch_lost;
	store_conn *conn; /* never NULL in a store rp_store_open_ex returned */
	/* Runs the WAL's checkpoints (rp/store_checkpoint.c); NULL: the connection's own. */
	struct store_checkpointer *checkpointer;
	/* RP_STORE_OWNED: users kept in memory (rp/store_cache.h), and the flock on owner_path
	 * (path + RP_STORE_OWNER_SUFFIX) held on owner_fd (-1 otherwise). */
	struct store_cache *cache;
	char *owner_path;
	int owner_fd;
	/* Under lock: counter updates and new users of the open transaction, for the cache at its
	 * COMMIT (store_note_use, store_note_new_user); savepoint_mark: how many there were when a
	 * write's savepoint began. */
	struct store_note *notes;
	size_t n_notes, cap_notes, savepoint_mark;
};

/* ---- the kept users (rp/store_cache.h), told of each write ---- */

/* A counter update in the open transaction, for the cache once it commits (lock held). */
void store_note_use(rp_store *s, const uint8_t *id, size_t len, uint32_t sign_count,
                    bool backup_state);
/* A user created in the open transaction, with their first credential (NULL: none), kept as
 * their first read would find them once it commits (lock held). */
void store_note_new_user(rp_store *s, const rp_user *user, const rp_cred *first);

/* ---- checkpoints off the request path (rp/store_checkpoint.c) ---- */

typedef struct store_checkpointer store_checkpointer;
/* Its thread and connection to the store at path, started; NULL when they could not be. */
store_checkpointer *store_checkpointer_start(const char *path, bool throwaway);
/* Stops the thread, closes its connection, frees it and NULLs *k. */
void store_checkpointer_stop(store_checkpointer **k);
/* sqlite3_wal_hook's callback (arg: the checkpointer): signals when a checkpoint is due. */
int store_wal_hook(void *arg, sqlite3 *db, const char *name, int frames);

/* SQLite's (extended) result code as the store's error. */
rp_store_err store_map_rc(int rc);

/* ---- argument limits ---- */

/* Zeroes the caller's out parameter (size bytes); false when there is none to fill. */
bool store_clear(void *out, size_t size);

/* A C string of min..max bytes. */
bool store_str_ok(const char *v, size_t min, size_t max);
/* A char array field: terminated inside its buffer, at least min bytes. */
#define FIELD_OK(arr, min) store_str_ok((arr), (min), sizeof(arr) - 1)
bool store_cred_id_ok(const uint8_t *id, size_t len);

/* ---- statements: the binders skip once *rc holds an error, so a call site checks once ---- */

/* The store's lock (rp_store.lock), for a call's statements or a transaction. */
void store_lock(rp_store *s);
void store_unlock(rp_store *s);
/*
 * The cached statement q, prepared on first use, with the store's lock held until
 * store_release; NULL (lock not held) with *rc set on failure.
 */
sqlite3_stmt *store_use(rp_store *s, enum q q, int *rc);
/* store_use with ?1..?3 bound to the texts a, b, c (a code's code, session and action). */
sqlite3_stmt *store_use_texts(rp_store *s, enum q q, const char *a, const char *b, const char *c,
                              int *rc);
/* Ready for the next use; no binding keeps pointing at the caller's memory; the lock let go. */
void store_release(rp_store *s, sqlite3_stmt *st);
void store_bind_text(sqlite3_stmt *st, int i, const char *v, int *rc);
void store_bind_blob(sqlite3_stmt *st, int i, const void *v, size_t len, int *rc);
void store_bind_int(sqlite3_stmt *st, int i, int64_t v, int *rc);
/* 0 (no user) is stored as NULL so the foreign key only checks real users. */
void store_bind_user(sqlite3_stmt *st, int i, int64_t user_id, int *rc);
/* Runs a statement that returns no rows; *changes (may be NULL) gets the rows it changed. */
rp_store_err store_run(rp_store *s, sqlite3_stmt *st, int rc, int *changes);
/* Steps a query once: OK with a row, NOT_FOUND without; the caller releases st. */
rp_store_err store_fetch(sqlite3_stmt *st, int rc);
/*
 * Starts a one-row read by a text key: out (size bytes) zeroed, key (1..max bytes) bound as ?1
 * of q into *st; INVALID, nothing prepared, when the arguments are out of their limits.
 */
rp_store_err store_get_by_key(rp_store *s, enum q q, const char *key, size_t max, void *out,
                              size_t size, sqlite3_stmt **st, int *rc);
/* Ends a one-row read: st ready for its next use, out zeroed unless err is OK. */
rp_store_err store_row_done(rp_store *s, sqlite3_stmt *st, rp_store_err err, void *out,
                            size_t size);

/* ---- transactions ---- */

/*
 * BEGIN IMMEDIATE, the store's lock held until store_tx_end (waited for as long as SQLite's
 * busy timeout; then RP_STORE_IO, as SQLITE_BUSY is). Transactions do not nest and start before
 * their statements are taken (RP_STORE_INVALID otherwise).
 */
rp_store_err store_tx_begin(rp_store *s);
/* Commits when err is OK, else (or when COMMIT fails) rolls back; returns the outcome. Only after
 * a store_tx_begin that returned OK, or one that failed while no transaction was open. */
rp_store_err store_tx_end(rp_store *s, rp_store_err err);
/* One UPDATE/DELETE inside the caller's transaction; NOT_FOUND when it matched no row. */
rp_store_err store_run_one(rp_store *s, sqlite3_stmt *st, int rc);
/* A row of three texts, from and until (records, codes): q's ?1..?5, in its own transaction. */
rp_store_err store_put_timed(rp_store *s, enum q q, const char *a, const char *b, const char *c,
                             time_t from, time_t until);
/* One UPDATE or DELETE q whose only argument is key (1..max bytes), in its own transaction. */
rp_store_err store_run_by_key(rp_store *s, enum q q, const char *key, size_t max);

/* ---- columns ---- */

/* Copies a TEXT column into buf; a value that cannot fit is not one this store wrote. */
rp_store_err store_col_text(sqlite3_stmt *st, int i, char *buf, size_t size);
rp_store_err store_col_blob(sqlite3_stmt *st, int i, wa_blob *out);
rp_store_err store_col_fixed(sqlite3_stmt *st, int i, uint8_t *out, size_t len);

/* ---- credentials, for the QR registration's transaction ---- */

bool store_cred_ok(const rp_cred *c);
/* The INSERT of a checked credential, inside the caller's transaction. */
rp_store_err store_cred_insert(rp_store *s, const rp_cred *c);

#endif
