#include "webauthn/cose_verifier.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

struct wa_cose_verifier {
	pthread_mutex_t busy; /* held by the check using ctx */
	EVP_PKEY_CTX *ctx;    /* owned; initialised for EVP_PKEY_verify */
	atomic_int holds;
};

wa_cose_verifier *wa_cose_verifier_new(EVP_PKEY *pkey)
{
	wa_cose_verifier *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return NULL;
	if ((v->ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL ||
	    EVP_PKEY_verify_init(v->ctx) != 1 || pthread_mutex_init(&v->busy, NULL) != 0) {
		EVP_PKEY_CTX_free(v->ctx);
		free(v);
		return NULL;
	}
	atomic_init(&v->holds, 1);
	return v;
}

wa_cose_verifier *wa_cose_verifier_ref(wa_cose_verifier *v)
{
	if (v != NULL)
		atomic_fetch_add(&v->holds, 1);
	return v;
}

void wa_cose_verifier_unref(wa_cose_verifier **vp)
{
	wa_cose_verifier *v = *vp;

	*vp = NULL;
	if (v == NULL || atomic_fetch_sub(&v->holds, 1) != 1)
		return;
	EVP_PKEY_CTX_free(v->ctx);
	pthread_mutex_destroy(&v->busy);
	free(v);
}

EVP_PKEY_CTX *wa_cose_verifier_take(wa_cose_verifier *v)
{
	return v != NULL && pthread_mutex_trylock(&v->busy) == 0 ? v->ctx : NULL;
}

void wa_cose_verifier_release(wa_cose_verifier *v)
{
	pthread_mutex_unlock(&v->busy);
}
