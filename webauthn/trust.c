#include "webauthn/trust.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <string.h>

#include "webauthn/x509util.h"

wa_err wa_trust_init(wa_trust *trust, time_t at)
{
	trust->at = at;
	trust->anchors = sk_X509_new_null();
	return trust->anchors != NULL ? WA_OK : WA_ERR_NOMEM;
}

void wa_trust_reset(wa_trust *trust)
{
	sk_X509_pop_free(trust->anchors, X509_free);
	trust->anchors = NULL;
}

size_t wa_trust_count(const wa_trust *trust)
{
	return trust->anchors ? (size_t)sk_X509_num(trust->anchors) : 0;
}

wa_err wa_trust_add_cert(wa_trust *trust, X509 *cert)
{
	if (X509_up_ref(cert) != 1)
		return WA_ERR_INTERNAL;
	if (!sk_X509_push(trust->anchors, cert)) {
		X509_free(cert);
		return WA_ERR_NOMEM;
	}
	return WA_OK;
}

wa_err wa_trust_add_pem_file(wa_trust *trust, const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *cert;
	int added = 0;

	if (f == NULL)
		return WA_ERR_ARG;
	ERR_clear_error();
	while ((cert = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		wa_err err = wa_trust_add_cert(trust, cert);
		X509_free(cert);
		if (err != WA_OK) {
			fclose(f);
			return err;
		}
		added++;
	}
	fclose(f);
	/* The loop ends at the end of the file, or at a block it could not read: tell them apart.
	 */
	unsigned long e = ERR_peek_last_error();
	ERR_clear_error();
	if (e != 0 && !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE))
		return WA_ERR_ARG;
	return added > 0 ? WA_OK : WA_ERR_ARG;
}

static wa_err check_validity(X509 *cert, time_t at)
{
	time_t t = at;
	int before = X509_cmp_time(X509_get0_notBefore(cert), &t);
	int after = X509_cmp_time(X509_get0_notAfter(cert), &t);

	/* 0 means the time could not be read: never take that as "in range". */
	if (before == 0 || after == 0)
		return WA_ERR_ATT_CERT_TIME;
	if (before > 0)
		return WA_ERR_ATT_CERT_NOT_YET_VALID;
	if (after < 0)
		return WA_ERR_ATT_CERT_EXPIRED;
	return WA_OK;
}

static void set_detail(char *detail, size_t size, const char *text)
{
	if (detail != NULL && size > 0)
		snprintf(detail, size, "%s", text);
}

static wa_err verify_chain(const wa_trust *trust, STACK_OF(X509) * x5c, char *detail, size_t size)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	wa_err err = WA_ERR_NOMEM;
	int rc;

	if (store == NULL || ctx == NULL || untrusted == NULL)
		goto out;
	for (int i = 0; i < sk_X509_num(trust->anchors); i++)
		if (X509_STORE_add_cert(store, sk_X509_value(trust->anchors, i)) != 1)
			goto out;
	for (int i = 1; i < sk_X509_num(x5c); i++)
		if (!sk_X509_push(untrusted, sk_X509_value(x5c, i)))
			goto out;
	if (X509_STORE_CTX_init(ctx, store, sk_X509_value(x5c, 0), untrusted) != 1)
		goto out;
	X509_STORE_CTX_set_time(ctx, 0, trust->at);
	/* Attestation roots are often intermediates of a vendor PKI: accept any anchor. */
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_PARTIAL_CHAIN);
	rc = X509_verify_cert(ctx);
	if (rc == 1) {
		err = WA_OK;
	} else {
		int code = X509_STORE_CTX_get_error(ctx);
		set_detail(detail, size, X509_verify_cert_error_string(code));
		if (code == X509_V_ERR_CERT_HAS_EXPIRED)
			err = WA_ERR_ATT_CERT_EXPIRED;
		else if (code == X509_V_ERR_CERT_NOT_YET_VALID)
			err = WA_ERR_ATT_CERT_NOT_YET_VALID;
		else
			err = WA_ERR_ATT_CHAIN;
	}
out:
	sk_X509_free(untrusted); /* the certificates stay owned by x5c */
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return err;
}

wa_err wa_trust_check_path(const wa_trust *trust, STACK_OF(X509) * x5c, bool root_allowed,
                           char *detail, size_t size)
{
	wa_err err;

	set_detail(detail, size, "");
	if (x5c == NULL || sk_X509_num(x5c) == 0)
		return WA_ERR_ARG;
	for (int i = 0; i < sk_X509_num(x5c); i++)
		if ((err = check_validity(sk_X509_value(x5c, i), trust->at)) != WA_OK)
			return err;
	if (!root_allowed && sk_X509_num(x5c) > 1 &&
	    wa_x509_is_self_signed(sk_X509_value(x5c, sk_X509_num(x5c) - 1)))
		return WA_ERR_ATT_CHAIN_ROOT_INCLUDED;
	if (wa_trust_count(trust) == 0)
		return WA_OK;
	return verify_chain(trust, x5c, detail, size);
}
