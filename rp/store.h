/*
 * The mock platform's store: SQLite on disk (WAL, schema versioned). Users by
 * 本人ID, WebAuthn credentials, authentication sessions with single-use action
 * codes, QR tokens and cross-device authentication state. Every mutating call
 * runs in a transaction: a failure changes nothing.
 *
 * Conventions of every call: an out parameter is overwritten on entry (reset it
 * first if it owns memory) and left zeroed on failure; an UPDATE or DELETE that
 * matches nothing is RP_STORE_NOT_FOUND; "expires 0" means never, otherwise a
 * row is alive while now < expires. One rp_store may be used from several threads at
 * once: they share its one SQLite connection, one call or one transaction at a time (a call
 * holds it microseconds); a write that finds another process writing waits with the
 * connection let go, so this process's reads go on. rp_store_close only when no other thread
 * still uses it.
 *
 * Durability: WAL with synchronous=NORMAL. A call that returned OK survives the process being
 * killed (kill -9); after a power loss or an operating system crash the last transactions
 * may be missing (the file stays consistent). RP_STORE_THROWAWAY stores do not sync at all.
 *
 * Ownership, as libfido2's types: a struct that holds memory (rp_cred's blobs, rp_record's
 * value) always owns it; whoever fills one copies into it (wa_blob_set), never lends a
 * pointer. T_reset frees what a T owns and zeroes it; T_free(T **) frees what the store
 * allocated and NULLs the caller's pointer. States are enums (rp/states.h); the store keeps
 * their names as text.
 */
#ifndef KAGURA_RP_STORE_H
#define KAGURA_RP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "rp/states.h"
#include "webauthn/blob.h"

/* The file carries PRAGMA user_version = this and application_id 0x4B475253 ("KGRS"). */
#define RP_STORE_SCHEMA_VERSION 1

typedef enum rp_store_err {
	RP_STORE_OK,
	RP_STORE_NOT_FOUND,
	RP_STORE_EXISTS,  /* unique key already taken */
	RP_STORE_INVALID, /* argument out of its limits (lengths, empty ids) */
	RP_STORE_IO,      /* SQLite could not open, read or write */
	RP_STORE_SCHEMA,  /* the file holds another schema version, or is not a store */
	RP_STORE_NOMEM,
	RP_STORE_IN_USE, /* an RP_STORE_OWNED open found the file owned by another process */
	RP_STORE__COUNT
} rp_store_err;

const char *rp_store_strerr(rp_store_err err);

typedef struct rp_store rp_store; /* opaque: one sqlite3 connection */

/*
 * Opens (creating when missing or empty) the store at path; "" or NULL is not
 * allowed. A file that is not SQLite, or holds another schema, is RP_STORE_SCHEMA
 * and left untouched. A store of this schema version must still hold every table,
 * column and index this version creates (one dropped or renamed is RP_STORE_SCHEMA), except
 * the indexes added later within this version (store_sql.c), which the open creates.
 */
rp_store_err rp_store_open(const char *path, rp_store **out);

/* rp_store_open_ex flags. */
enum {
	/* A temporary store, removed when its process ends: nothing is synced to disk (a
	 * crash loses it anyway). */
	RP_STORE_THROWAWAY = 1u << 0,
	/*
	 * The process owns the file while it is open (kagura-rp serve): no other RP_STORE_OWNED
	 * open of it succeeds meanwhile (RP_STORE_IN_USE; an flock on the empty file
	 * path RP_STORE_OWNER_SUFFIX beside it, which the close removes and a killed process
	 * leaves behind, harmless), and users with their credentials are kept in memory as they
	 * were last committed (rp_store_user_creds). Other programs may still read the file, and
	 * take its write lock; what they change in users or credentials is seen once the user's
	 * entry is evicted or the process restarts.
	 */
	RP_STORE_OWNED = 1u << 1,
};
/* Beside an owned store: the empty file whose flock says who owns it (removed at close). */
#define RP_STORE_OWNER_SUFFIX "-owner"

/*
 * rp_store_open with flags (RP_STORE_*); why (may be NULL) receives, when the open fails,
 * what was wrong in words ("table credentials has no column sign_count", "not a SQLite
 * file"), without the path.
 */
rp_store_err rp_store_open_ex(const char *path, unsigned flags, char *why, size_t why_size,
                              rp_store **out);
void rp_store_close(rp_store *s);

/* ---- users (本人ID = user name, display name, enabled) ---- */
#define RP_USER_NAME_MAX    64
#define RP_DISPLAY_NAME_MAX 128

typedef struct rp_user {
	int64_t id;
	char name[RP_USER_NAME_MAX + 1]; /* 本人ID */
	char display_name[RP_DISPLAY_NAME_MAX + 1];
	uint8_t handle[16]; /* WebAuthn user.id, random */
	bool enabled;
} rp_user;

/* name 1..RP_USER_NAME_MAX bytes, display_name 0..RP_DISPLAY_NAME_MAX; enabled; out may be NULL. */
rp_store_err rp_store_user_create(rp_store *s, const char *name, const char *display_name,
                                  rp_user *out);
rp_store_err rp_store_user_by_name(rp_store *s, const char *name, rp_user *out);
/* handle 1..64 bytes (WebAuthn user.id); another length than ours finds nothing. */
rp_store_err rp_store_user_by_handle(rp_store *s, const uint8_t *handle, size_t len, rp_user *out);
/* By the store's own id (rp_user.id, what sessions and QR tokens keep); id > 0. */
rp_store_err rp_store_user_by_id(rp_store *s, int64_t id, rp_user *out);
rp_store_err rp_store_user_set_enabled(rp_store *s, const char *name, bool enabled);

/* ---- credentials ---- */
#define RP_LABEL_MAX 128

typedef struct rp_cred {
	int64_t user_id;
	wa_blob id;         /* credential id (owned) */
	wa_blob public_key; /* COSE key (owned) */
	int64_t alg;
	uint32_t sign_count;
	uint8_t aaguid[16];
	char transports[64]; /* comma-joined */
	char label[RP_LABEL_MAX + 1];
	char fmt[32];
	bool backup_eligible;
	bool backup_state;
	bool enabled;
	time_t created;
} rp_cred;

void rp_cred_reset(rp_cred *c);
/* dst becomes a copy of src with blobs of its own (dst's old content is not freed); on failure
 * (RP_STORE_NOMEM) dst is empty. */
rp_store_err rp_cred_copy(rp_cred *dst, const rp_cred *src);
/*
 * RP_STORE_EXISTS when the credential id is registered already (to anyone);
 * RP_STORE_NOT_FOUND when user_id names no user. Id 1..1023 bytes, public key
 * non-empty.
 */
rp_store_err rp_store_cred_add(rp_store *s, const rp_cred *c);
/*
 * A user as rp_store_user_create makes one, with the caller's WebAuthn user.id instead of a
 * random one (the handle an options call already sent) and, when first is not NULL, the user's
 * first credential (its user_id is ignored) in the same transaction: the conformance API
 * creates its user only once the registration verified, and never one without that credential.
 * RP_STORE_EXISTS when the name, the handle or the credential id is taken (nothing stored).
 */
rp_store_err rp_store_user_create_handle(rp_store *s, const char *name, const char *display_name,
                                         const uint8_t handle[16], const rp_cred *first,
                                         rp_user *out);
rp_store_err rp_store_cred_by_id(rp_store *s, const uint8_t *id, size_t len, rp_cred *out);
/*
 * Whether a credential id is registered (to anyone): OK when it is, NOT_FOUND when it is not
 * (an id longer than the store could hold included); any other result is a failure to tell.
 */
rp_store_err rp_store_cred_exists(rp_store *s, const uint8_t *id, size_t len);
/* The user's credentials, oldest first; *out is a malloc'd array the caller frees with
 * rp_cred_list_free. No credentials (or no such user): OK with *out NULL, *n 0. */
rp_store_err rp_store_cred_list(rp_store *s, int64_t user_id, rp_cred **out, size_t *n);
/* Frees the n credentials of *list and the array; *list becomes NULL. */
void rp_cred_list_free(rp_cred **list, size_t n);
/* After a verified assertion: the new counter and backup state. */
rp_store_err rp_store_cred_update_use(rp_store *s, const uint8_t *id, size_t len,
                                      uint32_t sign_count, bool backup_state);
rp_store_err rp_store_cred_set_enabled(rp_store *s, const uint8_t *id, size_t len, bool enabled);
rp_store_err rp_store_cred_set_label(rp_store *s, const uint8_t *id, size_t len, const char *label);
/* Also records, in the same transaction, that its owner had a device (see user_had_device). */
rp_store_err rp_store_cred_delete(rp_store *s, const uint8_t *id, size_t len);
/*
 * Whether the user ever registered a device: a credential of theirs is stored
 * (enabled or not), or one was deleted. Tells "never registered" (manual 3.12)
 * from "registered, then disabled or deleted" (3.8).
 */
rp_store_err rp_store_user_had_device(rp_store *s, int64_t user_id, bool *out);

/*
 * The user named name (1..RP_USER_NAME_MAX bytes), with their credentials oldest first, as last
 * committed, in one snapshot: what an assertion reads. An RP_STORE_OWNED store answers from
 * memory when it has read or written the user lately: no SQLite, no wait for a batch's commit.
 * cred_id NULL: every credential; otherwise only that one when it is the user's (*n 0 when it
 * is not, whoever's it is). *list is the caller's (rp_cred_list_free); NULL with *n 0 when
 * empty. NOT_FOUND when no user has the name. Not for use inside a transaction: it answers
 * what is committed, from memory, or RP_STORE_INVALID when it has to read the file there.
 */
rp_store_err rp_store_user_creds(rp_store *s, const char *name, const uint8_t *cred_id,
                                 size_t cred_id_len, rp_user *user, rp_cred **list, size_t *n);

/*
 * Runs reads (store calls only, never other work: the store is held throughout) in one read
 * transaction: they see one snapshot, and pay for one transaction instead of one each.
 * Returns what reads returned, or the failure to begin or end the transaction. A write or
 * another rp_store_read among them is refused (RP_STORE_INVALID), as is this call inside a
 * transaction of the same thread.
 */
rp_store_err rp_store_read(rp_store *s, rp_store_err (*reads)(rp_store *s, void *ctx), void *ctx);

/*
 * Writes committed together (group commit): one transaction, one COMMIT, for writes that would
 * each have made their own. Each write's run calls the store's own calls (never other work:
 * the store is held throughout); its transactions become savepoints of the batch, and a write
 * whose run returns an error is undone alone, the others kept. result is what run returned;
 * when the batch is not committed (the COMMIT fails, SQLite rolls the whole transaction back, a
 * write cannot be undone alone) every write gets that failure. Returns the COMMIT's outcome.
 */
typedef struct rp_store_write {
	rp_store_err (*run)(rp_store *s, void *ctx);
	void *ctx;
	rp_store_err result; /* set by rp_store_write_batch */
} rp_store_write;
rp_store_err rp_store_write_batch(rp_store *s, rp_store_write *writes, size_t n);

/* ---- key/value records with an expiry: challenges, sessions, codes, QR tokens ----
 * One generic table keyed by (kind, key): the flows keep their state as small JSON
 * documents, so adding a flow adds no schema. */
typedef struct rp_record {
	char kind[32];
	char key[128];
	char *value; /* JSON text (owned) */
	time_t created;
	time_t expires; /* 0: never */
} rp_record;

void rp_record_reset(rp_record *r);
/* Inserts or replaces; kind 1..31 bytes, key 1..127 bytes (their buffers). */
rp_store_err rp_store_record_put(rp_store *s, const char *kind, const char *key, const char *value,
                                 time_t created, time_t expires);
/* RP_STORE_NOT_FOUND when absent or expired at now. */
rp_store_err rp_store_record_get(rp_store *s, const char *kind, const char *key, time_t now,
                                 rp_record *out);
/* Deletes and returns in one transaction (single-use codes); NOT_FOUND when absent/expired. */
rp_store_err rp_store_record_take(rp_store *s, const char *kind, const char *key, time_t now,
                                  rp_record *out);
rp_store_err rp_store_record_delete(rp_store *s, const char *kind, const char *key);

/* ---- authentication sessions: one per browser (the AUTH_SESSION_ID cookie) ---- */
#define RP_SESSION_ID_MAX 64

typedef struct rp_session {
	char id[RP_SESSION_ID_MAX + 1];
	int64_t user_id;      /* the user this browser session already holds; 0 none */
	rp_session_step step; /* the flow step the session is at */
	char challenge[128];  /* base64url challenge of the pending ceremony, "" none */
	time_t created;
	time_t expires;
} rp_session;

/* Inserts or updates (the session's codes stay); user_id must name a user or be 0. */
rp_store_err rp_store_session_put(rp_store *s, const rp_session *session);
/* NOT_FOUND when absent or expired at now. */
rp_store_err rp_store_session_get(rp_store *s, const char *id, time_t now, rp_session *out);
/* Deletes the session and its action codes. */
rp_store_err rp_store_session_delete(rp_store *s, const char *id);

/* ---- single-use action codes (Keycloak's session_code), bound to a session and an action ---- */
#define RP_CODE_MAX 64

/*
 * code 1..RP_CODE_MAX bytes, unique (RP_STORE_EXISTS); action 1..64 bytes; the
 * session must exist (RP_STORE_NOT_FOUND).
 */
rp_store_err rp_store_code_issue(rp_store *s, const char *session_id, const char *code,
                                 const char *action, time_t issued, time_t expires);
/*
 * Consumes the code: OK once; a second use, another session, another action or
 * an expired code is NOT_FOUND (the 405 / "Page has expired" cases). A code of
 * an expired session is expired too. Only a successful take consumes.
 */
rp_store_err rp_store_code_take(rp_store *s, const char *session_id, const char *code,
                                const char *action, time_t now);

/* ---- QR tokens: CA registration, PC registration, device authentication ---- */
#define RP_QR_TOKEN_MAX 64

typedef struct rp_qr {
	char token[RP_QR_TOKEN_MAX + 1];
	rp_qr_kind kind;
	int64_t user_id;                        /* 0 when the QR names no user yet */
	char session_id[RP_SESSION_ID_MAX + 1]; /* the PC session that shows it, "" none */
	time_t issued;
	time_t expires;
	bool superseded;   /* a newer QR of the same kind for the same user exists */
	bool consumed;     /* the phone has used it */
	rp_qr_state state; /* the cross-device exchange's */
} rp_qr;

/*
 * Stores a new token; in the same transaction a ca-registration token supersedes the user's
 * earlier unconsumed ones of its kind, and a device-auth token those of its kind for the same
 * user shown by the same PC session (qr->session_id): a reload, never another browser naming
 * the user. The new token is neither superseded nor consumed whatever qr says. user_id must
 * name a user or be 0.
 */
rp_store_err rp_store_qr_issue(rp_store *s, const rp_qr *qr);
/* Whatever its expiry: the caller judges expires, superseded and consumed. */
rp_store_err rp_store_qr_get(rp_store *s, const char *token, rp_qr *out);
/* Single use: OK once; a consumed or superseded token is NOT_FOUND. Expiry: the caller's check. */
rp_store_err rp_store_qr_consume(rp_store *s, const char *token);
rp_store_err rp_store_qr_set_state(rp_store *s, const char *token, rp_qr_state state);
/*
 * A device registered from token: consumes the token, sets its state and adds
 * the credential c in one transaction. NOT_FOUND (nothing stored) when the
 * token is unknown, consumed or superseded or c's user does not exist; EXISTS
 * when the credential id is registered already. Expiry: the caller's check.
 */
rp_store_err rp_store_qr_register(rp_store *s, const char *token, const rp_cred *c,
                                  rp_qr_state state);

/* ---- expiry: what a purge removed ---- */

typedef struct rp_store_purged {
	int sessions, codes, records, qr_tokens;
} rp_store_purged;

/*
 * Deletes in one transaction what has expired at now: sessions (and their codes), codes,
 * records with an expiry, and QR tokens expired for qr_grace seconds or longer (a flow may still
 * read an expired token's state: the PC's page, the phone's pending registration). Rows that
 * never expire ("expires 0") stay. out (may be NULL) gets the rows deleted.
 */
rp_store_err rp_store_purge(rp_store *s, time_t now, time_t qr_grace, rp_store_purged *out);

#endif
