/*
 * The run's IC cards: copies of the test PKI's cards issued for this run by their CAs (the
 * run's 本人IDs, fresh serials), and reissued cards.
 */
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#include "scenarios/keyring.h"
#include "scenarios/world_impl.h"

/* A reissued card: valid from a day ago for four years, as a CA hands one out. */
#define REISSUE_BACKDATE_SECONDS (-86400L)
#define REISSUE_LIFETIME_SECONDS (4L * 365 * 86400)
#define REISSUE_KEY_BITS         2048 /* a card key as the PKI issues them */

/* The index entry's field of a card, copied to out; false none. */
static bool index_field(sc_world *w, const char *card, const char *field, char *out, size_t size)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(sc_keyring_pki_index(w->cfg.keys), "cards"), i, c)
	{
		const char *n = json_string_value(json_object_get(c, "name"));
		const char *v = json_string_value(json_object_get(c, field));
		if (n != NULL && strcmp(n, card) == 0 && v != NULL) {
			snprintf(out, size, "%s", v);
			return true;
		}
	}
	return false;
}

/* How a card's certificate is issued again by its CA (with the CA's key from the test PKI). */
typedef struct issue_spec {
	const char *issuer;       /* the CA's name in the PKI */
	const X509_NAME *subject; /* NULL: the old certificate's */
	bool new_key;             /* a new key pair (a reissued card); else the old card's key */
	bool keep_serial;         /* the old serial: a CRL that lists it lists the copy too */
	bool keep_validity;       /* the old notBefore/notAfter; else valid from yesterday */
} issue_spec;

/* A random positive 16-byte serial, not on any CRL. */
static bool random_serial(X509 *n)
{
	unsigned char serial[16];
	BIGNUM *bn;
	bool ok;

	if (RAND_bytes(serial, sizeof(serial)) != 1)
		return false;
	serial[0] = (unsigned char)((serial[0] & 0x3f) | 0x40);
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	ok = bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(n)) != NULL;
	BN_free(bn);
	return ok;
}

/* The old certificate's extensions; with a new key, new key identifiers. */
static bool copy_extensions(X509 *n, X509 *leaf, X509 *ca, bool new_key)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ski, *aki;
	bool added;

	for (int i = 0; i < X509_get_ext_count(leaf); i++) {
		X509_EXTENSION *e = X509_get_ext(leaf, i);
		int nid = OBJ_obj2nid(X509_EXTENSION_get_object(e));
		if (new_key &&
		    (nid == NID_subject_key_identifier || nid == NID_authority_key_identifier))
			continue;
		if (!X509_add_ext(n, e, -1))
			return false;
	}
	if (!new_key)
		return true;
	X509V3_set_ctx(&ctx, ca, n, NULL, NULL, 0);
	ski = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_key_identifier, "hash");
	aki = X509V3_EXT_conf_nid(NULL, &ctx, NID_authority_key_identifier, "keyid:always");
	added = ski && aki && X509_add_ext(n, ski, -1) && X509_add_ext(n, aki, -1);
	X509_EXTENSION_free(ski);
	X509_EXTENSION_free(aki);
	return added;
}

/* The new certificate with the old card's chain after it, and the key, as a card holds them. */
static au_card *card_of(const au_card *old, const char *name, X509 *n, EVP_PKEY *key)
{
	au_card *card = NULL;

	if (au_card_from_objects(name, au_card_kind_of(old), n, au_card_chain(old), key, &card) !=
	    AU_CARD_OK)
		return NULL;
	return card;
}

/* A key for a reissued card (owned): the PKI's next spare key this world has not used and the
 * old card does not hold, else a fresh one (generating an RSA key costs far more than a run). */
static EVP_PKEY *reissue_key(sc_world *w, const EVP_PKEY *old_key)
{
	EVP_PKEY *key;

	while ((key = sc_keyring_spare(w->cfg.keys, w->reissue_keys_used)) != NULL) {
		w->reissue_keys_used++;
		if (old_key == NULL || EVP_PKEY_eq(key, old_key) != 1) {
			EVP_PKEY_up_ref(key);
			return key;
		}
	}
	return EVP_RSA_gen(REISSUE_KEY_BITS);
}

/* The old card's certificate issued again as spec says; NULL with out filled. */
static au_card *issue(sc_world *w, const au_card *old, const char *name, const issue_spec *spec,
                      sc_outcome *out)
{
	X509 *ca = NULL, *leaf = au_card_cert(old), *n = X509_new();
	EVP_PKEY *ca_key = NULL, *key = NULL; /* ca, ca_key: the keyring's */
	au_card *card = NULL;
	bool ok;

	sc_keyring_ca(w->cfg.keys, spec->issuer, &ca, &ca_key);
	if (spec->new_key)
		key = reissue_key(w, au_card_key(old));
	else if ((key = au_card_key(old)) != NULL)
		EVP_PKEY_up_ref(key);
	ok = leaf != NULL && ca != NULL && ca_key != NULL && key != NULL && n != NULL &&
	     X509_set_version(n, 2) &&
	     (spec->keep_serial ? X509_set_serialNumber(n, X509_get_serialNumber(leaf)) == 1
	                        : random_serial(n)) &&
	     X509_set_issuer_name(n, X509_get_subject_name(ca)) &&
	     X509_set_subject_name(n, spec->subject ? spec->subject : X509_get_subject_name(leaf));
	if (ok && spec->keep_validity)
		ok = X509_set1_notBefore(n, X509_get0_notBefore(leaf)) &&
		     X509_set1_notAfter(n, X509_get0_notAfter(leaf));
	else if (ok)
		ok = X509_gmtime_adj(X509_getm_notBefore(n), REISSUE_BACKDATE_SECONDS) != NULL &&
		     X509_gmtime_adj(X509_getm_notAfter(n), REISSUE_LIFETIME_SECONDS) != NULL;
	ok = ok && X509_set_pubkey(n, key) && copy_extensions(n, leaf, ca, spec->new_key) &&
	     X509_sign(n, ca_key, EVP_sha256()) > 0 && (card = card_of(old, name, n, key)) != NULL;
	if (!ok)
		sc_result(out, SC_ERROR, "card %s could not be issued by %s", name, spec->issuer);
	X509_free(n);
	EVP_PKEY_free(key);
	return card;
}

/*
 * This run's own copy of a PKI card: the same CA, key, validity and extensions, but the
 * holder's 本人ID is this run's (so runs on one platform never share a user) and the serial
 * is new — except on a revoked card, whose serial its CA's CRL lists.
 */
static au_card *run_copy(sc_world *w, const au_card *base, const char *name, sc_outcome *out)
{
	char issuer[64], variant[64] = "", pki_id[32] = "";
	issue_spec spec = {.issuer = issuer, .keep_validity = true};
	X509_NAME *subject = NULL;
	const char *run;
	au_card *card;
	int at;

	if (!index_field(w, name, "issuer", issuer, sizeof(issuer))) {
		sc_result(out, SC_ERROR, "card %s: no issuer in the PKI index", name);
		return NULL;
	}
	index_field(w, name, "variant", variant, sizeof(variant));
	spec.keep_serial = strncmp(variant, "revoked", 7) == 0;
	/* An HPKI card names its holder's 本人ID in the subject's serialNumber. */
	if (index_field(w, name, "honin_id", pki_id, sizeof(pki_id)) &&
	    (run = sc_world_run_id(w, pki_id)) != NULL &&
	    (subject = X509_NAME_dup(X509_get_subject_name(au_card_cert(base)))) != NULL &&
	    (at = X509_NAME_get_index_by_NID(subject, NID_serialNumber, -1)) >= 0) {
		X509_NAME_ENTRY *old = X509_NAME_delete_entry(subject, at);
		int type = X509_NAME_ENTRY_set(old) >= 0
		                   ? ASN1_STRING_type(X509_NAME_ENTRY_get_data(old))
		                   : MBSTRING_ASC;
		X509_NAME_ENTRY_free(old);
		if (!X509_NAME_add_entry_by_NID(subject, NID_serialNumber,
		                                type == V_ASN1_UTF8STRING ? MBSTRING_UTF8
		                                                          : MBSTRING_ASC,
		                                (const unsigned char *)run, -1, at, 0)) {
			X509_NAME_free(subject);
			sc_result(out, SC_ERROR, "card %s: the run's 本人ID cannot be set", name);
			return NULL;
		}
	}
	spec.subject = subject;
	card = issue(w, base, name, &spec, out);
	X509_NAME_free(subject);
	return card;
}

/* The card called name: this run's copy of the PKI index's card (made once per world);
 * "plain" a card that is no PKI card at all. NULL with out filled when there is none. */
const au_card *world_card(sc_world *w, const char *name, sc_outcome *out)
{
	const au_card *base;
	au_card *c = NULL;
	au_card_err e;

	for (size_t i = 0; name && i < w->n_cards; i++)
		if (strcmp(au_card_name(w->cards[i]), name) == 0)
			return w->cards[i];
	if (name == NULL || w->n_cards == MAX_CARDS) {
		sc_result(out, SC_ERROR, "a card name of the PKI index (at most %d cards)",
		          MAX_CARDS);
		return NULL;
	}
	if (w->cfg.pki_dir == NULL) {
		sc_result(out, SC_ERROR, "no card PKI (build/fixtures/pki) for this run");
		return NULL;
	}
	if (strcmp(name, "plain") == 0) {
		if ((e = au_card_plain(name, &c)) != AU_CARD_OK) {
			sc_result(out, SC_ERROR, "card %s: %s", name, au_card_strerr(e));
			return NULL;
		}
	} else if ((base = sc_keyring_card(w->cfg.keys, name)) == NULL) {
		sc_result(out, SC_ERROR, "card %s: %s", name, au_card_strerr(AU_CARD_ERR_INDEX));
		return NULL;
	} else if ((c = run_copy(w, base, name, out)) == NULL) {
		return NULL;
	}
	w->cards[w->n_cards++] = c;
	return c;
}

/* SHA-256 of the card's certificate, lower-case hex. */
bool world_card_fingerprint(const au_card *c, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (au_card_cert(c) == NULL || X509_digest(au_card_cert(c), EVP_sha256(), md, &n) != 1)
		return false;
	for (unsigned i = 0; i < n && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return true;
}

/* The 本人ID a card stands for in this run: an HPKI card's own, a My Number card's holder's
 * (the run's copies carry the run's 本人IDs in place of the PKI's). */
const char *world_card_user_id(sc_world *w, const char *name)
{
	char pki_id[32];

	if (!index_field(w, name, "honin_id", pki_id, sizeof(pki_id)) &&
	    !index_field(w, name, "holder", pki_id, sizeof(pki_id)))
		return NULL;
	return sc_world_run_id(w, pki_id);
}

/*
 * A new certificate for the same holder (same subject, so the same 本人ID), issued by the
 * old card's CA: a new key pair, a new serial (not on any CRL), valid from yesterday. What a
 * CA (or the municipality) hands out when a card is reissued.
 */
au_card *world_card_reissue(sc_world *w, const au_card *old, const char *old_name, const char *name,
                            sc_outcome *out)
{
	char issuer[64];
	issue_spec spec = {.issuer = issuer, .new_key = true};

	if (au_card_cert(old) == NULL ||
	    !index_field(w, old_name, "issuer", issuer, sizeof(issuer))) {
		sc_result(out, SC_ERROR, "card %s: no issuer in the PKI index", old_name);
		return NULL;
	}
	return issue(w, old, name, &spec, out);
}
