#include "webauthn/cose.h"

#include <cbor.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "webauthn/cborx.h"
#include "webauthn/cose_verifier.h"
#include "webauthn/hash.h"
#include "webauthn/arraylen.h"

/* COSE_Key labels */
#define L_KTY 1
#define L_ALG 3
#define L_CRV (-1)
#define L_X   (-2)
#define L_Y   (-3)
#define L_N   (-1)
#define L_E   (-2)

static const struct alg_info {
	int64_t alg;
	const char *name;
	int64_t kty;
} algs[] = {
        {WA_COSE_ES256, "ES256", WA_COSE_KTY_EC2},     {WA_COSE_ES384, "ES384", WA_COSE_KTY_EC2},
        {WA_COSE_ES512, "ES512", WA_COSE_KTY_EC2},     {WA_COSE_EDDSA, "EdDSA", WA_COSE_KTY_OKP},
        {WA_COSE_ED25519, "Ed25519", WA_COSE_KTY_OKP}, {WA_COSE_ED448, "Ed448", WA_COSE_KTY_OKP},
        {WA_COSE_RS256, "RS256", WA_COSE_KTY_RSA},     {WA_COSE_RS384, "RS384", WA_COSE_KTY_RSA},
        {WA_COSE_RS512, "RS512", WA_COSE_KTY_RSA},     {WA_COSE_PS256, "PS256", WA_COSE_KTY_RSA},
        {WA_COSE_RS1, "RS1", WA_COSE_KTY_RSA},
};

static const struct alg_info *alg_lookup(int64_t alg)
{
	for (size_t i = 0; i < KAGURA_LEN(algs); i++)
		if (algs[i].alg == alg)
			return &algs[i];
	return NULL;
}

const char *wa_cose_alg_name(int64_t alg)
{
	const struct alg_info *a = alg_lookup(alg);
	return a ? a->name : "unknown";
}

bool wa_cose_alg_supported(int64_t alg)
{
	return alg_lookup(alg) != NULL;
}

const EVP_MD *wa_cose_alg_md(int64_t alg)
{
	switch (alg) {
	case WA_COSE_ES256:
	case WA_COSE_RS256:
	case WA_COSE_PS256:
		return wa_sha2_md(256);
	case WA_COSE_ES384:
	case WA_COSE_RS384:
		return wa_sha2_md(384);
	case WA_COSE_ES512:
	case WA_COSE_RS512:
		return wa_sha2_md(512);
	case WA_COSE_RS1:
		return EVP_sha1();
	default:
		return NULL;
	}
}

/* The curves an EC2 key may name, each paired with its one algorithm. */
enum ec_curve { EC_P256, EC_P384, EC_P521, EC__COUNT };

static const struct ec_curve_info {
	int64_t alg, crv;
	const char *group;     /* the NIST name */
	const char *sec_group; /* the SEC 2 name, which OpenSSL reports for its keys */
	size_t coord_len;
} ec_curves[EC__COUNT] = {
        [EC_P256] = {WA_COSE_ES256, WA_COSE_CRV_P256, "P-256", "prime256v1", 32},
        [EC_P384] = {WA_COSE_ES384, WA_COSE_CRV_P384, "P-384", "secp384r1", 48},
        [EC_P521] = {WA_COSE_ES512, WA_COSE_CRV_P521, "P-521", "secp521r1", 66},
};

/* ES256 pairs with P-256 and so on (RFC 9053 §2.1 SHOULD, WebAuthn requires it). */
static const struct ec_curve_info *ec_curve_for(int64_t alg, int64_t crv)
{
	for (size_t i = 0; i < EC__COUNT; i++)
		if (ec_curves[i].alg == alg && ec_curves[i].crv == crv)
			return &ec_curves[i];
	return NULL;
}

/* ES256, ES384, ES512: the algorithms of the curve table. */
static bool is_ecdsa(int64_t alg)
{
	for (size_t i = 0; i < EC__COUNT; i++)
		if (ec_curves[i].alg == alg)
			return true;
	return false;
}

/* The curve of an EC key, by either of its names; NULL for any other key or curve. */
static const struct ec_curve_info *ec_curve_of_key(EVP_PKEY *key)
{
	char group[64];

	if (!EVP_PKEY_is_a(key, "EC") ||
	    EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
	                                   NULL) != 1)
		return NULL;
	for (size_t i = 0; i < EC__COUNT; i++)
		if (strcmp(group, ec_curves[i].group) == 0 ||
		    strcmp(group, ec_curves[i].sec_group) == 0)
			return &ec_curves[i];
	return NULL;
}

/*
 * Each curve's parameters as a key without a point, each made at its first use and only read
 * after (never changed or freed): a new key copies them, as building the curve from its name
 * for every key cost half of a decode. One that could not be made is tried again next time.
 */
static EVP_PKEY *ec_templates[EC__COUNT];
static pthread_mutex_t ec_templates_lock = PTHREAD_MUTEX_INITIALIZER;

static EVP_PKEY *make_ec_template(enum ec_curve c)
{
	OSSL_PARAM params[] = {
	        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	                                         (char *)ec_curves[c].group, 0),
	        OSSL_PARAM_construct_end(),
	};
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *tmpl = NULL;

	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &tmpl, EVP_PKEY_KEY_PARAMETERS, params) != 1)
		tmpl = NULL;
	EVP_PKEY_CTX_free(ctx);
	return tmpl;
}

/* Curve c's template; NULL when OpenSSL could not make it (out of memory). */
static const EVP_PKEY *ec_template(enum ec_curve c)
{
	const EVP_PKEY *tmpl;

	pthread_mutex_lock(&ec_templates_lock);
	if (ec_templates[c] == NULL)
		ec_templates[c] = make_ec_template(c);
	tmpl = ec_templates[c];
	pthread_mutex_unlock(&ec_templates_lock);
	return tmpl;
}

/* A public key at point (SEC 1 uncompressed) on the curve of tmpl. */
static wa_err ec_key_from_template(const EVP_PKEY *tmpl, const uint8_t *point, size_t len,
                                   EVP_PKEY **out)
{
	EVP_PKEY *key = EVP_PKEY_new();

	if (key == NULL)
		return WA_ERR_NOMEM;
	if (EVP_PKEY_copy_parameters(key, tmpl) != 1) {
		EVP_PKEY_free(key);
		return WA_ERR_INTERNAL;
	}
	/* OpenSSL refuses a point off the curve here. */
	if (EVP_PKEY_set1_encoded_public_key(key, point, len) != 1) {
		EVP_PKEY_free(key);
		return WA_ERR_COSE_POINT;
	}
	*out = key;
	return WA_OK;
}

static wa_err pkey_from_params(const char *type, OSSL_PARAM *params, EVP_PKEY **out)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	wa_err err = WA_ERR_INTERNAL;

	if (ctx != NULL && EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) == 1)
		err = WA_OK;
	EVP_PKEY_CTX_free(ctx);
	return err;
}

static wa_err pkey_from_builder(const char *type, OSSL_PARAM_BLD *bld, EVP_PKEY **out)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	wa_err err = params != NULL ? pkey_from_params(type, params, out) : WA_ERR_NOMEM;

	OSSL_PARAM_free(params);
	return err;
}

static wa_err decode_ec2(const cbor_item_t *map, wa_cose_key *out)
{
	const uint8_t *x, *y;
	size_t xlen, ylen, coord_len;
	const struct ec_curve_info *curve;
	uint8_t point[1 + 2 * 66];

	if (!wa_cbor_int(wa_cbor_map_get_int(map, L_CRV), &out->crv))
		return WA_ERR_COSE_CURVE;
	if ((curve = ec_curve_for(out->alg, out->crv)) == NULL)
		return WA_ERR_COSE_CURVE;
	coord_len = curve->coord_len;
	if (!wa_cbor_bytes(wa_cbor_map_get_int(map, L_X), &x, &xlen) ||
	    !wa_cbor_bytes(wa_cbor_map_get_int(map, L_Y), &y, &ylen) || xlen != coord_len ||
	    ylen != coord_len)
		return WA_ERR_COSE_COORD;
	/* SEC 1 uncompressed form: 0x04 || x || y. */
	point[0] = 0x04;
	memcpy(point + 1, x, coord_len);
	memcpy(point + 1 + coord_len, y, coord_len);
	const EVP_PKEY *tmpl = ec_template((enum ec_curve)(curve - ec_curves));
	if (tmpl == NULL)
		return WA_ERR_INTERNAL;
	/*
	 * Setting the point is the check: OpenSSL refuses a coordinate not below the field's prime
	 * and a point off the curve there, and 0x04 never encodes the point at infinity. That
	 * suffices: with cofactor 1 (P-256/384/521) a point on the curve has order n.
	 * EVP_PKEY_public_check_quick after it checked the same again, half a decode's time.
	 * test_cose's decode_curve cases hold each refusal.
	 */
	return ec_key_from_template(tmpl, point, 1 + 2 * coord_len, &out->pkey);
}

static wa_err decode_okp(const cbor_item_t *map, wa_cose_key *out)
{
	const uint8_t *x;
	size_t xlen;
	int type;
	size_t want;

	if (!wa_cbor_int(wa_cbor_map_get_int(map, L_CRV), &out->crv))
		return WA_ERR_COSE_CURVE;
	/* EdDSA (-8) names either curve; the fully specified ids name exactly one. */
	if ((out->alg == WA_COSE_ED25519 && out->crv != WA_COSE_CRV_ED25519) ||
	    (out->alg == WA_COSE_ED448 && out->crv != WA_COSE_CRV_ED448))
		return WA_ERR_COSE_CURVE;
	if (out->crv == WA_COSE_CRV_ED25519) {
		type = EVP_PKEY_ED25519;
		want = 32;
	} else if (out->crv == WA_COSE_CRV_ED448) {
		type = EVP_PKEY_ED448;
		want = 57;
	} else {
		return WA_ERR_COSE_CURVE;
	}
	if (!wa_cbor_bytes(wa_cbor_map_get_int(map, L_X), &x, &xlen) || xlen != want)
		return WA_ERR_COSE_COORD;
	if ((out->pkey = EVP_PKEY_new_raw_public_key(type, NULL, x, xlen)) == NULL)
		return WA_ERR_COSE_POINT;
	return WA_OK;
}

static wa_err decode_rsa(const cbor_item_t *map, wa_cose_key *out)
{
	const uint8_t *n, *e;
	size_t nlen, elen;
	BIGNUM *bn_n = NULL, *bn_e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	wa_err err = WA_ERR_COSE_RSA;

	if (!wa_cbor_bytes(wa_cbor_map_get_int(map, L_N), &n, &nlen) ||
	    !wa_cbor_bytes(wa_cbor_map_get_int(map, L_E), &e, &elen) || nlen < 128 || nlen > 1024 ||
	    elen == 0 || elen > 8 || n[0] == 0)
		return WA_ERR_COSE_RSA;
	bn_n = BN_bin2bn(n, (int)nlen, NULL);
	bn_e = BN_bin2bn(e, (int)elen, NULL);
	if (bn_n == NULL || bn_e == NULL || (bld = OSSL_PARAM_BLD_new()) == NULL) {
		err = WA_ERR_NOMEM;
		goto out;
	}
	if (!BN_is_odd(bn_e) || BN_is_one(bn_e) || !BN_is_odd(bn_n))
		goto out;
	if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) != 1) {
		err = WA_ERR_INTERNAL;
		goto out;
	}
	if (pkey_from_builder("RSA", bld, &out->pkey) == WA_OK)
		err = WA_OK;
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	return err;
}

wa_err wa_cose_decode_item(const cbor_item_t *map, wa_cose_key *out)
{
	const struct alg_info *info;
	struct cbor_pair *pairs;
	wa_err err;

	memset(out, 0, sizeof(*out));
	if (map == NULL || !cbor_isa_map(map) || !cbor_map_is_definite(map) ||
	    cbor_map_size(map) > WA_CBOR_MAP_MAX)
		return WA_ERR_COSE_MALFORMED;
	pairs = cbor_map_handle(map);
	for (size_t i = 0; i < cbor_map_size(map); i++) {
		int64_t label;
		if (!wa_cbor_int(pairs[i].key, &label))
			return WA_ERR_COSE_MALFORMED;
	}
	if (wa_cbor_map_has_duplicates(map))
		return WA_ERR_COSE_DUPLICATE;
	if (!wa_cbor_map_is_canonical(map))
		return WA_ERR_COSE_NOT_CANONICAL;
	if (!wa_cbor_int(wa_cbor_map_get_int(map, L_ALG), &out->alg))
		return WA_ERR_COSE_ALG_MISSING;
	if ((info = alg_lookup(out->alg)) == NULL)
		return WA_ERR_COSE_ALG_UNSUPPORTED;
	if (!wa_cbor_int(wa_cbor_map_get_int(map, L_KTY), &out->kty) || out->kty != info->kty)
		return WA_ERR_COSE_KTY;
	switch (out->kty) {
	case WA_COSE_KTY_EC2:
		err = decode_ec2(map, out);
		break;
	case WA_COSE_KTY_OKP:
		err = decode_okp(map, out);
		break;
	default:
		err = decode_rsa(map, out);
		break;
	}
	if (err != WA_OK)
		wa_cose_key_reset(out);
	return err;
}

wa_err wa_cose_decode(const uint8_t *ptr, size_t len, wa_cose_key *out)
{
	cbor_item_t *item = NULL;
	wa_err err;

	memset(out, 0, sizeof(*out));
	if ((err = wa_cbor_load_exact(ptr, len, &item)) != WA_OK)
		return err == WA_ERR_NOMEM ? err : WA_ERR_COSE_MALFORMED;
	err = wa_cose_decode_item(item, out);
	/* The stored key bytes are compared and re-sent later: they must be the one canonical form.
	 */
	if (err == WA_OK && !wa_cbor_is_canonical(item, ptr, len)) {
		wa_cose_key_reset(out);
		err = WA_ERR_COSE_NOT_CANONICAL;
	}
	cbor_decref(&item);
	return err;
}

bool wa_cose_key_copy(const wa_cose_key *src, wa_cose_key *dst)
{
	if (src->pkey != NULL && EVP_PKEY_up_ref(src->pkey) != 1)
		return false;
	*dst = *src;
	wa_cose_verifier_ref(dst->verifier);
	return true;
}

void wa_cose_key_share_verifier(wa_cose_key *key)
{
	if (key->pkey != NULL && key->verifier == NULL && is_ecdsa(key->alg))
		key->verifier = wa_cose_verifier_new(key->pkey);
}

void wa_cose_key_reset(wa_cose_key *key)
{
	EVP_PKEY_free(key->pkey);
	wa_cose_verifier_unref(&key->verifier);
	memset(key, 0, sizeof(*key));
}

/* Adds label -> value to map, taking ownership of value. */
static bool map_add(cbor_item_t *map, int64_t label, cbor_item_t *value)
{
	cbor_item_t *key = label >= 0 ? cbor_build_uint8((uint8_t)label)
	                              : cbor_build_negint8((uint8_t)(-1 - label));
	bool ok = key != NULL && value != NULL &&
	          cbor_map_add(map, (struct cbor_pair){.key = key, .value = value});

	if (key != NULL)
		cbor_decref(&key);
	if (value != NULL)
		cbor_decref(&value);
	return ok;
}

static cbor_item_t *bn_param_bytes(EVP_PKEY *pkey, const char *param, size_t pad)
{
	BIGNUM *bn = NULL;
	uint8_t buf[1024];
	int n;
	cbor_item_t *item = NULL;

	if (EVP_PKEY_get_bn_param(pkey, param, &bn) != 1)
		return NULL;
	if (pad == 0)
		pad = (size_t)BN_num_bytes(bn);
	if (pad <= sizeof(buf) && (n = BN_bn2binpad(bn, buf, (int)pad)) > 0)
		item = cbor_build_bytestring(buf, (size_t)n);
	BN_free(bn);
	return item;
}

static bool fill_ec(cbor_item_t *map, EVP_PKEY *pkey, int64_t alg)
{
	const struct ec_curve_info *curve = ec_curve_of_key(pkey);
	size_t coord_len;

	/* ES256 pairs with P-256 and so on. */
	if (curve == NULL || curve->alg != alg)
		return false;
	coord_len = curve->coord_len;
	if (!map_add(map, L_CRV, wa_cbor_build_int(curve->crv)))
		return false;
	/* The point as the key encodes it: x and y read off at once when uncompressed (the usual
	 * form), cheaper than asking for each coordinate as a number. */
	uint8_t point[1 + 2 * 66];
	size_t len = 0;
	if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
	                                    sizeof(point), &len) == 1 &&
	    len == 1 + 2 * coord_len && point[0] == 0x04)
		return map_add(map, L_X, cbor_build_bytestring(point + 1, coord_len)) &&
		       map_add(map, L_Y, cbor_build_bytestring(point + 1 + coord_len, coord_len));
	return map_add(map, L_X, bn_param_bytes(pkey, OSSL_PKEY_PARAM_EC_PUB_X, coord_len)) &&
	       map_add(map, L_Y, bn_param_bytes(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, coord_len));
}

static bool fill_okp(cbor_item_t *map, EVP_PKEY *pkey, int64_t alg)
{
	uint8_t raw[57];
	size_t len = sizeof(raw);
	int64_t crv = EVP_PKEY_is_a(pkey, "ED25519") ? WA_COSE_CRV_ED25519 : WA_COSE_CRV_ED448;

	if ((alg == WA_COSE_ED25519 && crv != WA_COSE_CRV_ED25519) ||
	    (alg == WA_COSE_ED448 && crv != WA_COSE_CRV_ED448))
		return false;
	if (EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1)
		return false;
	return map_add(map, L_CRV, wa_cbor_build_int(crv)) &&
	       map_add(map, L_X, cbor_build_bytestring(raw, len));
}

wa_err wa_cose_encode(EVP_PKEY *pkey, int64_t alg, wa_blob *out)
{
	const struct alg_info *info = alg_lookup(alg);
	cbor_item_t *map;
	unsigned char *buf = NULL;
	size_t cap = 0, len;
	bool ok;

	if (info == NULL)
		return WA_ERR_COSE_ALG_UNSUPPORTED;
	if ((info->kty == WA_COSE_KTY_EC2 && !EVP_PKEY_is_a(pkey, "EC")) ||
	    (info->kty == WA_COSE_KTY_RSA && !EVP_PKEY_is_a(pkey, "RSA")) ||
	    (info->kty == WA_COSE_KTY_OKP && !EVP_PKEY_is_a(pkey, "ED25519") &&
	     !EVP_PKEY_is_a(pkey, "ED448")))
		return WA_ERR_COSE_KTY;
	if ((map = cbor_new_definite_map(5)) == NULL)
		return WA_ERR_NOMEM;
	/* Labels go in canonical order: 1, 3, -1, -2, -3. */
	ok = map_add(map, L_KTY, wa_cbor_build_int(info->kty)) &&
	     map_add(map, L_ALG, wa_cbor_build_int(alg));
	if (ok && info->kty == WA_COSE_KTY_EC2)
		ok = fill_ec(map, pkey, alg);
	else if (ok && info->kty == WA_COSE_KTY_OKP)
		ok = fill_okp(map, pkey, alg);
	else if (ok)
		ok = map_add(map, L_N, bn_param_bytes(pkey, OSSL_PKEY_PARAM_RSA_N, 0)) &&
		     map_add(map, L_E, bn_param_bytes(pkey, OSSL_PKEY_PARAM_RSA_E, 0));
	if (!ok) {
		cbor_decref(&map);
		return WA_ERR_COSE_CURVE;
	}
	len = cbor_serialize_alloc(map, &buf, &cap);
	cbor_decref(&map);
	if (len == 0) {
		free(buf);
		return WA_ERR_NOMEM;
	}
	free(out->ptr);
	out->ptr = buf;
	out->len = len;
	return WA_OK;
}

/* The key type (and for ECDSA the curve) a COSE algorithm is defined for. */
static bool alg_fits_key(EVP_PKEY *key, int64_t alg)
{
	const struct ec_curve_info *curve;

	switch (alg) {
	case WA_COSE_ES256:
	case WA_COSE_ES384:
	case WA_COSE_ES512:
		return (curve = ec_curve_of_key(key)) != NULL && curve->alg == alg;
	case WA_COSE_EDDSA:
		return EVP_PKEY_is_a(key, "ED25519") || EVP_PKEY_is_a(key, "ED448");
	case WA_COSE_ED25519:
		return EVP_PKEY_is_a(key, "ED25519");
	case WA_COSE_ED448:
		return EVP_PKEY_is_a(key, "ED448");
	case WA_COSE_PS256:
		return EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS");
	case WA_COSE_RS256:
	case WA_COSE_RS384:
	case WA_COSE_RS512:
	case WA_COSE_RS1:
		return EVP_PKEY_is_a(key, "RSA");
	default:
		return false;
	}
}

/*
 * ECDSA over the message's digest, made here: a context for the key alone, no digest context to
 * set up (what OpenSSL's own speed test measures), a few microseconds less a check; the key's
 * shared context when it has one free (webauthn/cose_verifier.h).
 */
static wa_err verify_ecdsa(EVP_PKEY *pkey, wa_cose_verifier *shared, const EVP_MD *md,
                           const uint8_t *msg, size_t msg_len, const uint8_t *sig, size_t sig_len)
{
	uint8_t digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;
	EVP_PKEY_CTX *ctx, *own = NULL; /* own: made for this check alone */
	int rc;

	if (EVP_Digest(msg, msg_len, digest, &digest_len, md, NULL) != 1)
		return WA_ERR_NOMEM;
	if ((ctx = wa_cose_verifier_take(shared)) == NULL) {
		if ((own = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL)
			return WA_ERR_NOMEM;
		if (EVP_PKEY_verify_init(own) != 1) {
			EVP_PKEY_CTX_free(own);
			return WA_ERR_ARG; /* not a key that verifies */
		}
		ctx = own;
	}
	rc = EVP_PKEY_verify(ctx, sig, sig_len, digest, digest_len);
	if (own != NULL)
		EVP_PKEY_CTX_free(own);
	else
		wa_cose_verifier_release(shared);
	if (rc == 1)
		return WA_OK;
	return rc == 0 ? WA_ERR_SIG_INVALID : WA_ERR_SIG_ENCODING;
}

/* Verification proper (shared: pkey's context, or NULL); the caller has established that alg
 * fits pkey. */
static wa_err verify_fitted(EVP_PKEY *pkey, wa_cose_verifier *shared, int64_t alg,
                            const uint8_t *msg, size_t msg_len, const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *ctx;
	EVP_PKEY_CTX *pctx = NULL;
	const EVP_MD *md = wa_cose_alg_md(alg);
	int rc;

	if (sig_len == 0)
		return WA_ERR_SIG_ENCODING;
	if (is_ecdsa(alg))
		return verify_ecdsa(pkey, shared, md, msg, msg_len, sig, sig_len);
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return WA_ERR_NOMEM;
	if (EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pkey) != 1) {
		EVP_MD_CTX_free(ctx);
		return WA_ERR_ARG; /* key type and algorithm disagree */
	}
	if (alg == WA_COSE_PS256 &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
		EVP_MD_CTX_free(ctx);
		return WA_ERR_INTERNAL;
	}
	rc = EVP_DigestVerify(ctx, sig, sig_len, msg, msg_len);
	EVP_MD_CTX_free(ctx);
	if (rc == 1)
		return WA_OK;
	return rc == 0 ? WA_ERR_SIG_INVALID : WA_ERR_SIG_ENCODING;
}

wa_err wa_pkey_verify(EVP_PKEY *pkey, int64_t alg, const uint8_t *msg, size_t msg_len,
                      const uint8_t *sig, size_t sig_len)
{
	if (pkey == NULL || !alg_fits_key(pkey, alg))
		return WA_ERR_ARG;
	return verify_fitted(pkey, NULL, alg, msg, msg_len, sig, sig_len);
}

wa_err wa_cose_verify(const wa_cose_key *key, const uint8_t *msg, size_t msg_len,
                      const uint8_t *sig, size_t sig_len)
{
	/* A decoded COSE key already had its kty and curve checked against alg. */
	if (key->pkey == NULL)
		return WA_ERR_ARG;
	return verify_fitted(key->pkey, key->verifier, key->alg, msg, msg_len, sig, sig_len);
}

bool wa_pkey_equal(EVP_PKEY *a, EVP_PKEY *b)
{
	return a != NULL && b != NULL && EVP_PKEY_eq(a, b) == 1;
}

wa_err wa_cose_sign(EVP_PKEY *key, int64_t alg, const uint8_t *msg, size_t len, wa_blob *sig)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t *buf = NULL;
	size_t n = 0;
	wa_err err = WA_ERR_INTERNAL;

	if (ctx == NULL)
		return WA_ERR_NOMEM;
	if (EVP_DigestSignInit(ctx, &pctx, wa_cose_alg_md(alg), NULL, key) != 1 ||
	    (alg == WA_COSE_PS256 &&
	     (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) ||
	    EVP_DigestSign(ctx, NULL, &n, msg, len) != 1)
		goto out;
	if ((buf = malloc(n)) == NULL) {
		err = WA_ERR_NOMEM;
		goto out;
	}
	if (EVP_DigestSign(ctx, buf, &n, msg, len) != 1)
		goto out;
	wa_blob_reset(sig);
	sig->ptr = buf;
	sig->len = n;
	buf = NULL;
	err = WA_OK;
out:
	free(buf);
	EVP_MD_CTX_free(ctx);
	return err;
}
