#include "authenticator/pc/certview.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "authenticator/pc/outcome.h"
#include "common/x509.h"

/* What a card's file can hold: its certificate and its CAs'. */
#define VIEW_MAX_CERTS 8
#define VIEW_MAX_BYTES (64u * 1024u)
/* Steps the viewer walks up before it gives up on finding a root. */
#define VIEW_MAX_DEPTH 8

static const au_outcome_row views[] = {AU_CERTVIEW_TABLE(AU_OUTCOME_ROW)};
static const au_outcome_row unknown = {"AU_CERTVIEW_?", NULL, NULL, "unknown verdict"};

AU_OUTCOME_ACCESSOR(au_certview_name, au_certview_verdict, views, AU_CERTVIEW__COUNT, unknown, name)
AU_OUTCOME_ACCESSOR(au_certview_manual_entry, au_certview_verdict, views, AU_CERTVIEW__COUNT,
                    unknown, entry)
AU_OUTCOME_ACCESSOR(au_certview_reason, au_certview_verdict, views, AU_CERTVIEW__COUNT, unknown,
                    why)

const char *au_certview_text(au_certview_verdict v)
{
	const au_outcome_row *r = au_outcome_row_of(views, AU_CERTVIEW__COUNT, (int)v, &unknown);

	return r->text != NULL ? r->text : r->why;
}

static au_certview_verdict view_done(au_certview_result *out, au_certview_verdict v, int depth,
                                     const char *what, const X509_NAME *name)
{
	char text[512] = "";

	if (name != NULL)
		cm_x509_name_text(name, text, sizeof(text));
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

au_certview_verdict au_certview_check(const uint8_t *cert, size_t len, const char *installed_pem,
                                      size_t installed_len, time_t now, au_certview_result *out)
{
	STACK_OF(X509) *leafs = sk_X509_new_null(), *installed = sk_X509_new_null(), *path = NULL;
	au_certview_result ignored;
	au_certview_verdict v = AU_CERTVIEW_MALFORMED;
	X509 *cur;
	char why[256];

	if (out == NULL)
		out = &ignored;
	memset(out, 0, sizeof(*out));
	ERR_set_mark();
	if (leafs == NULL || installed == NULL || (path = sk_X509_new_null()) == NULL) {
		v = view_done(out, AU_CERTVIEW_MALFORMED, -1, "out of memory", NULL);
		goto out;
	}
	if (cert == NULL || len == 0 ||
	    cm_x509_read_chain(cert, len, VIEW_MAX_CERTS, VIEW_MAX_BYTES, leafs, why,
	                       sizeof(why)) != CM_X509_OK) {
		v = view_done(out, AU_CERTVIEW_MALFORMED, 0, "the file is not a certificate", NULL);
		goto out;
	}
	if (installed_pem != NULL && installed_len > 0 &&
	    cm_x509_read_pem(installed_pem, installed_len, installed, NULL, SIZE_MAX) !=
	            CM_X509_OK) {
		v = view_done(out, AU_CERTVIEW_MALFORMED, -1,
		              "the installed set is not PEM certificates", NULL);
		goto out;
	}
	cur = sk_X509_value(leafs, 0);
	for (int depth = 0;; depth++) {
		const X509_NAME *issuer = X509_get_issuer_name(cur);
		bool named = false;
		X509 *next = NULL;

		if (sk_X509_push(path, cur) <= 0) {
			v = view_done(out, AU_CERTVIEW_MALFORMED, -1, "out of memory", NULL);
			goto out;
		}
		if (X509_NAME_cmp(issuer, X509_get_subject_name(cur)) == 0 &&
		    signed_by(cur, X509_get0_pubkey(cur))) {
			if (cm_x509_in(installed, cur))
				break; /* an installed root */
			v = view_done(out, AU_CERTVIEW_UNTRUSTED_ROOT, depth,
			              "self-signed, not installed", X509_get_subject_name(cur));
			goto out;
		}
		if (depth == VIEW_MAX_DEPTH) {
			v = view_done(out, AU_CERTVIEW_ISSUER_MISSING, depth,
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
			        named ? AU_CERTVIEW_ISSUER_GENERATION : AU_CERTVIEW_ISSUER_MISSING,
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
			v = view_done(out, AU_CERTVIEW_EXPIRED, i, "outside its validity",
			              X509_get_subject_name(x));
			goto out;
		}
	}
	v = view_done(out, AU_CERTVIEW_OK, -1, "", NULL);
out:
	sk_X509_free(path);
	sk_X509_pop_free(leafs, X509_free);
	sk_X509_pop_free(installed, X509_free);
	ERR_pop_to_mark();
	return v;
}
