/* QR tokens in the store (rp/store.h). */
#include "rp/store_impl.h"

#include <string.h>

/* ---- QR tokens ---- */

rp_store_err rp_store_qr_issue(rp_store *s, const rp_qr *qr)
{
	const char *kind = qr != NULL ? rp_qr_kind_name(qr->kind) : NULL;
	const char *state = qr != NULL ? rp_qr_state_name(qr->state) : NULL;
	sqlite3_stmt *st;
	rp_store_err err;
	int rc = SQLITE_OK;

	if (s == NULL || kind == NULL || state == NULL || !FIELD_OK(qr->token, 1) ||
	    !FIELD_OK(qr->session_id, 0))
		return RP_STORE_INVALID;
	if ((err = store_tx_begin(s)) != RP_STORE_OK)
		return err;
	/* Only the newest CA registration QR of a user may be used. */
	if (qr->user_id != 0 && qr->kind == RP_QR_CA_REGISTRATION) {
		st = store_use(s, Q_QR_SUPERSEDE, &rc);
		store_bind_text(st, 1, kind, &rc);
		store_bind_int(st, 2, qr->user_id, &rc);
		err = store_run(s, st, rc, NULL);
	}
	/*
	 * A device-authentication QR replaces the one its own PC page showed (a reload): another
	 * browser that names the same user must not expire the QR on this user's screen.
	 */
	if (qr->user_id != 0 && qr->kind == RP_QR_DEVICE_AUTH) {
		st = store_use(s, Q_QR_SUPERSEDE_SESSION, &rc);
		store_bind_text(st, 1, kind, &rc);
		store_bind_int(st, 2, qr->user_id, &rc);
		store_bind_text(st, 3, qr->session_id, &rc);
		err = store_run(s, st, rc, NULL);
	}
	if (err == RP_STORE_OK) {
		st = store_use(s, Q_QR_INSERT, &rc);
		store_bind_text(st, 1, qr->token, &rc);
		store_bind_text(st, 2, kind, &rc);
		store_bind_user(st, 3, qr->user_id, &rc);
		store_bind_text(st, 4, qr->session_id, &rc);
		store_bind_int(st, 5, (int64_t)qr->issued, &rc);
		store_bind_int(st, 6, (int64_t)qr->expires, &rc);
		store_bind_text(st, 7, state, &rc);
		err = store_run(s, st, rc, NULL);
	}
	return store_tx_end(s, err);
}

rp_store_err rp_store_qr_get(rp_store *s, const char *token, rp_qr *out)
{
	sqlite3_stmt *st = NULL;
	char kind[STATE_NAME_MAX], state[STATE_NAME_MAX];
	int rc = SQLITE_OK;
	rp_store_err err =
	        store_get_by_key(s, Q_QR_GET, token, RP_QR_TOKEN_MAX, out, sizeof(*out), &st, &rc);

	if (err != RP_STORE_OK)
		return err;
	if ((err = store_fetch(st, rc)) == RP_STORE_OK &&
	    (err = store_col_text(st, 0, out->token, sizeof(out->token))) == RP_STORE_OK &&
	    (err = store_col_text(st, 1, kind, sizeof(kind))) == RP_STORE_OK &&
	    (err = store_col_text(st, 3, out->session_id, sizeof(out->session_id))) ==
	            RP_STORE_OK &&
	    (err = store_col_text(st, 8, state, sizeof(state))) == RP_STORE_OK) {
		if (!rp_qr_kind_parse(kind, &out->kind) || !rp_qr_state_parse(state, &out->state))
			err = RP_STORE_SCHEMA;
		out->user_id = sqlite3_column_int64(st, 2);
		out->issued = (time_t)sqlite3_column_int64(st, 4);
		out->expires = (time_t)sqlite3_column_int64(st, 5);
		out->superseded = sqlite3_column_int64(st, 6) != 0;
		out->consumed = sqlite3_column_int64(st, 7) != 0;
	}
	return store_row_done(s, st, err, out, sizeof(*out));
}

rp_store_err rp_store_qr_consume(rp_store *s, const char *token)
{
	return store_run_by_key(s, Q_QR_CONSUME, token, RP_QR_TOKEN_MAX);
}

rp_store_err rp_store_qr_set_state(rp_store *s, const char *token, rp_qr_state state)
{
	const char *name = rp_qr_state_name(state);
	sqlite3_stmt *st;
	int rc = SQLITE_OK;
	rp_store_err err;

	if (s == NULL || !store_str_ok(token, 1, RP_QR_TOKEN_MAX) || name == NULL)
		return RP_STORE_INVALID;
	if ((err = store_tx_begin(s)) != RP_STORE_OK)
		return err;
	st = store_use(s, Q_QR_SET_STATE, &rc);
	store_bind_text(st, 1, token, &rc);
	store_bind_text(st, 2, name, &rc);
	return store_tx_end(s, store_run_one(s, st, rc));
}

rp_store_err rp_store_qr_register(rp_store *s, const char *token, const rp_cred *c,
                                  rp_qr_state state)
{
	const char *name = rp_qr_state_name(state);
	sqlite3_stmt *st;
	rp_store_err err;
	int rc = SQLITE_OK, changes = 0;

	if (s == NULL || !store_str_ok(token, 1, RP_QR_TOKEN_MAX) || !store_cred_ok(c) ||
	    name == NULL)
		return RP_STORE_INVALID;
	if ((err = store_tx_begin(s)) != RP_STORE_OK)
		return err;
	/* The token first: a used or superseded QR stores nothing. */
	st = store_use(s, Q_QR_CONSUME, &rc);
	store_bind_text(st, 1, token, &rc);
	err = store_run(s, st, rc, &changes);
	if (err == RP_STORE_OK && changes == 0)
		err = RP_STORE_NOT_FOUND;
	if (err == RP_STORE_OK) {
		st = store_use(s, Q_QR_SET_STATE, &rc);
		store_bind_text(st, 1, token, &rc);
		store_bind_text(st, 2, name, &rc);
		err = store_run(s, st, rc, NULL);
	}
	if (err == RP_STORE_OK)
		err = store_cred_insert(s, c);
	return store_tx_end(s, err);
}
