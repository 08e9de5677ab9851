#include "rp/verify_cmd.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "rp/readfile.h"
#include "webauthn/authentication.h"
#include "webauthn/b64url.h"
#include "webauthn/registration.h"

#define MAX_LIST         16
#define VERIFY_MAX_INPUT (1024 * 1024)

enum kind { KIND_REGISTRATION, KIND_AUTHENTICATION };

typedef struct verify_args {
	enum kind kind;
	const char *input;
	wa_blob challenge;
	const char *origins[MAX_LIST];
	size_t n_origins;
	const char *top_origins[MAX_LIST];
	size_t n_top_origins;
	const char *rp_id;
	bool require_uv;
	bool allow_cross_origin;
	int64_t algs[MAX_LIST];
	size_t n_algs;
	time_t at;
	bool have_at;
	const char *anchors[MAX_LIST];
	size_t n_anchors;
	bool require_trusted;
	bool u2f_zero_aaguid;
	bool android_empty_authz;
	bool android_tee_only;
	const char *credential_file;
	const char *public_key;
	long long counter;
	bool have_counter;
	bool backup_eligible;
	const char *reg_only;  /* first registration-only option seen */
	const char *auth_only; /* first authentication-only option seen */
	const char *user_handle;
	bool allow_counter_regression;
	bool json;
} verify_args;

static const char usage_text[] =
        "usage: kagura-rp verify registration|authentication [options] [FILE|-]\n"
        "  FILE holds RegistrationResponseJSON / AuthenticationResponseJSON (default: stdin)\n"
        "  --challenge B64URL      the challenge the options carried (required)\n"
        "  --origin ORIGIN         an expected origin (required, repeatable)\n"
        "  --rp-id ID              the RP ID (required)\n"
        "  --require-uv            userVerification was \"required\"\n"
        "  --allow-cross-origin    accept crossOrigin: true\n"
        "  --top-origin ORIGIN     an expected topOrigin (repeatable; implies "
        "--allow-cross-origin)\n"
        "  --json                  print the result as JSON (registration: includes the "
        "credential)\n"
        " registration:\n"
        "  --alg N                 a pubKeyCredParams algorithm (repeatable; default: any "
        "supported)\n"
        "  --at TIME               certificate verification time: 2025-01-30T00:00:00Z, 2025-01-30 "
        "or @EPOCH\n"
        "  --trust-anchor PEM      an attestation trust anchor (repeatable)\n"
        "  --require-trusted       fail an x5c attestation that was not verified against a trust\n"
        "                          anchor (without --trust-anchor: every x5c attestation)\n"
        "  --u2f-zero-aaguid       fido-u2f must carry a zero AAGUID (FIDO conformance)\n"
        "  --android-key-tee-only  android-key origin/purpose must come from teeEnforced\n"
        "  --android-key-allow-empty-authz\n"
        "                          accept android-key statements with both authorization lists\n"
        "                          empty (as the W3C test vectors have them)\n"
        " authentication (the stored credential):\n"
        "  --credential FILE       the JSON a registration verification printed (--json)\n"
        "  --public-key B64URL     or the COSE public key (of the credential the response names), "
        "with\n"
        "  --counter N             the stored signature counter (default 0)\n"
        "  --backup-eligible       the stored credential is backup eligible\n"
        "  --user-handle B64URL    the owner's user handle\n"
        "  --allow-counter-regression  accept a counter that did not increase\n"
        "exit status: 0 valid, 1 invalid, 2 usage or unreadable input\n";

static int usage(FILE *err, const char *fmt, const char *arg)
{
	fputs("kagura-rp verify: ", err);
	fprintf(err, fmt, arg);
	fputs("\n", err);
	fputs(usage_text, err);
	return 2;
}

static bool push(const char **list, size_t *n, const char *v)
{
	if (*n == MAX_LIST)
		return false;
	list[(*n)++] = v;
	return true;
}

static bool parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

enum {
	OPT_CHALLENGE = 256,
	OPT_ORIGIN,
	OPT_RP_ID,
	OPT_REQUIRE_UV,
	OPT_CROSS,
	OPT_TOP,
	OPT_ALG,
	OPT_AT,
	OPT_ANCHOR,
	OPT_TRUSTED,
	OPT_U2F,
	OPT_CRED,
	OPT_PK,
	OPT_COUNTER,
	OPT_BE,
	OPT_UH,
	OPT_REGRESS,
	OPT_JSON,
	OPT_HELP,
	OPT_ANDROID_EMPTY,
	OPT_ANDROID_TEE,
};

static const struct option longopts[] = {
        {"challenge", required_argument, NULL, OPT_CHALLENGE},
        {"origin", required_argument, NULL, OPT_ORIGIN},
        {"rp-id", required_argument, NULL, OPT_RP_ID},
        {"require-uv", no_argument, NULL, OPT_REQUIRE_UV},
        {"allow-cross-origin", no_argument, NULL, OPT_CROSS},
        {"top-origin", required_argument, NULL, OPT_TOP},
        {"alg", required_argument, NULL, OPT_ALG},
        {"at", required_argument, NULL, OPT_AT},
        {"trust-anchor", required_argument, NULL, OPT_ANCHOR},
        {"require-trusted", no_argument, NULL, OPT_TRUSTED},
        {"u2f-zero-aaguid", no_argument, NULL, OPT_U2F},
        {"android-key-allow-empty-authz", no_argument, NULL, OPT_ANDROID_EMPTY},
        {"android-key-tee-only", no_argument, NULL, OPT_ANDROID_TEE},
        {"credential", required_argument, NULL, OPT_CRED},
        {"public-key", required_argument, NULL, OPT_PK},
        {"counter", required_argument, NULL, OPT_COUNTER},
        {"backup-eligible", no_argument, NULL, OPT_BE},
        {"user-handle", required_argument, NULL, OPT_UH},
        {"allow-counter-regression", no_argument, NULL, OPT_REGRESS},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
};

static int parse_option(verify_args *a, int c, const char *arg, FILE *err)
{
	long long v;

	/* Options of the other ceremony are refused, never silently dropped. */
	for (const struct option *o = longopts; o->name != NULL; o++) {
		if (o->val != c)
			continue;
		if ((c >= OPT_ALG && c <= OPT_U2F) || c == OPT_ANDROID_EMPTY ||
		    c == OPT_ANDROID_TEE) {
			if (a->reg_only == NULL)
				a->reg_only = o->name;
		} else if (c >= OPT_CRED && c <= OPT_REGRESS) {
			if (a->auth_only == NULL)
				a->auth_only = o->name;
		}
	}

	switch (c) {
	case OPT_CHALLENGE:
		if (wa_b64url_decode(arg, strlen(arg), &a->challenge) != WA_OK ||
		    a->challenge.len == 0)
			return usage(err, "--challenge is not base64url: %s", arg);
		return 0;
	case OPT_ORIGIN:
		return push(a->origins, &a->n_origins, arg) ? 0
		                                            : usage(err, "too many %s", "--origin");
	case OPT_RP_ID:
		a->rp_id = arg;
		return 0;
	case OPT_REQUIRE_UV:
		a->require_uv = true;
		return 0;
	case OPT_CROSS:
		a->allow_cross_origin = true;
		return 0;
	case OPT_TOP:
		a->allow_cross_origin = true;
		return push(a->top_origins, &a->n_top_origins, arg)
		               ? 0
		               : usage(err, "too many %s", "--top-origin");
	case OPT_ALG:
		if (!parse_int(arg, -65536, 65535, &v) || a->n_algs == MAX_LIST)
			return usage(err, "--alg needs a COSE algorithm number: %s", arg);
		a->algs[a->n_algs++] = v;
		return 0;
	case OPT_AT:
		if (!wa_time_parse(arg, &a->at))
			return usage(err, "--at is not a time: %s", arg);
		a->have_at = true;
		return 0;
	case OPT_ANCHOR:
		return push(a->anchors, &a->n_anchors, arg)
		               ? 0
		               : usage(err, "too many %s", "--trust-anchor");
	case OPT_TRUSTED:
		a->require_trusted = true;
		return 0;
	case OPT_U2F:
		a->u2f_zero_aaguid = true;
		return 0;
	case OPT_ANDROID_EMPTY:
		a->android_empty_authz = true;
		return 0;
	case OPT_ANDROID_TEE:
		a->android_tee_only = true;
		return 0;
	case OPT_CRED:
		a->credential_file = arg;
		return 0;
	case OPT_PK:
		a->public_key = arg;
		return 0;
	case OPT_COUNTER:
		if (!parse_int(arg, 0, UINT32_MAX, &a->counter))
			return usage(err, "--counter needs 0..4294967295: %s", arg);
		a->have_counter = true;
		return 0;
	case OPT_BE:
		a->backup_eligible = true;
		return 0;
	case OPT_UH:
		a->user_handle = arg;
		return 0;
	case OPT_REGRESS:
		a->allow_counter_regression = true;
		return 0;
	case OPT_JSON:
		a->json = true;
		return 0;
	default:
		return usage(err, "%s", "unknown option");
	}
}

static int parse_args(int argc, char **argv, verify_args *a, FILE *out, FILE *err)
{
	int c, rc;

	if (argc < 2)
		return usage(err, "%s", "registration or authentication?");
	if (strcmp(argv[1], "registration") == 0)
		a->kind = KIND_REGISTRATION;
	else if (strcmp(argv[1], "authentication") == 0)
		a->kind = KIND_AUTHENTICATION;
	else if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, out);
		return 3;
	} else
		return usage(err, "unknown ceremony '%s'", argv[1]);
	optind = 2;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == OPT_HELP || c == 'h') {
			fputs(usage_text, out);
			return 3;
		}
		if (c == ':')
			return usage(err, "option '%s' needs a value", argv[optind - 1]);
		if (c == '?')
			return usage(err, "unknown option '%s'", argv[optind - 1]);
		if ((rc = parse_option(a, c, optarg, err)) != 0)
			return rc;
	}
	if (optind < argc - 1)
		return usage(err, "more than one input file (%s...)", argv[optind + 1]);
	a->input = optind < argc ? argv[optind] : "-";
	if (a->challenge.len == 0)
		return usage(err, "%s is required", "--challenge");
	if (a->n_origins == 0)
		return usage(err, "%s is required", "--origin");
	if (a->rp_id == NULL)
		return usage(err, "%s is required", "--rp-id");
	if (a->kind == KIND_REGISTRATION && a->auth_only != NULL)
		return usage(err, "--%s applies to authentication only", a->auth_only);
	if (a->kind == KIND_AUTHENTICATION && a->reg_only != NULL)
		return usage(err, "--%s applies to registration only", a->reg_only);
	if (a->kind == KIND_AUTHENTICATION &&
	    (a->credential_file == NULL) == (a->public_key == NULL))
		return usage(err, "%s",
		             "authentication needs exactly one of --credential or --public-key");
	return 0;
}

static void print_report(FILE *out, const wa_report *r)
{
	bool reg = r->ceremony != NULL && strcmp(r->ceremony, "registration") == 0;

	fprintf(out, "%s verification (W3C WebAuthn Level 3 §%s)\n", r->ceremony ? r->ceremony : "",
	        reg ? "7.1" : "7.2");
	for (size_t i = 0; i < r->n; i++) {
		const wa_step *s = &r->steps[i];
		fprintf(out, "  %-7s %s", wa_step_status_name(s->status), s->what);
		if (s->detail[0])
			fprintf(out, " — %s", s->detail);
		if (s->status == WA_STEP_FAILED)
			fprintf(out, " [%s]", wa_errname(s->err));
		fputc('\n', out);
	}
}

static json_t *report_json(const wa_report *r, wa_err result)
{
	json_t *root = json_object(), *steps = json_array();

	for (size_t i = 0; i < r->n; i++) {
		const wa_step *s = &r->steps[i];
		json_t *st = json_pack("{s:s, s:s, s:s}", "step", s->what, "status",
		                       wa_step_status_name(s->status), "detail", s->detail);
		if (st != NULL && s->status == WA_STEP_FAILED)
			json_object_set_new(st, "error", json_string(wa_errname(s->err)));
		json_array_append_new(steps, st);
	}
	json_object_set_new(root, "ceremony", json_string(r->ceremony));
	json_object_set_new(root, "valid", json_boolean(result == WA_OK));
	if (result != WA_OK) {
		json_object_set_new(root, "error", json_string(wa_errname(result)));
		json_object_set_new(root, "message", json_string(wa_strerr(result)));
	}
	json_object_set_new(root, "steps", steps);
	return root;
}

/* True when the report's trust step verified the path to an anchor. */
static bool trust_verified(const wa_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->steps[i].what, "attestation trust path chains to an anchor") == 0)
			return r->steps[i].status == WA_STEP_OK;
	return false;
}

static void print_verdict(FILE *out, wa_err result, const wa_credential *cred, bool reg,
                          const wa_report *r)
{
	if (result != WA_OK) {
		fprintf(out, "verdict: invalid — %s: %s\n", wa_errname(result), wa_strerr(result));
		return;
	}
	if (reg)
		fprintf(out, "verdict: valid — %s, %s attestation%s, %s, credential id %zu bytes\n",
		        cred->fmt, wa_att_type_name(cred->att_type),
		        cred->att_type == WA_ATT_TYPE_NONE || cred->att_type == WA_ATT_TYPE_SELF ||
		                        trust_verified(r)
		                ? ""
		                : " (trust path not verified: no trust anchor)",
		        wa_cose_alg_name(cred->key.alg), cred->id.len);
	else
		fprintf(out, "verdict: valid — %s signature, signCount now %u\n",
		        wa_cose_alg_name(cred->key.alg), cred->sign_count);
}

static wa_expect make_expect(const verify_args *a)
{
	return (wa_expect){
	        .challenge = a->challenge.ptr,
	        .challenge_len = a->challenge.len,
	        .origins = a->origins,
	        .n_origins = a->n_origins,
	        .rp_id = a->rp_id,
	        .require_uv = a->require_uv,
	        .allow_cross_origin = a->allow_cross_origin,
	        .top_origins = a->top_origins,
	        .n_top_origins = a->n_top_origins,
	};
}

/* A whole input file (or stdin) of at most VERIFY_MAX_INPUT bytes; NULL with why. */
static char *read_input(const char *path, size_t *len, const char **why)
{
	return rp_read_file(path, VERIFY_MAX_INPUT, len, why);
}

/* Loads the stored credential for an authentication; 0 or the exit code 2. */
static int load_credential(const verify_args *a, wa_credential *cred, FILE *err)
{
	const char *why;
	size_t len;
	wa_err e;

	memset(cred, 0, sizeof(*cred));
	if (a->credential_file != NULL) {
		char *text = read_input(a->credential_file, &len, &why);
		json_t *root;
		if (text == NULL) {
			fprintf(err, "kagura-rp verify: %s: %s\n", a->credential_file, why);
			return 2;
		}
		root = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
		free(text);
		e = root ? wa_credential_from_json(root, cred) : WA_ERR_JSON_SYNTAX;
		json_decref(root);
		if (e != WA_OK) {
			fprintf(err, "kagura-rp verify: %s: not a credential record: %s\n",
			        a->credential_file, wa_strerr(e));
			return 2;
		}
	} else {
		wa_blob pk = {0};
		e = wa_b64url_decode(a->public_key, strlen(a->public_key), &pk);
		if (e == WA_OK)
			e = wa_credential_set_public_key(cred, pk.ptr, pk.len);
		wa_blob_reset(&pk);
		if (e != WA_OK) {
			fprintf(err, "kagura-rp verify: --public-key: %s\n", wa_strerr(e));
			wa_credential_reset(cred);
			return 2;
		}
	}
	/* Given explicitly, the stored counter and backup eligibility override the record. */
	if (a->have_counter)
		cred->sign_count = (uint32_t)a->counter;
	if (a->backup_eligible)
		cred->backup_eligible = true;
	if (a->user_handle != NULL &&
	    wa_b64url_decode(a->user_handle, strlen(a->user_handle), &cred->user_handle) != WA_OK) {
		fprintf(err, "kagura-rp verify: --user-handle is not base64url\n");
		wa_credential_reset(cred);
		return 2;
	}
	return 0;
}

static wa_err run_registration(const verify_args *a, const json_t *root, const wa_clock *clock,
                               wa_credential *cred, wa_report *report, FILE *err, int *usage_rc)
{
	wa_reg_response resp;
	wa_trust trust;
	wa_err e;

	*usage_rc = 0;
	if (wa_trust_init(&trust, a->have_at ? a->at : wa_clock_now(clock)) != WA_OK)
		return WA_ERR_NOMEM;
	for (size_t i = 0; i < a->n_anchors; i++) {
		const char *why = rp_file_unreadable(a->anchors[i]);
		if (why != NULL) {
			fprintf(err, "kagura-rp verify: --trust-anchor %s: %s\n", a->anchors[i],
			        why);
			wa_trust_reset(&trust);
			*usage_rc = 2;
			return WA_ERR_ARG;
		}
		if (wa_trust_add_pem_file(&trust, a->anchors[i]) != WA_OK) {
			fprintf(err,
			        "kagura-rp verify: --trust-anchor %s: no PEM certificate "
			        "readable\n",
			        a->anchors[i]);
			wa_trust_reset(&trust);
			*usage_rc = 2;
			return WA_ERR_ARG;
		}
	}
	if ((e = wa_reg_response_from_json(root, &resp)) != WA_OK) {
		report->ceremony = "registration";
		wa_report_step(report, "response is a RegistrationResponseJSON", WA_STEP_FAILED, e,
		               "%s", wa_strerr(e));
	} else {
		wa_reg_options opt = {
		        .expect = make_expect(a),
		        .algs = a->algs,
		        .n_algs = a->n_algs,
		        .trust = &trust,
		        .require_trusted_attestation = a->require_trusted,
		        .u2f_require_zero_aaguid = a->u2f_zero_aaguid,
		        .android_key_tee_only = a->android_tee_only,
		        .android_key_allow_empty_authz = a->android_empty_authz,
		};
		e = wa_verify_registration(&opt, &resp, cred, report);
		wa_reg_response_reset(&resp);
	}
	wa_trust_reset(&trust);
	return e;
}

static wa_err run_authentication(const verify_args *a, const json_t *root, wa_credential *cred,
                                 wa_report *report)
{
	wa_auth_response resp;
	wa_err e;

	if ((e = wa_auth_response_from_json(root, &resp)) != WA_OK) {
		report->ceremony = "authentication";
		wa_report_step(report, "response is an AuthenticationResponseJSON", WA_STEP_FAILED,
		               e, "%s", wa_strerr(e));
		return e;
	}
	/* Given only a public key, the credential is the one the response names. */
	if (cred->id.len == 0 &&
	    (e = wa_blob_set(&cred->id, resp.raw_id.ptr, resp.raw_id.len)) != WA_OK) {
		wa_auth_response_reset(&resp);
		return e;
	}
	wa_auth_options opt = {
	        .expect = make_expect(a),
	        .user_identified = true, /* the stored credential was named on the command line */
	        .allow_counter_regression = a->allow_counter_regression,
	};
	e = wa_verify_authentication(&opt, &resp, cred, report);
	wa_auth_response_reset(&resp);
	return e;
}

static void emit(const verify_args *a, const wa_report *report, wa_err result,
                 const wa_credential *cred, FILE *out)
{
	if (a->json) {
		json_t *doc = report_json(report, result);
		if (result == WA_OK)
			json_object_set_new(doc, "credential", wa_credential_to_json(cred));
		json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', out);
		json_decref(doc);
	} else {
		print_report(out, report);
		print_verdict(out, result, cred, a->kind == KIND_REGISTRATION, report);
	}
}

int rp_verify_main(int argc, char **argv, const wa_clock *clock, FILE *out, FILE *err)
{
	verify_args a = {0};
	wa_credential cred = {0};
	wa_report report = {0};
	json_t *root = NULL;
	json_error_t jerr;
	char *text = NULL;
	const char *why;
	size_t len;
	int rc;
	wa_err result;

	if ((rc = parse_args(argc, argv, &a, out, err)) != 0) {
		rc = rc == 3 ? 0 : rc;
		goto out;
	}
	if ((text = read_input(a.input, &len, &why)) == NULL) {
		fprintf(err, "kagura-rp verify: %s: %s\n", a.input, why);
		rc = 2;
		goto out;
	}
	if ((root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		fprintf(err, "kagura-rp verify: %s: not JSON (line %d: %s)\n", a.input, jerr.line,
		        jerr.text);
		rc = 2;
		goto out;
	}
	if (a.kind == KIND_REGISTRATION) {
		result = run_registration(&a, root, clock, &cred, &report, err, &rc);
		if (rc != 0)
			goto out;
	} else {
		if ((rc = load_credential(&a, &cred, err)) != 0)
			goto out;
		result = run_authentication(&a, root, &cred, &report);
	}
	emit(&a, &report, result, &cred, out);
	rc = result == WA_OK ? 0 : 1;
out:
	wa_credential_reset(&cred);
	json_decref(root);
	free(text);
	wa_blob_reset(&a.challenge);
	return rc;
}
