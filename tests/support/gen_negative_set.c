/*
 * Writes the "negative set" for the webauthn4j cross-check (tests/java): valid baseline
 * ceremonies and systematically broken variants of them (wrong challenge, origin, type,
 * rpIdHash, flags, counter, signature, truncated authData, malformed CBOR, unsupported alg,
 * ...), each built by the soft authenticator and verified by OUR core, whose verdict and
 * error code are recorded with the case. The Java checker verifies the same bytes and
 * compares verdicts. A baseline our core refuses, or a broken variant it accepts, fails the
 * generator: the file only holds cases whose verdict is what the case is about.
 *
 * Usage: gen_negative_set OUT.json   (exit 1 when a verdict is not the intended one, 2 on a
 * usage or set-up error; the output is removed on failure)
 */
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "softauthn.h"
#include "webauthn/authdata.h"
#include "webauthn/authentication.h"
#include "webauthn/b64url.h"
#include "webauthn/cborx.h"
#include "webauthn/registration.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* authenticatorData layout (§6.1): rpIdHash, flags, signCount, then attested data. */
#define AD_FLAGS_AT     32
#define AD_COUNTER_LAST 36
#define AD_HEADER_LEN   37

/* COSE key labels (RFC 9053) the mutations touch. */
#define COSE_LABEL_ALG 3
#define COSE_LABEL_X   (-2)
#define COSE_LABEL_Y   (-3)

/* A COSE algorithm number no registry assigns. */
#define COSE_ALG_UNASSIGNED (-999)

/* How many bytes the "truncated CBOR" case cuts off the attestationObject. */
#define ATTOBJ_CUT 10

enum ceremony { REGISTRATION, AUTHENTICATION };

/* What the case is about: a baseline must verify, a broken variant must be refused. */
enum intent { MUST_VERIFY, MUST_FAIL };

typedef struct neg_case {
	const char *name;
	enum ceremony ceremony;
	enum intent intent;
	const char *fmt;              /* registration format; NULL = packed-self */
	void (*params)(sa_params *p); /* applied to the ceremony under test */
	sa_hooks hooks;               /* applied to the ceremony under test */
	bool require_uv;
	int64_t only_alg;      /* pubKeyCredParams holds just this alg; 0 = the key's own */
	uint32_t stored_count; /* authentication: the stored counter before the assertion */
	bool stored_be;        /* authentication: the stored record says backup eligible */
} neg_case;

/* ---- params ---- */
static void p_counter_3(sa_params *p)
{
	p->sign_count = 3;
}

/* ---- CBOR edits ---- */

/* A key of a CBOR map: a text key, or an integer label when text is NULL. */
typedef struct map_key {
	const char *text;
	int64_t label;
} map_key;

static bool key_matches(const cbor_item_t *item, map_key key)
{
	int64_t label;

	if (key.text != NULL)
		return cbor_isa_string(item) && wa_cbor_text_eq(item, key.text);
	return wa_cbor_int(item, &label) && label == key.label;
}

/* Replaces blob (a CBOR map) with a copy where key maps to value in the key's own place (so
 * a canonical map stays canonical), or without key when value is NULL; value's reference is
 * taken. The key must be in the map. */
static void cbor_blob_set(wa_blob *blob, map_key key, cbor_item_t *value)
{
	cbor_item_t *map = NULL, *out;
	struct cbor_pair *pairs;
	unsigned char *buf = NULL;
	size_t cap = 0, n;
	bool found = false;

	if (wa_cbor_load_exact(blob->ptr, blob->len, &map) != WA_OK || !cbor_isa_map(map))
		abort(); /* the soft authenticator's own output is always a map */
	out = cbor_new_definite_map(cbor_map_size(map));
	pairs = cbor_map_handle(map);
	for (size_t i = 0; i < cbor_map_size(map); i++) {
		if (!key_matches(pairs[i].key, key))
			cbor_map_add(out, pairs[i]);
		else if (value != NULL)
			cbor_map_add(out, (struct cbor_pair){.key = pairs[i].key, .value = value});
		found |= key_matches(pairs[i].key, key);
	}
	if (!found)
		abort();
	if (value != NULL)
		cbor_decref(&value);
	if ((n = cbor_serialize_alloc(out, &buf, &cap)) == 0)
		abort();
	wa_blob_set(blob, buf, n);
	free(buf);
	cbor_decref(&out);
	cbor_decref(&map);
}

#define LABEL(l) ((map_key){.label = (l)})
#define TEXT(t)  ((map_key){.text = (t)})

/* The byte string under an integer label of the COSE key, copied out. */
static void cose_bytes(const wa_blob *cose, int64_t label, uint8_t *out, size_t len)
{
	cbor_item_t *map = NULL, *v;
	const uint8_t *p;
	size_t n;

	if (wa_cbor_load_exact(cose->ptr, cose->len, &map) != WA_OK ||
	    (v = wa_cbor_map_get_int(map, label)) == NULL || !wa_cbor_bytes(v, &p, &n) || n < len)
		abort();
	memcpy(out, p, len);
	cbor_decref(&map);
}

/* ---- COSE key hooks (before the key goes into authData, so everything is signed) ---- */
static void k_alg_unassigned(wa_blob *cose)
{
	cbor_blob_set(cose, LABEL(COSE_LABEL_ALG), wa_cbor_build_int(COSE_ALG_UNASSIGNED));
}
static void k_y_off_curve(wa_blob *cose)
{
	uint8_t y[32];

	cose_bytes(cose, COSE_LABEL_Y, y, sizeof(y));
	y[sizeof(y) - 1] ^= 0x01;
	cbor_blob_set(cose, LABEL(COSE_LABEL_Y), cbor_build_bytestring(y, sizeof(y)));
}
static void k_x_short(wa_blob *cose)
{
	uint8_t x[32];

	cose_bytes(cose, COSE_LABEL_X, x, sizeof(x));
	cbor_blob_set(cose, LABEL(COSE_LABEL_X), cbor_build_bytestring(x + 1, sizeof(x) - 1));
}

/* ---- authenticatorData hooks (before signing) ---- */
static void a_attested_truncated(wa_blob *ad)
{
	ad->len = AD_HEADER_LEN; /* AT still set */
}
static void a_short(wa_blob *ad)
{
	ad->len = AD_HEADER_LEN - 1;
}
static void a_trailing(wa_blob *ad)
{
	sa_append(ad, "\x00", 1);
}
static void a_set_at(wa_blob *ad)
{
	ad->ptr[AD_FLAGS_AT] |= WA_FLAG_AT;
}
static void a_ed_no_extensions(wa_blob *ad)
{
	ad->ptr[AD_FLAGS_AT] |= WA_FLAG_ED;
}

/* ---- signature hooks (after signing) ---- */
static void s_flip(wa_blob *sig)
{
	sig->ptr[sig->len - 1] ^= 0x01;
}
static void s_not_der(wa_blob *sig)
{
	wa_blob_set(sig, "\x01\x02\x03\x04", 4);
}

/* ---- attStmt and attestationObject hooks ---- */
static void t_none_with_sig(cbor_item_t *stmt)
{
	cbor_item_t *k = cbor_build_string("sig"), *v = cbor_build_bytestring((cbor_data) "x", 1);

	cbor_map_add(stmt, (struct cbor_pair){.key = k, .value = v});
	cbor_decref(&k);
	cbor_decref(&v);
}
static void o_truncated(wa_blob *obj)
{
	obj->len -= ATTOBJ_CUT;
}
static void o_not_map(wa_blob *obj)
{
	wa_blob_set(obj, "\x83\x01\x02\x03", 4);
}
static void o_fmt_unknown(wa_blob *obj)
{
	cbor_blob_set(obj, TEXT("fmt"), cbor_build_string("kagura-private"));
}
static void o_authdata_missing(wa_blob *obj)
{
	cbor_blob_set(obj, TEXT("authData"), NULL);
}

/* ---- clientDataJSON and response JSON hooks ---- */
static void c_not_json(wa_blob *cdata)
{
	cdata->len /= 2; /* cut mid-object */
}
static void j_type_other(json_t *resp)
{
	json_object_set_new(resp, "type", json_string("private-key"));
}
#define P(f)   .params = (f)
#define K(f)   .hooks = {.cose_key = (f)}
#define A(f)   .hooks = {.auth_data = (f)}
#define S(f)   .hooks = {.signature = (f)}
#define T(f)   .hooks = {.att_stmt = (f)}
#define O(f)   .hooks = {.att_obj = (f)}
#define C(f)   .hooks = {.client_data = (f)}
#define J(f)   .hooks = {.json = (f)}
#define REG    .ceremony = REGISTRATION
#define AUTH   .ceremony = AUTHENTICATION
#define VALID  .intent = MUST_VERIFY
#define BROKEN .intent = MUST_FAIL

static const neg_case cases[] = {
        /* registration (§7.1) */
        {"reg-baseline-none", REG, VALID, .fmt = "none"},
        {"reg-baseline-packed-self", REG, VALID},
        {"reg-baseline-packed-x5c", REG, VALID, .fmt = "packed"},
        {"reg-wrong-challenge", REG, BROKEN, P(sa_break_challenge)},
        {"reg-wrong-origin", REG, BROKEN, P(sa_break_origin_other)},
        {"reg-origin-http", REG, BROKEN, P(sa_break_origin_http)},
        {"reg-origin-other-port", REG, BROKEN, P(sa_break_origin_port)},
        {"reg-origin-subdomain", REG, BROKEN, P(sa_break_origin_subdomain)},
        {"reg-type-webauthn.get", REG, BROKEN, P(sa_break_type_get)},
        {"reg-cross-origin-true", REG, BROKEN, P(sa_break_cross_origin)},
        {"reg-rpidhash-other-rp", REG, BROKEN, P(sa_break_rp_other)},
        {"reg-up-clear", REG, BROKEN, P(sa_break_up)},
        {"reg-uv-clear-uv-required", REG, BROKEN, P(sa_break_uv), .require_uv = true},
        {"reg-bs-without-be", REG, BROKEN, P(sa_break_bs_only)},
        {"reg-self-attestation-sig-flipped", REG, BROKEN, S(s_flip)},
        {"reg-x5c-attestation-sig-flipped", REG, BROKEN, .fmt = "packed", S(s_flip)},
        {"reg-x5c-aaguid-not-in-certificate", REG, BROKEN, .fmt = "packed", P(sa_break_aaguid)},
        {"reg-alg-not-in-pubkeycredparams", REG, BROKEN, .only_alg = WA_COSE_ES384},
        {"reg-cose-alg-unassigned", REG, BROKEN, .fmt = "none", K(k_alg_unassigned)},
        {"reg-cose-point-off-curve", REG, BROKEN, .fmt = "none", K(k_y_off_curve)},
        {"reg-cose-x-31-bytes", REG, BROKEN, .fmt = "none", K(k_x_short)},
        {"reg-authdata-attested-data-truncated", REG, BROKEN, A(a_attested_truncated)},
        {"reg-authdata-trailing-byte", REG, BROKEN, A(a_trailing)},
        {"reg-attobj-cbor-truncated", REG, BROKEN, O(o_truncated)},
        {"reg-attobj-not-a-map", REG, BROKEN, O(o_not_map)},
        {"reg-attobj-authdata-missing", REG, BROKEN, O(o_authdata_missing)},
        {"reg-fmt-unknown", REG, BROKEN, O(o_fmt_unknown)},
        {"reg-none-with-attstmt", REG, BROKEN, .fmt = "none", T(t_none_with_sig)},
        {"reg-clientdata-not-json", REG, BROKEN, C(c_not_json)},
        {"reg-json-type-not-public-key", REG, BROKEN, J(j_type_other)},
        {"reg-json-id-not-attested-id", REG, BROKEN, J(sa_break_json_other_id)},
        /* authentication (§7.2), against the record of a baseline registration */
        {"auth-baseline", AUTH, VALID},
        {"auth-baseline-counter-0-stored-0", AUTH, VALID, P(sa_break_counter_0), .stored_count = 0},
        {"auth-baseline-uv-clear-uv-not-required", AUTH, VALID, P(sa_break_uv)},
        {"auth-wrong-challenge", AUTH, BROKEN, P(sa_break_challenge)},
        {"auth-wrong-origin", AUTH, BROKEN, P(sa_break_origin_other)},
        {"auth-origin-subdomain", AUTH, BROKEN, P(sa_break_origin_subdomain)},
        {"auth-type-webauthn.create", AUTH, BROKEN, P(sa_break_type_create)},
        {"auth-cross-origin-true", AUTH, BROKEN, P(sa_break_cross_origin)},
        {"auth-rpidhash-other-rp", AUTH, BROKEN, P(sa_break_rp_other)},
        {"auth-up-clear", AUTH, BROKEN, P(sa_break_up)},
        {"auth-uv-clear-uv-required", AUTH, BROKEN, P(sa_break_uv), .require_uv = true},
        {"auth-bs-without-be", AUTH, BROKEN, P(sa_break_bs_only)},
        {"auth-be-set-stored-not-eligible", AUTH, BROKEN, P(sa_break_be)},
        {"auth-be-clear-stored-eligible", AUTH, BROKEN, .stored_be = true},
        {"auth-signature-flipped", AUTH, BROKEN, S(s_flip)},
        {"auth-signature-not-der", AUTH, BROKEN, S(s_not_der)},
        {"auth-authdata-changed-after-signing", AUTH, BROKEN,
         J(sa_break_json_counter_after_signing)},
        {"auth-counter-equal-to-stored", AUTH, BROKEN, P(sa_break_counter_5), .stored_count = 5},
        {"auth-counter-below-stored", AUTH, BROKEN, P(p_counter_3), .stored_count = 7},
        {"auth-counter-0-stored-7", AUTH, BROKEN, P(sa_break_counter_0), .stored_count = 7},
        {"auth-authdata-36-bytes", AUTH, BROKEN, A(a_short)},
        {"auth-authdata-trailing-byte", AUTH, BROKEN, A(a_trailing)},
        {"auth-authdata-at-set", AUTH, BROKEN, A(a_set_at)},
        {"auth-authdata-ed-set-no-extensions", AUTH, BROKEN, A(a_ed_no_extensions)},
        {"auth-clientdata-not-json", AUTH, BROKEN, C(c_not_json)},
        {"auth-json-type-not-public-key", AUTH, BROKEN, J(j_type_other)},
        {"auth-unknown-credential-id", AUTH, BROKEN, J(sa_break_json_other_id)},
};

static const char *const origins[] = {SA_ORIGIN};

/* The registration counter of every case; authentication cases sign 1 more unless told. */
#define REG_COUNTER  1
#define AUTH_COUNTER 2

/* A fresh random challenge, so no two ceremonies in the file share one. */
static char *new_challenge(sa_params *p)
{
	if (RAND_bytes(p->challenge, (int)sizeof(p->challenge)) != 1)
		return NULL;
	return wa_b64url_encode(p->challenge, sizeof(p->challenge));
}

static wa_expect expected(const uint8_t *challenge, size_t len, bool require_uv)
{
	return (wa_expect){.challenge = challenge,
	                   .challenge_len = len,
	                   .origins = origins,
	                   .n_origins = N(origins),
	                   .rp_id = SA_RP_ID,
	                   .require_uv = require_uv};
}

/* Our §7.1 verifier: the one alg asked for, x5c chains must reach the test CA. */
static wa_err verify_reg(const sa_pki *pki, const uint8_t chal[32], bool require_uv, int64_t alg,
                         const json_t *json, wa_credential *cred, wa_report *report)
{
	wa_reg_response resp;
	wa_trust trust;
	wa_err err;

	if ((err = wa_reg_response_from_json(json, &resp)) != WA_OK)
		return err;
	if ((err = wa_trust_init(&trust, time(NULL))) == WA_OK) {
		if ((err = wa_trust_add_cert(&trust, pki->ca)) == WA_OK) {
			wa_reg_options opt = {
			        .expect = expected(chal, 32, require_uv),
			        .algs = &alg,
			        .n_algs = 1,
			        .trust = &trust,
			        .require_trusted_attestation = true,
			};
			err = wa_verify_registration(&opt, &resp, cred, report);
		}
		wa_trust_reset(&trust);
	}
	wa_reg_response_reset(&resp);
	return err;
}

/* Our §7.2 verifier against the stored record (a username-first sign-in: user identified). */
static wa_err verify_auth(const uint8_t chal[32], bool require_uv, const json_t *json,
                          wa_credential *cred, wa_report *report)
{
	wa_auth_response resp;
	wa_err err;

	if ((err = wa_auth_response_from_json(json, &resp)) != WA_OK)
		return err;
	wa_auth_options opt = {
	        .expect = expected(chal, 32, require_uv),
	        .user_identified = true,
	};
	err = wa_verify_authentication(&opt, &resp, cred, report);
	wa_auth_response_reset(&resp);
	return err;
}

static void print_report(const neg_case *c, wa_err err, const wa_report *r)
{
	fprintf(stderr, "gen_negative_set: case \"%s\" (%s): our core says %s (%s)\n", c->name,
	        c->intent == MUST_VERIFY ? "must verify" : "must be refused", wa_errname(err),
	        wa_strerr(err));
	for (size_t i = 0; i < r->n; i++)
		fprintf(stderr, "  %s %s %s\n", wa_step_status_name(r->steps[i].status),
		        r->steps[i].what, r->steps[i].detail);
}

/* The parts of a case's JSON record, owned until added to the case object. */
typedef struct built {
	json_t *reg, *auth;
	char *reg_chal, *auth_chal;
	int64_t alg;
	wa_err err;
} built;

static void built_reset(built *b)
{
	json_decref(b->reg);
	json_decref(b->auth);
	free(b->reg_chal);
	free(b->auth_chal);
	memset(b, 0, sizeof(*b));
}

/* Builds the case's ceremonies and runs our core over the one under test. 0 on a set-up
 * failure (the soft authenticator could not build it, or a baseline registration failed). */
static int build_case(const neg_case *c, const sa_pki *pki, built *b)
{
	sa_params p = sa_default_params();
	sa_credential sc = {0};
	wa_credential cred = {0};
	wa_report report = {.ceremony = "registration"};
	bool under_test = c->ceremony == REGISTRATION;
	uint8_t reg_chal[32], auth_chal[32];
	int ok = 0;

	p.fmt = c->fmt ? c->fmt : "packed-self";
	p.sign_count = REG_COUNTER;
	if ((b->reg_chal = new_challenge(&p)) == NULL)
		return 0;
	memcpy(reg_chal, p.challenge, sizeof(reg_chal));
	b->alg = c->only_alg ? c->only_alg : p.alg;
	if (under_test && c->params)
		c->params(&p);
	if ((b->reg = sa_register(&p, under_test ? &c->hooks : NULL, pki, &sc)) == NULL)
		goto out;
	b->err = verify_reg(pki, reg_chal, under_test && c->require_uv, b->alg, b->reg, &cred,
	                    &report);
	if (under_test) {
		ok = 1;
		goto out;
	}
	if (b->err != WA_OK) {
		print_report(c, b->err, &report);
		goto out;
	}
	p = sa_default_params();
	p.sign_count = AUTH_COUNTER;
	if ((b->auth_chal = new_challenge(&p)) == NULL)
		goto out;
	memcpy(auth_chal, p.challenge, sizeof(auth_chal));
	if (c->params)
		c->params(&p);
	if ((b->auth = sa_authenticate(&p, &c->hooks, &sc)) == NULL)
		goto out;
	cred.sign_count = c->stored_count;
	cred.backup_eligible = c->stored_be;
	memset(&report, 0, sizeof(report));
	report.ceremony = "authentication";
	b->err = verify_auth(auth_chal, c->require_uv, b->auth, &cred, &report);
	ok = 1;
out:
	if (ok && (b->err == WA_OK) != (c->intent == MUST_VERIFY)) {
		print_report(c, b->err, &report);
		ok = 0;
	}
	wa_credential_reset(&cred);
	sa_credential_free(&sc);
	return ok;
}

/* Builds, verifies with our core and appends one case; 0 when its verdict is not the
 * intended one or it could not be built. */
static int add_case(json_t *out, const sa_pki *pki, const neg_case *c)
{
	built b = {0};
	json_t *entry = NULL;
	int ok = 0;

	if (!build_case(c, pki, &b)) {
		fprintf(stderr, "gen_negative_set: case \"%s\" failed\n", c->name);
		goto out;
	}
	entry = json_pack("{s:s, s:s, s:s, s:b, s:[I], s:{s:s, s:O}, s:{s:s, s:s}}", "name",
	                  c->name, "ceremony",
	                  c->ceremony == REGISTRATION ? "registration" : "authentication", "fmt",
	                  c->fmt ? c->fmt : "packed-self", "requireUserVerification", c->require_uv,
	                  "supportedAlgorithmIDs", (json_int_t)b.alg, "registration", "challenge",
	                  b.reg_chal, "response", b.reg, "core", "verdict",
	                  b.err == WA_OK ? "valid" : "invalid", "error", wa_errname(b.err));
	if (entry == NULL)
		goto out;
	if (c->ceremony == AUTHENTICATION &&
	    json_object_set_new(entry, "authentication",
	                        json_pack("{s:s, s:O, s:I, s:b}", "challenge", b.auth_chal,
	                                  "response", b.auth, "storedSignCount",
	                                  (json_int_t)c->stored_count, "storedBackupEligible",
	                                  c->stored_be)) != 0)
		goto out;
	ok = json_array_append(out, entry) == 0;
	if (ok)
		printf("%-40s %-14s core %s\n", c->name,
		       c->ceremony == REGISTRATION ? "registration" : "authentication",
		       wa_errname(b.err));
out:
	json_decref(entry);
	built_reset(&b);
	return ok;
}

int main(int argc, char **argv)
{
	sa_pki pki = {0};
	json_t *root = NULL, *list = json_array(), *pem = NULL;
	int failed = 0, setup = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUT.json\n", argv[0]);
		json_decref(list);
		return 2;
	}
	/* Leaf valid from yesterday for 30 days: both verifiers check validity against now. */
	if (!sa_pki_init(&pki, -1, 30) || list == NULL || (pem = sa_pem_json(pki.ca)) == NULL) {
		fprintf(stderr, "gen_negative_set: cannot set up the test PKI\n");
		setup = 1;
		goto out;
	}
	for (size_t i = 0; i < N(cases); i++)
		failed |= !add_case(list, &pki, &cases[i]);
	if (failed)
		goto out;
	root = json_pack("{s:s, s:s, s:s, s:O, s:O}", "generator", "gen_negative_set", "origin",
	                 SA_ORIGIN, "rpID", SA_RP_ID, "caCertificatePem", pem, "cases", list);
	if (root == NULL || json_dump_file(root, argv[1], JSON_INDENT(1)) != 0) {
		fprintf(stderr, "gen_negative_set: cannot write %s\n", argv[1]);
		setup = 1;
		goto out;
	}
	printf("gen_negative_set: %zu cases, each with our core's verdict, written to %s\n",
	       json_array_size(list), argv[1]);
out:
	/* A stale file from an earlier run must not be cross-checked in place of this one. */
	if (failed || setup)
		remove(argv[1]);
	json_decref(root);
	json_decref(list);
	json_decref(pem);
	sa_pki_free(&pki);
	return setup ? 2 : failed ? 1 : 0;
}
