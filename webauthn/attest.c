#include "webauthn/attest.h"

#include <stdlib.h>
#include <string.h>

#include "webauthn/attest_formats.h"
#include "webauthn/cborx.h"
#include "webauthn/x509util.h"
#include "webauthn/arraylen.h"

static const struct {
	const char *fmt;
	wa_err (*verify)(const wa_attest_input *, wa_attest_result *);
} formats[] = {
        {"none", wa_attest_none},
        {"packed", wa_attest_packed},
        {"fido-u2f", wa_attest_fido_u2f},
        {"tpm", wa_attest_tpm},
        {"android-key", wa_attest_android_key},
        {"apple", wa_attest_apple},
};

bool wa_attest_fmt_supported(const char *fmt)
{
	for (size_t i = 0; i < KAGURA_LEN(formats); i++)
		if (strcmp(formats[i].fmt, fmt) == 0)
			return true;
	return false;
}

wa_err wa_attest_verify(const char *fmt, const wa_attest_input *in, wa_attest_result *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < KAGURA_LEN(formats); i++) {
		if (strcmp(formats[i].fmt, fmt) == 0) {
			wa_err err = formats[i].verify(in, out);
			if (err != WA_OK)
				wa_attest_result_reset(out);
			return err;
		}
	}
	return WA_ERR_FMT_UNSUPPORTED;
}

void wa_attest_result_reset(wa_attest_result *res)
{
	sk_X509_pop_free(res->x5c, X509_free);
	memset(res, 0, sizeof(*res));
}

const char *wa_att_type_name(wa_att_type type)
{
	switch (type) {
	case WA_ATT_TYPE_NONE:
		return "none";
	case WA_ATT_TYPE_SELF:
		return "self";
	case WA_ATT_TYPE_BASIC:
		return "basic";
	case WA_ATT_TYPE_ATTCA:
		return "attca";
	case WA_ATT_TYPE_ANONCA:
		return "anonca";
	}
	return "unknown";
}

wa_err wa_attstmt_alg_sig(const cbor_item_t *att_stmt, int64_t *alg, const uint8_t **sig,
                          size_t *sig_len)
{
	if (!wa_cbor_int(wa_cbor_map_get_text(att_stmt, "alg"), alg))
		return WA_ERR_ATT_ALG_MISSING;
	if (!wa_cbor_bytes(wa_cbor_map_get_text(att_stmt, "sig"), sig, sig_len) || *sig_len == 0)
		return WA_ERR_ATT_SIG_MISSING;
	return WA_OK;
}

/* x5c chains are short; this bound keeps hostile input cheap. */
#define X5C_MAX 8

wa_err wa_attstmt_x5c(const cbor_item_t *att_stmt, STACK_OF(X509) * *out)
{
	const cbor_item_t *arr = wa_cbor_map_get_text(att_stmt, "x5c");
	cbor_item_t **items;
	STACK_OF(X509) * chain;

	*out = NULL;
	if (arr == NULL || !cbor_isa_array(arr) || !cbor_array_is_definite(arr) ||
	    cbor_array_size(arr) == 0)
		return WA_ERR_ATT_X5C_TYPE;
	if (cbor_array_size(arr) > X5C_MAX)
		return WA_ERR_ATT_X5C_COUNT;
	if ((chain = sk_X509_new_null()) == NULL)
		return WA_ERR_NOMEM;
	items = cbor_array_handle(arr);
	for (size_t i = 0; i < cbor_array_size(arr); i++) {
		const uint8_t *der;
		size_t len;
		X509 *cert;

		if (!wa_cbor_bytes(items[i], &der, &len)) {
			sk_X509_pop_free(chain, X509_free);
			return WA_ERR_ATT_X5C_TYPE;
		}
		if ((cert = wa_x509_from_der(der, len)) == NULL) {
			sk_X509_pop_free(chain, X509_free);
			return WA_ERR_ATT_CERT_PARSE;
		}
		if (!sk_X509_push(chain, cert)) {
			X509_free(cert);
			sk_X509_pop_free(chain, X509_free);
			return WA_ERR_NOMEM;
		}
	}
	*out = chain;
	return WA_OK;
}

uint8_t *wa_att_to_be_signed(const wa_attest_input *in, size_t *len)
{
	uint8_t *buf = malloc(in->auth_data_len + 32);

	if (buf == NULL)
		return NULL;
	memcpy(buf, in->auth_data, in->auth_data_len);
	memcpy(buf + in->auth_data_len, in->client_data_hash, 32);
	*len = in->auth_data_len + 32;
	return buf;
}

wa_err wa_att_verify_signed(EVP_PKEY *key, int64_t alg, const wa_attest_input *in,
                            const uint8_t *sig, size_t sig_len)
{
	size_t len;
	uint8_t *tbs = wa_att_to_be_signed(in, &len);
	wa_err err;

	if (tbs == NULL)
		return WA_ERR_NOMEM;
	err = wa_pkey_verify(key, alg, tbs, len, sig, sig_len);
	free(tbs);
	if (err == WA_ERR_ARG)
		return WA_ERR_ATT_ALG_MISMATCH; /* alg is not defined for the signing key */
	return err == WA_OK || err == WA_ERR_NOMEM ? err : WA_ERR_ATT_SIG;
}
