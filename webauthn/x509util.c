#include "webauthn/x509util.h"

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>
#include <string.h>

X509 *wa_x509_from_der(const uint8_t *ptr, size_t len)
{
	const unsigned char *p = ptr;
	X509 *cert;

	if (ptr == NULL || len == 0 || len > 65536)
		return NULL;
	cert = d2i_X509(NULL, &p, (long)len);
	if (cert != NULL && p != ptr + len) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

const ASN1_OCTET_STRING *wa_x509_ext_value(X509 *cert, const char *oid, int *critical)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	int idx;
	X509_EXTENSION *ext;

	if (obj == NULL)
		return NULL;
	idx = X509_get_ext_by_OBJ(cert, obj, -1);
	ASN1_OBJECT_free(obj);
	if (idx < 0 || (ext = X509_get_ext(cert, idx)) == NULL)
		return NULL;
	if (critical != NULL)
		*critical = X509_EXTENSION_get_critical(ext);
	return X509_EXTENSION_get_data(ext);
}

wa_err wa_x509_check_aaguid_ext(X509 *cert, const uint8_t aaguid[16])
{
	int critical = 0;
	const ASN1_OCTET_STRING *v = wa_x509_ext_value(cert, "1.3.6.1.4.1.45724.1.1.4", &critical);
	const unsigned char *p;
	ASN1_OCTET_STRING *inner;
	wa_err err = WA_OK;

	if (v == NULL)
		return WA_OK;
	if (critical)
		return WA_ERR_ATT_CERT_EXT;
	p = ASN1_STRING_get0_data(v);
	/* The extension value is itself a DER OCTET STRING holding the AAGUID. */
	inner = d2i_ASN1_OCTET_STRING(NULL, &p, ASN1_STRING_length(v));
	if (inner == NULL || p != ASN1_STRING_get0_data(v) + ASN1_STRING_length(v))
		err = WA_ERR_ATT_CERT_EXT;
	else if (ASN1_STRING_length(inner) != 16 ||
	         memcmp(ASN1_STRING_get0_data(inner), aaguid, 16) != 0)
		err = WA_ERR_ATT_AAGUID_MISMATCH;
	ASN1_OCTET_STRING_free(inner);
	return err;
}

bool wa_x509_is_not_ca(X509 *cert)
{
	int crit = 0;
	BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(cert, NID_basic_constraints, &crit, NULL);
	bool ok;

	if (bc == NULL)
		return crit == -1; /* absent; -2 means present more than once, 0 unparsable */
	ok = !bc->ca;
	BASIC_CONSTRAINTS_free(bc);
	return ok;
}

bool wa_x509_is_self_signed(X509 *cert)
{
	EVP_PKEY *key;

	if (X509_NAME_cmp(X509_get_subject_name(cert), X509_get_issuer_name(cert)) != 0)
		return false;
	key = X509_get0_pubkey(cert);
	return key != NULL && X509_verify(cert, key) == 1;
}
