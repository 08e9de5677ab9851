/*
 * A tiny software authenticator for the tests: builds registration and
 * authentication responses with real keys, and lets a test mutate any layer
 * (clientDataJSON, authenticatorData, COSE key, attStmt, CBOR, JSON) before
 * or after signing, so a negative case fails exactly the check it targets.
 */
#ifndef KAGURA_TESTS_SOFTAUTHN_H
#define KAGURA_TESTS_SOFTAUTHN_H

#include <cbor.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "webauthn/blob.h"
#include "webauthn/ceremony.h"

#define SA_RP_ID  "kagura.example.jp"
#define SA_ORIGIN "https://kagura.example.jp"

typedef struct sa_hooks {
	void (*client_data)(wa_blob *cdata); /* before it is hashed */
	void (*cose_key)(wa_blob *cose);     /* before it goes into authData */
	void (*auth_data)(wa_blob *ad);      /* before it is signed */
	void (*signature)(wa_blob *sig);     /* after signing */
	void (*att_stmt)(cbor_item_t *stmt); /* after signing (a definite map) */
	void (*att_obj)(wa_blob *obj);       /* the final CBOR bytes */
	void (*json)(json_t *resp);          /* the final response JSON */
} sa_hooks;

typedef struct sa_params {
	int64_t alg;     /* COSE alg of the credential */
	const char *fmt; /* "none", "packed-self", "packed", "fido-u2f" */
	uint8_t flags;   /* authenticatorData flags (AT/ED added as needed) */
	uint32_t sign_count;
	const char *rp_id;
	const char *origin;
	const char *type; /* clientData type; default by ceremony */
	uint8_t challenge[32];
	bool cross_origin;
	const char *top_origin;
	uint8_t aaguid[16];
	size_t cred_id_len;         /* default 32 */
	const uint8_t *user_handle; /* authentication: returned userHandle */
	size_t user_handle_len;
} sa_params;

/* A test attestation CA and leaf, generated once per process run. */
typedef struct sa_pki {
	EVP_PKEY *ca_key;
	X509 *ca;
	EVP_PKEY *att_key; /* P-256 */
	X509 *att;         /* packed-compliant leaf, AAGUID extension set to aaguid */
	uint8_t aaguid[16];
} sa_pki;

typedef struct sa_credential {
	EVP_PKEY *key;
	int64_t alg;
	wa_blob id;
} sa_credential;

/* Defaults: ES256, fmt none, UP|UV, counter 1, SA_RP_ID / SA_ORIGIN, challenge 0x11.. */
sa_params sa_default_params(void);

/* A certificate for key signed by signer (issuer NULL: self-signed); C=JP, O=kagura-harness. */
X509 *sa_make_cert(EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer, const char *ou, const char *cn,
                   bool ca, long not_before_days, long not_after_days);

/* Validity of the leaf in days from now (negative = past). */
int sa_pki_init(sa_pki *pki, long not_before_days, long not_after_days);
void sa_pki_free(sa_pki *pki);

/* New credential key for alg (ES256/384/512, RS256, EdDSA, PS256). */
EVP_PKEY *sa_keygen(int64_t alg);

/* Builds a RegistrationResponseJSON; cred receives the key and id. NULL on failure. */
json_t *sa_register(const sa_params *p, const sa_hooks *h, const sa_pki *pki, sa_credential *cred);
/* Builds an AuthenticationResponseJSON for cred. */
json_t *sa_authenticate(const sa_params *p, const sa_hooks *h, const sa_credential *cred);

void sa_credential_free(sa_credential *cred);

/*
 * What the W3C test vector of that name expects with challenge chal: origin https://example.org,
 * RP ID example.org; the crossOrigin and topOrigin vectors embedded under https://example.com.
 */
wa_expect sa_w3c_expect(const char *vector_name, const wa_blob *chal);

/* Signs msg with key under a COSE alg (DER for ECDSA). */
int sa_sign(EVP_PKEY *key, int64_t alg, const uint8_t *msg, size_t len, wa_blob *sig);

/* wa_blob_append, and abort() when memory runs out (test data must be whole). */
void sa_append(wa_blob *b, const void *p, size_t n);

/* A certificate as PEM text in a JSON string (owned), the form the other verifiers' test
 * CAs are handed in (SimpleWebAuthn's root certificates, Java's CertificateFactory); NULL on
 * failure. */
json_t *sa_pem_json(X509 *cert);

/* Parameter edits that break one check of §7.1/§7.2 each (softauthn_breaks.c). */
void sa_break_challenge(sa_params *p);        /* the challenge the RP did not send */
void sa_break_origin_other(sa_params *p);     /* another site's origin */
void sa_break_origin_http(sa_params *p);      /* the RP's host over plain HTTP */
void sa_break_origin_port(sa_params *p);      /* the RP's host on another port */
void sa_break_origin_subdomain(sa_params *p); /* a subdomain of the RP's host */
void sa_break_type_get(sa_params *p);         /* clientDataJSON of an assertion */
void sa_break_type_create(sa_params *p);      /* clientDataJSON of a registration */
void sa_break_cross_origin(sa_params *p);     /* crossOrigin true */
void sa_break_rp_other(sa_params *p);         /* another RP ID's hash */
void sa_break_up(sa_params *p);               /* user presence (UP) clear */
void sa_break_uv(sa_params *p);               /* user verification (UV) clear */
void sa_break_bs_only(sa_params *p);          /* backup state (BS) without backup eligibility */
void sa_break_be(sa_params *p);               /* backup eligibility (BE) set */
void sa_break_aaguid(sa_params *p);           /* another AAGUID */
void sa_break_counter_0(sa_params *p);        /* signature counter 0 */
void sa_break_counter_5(sa_params *p);        /* signature counter 5 */

void sa_break_json_other_id(json_t *resp); /* another credential's id and rawId */

void sa_break_json_counter_after_signing(json_t *resp); /* authenticatorData edited after */

#endif
