/*
 * Every W3C WebAuthn L3 test vector verifies through the library: the
 * registration, then the authentication against the credential record the
 * registration produced. Also checks what each vector must yield (fmt,
 * attestation type, algorithm, AAGUID, credential id).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/x509.h>

#include "softauthn.h"
#include "webauthn/authentication.h"
#include "webauthn/b64url.h"
#include "webauthn/clock.h"
#include "webauthn/registration.h"

typedef struct expect_vector {
	const char *name;
	const char *fmt;
	wa_att_type type;
	int64_t alg;
} expect_vector;

static const expect_vector expected[] = {
#define VECTOR(name, fmt, type, alg) {name, fmt, type, alg},
#include "vectors_expected.def"
};

static json_t *vectors;
static X509 *ca;

static json_t *response(const char *id, json_t *resp)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:{}}", "id", id, "rawId", id, "type", "public-key",
	                 "response", resp, "clientExtensionResults");
}

static wa_expect expect_for(const char *name, const char *challenge_b64, wa_blob *chal)
{
	assert_int_equal(wa_b64url_decode(challenge_b64, strlen(challenge_b64), chal), WA_OK);
	return sa_w3c_expect(name, chal);
}

static void verify_vector(const expect_vector *ev)
{
	json_t *v = json_object_get(vectors, ev->name), *reg, *auth, *j;
	const char *id;
	wa_blob rchal = {0}, achal = {0}, want_id = {0};
	wa_reg_response rresp;
	wa_auth_response aresp;
	wa_credential cred;
	wa_trust trust;
	wa_report report = {0}; /* every step kept */
	time_t at;
	wa_err err;

	assert_non_null(v);
	reg = json_object_get(v, "registration");
	auth = json_object_get(v, "authentication");
	id = json_string_value(json_object_get(reg, "credential_id"));

	j = response(id, json_pack("{s:O, s:O}", "clientDataJSON",
	                           json_object_get(reg, "clientDataJSON"), "attestationObject",
	                           json_object_get(reg, "attestationObject")));
	assert_int_equal(wa_reg_response_from_json(j, &rresp), WA_OK);
	json_decref(j);
	assert_true(wa_time_parse("2025-06-01", &at));
	assert_int_equal(wa_trust_init(&trust, at), WA_OK);
	assert_int_equal(wa_trust_add_cert(&trust, ca), WA_OK);
	wa_reg_options ro = {
	        .expect = expect_for(ev->name, json_string_value(json_object_get(reg, "challenge")),
	                             &rchal),
	        .trust = &trust,
	        .require_trusted_attestation = true,
	        .android_key_allow_empty_authz = true,
	};
	err = wa_verify_registration(&ro, &rresp, &cred, &report);
	if (err != WA_OK)
		fprintf(stderr, "%s: %s at \"%s\"\n", ev->name, wa_errname(err),
		        report.steps[report.n - 1].what);
	assert_int_equal(err, WA_OK);
	assert_string_equal(cred.fmt, ev->fmt);
	assert_int_equal(cred.att_type, ev->type);
	assert_int_equal(cred.key.alg, ev->alg);
	assert_int_equal(wa_b64url_decode(id, strlen(id), &want_id), WA_OK);
	assert_true(wa_blob_eq(&cred.id, want_id.ptr, want_id.len));

	/* The same registration without the android-key allowance must fail for that vector only.
	 */
	if (strcmp(ev->fmt, "android-key") == 0) {
		wa_credential other;
		ro.android_key_allow_empty_authz = false;
		assert_int_equal(wa_verify_registration(&ro, &rresp, &other, NULL),
		                 WA_ERR_ATT_ANDROID_KEY_DESC);
	}
	wa_reg_response_reset(&rresp);
	wa_trust_reset(&trust);

	j = response(id, json_pack("{s:O, s:O, s:O}", "clientDataJSON",
	                           json_object_get(auth, "clientDataJSON"), "authenticatorData",
	                           json_object_get(auth, "authenticatorData"), "signature",
	                           json_object_get(auth, "signature")));
	assert_int_equal(wa_auth_response_from_json(j, &aresp), WA_OK);
	json_decref(j);
	wa_auth_options ao = {
	        .expect = expect_for(ev->name,
	                             json_string_value(json_object_get(auth, "challenge")), &achal),
	        .user_identified = true,
	};
	err = wa_verify_authentication(&ao, &aresp, &cred, &report);
	if (err != WA_OK)
		fprintf(stderr, "%s auth: %s at \"%s\"\n", ev->name, wa_errname(err),
		        report.steps[report.n - 1].what);
	assert_int_equal(err, WA_OK);

	/* The same assertion as the base64url fields a Keycloak-style form posts. */
	wa_auth_response fields;
	assert_int_equal(wa_auth_response_from_fields(
	                         id, json_string_value(json_object_get(auth, "clientDataJSON")),
	                         json_string_value(json_object_get(auth, "authenticatorData")),
	                         json_string_value(json_object_get(auth, "signature")), "",
	                         &fields),
	                 WA_OK);
	assert_false(fields.has_user_handle);
	assert_int_equal(wa_verify_authentication(&ao, &fields, &cred, NULL), WA_OK);
	wa_auth_response_reset(&fields);
	assert_int_equal(wa_auth_response_from_fields(id, NULL, "AAAA", "AAAA", NULL, &fields),
	                 WA_ERR_RESP_CDATA_MISSING);
	assert_int_equal(wa_auth_response_from_fields(id, "AAAA", "AAAA", "AA=A", NULL, &fields),
	                 WA_ERR_RESP_SIG_TYPE);

	/* The authentication does not verify against a challenge it was not made for. */
	ao.expect.challenge = rchal.ptr;
	ao.expect.challenge_len = rchal.len;
	assert_int_equal(wa_verify_authentication(&ao, &aresp, &cred, NULL),
	                 WA_ERR_CDATA_CHALLENGE);

	wa_auth_response_reset(&aresp);
	wa_credential_reset(&cred);
	wa_blob_reset(&rchal);
	wa_blob_reset(&achal);
	wa_blob_reset(&want_id);
}

static void test_vector(void **state)
{
	verify_vector(*state);
}

/* The credential record survives its JSON form (what `kagura-rp verify --json` prints). */
static void test_record_roundtrip(void **state)
{
	const expect_vector *ev = &expected[8]; /* RS256: the largest key */
	json_t *reg = json_object_get(json_object_get(vectors, ev->name), "registration"), *j, *rec;
	const char *id = json_string_value(json_object_get(reg, "credential_id"));
	wa_reg_response rresp;
	wa_credential cred, back;
	wa_trust trust;
	wa_blob chal = {0};

	(void)state;
	j = response(id, json_pack("{s:O, s:O}", "clientDataJSON",
	                           json_object_get(reg, "clientDataJSON"), "attestationObject",
	                           json_object_get(reg, "attestationObject")));
	assert_int_equal(wa_reg_response_from_json(j, &rresp), WA_OK);
	json_decref(j);
	wa_trust_init(&trust, 1750000000);
	wa_reg_options ro = {
	        .expect = expect_for(ev->name, json_string_value(json_object_get(reg, "challenge")),
	                             &chal),
	        .trust = &trust,
	};
	assert_int_equal(wa_verify_registration(&ro, &rresp, &cred, NULL), WA_OK);
	rec = wa_credential_to_json(&cred);
	assert_non_null(rec);
	assert_int_equal(wa_credential_from_json(rec, &back), WA_OK);
	assert_true(wa_blob_eq(&back.id, cred.id.ptr, cred.id.len));
	assert_true(wa_blob_eq(&back.public_key, cred.public_key.ptr, cred.public_key.len));
	assert_int_equal(back.key.alg, cred.key.alg);
	assert_memory_equal(back.aaguid, cred.aaguid, 16);
	assert_string_equal(back.fmt, cred.fmt);
	json_decref(rec);
	wa_credential_reset(&back);
	wa_credential_reset(&cred);
	wa_reg_response_reset(&rresp);
	wa_trust_reset(&trust);
	wa_blob_reset(&chal);
}

static int setup(void **state)
{
	json_error_t jerr;
	const char *hex;
	size_t n;
	unsigned char der[4096];
	const unsigned char *p = der;

	(void)state;
	vectors = json_load_file(KAGURA_VECTORS, 0, &jerr);
	if (vectors == NULL)
		return -1;
	hex = json_string_value(json_object_get(vectors, "_attestation_ca_cert_der_hex"));
	n = strlen(hex) / 2;
	for (size_t i = 0; i < n && i < sizeof(der); i++)
		sscanf(hex + 2 * i, "%2hhx", &der[i]);
	ca = d2i_X509(NULL, &p, (long)n);
	return ca == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	json_decref(vectors);
	X509_free(ca);
	return 0;
}

int main(void)
{
	size_t n = sizeof(expected) / sizeof(expected[0]);
	struct CMUnitTest tests[sizeof(expected) / sizeof(expected[0]) + 1];

	for (size_t i = 0; i < n; i++)
		tests[i] = (struct CMUnitTest){.name = expected[i].name,
		                               .test_func = test_vector,
		                               .initial_state = (void *)&expected[i]};
	tests[n] = (struct CMUnitTest)cmocka_unit_test(test_record_roundtrip);
	return _cmocka_run_group_tests("w3c-vectors", tests, n + 1, setup, teardown);
}
