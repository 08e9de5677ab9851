/* fmt "packed" (§8.2): full attestation with x5c, or self attestation. */
#include <ctype.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "webauthn/attest_formats.h"
#include "webauthn/cborx.h"
#include "webauthn/x509util.h"

/* One entry of the subject with nid, as UTF-8 text into buf; false when absent or repeated. */
static bool subject_entry(X509 *cert, int nid, char *buf, size_t size)
{
	X509_NAME *name = X509_get_subject_name(cert);
	int idx = X509_NAME_get_index_by_NID(name, nid, -1);
	unsigned char *utf8 = NULL;
	int n;

	if (idx < 0 || X509_NAME_get_index_by_NID(name, nid, idx) >= 0)
		return false;
	n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx)));
	if (n <= 0 || (size_t)n >= size) {
		OPENSSL_free(utf8);
		return false;
	}
	memcpy(buf, utf8, (size_t)n);
	buf[n] = '\0';
	OPENSSL_free(utf8);
	return true;
}

/* §8.2.1 Packed Attestation Statement Certificate Requirements. */
static wa_err check_cert_requirements(X509 *cert, const uint8_t aaguid[16])
{
	char buf[256];

	if (X509_get_version(cert) != 2)
		return WA_ERR_ATT_CERT_VERSION;
	if (!subject_entry(cert, NID_countryName, buf, sizeof(buf)) || strlen(buf) != 2 ||
	    !isupper((unsigned char)buf[0]) || !isupper((unsigned char)buf[1]))
		return WA_ERR_ATT_CERT_SUBJECT;
	if (!subject_entry(cert, NID_organizationName, buf, sizeof(buf)) || buf[0] == '\0')
		return WA_ERR_ATT_CERT_SUBJECT;
	if (!subject_entry(cert, NID_organizationalUnitName, buf, sizeof(buf)) ||
	    strcmp(buf, "Authenticator Attestation") != 0)
		return WA_ERR_ATT_CERT_SUBJECT;
	if (!subject_entry(cert, NID_commonName, buf, sizeof(buf)) || buf[0] == '\0')
		return WA_ERR_ATT_CERT_SUBJECT;
	if (!wa_x509_is_not_ca(cert))
		return WA_ERR_ATT_CERT_CA;
	return wa_x509_check_aaguid_ext(cert, aaguid);
}

wa_err wa_attest_packed(const wa_attest_input *in, wa_attest_result *out)
{
	int64_t alg;
	const uint8_t *sig;
	size_t sig_len;
	wa_err err;

	if ((err = wa_attstmt_alg_sig(in->att_stmt, &alg, &sig, &sig_len)) != WA_OK)
		return err;
	if (wa_cbor_map_get_text(in->att_stmt, "ecdaaKeyId") != NULL)
		return WA_ERR_FMT_UNSUPPORTED; /* ECDAA was removed from WebAuthn Level 2 */
	if (wa_cbor_map_get_text(in->att_stmt, "x5c") == NULL) {
		/* Self attestation: signed by the credential key itself. */
		if (alg != in->cred_key->alg)
			return WA_ERR_ATT_ALG_MISMATCH;
		if ((err = wa_att_verify_signed(in->cred_key->pkey, alg, in, sig, sig_len)) !=
		    WA_OK)
			return err;
		out->type = WA_ATT_TYPE_SELF;
		return WA_OK;
	}
	if (!wa_cose_alg_supported(alg))
		return WA_ERR_ATT_ALG_MISMATCH;
	if ((err = wa_attstmt_x5c(in->att_stmt, &out->x5c)) != WA_OK)
		return err;
	X509 *leaf = sk_X509_value(out->x5c, 0);
	if ((err = wa_att_verify_signed(X509_get0_pubkey(leaf), alg, in, sig, sig_len)) != WA_OK)
		return err;
	if ((err = check_cert_requirements(leaf, in->ad->aaguid)) != WA_OK)
		return err;
	out->type = WA_ATT_TYPE_BASIC;
	return WA_OK;
}
