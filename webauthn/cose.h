/* COSE_Key credential public keys (RFC 9052/9053) to and from OpenSSL EVP_PKEY. */
#ifndef KAGURA_WEBAUTHN_COSE_H
#define KAGURA_WEBAUTHN_COSE_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>

#include "webauthn/blob.h"

#define WA_COSE_ES256   (-7)
#define WA_COSE_EDDSA   (-8)
#define WA_COSE_ED25519 (-19) /* fully specified (RFC 9864) */
#define WA_COSE_ED448   (-53) /* fully specified (RFC 9864) */
#define WA_COSE_ES384   (-35)
#define WA_COSE_ES512   (-36)
#define WA_COSE_PS256   (-37)
#define WA_COSE_RS256   (-257)
#define WA_COSE_RS384   (-258)
#define WA_COSE_RS512   (-259)
#define WA_COSE_RS1     (-65535)

#define WA_COSE_KTY_OKP 1
#define WA_COSE_KTY_EC2 2
#define WA_COSE_KTY_RSA 3

#define WA_COSE_CRV_P256    1
#define WA_COSE_CRV_P384    2
#define WA_COSE_CRV_P521    3
#define WA_COSE_CRV_ED25519 6
#define WA_COSE_CRV_ED448   7

struct wa_cose_verifier;

typedef struct wa_cose_key {
	int64_t alg;
	int64_t kty;
	int64_t crv; /* 0 for RSA */
	EVP_PKEY *pkey;
	/* An ECDSA key's shared verification context (webauthn/cose_verifier.h), one hold this
	 * copy's; NULL: each check makes its own. */
	struct wa_cose_verifier *verifier;
} wa_cose_key;

/*
 * Decodes one COSE_Key spanning ptr[0..len): a CBOR map with integer labels in
 * canonical order, no duplicates, a supported alg whose kty/crv fit, EC
 * coordinates of exactly the field size and a point on the curve.
 */
wa_err wa_cose_decode(const uint8_t *ptr, size_t len, wa_cose_key *out);
/* Same for an already decoded CBOR map. */
struct cbor_item_t;
wa_err wa_cose_decode_item(const struct cbor_item_t *map, wa_cose_key *out);

/* Encodes pkey as a canonical COSE_Key for alg; EC coordinates left-padded to field size. */
wa_err wa_cose_encode(EVP_PKEY *pkey, int64_t alg, wa_blob *out);

/* Verifies sig over msg with the key's algorithm (ECDSA signatures in DER). */
wa_err wa_cose_verify(const wa_cose_key *key, const uint8_t *msg, size_t msg_len,
                      const uint8_t *sig, size_t sig_len);
/* Same, for an EVP_PKEY from a certificate, with the COSE algorithm alg;
 * WA_ERR_ARG when alg is not defined for that key type or curve. */
wa_err wa_pkey_verify(EVP_PKEY *pkey, int64_t alg, const uint8_t *msg, size_t msg_len,
                      const uint8_t *sig, size_t sig_len);

/*
 * Signs msg with key under the COSE algorithm alg (PS256: PSS padding, salt the digest's
 * length): the signature in sig, its old bytes freed; sig untouched on failure.
 */
wa_err wa_cose_sign(EVP_PKEY *key, int64_t alg, const uint8_t *msg, size_t len, wa_blob *sig);

/* The digest a COSE signature algorithm uses; NULL for EdDSA (and unknown algs). */
const EVP_MD *wa_cose_alg_md(int64_t alg);
/* "ES256", "RS256", ...; "unknown" otherwise. */
const char *wa_cose_alg_name(int64_t alg);
bool wa_cose_alg_supported(int64_t alg);

/* True when two keys are the same public key. */
bool wa_pkey_equal(EVP_PKEY *a, EVP_PKEY *b);

/* A copy of src in dst with holds of its own on the key and its context; false without memory. */
bool wa_cose_key_copy(const wa_cose_key *src, wa_cose_key *dst);
/* Gives an ECDSA key the context its copies will share (no change for other keys, or when it
 * already has one); without memory it simply has none. */
void wa_cose_key_share_verifier(wa_cose_key *key);

void wa_cose_key_reset(wa_cose_key *key);

#endif
