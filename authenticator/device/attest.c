#include "authenticator/device/attest.h"

#include <openssl/core_names.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "webauthn/cborx.h"
#include "webauthn/cose.h"
#include "webauthn/x509util.h"

EVP_PKEY *au_keygen(int64_t alg)
{
	switch (alg) {
	case WA_COSE_ES256:
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	case WA_COSE_EDDSA:
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	case WA_COSE_RS256:
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	default:
		return NULL;
	}
}

bool au_sign(EVP_PKEY *key, int64_t alg, const uint8_t *msg, size_t len, wa_blob *sig)
{
	return wa_cose_sign(key, alg, msg, len, sig) == WA_OK;
}

const char *au_attest_fmt(au_attestation att)
{
	switch (att) {
	case AU_ATT_PACKED_SELF:
	case AU_ATT_PACKED:
		return "packed";
	case AU_ATT_FIDO_U2F:
		return "fido-u2f";
	default:
		return "none";
	}
}

static void put_text(cbor_item_t *map, const char *key, cbor_item_t *value)
{
	cbor_item_t *k = cbor_build_string(key);
	cbor_map_add(map, (struct cbor_pair){.key = k, .value = value});
	cbor_decref(&k);
	cbor_decref(&value);
}

static cbor_item_t *x5c_array(STACK_OF(X509) * chain)
{
	cbor_item_t *arr = cbor_new_definite_array((size_t)sk_X509_num(chain));

	for (int i = 0; arr != NULL && i < sk_X509_num(chain); i++) {
		unsigned char *der = NULL;
		int n = i2d_X509(sk_X509_value(chain, i), &der);
		cbor_item_t *item = n > 0 ? cbor_build_bytestring(der, (size_t)n) : NULL;
		OPENSSL_free(der);
		if (item == NULL || !cbor_array_push(arr, item)) {
			if (item != NULL)
				cbor_decref(&item);
			cbor_decref(&arr);
			return NULL;
		}
		cbor_decref(&item);
	}
	return arr;
}

cbor_item_t *au_attest_statement(const au_device *dev, const au_credential *c, const wa_blob *ad,
                                 const uint8_t cdh[32])
{
	au_attestation att = dev->settings.attestation;
	cbor_item_t *stmt = cbor_new_definite_map(3);
	wa_blob tbs = {0}, sig = {0};
	bool ok = true;

	if (stmt == NULL || att == AU_ATT_NONE)
		return stmt;
	if ((att == AU_ATT_PACKED || att == AU_ATT_FIDO_U2F) && dev->att_key == NULL) {
		cbor_decref(&stmt);
		return NULL;
	}
	if (att == AU_ATT_FIDO_U2F) {
		/* U2F registration data: 0x00 || rpIdHash || cdh || credential id || public point.
		 */
		uint8_t point[65];
		size_t plen = 0;
		ok = c->alg == WA_COSE_ES256 &&
		     EVP_PKEY_get_octet_string_param(c->key, OSSL_PKEY_PARAM_PUB_KEY, point,
		                                     sizeof(point), &plen) == 1 &&
		     wa_blob_append(&tbs, "\x00", 1) == WA_OK &&
		     wa_blob_append(&tbs, ad->ptr, 32) == WA_OK &&
		     wa_blob_append(&tbs, cdh, 32) == WA_OK &&
		     wa_blob_append(&tbs, c->id.ptr, c->id.len) == WA_OK &&
		     wa_blob_append(&tbs, point, plen) == WA_OK &&
		     au_sign(dev->att_key, WA_COSE_ES256, tbs.ptr, tbs.len, &sig);
	} else {
		EVP_PKEY *key = att == AU_ATT_PACKED ? dev->att_key : c->key;
		int64_t alg = att == AU_ATT_PACKED ? WA_COSE_ES256 : c->alg;
		ok = wa_blob_append(&tbs, ad->ptr, ad->len) == WA_OK &&
		     wa_blob_append(&tbs, cdh, 32) == WA_OK &&
		     au_sign(key, alg, tbs.ptr, tbs.len, &sig);
		if (ok)
			put_text(stmt, "alg", wa_cbor_build_int(alg));
	}
	if (ok && dev->settings.bogus_signature)
		sig.ptr[sig.len - 1] ^= 0x01;
	if (ok)
		put_text(stmt, "sig", cbor_build_bytestring(sig.ptr, sig.len));
	if (ok && att != AU_ATT_PACKED_SELF) {
		/* fido-u2f carries exactly the attestation certificate (§8.6). */
		STACK_OF(X509) *leaf_only = att == AU_ATT_FIDO_U2F ? sk_X509_new_null() : NULL;
		if (leaf_only != NULL)
			sk_X509_push(leaf_only, sk_X509_value(dev->att_chain, 0));
		cbor_item_t *x5c = x5c_array(leaf_only != NULL ? leaf_only : dev->att_chain);
		sk_X509_free(leaf_only); /* the certificate stays the device's */
		if ((ok = x5c != NULL))
			put_text(stmt, "x5c", x5c);
	}
	wa_blob_reset(&tbs);
	wa_blob_reset(&sig);
	if (!ok)
		cbor_decref(&stmt);
	return stmt;
}

static bool add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	bool ok;

	X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL)
		return false;
	ok = X509_add_ext(cert, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

/* id-fido-gen-ce-aaguid: an OCTET STRING wrapping the 16-byte AAGUID, not critical. */
static bool add_aaguid_ext(X509 *cert, const uint8_t aaguid[16])
{
	ASN1_OCTET_STRING *inner = ASN1_OCTET_STRING_new(), *outer = ASN1_OCTET_STRING_new();
	ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1);
	unsigned char *der = NULL;
	X509_EXTENSION *ext = NULL;
	int n;
	bool ok = false;

	if (inner && outer && oid && ASN1_OCTET_STRING_set(inner, aaguid, 16) &&
	    (n = i2d_ASN1_OCTET_STRING(inner, &der)) > 0 && ASN1_OCTET_STRING_set(outer, der, n) &&
	    (ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, outer)) != NULL)
		ok = X509_add_ext(cert, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	OPENSSL_free(der);
	ASN1_OBJECT_free(oid);
	ASN1_OCTET_STRING_free(inner);
	ASN1_OCTET_STRING_free(outer);
	return ok;
}

au_err au_attest_identity_create(au_device *dev, X509 *ca_cert, EVP_PKEY *ca_key, time_t now)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *cert = X509_new(), *ca_ref = NULL;
	X509_NAME *name = X509_NAME_new();
	STACK_OF(X509) *chain = sk_X509_new_null();
	unsigned char serial[8];
	BIGNUM *bn = NULL;
	au_err err = AU_ERR_INTERNAL;

	if (key == NULL || cert == NULL || name == NULL || chain == NULL)
		goto out;
	memcpy(serial, dev->settings.aaguid, sizeof(serial));
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (bn == NULL || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) ||
	    !X509_set_version(cert, 2) ||
	    !X509_time_adj_ex(X509_getm_notBefore(cert), -1, 0, &now) ||
	    !X509_time_adj_ex(X509_getm_notAfter(cert), 3650, 0, &now) ||
	    !X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)"JP", -1,
	                                -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	                                (const unsigned char *)"kagura-harness test authenticators",
	                                -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_ASC,
	                                (const unsigned char *)"Authenticator Attestation", -1, -1,
	                                0) ||
	    !X509_NAME_add_entry_by_txt(
	            name, "CN", MBSTRING_ASC,
	            (const unsigned char *)"kagura virtual platform authenticator", -1, -1, 0) ||
	    !X509_set_subject_name(cert, name) ||
	    !X509_set_issuer_name(cert, X509_get_subject_name(ca_cert)) ||
	    !X509_set_pubkey(cert, key) ||
	    !add_ext(cert, ca_cert, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_aaguid_ext(cert, dev->settings.aaguid) ||
	    X509_sign(cert, ca_key, EVP_sha256()) == 0)
		goto out;
	if (!sk_X509_push(chain, cert))
		goto out;
	cert = NULL;
	/* An intermediate CA goes along so a verifier given the root alone can build the path;
	 * a root never does (FIDO conformance refuses a root inside x5c). */
	if (!wa_x509_is_self_signed(ca_cert) &&
	    (X509_up_ref(ca_cert) != 1 || !sk_X509_push(chain, (ca_ref = ca_cert)))) {
		X509_free(ca_ref);
		goto out;
	}
	EVP_PKEY_free(dev->att_key);
	wa_blob_reset(&dev->att_key_der);
	sk_X509_pop_free(dev->att_chain, X509_free);
	dev->att_key = key;
	dev->att_chain = chain;
	key = NULL;
	chain = NULL;
	err = AU_OK;
out:
	BN_free(bn);
	X509_NAME_free(name);
	X509_free(cert);
	EVP_PKEY_free(key);
	sk_X509_pop_free(chain, X509_free);
	return err;
}
