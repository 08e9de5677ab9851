/* A new phone: its device file, from a persona's defaults and the test attestation CA. */
#include "authenticator/phone/phone.h"

#include <openssl/pem.h>
#include <stdio.h>

#include "authenticator/device/attest.h"
#include "authenticator/phone/phone_impl.h"

static au_err load_ca(const char *dir, X509 **cert, EVP_PKEY **key, char *why, size_t size)
{
	char path[4096];
	FILE *f;

	*cert = NULL;
	*key = NULL;
	snprintf(path, sizeof(path), "%s/ca.pem", dir);
	if ((f = fopen(path, "r")) != NULL) {
		*cert = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/ca.key", dir);
	if (*cert != NULL && (f = fopen(path, "r")) != NULL) {
		*key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (*cert == NULL || *key == NULL) {
		X509_free(*cert);
		EVP_PKEY_free(*key);
		au_phone_why(why, size, dir, "attestation CA: no readable ca.pem and ca.key");
		return AU_ERR_IO;
	}
	return AU_OK;
}

au_err au_phone_new_device(const au_phone_env *env, const char *persona,
                           const char *attestation_dir, const char *path, char *why,
                           size_t why_size)
{
	au_persona p;
	au_device dev;
	X509 *ca = NULL;
	EVP_PKEY *ca_key = NULL;
	const char *bad = NULL;
	au_err e;

	if ((e = au_persona_load(env->persona_dir, persona, &p)) != AU_OK) {
		au_phone_why(why, why_size, persona, p.why[0] ? p.why : au_strerr(e));
		return e;
	}
	au_device_init(&dev, persona);
	e = au_persona_apply_device(&p, &dev, &bad);
	au_persona_free(&p);
	if (e != AU_OK) {
		au_phone_why(why, why_size, "persona device default", bad ? bad : au_strerr(e));
	} else if ((e = load_ca(attestation_dir, &ca, &ca_key, why, why_size)) == AU_OK) {
		e = au_attest_identity_create(&dev, ca, ca_key, wa_clock_now(env->clock));
		if (e == AU_OK)
			e = au_device_save(&dev, path);
		if (e != AU_OK)
			au_phone_why(why, why_size, path, au_strerr(e));
	}
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	au_device_free(&dev);
	return e;
}
