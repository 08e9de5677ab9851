/* fmt "android-key" (§8.4): a keystore key whose certificate carries a key description. */
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>

#include "webauthn/attest_formats.h"
#include "webauthn/x509util.h"

#define OID_KEY_DESCRIPTION "1.3.6.1.4.1.11129.2.1.17"

/* AuthorizationList tags (Android key attestation schema) and the values §8.4 needs. */
#define TAG_PURPOSE          1
#define TAG_ALL_APPLICATIONS 600
#define TAG_ORIGIN           702
#define KM_PURPOSE_SIGN      2
#define KM_ORIGIN_GENERATED  0

/* One DER TLV: its tag, class, and the bounds of its contents. */
typedef struct der_tlv {
	int tag;
	int cls;
	bool cons;
	const unsigned char *val;
	long len;
} der_tlv;

/* Next TLV of *p[0..*left), advancing past it; ASN1_get_object handles high tag numbers. */
static bool der_next(const unsigned char **p, long *left, der_tlv *t)
{
	const unsigned char *q = *p;
	int rc;

	if (*left <= 0)
		return false;
	rc = ASN1_get_object(&q, &t->len, &t->tag, &t->cls, *left);
	/* 0x80: bad header or contents past the end; 0x01: indefinite length, not DER. */
	if ((rc & 0x80) != 0 || (rc & 0x01) != 0)
		return false;
	t->cons = (rc & V_ASN1_CONSTRUCTED) != 0;
	t->val = q;
	*left -= (long)(q - *p) + t->len;
	*p = q + t->len;
	return true;
}

/* Next TLV, which must be a universal type tag with the given form. */
static bool der_expect(const unsigned char **p, long *left, int tag, bool cons, der_tlv *t)
{
	return der_next(p, left, t) && t->cls == V_ASN1_UNIVERSAL && t->tag == tag &&
	       t->cons == cons;
}

/* A non-negative INTEGER that fits 31 bits; anything else is no value §8.4 accepts. */
static bool der_small_uint(const der_tlv *t, long *v)
{
	if (t->len < 1 || t->len > 4 || (t->val[0] & 0x80) != 0)
		return false;
	*v = 0;
	for (long i = 0; i < t->len; i++)
		*v = (*v << 8) | t->val[i];
	return true;
}

/* What §8.4 reads from one AuthorizationList. */
typedef struct authz_list {
	bool all_applications;
	bool has_origin;
	long origin;
	bool has_purpose;
	bool purpose_sign;
} authz_list;

/* The one universal-type value an EXPLICIT [n] field wraps, with nothing after it. */
static bool der_explicit_only(const der_tlv *field, int tag, bool cons, der_tlv *inner)
{
	const unsigned char *p = field->val;
	long left = field->len;

	return der_expect(&p, &left, tag, cons, inner) && left == 0;
}

/* purpose: [1] EXPLICIT SET OF INTEGER. */
static bool parse_purpose(const der_tlv *field, authz_list *out)
{
	const unsigned char *p;
	long left, v;
	der_tlv set, item;

	if (!der_explicit_only(field, V_ASN1_SET, true, &set))
		return false;
	p = set.val;
	left = set.len;
	while (left > 0) {
		if (!der_expect(&p, &left, V_ASN1_INTEGER, false, &item) ||
		    !der_small_uint(&item, &v))
			return false;
		if (v == KM_PURPOSE_SIGN)
			out->purpose_sign = true;
	}
	out->has_purpose = true;
	return true;
}

/* origin: [702] EXPLICIT INTEGER. */
static bool parse_origin(const der_tlv *field, authz_list *out)
{
	der_tlv v;

	if (!der_explicit_only(field, V_ASN1_INTEGER, false, &v) ||
	    !der_small_uint(&v, &out->origin))
		return false;
	out->has_origin = true;
	return true;
}

/* AuthorizationList: a SEQUENCE of optional [n] EXPLICIT fields; others are skipped. */
static bool parse_authz_list(const der_tlv *seq, authz_list *out)
{
	const unsigned char *p = seq->val;
	long left = seq->len;
	der_tlv f;

	memset(out, 0, sizeof(*out));
	while (left > 0) {
		if (!der_next(&p, &left, &f) || f.cls != V_ASN1_CONTEXT_SPECIFIC || !f.cons)
			return false;
		/* A repeated field could hide a second value behind the first. */
		if ((f.tag == TAG_PURPOSE && out->has_purpose) ||
		    (f.tag == TAG_ORIGIN && out->has_origin) ||
		    (f.tag == TAG_ALL_APPLICATIONS && out->all_applications))
			return false;
		if (f.tag == TAG_PURPOSE && !parse_purpose(&f, out))
			return false;
		if (f.tag == TAG_ORIGIN && !parse_origin(&f, out))
			return false;
		if (f.tag == TAG_ALL_APPLICATIONS)
			out->all_applications = true;
	}
	return true;
}

/* What §8.4 reads from KeyDescription. */
typedef struct key_description {
	const unsigned char *challenge;
	long challenge_len;
	authz_list sw, tee;
} key_description;

/*
 * KeyDescription ::= SEQUENCE { attestationVersion INTEGER, attestationSecurityLevel
 * ENUMERATED, keymasterVersion INTEGER, keymasterSecurityLevel ENUMERATED,
 * attestationChallenge OCTET STRING, uniqueId OCTET STRING, softwareEnforced
 * AuthorizationList, teeEnforced AuthorizationList }, spanning all of der[0..len).
 */
static bool parse_key_description(const unsigned char *der, long len, key_description *kd)
{
	const unsigned char *p = der;
	long left = len;
	der_tlv seq, t, sw, tee;

	if (!der_expect(&p, &left, V_ASN1_SEQUENCE, true, &seq) || left != 0)
		return false;
	p = seq.val;
	left = seq.len;
	if (!der_expect(&p, &left, V_ASN1_INTEGER, false, &t) || t.len < 1 ||
	    !der_expect(&p, &left, V_ASN1_ENUMERATED, false, &t) || t.len < 1 ||
	    !der_expect(&p, &left, V_ASN1_INTEGER, false, &t) || t.len < 1 ||
	    !der_expect(&p, &left, V_ASN1_ENUMERATED, false, &t) || t.len < 1)
		return false;
	if (!der_expect(&p, &left, V_ASN1_OCTET_STRING, false, &t))
		return false;
	kd->challenge = t.val;
	kd->challenge_len = t.len;
	if (!der_expect(&p, &left, V_ASN1_OCTET_STRING, false, &t) ||
	    !der_expect(&p, &left, V_ASN1_SEQUENCE, true, &sw) ||
	    !der_expect(&p, &left, V_ASN1_SEQUENCE, true, &tee) || left != 0)
		return false;
	return parse_authz_list(&sw, &kd->sw) && parse_authz_list(&tee, &kd->tee);
}

/* §8.4: the key is scoped to the RP, generated in the keystore, and a signing key. */
static bool check_authz(const key_description *kd, bool tee_only, bool allow_empty)
{
	bool has_origin, origin_ok, sign;

	if (kd->sw.all_applications || kd->tee.all_applications)
		return false;
	if (allow_empty && !kd->sw.has_origin && !kd->tee.has_origin && !kd->sw.has_purpose &&
	    !kd->tee.has_purpose)
		return true;
	if (tee_only) {
		has_origin = kd->tee.has_origin;
		origin_ok = kd->tee.origin == KM_ORIGIN_GENERATED;
		sign = kd->tee.purpose_sign;
	} else {
		/* In the union a value in either list counts, and no list may contradict it. */
		has_origin = kd->tee.has_origin || kd->sw.has_origin;
		origin_ok = (!kd->tee.has_origin || kd->tee.origin == KM_ORIGIN_GENERATED) &&
		            (!kd->sw.has_origin || kd->sw.origin == KM_ORIGIN_GENERATED);
		sign = kd->tee.purpose_sign || kd->sw.purpose_sign;
	}
	return has_origin && origin_ok && sign;
}

wa_err wa_attest_android_key(const wa_attest_input *in, wa_attest_result *out)
{
	int64_t alg;
	const uint8_t *sig;
	size_t sig_len;
	const ASN1_OCTET_STRING *ext;
	key_description kd;
	bool parsed;
	wa_err err;

	if ((err = wa_attstmt_alg_sig(in->att_stmt, &alg, &sig, &sig_len)) != WA_OK)
		return err;
	if ((err = wa_attstmt_x5c(in->att_stmt, &out->x5c)) != WA_OK)
		return err;
	X509 *leaf = sk_X509_value(out->x5c, 0);
	EVP_PKEY *leaf_key = X509_get0_pubkey(leaf);
	if (leaf_key == NULL)
		return WA_ERR_ATT_CERT_KEY;
	if ((err = wa_att_verify_signed(leaf_key, alg, in, sig, sig_len)) != WA_OK)
		return err;
	if (!wa_pkey_equal(leaf_key, in->cred_key->pkey))
		return WA_ERR_ATT_PUBKEY_MISMATCH;
	if ((ext = wa_x509_ext_value(leaf, OID_KEY_DESCRIPTION, NULL)) == NULL)
		return WA_ERR_ATT_CERT_EXT;
	/* ASN1_get_object queues an OpenSSL error on bad input; keep the queue as it was. */
	ERR_set_mark();
	parsed = parse_key_description(ASN1_STRING_get0_data(ext), ASN1_STRING_length(ext), &kd);
	ERR_pop_to_mark();
	if (!parsed)
		return WA_ERR_ATT_ANDROID_KEY_DESC;
	if (kd.challenge_len != 32 || memcmp(kd.challenge, in->client_data_hash, 32) != 0)
		return WA_ERR_ATT_NONCE;
	if (!check_authz(&kd, in->android_key_tee_only, in->android_key_allow_empty_authz))
		return WA_ERR_ATT_ANDROID_KEY_DESC;
	out->type = WA_ATT_TYPE_BASIC;
	return WA_OK;
}
