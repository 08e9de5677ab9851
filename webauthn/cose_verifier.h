/*
 * An ECDSA key's verification context, prepared once and shared by the copies of one decoded key
 * (the key cache hands such copies to every assertion of a credential). In OpenSSL 3.0 setting a
 * context up looks the ECDSA implementation up by name each time: about 5 µs of a 115 µs check.
 * A context serves one check at a time; a check that finds it busy makes a context of its own.
 */
#ifndef KAGURA_WEBAUTHN_COSE_VERIFIER_H
#define KAGURA_WEBAUTHN_COSE_VERIFIER_H

#include <openssl/evp.h>

typedef struct wa_cose_verifier wa_cose_verifier;

/* A context ready to verify with pkey, held once by the caller; NULL when OpenSSL refuses. */
wa_cose_verifier *wa_cose_verifier_new(EVP_PKEY *pkey);
/* v held once more (v may be NULL); returns v. */
wa_cose_verifier *wa_cose_verifier_ref(wa_cose_verifier *v);
/* Lets go of one hold on *vp (NULL: nothing) and NULLs it; the last frees the context. */
void wa_cose_verifier_unref(wa_cose_verifier **vp);
/* The context for one check, or NULL while another check has it; give it back with release. */
EVP_PKEY_CTX *wa_cose_verifier_take(wa_cose_verifier *v);
void wa_cose_verifier_release(wa_cose_verifier *v);

#endif
