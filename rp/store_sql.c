/* The store's SQL: the schema and every statement, each bound, never built from data. */
#include "rp/store_impl.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

/* Lengths are bytes (CAST AS BLOB): SQLite's length() of TEXT counts characters. */
#define BYTES(col) "length(CAST(" col " AS BLOB))"
#define BOOL(col)  col " INTEGER NOT NULL CHECK (" col " IN (0, 1))"

/*
 * Indexes added within schema version 1, created by every open once the file passed the check
 * against store_schema_sql (or was made by that open from it), so a store made before them gets
 * them. The purge finds what expired through them, not by reading every row; partial, so rows
 * that never expire ("expires 0") are not in them at all.
 */
/* clang-format off */
#define STORE_LATER_INDEXES \
	"CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions(expires) WHERE expires <> 0;" \
	"CREATE INDEX IF NOT EXISTS codes_by_expiry ON codes(expires) WHERE expires <> 0;" \
	"CREATE INDEX IF NOT EXISTS records_by_expiry ON records(expires) WHERE expires <> 0;" \
	"CREATE INDEX IF NOT EXISTS qr_tokens_by_expiry ON qr_tokens(expires) WHERE expires <> 0;"
/* clang-format on */

/* Changing a table or a CHECK limit needs RP_STORE_SCHEMA_VERSION bumped; one column a line. */
/* clang-format off */
const char store_schema_sql[] =
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

const char store_later_indexes_sql[] = STORE_LATER_INDEXES;
/* clang-format on */

/* "expires 0: never"; otherwise a row is alive while now < expires. */
#define ALIVE(col, now) "(" col " = 0 OR " col " > " now ")"
/* NOT ALIVE, written as the *_by_expiry indexes' own condition so the purge searches them. */
#define EXPIRED(col, now) "(" col " <> 0 AND " col " <= " now ")"

/* An upsert, never INSERT OR REPLACE: REPLACE deletes the row first, which fires deletes and
 * cascades (a session's codes). key is the conflict target, set what an existing row takes. */
#define UPSERT(table_cols, values, key, set) \
	"INSERT INTO " table_cols " VALUES (" values ") ON CONFLICT (" key ") DO UPDATE SET " set

#define USER_COLS "id, name, display_name, handle, enabled"
#define CRED_COLS                                                                    \
	"user_id, id, public_key, alg, sign_count, aaguid, transports, label, fmt, " \
	"backup_eligible, backup_state, enabled, created"

/* clang-format off */
const char *const store_sql_text[Q__COUNT] = {
	[Q_BEGIN] = "BEGIN IMMEDIATE",
	[Q_BEGIN_READ] = "BEGIN",
	[Q_COMMIT] = "COMMIT",
	[Q_ROLLBACK] = "ROLLBACK",
	[Q_SAVEPOINT] = "SAVEPOINT write",
	[Q_ROLLBACK_TO] = "ROLLBACK TO write",
	[Q_RELEASE] = "RELEASE write",
	[Q_USER_INSERT] = "INSERT INTO users (name, display_name, handle, enabled) "
	                  "VALUES (?1, ?2, ?3, 1)",
	[Q_USER_BY_NAME] = "SELECT " USER_COLS " FROM users WHERE name = ?1",
	[Q_USER_BY_HANDLE] = "SELECT " USER_COLS " FROM users WHERE handle = ?1",
	[Q_USER_BY_ID] = "SELECT " USER_COLS " FROM users WHERE id = ?1",
	[Q_USER_SET_ENABLED] = "UPDATE users SET enabled = ?2 WHERE name = ?1",
	[Q_CRED_INSERT] = "INSERT INTO credentials (" CRED_COLS ") "
	                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[Q_CRED_BY_ID] = "SELECT " CRED_COLS " FROM credentials WHERE id = ?1",
	[Q_CRED_EXISTS] = "SELECT 1 FROM credentials WHERE id = ?1",
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
	[Q_REC_PUT] = UPSERT("records (kind, key, value, created, expires)", "?1, ?2, ?3, ?4, ?5",
	                     "kind, key", "value = excluded.value, created = excluded.created, "
	                                  "expires = excluded.expires"),
	[Q_REC_GET] = "SELECT value, created, expires FROM records "
	              "WHERE kind = ?1 AND key = ?2 AND " ALIVE("expires", "?3"),
	[Q_REC_DELETE] = "DELETE FROM records WHERE kind = ?1 AND key = ?2",
	[Q_SES_PUT] = UPSERT("sessions (id, user_id, state, challenge, created, expires)",
	                     "?1, ?2, ?3, ?4, ?5, ?6", "id",
	                     "user_id = excluded.user_id, state = excluded.state, "
	                     "challenge = excluded.challenge, created = excluded.created, "
	                     "expires = excluded.expires"),
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
	/* A device-auth QR supersedes only what its own PC page showed (a reload). */
	[Q_QR_SUPERSEDE_SESSION] = "UPDATE qr_tokens SET superseded = 1 WHERE kind = ?1 "
	                           "AND user_id = ?2 AND session_id = ?3 AND consumed = 0 "
	                           "AND superseded = 0",
	/* The purge (rp_store_purge): what is no longer ALIVE at ?1. An expired session's codes
	 * go first, so they are counted (the cascade would delete them unseen). */
	[Q_PURGE_SESSION_CODES] = "DELETE FROM codes WHERE session_id IN (SELECT id FROM "
	                          "sessions WHERE " EXPIRED("expires", "?1") ")",
	[Q_PURGE_SESSIONS] = "DELETE FROM sessions WHERE " EXPIRED("expires", "?1"),
	[Q_PURGE_CODES] = "DELETE FROM codes WHERE " EXPIRED("expires", "?1"),
	[Q_PURGE_RECORDS] = "DELETE FROM records WHERE " EXPIRED("expires", "?1"),
	[Q_PURGE_QR_TOKENS] = "DELETE FROM qr_tokens WHERE " EXPIRED("expires", "?1"),
};
/* clang-format on */
