/*
 * Batch attestation (authenticator/phone/attest_batch.c): phones of one AAGUID share the
 * attestation key and certificate their CA issued first, while it is valid at their clock's
 * time; another AAGUID, another CA or a time outside the certificate gets a new identity; the
 * shared identity outlives every device that held it and round-trips through a device file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "authenticator/device/device.h"
#include "authenticator/phone/attest_batch.h"

#define DAY          86400L
#define CERT_DAYS    3650L       /* au_attest_identity_create's validity */
#define NOW          1767225600L /* 2026-01-01 */
#define PERSONA_NAME "iphone-ios17-safari"

typedef struct ca {
	X509 *cert;
	EVP_PKEY *key;
} ca;

/* A self-signed P-256 CA, as fixtures/attestation's is. */
static ca make_ca(const char *cn)
{
	ca c = {X509_new(), EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")};
	X509_NAME *n = X509_get_subject_name(c.cert);

	assert_non_null(c.cert);
	assert_non_null(c.key);
	assert_int_equal(X509_set_version(c.cert, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(c.cert), 1), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(c.cert), -DAY));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(c.cert), 40 * 365 * DAY));
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	                                            (const unsigned char *)cn, -1, -1, 0),
	                 1);
	assert_int_equal(X509_set_issuer_name(c.cert, n), 1);
	assert_int_equal(X509_set_pubkey(c.cert, c.key), 1);
	assert_true(X509_sign(c.cert, c.key, EVP_sha256()) > 0);
	return c;
}

static void free_ca(ca *c)
{
	X509_free(c->cert);
	EVP_PKEY_free(c->key);
}

/* A device of an AAGUID whose first byte is tag, with its batch identity at now. */
static void device_of(au_device *d, au_attest_batches *b, const ca *c, uint8_t tag, time_t now)
{
	assert_int_equal(au_device_init(d, PERSONA_NAME), AU_OK);
	d->settings.aaguid[0] = tag;
	assert_int_equal(au_attest_batch_give(b, d, c->cert, c->key, now), AU_OK);
	assert_non_null(d->att_key);
	assert_true(sk_X509_num(d->att_chain) >= 1);
}

static X509 *leaf(const au_device *d)
{
	return sk_X509_value(d->att_chain, 0);
}

static bool same_identity(const au_device *a, const au_device *b)
{
	return EVP_PKEY_eq(a->att_key, b->att_key) == 1 && X509_cmp(leaf(a), leaf(b)) == 0;
}

static void test_one_aaguid_shares(void **state)
{
	au_attest_batches *b = au_attest_batches_new();
	ca c = make_ca("batch CA");
	au_device d1, d2, other;
	(void)state;

	assert_non_null(b);
	device_of(&d1, b, &c, 1, NOW);
	device_of(&d2, b, &c, 1, NOW + 30 * DAY);
	device_of(&other, b, &c, 2, NOW);
	assert_true(same_identity(&d1, &d2));
	assert_false(same_identity(&d1, &other));
	/* The leaf names the device's AAGUID's batch, issued by the CA. */
	assert_int_equal(X509_check_issued(c.cert, leaf(&d1)), X509_V_OK);
	au_device_free(&d1);
	au_device_free(&d2);
	au_device_free(&other);
	au_attest_batches_free(b);
	free_ca(&c);
}

static void test_time_outside_the_certificate(void **state)
{
	au_attest_batches *b = au_attest_batches_new();
	ca c = make_ca("batch CA");
	au_device first, later, earlier;
	time_t when;
	(void)state;

	device_of(&first, b, &c, 1, NOW);
	/* Past the certificate's notAfter, and before its notBefore: a new identity each, valid
	 * then. */
	device_of(&later, b, &c, 1, NOW + (CERT_DAYS + 10) * DAY);
	device_of(&earlier, b, &c, 1, NOW - 30 * DAY);
	assert_false(same_identity(&first, &later));
	assert_false(same_identity(&first, &earlier));
	when = NOW + (CERT_DAYS + 10) * DAY;
	assert_true(X509_cmp_time(X509_get0_notBefore(leaf(&later)), &when) < 0);
	assert_true(X509_cmp_time(X509_get0_notAfter(leaf(&later)), &when) > 0);
	when = NOW - 30 * DAY;
	assert_true(X509_cmp_time(X509_get0_notBefore(leaf(&earlier)), &when) < 0);
	au_device_free(&first);
	au_device_free(&later);
	au_device_free(&earlier);
	au_attest_batches_free(b);
	free_ca(&c);
}

static void test_another_ca_another_batch(void **state)
{
	au_attest_batches *b = au_attest_batches_new();
	ca c1 = make_ca("batch CA one"), c2 = make_ca("batch CA two");
	au_device d1, d2;
	(void)state;

	device_of(&d1, b, &c1, 1, NOW);
	device_of(&d2, b, &c2, 1, NOW);
	assert_false(same_identity(&d1, &d2));
	assert_int_equal(X509_check_issued(c2.cert, leaf(&d2)), X509_V_OK);
	au_device_free(&d1);
	au_device_free(&d2);
	au_attest_batches_free(b);
	free_ca(&c1);
	free_ca(&c2);
}

static void test_without_batches_each_its_own(void **state)
{
	ca c = make_ca("batch CA");
	au_device d1, d2;
	(void)state;

	device_of(&d1, NULL, &c, 1, NOW);
	device_of(&d2, NULL, &c, 1, NOW);
	assert_false(same_identity(&d1, &d2));
	au_device_free(&d1);
	au_device_free(&d2);
	free_ca(&c);
}

/* The shared identity outlives the batches and is what a device file stores and gives back. */
static void test_outlives_and_round_trips(void **state)
{
	au_attest_batches *b = au_attest_batches_new();
	ca c = make_ca("batch CA");
	char dir[] = "/tmp/kagura-batch-XXXXXX", path[64];
	au_device d1, d2, loaded;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/phone.device", dir);
	device_of(&d1, b, &c, 1, NOW);
	device_of(&d2, b, &c, 1, NOW);
	au_attest_batches_free(b);
	au_device_free(&d1);
	assert_int_equal(au_device_save(&d2, path), AU_OK);
	assert_int_equal(au_device_load(&loaded, path), AU_OK);
	assert_true(same_identity(&d2, &loaded));
	au_device_free(&d2);
	au_device_free(&loaded);
	unlink(path);
	rmdir(dir);
	free_ca(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_one_aaguid_shares),
	        cmocka_unit_test(test_time_outside_the_certificate),
	        cmocka_unit_test(test_another_ca_another_batch),
	        cmocka_unit_test(test_without_batches_each_its_own),
	        cmocka_unit_test(test_outlives_and_round_trips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
