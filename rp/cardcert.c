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

#include "rp/readfile.h"

/* A trust file larger than this is not a trust file (a big CA's CRL is a few MB). */
#define TRUST_FILE_MAX (16u * 1024u * 1024u)
/* Steps the viewer walks up before it gives up on finding a root. */
#define VIEW_MAX_DEPTH 8

/* DER of id-hcpki-at-healthcareactor 1.0.17090.0.1 and id-jhpki-cdata 1.2.392.100495.1.6.1.1. */
static const uint8_t oid_hcrole[] = {0x28, 0x81, 0x85, 0x42, 0x00, 0x01};
static const uint8_t oid_jhpki_cdata[] = {0x2a, 0x83, 0x08, 0x86, 0x91,
                                          0x0f, 0x01, 0x06, 0x01, 0x01};

static const char *const err_text[] = {
#define RP_CARDCERT_ERROR_TEXT(name, msg) msg,
        RP_CARDCERT_ERROR_TABLE(RP_CARDCERT_ERROR_TEXT)
#undef RP_CARDCERT_ERROR_TEXT
};
static const char *const err_name[] = {
#define RP_CARDCERT_ERROR_NAME(name, msg) #name,
        RP_CARDCERT_ERROR_TABLE(RP_CARDCERT_ERROR_NAME)
#undef RP_CARDCERT_ERROR_NAME
};

const char *rp_cardcert_strerr(rp_cardcert_err err)
{
	return (unsigned)err < RP_CARDCERT__COUNT ? err_text[err]
	                                          : "unknown card certificate error";
}

const char *rp_cardcert_errname(rp_cardcert_err err)
{
	return (unsigned)err < RP_CARDCERT__COUNT ? err_name[err] : "RP_CARDCERT_?";
}

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

/* ---- PEM ---- */

/*
 * Every PEM block of text into certs (CERTIFICATE blocks) or crls (X509 CRL blocks): a block of
 * another type, an encrypted one, a corrupt one or DER with bytes left over fails the whole
 * text. At most max blocks are read (*too_many set when there are more). Text outside the
 * blocks is ignored, as openssl does.
 */
static rp_cardcert_err read_pem(const char *pem, size_t len, STACK_OF(X509) * certs,
                                STACK_OF(X509_CRL) * crls, size_t max, bool *too_many)
{
	BIO *bio;
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long dlen = 0;
	size_t n = 0;
	rp_cardcert_err err = RP_CARDCERT_OK;

	*too_many = false;
	if (len > INT_MAX)
		return RP_CARDCERT_ERR_PEM;
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return RP_CARDCERT_ERR_NOMEM;
	ERR_set_mark();
	for (;;) {
		const unsigned char *p;
		bool ok = false;

		if (PEM_read_bio(bio, &name, &header, &data, &dlen) != 1) {
			unsigned long e = ERR_peek_last_error();
			if (ERR_GET_LIB(e) != ERR_LIB_PEM ||
			    ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
				err = RP_CARDCERT_ERR_PEM;
			break;
		}
		if (n == max) {
			*too_many = true;
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
			err = RP_CARDCERT_ERR_PEM;
			break;
		}
		n++;
	}
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	ERR_pop_to_mark();
	BIO_free(bio);
	if (err == RP_CARDCERT_OK && n == 0 && !*too_many)
		err = RP_CARDCERT_ERR_PEM;
	return err;
}

/* Certificates of a trust file: each must be a CA certificate. All or nothing. */
static rp_cardcert_err add_cas(STACK_OF(X509) * to, X509_STORE *store, const char *pem, size_t len)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	rp_cardcert_err err;
	bool too_many;

	if (certs == NULL)
		return RP_CARDCERT_ERR_NOMEM;
	err = read_pem(pem, len, certs, NULL, SIZE_MAX, &too_many);
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
	bool too_many;

	if (ctx == NULL || pem == NULL)
		return RP_CARDCERT_ERR_ARG;
	if ((crls = sk_X509_CRL_new_null()) == NULL)
		return RP_CARDCERT_ERR_NOMEM;
	err = read_pem(pem, len, NULL, crls, SIZE_MAX, &too_many);
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

/* ---- what the client sent ---- */

/* Concatenated DER or PEM text into certificates, leaf first; len > 0. */
static rp_cardcert_err parse_chain(const uint8_t *buf, size_t len, STACK_OF(X509) * out,
                                   char *detail, size_t dsize)
{
	size_t i = 0;

	if (len > RP_CARDCERT_MAX_BYTES) {
		snprintf(detail, dsize, "%zu bytes, more than %u", len, RP_CARDCERT_MAX_BYTES);
		return RP_CARDCERT_TOO_LONG;
	}
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (len - i >= 5 && memcmp(buf + i, "-----", 5) == 0) {
		bool too_many;
		rp_cardcert_err err = read_pem((const char *)buf, len, out, NULL,
		                               RP_CARDCERT_MAX_CERTS, &too_many);
		if (err == RP_CARDCERT_ERR_NOMEM)
			return err;
		if (too_many) {
			snprintf(detail, dsize, "more than %d certificates", RP_CARDCERT_MAX_CERTS);
			return RP_CARDCERT_TOO_LONG;
		}
		if (err != RP_CARDCERT_OK) {
			snprintf(detail, dsize, "PEM text with a block that is not a certificate");
			return RP_CARDCERT_MALFORMED;
		}
		return RP_CARDCERT_OK;
	}
	for (const uint8_t *p = buf, *end = buf + len; p < end;) {
		X509 *x;
		if (sk_X509_num(out) == RP_CARDCERT_MAX_CERTS) {
			snprintf(detail, dsize, "more than %d certificates", RP_CARDCERT_MAX_CERTS);
			return RP_CARDCERT_TOO_LONG;
		}
		ERR_set_mark();
		x = d2i_X509(NULL, &p, (long)(end - p));
		ERR_pop_to_mark();
		if (x == NULL) {
			snprintf(detail, dsize, "certificate %d: not DER X.509", sk_X509_num(out));
			return RP_CARDCERT_MALFORMED;
		}
		if (sk_X509_push(out, x) <= 0) {
			X509_free(x);
			return RP_CARDCERT_ERR_NOMEM;
		}
	}
	return RP_CARDCERT_OK;
}

/* ---- a small strict DER reader for the hcRole attribute (hostile input: bounds first) ---- */

typedef struct der {
	const uint8_t *p, *end;
} der;

/* The next TLV of d (single-byte tags, definite lengths); false when malformed. */
static bool der_next(der *d, uint8_t *tag, der *value)
{
	size_t left = (size_t)(d->end - d->p), len = 0, hdr = 2;

	if (left < 2 || (d->p[0] & 0x1f) == 0x1f)
		return false;
	*tag = d->p[0];
	if (d->p[1] < 0x80) {
		len = d->p[1];
	} else {
		size_t n = d->p[1] & 0x7f;
		if (n == 0 || n > 3 || left < 2 + n)
			return false;
		for (size_t i = 0; i < n; i++)
			len = (len << 8) | d->p[2 + i];
		hdr += n;
	}
	if (len > left - hdr)
		return false;
	value->p = d->p + hdr;
	value->end = value->p + len;
	d->p = value->end;
	return true;
}

static bool der_is(const der *d, const uint8_t *bytes, size_t len)
{
	return (size_t)(d->end - d->p) == len && memcmp(d->p, bytes, len) == 0;
}

/* Strict UTF-8 without control characters, 1..max bytes, into out (NUL-terminated). */
static bool text_copy(const der *v, char *out, size_t max)
{
	size_t len = (size_t)(v->end - v->p);

	if (len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len;) {
		uint8_t c = v->p[i];
		size_t n = c < 0x80             ? 1
		           : (c & 0xe0) == 0xc0 ? 2
		           : (c & 0xf0) == 0xe0 ? 3
		           : (c & 0xf8) == 0xf0 ? 4
		                                : 0;
		uint32_t cp;
		if (n == 0 || i + n > len || c < 0x20 || c == 0x7f)
			return false;
		cp = n == 1 ? c : (uint32_t)(c & (0x7f >> n));
		for (size_t k = 1; k < n; k++) {
			if ((v->p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (v->p[i + k] & 0x3f);
		}
		/* overlong forms, surrogates and values past U+10FFFF */
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		i += n;
	}
	memcpy(out, v->p, len);
	out[len] = '\0';
	return true;
}

/* CodedData ::= SET { [0] OID, [1] NumericString OPTIONAL, [2] DirectoryString }: the text
 * when the scheme is id-jhpki-cdata; 0 not ours, 1 found, -1 malformed. */
static int coded_data(der coded, char *role, size_t max)
{
	der item, inner, text = {NULL, NULL};
	uint8_t tag, itag;
	bool ours = false;

	while (coded.p < coded.end) {
		if (!der_next(&coded, &tag, &item) || !der_next(&item, &itag, &inner) ||
		    item.p != item.end)
			return -1;
		if (tag == 0xa0) {
			if (itag != 0x06)
				return -1;
			ours = der_is(&inner, oid_jhpki_cdata, sizeof(oid_jhpki_cdata));
		} else if (tag == 0xa2) {
			if (itag != 0x0c && itag != 0x13) /* UTF8String, PrintableString */
				return -1;
			text = inner;
		} else if (tag != 0xa1) {
			return -1;
		}
	}
	if (!ours)
		return 0;
	return text.p != NULL && text_copy(&text, role, max) ? 1 : -1;
}

/*
 * The hcRole of subjectDirectoryAttributes (extension value, DER): the first HCActor coded in
 * the Japanese scheme. 1 found, 0 no hcRole attribute, -1 malformed.
 */
static int hc_role_parse(const uint8_t *ext, size_t len, char *role, size_t max)
{
	der top = {ext, ext + len}, seq, attr, oid, values, actor_data, actor, wrapped, coded;
	uint8_t tag;
	bool seen = false;

	if (!der_next(&top, &tag, &seq) || tag != 0x30 || top.p != top.end)
		return -1;
	while (seq.p < seq.end) {
		if (!der_next(&seq, &tag, &attr) || tag != 0x30 || !der_next(&attr, &tag, &oid) ||
		    tag != 0x06)
			return -1;
		if (!der_is(&oid, oid_hcrole, sizeof(oid_hcrole)))
			continue;
		seen = true;
		if (!der_next(&attr, &tag, &values) || tag != 0x31 || attr.p != attr.end)
			return -1;
		while (values.p < values.end) {
			if (!der_next(&values, &tag, &actor_data) || tag != 0x31)
				return -1;
			while (actor_data.p < actor_data.end) {
				int r;
				if (!der_next(&actor_data, &tag, &actor) || tag != 0x30)
					return -1;
				if (actor.p == actor.end || actor.p[0] != 0xa0)
					continue; /* regional data only */
				if (!der_next(&actor, &tag, &wrapped) ||
				    !der_next(&wrapped, &tag, &coded) || tag != 0x31 ||
				    wrapped.p != wrapped.end)
					return -1;
				if ((r = coded_data(coded, role, max)) != 0)
					return r;
			}
		}
	}
	return seen ? -1 : 0;
}

/* 1 hcRole read into role, 0 no subjectDirectoryAttributes / hcRole, -1 malformed. */
static int leaf_hc_role(X509 *leaf, char *role, size_t max)
{
	int idx = X509_get_ext_by_NID(leaf, NID_subject_directory_attributes, -1);
	const ASN1_OCTET_STRING *v;

	role[0] = '\0';
	if (idx < 0)
		return 0;
	if (X509_get_ext_by_NID(leaf, NID_subject_directory_attributes, idx) >= 0)
		return -1; /* twice */
	v = X509_EXTENSION_get_data(X509_get_ext(leaf, idx));
	return hc_role_parse(ASN1_STRING_get0_data(v), (size_t)ASN1_STRING_length(v), role, max);
}

/* The subject's only serialNumber, [0-9A-Za-z-]{1,64}: the 本人ID. */
static bool leaf_honin_id(X509 *leaf, char *out, size_t max)
{
	const X509_NAME *name = X509_get_subject_name(leaf);
	int idx = X509_NAME_get_index_by_NID(name, NID_serialNumber, -1);
	const ASN1_STRING *s;
	const unsigned char *p;
	int len;

	out[0] = '\0';
	if (idx < 0 || X509_NAME_get_index_by_NID(name, NID_serialNumber, idx) >= 0)
		return false;
	s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
	p = ASN1_STRING_get0_data(s);
	len = ASN1_STRING_length(s);
	if ((ASN1_STRING_type(s) != V_ASN1_PRINTABLESTRING &&
	     ASN1_STRING_type(s) != V_ASN1_UTF8STRING) ||
	    len < 1 || (size_t)len > max)
		return false;
	for (int i = 0; i < len; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'A' && p[i] <= 'Z') ||
		      (p[i] >= 'a' && p[i] <= 'z') || p[i] == '-'))
			return false;
	memcpy(out, p, (size_t)len);
	out[len] = '\0';
	return true;
}

/* The name in RFC 2253 form, UTF-8 kept, truncated to the buffer. */
static void name_text(const X509_NAME *name, char *out, size_t size)
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

	name_text(X509_get_subject_name(leaf), out->subject, sizeof(out->subject));
	name_text(X509_get_issuer_name(leaf), out->issuer, sizeof(out->issuer));
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

static bool in_stack(STACK_OF(X509) * sk, X509 *x)
{
	for (int i = 0; i < sk_X509_num(sk); i++)
		if (X509_cmp(sk_X509_value(sk, i), x) == 0)
			return true;
	return false;
}

/* A later CA certificate of the same name than ca among the context's anchors and intermediates. */
static bool renewed_later(const rp_cardcert_ctx *ctx, X509 *ca)
{
	STACK_OF(X509) *const all[] = {ctx->intermediates, ctx->anchors[RP_CARDCERT_HPKI],
	                               ctx->anchors[RP_CARDCERT_JPKI]};

	for (size_t s = 0; s < sizeof(all) / sizeof(all[0]); s++)
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
	if ((st = parse_chain(chain, len, sent, out->detail, sizeof(out->detail))) !=
	    RP_CARDCERT_OK)
		goto done;
	leaf = sk_X509_value(sent, 0);
	describe_leaf(leaf, out);
	role = leaf_hc_role(leaf, out->hc_role, RP_CARDCERT_ROLE_MAX);
	has_id = leaf_honin_id(leaf, out->honin_id, RP_CARDCERT_ID_MAX);
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
			if (in_stack(ctx->anchors[k], top)) {
				out->kind = (rp_cardcert_kind)k;
				out->kind_from_anchor = true;
			}
		/* Only a CA of the context has generations: a stranger's same-named CA has none. */
		if (n >= 2 && out->kind_from_anchor &&
		    (in_stack(ctx->intermediates, sk_X509_value(path, 1)) ||
		     in_stack(ctx->anchors[out->kind], sk_X509_value(path, 1))))
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

/* ---- the PC's certificate viewer ---- */

static const struct {
	const char *name, *entry, *text, *why;
} views[] = {
#define RP_CERTVIEW_ROW(name, entry, text, why) {#name, entry, text, why},
        RP_CERTVIEW_TABLE(RP_CERTVIEW_ROW)
#undef RP_CERTVIEW_ROW
};

const char *rp_certview_name(rp_certview_verdict v)
{
	return (unsigned)v < RP_CERTVIEW__COUNT ? views[v].name : "RP_CERTVIEW_?";
}

const char *rp_certview_manual_entry(rp_certview_verdict v)
{
	return (unsigned)v < RP_CERTVIEW__COUNT ? views[v].entry : NULL;
}

const char *rp_certview_reason(rp_certview_verdict v)
{
	return (unsigned)v < RP_CERTVIEW__COUNT ? views[v].why : "unknown verdict";
}

const char *rp_certview_text(rp_certview_verdict v)
{
	if ((unsigned)v < RP_CERTVIEW__COUNT && views[v].text != NULL)
		return views[v].text;
	return rp_certview_reason(v);
}

static rp_certview_verdict view_done(rp_certview_result *out, rp_certview_verdict v, int depth,
                                     const char *what, const X509_NAME *name)
{
	char text[RP_CARDCERT_NAME_MAX + 1] = "";

	if (name != NULL)
		name_text(name, text, sizeof(text));
	out->verdict = v;
	out->depth = depth;
	snprintf(out->detail, sizeof(out->detail), "%.120s%s%.120s", what, text[0] ? ": " : "",
	         text);
	return v;
}

/* Signed by key: X509_verify without leaving errors behind. */
static bool signed_by(X509 *x, EVP_PKEY *key)
{
	int r;

	if (key == NULL)
		return false;
	ERR_set_mark();
	r = X509_verify(x, key);
	ERR_pop_to_mark();
	return r == 1;
}

rp_certview_verdict rp_certview_check(const uint8_t *cert, size_t len, const char *installed_pem,
                                      size_t installed_len, time_t now, rp_certview_result *out)
{
	STACK_OF(X509) *leafs = sk_X509_new_null(), *installed = sk_X509_new_null(), *path = NULL;
	rp_certview_result ignored;
	rp_certview_verdict v = RP_CERTVIEW_MALFORMED;
	X509 *cur;
	char why[256];
	bool too_many;

	if (out == NULL)
		out = &ignored;
	memset(out, 0, sizeof(*out));
	ERR_set_mark();
	if (leafs == NULL || installed == NULL || (path = sk_X509_new_null()) == NULL) {
		v = view_done(out, RP_CERTVIEW_MALFORMED, -1, "out of memory", NULL);
		goto out;
	}
	if (cert == NULL || len == 0 ||
	    parse_chain(cert, len, leafs, why, sizeof(why)) != RP_CARDCERT_OK) {
		v = view_done(out, RP_CERTVIEW_MALFORMED, 0, "the file is not a certificate", NULL);
		goto out;
	}
	if (installed_pem != NULL && installed_len > 0 &&
	    read_pem(installed_pem, installed_len, installed, NULL, SIZE_MAX, &too_many) !=
	            RP_CARDCERT_OK) {
		v = view_done(out, RP_CERTVIEW_MALFORMED, -1,
		              "the installed set is not PEM certificates", NULL);
		goto out;
	}
	cur = sk_X509_value(leafs, 0);
	for (int depth = 0;; depth++) {
		const X509_NAME *issuer = X509_get_issuer_name(cur);
		bool named = false;
		X509 *next = NULL;

		if (sk_X509_push(path, cur) <= 0) {
			v = view_done(out, RP_CERTVIEW_MALFORMED, -1, "out of memory", NULL);
			goto out;
		}
		if (X509_NAME_cmp(issuer, X509_get_subject_name(cur)) == 0 &&
		    signed_by(cur, X509_get0_pubkey(cur))) {
			if (in_stack(installed, cur))
				break; /* an installed root */
			v = view_done(out, RP_CERTVIEW_UNTRUSTED_ROOT, depth,
			              "self-signed, not installed", X509_get_subject_name(cur));
			goto out;
		}
		if (depth == VIEW_MAX_DEPTH) {
			v = view_done(out, RP_CERTVIEW_ISSUER_MISSING, depth,
			              "no root within 8 steps", NULL);
			goto out;
		}
		for (int i = 0; next == NULL && i < sk_X509_num(installed); i++) {
			X509 *c = sk_X509_value(installed, i);
			if (X509_NAME_cmp(X509_get_subject_name(c), issuer) != 0)
				continue;
			named = true;
			if (signed_by(cur, X509_get0_pubkey(c)))
				next = c;
		}
		if (next == NULL) {
			v = view_done(
			        out,
			        named ? RP_CERTVIEW_ISSUER_GENERATION : RP_CERTVIEW_ISSUER_MISSING,
			        depth,
			        named ? "the installed issuer's key does not verify the signature"
			              : "issuer not installed",
			        issuer);
			goto out;
		}
		cur = next;
	}
	for (int i = 0; i < sk_X509_num(path); i++) {
		X509 *x = sk_X509_value(path, i);
		time_t t = now;
		if (X509_cmp_time(X509_get0_notBefore(x), &t) >= 0 ||
		    X509_cmp_time(X509_get0_notAfter(x), &t) <= 0) {
			v = view_done(out, RP_CERTVIEW_EXPIRED, i, "outside its validity",
			              X509_get_subject_name(x));
			goto out;
		}
	}
	v = view_done(out, RP_CERTVIEW_OK, -1, "", NULL);
out:
	sk_X509_free(path);
	sk_X509_pop_free(leafs, X509_free);
	sk_X509_pop_free(installed, X509_free);
	ERR_pop_to_mark();
	return v;
}
