/*
 * bench-authenticator: ES256 assertions per second produced by the simulated
 * platform authenticator through the whole host path (libfido2 ->
 * CTAPHID framing -> CTAP2 processor -> key), and in the same run the raw
 * OpenSSL P-256 signing rate (EVP_DigestSign, key cached). Ratio last.
 */
#include <fido.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "authenticator/device/attest.h"
#include "authenticator/device/fido_glue.h"
#include "webauthn/cose.h"

#define ROUNDS        5
#define ROUND_SECONDS 0.4
#define RP_ID         "mahpki-auth.example.jp"

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct fixture {
	fido_dev_t *dev;
	EVP_PKEY *key;
	uint8_t msg[69]; /* authenticatorData (37) || clientDataHash (32) */
} fixture;

static const uint8_t cdh[32] = {0x42};

/* One assertion, as a browser asks for it: allow list empty, discoverable credential. */
static int one_assertion(fixture *fx)
{
	fido_assert_t *a = fido_assert_new();
	int ok = a != NULL && fido_assert_set_rp(a, RP_ID) == FIDO_OK &&
	         fido_assert_set_clientdata_hash(a, cdh, sizeof(cdh)) == FIDO_OK &&
	         fido_dev_get_assert(fx->dev, a, NULL) == FIDO_OK && fido_assert_count(a) == 1;

	fido_assert_free(&a);
	return ok;
}

static int one_signature(fixture *fx)
{
	wa_blob sig = {0};
	int ok = au_sign(fx->key, WA_COSE_ES256, fx->msg, sizeof(fx->msg), &sig);

	wa_blob_reset(&sig);
	return ok;
}

static long run(int (*fn)(fixture *), fixture *fx, double *elapsed)
{
	double start = now_seconds(), t = start;
	long n = 0;

	while (t - start < ROUND_SECONDS) {
		for (int i = 0; i < 32; i++)
			if (!fn(fx))
				return -1;
		n += 32;
		t = now_seconds();
	}
	*elapsed += t - start;
	return n;
}

int main(void)
{
	au_device dev;
	au_ctap ctap;
	au_hid *hid;
	wa_clock clock = wa_clock_system(0);
	fixture fx = {0};
	fido_cred_t *cred = fido_cred_new();
	static const uint8_t uid[] = "bench-user";
	long n_dev = 0, n_ssl = 0, k;
	double t_dev = 0, t_ssl = 0;

	fido_init(FIDO_DISABLE_U2F_FALLBACK);
	au_device_init(&dev, "desktop-chrome");
	au_ctap_init(&ctap, &dev, &clock, NULL, NULL);
	if ((hid = au_hid_new(&ctap)) == NULL || au_fido_open(hid, &fx.dev) != FIDO_OK ||
	    fido_cred_set_type(cred, COSE_ES256) != FIDO_OK ||
	    fido_cred_set_clientdata_hash(cred, cdh, sizeof(cdh)) != FIDO_OK ||
	    fido_cred_set_rp(cred, RP_ID, NULL) != FIDO_OK ||
	    fido_cred_set_user(cred, uid, sizeof(uid), "bench", NULL, NULL) != FIDO_OK ||
	    fido_cred_set_rk(cred, FIDO_OPT_TRUE) != FIDO_OK ||
	    fido_dev_make_cred(fx.dev, cred, NULL) != FIDO_OK) {
		fprintf(stderr, "bench-authenticator: the simulated device did not come up\n");
		return 1;
	}
	fx.key = au_keygen(WA_COSE_ES256);
	memset(fx.msg, 0x5a, sizeof(fx.msg));
	for (int r = 0; r < ROUNDS; r++) {
		if ((k = run(one_assertion, &fx, &t_dev)) < 0) {
			fprintf(stderr, "bench-authenticator: an assertion failed\n");
			return 1;
		}
		n_dev += k;
		if ((k = run(one_signature, &fx, &t_ssl)) < 0) {
			fprintf(stderr, "bench-authenticator: a signature failed\n");
			return 1;
		}
		n_ssl += k;
	}
	printf("ES256 assertions via libfido2 -> CTAPHID -> device:  %9.0f /s\n", n_dev / t_dev);
	printf("OpenSSL EVP_DigestSign P-256, key cached:            %9.0f /s\n", n_ssl / t_ssl);
	printf("ratio %.3f\n", (n_dev / t_dev) / (n_ssl / t_ssl));
	fido_cred_free(&cred);
	au_fido_close(&fx.dev);
	au_hid_free(hid);
	EVP_PKEY_free(fx.key);
	au_device_free(&dev);
	return 0;
}
