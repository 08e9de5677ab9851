/*
 * Writes the "valid set" for the @simplewebauthn/server cross-check (tests/node):
 * for every credential algorithm, attestation format and flag/counter/id variant,
 * a registration and an authentication built by the soft authenticator. Each case
 * is verified by our own core before it is written, so the file holds only
 * ceremonies we accept; node then checks that an outside verifier accepts the
 * same bytes and derives the same credential record.
 *
 * Usage: gen_valid_set OUT.json   (exit 1 when any case fails our own verifier)
 */
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "softauthn.h"
#include "webauthn/authentication.h"
#include "webauthn/b64url.h"
#include "webauthn/registration.h"

/* What a case changes relative to a plain UP|UV ceremony. */
typedef struct variant {
	const char *name; /* suffix of the case name; "" for the plain case */
	uint8_t flags;    /* authenticatorData flags of both ceremonies */
	uint32_t reg_count;
	uint32_t auth_count;
	size_t cred_id_len;
	bool require_uv;
} variant;

static const variant plain = {"", WA_FLAG_UP | WA_FLAG_UV, 1, 2, 32, true};

static const variant variants[] = {
        /* UP only: valid when the RP asked for userVerification "preferred"/"discouraged". */
        {"uv-clear", WA_FLAG_UP, 1, 2, 32, false},
        /* An authenticator without a counter: stored 0 and new 0 is not a regression (§7.2). */
        {"counter-0", WA_FLAG_UP | WA_FLAG_UV, 0, 0, 32, true},
        /* A synced passkey: backup eligible and backed up. */
        {"be-bs", WA_FLAG_UP | WA_FLAG_UV | WA_FLAG_BE | WA_FLAG_BS, 1, 2, 32, true},
        /* The longest credential id §6.1 allows. */
        {"long-credential-id", WA_FLAG_UP | WA_FLAG_UV, 1, 2, WA_CRED_ID_MAX, true},
};

typedef struct alg_entry {
	int64_t alg;
	const char *name;
} alg_entry;

static const alg_entry algs[] = {
        {WA_COSE_ES256, "es256"}, {WA_COSE_ES384, "es384"}, {WA_COSE_ES512, "es512"},
        {WA_COSE_RS256, "rs256"}, {WA_COSE_PS256, "ps256"}, {WA_COSE_EDDSA, "eddsa"},
};

/* fido-u2f last: it only exists for ES256 (U2F is P-256 only). */
static const char *const fmts[] = {"none", "packed-self", "packed", "fido-u2f"};

static const char *const origins[] = {SA_ORIGIN};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void print_report(const char *name, const char *ceremony, wa_err err, const wa_report *r)
{
	fprintf(stderr, "gen_valid_set: case \"%s\": our %s verifier rejects it: %s (%s)\n", name,
	        ceremony, wa_errname(err), wa_strerr(err));
	for (size_t i = 0; i < r->n; i++)
		fprintf(stderr, "  %s %s %s\n", wa_step_status_name(r->steps[i].status),
		        r->steps[i].what, r->steps[i].detail);
}

/* A fresh random challenge, so no two ceremonies in the file share one. */
static int new_challenge(sa_params *p, char **b64)
{
	if (RAND_bytes(p->challenge, (int)sizeof(p->challenge)) != 1)
		return 0;
	*b64 = wa_b64url_encode(p->challenge, sizeof(p->challenge));
	return *b64 != NULL;
}

/* What both ceremonies of a case expect: its challenge, the origins, the RP ID, UV as asked. */
static wa_expect expected(const sa_params *p, const variant *v)
{
	return (wa_expect){.challenge = p->challenge,
	                   .challenge_len = sizeof(p->challenge),
	                   .origins = origins,
	                   .n_origins = N(origins),
	                   .rp_id = SA_RP_ID,
	                   .require_uv = v->require_uv};
}

/* Our registration verifier, with the policy the case is recorded under. */
static wa_err verify_reg(const sa_params *p, const sa_pki *pki, const variant *v, json_t *json,
                         wa_credential *cred, wa_report *report)
{
	wa_reg_response resp;
	wa_trust trust;
	wa_err err;

	if ((err = wa_reg_response_from_json(json, &resp)) != WA_OK)
		return err;
	if ((err = wa_trust_init(&trust, time(NULL))) != WA_OK) {
		wa_reg_response_reset(&resp);
		return err;
	}
	/* Every x5c here must chain to the test CA, as SimpleWebAuthn is told to require. */
	if ((err = wa_trust_add_cert(&trust, pki->ca)) == WA_OK) {
		wa_reg_options opt = {
		        .expect = expected(p, v),
		        .algs = &p->alg,
		        .n_algs = 1,
		        .trust = &trust,
		        .require_trusted_attestation = true,
		        .u2f_require_zero_aaguid = strcmp(p->fmt, "fido-u2f") == 0,
		};
		err = wa_verify_registration(&opt, &resp, cred, report);
	}
	wa_trust_reset(&trust);
	wa_reg_response_reset(&resp);
	return err;
}

/* Our authentication verifier against the record the registration produced. */
static wa_err verify_auth(const sa_params *p, const variant *v, json_t *json, wa_credential *cred,
                          wa_report *report)
{
	wa_auth_response resp;
	wa_err err;

	if ((err = wa_auth_response_from_json(json, &resp)) != WA_OK)
		return err;
	wa_auth_options opt = {
	        .expect = expected(p, v),
	        .allow_credentials = &cred->id,
	        .n_allow_credentials = 1,
	        .user_identified = true,
	};
	err = wa_verify_authentication(&opt, &resp, cred, report);
	wa_auth_response_reset(&resp);
	return err;
}

/* Builds, verifies with our core and appends one case; 0 when ours rejects it. */
static int add_case(json_t *cases, const sa_pki *pki, const alg_entry *a, const char *fmt,
                    const variant *v)
{
	sa_params p = sa_default_params();
	sa_credential sc = {0};
	wa_credential cred = {0};
	wa_report report = {0};
	json_t *reg = NULL, *auth = NULL, *rec = NULL, *after = NULL, *c;
	char *reg_chal = NULL, *auth_chal = NULL, name[96];
	wa_err err;
	int ok = 0;

	snprintf(name, sizeof(name), "%s-%s%s%s", a->name, fmt, v->name[0] ? "-" : "", v->name);
	p.alg = a->alg;
	p.fmt = fmt;
	p.flags = v->flags;
	p.sign_count = v->reg_count;
	p.cred_id_len = v->cred_id_len;
	/* U2F authenticators have no AAGUID; the attestation carries zeros (FIDO conformance). */
	if (strcmp(fmt, "fido-u2f") == 0)
		memset(p.aaguid, 0, sizeof(p.aaguid));
	if (!new_challenge(&p, &reg_chal) || (reg = sa_register(&p, NULL, pki, &sc)) == NULL) {
		fprintf(stderr, "gen_valid_set: case \"%s\": soft authenticator failed\n", name);
		goto out;
	}
	report.ceremony = "registration";
	if ((err = verify_reg(&p, pki, v, reg, &cred, &report)) != WA_OK) {
		print_report(name, "registration", err, &report);
		goto out;
	}
	/* The record as stored right after registration is what node authenticates against. */
	if ((rec = wa_credential_to_json(&cred)) == NULL)
		goto out;
	p.sign_count = v->auth_count;
	if (!new_challenge(&p, &auth_chal) || (auth = sa_authenticate(&p, NULL, &sc)) == NULL) {
		fprintf(stderr, "gen_valid_set: case \"%s\": soft authenticator failed\n", name);
		goto out;
	}
	memset(&report, 0, sizeof(report));
	report.ceremony = "authentication";
	if ((err = verify_auth(&p, v, auth, &cred, &report)) != WA_OK) {
		print_report(name, "authentication", err, &report);
		goto out;
	}
	if ((after = wa_credential_to_json(&cred)) == NULL)
		goto out;
	c = json_pack("{s:s, s:I, s:s, s:s, s:s, s:b, s:[I], s:{s:s, s:O}, s:O, s:{s:s, s:O}, s:O}",
	              "name", name, "alg", (json_int_t)a->alg, "fmt", fmt, "origin", SA_ORIGIN,
	              "rpID", SA_RP_ID, "requireUserVerification", v->require_uv,
	              "supportedAlgorithmIDs", (json_int_t)a->alg, "registration", "challenge",
	              reg_chal, "response", reg, "credential", rec, "authentication", "challenge",
	              auth_chal, "response", auth, "credentialAfterAuthentication", after);
	ok = c != NULL && json_array_append_new(cases, c) == 0;
out:
	json_decref(reg);
	json_decref(auth);
	json_decref(rec);
	json_decref(after);
	free(reg_chal);
	free(auth_chal);
	wa_credential_reset(&cred);
	sa_credential_free(&sc);
	return ok;
}

int main(int argc, char **argv)
{
	sa_pki pki;
	json_t *root = NULL, *cases = json_array(), *pem = NULL;
	int failed = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUT.json\n", argv[0]);
		json_decref(cases);
		return 2;
	}
	/* Leaf valid from yesterday for 30 days: both verifiers check validity against now. */
	if (!sa_pki_init(&pki, -1, 30) || cases == NULL || (pem = sa_pem_json(pki.ca)) == NULL) {
		fprintf(stderr, "gen_valid_set: cannot set up the test PKI\n");
		failed = 1;
		goto out;
	}
	for (size_t i = 0; i < N(algs); i++) {
		for (size_t f = 0; f < N(fmts); f++) {
			/* U2F signs with and names only P-256 keys. */
			if (strcmp(fmts[f], "fido-u2f") == 0 && algs[i].alg != WA_COSE_ES256)
				continue;
			failed |= !add_case(cases, &pki, &algs[i], fmts[f], &plain);
			/* Variants: every format for ES256, packed-self for the other algs. */
			for (size_t k = 0; k < N(variants); k++) {
				if (algs[i].alg != WA_COSE_ES256 &&
				    strcmp(fmts[f], "packed-self") != 0)
					continue;
				failed |= !add_case(cases, &pki, &algs[i], fmts[f], &variants[k]);
			}
		}
	}
	if (failed)
		goto out;
	root = json_pack("{s:s, s:s, s:O, s:O}", "origin", SA_ORIGIN, "rpID", SA_RP_ID,
	                 "caCertificatePem", pem, "cases", cases);
	if (root == NULL || json_dump_file(root, argv[1], JSON_INDENT(1)) != 0) {
		fprintf(stderr, "gen_valid_set: cannot write %s\n", argv[1]);
		failed = 1;
		goto out;
	}
	printf("gen_valid_set: %zu cases verified by our core, written to %s\n",
	       json_array_size(cases), argv[1]);
out:
	/* A stale file from an earlier run must not be cross-checked in place of this one. */
	if (failed)
		remove(argv[1]);
	json_decref(root);
	json_decref(cases);
	json_decref(pem);
	sa_pki_free(&pki);
	return failed ? 1 : 0;
}
