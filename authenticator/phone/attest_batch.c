#include "authenticator/phone/attest_batch.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "authenticator/device/attest.h"

#define BATCHES_MAX 32 /* AAGUIDs × clock eras of one run; past it, identities are not shared */

typedef struct batch {
	uint8_t aaguid[16];
	X509 *ca;               /* the issuing CA (a reference): another CA makes another batch */
	EVP_PKEY *key;          /* owned reference */
	wa_blob key_der;        /* key's DER as device files hold it, encoded once */
	STACK_OF(X509) * chain; /* owned references, the leaf first */
} batch;

struct au_attest_batches {
	pthread_mutex_t lock; /* guards n and the entries */
	batch kept[BATCHES_MAX];
	size_t n;
};

au_attest_batches *au_attest_batches_new(void)
{
	au_attest_batches *b = calloc(1, sizeof(*b));

	if (b != NULL && pthread_mutex_init(&b->lock, NULL) != 0) {
		free(b);
		return NULL;
	}
	return b;
}

void au_attest_batches_free(au_attest_batches *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n; i++) {
		X509_free(b->kept[i].ca);
		EVP_PKEY_free(b->kept[i].key);
		wa_blob_reset(&b->kept[i].key_der);
		sk_X509_pop_free(b->kept[i].chain, X509_free);
	}
	pthread_mutex_destroy(&b->lock);
	free(b);
}

/* Whether the batch's leaf is valid at now. */
static bool valid_at(const batch *e, time_t now)
{
	X509 *leaf = sk_X509_value(e->chain, 0);

	return leaf != NULL && X509_cmp_time(X509_get0_notBefore(leaf), &now) < 0 &&
	       X509_cmp_time(X509_get0_notAfter(leaf), &now) > 0;
}

/* dev holds e's key and chain (references of its own). */
static au_err share(const batch *e, au_device *dev)
{
	STACK_OF(X509) *chain = X509_chain_up_ref(e->chain);

	if (chain == NULL || EVP_PKEY_up_ref(e->key) != 1) {
		sk_X509_pop_free(chain, X509_free);
		return AU_ERR_NOMEM;
	}
	EVP_PKEY_free(dev->att_key);
	wa_blob_reset(&dev->att_key_der);
	if (e->key_der.len > 0)
		wa_blob_set(&dev->att_key_der, e->key_der.ptr,
		            e->key_der.len); /* else encoded on save */
	sk_X509_pop_free(dev->att_chain, X509_free);
	dev->att_key = e->key;
	dev->att_chain = chain;
	return AU_OK;
}

au_err au_attest_batch_give(au_attest_batches *b, au_device *dev, X509 *ca_cert, EVP_PKEY *ca_key,
                            time_t now)
{
	batch *e;
	au_err err;

	if (b == NULL)
		return au_attest_identity_create(dev, ca_cert, ca_key, now);
	pthread_mutex_lock(&b->lock);
	for (size_t i = 0; i < b->n; i++) {
		e = &b->kept[i];
		if (memcmp(e->aaguid, dev->settings.aaguid, sizeof(e->aaguid)) == 0 &&
		    X509_cmp(e->ca, ca_cert) == 0 && valid_at(e, now)) {
			err = share(e, dev);
			pthread_mutex_unlock(&b->lock);
			return err;
		}
	}
	err = au_attest_identity_create(dev, ca_cert, ca_key, now);
	if (err == AU_OK && b->n < BATCHES_MAX) {
		e = &b->kept[b->n];
		memcpy(e->aaguid, dev->settings.aaguid, sizeof(e->aaguid));
		e->chain = X509_chain_up_ref(dev->att_chain);
		if (e->chain != NULL && X509_up_ref(ca_cert) == 1) {
			e->ca = ca_cert;
			if (EVP_PKEY_up_ref(dev->att_key) == 1) {
				e->key = dev->att_key;
				/* Encoded once, for this device's save and the batch's next ones.
				 */
				if (au_device_key_der(dev->att_key, &dev->att_key_der) == AU_OK)
					wa_blob_set(&e->key_der, dev->att_key_der.ptr,
					            dev->att_key_der.len);
				b->n++;
			} else {
				X509_free(e->ca);
				sk_X509_pop_free(e->chain, X509_free);
			}
		} else {
			sk_X509_pop_free(e->chain, X509_free);
		}
	}
	pthread_mutex_unlock(&b->lock);
	return err;
}
