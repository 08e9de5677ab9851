/* fmt "fido-u2f" (§8.6): a U2F registration signature over rebuilt U2F data. */
#include <openssl/core_names.h>
#include <stdlib.h>
#include <string.h>

#include "webauthn/attest_formats.h"
#include "webauthn/cborx.h"

static bool is_p256(EVP_PKEY *key)
{
	char group[32];

	return key != NULL && EVP_PKEY_is_a(key, "EC") &&
	       EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
	                                      NULL) == 1 &&
	       (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0);
}

wa_err wa_attest_fido_u2f(const wa_attest_input *in, wa_attest_result *out)
{
	const uint8_t *sig;
	size_t sig_len, point_len = 0;
	uint8_t point[65];
	uint8_t *data;
	size_t n = 0;
	EVP_PKEY *att_key;
	wa_err err;

	if (!wa_cbor_bytes(wa_cbor_map_get_text(in->att_stmt, "sig"), &sig, &sig_len) ||
	    sig_len == 0)
		return WA_ERR_ATT_SIG_MISSING;
	if ((err = wa_attstmt_x5c(in->att_stmt, &out->x5c)) != WA_OK)
		return err;
	if (sk_X509_num(out->x5c) != 1)
		return WA_ERR_ATT_X5C_COUNT;
	att_key = X509_get0_pubkey(sk_X509_value(out->x5c, 0));
	if (!is_p256(att_key))
		return WA_ERR_ATT_CERT_KEY;
	/* The credential must be a P-256 key with 32-byte coordinates (U2F's only kind). */
	if (in->cred_key->alg != WA_COSE_ES256 || !is_p256(in->cred_key->pkey) ||
	    EVP_PKEY_get_octet_string_param(in->cred_key->pkey, OSSL_PKEY_PARAM_PUB_KEY, point,
	                                    sizeof(point), &point_len) != 1 ||
	    point_len != 65 || point[0] != 0x04)
		return WA_ERR_ATT_PUBKEY_MISMATCH;
	if (in->u2f_require_zero_aaguid) {
		static const uint8_t zero[WA_AAGUID_LEN];
		if (memcmp(in->ad->aaguid, zero, WA_AAGUID_LEN) != 0)
			return WA_ERR_ATT_AAGUID_NONZERO;
	}
	if ((data = malloc(1 + 32 + 32 + in->ad->cred_id_len + 65)) == NULL)
		return WA_ERR_NOMEM;
	data[n++] = 0x00;
	memcpy(data + n, in->ad->rp_id_hash, 32);
	n += 32;
	memcpy(data + n, in->client_data_hash, 32);
	n += 32;
	memcpy(data + n, in->ad->cred_id, in->ad->cred_id_len);
	n += in->ad->cred_id_len;
	memcpy(data + n, point, 65);
	n += 65;
	err = wa_pkey_verify(att_key, WA_COSE_ES256, data, n, sig, sig_len);
	free(data);
	if (err != WA_OK)
		return err == WA_ERR_NOMEM ? err : WA_ERR_ATT_SIG;
	out->type = WA_ATT_TYPE_BASIC;
	return WA_OK;
}
