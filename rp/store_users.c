/* Users of the store (rp/store.h): 本人ID, display name, WebAuthn handle, enabled. */
#include "rp/store_impl.h"

#include <string.h>

#include <openssl/rand.h>

#include "rp/store_cache.h"

/* ---- users ---- */

static rp_store_err read_user(sqlite3_stmt *st, rp_user *out)
{
	rp_store_err err;

	out->id = sqlite3_column_int64(st, 0);
	if ((err = store_col_text(st, 1, out->name, sizeof(out->name))) != RP_STORE_OK ||
	    (err = store_col_text(st, 2, out->display_name, sizeof(out->display_name))) !=
	            RP_STORE_OK ||
	    (err = store_col_fixed(st, 3, out->handle, sizeof(out->handle))) != RP_STORE_OK)
		return err;
	out->enabled = sqlite3_column_int64(st, 4) != 0;
	return RP_STORE_OK;
}

rp_store_err rp_store_user_create(rp_store *s, const char *name, const char *display_name,
                                  rp_user *out)
{
	uint8_t handle[16];

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	/* user.id must not be guessable from the name (WebAuthn §14.6.1). */
	if (RAND_bytes(handle, sizeof(handle)) != 1)
		return RP_STORE_IO;
	return rp_store_user_create_handle(s, name, display_name, handle, NULL, out);
}

rp_store_err rp_store_user_create_handle(rp_store *s, const char *name, const char *display_name,
                                         const uint8_t handle[16], const rp_cred *first,
                                         rp_user *out)
{
	sqlite3_stmt *st;
	rp_user made = {.enabled = true};
	rp_cred c; /* first, as stored: borrows first's blobs, never reset */
	rp_store_err err;
	int rc = SQLITE_OK;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (s == NULL || handle == NULL || !store_str_ok(name, 1, RP_USER_NAME_MAX) ||
	    !store_str_ok(display_name, 0, RP_DISPLAY_NAME_MAX) ||
	    (first != NULL && !store_cred_ok(first)))
		return RP_STORE_INVALID;
	if ((err = store_tx_begin(s)) != RP_STORE_OK)
		return err;
	st = store_use(s, Q_USER_INSERT, &rc);
	store_bind_text(st, 1, name, &rc);
	store_bind_text(st, 2, display_name, &rc);
	store_bind_blob(st, 3, handle, sizeof(((rp_user *)NULL)->handle), &rc);
	err = store_run(s, st, rc, NULL);
	if (err == RP_STORE_OK)
		made.id = sqlite3_last_insert_rowid(s->conn->db);
	strcpy(made.name, name);
	strcpy(made.display_name, display_name);
	memcpy(made.handle, handle, sizeof(made.handle));
	if (err == RP_STORE_OK && first != NULL) {
		c = *first;
		c.user_id = made.id;
		err = store_cred_insert(s, &c);
	}
	/* The user's first read (an assertion's options, right after) finds them kept. */
	if (err == RP_STORE_OK)
		store_note_new_user(s, &made, first != NULL ? &c : NULL);
	if ((err = store_tx_end(s, err)) != RP_STORE_OK)
		return err;
	if (out != NULL)
		*out = made;
	return RP_STORE_OK;
}

/* A one-row user query already bound; fills out or leaves it zeroed. */
static rp_store_err user_query(rp_store *s, sqlite3_stmt *st, int rc, rp_user *out)
{
	rp_store_err err = store_fetch(st, rc);

	if (err == RP_STORE_OK)
		err = read_user(st, out);
	return store_row_done(s, st, err, out, sizeof(*out));
}

rp_store_err rp_store_user_by_name(rp_store *s, const char *name, rp_user *out)
{
	sqlite3_stmt *st = NULL;
	int rc = SQLITE_OK;
	rp_store_err err = store_get_by_key(s, Q_USER_BY_NAME, name, RP_USER_NAME_MAX, out,
	                                    sizeof(*out), &st, &rc);

	return err != RP_STORE_OK ? err : user_query(s, st, rc, out);
}

rp_store_err rp_store_user_by_handle(rp_store *s, const uint8_t *handle, size_t len, rp_user *out)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;

	if (!store_clear(out, sizeof(*out)))
		return RP_STORE_INVALID;
	if (s == NULL || handle == NULL || len == 0 || len > HANDLE_MAX)
		return RP_STORE_INVALID;
	st = store_use(s, Q_USER_BY_HANDLE, &rc);
	store_bind_blob(st, 1, handle, len, &rc);
	return user_query(s, st, rc, out);
}

rp_store_err rp_store_user_by_id(rp_store *s, int64_t id, rp_user *out)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;

	if (!store_clear(out, sizeof(*out)))
		return RP_STORE_INVALID;
	if (s == NULL || id <= 0)
		return RP_STORE_INVALID;
	st = store_use(s, Q_USER_BY_ID, &rc);
	store_bind_int(st, 1, id, &rc);
	return user_query(s, st, rc, out);
}

rp_store_err rp_store_user_set_enabled(rp_store *s, const char *name, bool enabled)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;
	rp_store_err err;

	if (s == NULL || !store_str_ok(name, 1, RP_USER_NAME_MAX))
		return RP_STORE_INVALID;
	if ((err = store_tx_begin(s)) != RP_STORE_OK)
		return err;
	store_cache_forget_name(s->cache, name);
	st = store_use(s, Q_USER_SET_ENABLED, &rc);
	store_bind_text(st, 1, name, &rc);
	store_bind_int(st, 2, enabled, &rc);
	return store_tx_end(s, store_run_one(s, st, rc));
}
