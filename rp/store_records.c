/* Short-lived rows of the store (rp/store.h): records, sessions, single-use codes. */
#include "rp/store_impl.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "webauthn/arraylen.h"

/* ---- records ---- */

#define RECORD_KIND_OK(kind) store_str_ok((kind), 1, sizeof(((rp_record *)0)->kind) - 1)
#define RECORD_KEY_OK(key)   store_str_ok((key), 1, sizeof(((rp_record *)0)->key) - 1)

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
	if (s == NULL || !RECORD_KIND_OK(kind) || !RECORD_KEY_OK(key) || value == NULL)
		return RP_STORE_INVALID;
	return store_put_timed(s, Q_REC_PUT, kind, key, value, created, expires);
}

/* The live record (kind, key) at now into a zeroed out; the caller resets it on failure. */
static rp_store_err record_read(rp_store *s, const char *kind, const char *key, time_t now,
                                rp_record *out)
{
	int rc = SQLITE_OK;
	sqlite3_stmt *st = store_use(s, Q_REC_GET, &rc);
	rp_store_err err;

	store_bind_text(st, 1, kind, &rc);
	store_bind_text(st, 2, key, &rc);
	store_bind_int(st, 3, (int64_t)now, &rc);
	if ((err = store_fetch(st, rc)) == RP_STORE_OK) {
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
	store_release(s, st);
	return err;
}

rp_store_err rp_store_record_get(rp_store *s, const char *kind, const char *key, time_t now,
                                 rp_record *out)
{
	rp_store_err err;

	if (!store_clear(out, sizeof(*out)))
		return RP_STORE_INVALID;
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

	if (!store_clear(out, sizeof(*out)))
		return RP_STORE_INVALID;
	if (s == NULL || !RECORD_KIND_OK(kind) || !RECORD_KEY_OK(key))
		return RP_STORE_INVALID;
	if ((err = store_tx_begin(s)) != RP_STORE_OK)
		return err;
	/* Read and delete in one transaction (the store's lock held): only one taker sees the
	 * record. */
	err = record_read(s, kind, key, now, out);
	if (err == RP_STORE_OK) {
		st = store_use(s, Q_REC_DELETE, &rc);
		store_bind_text(st, 1, kind, &rc);
		store_bind_text(st, 2, key, &rc);
		err = store_run(s, st, rc, NULL);
	}
	if ((err = store_tx_end(s, err)) != RP_STORE_OK)
		rp_record_reset(out);
	return err;
}

rp_store_err rp_store_record_delete(rp_store *s, const char *kind, const char *key)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;
	rp_store_err err;

	if (s == NULL || !RECORD_KIND_OK(kind) || !RECORD_KEY_OK(key))
		return RP_STORE_INVALID;
	if ((err = store_tx_begin(s)) != RP_STORE_OK)
		return err;
	st = store_use(s, Q_REC_DELETE, &rc);
	store_bind_text(st, 1, kind, &rc);
	store_bind_text(st, 2, key, &rc);
	return store_tx_end(s, store_run_one(s, st, rc));
}

/* ---- sessions ---- */

rp_store_err rp_store_session_put(rp_store *s, const rp_session *session)
{
	const char *step = session != NULL ? rp_session_step_name(session->step) : NULL;
	sqlite3_stmt *st;
	rp_store_err err;
	int rc = SQLITE_OK;

	if (s == NULL || step == NULL || !FIELD_OK(session->id, 1) ||
	    !FIELD_OK(session->challenge, 0))
		return RP_STORE_INVALID;
	if ((err = store_tx_begin(s)) != RP_STORE_OK)
		return err;
	st = store_use(s, Q_SES_PUT, &rc);
	store_bind_text(st, 1, session->id, &rc);
	store_bind_user(st, 2, session->user_id, &rc);
	store_bind_text(st, 3, step, &rc);
	store_bind_text(st, 4, session->challenge, &rc);
	store_bind_int(st, 5, (int64_t)session->created, &rc);
	store_bind_int(st, 6, (int64_t)session->expires, &rc);
	return store_tx_end(s, store_run(s, st, rc, NULL));
}

rp_store_err rp_store_session_get(rp_store *s, const char *id, time_t now, rp_session *out)
{
	sqlite3_stmt *st = NULL;
	char step[STATE_NAME_MAX];
	int rc = SQLITE_OK;
	rp_store_err err =
	        store_get_by_key(s, Q_SES_GET, id, RP_SESSION_ID_MAX, out, sizeof(*out), &st, &rc);

	if (err != RP_STORE_OK)
		return err;
	store_bind_int(st, 2, (int64_t)now, &rc);
	if ((err = store_fetch(st, rc)) == RP_STORE_OK &&
	    (err = store_col_text(st, 0, out->id, sizeof(out->id))) == RP_STORE_OK &&
	    (err = store_col_text(st, 2, step, sizeof(step))) == RP_STORE_OK &&
	    (err = store_col_text(st, 3, out->challenge, sizeof(out->challenge))) == RP_STORE_OK) {
		if (!rp_session_step_parse(step, &out->step))
			err = RP_STORE_SCHEMA;
		out->user_id = sqlite3_column_int64(st, 1); /* NULL reads as 0: no user */
		out->created = (time_t)sqlite3_column_int64(st, 4);
		out->expires = (time_t)sqlite3_column_int64(st, 5);
	}
	return store_row_done(s, st, err, out, sizeof(*out));
}

rp_store_err rp_store_session_delete(rp_store *s, const char *id)
{
	return store_run_by_key(s, Q_SES_DELETE, id, RP_SESSION_ID_MAX);
}

/* ---- action codes ---- */

rp_store_err rp_store_code_issue(rp_store *s, const char *session_id, const char *code,
                                 const char *action, time_t issued, time_t expires)
{
	if (s == NULL || !store_str_ok(session_id, 1, RP_SESSION_ID_MAX) ||
	    !store_str_ok(code, 1, RP_CODE_MAX) || !store_str_ok(action, 1, ACTION_MAX))
		return RP_STORE_INVALID;
	return store_put_timed(s, Q_CODE_INSERT, code, session_id, action, issued, expires);
}

rp_store_err rp_store_code_take(rp_store *s, const char *session_id, const char *code,
                                const char *action, time_t now)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;
	rp_store_err err;

	if (s == NULL || !store_str_ok(session_id, 1, RP_SESSION_ID_MAX) ||
	    !store_str_ok(code, 1, RP_CODE_MAX) || !store_str_ok(action, 1, ACTION_MAX))
		return RP_STORE_INVALID;
	if ((err = store_tx_begin(s)) != RP_STORE_OK)
		return err;
	st = store_use_texts(s, Q_CODE_TAKE, code, session_id, action, &rc);
	store_bind_int(st, 4, (int64_t)now, &rc);
	return store_tx_end(s, store_run_one(s, st, rc));
}

/* ---- expiry ---- */

/* The purge's steps: one DELETE each, ?1 the time a row must outlive (store_sql.c). */
static const struct purge_step {
	enum q q;
	size_t count;  /* offset of its count in rp_store_purged */
	bool qr_grace; /* the row stays qr_grace seconds past its expiry */
} purge_steps[] = {
        {Q_PURGE_SESSION_CODES, offsetof(rp_store_purged, codes), false},
        {Q_PURGE_SESSIONS, offsetof(rp_store_purged, sessions), false},
        {Q_PURGE_CODES, offsetof(rp_store_purged, codes), false},
        {Q_PURGE_RECORDS, offsetof(rp_store_purged, records), false},
        {Q_PURGE_QR_TOKENS, offsetof(rp_store_purged, qr_tokens), true},
};

rp_store_err rp_store_purge(rp_store *s, time_t now, time_t qr_grace, rp_store_purged *out)
{
	rp_store_purged n = {0};
	rp_store_err err;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (s == NULL || qr_grace < 0)
		return RP_STORE_INVALID;
	if ((err = store_tx_begin(s)) != RP_STORE_OK)
		return err;
	for (size_t i = 0; i < KAGURA_LEN(purge_steps) && err == RP_STORE_OK; i++) {
		const struct purge_step *p = &purge_steps[i];
		int rc = SQLITE_OK, changes = 0;
		sqlite3_stmt *st = store_use(s, p->q, &rc);

		store_bind_int(st, 1, (int64_t)(p->qr_grace ? now - qr_grace : now), &rc);
		err = store_run(s, st, rc, &changes);
		*(int *)(void *)((char *)&n + p->count) += changes;
	}
	if ((err = store_tx_end(s, err)) == RP_STORE_OK && out != NULL)
		*out = n;
	return err;
}
