/*
 * bench-verify: ES256 assertion verifications per second through webauthn/,
 * with the stored credential's key decoded once, and in the same run the raw
 * OpenSSL P-256 rate (EVP_DigestVerify over the same signed bytes, key cached).
 * Two webauthn/ entry points are measured: the base64url form fields a
 * Keycloak-style page posts (the platform's path; its ratio is the last line,
 * bar 0.85) and AuthenticationResponseJSON text (the conformance API and
 * `kagura-rp verify`), whose extra cost is jansson building the JSON tree.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "webauthn/authentication.h"
#include "webauthn/b64url.h"
#include "webauthn/hash.h"
#include "webauthn/registration.h"

#define VECTOR        "sctn-test-vectors-none-es256"
#define ROUNDS        5
#define ROUND_SECONDS 0.4
#define BAR           0.85

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct fixture {
	char *auth_json;    /* AuthenticationResponseJSON text */
	char *fields[4];    /* credentialId, clientDataJSON, authenticatorData, signature */
	wa_credential cred; /* stored credential, key decoded once */
	wa_blob challenge;
	wa_blob signed_bytes; /* authData || SHA-256(clientDataJSON) */
	wa_blob signature;
} fixture;

static const char *origins[] = {"https://example.org"};

static int load(const char *path, fixture *fx)
{
	json_t *all = json_load_file(path, 0, NULL), *v, *reg, *auth, *j;
	const char *id;
	wa_reg_response rresp;
	wa_auth_response aresp;
	wa_trust trust;
	wa_blob rchal = {0};
	int ok = 0;

	if (all == NULL || (v = json_object_get(all, VECTOR)) == NULL)
		goto out;
	reg = json_object_get(v, "registration");
	auth = json_object_get(v, "authentication");
	id = json_string_value(json_object_get(reg, "credential_id"));
	j = json_pack("{s:s, s:s, s:s, s:{s:O, s:O}}", "id", id, "rawId", id, "type", "public-key",
	              "response", "clientDataJSON", json_object_get(reg, "clientDataJSON"),
	              "attestationObject", json_object_get(reg, "attestationObject"));
	if (wa_reg_response_from_json(j, &rresp) != WA_OK) {
		json_decref(j);
		goto out;
	}
	json_decref(j);
	const char *rc = json_string_value(json_object_get(reg, "challenge"));
	wa_b64url_decode(rc, strlen(rc), &rchal);
	wa_trust_init(&trust, 1750000000);
	wa_reg_options ro = {.expect = {.challenge = rchal.ptr,
	                                .challenge_len = rchal.len,
	                                .origins = origins,
	                                .n_origins = 1,
	                                .rp_id = "example.org"},
	                     .trust = &trust};
	ok = wa_verify_registration(&ro, &rresp, &fx->cred, NULL) == WA_OK;
	wa_reg_response_reset(&rresp);
	wa_trust_reset(&trust);
	wa_blob_reset(&rchal);
	if (!ok)
		goto out;

	j = json_pack("{s:s, s:s, s:s, s:{s:O, s:O, s:O}, s:{}}", "id", id, "rawId", id, "type",
	              "public-key", "response", "clientDataJSON",
	              json_object_get(auth, "clientDataJSON"), "authenticatorData",
	              json_object_get(auth, "authenticatorData"), "signature",
	              json_object_get(auth, "signature"), "clientExtensionResults");
	fx->auth_json = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	fx->fields[0] = strdup(id);
	fx->fields[1] = strdup(json_string_value(json_object_get(auth, "clientDataJSON")));
	fx->fields[2] = strdup(json_string_value(json_object_get(auth, "authenticatorData")));
	fx->fields[3] = strdup(json_string_value(json_object_get(auth, "signature")));
	const char *ac = json_string_value(json_object_get(auth, "challenge"));
	wa_b64url_decode(ac, strlen(ac), &fx->challenge);
	ok = wa_auth_response_parse(fx->auth_json, strlen(fx->auth_json), &aresp) == WA_OK;
	if (ok) {
		uint8_t cdh[32];
		wa_sha256(aresp.client_data_json.ptr, aresp.client_data_json.len, cdh);
		ok = wa_blob_append(&fx->signed_bytes, aresp.authenticator_data.ptr,
		                    aresp.authenticator_data.len) == WA_OK &&
		     wa_blob_append(&fx->signed_bytes, cdh, sizeof(cdh)) == WA_OK &&
		     wa_blob_set(&fx->signature, aresp.signature.ptr, aresp.signature.len) == WA_OK;
		wa_auth_response_reset(&aresp);
	}
out:
	json_decref(all);
	return ok;
}

static wa_auth_options options(const fixture *fx)
{
	return (wa_auth_options){.expect = {.challenge = fx->challenge.ptr,
	                                    .challenge_len = fx->challenge.len,
	                                    .origins = origins,
	                                    .n_origins = 1,
	                                    .rp_id = "example.org"},
	                         .user_identified = true};
}

/* One RP-side verification from the posted form fields, as the platform does per request. */
static int verify_fields(fixture *fx)
{
	wa_auth_response resp;
	wa_auth_options opt = options(fx);
	wa_err err = wa_auth_response_from_fields(fx->fields[0], fx->fields[1], fx->fields[2],
	                                          fx->fields[3], NULL, &resp);

	if (err == WA_OK)
		err = wa_verify_authentication(&opt, &resp, &fx->cred, NULL);
	wa_auth_response_reset(&resp);
	return err == WA_OK;
}

/* The same from AuthenticationResponseJSON text. */
static int verify_json(fixture *fx)
{
	wa_auth_response resp;
	wa_auth_options opt = options(fx);
	wa_err err = wa_auth_response_parse(fx->auth_json, strlen(fx->auth_json), &resp);

	if (err == WA_OK)
		err = wa_verify_authentication(&opt, &resp, &fx->cred, NULL);
	wa_auth_response_reset(&resp);
	return err == WA_OK;
}

static int verify_openssl(fixture *fx)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL &&
	         EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, fx->cred.key.pkey) == 1 &&
	         EVP_DigestVerify(ctx, fx->signature.ptr, fx->signature.len, fx->signed_bytes.ptr,
	                          fx->signed_bytes.len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

/* Runs fn for ROUND_SECONDS; returns iterations, or -1 when a verification failed. */
static long run(int (*fn)(fixture *), fixture *fx, double *elapsed)
{
	double start = now_seconds(), t = start;
	long n = 0;

	while (t - start < ROUND_SECONDS) {
		for (int i = 0; i < 64; i++)
			if (!fn(fx))
				return -1;
		n += 64;
		t = now_seconds();
	}
	*elapsed += t - start;
	return n;
}

int main(int argc, char **argv)
{
	fixture fx = {0};
	int (*const fns[3])(fixture *) = {verify_fields, verify_json, verify_openssl};
	long n[3] = {0}, k;
	double t[3] = {0}, rate[3];

	if (argc != 2 || !load(argv[1], &fx)) {
		fprintf(stderr, "usage: bench-verify W3C-VECTORS.json (vector %s must verify)\n",
		        VECTOR);
		return 2;
	}
	/* Interleave the three so drift in machine load hits all alike. */
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < 3; i++) {
			if ((k = run(fns[i], &fx, &t[i])) < 0) {
				fprintf(stderr, "bench-verify: a verification failed\n");
				return 1;
			}
			n[i] += k;
		}
	}
	for (int i = 0; i < 3; i++)
		rate[i] = (double)n[i] / t[i];
	printf("webauthn/ ES256 assertion from AuthenticationResponseJSON: %9.0f /s (ratio %.3f)\n",
	       rate[1], rate[1] / rate[2]);
	printf("webauthn/ ES256 assertion from the posted form fields:      %9.0f /s\n", rate[0]);
	printf("OpenSSL EVP_DigestVerify P-256, same bytes, key cached:     %9.0f /s\n", rate[2]);
	printf("ratio %.3f (bar %.2f): %s\n", rate[0] / rate[2], BAR,
	       rate[0] / rate[2] >= BAR ? "meets the bar" : "BELOW the bar");
	free(fx.auth_json);
	for (int i = 0; i < 4; i++)
		free(fx.fields[i]);
	wa_credential_reset(&fx.cred);
	wa_blob_reset(&fx.challenge);
	wa_blob_reset(&fx.signed_bytes);
	wa_blob_reset(&fx.signature);
	return 0;
}
