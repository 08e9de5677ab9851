/* A new phone: its device file, from a persona's defaults and the test attestation CA. */
#include "authenticator/phone/phone.h"

#include <openssl/pem.h>
#include <stdio.h>

#include "authenticator/device/attest.h"
#include "authenticator/phone/phone_impl.h"

au_err au_attest_ca_load(const char *dir, au_attest_ca *ca, char *why, size_t why_size)
{
	char path[4096];
	FILE *f;

	ca->cert = NULL;
	ca->key = NULL;
	ca->batches = NULL;
	snprintf(path, sizeof(path), "%s/ca.pem", dir);
	if ((f = fopen(path, "r")) != NULL) {
		ca->cert = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/ca.key", dir);
	if (ca->cert != NULL && (f = fopen(path, "r")) != NULL) {
		ca->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (ca->cert == NULL || ca->key == NULL) {
		au_attest_ca_reset(ca);
		au_phone_why(why, why_size, dir, "attestation CA: no readable ca.pem and ca.key");
		return AU_ERR_IO;
	}
	if ((ca->batches = au_attest_batches_new()) == NULL) {
		au_attest_ca_reset(ca);
		au_phone_why(why, why_size, dir, "out of memory");
		return AU_ERR_NOMEM;
	}
	return AU_OK;
}

void au_attest_ca_reset(au_attest_ca *ca)
{
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
	au_attest_batches_free(ca->batches);
	ca->cert = NULL;
	ca->key = NULL;
	ca->batches = NULL;
}

/* A new device for persona in dev (au_device_free it), written to path. */
static au_err new_device(const au_phone_env *env, const char *persona, const au_attest_ca *ca,
                         const char *path, au_device *dev, char *why, size_t why_size)
{
	au_persona p;
	const char *bad = NULL;
	au_err e;

	au_device_init(dev, persona);
	if ((e = au_persona_get(env->personas, env->persona_dir, persona, &p)) != AU_OK) {
		au_phone_why(why, why_size, persona, p.why[0] ? p.why : au_strerr(e));
		return e;
	}
	e = au_persona_apply_device(&p, dev, &bad);
	au_persona_free(&p);
	if (e != AU_OK) {
		au_phone_why(why, why_size, "persona device default", bad ? bad : au_strerr(e));
		return e;
	}
	e = au_attest_batch_give(ca->batches, dev, ca->cert, ca->key, wa_clock_now(env->clock));
	if (e == AU_OK)
		e = au_device_save(dev, path);
	if (e != AU_OK)
		au_phone_why(why, why_size, path, au_strerr(e));
	return e;
}

/* au_phone_new_device with a CA already read. */
static au_err new_device_with(const au_phone_env *env, const char *persona, const au_attest_ca *ca,
                              const char *path, char *why, size_t why_size)
{
	au_device dev;
	au_err e = new_device(env, persona, ca, path, &dev, why, why_size);

	au_device_free(&dev);
	return e;
}

au_err au_phone_create(au_phone *p, const au_phone_env *env, const char *persona,
                       const au_attest_ca *ca, const char *path, char *why, size_t why_size)
{
	au_device dev;
	au_err e = new_device(env, persona, ca, path, &dev, why, why_size);

	if (e != AU_OK) {
		memset(p, 0, sizeof(*p));
		au_device_free(&dev);
		return e;
	}
	return au_phone_open_device(p, env, path, &dev, NULL, why, why_size);
}

au_err au_phone_new_device(const au_phone_env *env, const char *persona,
                           const char *attestation_dir, const char *path, char *why,
                           size_t why_size)
{
	au_attest_ca ca;
	au_err e;

	if ((e = au_attest_ca_load(attestation_dir, &ca, why, why_size)) != AU_OK)
		return e;
	e = new_device_with(env, persona, &ca, path, why, why_size);
	au_attest_ca_reset(&ca);
	return e;
}
