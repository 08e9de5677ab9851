/* Internal: the per-format verification procedures behind wa_attest_verify. */
#ifndef KAGURA_WEBAUTHN_ATTEST_FORMATS_H
#define KAGURA_WEBAUTHN_ATTEST_FORMATS_H

#include "webauthn/attest.h"

wa_err wa_attest_none(const wa_attest_input *in, wa_attest_result *out);
wa_err wa_attest_packed(const wa_attest_input *in, wa_attest_result *out);
wa_err wa_attest_fido_u2f(const wa_attest_input *in, wa_attest_result *out);
wa_err wa_attest_tpm(const wa_attest_input *in, wa_attest_result *out);
wa_err wa_attest_android_key(const wa_attest_input *in, wa_attest_result *out);
wa_err wa_attest_apple(const wa_attest_input *in, wa_attest_result *out);

/* attStmt 'alg' (integer) and 'sig' (non-empty byte string). */
wa_err wa_attstmt_alg_sig(const cbor_item_t *att_stmt, int64_t *alg, const uint8_t **sig,
                          size_t *sig_len);
/* attStmt 'x5c': a non-empty array of DER certificates, leaf first. */
wa_err wa_attstmt_x5c(const cbor_item_t *att_stmt, STACK_OF(X509) * *out);
/* authenticatorData || clientDataHash, the bytes most formats sign; caller frees. */
uint8_t *wa_att_to_be_signed(const wa_attest_input *in, size_t *len);

/* Verifies sig over authenticatorData || clientDataHash with key under alg;
 * WA_ERR_ATT_ALG_MISMATCH when alg does not fit the key, WA_ERR_ATT_SIG when it does not verify. */
wa_err wa_att_verify_signed(EVP_PKEY *key, int64_t alg, const wa_attest_input *in,
                            const uint8_t *sig, size_t sig_len);

#endif
