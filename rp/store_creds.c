/* WebAuthn credentials in the store (rp/store.h). */
#include "rp/store_impl.h"

#include <stdlib.h>
#include <string.h>

#include "rp/store_cache.h"
#include "webauthn/arraylen.h"

/* ---- credentials ---- */

void rp_cred_reset(rp_cred *c)
{
	if (c == NULL)
		return;
	wa_blob_reset(&c->id);
	wa_blob_reset(&c->public_key);
	memset(c, 0, sizeof(*c));
}

rp_store_err rp_cred_copy(rp_cred *dst, const rp_cred *src)
{
	*dst = *src;
	dst->id = (wa_blob){0};
	dst->public_key = (wa_blob){0};
	if (wa_blob_set(&dst->id, src->id.ptr, src->id.len) != WA_OK ||
	    wa_blob_set(&dst->public_key, src->public_key.ptr, src->public_key.len) != WA_OK) {
		rp_cred_reset(dst);
		return RP_STORE_NOMEM;
	}
	return RP_STORE_OK;
}

bool store_cred_ok(const rp_cred *c)
{
	return c != NULL && store_cred_id_ok(c->id.ptr, c->id.len) && c->public_key.ptr != NULL &&
	       c->public_key.len != 0 && FIELD_OK(c->transports, 0) && FIELD_OK(c->label, 0) &&
	       FIELD_OK(c->fmt, 0);
}

/* The INSERT of a checked credential, inside the caller's transaction. */
rp_store_err store_cred_insert(rp_store *s, const rp_cred *c)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;

	/* Under the transaction's lock: nobody reads the user's kept list from here on. */
	store_cache_forget_user(s->cache, c->user_id);
	st = store_use(s, Q_CRED_INSERT, &rc);
	store_bind_int(st, 1, c->user_id, &rc);
	store_bind_blob(st, 2, c->id.ptr, c->id.len, &rc);
	store_bind_blob(st, 3, c->public_key.ptr, c->public_key.len, &rc);
	store_bind_int(st, 4, c->alg, &rc);
	store_bind_int(st, 5, c->sign_count, &rc);
	store_bind_blob(st, 6, c->aaguid, sizeof(c->aaguid), &rc);
	store_bind_text(st, 7, c->transports, &rc);
	store_bind_text(st, 8, c->label, &rc);
	store_bind_text(st, 9, c->fmt, &rc);
	store_bind_int(st, 10, c->backup_eligible, &rc);
	store_bind_int(st, 11, c->backup_state, &rc);
	store_bind_int(st, 12, c->enabled, &rc);
	store_bind_int(st, 13, (int64_t)c->created, &rc);
	return store_run(s, st, rc, NULL);
}

rp_store_err rp_store_cred_add(rp_store *s, const rp_cred *c)
{
	rp_store_err err;

	if (s == NULL || !store_cred_ok(c))
		return RP_STORE_INVALID;
	if ((err = store_tx_begin(s)) != RP_STORE_OK)
		return err;
	return store_tx_end(s, store_cred_insert(s, c));
}

/* Fills a zeroed out from a CRED_COLS row; on failure the caller resets it. */
static rp_store_err read_cred(sqlite3_stmt *st, rp_cred *out)
{
	int64_t count;
	rp_store_err err;

	out->user_id = sqlite3_column_int64(st, 0);
	if ((err = store_col_blob(st, 1, &out->id)) != RP_STORE_OK ||
	    (err = store_col_blob(st, 2, &out->public_key)) != RP_STORE_OK)
		return err;
	out->alg = sqlite3_column_int64(st, 3);
	count = sqlite3_column_int64(st, 4);
	if (count < 0 || count > UINT32_MAX)
		return RP_STORE_SCHEMA;
	out->sign_count = (uint32_t)count;
	if ((err = store_col_fixed(st, 5, out->aaguid, sizeof(out->aaguid))) != RP_STORE_OK ||
	    (err = store_col_text(st, 6, out->transports, sizeof(out->transports))) !=
	            RP_STORE_OK ||
	    (err = store_col_text(st, 7, out->label, sizeof(out->label))) != RP_STORE_OK ||
	    (err = store_col_text(st, 8, out->fmt, sizeof(out->fmt))) != RP_STORE_OK)
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

	if (!store_clear(out, sizeof(*out)))
		return RP_STORE_INVALID;
	if (s == NULL || !store_cred_id_ok(id, len))
		return RP_STORE_INVALID;
	st = store_use(s, Q_CRED_BY_ID, &rc);
	store_bind_blob(st, 1, id, len, &rc);
	if ((err = store_fetch(st, rc)) == RP_STORE_OK)
		err = read_cred(st, out);
	store_release(s, st);
	if (err != RP_STORE_OK)
		rp_cred_reset(out);
	return err;
}

rp_store_err rp_store_cred_exists(rp_store *s, const uint8_t *id, size_t len)
{
	sqlite3_stmt *st;
	rp_store_err err;
	int rc = SQLITE_OK;

	if (s == NULL || id == NULL || len == 0)
		return RP_STORE_INVALID;
	/* An id the store could never hold is registered to no one. */
	if (!store_cred_id_ok(id, len))
		return RP_STORE_NOT_FOUND;
	st = store_use(s, Q_CRED_EXISTS, &rc);
	store_bind_blob(st, 1, id, len, &rc);
	err = store_fetch(st, rc);
	store_release(s, st);
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
	st = store_use(s, Q_CRED_LIST, &rc);
	store_bind_int(st, 1, user_id, &rc);
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
		err = store_map_rc(rc);
	store_release(s, st);
	if (err != RP_STORE_OK) {
		rp_cred_list_free(&list, count);
		return err;
	}
	*out = list;
	*n = count;
	return RP_STORE_OK;
}

void rp_cred_list_free(rp_cred **list, size_t n)
{
	if (list == NULL || *list == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		rp_cred_reset(&(*list)[i]);
	free(*list);
	*list = NULL;
}

/* UPDATE q of the credential id (?1) with the integers v as ?2.., in its own transaction. */
static rp_store_err cred_update(rp_store *s, enum q q, const uint8_t *id, size_t len,
                                const int64_t *v, size_t n)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;
	rp_store_err err;

	if (s == NULL || !store_cred_id_ok(id, len))
		return RP_STORE_INVALID;
	if ((err = store_tx_begin(s)) != RP_STORE_OK)
		return err;
	st = store_use(s, q, &rc);
	store_bind_blob(st, 1, id, len, &rc);
	for (size_t i = 0; i < n; i++)
		store_bind_int(st, 2 + (int)i, v[i], &rc);
	err = store_run_one(s, st, rc);
	/* The kept user: a counter update is applied once it commits, anything else forgets. */
	if (err == RP_STORE_OK && q == Q_CRED_UPDATE_USE)
		store_note_use(s, id, len, (uint32_t)v[0], v[1] != 0);
	else
		store_cache_forget_cred(s->cache, id, len);
	return store_tx_end(s, err);
}

rp_store_err rp_store_cred_update_use(rp_store *s, const uint8_t *id, size_t len,
                                      uint32_t sign_count, bool backup_state)
{
	const int64_t v[] = {sign_count, backup_state};

	return cred_update(s, Q_CRED_UPDATE_USE, id, len, v, KAGURA_LEN(v));
}

rp_store_err rp_store_cred_set_enabled(rp_store *s, const uint8_t *id, size_t len, bool enabled)
{
	const int64_t v[] = {enabled};

	return cred_update(s, Q_CRED_SET_ENABLED, id, len, v, KAGURA_LEN(v));
}

rp_store_err rp_store_cred_set_label(rp_store *s, const uint8_t *id, size_t len, const char *label)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;
	rp_store_err err;

	if (s == NULL || !store_cred_id_ok(id, len) || !store_str_ok(label, 0, RP_LABEL_MAX))
		return RP_STORE_INVALID;
	if ((err = store_tx_begin(s)) != RP_STORE_OK)
		return err;
	store_cache_forget_cred(s->cache, id, len);
	st = store_use(s, Q_CRED_SET_LABEL, &rc);
	store_bind_blob(st, 1, id, len, &rc);
	store_bind_text(st, 2, label, &rc);
	return store_tx_end(s, store_run_one(s, st, rc));
}

rp_store_err rp_store_cred_delete(rp_store *s, const uint8_t *id, size_t len)
{
	sqlite3_stmt *st;
	rp_store_err err;
	int rc = SQLITE_OK, changes = 0;

	if (s == NULL || !store_cred_id_ok(id, len))
		return RP_STORE_INVALID;
	if ((err = store_tx_begin(s)) != RP_STORE_OK)
		return err;
	store_cache_forget_cred(s->cache, id, len);
	/* The owner keeps a trace: "deleted" is not "never registered" (manual 3.8 vs 3.12). */
	st = store_use(s, Q_CRED_DELETED_MARK, &rc);
	store_bind_blob(st, 1, id, len, &rc);
	err = store_run(s, st, rc, NULL);
	if (err == RP_STORE_OK) {
		st = store_use(s, Q_CRED_DELETE, &rc);
		store_bind_blob(st, 1, id, len, &rc);
		err = store_run(s, st, rc, &changes);
		if (err == RP_STORE_OK && changes == 0)
			err = RP_STORE_NOT_FOUND;
	}
	return store_tx_end(s, err);
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
	st = store_use(s, Q_USER_HAD_DEVICE, &rc);
	store_bind_int(st, 1, user_id, &rc);
	if ((err = store_fetch(st, rc)) == RP_STORE_OK)
		*out = sqlite3_column_int64(st, 0) != 0;
	store_release(s, st);
	return err;
}

/* ---- a user with their credentials, kept in memory when the store is owned ---- */

typedef struct user_creds_read {
	const char *name;
	rp_user *user;
	rp_cred **list;
	size_t *n;
} user_creds_read;

/* In one read transaction; what it read is kept while the store's lock still holds off writes. */
static rp_store_err read_user_creds(rp_store *s, void *ctx)
{
	user_creds_read *r = ctx;
	rp_store_err err = rp_store_user_by_name(s, r->name, r->user);

	if (err == RP_STORE_OK)
		err = rp_store_cred_list(s, r->user->id, r->list, r->n);
	if (err == RP_STORE_OK)
		store_cache_put(s->cache, r->user, *r->list, *r->n);
	return err;
}

/* Keeps only the credential cred_id of *list (none when it is not there). */
static void pick_cred(rp_cred **list, size_t *n, const uint8_t *cred_id, size_t cred_id_len)
{
	size_t at = *n;

	for (size_t i = 0; i < *n && at == *n; i++)
		if ((*list)[i].id.len == cred_id_len &&
		    memcmp((*list)[i].id.ptr, cred_id, cred_id_len) == 0)
			at = i;
	if (at == *n) {
		rp_cred_list_free(list, *n);
		*n = 0;
		return;
	}
	if (at != 0) {
		rp_cred keep = (*list)[at];
		(*list)[at] = (*list)[0];
		(*list)[0] = keep;
	}
	for (size_t i = 1; i < *n; i++)
		rp_cred_reset(&(*list)[i]);
	*n = 1;
}

rp_store_err rp_store_user_creds(rp_store *s, const char *name, const uint8_t *cred_id,
                                 size_t cred_id_len, rp_user *user, rp_cred **list, size_t *n)
{
	user_creds_read r = {.name = name, .user = user, .list = list, .n = n};
	rp_store_err err;

	if (list == NULL || n == NULL)
		return RP_STORE_INVALID;
	*list = NULL;
	*n = 0;
	if (!store_clear(user, sizeof(*user)))
		return RP_STORE_INVALID;
	if (s == NULL || !store_str_ok(name, 1, RP_USER_NAME_MAX) ||
	    (cred_id != NULL && cred_id_len == 0))
		return RP_STORE_INVALID;
	err = store_cache_get(s->cache, name, cred_id, cred_id_len, user, list, n);
	if (err != RP_STORE_NOT_FOUND)
		return err;
	if ((err = rp_store_read(s, read_user_creds, &r)) != RP_STORE_OK) {
		rp_cred_list_free(list, *n);
		*n = 0;
		memset(user, 0, sizeof(*user));
		return err;
	}
	if (cred_id != NULL)
		pick_cred(list, n, cred_id, cred_id_len);
	return RP_STORE_OK;
}
