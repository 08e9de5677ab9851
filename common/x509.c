#include "common/x509.h"

#include <limits.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>

cm_x509_err cm_x509_read_pem(const char *pem, size_t len, STACK_OF(X509) * certs,
                             STACK_OF(X509_CRL) * crls, size_t max)
{
	BIO *bio;
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long dlen = 0;
	size_t n = 0;
	cm_x509_err err = CM_X509_OK;

	if (len > INT_MAX)
		return CM_X509_BAD;
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return CM_X509_NOMEM;
	ERR_set_mark();
	for (;;) {
		const unsigned char *p;
		bool ok = false;

		if (PEM_read_bio(bio, &name, &header, &data, &dlen) != 1) {
			unsigned long e = ERR_peek_last_error();
			if (ERR_GET_LIB(e) != ERR_LIB_PEM ||
			    ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
				err = CM_X509_BAD;
			else if (n == 0)
				err = CM_X509_BAD; /* no block at all */
			break;
		}
		if (n == max) {
			err = CM_X509_TOO_MANY;
			break;
		}
		p = data;
		if (header[0] != '\0') {
			ok = false; /* Proc-Type: ENCRYPTED and friends: not a plain block */
		} else if (certs != NULL && strcmp(name, PEM_STRING_X509) == 0) {
			X509 *x = d2i_X509(NULL, &p, dlen);
			ok = x != NULL && p == data + dlen && sk_X509_push(certs, x) > 0;
			if (!ok)
				X509_free(x);
		} else if (crls != NULL && strcmp(name, PEM_STRING_X509_CRL) == 0) {
			X509_CRL *c = d2i_X509_CRL(NULL, &p, dlen);
			ok = c != NULL && p == data + dlen && sk_X509_CRL_push(crls, c) > 0;
			if (!ok)
				X509_CRL_free(c);
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		name = header = NULL;
		data = NULL;
		if (!ok) {
			err = CM_X509_BAD;
			break;
		}
		n++;
	}
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	ERR_pop_to_mark();
	BIO_free(bio);
	return err;
}

cm_x509_err cm_x509_read_chain(const uint8_t *buf, size_t len, size_t max_certs, size_t max_bytes,
                               STACK_OF(X509) * out, char *detail, size_t dsize)
{
	size_t i = 0;

	if (len > max_bytes) {
		snprintf(detail, dsize, "%zu bytes, more than %zu", len, max_bytes);
		return CM_X509_TOO_MANY;
	}
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (len - i >= 5 && memcmp(buf + i, "-----", 5) == 0) {
		cm_x509_err err = cm_x509_read_pem((const char *)buf, len, out, NULL, max_certs);
		if (err == CM_X509_TOO_MANY)
			snprintf(detail, dsize, "more than %zu certificates", max_certs);
		else if (err == CM_X509_BAD)
			snprintf(detail, dsize, "PEM text with a block that is not a certificate");
		else if (err == CM_X509_NOMEM)
			snprintf(detail, dsize, "out of memory");
		return err;
	}
	for (const uint8_t *p = buf, *end = buf + len; p < end;) {
		X509 *x;
		if ((size_t)sk_X509_num(out) == max_certs) {
			snprintf(detail, dsize, "more than %zu certificates", max_certs);
			return CM_X509_TOO_MANY;
		}
		ERR_set_mark();
		x = d2i_X509(NULL, &p, (long)(end - p));
		ERR_pop_to_mark();
		if (x == NULL) {
			snprintf(detail, dsize, "certificate %d: not DER X.509", sk_X509_num(out));
			return CM_X509_BAD;
		}
		if (sk_X509_push(out, x) <= 0) {
			X509_free(x);
			snprintf(detail, dsize, "out of memory");
			return CM_X509_NOMEM;
		}
	}
	return CM_X509_OK;
}

void cm_x509_name_text(const X509_NAME *name, char *out, size_t size)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long n;

	out[0] = '\0';
	if (bio == NULL)
		return;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (n = BIO_get_mem_data(bio, &p)) > 0)
		snprintf(out, size, "%.*s", (int)(n < INT_MAX ? n : INT_MAX), p);
	BIO_free(bio);
}

bool cm_x509_in(STACK_OF(X509) * sk, X509 *x)
{
	for (int i = 0; i < sk_X509_num(sk); i++)
		if (X509_cmp(sk_X509_value(sk, i), x) == 0)
			return true;
	return false;
}
