/* fmt "tpm" (§8.3): a TPM 2.0 key certified by an attestation identity key (AIK). */
#include <openssl/core_names.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "webauthn/attest_formats.h"
#include "webauthn/cborx.h"
#include "webauthn/x509util.h"

/* TPM 2.0 Part 2 constants (§6.2, §6.3, §6.9). */
#define TPM_GENERATED_VALUE    0xff544347u
#define TPM_ST_ATTEST_CERTIFY  0x8017
#define TPM_ALG_RSA            0x0001
#define TPM_ALG_SHA1           0x0004
#define TPM_ALG_AES            0x0006
#define TPM_ALG_MGF1           0x0007
#define TPM_ALG_SHA256         0x000B
#define TPM_ALG_SHA384         0x000C
#define TPM_ALG_SHA512         0x000D
#define TPM_ALG_NULL           0x0010
#define TPM_ALG_SM4            0x0013
#define TPM_ALG_RSASSA         0x0014
#define TPM_ALG_RSAES          0x0015
#define TPM_ALG_RSAPSS         0x0016
#define TPM_ALG_OAEP           0x0017
#define TPM_ALG_ECDSA          0x0018
#define TPM_ALG_ECDH           0x0019
#define TPM_ALG_ECDAA          0x001A
#define TPM_ALG_SM2            0x001B
#define TPM_ALG_ECSCHNORR      0x001C
#define TPM_ALG_ECMQV          0x001D
#define TPM_ALG_KDF1_SP800_56A 0x0020
#define TPM_ALG_KDF2           0x0021
#define TPM_ALG_KDF1_SP800_108 0x0022
#define TPM_ALG_ECC            0x0023
#define TPM_ALG_CAMELLIA       0x0026
#define TPM_ECC_NIST_P256      0x0003
#define TPM_ECC_NIST_P384      0x0004
#define TPM_ECC_NIST_P521      0x0005

/* TPMS_CLOCK_INFO (clock, resetCount, restartCount, safe) and firmwareVersion. */
#define TPM_CLOCK_INFO_LEN       17
#define TPM_FIRMWARE_VERSION_LEN 8

/* tcg-kp-AIKCertificate and the TPM attributes of the SAN directoryName (EK profile §3.2.9). */
#define OID_TCG_KP_AIK       "2.23.133.8.3"
#define OID_TPM_MANUFACTURER "2.23.133.2.1"
#define OID_TPM_MODEL        "2.23.133.2.2"
#define OID_TPM_VERSION      "2.23.133.2.3"

/* A bounds-checked big-endian reader over one TPM structure. */
typedef struct tpm_reader {
	const uint8_t *p;
	size_t left;
} tpm_reader;

static bool rd_bytes(tpm_reader *r, size_t n, const uint8_t **out)
{
	if (r->left < n)
		return false;
	if (out != NULL)
		*out = r->p;
	r->p += n;
	r->left -= n;
	return true;
}

static bool rd_u16(tpm_reader *r, uint16_t *v)
{
	const uint8_t *b;

	if (!rd_bytes(r, 2, &b))
		return false;
	*v = (uint16_t)((b[0] << 8) | b[1]);
	return true;
}

static bool rd_u32(tpm_reader *r, uint32_t *v)
{
	const uint8_t *b;

	if (!rd_bytes(r, 4, &b))
		return false;
	*v = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
	return true;
}

/* TPM2B_*: a 16-bit size, then that many bytes. */
static bool rd_tpm2b(tpm_reader *r, const uint8_t **ptr, size_t *len)
{
	uint16_t n;

	if (!rd_u16(r, &n) || !rd_bytes(r, n, ptr))
		return false;
	*len = n;
	return true;
}

/* The parts of TPMT_PUBLIC the key comparison and the Name need. */
typedef struct tpm_public {
	uint16_t type;
	uint16_t name_alg;
	uint16_t key_bits; /* RSA */
	uint32_t exponent; /* RSA, 0 already mapped to 65537 */
	uint16_t curve;    /* ECC */
	const uint8_t *n, *x, *y;
	size_t n_len, x_len, y_len;
} tpm_public;

/* TPMT_SYM_DEF_OBJECT: keyBits and mode follow any algorithm but TPM_ALG_NULL. */
static bool rd_sym_def(tpm_reader *r)
{
	uint16_t alg;

	if (!rd_u16(r, &alg))
		return false;
	if (alg == TPM_ALG_NULL)
		return true;
	if (alg != TPM_ALG_AES && alg != TPM_ALG_SM4 && alg != TPM_ALG_CAMELLIA)
		return false;
	return rd_bytes(r, 4, NULL);
}

/* TPMT_RSA_SCHEME / TPMT_ECC_SCHEME: the details' size depends on the scheme. */
static bool rd_scheme(tpm_reader *r, uint16_t type)
{
	uint16_t scheme;

	if (!rd_u16(r, &scheme))
		return false;
	if (scheme == TPM_ALG_NULL)
		return true;
	if (type == TPM_ALG_RSA) {
		if (scheme == TPM_ALG_RSAES)
			return true; /* TPMS_EMPTY */
		if (scheme != TPM_ALG_RSASSA && scheme != TPM_ALG_RSAPSS && scheme != TPM_ALG_OAEP)
			return false;
		return rd_bytes(r, 2, NULL); /* hashAlg */
	}
	if (scheme == TPM_ALG_ECDAA)
		return rd_bytes(r, 4, NULL); /* hashAlg, count */
	if (scheme != TPM_ALG_ECDSA && scheme != TPM_ALG_ECDH && scheme != TPM_ALG_SM2 &&
	    scheme != TPM_ALG_ECSCHNORR && scheme != TPM_ALG_ECMQV)
		return false;
	return rd_bytes(r, 2, NULL);
}

/* TPMT_KDF_SCHEME: every KDF carries a hashAlg. */
static bool rd_kdf(tpm_reader *r)
{
	uint16_t kdf;

	if (!rd_u16(r, &kdf))
		return false;
	if (kdf == TPM_ALG_NULL)
		return true;
	if (kdf != TPM_ALG_MGF1 && kdf != TPM_ALG_KDF1_SP800_56A && kdf != TPM_ALG_KDF2 &&
	    kdf != TPM_ALG_KDF1_SP800_108)
		return false;
	return rd_bytes(r, 2, NULL);
}

/* TPMT_PUBLIC (Part 2 §12.2.4) spanning all of ptr[0..len). */
static bool parse_pub_area(const uint8_t *ptr, size_t len, tpm_public *pub)
{
	tpm_reader r = {ptr, len};
	uint32_t attributes;
	const uint8_t *policy;
	size_t policy_len;

	memset(pub, 0, sizeof(*pub));
	if (!rd_u16(&r, &pub->type) || !rd_u16(&r, &pub->name_alg) || !rd_u32(&r, &attributes) ||
	    !rd_tpm2b(&r, &policy, &policy_len))
		return false;
	if (pub->type != TPM_ALG_RSA && pub->type != TPM_ALG_ECC)
		return false;
	if (!rd_sym_def(&r) || !rd_scheme(&r, pub->type))
		return false;
	if (pub->type == TPM_ALG_RSA) {
		if (!rd_u16(&r, &pub->key_bits) || !rd_u32(&r, &pub->exponent) ||
		    !rd_tpm2b(&r, &pub->n, &pub->n_len))
			return false;
		if (pub->exponent == 0)
			pub->exponent = 65537; /* Part 2 §12.2.3.5: zero selects the default */
	} else {
		if (!rd_u16(&r, &pub->curve) || !rd_kdf(&r) ||
		    !rd_tpm2b(&r, &pub->x, &pub->x_len) || !rd_tpm2b(&r, &pub->y, &pub->y_len))
			return false;
	}
	return r.left == 0;
}

/* The fields of TPMS_ATTEST (Part 2 §10.12.12) the checks use. */
typedef struct tpm_certinfo {
	uint32_t magic;
	uint16_t type;
	const uint8_t *extra, *name;
	size_t extra_len, name_len;
} tpm_certinfo;

/* TPMS_ATTEST with a TPMS_CERTIFY_INFO, spanning all of ptr[0..len). */
static bool parse_cert_info(const uint8_t *ptr, size_t len, tpm_certinfo *ci)
{
	tpm_reader r = {ptr, len};
	const uint8_t *skip;
	size_t skip_len;

	memset(ci, 0, sizeof(*ci));
	if (!rd_u32(&r, &ci->magic) || !rd_u16(&r, &ci->type))
		return false;
	/* The union's shape depends on type; only certify is defined for WebAuthn. */
	if (ci->magic != TPM_GENERATED_VALUE || ci->type != TPM_ST_ATTEST_CERTIFY)
		return false;
	if (!rd_tpm2b(&r, &skip, &skip_len) || !rd_tpm2b(&r, &ci->extra, &ci->extra_len) ||
	    !rd_bytes(&r, TPM_CLOCK_INFO_LEN + TPM_FIRMWARE_VERSION_LEN, NULL) ||
	    !rd_tpm2b(&r, &ci->name, &ci->name_len) || !rd_tpm2b(&r, &skip, &skip_len))
		return false;
	return r.left == 0;
}

static const EVP_MD *name_alg_md(uint16_t alg)
{
	switch (alg) {
	case TPM_ALG_SHA1:
		return EVP_sha1();
	case TPM_ALG_SHA256:
		return EVP_sha256();
	case TPM_ALG_SHA384:
		return EVP_sha384();
	case TPM_ALG_SHA512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

/* True when the key's BIGNUM parameter equals the unsigned big-endian ptr[0..len). */
static bool bn_param_eq(EVP_PKEY *key, const char *param, const uint8_t *ptr, size_t len)
{
	BIGNUM *have = NULL, *want;
	bool eq;

	if (EVP_PKEY_get_bn_param(key, param, &have) != 1)
		return false;
	want = BN_bin2bn(ptr, (int)len, NULL);
	eq = want != NULL && BN_cmp(have, want) == 0;
	BN_free(have);
	BN_free(want);
	return eq;
}

static bool rsa_matches(const tpm_public *pub, const wa_cose_key *cred)
{
	BIGNUM *e = NULL;
	bool eq;

	if (cred->kty != WA_COSE_KTY_RSA || pub->key_bits == 0 || pub->key_bits % 8 != 0 ||
	    pub->n_len != pub->key_bits / 8u)
		return false;
	if (!bn_param_eq(cred->pkey, OSSL_PKEY_PARAM_RSA_N, pub->n, pub->n_len))
		return false;
	if (EVP_PKEY_get_bn_param(cred->pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1)
		return false;
	eq = BN_num_bits(e) <= 32 && BN_get_word(e) == pub->exponent;
	BN_free(e);
	return eq;
}

static bool ecc_matches(const tpm_public *pub, const wa_cose_key *cred)
{
	int64_t crv;
	size_t coord_len;

	switch (pub->curve) {
	case TPM_ECC_NIST_P256:
		crv = WA_COSE_CRV_P256;
		coord_len = 32;
		break;
	case TPM_ECC_NIST_P384:
		crv = WA_COSE_CRV_P384;
		coord_len = 48;
		break;
	case TPM_ECC_NIST_P521:
		crv = WA_COSE_CRV_P521;
		coord_len = 66;
		break;
	default:
		return false;
	}
	if (cred->kty != WA_COSE_KTY_EC2 || cred->crv != crv || pub->x_len == 0 ||
	    pub->x_len > coord_len || pub->y_len == 0 || pub->y_len > coord_len)
		return false;
	return bn_param_eq(cred->pkey, OSSL_PKEY_PARAM_EC_PUB_X, pub->x, pub->x_len) &&
	       bn_param_eq(cred->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, pub->y, pub->y_len);
}

/* §8.3: the key in pubArea's parameters and unique is the credential public key. */
static bool pub_matches_cred(const tpm_public *pub, const wa_cose_key *cred)
{
	if (cred->pkey == NULL)
		return false;
	return pub->type == TPM_ALG_RSA ? rsa_matches(pub, cred) : ecc_matches(pub, cred);
}

/* extraData must be the hash of attToBeSigned under the hash of "alg". */
static wa_err check_extra_data(const tpm_certinfo *ci, const EVP_MD *md, const wa_attest_input *in)
{
	uint8_t digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	size_t len;
	uint8_t *tbs = wa_att_to_be_signed(in, &len);
	int ok;

	if (tbs == NULL)
		return WA_ERR_NOMEM;
	ok = EVP_Digest(tbs, len, digest, &dlen, md, NULL);
	free(tbs);
	if (ok != 1)
		return WA_ERR_INTERNAL;
	if (ci->extra_len != dlen || memcmp(ci->extra, digest, dlen) != 0)
		return WA_ERR_ATT_NONCE;
	return WA_OK;
}

/* attested.name must be the Name of pubArea: nameAlg || H_nameAlg(pubArea) (Part 1 §16). */
static wa_err check_name(const tpm_certinfo *ci, const tpm_public *pub, const uint8_t *pub_area,
                         size_t pub_area_len)
{
	const EVP_MD *md = name_alg_md(pub->name_alg);
	uint8_t digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;

	if (md == NULL)
		return WA_ERR_ATT_TPM_PUBAREA;
	if (EVP_Digest(pub_area, pub_area_len, digest, &dlen, md, NULL) != 1)
		return WA_ERR_INTERNAL;
	if (ci->name_len != 2 + (size_t)dlen || ci->name[0] != (uint8_t)(pub->name_alg >> 8) ||
	    ci->name[1] != (uint8_t)(pub->name_alg & 0xff) ||
	    memcmp(ci->name + 2, digest, dlen) != 0)
		return WA_ERR_ATT_TPM_CERTINFO;
	return WA_OK;
}

/* wa_pkey_verify takes any digest with any key, so the key family is checked here. */
static bool name_has_attr(const X509_NAME *name, const char *oid)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	bool found = obj != NULL && X509_NAME_get_index_by_OBJ(name, obj, -1) >= 0;

	ASN1_OBJECT_free(obj);
	return found;
}

/* A critical SAN holding a directoryName with the TPM manufacturer, model and version. */
static bool has_tpm_san(X509 *cert)
{
	int crit = 0;
	GENERAL_NAMES *san = X509_get_ext_d2i(cert, NID_subject_alt_name, &crit, NULL);
	bool ok = false;

	if (san == NULL)
		return false;
	for (int i = 0; crit == 1 && !ok && i < sk_GENERAL_NAME_num(san); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(san, i);

		ok = gn->type == GEN_DIRNAME &&
		     name_has_attr(gn->d.directoryName, OID_TPM_MANUFACTURER) &&
		     name_has_attr(gn->d.directoryName, OID_TPM_MODEL) &&
		     name_has_attr(gn->d.directoryName, OID_TPM_VERSION);
	}
	GENERAL_NAMES_free(san);
	return ok;
}

static bool has_aik_eku(X509 *cert)
{
	int crit = 0;
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(cert, NID_ext_key_usage, &crit, NULL);
	ASN1_OBJECT *want;
	bool found = false;

	if (eku == NULL)
		return false;
	want = OBJ_txt2obj(OID_TCG_KP_AIK, 1);
	for (int i = 0; want != NULL && !found && i < sk_ASN1_OBJECT_num(eku); i++)
		found = OBJ_cmp(sk_ASN1_OBJECT_value(eku, i), want) == 0;
	ASN1_OBJECT_free(want);
	EXTENDED_KEY_USAGE_free(eku);
	return found;
}

/* §8.3.1 TPM Attestation Statement Certificate Requirements. */
static wa_err check_aik_cert(X509 *cert, const uint8_t aaguid[16])
{
	if (X509_get_version(cert) != 2)
		return WA_ERR_ATT_CERT_VERSION;
	if (X509_NAME_entry_count(X509_get_subject_name(cert)) != 0)
		return WA_ERR_ATT_CERT_SUBJECT;
	if (!has_tpm_san(cert) || !has_aik_eku(cert))
		return WA_ERR_ATT_CERT_EXT;
	if (!wa_x509_is_not_ca(cert))
		return WA_ERR_ATT_CERT_CA;
	return wa_x509_check_aaguid_ext(cert, aaguid);
}

wa_err wa_attest_tpm(const wa_attest_input *in, wa_attest_result *out)
{
	int64_t alg;
	const uint8_t *sig, *cert_info, *pub_area;
	size_t sig_len, cert_info_len, pub_area_len;
	const EVP_MD *md;
	tpm_public pub;
	tpm_certinfo ci;
	EVP_PKEY *aik_key;
	wa_err err;

	if (!wa_cbor_text_eq(wa_cbor_map_get_text(in->att_stmt, "ver"), "2.0"))
		return WA_ERR_ATT_TPM_VER;
	if ((err = wa_attstmt_alg_sig(in->att_stmt, &alg, &sig, &sig_len)) != WA_OK)
		return err;
	/* extraData is hashed with alg's digest, so an alg without one cannot be checked. */
	if (!wa_cose_alg_supported(alg) || (md = wa_cose_alg_md(alg)) == NULL)
		return WA_ERR_ATT_ALG_MISMATCH;
	if (!wa_cbor_bytes(wa_cbor_map_get_text(in->att_stmt, "certInfo"), &cert_info,
	                   &cert_info_len))
		return WA_ERR_ATT_TPM_CERTINFO;
	if (!wa_cbor_bytes(wa_cbor_map_get_text(in->att_stmt, "pubArea"), &pub_area, &pub_area_len))
		return WA_ERR_ATT_TPM_PUBAREA;
	if ((err = wa_attstmt_x5c(in->att_stmt, &out->x5c)) != WA_OK)
		return err;
	if (!parse_pub_area(pub_area, pub_area_len, &pub) || !pub_matches_cred(&pub, in->cred_key))
		return WA_ERR_ATT_TPM_PUBAREA;
	if (!parse_cert_info(cert_info, cert_info_len, &ci))
		return WA_ERR_ATT_TPM_CERTINFO;
	if ((err = check_extra_data(&ci, md, in)) != WA_OK)
		return err;
	if ((err = check_name(&ci, &pub, pub_area, pub_area_len)) != WA_OK)
		return err;
	X509 *aik = sk_X509_value(out->x5c, 0);
	aik_key = X509_get0_pubkey(aik);
	if (aik_key == NULL)
		return WA_ERR_ATT_CERT_KEY;
	err = wa_pkey_verify(aik_key, alg, cert_info, cert_info_len, sig, sig_len);
	if (err == WA_ERR_ARG)
		return WA_ERR_ATT_ALG_MISMATCH; /* alg does not fit the AIK */
	if (err != WA_OK)
		return err == WA_ERR_NOMEM ? err : WA_ERR_ATT_SIG;
	if ((err = check_aik_cert(aik, in->ad->aaguid)) != WA_OK)
		return err;
	out->type = WA_ATT_TYPE_ATTCA;
	return WA_OK;
}
