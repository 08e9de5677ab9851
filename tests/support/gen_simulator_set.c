/*
 * Writes the "simulator set" for the three-verifier cross-check: every ceremony
 * here is produced by the authenticator SIMULATOR through the whole stack a
 * browser would use (libfido2 host code -> CTAPHID -> in-memory CTAP2 device,
 * the browser client building the W3C response JSON), exactly as
 * tests/unit/test_authn_e2e.c drives it. For each algorithm x attestation x
 * residentKey x userVerification, one registration and two authentications,
 * each verified by OUR core first; then tests/python (python-fido2 Fido2Server)
 * and tests/node (@simplewebauthn/server) must accept the same bytes.
 *
 * Usage: gen_simulator_set OUT.json   (exit 1 when our core rejects any case,
 * 2 on a usage or set-up error; the output is removed on failure)
 */
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authenticator/device/attest.h"
#include "authenticator/device/fido_glue.h"
#include "authenticator/phone/client.h"
#include "softauthn.h"
#include "webauthn/authentication.h"
#include "webauthn/b64url.h"
#include "webauthn/registration.h"

#define ORIGIN    "https://mahpki-auth.example.jp"
#define RP_ID     "mahpki-auth.example.jp"
#define RP_NAME   "HPKI-KAGURA"
#define USER_ID   "dXNlci0xMjM0NQ" /* "user-12345" */
#define ZERO_UUID "00000000-0000-0000-0000-000000000000"

#define N(a) (sizeof(a) / sizeof((a)[0]))

typedef struct alg_entry {
	int64_t alg;
	const char *setting; /* the device's "algorithms" value */
	const char *name;
} alg_entry;

static const alg_entry algs[] = {
        {WA_COSE_ES256, "-7", "es256"},
        {WA_COSE_EDDSA, "-8", "eddsa"},
        {WA_COSE_RS256, "-257", "rs256"},
};

/* The device's "attestation" setting; fido-u2f exists for ES256 only (U2F is P-256). */
static const char *const attestations[] = {"none", "packed-self", "packed", "fido-u2f"};
static const char *const requirements[] = {"required", "discouraged"};

static const char *const origins[] = {ORIGIN};

/* What every case shares: the clock and the root -> intermediate attestation CA. */
typedef struct sim_pki {
	wa_clock clock;
	sa_pki pki; /* pki.ca is the root */
	X509 *intermediate;
	EVP_PKEY *intermediate_key;
} sim_pki;

/* One simulated phone, opened fresh per case so no credential leaks between cases. */
typedef struct phone {
	au_device dev;
	au_ctap ctap;
	au_hid *hid;
	fido_dev_t *fido;
	bool dev_ready;
} phone;

/* One combination of the matrix. */
typedef struct combo {
	const alg_entry *alg;
	const char *attestation;
	const char *rk;
	const char *uv;
	bool require_uv;
	bool resident;
	bool u2f;
	char name[96];
} combo;

static void phone_close(phone *ph)
{
	au_fido_close(&ph->fido);
	au_hid_free(ph->hid);
	ph->hid = NULL;
	if (ph->dev_ready)
		au_device_free(&ph->dev);
	ph->dev_ready = false;
}

/* The device is configured BEFORE its attestation identity exists: the leaf certificate
 * carries the device's AAGUID, so a zero AAGUID must be set first for fido-u2f. */
static bool phone_open(phone *ph, const sim_pki *sp, const combo *c)
{
	const char *set[][2] = {{"algorithms", c->alg->setting},
	                        {"attestation", c->attestation},
	                        {"aaguid", ZERO_UUID}};
	/* SimpleWebAuthn refuses a non-zero AAGUID for fido-u2f (as FIDO conformance does), so
	 * only the u2f cases use the zero AAGUID; the others keep the persona's own. */
	size_t n = c->u2f ? 3 : 2;
	const char *why = NULL;

	memset(ph, 0, sizeof(*ph));
	if (au_device_init(&ph->dev, "desktop-chrome") != AU_OK) {
		fprintf(stderr, "gen_simulator_set: %s: au_device_init failed\n", c->name);
		return false;
	}
	ph->dev_ready = true;
	for (size_t i = 0; i < n; i++) {
		au_err e = au_device_set(&ph->dev, set[i][0], set[i][1], &why);
		if (e != AU_OK) {
			fprintf(stderr, "gen_simulator_set: %s: set %s=%s: %s (%s)\n", c->name,
			        set[i][0], set[i][1], au_strerr(e), why ? why : "");
			return false;
		}
	}
	if (au_attest_identity_create(&ph->dev, sp->intermediate, sp->intermediate_key,
	                              wa_clock_now(&sp->clock)) != AU_OK) {
		fprintf(stderr, "gen_simulator_set: %s: no attestation identity\n", c->name);
		return false;
	}
	au_ctap_init(&ph->ctap, &ph->dev, &sp->clock, NULL, NULL);
	if ((ph->hid = au_hid_new(&ph->ctap)) == NULL ||
	    au_fido_open(ph->hid, &ph->fido) != FIDO_OK) {
		fprintf(stderr, "gen_simulator_set: %s: libfido2 cannot open the device\n",
		        c->name);
		return false;
	}
	return true;
}

/* A fresh random 32-byte challenge per ceremony, so no two ceremonies share one. */
static char *new_challenge(void)
{
	uint8_t raw[32];

	if (RAND_bytes(raw, (int)sizeof(raw)) != 1)
		return NULL;
	return wa_b64url_encode(raw, sizeof(raw));
}

static json_t *create_options(const combo *c, const char *challenge)
{
	return json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s}, s:[{s:s, s:I}], s:{s:s, s:s}, "
	                 "s:s}",
	                 "challenge", challenge, "rp", "id", RP_ID, "name", RP_NAME, "user", "id",
	                 USER_ID, "name", "12345", "displayName", "Dr. Test", "pubKeyCredParams",
	                 "type", "public-key", "alg", (json_int_t)c->alg->alg,
	                 "authenticatorSelection", "residentKey", c->rk, "userVerification", c->uv,
	                 "attestation", "direct");
}

/* Discoverable credentials are used username-less (empty allowCredentials); the others are
 * named in allowCredentials, as an RP that knows the user would. */
static json_t *get_options(const combo *c, const char *challenge, const wa_blob *cred_id)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "challenge", challenge, "rpId", RP_ID,
	                      "userVerification", c->uv);
	if (o != NULL && !c->resident) {
		char *id = wa_b64url_encode(cred_id->ptr, cred_id->len);
		json_t *allow = id != NULL
		                        ? json_pack("[{s:s, s:s}]", "type", "public-key", "id", id)
		                        : NULL;
		if (allow == NULL || json_object_set_new(o, "allowCredentials", allow) != 0) {
			json_decref(o);
			o = NULL;
		}
		free(id);
	}
	return o;
}

static void print_report(const combo *c, const char *ceremony, wa_err err, const wa_report *r)
{
	fprintf(stderr, "gen_simulator_set: case \"%s\": our %s verifier rejects it: %s (%s)\n",
	        c->name, ceremony, wa_errname(err), wa_strerr(err));
	for (size_t i = 0; i < r->n; i++)
		fprintf(stderr, "  %s %s %s\n", wa_step_status_name(r->steps[i].status),
		        r->steps[i].what, r->steps[i].detail);
}

/* What both ceremonies of a case expect: the challenge sent, the origins, the RP ID, UV as asked.
 */
static wa_expect expected(const combo *c, const wa_blob *chal)
{
	return (wa_expect){.challenge = chal->ptr,
	                   .challenge_len = chal->len,
	                   .origins = origins,
	                   .n_origins = N(origins),
	                   .rp_id = RP_ID,
	                   .require_uv = c->require_uv};
}

/* Our §7.1 verifier under the strictest policy the case allows: the one algorithm asked for,
 * x5c chains required to reach an anchor, zero AAGUID for fido-u2f. */
static wa_err verify_registration(const sim_pki *sp, const combo *c, const char *challenge,
                                  const json_t *json, wa_credential *cred, wa_report *report)
{
	wa_reg_response resp;
	wa_trust trust;
	wa_blob chal = {0};
	wa_err err;

	if ((err = wa_b64url_decode(challenge, strlen(challenge), &chal)) != WA_OK)
		return err;
	if ((err = wa_reg_response_from_json(json, &resp)) != WA_OK) {
		wa_blob_reset(&chal);
		return err;
	}
	if ((err = wa_trust_init(&trust, wa_clock_now(&sp->clock))) == WA_OK) {
		/* The root for packed (x5c = leaf, intermediate); fido-u2f sends the leaf alone,
		 * so its issuer must be an anchor itself. */
		if ((err = wa_trust_add_cert(&trust, sp->pki.ca)) == WA_OK &&
		    (err = wa_trust_add_cert(&trust, sp->intermediate)) == WA_OK) {
			wa_reg_options opt = {
			        .expect = expected(c, &chal),
			        .algs = &c->alg->alg,
			        .n_algs = 1,
			        .trust = &trust,
			        .require_trusted_attestation = true,
			        .u2f_require_zero_aaguid = c->u2f,
			};
			err = wa_verify_registration(&opt, &resp, cred, report);
		}
		wa_trust_reset(&trust);
	}
	wa_reg_response_reset(&resp);
	wa_blob_reset(&chal);
	return err;
}

/* Our §7.2 verifier against the stored record (updated in place on success). */
static wa_err verify_authentication(const combo *c, const char *challenge, const json_t *json,
                                    wa_credential *cred, wa_report *report)
{
	wa_auth_response resp;
	wa_blob chal = {0};
	wa_err err;

	if ((err = wa_b64url_decode(challenge, strlen(challenge), &chal)) != WA_OK)
		return err;
	if ((err = wa_auth_response_from_json(json, &resp)) != WA_OK) {
		wa_blob_reset(&chal);
		return err;
	}
	wa_auth_options opt = {
	        .expect = expected(c, &chal),
	        .allow_credentials = c->resident ? NULL : &cred->id,
	        .n_allow_credentials = c->resident ? 0 : 1,
	        /* Username-less sign-in: the userHandle must name the record's owner. */
	        .user_identified = !c->resident,
	};
	err = wa_verify_authentication(&opt, &resp, cred, report);
	wa_auth_response_reset(&resp);
	wa_blob_reset(&chal);
	return err;
}

/* The browser client's answer, or NULL with the reason printed. */
static json_t *run_ceremony(const phone *ph, const combo *c, bool create, const json_t *opts)
{
	au_client_result res;
	json_t *out = NULL;
	au_err e = create ? au_client_create(ph->fido, opts, ORIGIN, &res)
	                  : au_client_get(ph->fido, opts, ORIGIN, &res);

	if (e != AU_OK) {
		fprintf(stderr, "gen_simulator_set: case \"%s\": %s: %s\n", c->name,
		        create ? "create" : "get", au_strerr(e));
		return NULL;
	}
	if (res.failure != AU_FAIL_NONE || res.response == NULL)
		fprintf(stderr, "gen_simulator_set: case \"%s\": %s failed: %s (%s)\n", c->name,
		        create ? "create" : "get", au_failure_name(res.failure), res.detail);
	else
		out = json_incref(res.response);
	au_client_result_reset(&res);
	return out;
}

/* One authentication: options, simulator, our verifier; appended to auths. 1 on success. */
static int add_authentication(const phone *ph, const combo *c, wa_credential *cred, int k,
                              json_t *auths)
{
	char *chal = new_challenge();
	json_t *opts = NULL, *resp = NULL, *after = NULL, *entry;
	wa_report report = {.ceremony = "authentication"};
	wa_err err;
	int ok = 0;

	if (chal == NULL || (opts = get_options(c, chal, &cred->id)) == NULL)
		goto out;
	if ((resp = run_ceremony(ph, c, false, opts)) == NULL)
		goto out;
	if ((err = verify_authentication(c, chal, resp, cred, &report)) != WA_OK) {
		print_report(c, k == 0 ? "first authentication" : "second authentication", err,
		             &report);
		goto out;
	}
	if ((after = wa_credential_to_json(cred)) == NULL)
		goto out;
	entry = json_pack("{s:s, s:O, s:O, s:O}", "challenge", chal, "options", opts, "response",
	                  resp, "credentialAfter", after);
	ok = entry != NULL && json_array_append_new(auths, entry) == 0;
out:
	json_decref(opts);
	json_decref(resp);
	json_decref(after);
	free(chal);
	return ok;
}

/* Registers and authenticates twice on a fresh phone; appends the case. 1 on success. */
static int add_case(json_t *cases, const sim_pki *sp, combo *c)
{
	phone ph;
	wa_credential cred = {0};
	wa_report report = {.ceremony = "registration"};
	char *chal = new_challenge();
	json_t *opts = NULL, *resp = NULL, *rec = NULL, *auths = json_array(), *entry;
	char aaguid[37];
	uint32_t reg_count = 0;
	wa_err err;
	int ok = 0;

	snprintf(c->name, sizeof(c->name), "%s-%s-rk_%s-uv_%s", c->alg->name, c->attestation, c->rk,
	         c->uv);
	if (!phone_open(&ph, sp, c) || chal == NULL || auths == NULL ||
	    (opts = create_options(c, chal)) == NULL)
		goto out;
	if ((resp = run_ceremony(&ph, c, true, opts)) == NULL)
		goto out;
	if ((err = verify_registration(sp, c, chal, resp, &cred, &report)) != WA_OK) {
		print_report(c, "registration", err, &report);
		goto out;
	}
	/* The RP knows the user.id it sent; a username-less assertion must return it. */
	if (wa_b64url_decode(USER_ID, strlen(USER_ID), &cred.user_handle) != WA_OK)
		goto out;
	/* The record as stored right after registration is what the others authenticate
	 * against (with their own parsed key, compared to ours). */
	if ((rec = wa_credential_to_json(&cred)) == NULL)
		goto out;
	reg_count = cred.sign_count;
	for (int k = 0; k < 2; k++)
		if (!add_authentication(&ph, c, &cred, k, auths))
			goto out;
	wa_aaguid_format(cred.aaguid, aaguid);
	entry = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:b, s:s, s:{s:s, s:O, s:O}, s:O, s:O}",
	                  "name", c->name, "alg", (json_int_t)c->alg->alg, "attestation",
	                  c->attestation, "fmt", cred.fmt, "residentKey", c->rk, "userVerification",
	                  c->uv, "requireUserVerification", c->require_uv, "aaguid", aaguid,
	                  "registration", "challenge", chal, "options", opts, "response", resp,
	                  "credential", rec, "authentications", auths);
	ok = entry != NULL && json_array_append_new(cases, entry) == 0;
	if (ok)
		printf("ok   %-44s fmt %-8s counter %u -> %u\n", c->name, cred.fmt, reg_count,
		       cred.sign_count);
out:
	json_decref(opts);
	json_decref(resp);
	json_decref(rec);
	json_decref(auths);
	free(chal);
	wa_credential_reset(&cred);
	phone_close(&ph);
	return ok;
}

static bool sim_pki_init(sim_pki *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->clock = wa_clock_system(0);
	/* Root valid from yesterday for ten years: every verifier checks validity against now. */
	if (!sa_pki_init(&sp->pki, -1, 3650))
		return false;
	sp->intermediate_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (sp->intermediate_key == NULL)
		return false;
	sp->intermediate =
	        sa_make_cert(sp->intermediate_key, sp->pki.ca_key, sp->pki.ca, "Attestation CA",
	                     "kagura test attestation intermediate", true, -1, 3650);
	return sp->intermediate != NULL;
}

static void sim_pki_free(sim_pki *sp)
{
	X509_free(sp->intermediate);
	EVP_PKEY_free(sp->intermediate_key);
	sa_pki_free(&sp->pki);
}

int main(int argc, char **argv)
{
	sim_pki sp;
	json_t *root = NULL, *cases = NULL, *root_pem = NULL, *inter_pem = NULL;
	int failed = 0, setup = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUT.json\n", argv[0]);
		return 2;
	}
	/* No silent downgrade to U2F: a broken GetInfo must fail the open. */
	fido_init(FIDO_DISABLE_U2F_FALLBACK);
	if (!sim_pki_init(&sp) || (cases = json_array()) == NULL ||
	    (root_pem = sa_pem_json(sp.pki.ca)) == NULL ||
	    (inter_pem = sa_pem_json(sp.intermediate)) == NULL) {
		fprintf(stderr, "gen_simulator_set: cannot set up the test attestation PKI\n");
		setup = 1;
		goto out;
	}
	for (size_t a = 0; a < N(algs); a++)
		for (size_t t = 0; t < N(attestations); t++)
			for (size_t r = 0; r < N(requirements); r++)
				for (size_t u = 0; u < N(requirements); u++) {
					combo c = {
					        .alg = &algs[a],
					        .attestation = attestations[t],
					        .rk = requirements[r],
					        .uv = requirements[u],
					        .require_uv = u == 0,
					        .resident = r == 0,
					        .u2f = strcmp(attestations[t], "fido-u2f") == 0,
					};
					if (c.u2f && algs[a].alg != WA_COSE_ES256)
						continue; /* U2F signs with and names P-256 only */
					failed |= !add_case(cases, &sp, &c);
				}
	if (failed)
		goto out;
	root = json_pack("{s:s, s:s, s:s, s:s, s:O, s:O, s:O}", "generator", "gen_simulator_set",
	                 "origin", ORIGIN, "rpID", RP_ID, "rpName", RP_NAME, "rootCaPem", root_pem,
	                 "intermediatePem", inter_pem, "cases", cases);
	if (root == NULL || json_dump_file(root, argv[1], JSON_INDENT(1)) != 0) {
		fprintf(stderr, "gen_simulator_set: cannot write %s\n", argv[1]);
		setup = 1;
		goto out;
	}
	printf("gen_simulator_set: %zu cases (registration + 2 authentications each) verified "
	       "by our core, written to %s\n",
	       json_array_size(cases), argv[1]);
out:
	/* A stale file from an earlier run must not be cross-checked in place of this one. */
	if (failed || setup)
		remove(argv[1]);
	json_decref(root);
	json_decref(cases);
	json_decref(root_pem);
	json_decref(inter_pem);
	sim_pki_free(&sp);
	return setup ? 2 : failed ? 1 : 0;
}
