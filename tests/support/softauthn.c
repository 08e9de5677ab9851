#include "softauthn.h"

#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "webauthn/b64url.h"
#include "webauthn/cborx.h"
#include "webauthn/clientdata.h"
#include "webauthn/cose.h"
#include "webauthn/hash.h"

/* Test data that could not be built is no test: a failed append aborts the test program. */
void sa_append(wa_blob *b, const void *p, size_t n)
{
	if (wa_blob_append(b, p, n) != WA_OK)
		abort();
}

sa_params sa_default_params(void)
{
	sa_params p = {
	        .alg = WA_COSE_ES256,
	        .fmt = "none",
	        .flags = 0x01 | 0x04,
	        .sign_count = 1,
	        .rp_id = SA_RP_ID,
	        .origin = SA_ORIGIN,
	        .cred_id_len = 32,
	};
	memset(p.challenge, 0x11, sizeof(p.challenge));
	memcpy(p.aaguid, "KAGURA-HARNESS!!", 16);
	return p;
}

EVP_PKEY *sa_keygen(int64_t alg)
{
	switch (alg) {
	case WA_COSE_ES256:
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	case WA_COSE_ES384:
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	case WA_COSE_ES512:
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	case WA_COSE_RS256:
	case WA_COSE_PS256:
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	case WA_COSE_EDDSA:
	case WA_COSE_ED25519:
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	default:
		return NULL;
	}
}

int sa_sign(EVP_PKEY *key, int64_t alg, const uint8_t *msg, size_t len, wa_blob *sig)
{
	return wa_cose_sign(key, alg, msg, len, sig) == WA_OK;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL)
		return 0;
	X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return 1;
}

X509 *sa_make_cert(EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer, const char *ou, const char *cn,
                   bool ca, long nb_days, long na_days)
{
	X509 *cert = X509_new();
	X509_NAME *name = X509_NAME_new();

	X509_set_version(cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), ca ? 1 : 2);
	X509_gmtime_adj(X509_getm_notBefore(cert), nb_days * 86400L);
	X509_gmtime_adj(X509_getm_notAfter(cert), na_days * 86400L);
	X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)"JP", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"kagura-harness",
	                           -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_ASC, (const unsigned char *)ou, -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(cert, name);
	X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
	X509_NAME_free(name);
	X509_set_pubkey(cert, key);
	add_ext(cert, issuer ? issuer : cert, NID_basic_constraints,
	        ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	if (X509_sign(cert, signer, EVP_sha256()) == 0) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

int sa_pki_init(sa_pki *pki, long not_before_days, long not_after_days)
{
	ASN1_OBJECT *oid;
	ASN1_OCTET_STRING *inner, *outer;
	unsigned char *der = NULL;
	int derlen;
	X509_EXTENSION *ext;

	memset(pki, 0, sizeof(*pki));
	memcpy(pki->aaguid, "KAGURA-HARNESS!!", 16);
	pki->ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	pki->att_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (pki->ca_key == NULL || pki->att_key == NULL)
		return 0;
	pki->ca = sa_make_cert(pki->ca_key, pki->ca_key, NULL, "Test Attestation CA",
	                       "kagura test attestation root", true, -3650, 3650);
	if (pki->ca == NULL)
		return 0;
	pki->att =
	        sa_make_cert(pki->att_key, pki->ca_key, pki->ca, "Authenticator Attestation",
	                     "kagura test authenticator", false, not_before_days, not_after_days);
	if (pki->att == NULL)
		return 0;
	/* id-fido-gen-ce-aaguid: OCTET STRING wrapping the 16-byte AAGUID. */
	inner = ASN1_OCTET_STRING_new();
	ASN1_OCTET_STRING_set(inner, pki->aaguid, 16);
	derlen = i2d_ASN1_OCTET_STRING(inner, &der);
	outer = ASN1_OCTET_STRING_new();
	ASN1_OCTET_STRING_set(outer, der, derlen);
	oid = OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1);
	ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, outer);
	X509_add_ext(pki->att, ext, -1);
	X509_EXTENSION_free(ext);
	ASN1_OBJECT_free(oid);
	ASN1_OCTET_STRING_free(outer);
	ASN1_OCTET_STRING_free(inner);
	OPENSSL_free(der);
	return X509_sign(pki->att, pki->ca_key, EVP_sha256()) != 0;
}

void sa_pki_free(sa_pki *pki)
{
	EVP_PKEY_free(pki->ca_key);
	EVP_PKEY_free(pki->att_key);
	X509_free(pki->ca);
	X509_free(pki->att);
	memset(pki, 0, sizeof(*pki));
}

void sa_credential_free(sa_credential *cred)
{
	EVP_PKEY_free(cred->key);
	wa_blob_reset(&cred->id);
	memset(cred, 0, sizeof(*cred));
}

static int client_data(const sa_params *p, const char *type, const sa_hooks *h, wa_blob *cdata,
                       uint8_t cdh[32])
{
	if (wa_clientdata_build(p->type ? p->type : type, p->challenge, sizeof(p->challenge),
	                        p->origin, p->cross_origin, p->top_origin, cdata) != WA_OK)
		return 0;
	if (h && h->client_data)
		h->client_data(cdata);
	wa_sha256(cdata->ptr, cdata->len, cdh);
	return 1;
}

static void put_header(wa_blob *ad, const sa_params *p, uint8_t flags)
{
	uint8_t head[37];

	wa_sha256(p->rp_id, strlen(p->rp_id), head);
	head[32] = flags;
	head[33] = (uint8_t)(p->sign_count >> 24);
	head[34] = (uint8_t)(p->sign_count >> 16);
	head[35] = (uint8_t)(p->sign_count >> 8);
	head[36] = (uint8_t)p->sign_count;
	sa_append(ad, head, sizeof(head));
}

static int set_b64(json_t *obj, const char *key, const wa_blob *b)
{
	char *s = wa_b64url_encode(b->ptr, b->len);
	int ok = s && json_object_set_new(obj, key, json_string(s)) == 0;
	free(s);
	return ok;
}

static json_t *shell(const wa_blob *id, json_t *response)
{
	json_t *obj = json_object();
	set_b64(obj, "id", id);
	set_b64(obj, "rawId", id);
	json_object_set_new(obj, "response", response);
	json_object_set_new(obj, "type", json_string("public-key"));
	json_object_set_new(obj, "clientExtensionResults", json_object());
	return obj;
}

static cbor_item_t *bytes_item(const wa_blob *b)
{
	return cbor_build_bytestring(b->ptr, b->len);
}

static void map_put(cbor_item_t *map, const char *key, cbor_item_t *value)
{
	cbor_item_t *k = cbor_build_string(key);
	cbor_map_add(map, (struct cbor_pair){.key = k, .value = value});
	cbor_decref(&k);
	cbor_decref(&value);
}

static cbor_item_t *cert_array(X509 *cert)
{
	cbor_item_t *arr = cbor_new_definite_array(1);
	unsigned char *der = NULL;
	int len = i2d_X509(cert, &der);
	cbor_item_t *item = cbor_build_bytestring(der, (size_t)len);

	cbor_array_push(arr, item);
	cbor_decref(&item);
	OPENSSL_free(der);
	return arr;
}

/* attStmt for p->fmt over authData || cdh. */
static cbor_item_t *att_stmt(const sa_params *p, const sa_pki *pki, const sa_credential *cred,
                             const wa_blob *ad, const uint8_t cdh[32], const wa_blob *cose,
                             const sa_hooks *h)
{
	cbor_item_t *stmt = cbor_new_definite_map(4);
	wa_blob tbs = {0}, sig = {0};

	if (strcmp(p->fmt, "none") == 0)
		return stmt;
	if (strcmp(p->fmt, "fido-u2f") == 0) {
		uint8_t point[65];
		size_t plen = 0;
		EVP_PKEY_get_octet_string_param(cred->key, OSSL_PKEY_PARAM_PUB_KEY, point,
		                                sizeof(point), &plen);
		sa_append(&tbs, "\x00", 1);
		sa_append(&tbs, ad->ptr, 32);
		sa_append(&tbs, cdh, 32);
		sa_append(&tbs, cred->id.ptr, cred->id.len);
		sa_append(&tbs, point, plen);
		sa_sign(pki->att_key, WA_COSE_ES256, tbs.ptr, tbs.len, &sig);
	} else {
		sa_append(&tbs, ad->ptr, ad->len);
		sa_append(&tbs, cdh, 32);
		if (strcmp(p->fmt, "packed") == 0)
			sa_sign(pki->att_key, WA_COSE_ES256, tbs.ptr, tbs.len, &sig);
		else
			sa_sign(cred->key, cred->alg, tbs.ptr, tbs.len, &sig);
		map_put(stmt, "alg",
		        wa_cbor_build_int(strcmp(p->fmt, "packed") == 0 ? WA_COSE_ES256
		                                                        : cred->alg));
	}
	if (h && h->signature)
		h->signature(&sig);
	map_put(stmt, "sig", bytes_item(&sig));
	if (strcmp(p->fmt, "packed") == 0 || strcmp(p->fmt, "fido-u2f") == 0)
		map_put(stmt, "x5c", cert_array(pki->att));
	(void)cose;
	wa_blob_reset(&tbs);
	wa_blob_reset(&sig);
	return stmt;
}

json_t *sa_register(const sa_params *p, const sa_hooks *h, const sa_pki *pki, sa_credential *cred)
{
	wa_blob cdata = {0}, cose = {0}, ad = {0}, obj = {0};
	uint8_t cdh[32], len2[2];
	cbor_item_t *map, *stmt;
	unsigned char *buf = NULL;
	size_t cap = 0, n;
	json_t *resp = NULL, *out = NULL;

	memset(cred, 0, sizeof(*cred));
	cred->alg = p->alg;
	if ((cred->key = sa_keygen(p->alg)) == NULL ||
	    !client_data(p, WA_TYPE_CREATE, h, &cdata, cdh))
		goto fail;
	cred->id.len = p->cred_id_len;
	cred->id.ptr = malloc(p->cred_id_len ? p->cred_id_len : 1);
	RAND_bytes(cred->id.ptr, (int)(p->cred_id_len ? p->cred_id_len : 1));
	if (wa_cose_encode(cred->key, p->alg, &cose) != WA_OK)
		goto fail;
	if (h && h->cose_key)
		h->cose_key(&cose);
	put_header(&ad, p, (uint8_t)(p->flags | 0x40));
	sa_append(&ad, p->aaguid, 16);
	len2[0] = (uint8_t)(p->cred_id_len >> 8);
	len2[1] = (uint8_t)p->cred_id_len;
	sa_append(&ad, len2, 2);
	sa_append(&ad, cred->id.ptr, cred->id.len);
	sa_append(&ad, cose.ptr, cose.len);
	if (h && h->auth_data)
		h->auth_data(&ad);
	stmt = att_stmt(p, pki, cred, &ad, cdh, &cose, h);
	if (h && h->att_stmt)
		h->att_stmt(stmt);
	map = cbor_new_definite_map(3);
	map_put(map, "fmt",
	        cbor_build_string(strcmp(p->fmt, "packed-self") == 0 ? "packed" : p->fmt));
	map_put(map, "attStmt", stmt);
	map_put(map, "authData", bytes_item(&ad));
	n = cbor_serialize_alloc(map, &buf, &cap);
	cbor_decref(&map);
	wa_blob_set(&obj, buf, n);
	free(buf);
	if (h && h->att_obj)
		h->att_obj(&obj);
	resp = json_object();
	set_b64(resp, "clientDataJSON", &cdata);
	set_b64(resp, "attestationObject", &obj);
	json_object_set_new(resp, "transports", json_pack("[s]", "internal"));
	out = shell(&cred->id, resp);
	if (h && h->json)
		h->json(out);
fail:
	wa_blob_reset(&cdata);
	wa_blob_reset(&cose);
	wa_blob_reset(&ad);
	wa_blob_reset(&obj);
	return out;
}

json_t *sa_authenticate(const sa_params *p, const sa_hooks *h, const sa_credential *cred)
{
	wa_blob cdata = {0}, ad = {0}, tbs = {0}, sig = {0};
	uint8_t cdh[32];
	json_t *resp, *out = NULL;

	if (!client_data(p, WA_TYPE_GET, h, &cdata, cdh))
		goto fail;
	put_header(&ad, p, p->flags);
	if (h && h->auth_data)
		h->auth_data(&ad);
	sa_append(&tbs, ad.ptr, ad.len);
	sa_append(&tbs, cdh, 32);
	if (!sa_sign(cred->key, cred->alg, tbs.ptr, tbs.len, &sig))
		goto fail;
	if (h && h->signature)
		h->signature(&sig);
	resp = json_object();
	set_b64(resp, "clientDataJSON", &cdata);
	set_b64(resp, "authenticatorData", &ad);
	set_b64(resp, "signature", &sig);
	if (p->user_handle != NULL) {
		wa_blob uh = {(uint8_t *)p->user_handle, p->user_handle_len};
		set_b64(resp, "userHandle", &uh);
	}
	out = shell(&cred->id, resp);
	if (h && h->json)
		h->json(out);
fail:
	wa_blob_reset(&cdata);
	wa_blob_reset(&ad);
	wa_blob_reset(&tbs);
	wa_blob_reset(&sig);
	return out;
}

wa_expect sa_w3c_expect(const char *vector_name, const wa_blob *chal)
{
	static const char *const origins[] = {"https://example.org"};
	static const char *const top_origins[] = {"https://example.com"};

	return (wa_expect){
	        .challenge = chal->ptr,
	        .challenge_len = chal->len,
	        .origins = origins,
	        .n_origins = 1,
	        .rp_id = "example.org",
	        .allow_cross_origin =
	                strstr(vector_name, "crossOrigin") || strstr(vector_name, "topOrigin"),
	        .top_origins = top_origins,
	        .n_top_origins = strstr(vector_name, "topOrigin") ? 1 : 0,
	};
}

json_t *sa_pem_json(X509 *cert)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL;
	long len;
	json_t *out = NULL;

	if (bio != NULL && PEM_write_bio_X509(bio, cert) == 1 &&
	    (len = BIO_get_mem_data(bio, &data)) > 0)
		out = json_stringn(data, (size_t)len);
	BIO_free(bio);
	return out;
}
