#include "prefill.h"

#include <stdio.h>
#include <string.h>

#include "rp/app.h"
#include "rp/credmap.h"
#include "rp/store.h"
#include "softauthn.h"
#include "webauthn/hash.h"
#include "webauthn/registration.h"

#define FLAG_UP 0x01
#define FLAG_UV 0x04

/* Domain labels: a user's handle and credential id are hashes of its number, never equal. */
static const char handle_label[] = "bench-store user handle";
static const char cred_label[] = "bench-store credential id";

void bs_user_name(size_t i, char out[BS_NAME_MAX])
{
	snprintf(out, BS_NAME_MAX, "bs-%zu", i);
}

static void derive(const char *label, size_t i, uint8_t out[WA_SHA256_LEN])
{
	uint64_t n = (uint64_t)i;

	wa_sha256_2(label, strlen(label), &n, sizeof(n), out);
}

void bs_user_cred_id(size_t i, uint8_t out[BS_CRED_ID_LEN])
{
	uint8_t h[WA_SHA256_LEN];

	derive(cred_label, i, h);
	memcpy(out, h, BS_CRED_ID_LEN);
}

EVP_PKEY *bs_user_key(const bs_keys *k, size_t i)
{
	return k->key[i % BS_KEYS];
}

/* One key registered as /attestation/result would verify it (packed self attestation). */
static bool register_key(const char *origin, const char *rp_id, time_t at, EVP_PKEY **key,
                         wa_credential *rec, char *why, size_t size)
{
	static const int64_t es256[] = {WA_COSE_ES256};
	const char *origins[] = {origin};
	sa_params p = sa_default_params();
	sa_credential cred = {0};
	wa_reg_response resp = {0};
	wa_trust trust;
	wa_err err = WA_ERR_INTERNAL;
	json_t *json;

	p.rp_id = rp_id;
	p.origin = origin;
	p.fmt = "packed-self";
	p.flags = FLAG_UP | FLAG_UV;
	p.sign_count = 0;
	json = sa_register(&p, NULL, NULL, &cred);
	if (json != NULL && wa_trust_init(&trust, at) == WA_OK) {
		wa_reg_options opt = {
		        .expect = {.challenge = p.challenge,
		                   .challenge_len = sizeof(p.challenge),
		                   .origins = origins,
		                   .n_origins = 1,
		                   .rp_id = rp_id},
		        .algs = es256,
		        .n_algs = 1,
		        .trust = &trust,
		};
		err = wa_reg_response_from_json(json, &resp);
		if (err == WA_OK)
			err = wa_verify_registration(&opt, &resp, rec, NULL);
		wa_trust_reset(&trust);
	}
	json_decref(json);
	wa_reg_response_reset(&resp);
	if (err != WA_OK) {
		snprintf(why, size, "a key's registration did not verify: %s", wa_strerr(err));
		sa_credential_free(&cred);
		return false;
	}
	*key = cred.key; /* the key is kept, the soft authenticator's id is not */
	cred.key = NULL;
	sa_credential_free(&cred);
	return true;
}

bool bs_keys_make(bs_keys *k, const char *origin, const char *rp_id, time_t at, char *why,
                  size_t size)
{
	memset(k, 0, sizeof(*k));
	for (size_t i = 0; i < BS_KEYS; i++)
		if (!register_key(origin, rp_id, at, &k->key[i], &k->rec[i], why, size)) {
			bs_keys_free(k);
			return false;
		}
	return true;
}

void bs_keys_free(bs_keys *k)
{
	for (size_t i = 0; i < BS_KEYS; i++) {
		EVP_PKEY_free(k->key[i]);
		wa_credential_reset(&k->rec[i]);
	}
	memset(k, 0, sizeof(*k));
}

/* User i as the conformance API stores it: its namespace, name, handle and first credential. */
static rp_store_err add_user(rp_store *s, size_t i, const bs_keys *k, time_t created)
{
	char name[BS_NAME_MAX], stored[RP_USER_NAME_MAX + 1];
	uint8_t handle[WA_SHA256_LEN], id[BS_CRED_ID_LEN];
	wa_credential rec = k->rec[i % BS_KEYS]; /* borrowed: only its id is this user's */
	rp_cred row;
	rp_store_err err;

	bs_user_name(i, name);
	snprintf(stored, sizeof(stored), "%s%s", RP_CONFORMANCE_USER_PREFIX, name);
	derive(handle_label, i, handle);
	bs_user_cred_id(i, id);
	rec.id = (wa_blob){.ptr = id, .len = sizeof(id)};
	if (rp_cred_from_record(&rec, 0, "", created, NULL, &row) != WA_OK)
		return RP_STORE_NOMEM;
	err = rp_store_user_create_handle(s, stored, name, handle, &row, NULL);
	rp_cred_reset(&row);
	return err;
}

bool bs_prefill(const char *path, size_t n, const bs_keys *k, time_t created, char *why,
                size_t size)
{
	rp_store *s = NULL;
	char open_why[160];
	/* Nothing synced while filling: the server's own open and close make the file whole. */
	rp_store_err err =
	        rp_store_open_ex(path, RP_STORE_THROWAWAY, open_why, sizeof(open_why), &s);

	if (err != RP_STORE_OK) {
		snprintf(why, size, "cannot create the store %s: %s", path, open_why);
		return false;
	}
	for (size_t i = 0; i < n && err == RP_STORE_OK; i++)
		if ((err = add_user(s, i, k, created)) != RP_STORE_OK)
			snprintf(why, size, "storing user %zu of %zu: %s", i, n,
			         rp_store_strerr(err));
	rp_store_close(s);
	return err == RP_STORE_OK;
}
