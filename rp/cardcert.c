#include "rp/cardcert.h"

#include <limits.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/x509.h"
#include "rp/hpki_id.h"
#include "rp/readfile.h"
#include "webauthn/arraylen.h"

/* A trust file larger than this is not a trust file (a big CA's CRL is a few MB). */
#define TRUST_FILE_MAX (16u * 1024u * 1024u)

KAGURA_XT_ACCESSOR(rp_cardcert_strerr, rp_cardcert_err, RP_CARDCERT_ERROR_TABLE, KAGURA_XT_FIELD1,
                   RP_CARDCERT__COUNT, "unknown card certificate error")
KAGURA_XT_ACCESSOR(rp_cardcert_errname, rp_cardcert_err, RP_CARDCERT_ERROR_TABLE, KAGURA_XT_NAME,
                   RP_CARDCERT__COUNT, "RP_CARDCERT_?")

const char *rp_cardcert_kind_name(rp_cardcert_kind kind)
{
	switch (kind) {
	case RP_CARDCERT_HPKI:
		return "hpki";
	case RP_CARDCERT_JPKI:
		return "jpki";
	default:
		return "unknown";
	}
}

struct rp_cardcert_ctx {
	X509_STORE *store;              /* every anchor: what X509_verify_cert trusts */
	STACK_OF(X509) * anchors[3];    /* the same, per kind (index rp_cardcert_kind) */
	STACK_OF(X509) * intermediates; /* path material, never trusted on its own */
	STACK_OF(X509_CRL) * crls;
};

rp_cardcert_err rp_cardcert_ctx_new(rp_cardcert_ctx **out)
{
	rp_cardcert_ctx *ctx;

	if (out == NULL)
		return RP_CARDCERT_ERR_ARG;
	*out = NULL;
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return RP_CARDCERT_ERR_NOMEM;
	ctx->store = X509_STORE_new();
	ctx->anchors[RP_CARDCERT_HPKI] = sk_X509_new_null();
	ctx->anchors[RP_CARDCERT_JPKI] = sk_X509_new_null();
	ctx->intermediates = sk_X509_new_null();
	ctx->crls = sk_X509_CRL_new_null();
	if (ctx->store == NULL || ctx->anchors[RP_CARDCERT_HPKI] == NULL ||
	    ctx->anchors[RP_CARDCERT_JPKI] == NULL || ctx->intermediates == NULL ||
	    ctx->crls == NULL) {
		rp_cardcert_ctx_free(ctx);
		return RP_CARDCERT_ERR_NOMEM;
	}
	*out = ctx;
	return RP_CARDCERT_OK;
}

void rp_cardcert_ctx_free(rp_cardcert_ctx *ctx)
{
	if (ctx == NULL)
		return;
	X509_STORE_free(ctx->store);
	sk_X509_pop_free(ctx->anchors[RP_CARDCERT_HPKI], X509_free);
	sk_X509_pop_free(ctx->anchors[RP_CARDCERT_JPKI], X509_free);
	sk_X509_pop_free(ctx->intermediates, X509_free);
	sk_X509_CRL_pop_free(ctx->crls, X509_CRL_free);
	free(ctx);
}

/* What reading a trust file's PEM came to. */
static rp_cardcert_err trust_err(cm_x509_err e)
{
	return e == CM_X509_OK      ? RP_CARDCERT_OK
	       : e == CM_X509_NOMEM ? RP_CARDCERT_ERR_NOMEM
	                            : RP_CARDCERT_ERR_PEM;
}

/* Certificates of a trust file: each must be a CA certificate. All or nothing. */
static rp_cardcert_err add_cas(STACK_OF(X509) * to, X509_STORE *store, const char *pem, size_t len)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	rp_cardcert_err err;

	if (certs == NULL)
		return RP_CARDCERT_ERR_NOMEM;
	err = trust_err(cm_x509_read_pem(pem, len, certs, NULL, SIZE_MAX));
	for (int i = 0; err == RP_CARDCERT_OK && i < sk_X509_num(certs); i++)
		if (X509_check_ca(sk_X509_value(certs, i)) == 0)
			err = RP_CARDCERT_ERR_PEM;
	/* Parsed and checked first: only running out of memory can stop the adding halfway. */
	if (err == RP_CARDCERT_OK && !sk_X509_reserve(to, sk_X509_num(to) + sk_X509_num(certs)))
		err = RP_CARDCERT_ERR_NOMEM;
	for (int i = 0; err == RP_CARDCERT_OK && i < sk_X509_num(certs); i++) {
		X509 *x = sk_X509_value(certs, i);
		if (store != NULL && X509_STORE_add_cert(store, x) != 1)
			err = RP_CARDCERT_ERR_NOMEM;
		else if (X509_up_ref(x) != 1 || sk_X509_push(to, x) <= 0)
			err = RP_CARDCERT_ERR_NOMEM;
	}
	sk_X509_pop_free(certs, X509_free);
	return err;
}

rp_cardcert_err rp_cardcert_ctx_add_anchors_pem(rp_cardcert_ctx *ctx, rp_cardcert_kind kind,
                                                const char *pem, size_t len)
{
	if (ctx == NULL || pem == NULL || (kind != RP_CARDCERT_HPKI && kind != RP_CARDCERT_JPKI))
		return RP_CARDCERT_ERR_ARG;
	return add_cas(ctx->anchors[kind], ctx->store, pem, len);
}

rp_cardcert_err rp_cardcert_ctx_add_intermediates_pem(rp_cardcert_ctx *ctx, const char *pem,
                                                      size_t len)
{
	if (ctx == NULL || pem == NULL)
		return RP_CARDCERT_ERR_ARG;
	return add_cas(ctx->intermediates, NULL, pem, len);
}

rp_cardcert_err rp_cardcert_ctx_add_crls_pem(rp_cardcert_ctx *ctx, const char *pem, size_t len)
{
	STACK_OF(X509_CRL) * crls;
	rp_cardcert_err err;

	if (ctx == NULL || pem == NULL)
		return RP_CARDCERT_ERR_ARG;
	if ((crls = sk_X509_CRL_new_null()) == NULL)
		return RP_CARDCERT_ERR_NOMEM;
	err = trust_err(cm_x509_read_pem(pem, len, NULL, crls, SIZE_MAX));
	if (err == RP_CARDCERT_OK &&
	    !sk_X509_CRL_reserve(ctx->crls, sk_X509_CRL_num(ctx->crls) + sk_X509_CRL_num(crls)))
		err = RP_CARDCERT_ERR_NOMEM;
	while (err == RP_CARDCERT_OK && sk_X509_CRL_num(crls) > 0)
		sk_X509_CRL_push(ctx->crls, sk_X509_CRL_shift(crls)); /* reserved: cannot fail */
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	return err;
}

/* The file's text to one of the _pem adders. */
static rp_cardcert_err add_file(rp_cardcert_ctx *ctx, rp_cardcert_kind kind, const char *path,
                                int what)
{
	const char *why;
	size_t len;
	char *text;
	rp_cardcert_err err;

	if (ctx == NULL || path == NULL)
		return RP_CARDCERT_ERR_ARG;
	if ((text = rp_read_file(path, TRUST_FILE_MAX, &len, &why)) == NULL)
		return RP_CARDCERT_ERR_IO;
	if (what == 0)
		err = rp_cardcert_ctx_add_anchors_pem(ctx, kind, text, len);
	else if (what == 1)
		err = rp_cardcert_ctx_add_intermediates_pem(ctx, text, len);
	else
		err = rp_cardcert_ctx_add_crls_pem(ctx, text, len);
	free(text);
	return err;
}

rp_cardcert_err rp_cardcert_ctx_add_anchors(rp_cardcert_ctx *ctx, rp_cardcert_kind kind,
                                            const char *pem_path)
{
	if (kind != RP_CARDCERT_HPKI && kind != RP_CARDCERT_JPKI)
		return RP_CARDCERT_ERR_ARG;
	return add_file(ctx, kind, pem_path, 0);
}

rp_cardcert_err rp_cardcert_ctx_add_intermediates(rp_cardcert_ctx *ctx, const char *pem_path)
{
	return add_file(ctx, RP_CARDCERT_UNKNOWN, pem_path, 1);
}

rp_cardcert_err rp_cardcert_ctx_add_crls(rp_cardcert_ctx *ctx, const char *pem_path)
{
	return add_file(ctx, RP_CARDCERT_UNKNOWN, pem_path, 2);
}

/* What reading the client's chain came to. */
static rp_cardcert_err chain_err(cm_x509_err e)
{
	switch (e) {
	case CM_X509_OK:
		return RP_CARDCERT_OK;
	case CM_X509_TOO_MANY:
		return RP_CARDCERT_TOO_LONG;
	case CM_X509_NOMEM:
		return RP_CARDCERT_ERR_NOMEM;
	default:
		return RP_CARDCERT_MALFORMED;
	}
}

/* Seconds since the epoch of an ASN1_TIME; 0 when unreadable. */
static time_t time_of(const ASN1_TIME *t)
{
	ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
	int days = 0, secs = 0;
	time_t r = 0;

	if (epoch != NULL && ASN1_TIME_diff(&days, &secs, epoch, t) == 1)
		r = (time_t)days * 86400 + secs;
	ASN1_TIME_free(epoch);
	return r;
}

static void describe_leaf(X509 *leaf, rp_cardcert_result *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;

	cm_x509_name_text(X509_get_subject_name(leaf), out->subject, sizeof(out->subject));
	cm_x509_name_text(X509_get_issuer_name(leaf), out->issuer, sizeof(out->issuer));
	if (hex != NULL && strlen(hex) < sizeof(out->serial))
		snprintf(out->serial, sizeof(out->serial), "%s", hex);
	OPENSSL_free(hex);
	BN_free(bn);
	if (X509_digest(leaf, EVP_sha256(), md, &mdlen) == 1 && mdlen == 32)
		for (unsigned i = 0; i < mdlen; i++)
			snprintf(out->fingerprint + 2 * i, 3, "%02x", md[i]);
	out->not_before = time_of(X509_get0_notBefore(leaf));
	out->not_after = time_of(X509_get0_notAfter(leaf));
}

/* What the leaf says it is, before any path is known. */
static rp_cardcert_kind claimed_kind(X509 *leaf, int role)
{
	const X509_NAME *issuer = X509_get_issuer_name(leaf);
	int idx = -1;

	if (role != 0)
		return RP_CARDCERT_HPKI;
	while ((idx = X509_NAME_get_index_by_NID(issuer, NID_organizationName, idx)) >= 0) {
		const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(issuer, idx));
		if (ASN1_STRING_length(s) == 4 && memcmp(ASN1_STRING_get0_data(s), "JPKI", 4) == 0)
			return RP_CARDCERT_JPKI;
	}
	return RP_CARDCERT_UNKNOWN;
}

/* A later CA certificate of the same name than ca among the context's anchors and intermediates. */
static bool renewed_later(const rp_cardcert_ctx *ctx, X509 *ca)
{
	STACK_OF(X509) *const all[] = {ctx->intermediates, ctx->anchors[RP_CARDCERT_HPKI],
	                               ctx->anchors[RP_CARDCERT_JPKI]};

	for (size_t s = 0; s < KAGURA_LEN(all); s++)
		for (int i = 0; i < sk_X509_num(all[s]); i++) {
			X509 *c = sk_X509_value(all[s], i);
			if (X509_cmp(c, ca) != 0 &&
			    X509_NAME_cmp(X509_get_subject_name(c), X509_get_subject_name(ca)) ==
			            0 &&
			    ASN1_TIME_compare(X509_get0_notBefore(c), X509_get0_notBefore(ca)) > 0)
				return true;
		}
	return false;
}

/* OpenSSL's verification error as ours. */
static rp_cardcert_err map_verify_error(int code)
{
	switch (code) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return RP_CARDCERT_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return RP_CARDCERT_NOT_YET_VALID;
	case X509_V_ERR_CERT_REVOKED:
		return RP_CARDCERT_REVOKED;
	case X509_V_ERR_UNABLE_TO_GET_CRL:
		return RP_CARDCERT_CRL_MISSING;
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
	case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
	case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
	case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
	case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
	case X509_V_ERR_DIFFERENT_CRL_SCOPE:
	case X509_V_ERR_CRL_PATH_VALIDATION_ERROR:
	case X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION:
		return RP_CARDCERT_CRL_INVALID;
	case X509_V_ERR_INVALID_PURPOSE:
	case X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE:
		return RP_CARDCERT_WRONG_KEY_USAGE;
	case X509_V_ERR_INVALID_CA:
	case X509_V_ERR_PATH_LENGTH_EXCEEDED:
	case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
	case X509_V_ERR_INVALID_EXTENSION:
	case X509_V_ERR_INVALID_NON_CA:
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
	case X509_V_ERR_PROXY_CERTIFICATES_NOT_ALLOWED:
		return RP_CARDCERT_CHAIN_INVALID;
	case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
	case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
	case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
		return RP_CARDCERT_MALFORMED;
	case X509_V_ERR_OUT_OF_MEM:
		return RP_CARDCERT_ERR_NOMEM;
	default: /* no issuer, self-signed not trusted, bad signature, too deep, ... */
		return RP_CARDCERT_UNTRUSTED;
	}
}

/* Sets the outcome; detail NULL keeps one already written, or says the status's message. */
static rp_cardcert_err finish(rp_cardcert_result *out, rp_cardcert_err status, int depth,
                              const char *detail)
{
	out->status = status;
	out->depth = depth;
	if (detail != NULL)
		snprintf(out->detail, sizeof(out->detail), "%s", detail);
	else if (out->detail[0] == '\0' && status != RP_CARDCERT_OK)
		snprintf(out->detail, sizeof(out->detail), "%s", rp_cardcert_strerr(status));
	return status;
}

rp_cardcert_err rp_cardcert_check(const rp_cardcert_ctx *ctx, const uint8_t *chain, size_t len,
                                  time_t now, rp_cardcert_result *out)
{
	STACK_OF(X509) *sent = NULL, *untrusted = NULL;
	X509_STORE_CTX *sctx = NULL;
	X509 *leaf;
	rp_cardcert_err st;
	int role, rc;
	bool has_id;

	if (out == NULL)
		return RP_CARDCERT_ERR_ARG;
	memset(out, 0, sizeof(*out));
	out->depth = -1;
	if (ctx == NULL || (chain == NULL && len > 0))
		return finish(out, RP_CARDCERT_ERR_ARG, -1, NULL);
	if (len == 0)
		return finish(out, RP_CARDCERT_NO_CERT, -1, NULL);
	if ((sent = sk_X509_new_null()) == NULL)
		return finish(out, RP_CARDCERT_ERR_NOMEM, -1, NULL);
	/* OpenSSL's error queue is left as it was: hostile input fills it. */
	ERR_set_mark();
	if ((st = chain_err(cm_x509_read_chain(chain, len, RP_CARDCERT_MAX_CERTS,
	                                       RP_CARDCERT_MAX_BYTES, sent, out->detail,
	                                       sizeof(out->detail)))) != RP_CARDCERT_OK)
		goto done;
	leaf = sk_X509_value(sent, 0);
	describe_leaf(leaf, out);
	role = rp_hpki_role(leaf, out->hc_role, RP_CARDCERT_ROLE_MAX);
	has_id = rp_hpki_honin_id(leaf, out->honin_id, RP_CARDCERT_ID_MAX);
	out->kind = claimed_kind(leaf, role);
	if (X509_check_ca(leaf) != 0) {
		st = finish(out, RP_CARDCERT_NOT_END_ENTITY, 0,
		            "a CA certificate (basicConstraints CA:TRUE, keyCertSign or a v1 "
		            "self-signed)");
		goto done;
	}

	/* Path material: what the client sent after its leaf, then the configured intermediates. */
	if ((untrusted = sk_X509_new_null()) == NULL || (sctx = X509_STORE_CTX_new()) == NULL) {
		st = finish(out, RP_CARDCERT_ERR_NOMEM, -1, NULL);
		goto done;
	}
	for (int i = 1; i < sk_X509_num(sent); i++)
		if (sk_X509_push(untrusted, sk_X509_value(sent, i)) <= 0)
			goto nomem;
	for (int i = 0; i < sk_X509_num(ctx->intermediates); i++)
		if (sk_X509_push(untrusted, sk_X509_value(ctx->intermediates, i)) <= 0)
			goto nomem;
	/* The store is only read (OpenSSL locks its lookups), so const holds for the caller. */
	if (X509_STORE_CTX_init(sctx, ctx->store, leaf, untrusted) != 1)
		goto nomem;
	X509_STORE_CTX_set0_crls(sctx, ctx->crls);
	X509_STORE_CTX_set_time(sctx, 0, now);
	X509_STORE_CTX_set_flags(sctx, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	X509_STORE_CTX_set_depth(sctx, RP_CARDCERT_MAX_CERTS);
	if (X509_STORE_CTX_set_purpose(sctx, X509_PURPOSE_SSL_CLIENT) != 1)
		goto nomem;
	rc = X509_verify_cert(sctx);
	{
		STACK_OF(X509) *path = X509_STORE_CTX_get0_chain(sctx);
		int n = path ? sk_X509_num(path) : 0;
		X509 *top = n > 0 ? sk_X509_value(path, n - 1) : NULL;

		for (int k = RP_CARDCERT_HPKI; top != NULL && k <= RP_CARDCERT_JPKI; k++)
			if (cm_x509_in(ctx->anchors[k], top)) {
				out->kind = (rp_cardcert_kind)k;
				out->kind_from_anchor = true;
			}
		/* Only a CA of the context has generations: a stranger's same-named CA has none. */
		if (n >= 2 && out->kind_from_anchor &&
		    (cm_x509_in(ctx->intermediates, sk_X509_value(path, 1)) ||
		     cm_x509_in(ctx->anchors[out->kind], sk_X509_value(path, 1))))
			out->issuer_old_generation = renewed_later(ctx, sk_X509_value(path, 1));
	}
	if (rc != 1) {
		int code = X509_STORE_CTX_get_error(sctx);
		st = finish(out, map_verify_error(code), X509_STORE_CTX_get_error_depth(sctx),
		            X509_verify_cert_error_string(code));
		goto done;
	}
	if (out->kind == RP_CARDCERT_HPKI && (!has_id || role != 1)) {
		st = finish(out, RP_CARDCERT_NO_IDENTITY, 0,
		            !has_id     ? "no single subject serialNumber of [0-9A-Za-z-]{1,64}"
		            : role == 0 ? "no hcRole in subjectDirectoryAttributes"
		                        : "hcRole attribute is malformed");
		goto done;
	}
	st = finish(out, RP_CARDCERT_OK, -1, "");
	goto done;
nomem:
	st = finish(out, RP_CARDCERT_ERR_NOMEM, -1, NULL);
done:
	finish(out, st, out->depth, NULL);
	if (out->kind != RP_CARDCERT_HPKI) {
		out->honin_id[0] = '\0';
		out->hc_role[0] = '\0';
	}
	X509_STORE_CTX_free(sctx);
	sk_X509_free(untrusted);
	sk_X509_pop_free(sent, X509_free);
	ERR_pop_to_mark();
	return st;
}
