/*
 * rp/cardcert.c against the generated test PKI (tools/make-test-pki.sh, KAGURA_PKI_DIR): every
 * card variant gets its documented status (an expectation table typed here, not read from the
 * generator), the caller's clock decides validity, missing and bad CRLs, malformed and hostile
 * certificates (truncations, bit flips, a chain loop, a self-named issuer, an oversized chain, a CA
 * as the leaf, broken 本人ID and hcRole), bad trust files, and the PC's certificate viewer
 * (manual 3.23 / 3.24).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "authenticator/pc/certview.h"
#include "rp/cardcert.h"
#include "rp/readfile.h"

#define T_2025_06_01 ((time_t)1748736000) /* 2025-06-01T00:00:00Z */
#define T_2022_01_01 ((time_t)1640995200)
#define T_2027_01_01 ((time_t)1798761600)
#define T_2031_01_01 ((time_t)1924992000)
#define T_2041_01_01 ((time_t)2240611200)

/* ---- fixtures ---- */

static char *slurp(const char *rel, size_t *len)
{
	char path[1024];
	const char *why;
	size_t n;
	char *text;

	snprintf(path, sizeof(path), "%s/%s", KAGURA_PKI_DIR, rel);
	text = rp_read_file(path, 1 << 20, len ? len : &n, &why);
	if (text == NULL)
		fail_msg("%s: %s", path, why);
	return text;
}

static void path_of(const char *rel, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", KAGURA_PKI_DIR, rel);
}

static X509 *cert_of(const char *rel)
{
	size_t len;
	char *text = slurp(rel, &len);
	BIO *b = BIO_new_mem_buf(text, (int)len);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);

	assert_non_null(x);
	BIO_free(b);
	free(text);
	return x;
}

static EVP_PKEY *key_of(const char *rel)
{
	size_t len;
	char *text = slurp(rel, &len);
	BIO *b = BIO_new_mem_buf(text, (int)len);
	EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);

	assert_non_null(k);
	BIO_free(b);
	free(text);
	return k;
}

static uint8_t *der_of(X509 *x, size_t *len)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);

	assert_true(n > 0);
	*len = (size_t)n;
	return der;
}

/* What a trust file of the PKI (rel) is added as. */
typedef enum trust { HPKI_ANCHORS, JPKI_ANCHORS, UNKNOWN_ANCHORS, INTERMEDIATES, CRLS } trust;

static rp_cardcert_err add_trust(rp_cardcert_ctx *ctx, trust as, const char *rel)
{
	char path[1024];

	path_of(rel, path, sizeof(path));
	switch (as) {
	case HPKI_ANCHORS:
		return rp_cardcert_ctx_add_anchors(ctx, RP_CARDCERT_HPKI, path);
	case JPKI_ANCHORS:
		return rp_cardcert_ctx_add_anchors(ctx, RP_CARDCERT_JPKI, path);
	case UNKNOWN_ANCHORS:
		return rp_cardcert_ctx_add_anchors(ctx, RP_CARDCERT_UNKNOWN, path);
	case INTERMEDIATES:
		return rp_cardcert_ctx_add_intermediates(ctx, path);
	case CRLS:
		return rp_cardcert_ctx_add_crls(ctx, path);
	}
	return RP_CARDCERT_ERR_ARG;
}

/* What the platform trusts: both anchors, the four HPKI CAs, all CRLs but skip_crl's. */
static rp_cardcert_ctx *platform_ctx(const char *skip_crl)
{
	static const char *const crls[] = {"mhlw-root", "jma-g1",   "jma-g2",
	                                   "medis-g1",  "medis-g2", "jpki-auth"};
	rp_cardcert_ctx *ctx;

	assert_int_equal(rp_cardcert_ctx_new(&ctx), RP_CARDCERT_OK);
	assert_int_equal(add_trust(ctx, HPKI_ANCHORS, "trust/anchors-hpki.pem"), RP_CARDCERT_OK);
	assert_int_equal(add_trust(ctx, JPKI_ANCHORS, "trust/anchors-jpki.pem"), RP_CARDCERT_OK);
	assert_int_equal(add_trust(ctx, INTERMEDIATES, "trust/intermediates.pem"), RP_CARDCERT_OK);
	for (size_t i = 0; i < sizeof(crls) / sizeof(crls[0]); i++) {
		char rel[128];
		if (skip_crl != NULL && strcmp(skip_crl, crls[i]) == 0)
			continue;
		snprintf(rel, sizeof(rel), "crl/%s.crl.pem", crls[i]);
		assert_int_equal(add_trust(ctx, CRLS, rel), RP_CARDCERT_OK);
	}
	return ctx;
}

static rp_cardcert_err check_file(const rp_cardcert_ctx *ctx, const char *rel, time_t now,
                                  rp_cardcert_result *r)
{
	size_t len;
	char *text = slurp(rel, &len);
	rp_cardcert_err e = rp_cardcert_check(ctx, (const uint8_t *)text, len, now, r);

	free(text);
	assert_int_equal(r->status, e);
	return e;
}

/* A file's verdicts at a time: file, time, status. */
typedef struct file_case {
	const char *rel;
	time_t now;
	rp_cardcert_err status;
} file_case;

static void check_files(const rp_cardcert_ctx *ctx, const file_case *cases, size_t n)
{
	rp_cardcert_result r;

	for (size_t i = 0; i < n; i++)
		if (check_file(ctx, cases[i].rel, cases[i].now, &r) != cases[i].status)
			fail_msg("%s at %lld: %s, expected %s (%s)", cases[i].rel,
			         (long long)cases[i].now, rp_cardcert_errname(r.status),
			         rp_cardcert_errname(cases[i].status), r.detail);
}

static rp_cardcert_err check_x509(const rp_cardcert_ctx *ctx, X509 *leaf, time_t now,
                                  rp_cardcert_result *r)
{
	size_t len;
	uint8_t *der = der_of(leaf, &len);
	rp_cardcert_err e = rp_cardcert_check(ctx, der, len, now, r);

	OPENSSL_free(der);
	return e;
}

/* ---- the expectation table: fixtures/pki/README.md "Cards", typed again ---- */

static const struct expect {
	const char *name;
	rp_cardcert_err status;
	rp_cardcert_kind kind;
	bool from_anchor;
	const char *honin_id, *role;
	bool old_generation;
	int depth;
} cards[] = {
        {"hpki-doctor-valid", RP_CARDCERT_OK, RP_CARDCERT_HPKI, true, "1000000001",
         "Medical Doctor", false, -1},
        {"hpki-doctor-old-ca", RP_CARDCERT_OK, RP_CARDCERT_HPKI, true, "1000000002",
         "Medical Doctor", true, -1},
        {"hpki-doctor-expired", RP_CARDCERT_EXPIRED, RP_CARDCERT_HPKI, true, "1000000003",
         "Medical Doctor", true, 0},
        {"hpki-doctor-not-yet-valid", RP_CARDCERT_NOT_YET_VALID, RP_CARDCERT_HPKI, true,
         "1000000004", "Medical Doctor", false, 0},
        {"hpki-doctor-revoked", RP_CARDCERT_REVOKED, RP_CARDCERT_HPKI, true, "1000000005",
         "Medical Doctor", false, 0},
        {"hpki-doctor-wrong-key-usage", RP_CARDCERT_WRONG_KEY_USAGE, RP_CARDCERT_HPKI, true,
         "1000000006", "Medical Doctor", false, 0},
        {"hpki-doctor-untrusted", RP_CARDCERT_UNTRUSTED, RP_CARDCERT_HPKI, false, "1000000007",
         "Medical Doctor", false, 1},
        {"hpki-pharmacist-valid", RP_CARDCERT_OK, RP_CARDCERT_HPKI, true, "2000000001",
         "Pharmacist", false, -1},
        {"hpki-pharmacist-old-ca", RP_CARDCERT_OK, RP_CARDCERT_HPKI, true, "2000000002",
         "Pharmacist", true, -1},
        {"hpki-pharmacist-expired", RP_CARDCERT_EXPIRED, RP_CARDCERT_HPKI, true, "2000000003",
         "Pharmacist", true, 0},
        {"hpki-pharmacist-not-yet-valid", RP_CARDCERT_NOT_YET_VALID, RP_CARDCERT_HPKI, true,
         "2000000004", "Pharmacist", false, 0},
        {"hpki-pharmacist-revoked", RP_CARDCERT_REVOKED, RP_CARDCERT_HPKI, true, "2000000005",
         "Pharmacist", false, 0},
        {"hpki-pharmacist-revoked-old-ca", RP_CARDCERT_REVOKED, RP_CARDCERT_HPKI, true,
         "2000000006", "Pharmacist", true, 0},
        {"jpki-valid", RP_CARDCERT_OK, RP_CARDCERT_JPKI, true, "", "", false, -1},
        {"jpki-expired", RP_CARDCERT_EXPIRED, RP_CARDCERT_JPKI, true, "", "", false, 0},
        {"jpki-revoked", RP_CARDCERT_REVOKED, RP_CARDCERT_JPKI, true, "", "", false, 0},
};
#define N_CARDS (sizeof(cards) / sizeof(cards[0]))

static void expect_card(const struct expect *e, const rp_cardcert_result *r)
{
	if (r->status != e->status || r->kind != e->kind || r->kind_from_anchor != e->from_anchor ||
	    strcmp(r->honin_id, e->honin_id) != 0 || strcmp(r->hc_role, e->role) != 0 ||
	    r->issuer_old_generation != e->old_generation || r->depth != e->depth)
		fail_msg("%s: %s kind %d/%d id '%s' role '%s' old %d depth %d (%s)", e->name,
		         rp_cardcert_errname(r->status), r->kind, r->kind_from_anchor, r->honin_id,
		         r->hc_role, r->issuer_old_generation, r->depth, r->detail);
	assert_int_equal(strlen(r->fingerprint), 64);
	assert_true(r->serial[0] != '\0');
	assert_true(r->not_before < r->not_after);
	assert_true(strstr(r->subject, "C=JP") != NULL);
	if (e->status == RP_CARDCERT_OK)
		assert_string_equal(r->detail, "");
	else
		assert_true(r->detail[0] != '\0');
}

/* Every card in the index is one of the table's, with the facts the table states. */
static void test_index_lists_every_variant(void **state)
{
	json_t *index, *list;
	json_error_t jerr;
	char path[1024];
	size_t i;
	json_t *card;
	bool seen[N_CARDS] = {false};

	(void)state;
	path_of("index.json", path, sizeof(path));
	assert_non_null(index = json_load_file(path, 0, &jerr));
	list = json_object_get(index, "cards");
	assert_int_equal(json_array_size(list), N_CARDS);
	json_array_foreach(list, i, card)
	{
		const char *name = json_string_value(json_object_get(card, "name"));
		const json_t *id = json_object_get(card, "honin_id");
		size_t k;
		X509 *x;
		EVP_PKEY *key;

		for (k = 0; k < N_CARDS && strcmp(cards[k].name, name) != 0; k++)
			;
		assert_true(k < N_CARDS);
		assert_false(seen[k]);
		seen[k] = true;
		assert_string_equal(json_string_value(json_object_get(card, "kind")),
		                    rp_cardcert_kind_name(cards[k].kind));
		assert_string_equal(json_is_string(id) ? json_string_value(id) : "",
		                    cards[k].honin_id);
		/* each key is its certificate's (the PC simulator signs the handshake with it) */
		x = cert_of(json_string_value(json_object_get(card, "cert")));
		key = key_of(json_string_value(json_object_get(card, "key")));
		assert_int_equal(X509_check_private_key(x, key), 1);
		X509_free(x);
		EVP_PKEY_free(key);
	}
	json_decref(index);
}

static void check_every_card(const char *suffix, time_t now)
{
	rp_cardcert_ctx *ctx = platform_ctx(NULL);

	for (size_t i = 0; i < N_CARDS; i++) {
		char rel[256];
		rp_cardcert_result r;
		struct expect e = cards[i];
		/* Without the chain the rogue CA is not there: the leaf's issuer is what is
		 * missing. */
		if (strcmp(suffix, ".pem") == 0 && e.status == RP_CARDCERT_UNTRUSTED)
			e.depth = 0;
		snprintf(rel, sizeof(rel), "cards/%s%s", e.name, suffix);
		check_file(ctx, rel, now, &r);
		expect_card(&e, &r);
	}
	rp_cardcert_ctx_free(ctx);
}

/* What the TLS client sends: the leaf and its issuing CA. */
static void test_every_variant_chain(void **state)
{
	(void)state;
	check_every_card("-chain.pem", T_2025_06_01);
	check_every_card("-chain.pem", T_2027_01_01);
}

/* The leaf alone: the intermediates come from the platform's configuration. */
static void test_every_variant_leaf_only(void **state)
{
	(void)state;
	check_every_card(".pem", T_2025_06_01);
}

/* DER as the HTTP layer hands it over gives the same answer as PEM. */
static void test_der_equals_pem(void **state)
{
	rp_cardcert_ctx *ctx = platform_ctx(NULL);
	X509 *leaf = cert_of("cards/hpki-pharmacist-valid.pem"), *ca = cert_of("ca/medis-g2.pem");
	size_t l1, l2;
	uint8_t *d1 = der_of(leaf, &l1), *d2 = der_of(ca, &l2), *both = malloc(l1 + l2);
	rp_cardcert_result r;

	(void)state;
	memcpy(both, d1, l1);
	memcpy(both + l1, d2, l2);
	assert_int_equal(rp_cardcert_check(ctx, both, l1 + l2, T_2025_06_01, &r), RP_CARDCERT_OK);
	assert_string_equal(r.honin_id, "2000000001");
	assert_string_equal(r.hc_role, "Pharmacist");
	assert_true(strstr(r.issuer, "CN=HPKI-01-MedisAuthCA2-forAuthentication") != NULL);
	assert_true(strstr(r.subject, "serialNumber=2000000001") != NULL);
	free(both);
	OPENSSL_free(d1);
	OPENSSL_free(d2);
	X509_free(leaf);
	X509_free(ca);
	rp_cardcert_ctx_free(ctx);
}

/* Validity is judged at the caller's time, not the machine's. */
static void test_callers_clock(void **state)
{
	rp_cardcert_ctx *ctx = platform_ctx(NULL);
	rp_cardcert_result r;

	static const file_case cases[] = {
	        {"cards/hpki-doctor-expired.pem", T_2022_01_01, RP_CARDCERT_OK},
	        {"cards/hpki-doctor-not-yet-valid.pem", T_2041_01_01, RP_CARDCERT_OK},
	        {"cards/hpki-doctor-valid.pem", T_2031_01_01, RP_CARDCERT_EXPIRED},
	        {"cards/jpki-expired.pem", T_2022_01_01, RP_CARDCERT_OK},
	};

	(void)state;
	check_files(ctx, cases, sizeof(cases) / sizeof(cases[0]));
	assert_int_equal(check_file(ctx, "cards/jpki-expired.pem", T_2022_01_01, &r),
	                 RP_CARDCERT_OK);
	assert_string_equal(r.fingerprint[0] ? "set" : "", "set");
	rp_cardcert_ctx_free(ctx);
}

/* Revocation is required for every CA of the path: a missing CRL is never OK. */
static void test_missing_crl(void **state)
{
	rp_cardcert_ctx *ctx;
	rp_cardcert_result r;

	(void)state;
	ctx = platform_ctx("jma-g2");
	assert_int_equal(check_file(ctx, "cards/hpki-doctor-valid.pem", T_2025_06_01, &r),
	                 RP_CARDCERT_CRL_MISSING);
	assert_int_equal(r.depth, 0);
	assert_int_equal(r.kind, RP_CARDCERT_HPKI);
	/* the other generation's CRL has the same issuer name, but not its key */
	assert_int_equal(check_file(ctx, "cards/hpki-doctor-old-ca.pem", T_2025_06_01, &r),
	                 RP_CARDCERT_OK);
	rp_cardcert_ctx_free(ctx);

	/* the root's CRL covers the JMA CA certificate itself (depth 1) */
	ctx = platform_ctx("mhlw-root");
	assert_int_equal(check_file(ctx, "cards/hpki-doctor-valid.pem", T_2025_06_01, &r),
	                 RP_CARDCERT_CRL_MISSING);
	assert_int_equal(r.depth, 1);
	assert_int_equal(check_file(ctx, "cards/jpki-valid.pem", T_2025_06_01, &r), RP_CARDCERT_OK);
	rp_cardcert_ctx_free(ctx);

	/* a context without any CRL */
	assert_int_equal(rp_cardcert_ctx_new(&ctx), RP_CARDCERT_OK);
	assert_int_equal(add_trust(ctx, JPKI_ANCHORS, "trust/anchors-jpki.pem"), RP_CARDCERT_OK);
	assert_int_equal(check_file(ctx, "cards/jpki-valid.pem", T_2025_06_01, &r),
	                 RP_CARDCERT_CRL_MISSING);
	assert_int_equal(r.kind, RP_CARDCERT_JPKI);
	assert_true(r.kind_from_anchor);
	rp_cardcert_ctx_free(ctx);
}

/* A CRL for issuer (signed with key), nextUpdate at until, listing nothing; PEM text. */
static char *make_crl(X509 *issuer, EVP_PKEY *key, time_t from, time_t until, size_t *len)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t1 = ASN1_TIME_set(NULL, from), *t2 = ASN1_TIME_set(NULL, until);
	X509V3_CTX v3;
	X509_EXTENSION *akid;
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *text;
	long n;

	assert_true(X509_CRL_set_version(crl, 1) == 1);
	assert_true(X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) == 1);
	assert_true(X509_CRL_set1_lastUpdate(crl, t1) == 1 &&
	            X509_CRL_set1_nextUpdate(crl, t2) == 1);
	X509V3_set_ctx(&v3, issuer, NULL, NULL, crl, 0);
	assert_non_null(akid = X509V3_EXT_conf_nid(NULL, &v3, NID_authority_key_identifier,
	                                           "keyid:always"));
	assert_true(X509_CRL_add_ext(crl, akid, -1) == 1);
	assert_true(X509_CRL_sign(crl, key, EVP_sha256()) > 0);
	assert_true(PEM_write_bio_X509_CRL(b, crl) == 1);
	n = BIO_get_mem_data(b, &p);
	text = malloc((size_t)n);
	memcpy(text, p, (size_t)n);
	*len = (size_t)n;
	BIO_free(b);
	X509_EXTENSION_free(akid);
	ASN1_TIME_free(t1);
	ASN1_TIME_free(t2);
	X509_CRL_free(crl);
	return text;
}

static void test_bad_crls(void **state)
{
	X509 *jma = cert_of("ca/jma-g2.pem");
	EVP_PKEY *jma_key = key_of("ca/jma-g2.key"), *rogue_key = key_of("ca/rogue-jma.key");
	rp_cardcert_ctx *ctx;
	rp_cardcert_result r;
	size_t len;
	char *crl;

	(void)state;
	/* out of date: nextUpdate 2021 */
	ctx = platform_ctx("jma-g2");
	crl = make_crl(jma, jma_key, 1577836800 /* 2020 */, 1609459200 /* 2021 */, &len);
	assert_int_equal(rp_cardcert_ctx_add_crls_pem(ctx, crl, len), RP_CARDCERT_OK);
	free(crl);
	assert_int_equal(check_file(ctx, "cards/hpki-doctor-valid.pem", T_2025_06_01, &r),
	                 RP_CARDCERT_CRL_INVALID);
	assert_int_equal(r.depth, 0);
	rp_cardcert_ctx_free(ctx);

	/* JMA's name and key id, but another key's signature */
	ctx = platform_ctx("jma-g2");
	crl = make_crl(jma, rogue_key, 1577836800, 2208988800 /* 2040 */, &len);
	assert_int_equal(rp_cardcert_ctx_add_crls_pem(ctx, crl, len), RP_CARDCERT_OK);
	free(crl);
	assert_int_equal(check_file(ctx, "cards/hpki-doctor-valid.pem", T_2025_06_01, &r),
	                 RP_CARDCERT_CRL_INVALID);
	rp_cardcert_ctx_free(ctx);

	X509_free(jma);
	EVP_PKEY_free(jma_key);
	EVP_PKEY_free(rogue_key);
}

/* ---- hostile certificates, built here ---- */

typedef struct spec {
	const char *const *name;        /* {field, value, ..., NULL} */
	X509 *issuer;                   /* NULL: issuer name = own subject */
	const char *const *issuer_name; /* overrides the issuer's name when set */
	EVP_PKEY *signer, *key;
	const char *bc, *ku, *eku; /* extension values, NULL: absent */
	const uint8_t *sda;        /* subjectDirectoryAttributes value (DER), NULL: absent */
	size_t sda_len;
	time_t from, until;
} spec;

static X509_NAME *name_from(const char *const *fields)
{
	X509_NAME *n = X509_NAME_new();

	/* serialNumber as a raw PrintableString: OpenSSL's 64-byte limit would stop hostile ones */
	for (size_t i = 0; fields[i] != NULL; i += 2)
		assert_true(X509_NAME_add_entry_by_txt(
		                    n, fields[i],
		                    strcmp(fields[i], "serialNumber") == 0 ? V_ASN1_PRINTABLESTRING
		                                                           : MBSTRING_UTF8,
		                    (const unsigned char *)fields[i + 1], -1, -1, 0) == 1);
	return n;
}

static void add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *e;

	if (value == NULL)
		return;
	assert_non_null(e = X509V3_EXT_conf_nid(NULL, v3, nid, value));
	assert_true(X509_add_ext(x, e, -1) == 1);
	X509_EXTENSION_free(e);
}

static X509 *make_cert(const spec *s)
{
	static long serial = 0x5000;
	X509 *x = X509_new();
	X509_NAME *subject = name_from(s->name);
	X509V3_CTX v3;

	assert_true(X509_set_version(x, 2) == 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	assert_true(X509_set_subject_name(x, subject) == 1);
	if (s->issuer_name != NULL) {
		X509_NAME *in = name_from(s->issuer_name);
		assert_true(X509_set_issuer_name(x, in) == 1);
		X509_NAME_free(in);
	} else {
		assert_true(X509_set_issuer_name(x, s->issuer ? X509_get_subject_name(s->issuer)
		                                              : subject) == 1);
	}
	assert_non_null(X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &(time_t){s->from}));
	assert_non_null(X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &(time_t){s->until}));
	assert_true(X509_set_pubkey(x, s->key) == 1);
	X509V3_set_ctx(&v3, s->issuer ? s->issuer : x, x, NULL, NULL, 0);
	add_ext(x, &v3, NID_basic_constraints, s->bc);
	add_ext(x, &v3, NID_key_usage, s->ku);
	add_ext(x, &v3, NID_ext_key_usage, s->eku);
	add_ext(x, &v3, NID_subject_key_identifier, "hash");
	if (s->issuer != NULL)
		add_ext(x, &v3, NID_authority_key_identifier, "keyid:always");
	if (s->sda != NULL) {
		ASN1_OCTET_STRING *v = ASN1_OCTET_STRING_new();
		X509_EXTENSION *e;
		assert_true(ASN1_OCTET_STRING_set(v, s->sda, (int)s->sda_len) == 1);
		assert_non_null(e = X509_EXTENSION_create_by_NID(
		                        NULL, NID_subject_directory_attributes, 0, v));
		assert_true(X509_add_ext(x, e, -1) == 1);
		X509_EXTENSION_free(e);
		ASN1_OCTET_STRING_free(v);
	}
	assert_true(X509_sign(x, s->signer, EVP_sha256()) > 0);
	X509_NAME_free(subject);
	return x;
}

/* A CA certificate (any path length) for key, signed by signer, 1970 to 2041. */
static X509 *make_ca(const char *const *name, X509 *issuer, EVP_PKEY *signer, EVP_PKEY *key)
{
	return make_cert(&(spec){.name = name,
	                         .issuer = issuer,
	                         .signer = signer,
	                         .key = key,
	                         .bc = "critical,CA:TRUE",
	                         .ku = "critical,keyCertSign,cRLSign",
	                         .from = 0,
	                         .until = T_2041_01_01});
}

/* A card's certificate (the hcRole attribute sda, extended key usage eku), 1970 to 2041. */
static X509 *make_leaf(const char *const *name, X509 *issuer, EVP_PKEY *signer, EVP_PKEY *key,
                       const uint8_t *sda, size_t sda_len, const char *eku)
{
	return make_cert(&(spec){.name = name,
	                         .issuer = issuer,
	                         .signer = signer,
	                         .key = key,
	                         .bc = "critical,CA:FALSE",
	                         .ku = "critical,digitalSignature",
	                         .eku = eku,
	                         .sda = sda,
	                         .sda_len = sda_len,
	                         .from = 0,
	                         .until = T_2041_01_01});
}

static EVP_PKEY *new_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	assert_non_null(k);
	return k;
}

/* A tiny DER writer for hcRole attributes: tag + definite length + content. */
static size_t tlv(uint8_t *out, uint8_t tag, const uint8_t *content, size_t len)
{
	size_t h = 0;

	out[h++] = tag;
	if (len < 0x80) {
		out[h++] = (uint8_t)len;
	} else {
		out[h++] = 0x82;
		out[h++] = (uint8_t)(len >> 8);
		out[h++] = (uint8_t)len;
	}
	memmove(out + h, content, len);
	return h + len;
}

static const uint8_t oid_hcrole[] = {0x06, 0x06, 0x28, 0x81, 0x85, 0x42, 0x00, 0x01};
static const uint8_t oid_cdata[] = {0x06, 0x0a, 0x2a, 0x83, 0x08, 0x86,
                                    0x91, 0x0f, 0x01, 0x06, 0x01, 0x01};
static const uint8_t oid_other[] = {0x06, 0x03, 0x2a, 0x03, 0x04};

/* HCActor with CodedData {scheme, [2] string of text_tag}. */
static size_t hc_actor(uint8_t *out, const uint8_t *scheme, size_t scheme_len, uint8_t text_tag,
                       const char *text)
{
	uint8_t a[512], b[512], c[512];
	size_t n, m;

	n = tlv(a, 0xa0, scheme, scheme_len);
	m = tlv(b, text_tag, (const uint8_t *)text, strlen(text));
	n += tlv(a + n, 0xa2, b, m);
	n = tlv(c, 0x31, a, n);      /* CodedData SET */
	n = tlv(a, 0xa0, c, n);      /* [0] EXPLICIT */
	return tlv(out, 0x30, a, n); /* HCActor */
}

/* subjectDirectoryAttributes with one hcRole attribute holding actors (concatenated). */
static size_t hc_sda(uint8_t *out, const uint8_t *actors, size_t len)
{
	uint8_t a[1024], b[1024];
	size_t n;

	n = tlv(a, 0x31, actors, len); /* HCActorData */
	n = tlv(b, 0x31, a, n);        /* the attribute's values */
	memcpy(a, oid_hcrole, sizeof(oid_hcrole));
	memcpy(a + sizeof(oid_hcrole), b, n);
	n = tlv(b, 0x30, a, sizeof(oid_hcrole) + n); /* Attribute */
	return tlv(out, 0x30, b, n);                 /* SEQUENCE OF Attribute */
}

typedef struct issuer {
	X509 *ca;
	EVP_PKEY *key;
} issuer;

/* An HPKI-like leaf from JMA's renewed CA with the given subject and attribute bytes. */
static rp_cardcert_err hpki_leaf(const rp_cardcert_ctx *ctx, const issuer *jma,
                                 const char *const *name, const uint8_t *sda, size_t sda_len,
                                 rp_cardcert_result *r)
{
	EVP_PKEY *k = new_key();
	spec s = {.name = name,
	          .issuer = jma->ca,
	          .signer = jma->key,
	          .key = k,
	          .bc = "critical,CA:FALSE",
	          .ku = "critical,digitalSignature",
	          .eku = "clientAuth",
	          .sda = sda,
	          .sda_len = sda_len,
	          .from = T_2025_06_01 - 86400,
	          .until = T_2031_01_01};
	X509 *x = make_cert(&s);
	rp_cardcert_err e = check_x509(ctx, x, T_2025_06_01, r);

	X509_free(x);
	EVP_PKEY_free(k);
	return e;
}

/* An actor of an hcRole attribute: its coding scheme (OID DER), the tag of its text, the text. */
typedef struct role_actor {
	const uint8_t *scheme;
	size_t scheme_len;
	uint8_t tag;
	const char *text; /* NULL: no actor */
} role_actor;

#define CDATA oid_cdata, sizeof(oid_cdata)
#define OTHER oid_other, sizeof(oid_other)

static const char *const good_name[] = {"C",          "JP", "CN", "TEST", "serialNumber",
                                        "1234567890", NULL};

/* 本人ID (the subject's serialNumber) and role (hcRole) of an HPKI-like card from JMA's CA. */
static const struct identity_case {
	const char *what;
	const char *const *name;
	role_actor actors[2]; /* none: no subjectDirectoryAttributes */
	rp_cardcert_err status;
	const char *honin_id, *role, *detail; /* NULL: not checked */
} identity_cases[] = {
        /* the attribute as the generator writes it, built independently here */
        {"the generator's shape",
         good_name,
         {{CDATA, 0x0c, "Dentist"}},
         .status = RP_CARDCERT_OK,
         .honin_id = "1234567890",
         .role = "Dentist"},
        {"another scheme first, then ours as PrintableString",
         good_name,
         {{OTHER, 0x0c, "Somebody"}, {CDATA, 0x13, "Pharmacist"}},
         .status = RP_CARDCERT_OK,
         .role = "Pharmacist"},
        /* 本人ID missing, twice, with a space, too long */
        {"本人ID missing",
         (const char *const[]){"C", "JP", "CN", "TEST", NULL},
         {{CDATA, 0x0c, "Medical Doctor"}},
         .status = RP_CARDCERT_NO_IDENTITY,
         .role = "Medical Doctor"},
        {"本人ID twice",
         (const char *const[]){"C", "JP", "serialNumber", "1", "serialNumber", "2", NULL},
         {{CDATA, 0x0c, "Medical Doctor"}},
         .status = RP_CARDCERT_NO_IDENTITY},
        {"本人ID with a space",
         (const char *const[]){"C", "JP", "serialNumber", "12 34", NULL},
         {{CDATA, 0x0c, "Medical Doctor"}},
         .status = RP_CARDCERT_NO_IDENTITY},
        {"本人ID too long",
         (const char *const[]){"C", "JP", "serialNumber",
                               "12345678901234567890123456789012345678901234567890123456789012345",
                               NULL},
         {{CDATA, 0x0c, "Medical Doctor"}},
         .status = RP_CARDCERT_NO_IDENTITY},
        /* no hcRole: no attribute at all, only another scheme */
        {"no attribute",
         good_name,
         {{NULL, 0, 0, NULL}},
         .status = RP_CARDCERT_NO_IDENTITY,
         .detail = "no hcRole in subjectDirectoryAttributes"},
        {"only another scheme",
         good_name,
         {{OTHER, 0x0c, "Medical Doctor"}},
         .status = RP_CARDCERT_NO_IDENTITY},
        /* hostile role texts: a control character, invalid UTF-8, an INTEGER, 65 bytes */
        {"a control character",
         good_name,
         {{CDATA, 0x0c, "Medical\nDoctor"}},
         .status = RP_CARDCERT_NO_IDENTITY,
         .detail = "hcRole attribute is malformed"},
        {"invalid UTF-8",
         good_name,
         {{CDATA, 0x0c, "Medical \xc0\xaf Doctor"}},
         .status = RP_CARDCERT_NO_IDENTITY},
        {"an INTEGER", good_name, {{CDATA, 0x02, "1"}}, .status = RP_CARDCERT_NO_IDENTITY},
        {"65 bytes",
         good_name,
         {{CDATA, 0x0c, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}},
         .status = RP_CARDCERT_NO_IDENTITY},
};

static void test_identity(void **state)
{
	rp_cardcert_ctx *ctx = platform_ctx(NULL);
	issuer jma = {cert_of("ca/jma-g2.pem"), key_of("ca/jma-g2.key")};
	const char *const *good = good_name;
	uint8_t actor[512], sda[2048];
	size_t n, m;
	rp_cardcert_result r;

	(void)state;
	for (size_t i = 0; i < sizeof(identity_cases) / sizeof(identity_cases[0]); i++) {
		const struct identity_case *c = &identity_cases[i];
		uint8_t actors[1024];
		rp_cardcert_err e;

		n = 0;
		for (size_t k = 0; k < 2 && c->actors[k].text != NULL; k++)
			n += hc_actor(actors + n, c->actors[k].scheme, c->actors[k].scheme_len,
			              c->actors[k].tag, c->actors[k].text);
		m = n > 0 ? hc_sda(sda, actors, n) : 0;
		e = hpki_leaf(ctx, &jma, c->name, n > 0 ? sda : NULL, m, &r);
		if (e != c->status ||
		    (c->honin_id != NULL && strcmp(r.honin_id, c->honin_id) != 0) ||
		    (c->role != NULL && strcmp(r.hc_role, c->role) != 0) ||
		    (c->detail != NULL && strcmp(r.detail, c->detail) != 0) ||
		    (e == RP_CARDCERT_OK && r.kind != RP_CARDCERT_HPKI))
			fail_msg("%s: %s id '%s' role '%s' kind %d (%s)", c->what,
			         rp_cardcert_errname(e), r.honin_id, r.hc_role, r.kind, r.detail);
	}

	/* every truncation and every length byte bumped of a good attribute: never a crash, and
	 * never a role other than the real one */
	n = hc_actor(actor, oid_cdata, sizeof(oid_cdata), 0x0c, "Dentist");
	m = hc_sda(sda, actor, n);
	for (size_t cut = 1; cut < m; cut++) {
		rp_cardcert_err e = hpki_leaf(ctx, &jma, good, sda, cut, &r);
		assert_true(e == RP_CARDCERT_NO_IDENTITY || e == RP_CARDCERT_CHAIN_INVALID ||
		            e == RP_CARDCERT_MALFORMED || e == RP_CARDCERT_UNTRUSTED);
	}
	for (size_t i = 0; i < m; i++) {
		uint8_t copy[2048];
		rp_cardcert_err e;
		memcpy(copy, sda, m);
		copy[i] ^= 0x41;
		e = hpki_leaf(ctx, &jma, good, copy, m, &r);
		if (e == RP_CARDCERT_OK && i < m - strlen("Dentist"))
			assert_string_equal(r.hc_role, "Dentist");
	}
	X509_free(jma.ca);
	EVP_PKEY_free(jma.key);
	rp_cardcert_ctx_free(ctx);
}

static void test_malformed_input(void **state)
{
	rp_cardcert_ctx *ctx = platform_ctx(NULL);
	X509 *leaf = cert_of("cards/hpki-doctor-valid.pem");
	size_t len, plen;
	uint8_t *der = der_of(leaf, &len), junk[4096];
	char *pem = slurp("cards/hpki-doctor-valid.pem", &plen),
	     *key = slurp("cards/hpki-doctor-valid.key", NULL);
	rp_cardcert_result r;

	(void)state;
	ERR_clear_error();
	assert_int_equal(rp_cardcert_check(ctx, der, 0, T_2025_06_01, &r), RP_CARDCERT_NO_CERT);
	assert_int_equal(rp_cardcert_check(ctx, NULL, 0, T_2025_06_01, &r), RP_CARDCERT_NO_CERT);
	assert_int_equal(r.depth, -1);
	/* every truncation of the DER */
	for (size_t cut = 1; cut < len; cut++) {
		assert_int_equal(rp_cardcert_check(ctx, der, cut, T_2025_06_01, &r),
		                 RP_CARDCERT_MALFORMED);
		assert_true(r.detail[0] != '\0');
	}
	/* a byte after the certificate */
	memcpy(junk, der, len);
	junk[len] = 0x00;
	assert_int_equal(rp_cardcert_check(ctx, junk, len + 1, T_2025_06_01, &r),
	                 RP_CARDCERT_MALFORMED);
	/* garbage */
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131 + 7);
	assert_int_equal(rp_cardcert_check(ctx, junk, sizeof(junk), T_2025_06_01, &r),
	                 RP_CARDCERT_MALFORMED);
	memset(junk, 0x30, sizeof(junk)); /* nested SEQUENCE headers */
	assert_int_equal(rp_cardcert_check(ctx, junk, sizeof(junk), T_2025_06_01, &r),
	                 RP_CARDCERT_MALFORMED);
	/* PEM: a private key where a certificate belongs, a corrupt body, an unterminated block */
	assert_int_equal(
	        rp_cardcert_check(ctx, (const uint8_t *)key, strlen(key), T_2025_06_01, &r),
	        RP_CARDCERT_MALFORMED);
	{
		char *bad = strdup(pem);
		bad[40] = '*';
		assert_int_equal(
		        rp_cardcert_check(ctx, (const uint8_t *)bad, plen, T_2025_06_01, &r),
		        RP_CARDCERT_MALFORMED);
		strcpy(bad, pem);
		assert_int_equal(
		        rp_cardcert_check(ctx, (const uint8_t *)bad, plen - 30, T_2025_06_01, &r),
		        RP_CARDCERT_MALFORMED);
		free(bad);
	}
	/* every bit flip of the leaf: never OK, never a crash */
	for (size_t i = 0; i < len; i++) {
		memcpy(junk, der, len);
		junk[i] ^= 0x01;
		assert_int_not_equal(rp_cardcert_check(ctx, junk, len, T_2025_06_01, &r),
		                     RP_CARDCERT_OK);
	}
	/* arguments */
	assert_int_equal(rp_cardcert_check(NULL, der, len, T_2025_06_01, &r), RP_CARDCERT_ERR_ARG);
	assert_int_equal(rp_cardcert_check(ctx, NULL, 5, T_2025_06_01, &r), RP_CARDCERT_ERR_ARG);
	assert_int_equal(rp_cardcert_check(ctx, der, len, T_2025_06_01, NULL), RP_CARDCERT_ERR_ARG);
	/* all of that left OpenSSL's error queue of this thread as it was */
	assert_int_equal(ERR_peek_error(), 0);
	OPENSSL_free(der);
	free(pem);
	free(key);
	X509_free(leaf);
	rp_cardcert_ctx_free(ctx);
}

static void test_oversized_chain(void **state)
{
	rp_cardcert_ctx *ctx = platform_ctx(NULL);
	size_t len, plen;
	char *pem = slurp("cards/hpki-doctor-valid-chain.pem", &plen);
	X509 *leaf = cert_of("cards/hpki-doctor-valid.pem");
	uint8_t *der = der_of(leaf, &len), *many = malloc(len * (RP_CARDCERT_MAX_CERTS + 1));
	char *pems = malloc(plen * 5 + 1), *big = malloc(RP_CARDCERT_MAX_BYTES + 1);
	rp_cardcert_result r;

	(void)state;
	/* as many as allowed is still read; one more is refused before any verification */
	for (int i = 0; i <= RP_CARDCERT_MAX_CERTS; i++)
		memcpy(many + (size_t)i * len, der, len);
	assert_int_equal(
	        rp_cardcert_check(ctx, many, len * RP_CARDCERT_MAX_CERTS, T_2025_06_01, &r),
	        RP_CARDCERT_OK);
	assert_int_equal(
	        rp_cardcert_check(ctx, many, len * (RP_CARDCERT_MAX_CERTS + 1), T_2025_06_01, &r),
	        RP_CARDCERT_TOO_LONG);
	pems[0] = '\0';
	for (int i = 0; i < 5; i++)
		strcat(pems, pem); /* 10 certificates */
	assert_int_equal(
	        rp_cardcert_check(ctx, (const uint8_t *)pems, strlen(pems), T_2025_06_01, &r),
	        RP_CARDCERT_TOO_LONG);
	memset(big, ' ', RP_CARDCERT_MAX_BYTES + 1);
	memcpy(big, pem, plen);
	assert_int_equal(rp_cardcert_check(ctx, (const uint8_t *)big, RP_CARDCERT_MAX_BYTES,
	                                   T_2025_06_01, &r),
	                 RP_CARDCERT_OK);
	assert_int_equal(rp_cardcert_check(ctx, (const uint8_t *)big, RP_CARDCERT_MAX_BYTES + 1,
	                                   T_2025_06_01, &r),
	                 RP_CARDCERT_TOO_LONG);
	free(big);
	free(pems);
	free(many);
	free(pem);
	OPENSSL_free(der);
	X509_free(leaf);
	rp_cardcert_ctx_free(ctx);
}

static void push_der(uint8_t *buf, size_t *len, X509 *x)
{
	size_t n;
	uint8_t *d = der_of(x, &n);

	memcpy(buf + *len, d, n);
	*len += n;
	OPENSSL_free(d);
}

static void test_hostile_paths(void **state)
{
	rp_cardcert_ctx *ctx = platform_ctx(NULL);
	issuer jma = {cert_of("ca/jma-g2.pem"), key_of("ca/jma-g2.key")};
	EVP_PKEY *ka = new_key(), *kb = new_key(), *kl = new_key();
	static const char *const name_a[] = {"C", "JP", "CN", "Loop CA A", NULL};
	static const char *const name_b[] = {"C", "JP", "CN", "Loop CA B", NULL};
	static const char *const leaf_name[] = {"C", "JP", "CN", "LOOP", "serialNumber", "1", NULL};
	static const char *const self_name[] = {"C", "JP", "CN", "SELF", "serialNumber", "2", NULL};
	uint8_t actor[512], sda[1024], buf[16384];
	size_t n, m, len = 0;
	X509 *b0, *a, *b, *leaf, *self, *ca_leaf, *forged;
	rp_cardcert_result r;

	(void)state;
	n = hc_actor(actor, oid_cdata, sizeof(oid_cdata), 0x0c, "Medical Doctor");
	m = hc_sda(sda, actor, n);

	/* a loop: A issued by B, B issued by A, the leaf by A; nothing reaches an anchor */
	b0 = make_ca(name_b, NULL, kb, kb);
	a = make_ca(name_a, b0, kb, ka);
	b = make_ca(name_b, a, ka, kb);
	leaf = make_leaf(leaf_name, a, ka, kl, sda, m, NULL);
	push_der(buf, &len, leaf);
	push_der(buf, &len, a);
	push_der(buf, &len, b);
	push_der(buf, &len, a);
	assert_int_equal(rp_cardcert_check(ctx, buf, len, T_2025_06_01, &r), RP_CARDCERT_UNTRUSTED);
	assert_false(r.kind_from_anchor);
	assert_int_equal(r.kind, RP_CARDCERT_HPKI); /* what it claims */

	/* claims to be its own issuer (issuer name = subject) but JMA signed it */
	self = make_leaf(self_name, NULL, jma.key, kl, sda, m, NULL);
	assert_int_equal(check_x509(ctx, self, T_2025_06_01, &r), RP_CARDCERT_UNTRUSTED);

	/* names JMA as issuer with JMA's key id, signed by a stranger */
	forged = make_leaf(leaf_name, jma.ca, kl, kl, sda, m, "clientAuth");
	assert_int_equal(check_x509(ctx, forged, T_2025_06_01, &r), RP_CARDCERT_UNTRUSTED);
	assert_int_equal(r.depth, 0);

	/* a CA certificate where the card's belongs: the real JMA CA, the root, a fresh one */
	assert_int_equal(check_file(ctx, "ca/jma-g2.pem", T_2025_06_01, &r),
	                 RP_CARDCERT_NOT_END_ENTITY);
	assert_int_equal(check_file(ctx, "ca/mhlw-root.pem", T_2025_06_01, &r),
	                 RP_CARDCERT_NOT_END_ENTITY);
	ca_leaf = make_cert(&(spec){.name = leaf_name,
	                            .issuer = jma.ca,
	                            .signer = jma.key,
	                            .key = kl,
	                            .bc = "critical,CA:TRUE",
	                            .ku = "critical,digitalSignature,keyCertSign",
	                            .sda = sda,
	                            .sda_len = m,
	                            .from = 0,
	                            .until = T_2041_01_01});
	assert_int_equal(check_x509(ctx, ca_leaf, T_2025_06_01, &r), RP_CARDCERT_NOT_END_ENTITY);

	/* the JMA CA re-issued under a CA the leaf then names: path length 0 is exceeded */
	{
		static const char *const sub_name[] = {"C", "JP", "CN", "Sub of JMA", NULL};
		X509 *sub = make_ca(sub_name, jma.ca, jma.key, ka);
		X509 *under = make_leaf(leaf_name, sub, ka, kl, sda, m, NULL);
		len = 0;
		push_der(buf, &len, under);
		push_der(buf, &len, sub);
		assert_int_equal(rp_cardcert_check(ctx, buf, len, T_2025_06_01, &r),
		                 RP_CARDCERT_CHAIN_INVALID);
		X509_free(sub);
		X509_free(under);
	}
	X509_free(b0);
	X509_free(a);
	X509_free(b);
	X509_free(leaf);
	X509_free(self);
	X509_free(forged);
	X509_free(ca_leaf);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
	EVP_PKEY_free(kl);
	X509_free(jma.ca);
	EVP_PKEY_free(jma.key);
	rp_cardcert_ctx_free(ctx);
}

/* A card chaining to the HPKI root but presented to a platform trusting only JPKI. */
static void test_kind_follows_anchor(void **state)
{
	rp_cardcert_ctx *ctx;
	rp_cardcert_result r;

	(void)state;
	assert_int_equal(rp_cardcert_ctx_new(&ctx), RP_CARDCERT_OK);
	assert_int_equal(add_trust(ctx, JPKI_ANCHORS, "trust/anchors-jpki.pem"), RP_CARDCERT_OK);
	assert_int_equal(add_trust(ctx, CRLS, "trust/crls.pem"), RP_CARDCERT_OK);
	assert_int_equal(check_file(ctx, "cards/hpki-doctor-valid-chain.pem", T_2025_06_01, &r),
	                 RP_CARDCERT_UNTRUSTED);
	assert_int_equal(r.kind, RP_CARDCERT_HPKI);
	assert_false(r.kind_from_anchor);
	assert_int_equal(check_file(ctx, "cards/jpki-valid.pem", T_2025_06_01, &r), RP_CARDCERT_OK);
	assert_int_equal(r.kind, RP_CARDCERT_JPKI);
	assert_string_equal(r.honin_id, "");
	assert_true(strstr(r.issuer, "OU=JPKI for user authentication") != NULL);
	assert_true(strstr(r.subject, "CN=KAGURA000000001JPKIAUTH") != NULL);
	rp_cardcert_ctx_free(ctx);
}

static void test_trust_files(void **state)
{
	/* the wrong kind, a key, CRLs, a card (not a CA) where CA certificates belong; certificates
	 * as CRLs */
	static const struct {
		trust as;
		const char *rel;
		rp_cardcert_err status;
	} bad[] = {
	        {UNKNOWN_ANCHORS, "trust/anchors-hpki.pem", RP_CARDCERT_ERR_ARG},
	        {HPKI_ANCHORS, "ca/mhlw-root.key", RP_CARDCERT_ERR_PEM},
	        {INTERMEDIATES, "trust/crls.pem", RP_CARDCERT_ERR_PEM},
	        {INTERMEDIATES, "cards/hpki-doctor-valid.pem", RP_CARDCERT_ERR_PEM},
	        {CRLS, "trust/intermediates.pem", RP_CARDCERT_ERR_PEM},
	};
	rp_cardcert_ctx *ctx;
	rp_cardcert_result r;
	char path[1024];
	size_t len;
	char *text, *two;

	(void)state;
	assert_int_equal(rp_cardcert_ctx_new(NULL), RP_CARDCERT_ERR_ARG);
	assert_int_equal(rp_cardcert_ctx_new(&ctx), RP_CARDCERT_OK);
	assert_int_equal(rp_cardcert_ctx_add_anchors(ctx, RP_CARDCERT_HPKI, "/nonexistent/x.pem"),
	                 RP_CARDCERT_ERR_IO);
	path_of("trust/anchors-hpki.pem", path, sizeof(path));
	assert_int_equal(rp_cardcert_ctx_add_anchors(NULL, RP_CARDCERT_HPKI, path),
	                 RP_CARDCERT_ERR_ARG);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (add_trust(ctx, bad[i].as, bad[i].rel) != bad[i].status)
			fail_msg("%s as trust %d: not %s", bad[i].rel, bad[i].as,
			         rp_cardcert_errname(bad[i].status));
	assert_int_equal(rp_cardcert_ctx_add_crls_pem(ctx, "", 0), RP_CARDCERT_ERR_PEM);
	assert_int_equal(rp_cardcert_ctx_add_crls_pem(ctx, "just text\n", 10), RP_CARDCERT_ERR_PEM);

	/* all or nothing: a good anchor followed by a card adds neither */
	text = slurp("ca/mhlw-root.pem", &len);
	two = malloc(len * 2 + 4096);
	memcpy(two, text, len);
	free(text);
	text = slurp("cards/hpki-doctor-valid.pem", NULL);
	strcpy(two + len, text);
	free(text);
	assert_int_equal(rp_cardcert_ctx_add_anchors_pem(ctx, RP_CARDCERT_HPKI, two, strlen(two)),
	                 RP_CARDCERT_ERR_PEM);
	/* a truncated block */
	assert_int_equal(rp_cardcert_ctx_add_anchors_pem(ctx, RP_CARDCERT_HPKI, two, len - 40),
	                 RP_CARDCERT_ERR_PEM);
	assert_int_equal(add_trust(ctx, INTERMEDIATES, "trust/intermediates.pem"), RP_CARDCERT_OK);
	assert_int_equal(add_trust(ctx, CRLS, "trust/crls.pem"), RP_CARDCERT_OK);
	assert_int_equal(check_file(ctx, "cards/hpki-doctor-valid.pem", T_2025_06_01, &r),
	                 RP_CARDCERT_UNTRUSTED);
	/* now the anchor alone */
	assert_int_equal(rp_cardcert_ctx_add_anchors_pem(ctx, RP_CARDCERT_HPKI, two, len),
	                 RP_CARDCERT_OK);
	assert_int_equal(check_file(ctx, "cards/hpki-doctor-valid.pem", T_2025_06_01, &r),
	                 RP_CARDCERT_OK);
	free(two);
	rp_cardcert_ctx_free(ctx);
	rp_cardcert_ctx_free(NULL);
}

static void test_error_tables(void **state)
{
	(void)state;
	for (int i = 0; i < RP_CARDCERT__COUNT; i++) {
		assert_true(strncmp(rp_cardcert_errname((rp_cardcert_err)i), "RP_CARDCERT_", 12) ==
		            0);
		assert_true(strlen(rp_cardcert_strerr((rp_cardcert_err)i)) > 10);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(rp_cardcert_errname((rp_cardcert_err)i),
			                        rp_cardcert_errname((rp_cardcert_err)j));
	}
	assert_string_equal(rp_cardcert_errname(RP_CARDCERT_REVOKED), "RP_CARDCERT_REVOKED");
	assert_string_equal(rp_cardcert_strerr((rp_cardcert_err)999),
	                    "unknown card certificate error");
	assert_string_equal(rp_cardcert_kind_name(RP_CARDCERT_HPKI), "hpki");
	assert_string_equal(rp_cardcert_kind_name(RP_CARDCERT_JPKI), "jpki");
	assert_string_equal(rp_cardcert_kind_name((rp_cardcert_kind)7), "unknown");
	assert_string_equal(au_certview_name((au_certview_verdict)99), "AU_CERTVIEW_?");
}

/* ---- the PC's certificate viewer ---- */

static au_certview_verdict view(const char *card, const char *installed, time_t now,
                                au_certview_result *r)
{
	size_t clen, ilen = 0;
	char *c = slurp(card, &clen), *i = installed ? slurp(installed, &ilen) : NULL;
	au_certview_verdict v = au_certview_check((const uint8_t *)c, clen, i, ilen, now, r);

	free(c);
	free(i);
	assert_int_equal(r->verdict, v);
	return v;
}

#define ANY_DEPTH (-9)

/* What the viewer says of a card with the certificates the PC has installed (NULL: none). */
static const struct view_case {
	const char *card, *installed;
	time_t now;
	au_certview_verdict verdict;
	int depth;          /* ANY_DEPTH: not checked */
	const char *detail; /* in the detail; NULL: not checked */
} views[] = {
        {"cards/hpki-doctor-valid.pem", "pc/installed-current.pem", T_2025_06_01, AU_CERTVIEW_OK,
         -1, NULL},
        {"cards/hpki-pharmacist-valid.pem", "pc/installed-current.pem", T_2025_06_01,
         AU_CERTVIEW_OK, ANY_DEPTH, NULL},
        {"cards/jpki-valid.pem", "pc/installed-current.pem", T_2025_06_01, AU_CERTVIEW_OK,
         ANY_DEPTH, NULL},
        /* 3.24: the old generation installed, a card of the renewed one (and the reverse) */
        {"cards/hpki-doctor-valid.pem", "pc/installed-old.pem", T_2025_06_01,
         AU_CERTVIEW_ISSUER_GENERATION, 0, "HPKI-01-JmaAuthCA2-forAuthentication"},
        {"cards/hpki-pharmacist-valid.pem", "pc/installed-old.pem", T_2025_06_01,
         AU_CERTVIEW_ISSUER_GENERATION, ANY_DEPTH, NULL},
        {"cards/hpki-doctor-old-ca.pem", "pc/installed-old.pem", T_2025_06_01, AU_CERTVIEW_OK,
         ANY_DEPTH, NULL},
        {"cards/hpki-doctor-old-ca.pem", "pc/installed-current.pem", T_2025_06_01,
         AU_CERTVIEW_ISSUER_GENERATION, ANY_DEPTH, NULL},
        /* a stranger using JMA's name looks the same to the viewer */
        {"cards/hpki-doctor-untrusted.pem", "pc/installed-current.pem", T_2025_06_01,
         AU_CERTVIEW_ISSUER_GENERATION, ANY_DEPTH, NULL},
        /* 3.23: no JMA CA installed, nothing installed (the CA but not the root: below) */
        {"cards/hpki-doctor-valid.pem", "pc/installed-roots-only.pem", T_2025_06_01,
         AU_CERTVIEW_ISSUER_MISSING, 0, NULL},
        {"cards/hpki-doctor-valid.pem", NULL, T_2025_06_01, AU_CERTVIEW_ISSUER_MISSING, ANY_DEPTH,
         NULL},
        /* in date at the PC's clock */
        {"cards/hpki-doctor-expired.pem", "pc/installed-old.pem", T_2025_06_01, AU_CERTVIEW_EXPIRED,
         0, NULL},
        {"cards/hpki-doctor-expired.pem", "pc/installed-old.pem", T_2022_01_01, AU_CERTVIEW_OK,
         ANY_DEPTH, NULL},
        /* a self-signed certificate nobody installed */
        {"ca/rogue-jma.pem", "pc/installed-current.pem", T_2025_06_01, AU_CERTVIEW_UNTRUSTED_ROOT,
         ANY_DEPTH, NULL},
};

static void test_viewer(void **state)
{
	au_certview_result r;
	size_t len;
	char *jma_only;

	(void)state;
	/* the manual's texts, typed from the manual (v2.16 3.23 and 3.24) */
	assert_string_equal(au_certview_text(AU_CERTVIEW_ISSUER_MISSING),
	                    "情報不足のため、この証明書を検証できません。");
	assert_string_equal(au_certview_text(AU_CERTVIEW_ISSUER_GENERATION),
	                    "この証明書の整合性を保証できません。");
	assert_string_equal(au_certview_manual_entry(AU_CERTVIEW_ISSUER_MISSING), "3.23");
	assert_string_equal(au_certview_manual_entry(AU_CERTVIEW_ISSUER_GENERATION), "3.24");
	assert_null(au_certview_manual_entry(AU_CERTVIEW_OK));
	assert_string_equal(au_certview_text(AU_CERTVIEW_OK), au_certview_reason(AU_CERTVIEW_OK));

	for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
		const struct view_case *c = &views[i];
		au_certview_verdict v = view(c->card, c->installed, c->now, &r);

		if (v != c->verdict || (c->depth != ANY_DEPTH && r.depth != c->depth) ||
		    (c->detail != NULL && strstr(r.detail, c->detail) == NULL))
			fail_msg("%s with %s: %s depth %d (%s)", c->card,
			         c->installed ? c->installed : "nothing", au_certview_name(v),
			         r.depth, r.detail);
	}
	jma_only = slurp("ca/jma-g2.pem", &len);
	{
		size_t clen;
		char *c = slurp("cards/hpki-doctor-valid.pem", &clen);
		assert_int_equal(au_certview_check((const uint8_t *)c, clen, jma_only, len,
		                                   T_2025_06_01, &r),
		                 AU_CERTVIEW_ISSUER_MISSING);
		assert_int_equal(r.depth, 1);
		assert_true(strstr(r.detail, "MHLW HPKI Root CA V2") != NULL);
		/* garbage as the card; garbage as the installed set */
		assert_int_equal(au_certview_check((const uint8_t *)"garbage", 7, jma_only, len,
		                                   T_2025_06_01, &r),
		                 AU_CERTVIEW_MALFORMED);
		assert_int_equal(au_certview_check((const uint8_t *)c, clen,
		                                   "-----BEGIN CERTIFICATE-----\nAAAA\n", 33,
		                                   T_2025_06_01, &r),
		                 AU_CERTVIEW_MALFORMED);
		assert_int_equal(au_certview_check(NULL, 0, NULL, 0, T_2025_06_01, NULL),
		                 AU_CERTVIEW_MALFORMED);
		free(c);
	}
	free(jma_only);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_index_lists_every_variant),
	        cmocka_unit_test(test_every_variant_chain),
	        cmocka_unit_test(test_every_variant_leaf_only),
	        cmocka_unit_test(test_der_equals_pem),
	        cmocka_unit_test(test_callers_clock),
	        cmocka_unit_test(test_missing_crl),
	        cmocka_unit_test(test_bad_crls),
	        cmocka_unit_test(test_identity),
	        cmocka_unit_test(test_malformed_input),
	        cmocka_unit_test(test_oversized_chain),
	        cmocka_unit_test(test_hostile_paths),
	        cmocka_unit_test(test_kind_follows_anchor),
	        cmocka_unit_test(test_trust_files),
	        cmocka_unit_test(test_error_tables),
	        cmocka_unit_test(test_viewer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
