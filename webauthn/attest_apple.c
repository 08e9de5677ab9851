/* fmt "apple" (§8.8): Apple anonymous attestation, bound to the ceremony by a nonce extension. */
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>

#include "webauthn/attest_formats.h"
#include "webauthn/hash.h"
#include "webauthn/x509util.h"

#define OID_APPLE_NONCE "1.2.840.113635.100.8.2"

/* Contents of the single TLV spanning *p[0..*len) with class, tag and form; false otherwise. */
static bool der_only(const unsigned char **p, long *len, int cls, int tag, bool cons)
{
	const unsigned char *q = *p;
	long vlen;
	int t, c, rc;

	if (*len <= 0)
		return false;
	rc = ASN1_get_object(&q, &vlen, &t, &c, *len);
	/* 0x80: bad header or contents past the end; 0x01: indefinite length, not DER. */
	if ((rc & 0x80) != 0 || (rc & 0x01) != 0 || c != cls || t != tag ||
	    ((rc & V_ASN1_CONSTRUCTED) != 0) != cons || (q - *p) + vlen != *len)
		return false;
	*p = q;
	*len = vlen;
	return true;
}

/* The extension is SEQUENCE { [1] EXPLICIT OCTET STRING nonce }; false when malformed. */
static bool ext_nonce(const ASN1_OCTET_STRING *ext, const unsigned char **nonce, long *len)
{
	const unsigned char *p = ASN1_STRING_get0_data(ext);
	long n = ASN1_STRING_length(ext);
	bool ok;

	/* ASN1_get_object queues an OpenSSL error on bad input; keep the queue as it was. */
	ERR_set_mark();
	ok = der_only(&p, &n, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, true) &&
	     der_only(&p, &n, V_ASN1_CONTEXT_SPECIFIC, 1, true) &&
	     der_only(&p, &n, V_ASN1_UNIVERSAL, V_ASN1_OCTET_STRING, false);
	ERR_pop_to_mark();
	*nonce = p;
	*len = n;
	return ok;
}

/* nonce = SHA-256(authenticatorData || clientDataHash); failure is reported, not zeroed. */
static wa_err compute_nonce(const wa_attest_input *in, uint8_t nonce[WA_SHA256_LEN])
{
	size_t len;
	uint8_t *tbs = wa_att_to_be_signed(in, &len);
	int ok;

	if (tbs == NULL)
		return WA_ERR_NOMEM;
	ok = EVP_Digest(tbs, len, nonce, NULL, EVP_sha256(), NULL);
	free(tbs);
	return ok == 1 ? WA_OK : WA_ERR_INTERNAL;
}

wa_err wa_attest_apple(const wa_attest_input *in, wa_attest_result *out)
{
	uint8_t nonce[WA_SHA256_LEN];
	const ASN1_OCTET_STRING *ext;
	const unsigned char *got;
	long got_len;
	wa_err err;

	if ((err = wa_attstmt_x5c(in->att_stmt, &out->x5c)) != WA_OK)
		return err;
	X509 *cred_cert = sk_X509_value(out->x5c, 0);
	if ((err = compute_nonce(in, nonce)) != WA_OK)
		return err;
	if ((ext = wa_x509_ext_value(cred_cert, OID_APPLE_NONCE, NULL)) == NULL ||
	    !ext_nonce(ext, &got, &got_len))
		return WA_ERR_ATT_CERT_EXT;
	if (got_len != WA_SHA256_LEN || memcmp(got, nonce, WA_SHA256_LEN) != 0)
		return WA_ERR_ATT_NONCE;
	if (!wa_pkey_equal(X509_get0_pubkey(cred_cert), in->cred_key->pkey))
		return WA_ERR_ATT_PUBKEY_MISMATCH;
	out->type = WA_ATT_TYPE_ANONCA;
	return WA_OK;
}
