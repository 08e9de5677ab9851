#include "rp/tls_pem.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rp/readfile.h"

/* A certificate or key file larger than this is not one. */
#define TLS_FILE_MAX (1024u * 1024u)

/* Frees a string that held a private key: it must not linger in freed heap. */
static void free_secret(char *text, size_t len)
{
	if (text != NULL)
		OPENSSL_cleanse(text, len);
	free(text);
}

/* The PEM text a memory BIO holds, NUL-terminated (owned); NULL when out of memory. */
static char *bio_text(BIO *bio, size_t *len)
{
	char *p, *copy;
	long n = BIO_get_mem_data(bio, &p);

	if (n <= 0 || (copy = malloc((size_t)n + 1)) == NULL)
		return NULL;
	memcpy(copy, p, (size_t)n);
	copy[n] = '\0';
	if (len != NULL)
		*len = (size_t)n;
	return copy;
}

/* Every certificate of a PEM file, re-encoded as plain PEM; NULL with err set on failure. */
static char *read_certs(const char *path, rp_http_err bad, rp_http_err *err, X509 **first)
{
	const char *why;
	size_t len, n = 0;
	char *text = rp_read_file(path, TLS_FILE_MAX, &len, &why), *out = NULL;
	BIO *in = text ? BIO_new_mem_buf(text, (int)len) : NULL, *pem = BIO_new(BIO_s_mem());
	X509 *x;

	*err = bad;
	if (in == NULL || pem == NULL)
		goto done;
	ERR_set_mark();
	while ((x = PEM_read_bio_X509(in, NULL, NULL, NULL)) != NULL) {
		bool ok = PEM_write_bio_X509(pem, x) == 1;
		if (ok && n == 0 && first != NULL)
			*first = x;
		else
			X509_free(x);
		if (!ok)
			break;
		n++;
	}
	/* The loop ends at the end of the file or at a block it could not read: tell them apart. */
	{
		unsigned long e = ERR_peek_last_error();
		bool at_end = e == 0 || (ERR_GET_LIB(e) == ERR_LIB_PEM &&
		                         ERR_GET_REASON(e) == PEM_R_NO_START_LINE);
		ERR_pop_to_mark();
		if (n > 0 && at_end && (out = bio_text(pem, NULL)) == NULL)
			*err = RP_HTTP_NOMEM;
	}
done:
	if (out == NULL && first != NULL && *first != NULL) {
		X509_free(*first);
		*first = NULL;
	}
	BIO_free(in);
	BIO_free(pem);
	free(text);
	return out;
}

/* Whether GnuTLS signs a TLS handshake with key: RSA (PKCS#1 or PSS), ECDSA on the NIST curves
 * named, EdDSA. Another key (DSA, an EC key on secp256k1 or with explicit parameters) starts no
 * server or fails every handshake. */
static bool key_type_served(EVP_PKEY *key)
{
	/* OpenSSL's names of P-256, P-384 and P-521 (OSSL_PKEY_PARAM_GROUP_NAME). */
	static const char *const curves[] = {"prime256v1", "secp384r1", "secp521r1"};
	char curve[32];

	char encoding[16] = "";

	if (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS") ||
	    EVP_PKEY_is_a(key, "ED25519") || EVP_PKEY_is_a(key, "ED448"))
		return true;
	if (!EVP_PKEY_is_a(key, "EC") ||
	    !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof(curve),
	                                    NULL))
		return false;
	/* A curve written out as its parameters: GnuTLS reads named curves only. */
	if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_EC_ENCODING, encoding,
	                                   sizeof(encoding), NULL) &&
	    strcmp(encoding, OSSL_PKEY_EC_ENCODING_EXPLICIT) == 0)
		return false;
	for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (strcmp(curve, curves[i]) == 0)
			return true;
	return false;
}

/* A PEM key callback that never prompts: an encrypted key is an unreadable key here. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

rp_http_err rp_tls_pem_load(const char *cert_file, const char *key_file, const char *client_ca_file,
                            rp_tls_pem *out)
{
	X509 *leaf = NULL;
	EVP_PKEY *key = NULL;
	BIO *in = NULL, *pem = NULL;
	char *text = NULL;
	const char *why;
	size_t len = 0;
	rp_http_err err;

	memset(out, 0, sizeof(*out));
	if (cert_file == NULL || key_file == NULL)
		return cert_file == NULL ? RP_HTTP_TLS_CERT : RP_HTTP_TLS_KEY;
	if ((out->cert = read_certs(cert_file, RP_HTTP_TLS_CERT, &err, &leaf)) == NULL)
		return err;
	err = RP_HTTP_TLS_KEY;
	if ((text = rp_read_file(key_file, TLS_FILE_MAX, &len, &why)) == NULL ||
	    (in = BIO_new_mem_buf(text, (int)len)) == NULL)
		goto out;
	ERR_set_mark();
	key = PEM_read_bio_PrivateKey(in, NULL, no_password, NULL);
	ERR_pop_to_mark();
	if (key == NULL)
		goto out;
	err = RP_HTTP_TLS_KEY_TYPE;
	if (!key_type_served(key))
		goto out;
	err = RP_HTTP_TLS_KEY_MISMATCH;
	ERR_set_mark();
	if (X509_check_private_key(leaf, key) != 1) {
		ERR_pop_to_mark();
		goto out;
	}
	ERR_pop_to_mark();
	/* PKCS#8 PEM: a form GnuTLS reads whatever the file held. */
	err = RP_HTTP_NOMEM;
	if ((pem = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey(pem, key, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (out->key = bio_text(pem, &out->key_len)) == NULL)
		goto out;
	if (client_ca_file != NULL &&
	    (out->trust = read_certs(client_ca_file, RP_HTTP_TLS_CLIENT_CA, &err, NULL)) == NULL)
		goto out;
	err = RP_HTTP_OK;
out:
	if (pem != NULL) {
		char *p;
		long n = BIO_get_mem_data(pem, &p);
		if (n > 0)
			OPENSSL_cleanse(p, (size_t)n);
	}
	BIO_free(pem);
	BIO_free(in);
	free_secret(text, len);
	EVP_PKEY_free(key);
	X509_free(leaf);
	if (err != RP_HTTP_OK)
		rp_tls_pem_release(out);
	return err;
}

void rp_tls_pem_release(rp_tls_pem *pem)
{
	free(pem->cert);
	free(pem->trust);
	free_secret(pem->key, pem->key_len);
	memset(pem, 0, sizeof(*pem));
}
