/* The authenticator's side of attestation: credential keys, signatures, attStmt. */
#ifndef KAGURA_AUTHENTICATOR_DEVICE_ATTEST_H
#define KAGURA_AUTHENTICATOR_DEVICE_ATTEST_H

#include <cbor.h>
#include <openssl/evp.h>

#include "authenticator/device/device.h"

/* A new credential key for ES256, EdDSA (Ed25519) or RS256. */
EVP_PKEY *au_keygen(int64_t alg);
/* Signs msg under a COSE alg (ECDSA signatures DER-encoded). */
bool au_sign(EVP_PKEY *key, int64_t alg, const uint8_t *msg, size_t len, wa_blob *sig);

/* The fmt identifier the device's attestation setting produces. */
const char *au_attest_fmt(au_attestation att);

/*
 * attStmt for the new credential c over authData || clientDataHash, per the
 * device's attestation setting (none, packed self, packed x5c, fido-u2f).
 * NULL when the device lacks the attestation identity the setting needs.
 */
cbor_item_t *au_attest_statement(const au_device *dev, const au_credential *c, const wa_blob *ad,
                                 const uint8_t cdh[32]);

/*
 * Gives the device a batch attestation identity: a P-256 key and a leaf meeting
 * the packed certificate requirements (OU "Authenticator Attestation", CA:FALSE,
 * the device's AAGUID), issued by the test attestation CA ca_cert/ca_key.
 */
au_err au_attest_identity_create(au_device *dev, X509 *ca_cert, EVP_PKEY *ca_key, time_t now);

#endif
