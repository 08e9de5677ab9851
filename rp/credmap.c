#include "rp/credmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webauthn/cose_cache.h"

/* The transports, comma-joined, as many whole names as fit. */
static void join_transports(const wa_credential *rec, char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < rec->n_transports; i++) {
		size_t len = strlen(rec->transports[i]);
		if (strchr(rec->transports[i], ',') != NULL || n + (n ? 1 : 0) + len >= size)
			continue;
		if (n)
			out[n++] = ',';
		memcpy(out + n, rec->transports[i], len + 1);
		n += len;
	}
}

/* The comma-joined transports back into the record's list. */
static wa_err split_transports(const char *joined, wa_credential *rec)
{
	for (const char *p = joined; *p != '\0' && rec->n_transports < WA_TRANSPORTS_MAX;) {
		size_t len = strcspn(p, ",");
		char *name = len ? strndup(p, len) : NULL;
		if (len && name == NULL)
			return WA_ERR_NOMEM;
		if (name != NULL)
			rec->transports[rec->n_transports++] = name;
		p += len + (p[len] == ',');
	}
	return WA_OK;
}

wa_err rp_cred_to_record(const rp_cred *c, const uint8_t *owner, size_t owner_len,
                         wa_cose_cache *keys, wa_credential *out)
{
	wa_err err;

	memset(out, 0, sizeof(*out));
	if ((err = wa_blob_set(&out->id, c->id.ptr, c->id.len)) != WA_OK ||
	    (err = wa_credential_set_public_key_cached(out, c->public_key.ptr, c->public_key.len,
	                                               keys)) != WA_OK ||
	    (owner != NULL && (err = wa_blob_set(&out->user_handle, owner, owner_len)) != WA_OK) ||
	    (err = split_transports(c->transports, out)) != WA_OK) {
		wa_credential_reset(out);
		/* A key we stored ourselves that no longer decodes is a broken record. */
		return err == WA_ERR_NOMEM ? err : WA_ERR_RECORD;
	}
	out->sign_count = c->sign_count;
	out->backup_eligible = c->backup_eligible;
	out->backup_state = c->backup_state;
	memcpy(out->aaguid, c->aaguid, sizeof(out->aaguid));
	snprintf(out->fmt, sizeof(out->fmt), "%s", c->fmt);
	return WA_OK;
}

wa_err rp_cred_from_record(const wa_credential *rec, int64_t user_id, const char *label,
                           time_t created, wa_cose_cache *keys, rp_cred *out)
{
	memset(out, 0, sizeof(*out));
	if (strlen(label) > RP_LABEL_MAX)
		return WA_ERR_INTERNAL;
	if (wa_blob_set(&out->id, rec->id.ptr, rec->id.len) != WA_OK ||
	    wa_blob_set(&out->public_key, rec->public_key.ptr, rec->public_key.len) != WA_OK) {
		rp_cred_reset(out);
		return WA_ERR_NOMEM;
	}
	out->user_id = user_id;
	out->alg = rec->key.alg;
	out->sign_count = rec->sign_count; /* the counter starts where the attestation says */
	memcpy(out->aaguid, rec->aaguid, sizeof(out->aaguid));
	join_transports(rec, out->transports, sizeof(out->transports));
	strcpy(out->label, label);
	snprintf(out->fmt, sizeof(out->fmt), "%s", rec->fmt);
	out->backup_eligible = rec->backup_eligible;
	out->backup_state = rec->backup_state;
	out->enabled = true;
	out->created = created;
	/* Its first assertion finds the key the verifier decoded (keyed by the bytes as stored). */
	wa_cose_cache_put(keys, out->public_key.ptr, out->public_key.len, &rec->key);
	return WA_OK;
}

bool rp_cred_check_registered(void *check, const uint8_t *id, size_t len)
{
	rp_cred_check *c = check;
	rp_store_err err = rp_store_cred_exists(c->store, id, len);

	if (err == RP_STORE_NOT_FOUND)
		return false;
	if (err != RP_STORE_OK)
		c->err = err;
	return true;
}
