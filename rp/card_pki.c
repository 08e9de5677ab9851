#include "rp/card_pki.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static bool pki_path(const json_t *obj, const char *key, const char *dir, char *out, size_t size)
{
	const char *rel = json_string_value(json_object_get(obj, key));

	return rel != NULL && (size_t)snprintf(out, size, "%s/%s", dir, rel) < size;
}

bool rp_card_pki_load(const char *dir, rp_cardcert_ctx **ctx, rp_card_pki_files *files, char *why,
                      size_t why_size)
{
	char index[4200];
	json_error_t jerr;
	json_t *root;
	const json_t *trust, *tls;
	rp_card_pki_files f;
	rp_cardcert_ctx *c = NULL;
	rp_cardcert_err e;
	const char *bad = NULL;

	*ctx = NULL;
	memset(&f, 0, sizeof(f));
	snprintf(index, sizeof(index), "%s/index.json", dir);
	if ((root = json_load_file(index, 0, &jerr)) == NULL) {
		snprintf(why, why_size, "%s: %s", index, jerr.text);
		return false;
	}
	trust = json_object_get(root, "trust");
	tls = json_object_get(root, "tls");
	if (!pki_path(trust, "hpki_anchors", dir, f.hpki_anchors, sizeof(f.hpki_anchors)) ||
	    !pki_path(trust, "jpki_anchors", dir, f.jpki_anchors, sizeof(f.jpki_anchors)) ||
	    !pki_path(trust, "intermediates", dir, f.intermediates, sizeof(f.intermediates)) ||
	    !pki_path(trust, "crls", dir, f.crls, sizeof(f.crls)) ||
	    !pki_path(trust, "client_ca", dir, f.client_ca, sizeof(f.client_ca)) ||
	    !pki_path(tls, "cert", dir, f.tls_cert, sizeof(f.tls_cert)) ||
	    !pki_path(tls, "key", dir, f.tls_key, sizeof(f.tls_key)) ||
	    !pki_path(tls, "ca", dir, f.tls_ca, sizeof(f.tls_ca))) {
		snprintf(why, why_size, "%s: \"trust\" or \"tls\" lacks a file path", index);
		json_decref(root);
		return false;
	}
	json_decref(root);
	if ((e = rp_cardcert_ctx_new(&c)) != RP_CARDCERT_OK)
		bad = "trust context";
	else if ((e = rp_cardcert_ctx_add_anchors(c, RP_CARDCERT_HPKI, f.hpki_anchors)) !=
	         RP_CARDCERT_OK)
		bad = f.hpki_anchors;
	else if ((e = rp_cardcert_ctx_add_anchors(c, RP_CARDCERT_JPKI, f.jpki_anchors)) !=
	         RP_CARDCERT_OK)
		bad = f.jpki_anchors;
	else if ((e = rp_cardcert_ctx_add_intermediates(c, f.intermediates)) != RP_CARDCERT_OK)
		bad = f.intermediates;
	else if ((e = rp_cardcert_ctx_add_crls(c, f.crls)) != RP_CARDCERT_OK)
		bad = f.crls;
	if (bad != NULL) {
		snprintf(why, why_size, "%s: %s", bad, rp_cardcert_strerr(e));
		rp_cardcert_ctx_free(c);
		return false;
	}
	*ctx = c;
	if (files != NULL)
		*files = f;
	return true;
}
