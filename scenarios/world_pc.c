/*
 * The PC side of the vocabulary: card.* (the test PKI's cards, the reader, the CA's records of
 * them), pc.* card logins over real mutual TLS to the platform, net.proxy (loopback proxies on
 * the PC's path), jpki.* (the JPKI client and its browser extension), pc.install-ca and
 * pc.viewer (the certificate viewer). Each PC here is a PC browser of the world (pc.new) with
 * its reader, browser make, proxy, JPKI client and installed CA certificates.
 */
#include "scenarios/world_pc.h"

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authenticator/card.h"
#include "authenticator/cardtls.h"
#include "authenticator/jpki.h"
#include "authenticator/pcbrowser.h"
#include "authenticator/pccerts.h"
#include "authenticator/proxy.h"

#ifndef KAGURA_PC_FIXTURES_DIR
#define KAGURA_PC_FIXTURES_DIR "fixtures"
#endif

#define MAX_PCS         8
#define MAX_CARDS       16
#define MAX_LINKS       8 /* My Number card links a world makes */
#define FINGERPRINT_HEX 65
/* A reissued card: valid from a day ago for four years, as a CA hands one out. */
#define REISSUE_BACKDATE_SECONDS (-86400L)
#define REISSUE_LIFETIME_SECONDS (4L * 365 * 86400)

typedef struct pc_side {
	char sym[32];
	au_reader reader;
	au_jpki_pc jpki;
	au_pc_certs certs;
	char browser[16]; /* chrome | edge */
	au_proxy *proxy;
	bool proxy_credentials;
	int front; /* card logins through the platform's front: -1 direct, else rp_front_mode */
	unsigned idle_clicks; /* 「マイナンバーカードを登録」 clicks that did nothing */
	const au_page *page_at_click;
} pc_side;

struct sc_pcx {
	sc_world *w;
	sc_world_config cfg;
	au_pcb_table *pages;
	char links[MAX_LINKS][FINGERPRINT_HEX]; /* the cards this world linked (cleanup) */
	size_t n_links;
	au_card *cards[MAX_CARDS];
	size_t n_cards;
	pc_side pcs[MAX_PCS];
	size_t n_pcs;
};

typedef sc_status (*pcx_fn)(sc_pcx *x, const sc_step *st, sc_outcome *out);

typedef struct pcx_verb {
	const char *name;
	const char *usage;
	const char *meaning;
	bool test_control;
	bool card_pki;
	pcx_fn fn;
} pcx_verb;

static bool yes(const char *v)
{
	return v != NULL &&
	       (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* ---- test control (the world's client) ---- */

static json_t *control(sc_pcx *x, const char *path, json_t *body, sc_outcome *out)
{
	return sc_world_control(x->w, path, body, out);
}

static bool control_ok(sc_pcx *x, const char *path, json_t *body, sc_outcome *out)
{
	json_t *a = control(x, path, body, out);

	json_decref(a);
	return a != NULL;
}

/* ---- cards ---- */

/* The index entry's field of a card, copied to out; false none. */
static bool index_field(sc_pcx *x, const char *card, const char *field, char *out, size_t size)
{
	char path[4096];
	json_t *idx, *c;
	size_t i;
	bool found = false;

	snprintf(path, sizeof(path), "%s/index.json", x->cfg.pki_dir ? x->cfg.pki_dir : ".");
	if ((idx = json_load_file(path, 0, NULL)) == NULL)
		return false;
	json_array_foreach(json_object_get(idx, "cards"), i, c)
	{
		const char *n = json_string_value(json_object_get(c, "name"));
		const char *v = json_string_value(json_object_get(c, field));
		if (n != NULL && strcmp(n, card) == 0 && v != NULL) {
			snprintf(out, size, "%s", v);
			found = true;
			break;
		}
	}
	json_decref(idx);
	return found;
}

static X509 *read_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	return x;
}

static EVP_PKEY *read_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	return k;
}

/* PEM text of a BIO's contents (owned), NULL on failure. */
static char *bio_text(BIO *b, size_t *len)
{
	char *data = NULL, *copy;
	long n = BIO_get_mem_data(b, &data);

	if (n <= 0 || (copy = malloc((size_t)n + 1)) == NULL)
		return NULL;
	memcpy(copy, data, (size_t)n);
	copy[n] = '\0';
	*len = (size_t)n;
	return copy;
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

/* PEM of the certificate, the old card's chain after it, and of the key, as a card holds them. */
static au_card *card_of(const au_card *old, const char *name, X509 *n, EVP_PKEY *key)
{
	BIO *cb = BIO_new(BIO_s_mem()), *kb = BIO_new(BIO_s_mem());
	char *cert_pem = NULL, *key_pem = NULL;
	size_t cert_len = 0, key_len = 0;
	au_card *card = NULL;
	bool ok = cb != NULL && kb != NULL && PEM_write_bio_X509(cb, n);

	for (int i = 0; ok && au_card_chain(old) && i < sk_X509_num(au_card_chain(old)); i++)
		ok = PEM_write_bio_X509(cb, sk_X509_value(au_card_chain(old), i));
	ok = ok && PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL);
	if (ok && (cert_pem = bio_text(cb, &cert_len)) != NULL &&
	    (key_pem = bio_text(kb, &key_len)) != NULL &&
	    au_card_from_pem(name, au_card_kind_of(old), cert_pem, cert_len, key_pem, key_len,
	                     &card) != AU_CARD_OK)
		card = NULL;
	free(cert_pem);
	free(key_pem);
	BIO_free(cb);
	BIO_free(kb);
	return card;
}

/* The old card's certificate issued again as spec says; NULL with out filled. */
static au_card *issue(sc_pcx *x, const au_card *old, const char *name, const issue_spec *spec,
                      sc_outcome *out)
{
	char path[4096];
	X509 *ca = NULL, *leaf = au_card_cert(old), *n = X509_new();
	EVP_PKEY *ca_key = NULL, *key = NULL;
	au_card *card = NULL;
	bool ok;

	snprintf(path, sizeof(path), "%s/ca/%s.pem", x->cfg.pki_dir, spec->issuer);
	ca = read_cert(path);
	snprintf(path, sizeof(path), "%s/ca/%s.key", x->cfg.pki_dir, spec->issuer);
	ca_key = read_key(path);
	if (spec->new_key)
		key = EVP_RSA_gen(2048);
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
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(key);
	return card;
}

/*
 * This run's own copy of a PKI card: the same CA, key, validity and extensions, but the
 * holder's 本人ID is this run's (so runs on one platform never share a user) and the serial
 * is new — except on a revoked card, whose serial its CA's CRL lists.
 */
static au_card *run_copy(sc_pcx *x, const au_card *base, const char *name, sc_outcome *out)
{
	char issuer[64], variant[64] = "", pki_id[32] = "";
	issue_spec spec = {.issuer = issuer, .keep_validity = true};
	X509_NAME *subject = NULL;
	const char *run;
	au_card *card;
	int at;

	if (!index_field(x, name, "issuer", issuer, sizeof(issuer))) {
		sc_result(out, SC_ERROR, "card %s: no issuer in the PKI index", name);
		return NULL;
	}
	index_field(x, name, "variant", variant, sizeof(variant));
	spec.keep_serial = strncmp(variant, "revoked", 7) == 0;
	/* An HPKI card names its holder's 本人ID in the subject's serialNumber. */
	if (index_field(x, name, "honin_id", pki_id, sizeof(pki_id)) &&
	    (run = sc_world_run_id(x->w, pki_id)) != NULL &&
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
	card = issue(x, base, name, &spec, out);
	X509_NAME_free(subject);
	return card;
}

/* The card called name: this run's copy of the PKI index's card (made once per world);
 * "plain" a card that is no PKI card at all. NULL with out filled when there is none. */
static const au_card *card_named(sc_pcx *x, const char *name, sc_outcome *out)
{
	au_card *base = NULL, *c = NULL;
	au_card_err e;

	for (size_t i = 0; name && i < x->n_cards; i++)
		if (strcmp(au_card_name(x->cards[i]), name) == 0)
			return x->cards[i];
	if (name == NULL || x->n_cards == MAX_CARDS) {
		sc_result(out, SC_ERROR, "a card name of the PKI index (at most %d cards)",
		          MAX_CARDS);
		return NULL;
	}
	if (x->cfg.pki_dir == NULL) {
		sc_result(out, SC_ERROR, "no card PKI (build/fixtures/pki) for this run");
		return NULL;
	}
	if (strcmp(name, "plain") == 0) {
		if ((e = au_card_plain(name, &c)) != AU_CARD_OK) {
			sc_result(out, SC_ERROR, "card %s: %s", name, au_card_strerr(e));
			return NULL;
		}
	} else if ((e = au_card_from_index(x->cfg.pki_dir, name, &base)) != AU_CARD_OK) {
		sc_result(out, SC_ERROR, "card %s: %s", name, au_card_strerr(e));
		return NULL;
	} else {
		c = run_copy(x, base, name, out);
		au_card_free(base);
		if (c == NULL)
			return NULL;
	}
	x->cards[x->n_cards++] = c;
	return c;
}

/* SHA-256 of the card's certificate, lower-case hex. */
static bool fingerprint(const au_card *c, char hex[65])
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
static const char *card_user_id(sc_pcx *x, const char *name)
{
	char pki_id[32];

	if (!index_field(x, name, "honin_id", pki_id, sizeof(pki_id)) &&
	    !index_field(x, name, "holder", pki_id, sizeof(pki_id)))
		return NULL;
	return sc_world_run_id(x->w, pki_id);
}

static sc_status card_user(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	const char *sym = sc_step_word(st, 0), *card = sc_step_word(st, 1);
	const char *id = card ? card_user_id(x, card) : NULL;
	bool disabled = sc_step_word(st, 2) && strcmp(sc_step_word(st, 2), "disabled") == 0;

	if (sym == NULL || id == NULL)
		return sc_result(out, SC_ERROR,
		                 "card.user USER CARD [disabled] (a card of the PKI with "
		                 "a 本人ID or holder)");
	if (!sc_world_name_user(x->w, sym, id))
		return sc_result(out, SC_ERROR, "user %s: another 本人ID already, or no room", sym);
	if (!control_ok(x, "users", json_pack("{s:s}", "name", id), out))
		return out->status;
	sc_world_user_created(x->w, sym);
	if (disabled &&
	    !control_ok(x, "users/enabled", json_pack("{s:s, s:b}", "name", id, "enabled", 0), out))
		return out->status;
	return SC_PASS;
}

static sc_status card_link(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	const au_card *c = card_named(x, sc_step_word(st, 0), out);
	const char *id = sc_world_user_id(x->w, sc_step_word(st, 1));
	char fp[65];

	if (c == NULL)
		return out->status;
	if (id == NULL || !fingerprint(c, fp))
		return sc_result(out, SC_ERROR,
		                 "card.link CARD USER (a certificate card, a known user)");
	if (!control_ok(x, "jpki-links", json_pack("{s:s, s:s}", "fingerprint", fp, "name", id),
	                out))
		return out->status;
	if (x->n_links < MAX_LINKS)
		snprintf(x->links[x->n_links++], FINGERPRINT_HEX, "%s", fp);
	return SC_PASS;
}

static sc_status card_unlink(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	const au_card *c = card_named(x, sc_step_word(st, 0), out);
	char fp[65];

	if (c == NULL)
		return out->status;
	if (!fingerprint(c, fp))
		return sc_result(out, SC_ERROR, "card.unlink CARD (a certificate card)");
	return control_ok(x, "jpki-links", json_pack("{s:s, s:b}", "fingerprint", fp, "delete", 1),
	                  out)
	               ? SC_PASS
	               : out->status;
}

/*
 * A new certificate for the same holder (same subject, so the same 本人ID), issued by the
 * old card's CA: a new key pair, a new serial (not on any CRL), valid from yesterday. What a
 * CA (or the municipality) hands out when a card is reissued.
 */
static au_card *reissue(sc_pcx *x, const au_card *old, const char *old_name, const char *name,
                        sc_outcome *out)
{
	char issuer[64];
	issue_spec spec = {.issuer = issuer, .new_key = true};

	if (au_card_cert(old) == NULL ||
	    !index_field(x, old_name, "issuer", issuer, sizeof(issuer))) {
		sc_result(out, SC_ERROR, "card %s: no issuer in the PKI index", old_name);
		return NULL;
	}
	return issue(x, old, name, &spec, out);
}

static sc_status card_reissue(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	const char *old_name = sc_step_word(st, 0), *name = sc_step_get(st, "as");
	const au_card *old = card_named(x, old_name, out);
	au_card *c;

	if (old == NULL)
		return out->status;
	if (name == NULL || x->n_cards == MAX_CARDS)
		return sc_result(out, SC_ERROR, "card.reissue CARD as=NEWNAME");
	for (size_t i = 0; i < x->n_cards; i++)
		if (strcmp(au_card_name(x->cards[i]), name) == 0)
			return sc_result(out, SC_ERROR, "card %s exists already", name);
	if ((c = reissue(x, old, old_name, name, out)) == NULL)
		return out->status;
	x->cards[x->n_cards++] = c;
	return SC_PASS;
}

/* ---- the PCs ---- */

static pc_side *side_of(sc_pcx *x, const sc_step *st, au_pc **browser, sc_outcome *out)
{
	const char *sym = sc_step_word(st, 0);
	au_pc *pc = sym ? sc_world_pc_browser(x->w, sym) : NULL;
	pc_side *s;

	if (pc == NULL) {
		sc_result(out, SC_ERROR, "unknown PC %s (pc.new first)", sc_or_none(sym));
		return NULL;
	}
	if (browser != NULL)
		*browser = pc;
	for (size_t i = 0; i < x->n_pcs; i++)
		if (strcmp(x->pcs[i].sym, sym) == 0)
			return &x->pcs[i];
	if (x->n_pcs == MAX_PCS) {
		sc_result(out, SC_ERROR, "at most %d PCs", MAX_PCS);
		return NULL;
	}
	s = &x->pcs[x->n_pcs++];
	memset(s, 0, sizeof(*s));
	snprintf(s->sym, sizeof(s->sym), "%s", sym);
	au_reader_init(&s->reader);
	au_jpki_init(&s->jpki, &s->reader);
	snprintf(s->browser, sizeof(s->browser), "chrome");
	s->front = -1;
	return s;
}

static sc_status card_insert(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	pc_side *s = side_of(x, st, NULL, out);
	const au_card *c;

	if (s == NULL)
		return out->status;
	if ((c = card_named(x, sc_step_word(st, 1), out)) == NULL)
		return out->status;
	au_reader_insert(&s->reader, c);
	return SC_PASS;
}

static sc_status card_remove(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	pc_side *s = side_of(x, st, NULL, out);

	if (s == NULL)
		return out->status;
	au_reader_insert(&s->reader, NULL);
	return SC_PASS;
}

static sc_status card_reader(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	pc_side *s = side_of(x, st, NULL, out);

	if (s == NULL)
		return out->status;
	for (size_t i = 0; i < st->n; i++) {
		const char *k = st->key[i], *v = st->value[i];
		if (k == NULL)
			continue;
		if (strcmp(k, "connected") == 0)
			s->reader.connected = yes(v);
		else if (strcmp(k, "seated") == 0)
			s->reader.seated = yes(v);
		else if (strcmp(k, "antivirus") == 0)
			s->reader.antivirus_blocks = yes(v);
		else if (strcmp(k, "pca") == 0)
			s->reader.pca_blocks = yes(v);
		else if (strcmp(k, "metal") == 0) {
			/* metal=N: on a metal desk, N reads fail; metal=no: on wood or plastic */
			s->reader.on_metal = strcmp(v, "no") != 0;
			s->reader.metal_failures = s->reader.on_metal ? (unsigned)atoi(v) : 0;
			s->reader.reads = 0;
		} else
			return sc_result(
			        out, SC_ERROR,
			        "card.reader PC connected=|seated=|antivirus=|pca= yes|no, "
			        "metal=N|no");
	}
	return SC_PASS;
}

static sc_status card_check(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	pc_side *s = side_of(x, st, NULL, out);
	au_card_visibility v;

	if (s == NULL)
		return out->status;
	v = au_card_check_visible(&s->reader);
	snprintf(out->where, sizeof(out->where), "pc.certificates");
	snprintf(out->seen, sizeof(out->seen), "%s", v.verdict);
	snprintf(out->expected, sizeof(out->expected), "the card's certificate listed (4.2)");
	return v.listed ? SC_PASS : sc_result(out, SC_FAIL, "manual 4.2: %s", v.verdict);
}

static sc_status pc_browser_make(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	pc_side *s = side_of(x, st, NULL, out);
	const char *make = sc_step_word(st, 1);

	if (s == NULL)
		return out->status;
	if (make == NULL || (strcmp(make, "chrome") != 0 && strcmp(make, "edge") != 0))
		return sc_result(out, SC_ERROR, "pc.browser PC chrome|edge");
	snprintf(s->browser, sizeof(s->browser), "%s", make);
	return SC_PASS;
}

/* The browser's proxy setting as the PC has it now. */
static sc_status apply_proxy(sc_pcx *x, pc_side *s, au_pc *pc, sc_outcome *out)
{
	au_web_err e =
	        s->proxy == NULL ? au_web_set_proxy(pc->web, NULL, NULL, NULL)
	        : s->proxy_credentials
	                ? au_web_set_proxy(pc->web, au_proxy_url(s->proxy), "pcuser", "pcpass")
	                : au_web_set_proxy(pc->web, au_proxy_url(s->proxy), NULL, NULL);
	(void)x;
	return e == AU_WEB_OK ? SC_PASS : sc_result(out, SC_ERROR, "proxy: %s", au_web_strerr(e));
}

static sc_status net_proxy(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	au_pc *pc;
	pc_side *s = side_of(x, st, &pc, out);
	const char *kind = sc_step_get(st, "kind");
	char why[256], cert[4096], key[4096], ca[4096];
	au_proxy_opts o = {.user = "pcuser", .password = "pcpass"};

	if (s == NULL)
		return out->status;
	if (kind == NULL)
		return sc_result(out, SC_ERROR,
		                 "net.proxy PC kind=tunnel|auth|inspect|inspect-first|none");
	au_proxy_stop(s->proxy);
	s->proxy = NULL;
	s->proxy_credentials = yes(sc_step_get(st, "credentials"));
	if (strcmp(kind, "none") == 0)
		return apply_proxy(x, s, pc, out);
	if (strcmp(kind, "tunnel") == 0)
		o.mode = AU_PROXY_TUNNEL;
	else if (strcmp(kind, "auth") == 0)
		o.mode = AU_PROXY_AUTH;
	else if ((strcmp(kind, "inspect") == 0 || strcmp(kind, "inspect-first") == 0) &&
	         x->cfg.pki_dir != NULL) {
		/* it shows the PC a certificate the PC trusts (the platform's CA stands in for the
		 * proxy's own, installed by the PC's administrator) */
		o.mode = strcmp(kind, "inspect") == 0 ? AU_PROXY_INSPECT : AU_PROXY_INSPECT_FIRST;
		snprintf(cert, sizeof(cert), "%s/tls/server.pem", x->cfg.pki_dir);
		snprintf(key, sizeof(key), "%s/tls/server.key", x->cfg.pki_dir);
		snprintf(ca, sizeof(ca), "%s/tls/server-ca.pem", x->cfg.pki_dir);
		o.cert_file = cert;
		o.key_file = key;
		o.upstream_ca_file = ca;
	} else
		return sc_result(out, SC_ERROR,
		                 "net.proxy PC kind=tunnel|auth|inspect|inspect-first|none");
	if (!au_proxy_start(&o, &s->proxy, why, sizeof(why)))
		return sc_result(out, SC_ERROR, "proxy: %s", why);
	return apply_proxy(x, s, pc, out);
}

static sc_status net_front(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	pc_side *s = side_of(x, st, NULL, out);
	const char *which = sc_step_word(st, 1);

	if (s == NULL)
		return out->status;
	if (which != NULL && strcmp(which, "none") == 0) {
		s->front = -1;
		return SC_PASS;
	}
	s->front = which == NULL                  ? -2
	           : strcmp(which, "tls1.2") == 0 ? 0
	           : strcmp(which, "tls1.3") == 0 ? 1
	                                          : -2;
	if (s->front == -2) {
		s->front = -1;
		return sc_result(out, SC_ERROR, "net.front PC tls1.2|tls1.3|none");
	}
	if (x->cfg.card_front[s->front] == NULL)
		return sc_result(out, SC_SKIP,
		                 "the platform's card-login front servers are not reachable here "
		                 "(the embedded platform has them)");
	return SC_PASS;
}

static sc_status net_proxy_credentials(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	au_pc *pc;
	pc_side *s = side_of(x, st, &pc, out);

	if (s == NULL)
		return out->status;
	s->proxy_credentials = true;
	return apply_proxy(x, s, pc, out);
}

/* ---- card logins ---- */

/* The PC's page from an HTTP answer, as the browser shows it. */
static void show_page(sc_pcx *x, au_pc *pc, long status, const char *body, size_t len,
                      const char *url)
{
	au_page_free(pc->page);
	pc->page = NULL;
	pc->status = status;
	pc->error[0] = '\0';
	if (au_page_parse(body ? body : "", body ? len : 0, url, &pc->page) != AU_WEB_OK)
		snprintf(pc->error, sizeof(pc->error), "%.200s: the page cannot be read", url);
	sc_world_saw(x->w, "pc.page", status, NULL, NULL); /* reset, then the page's own text */
	{
		char text[2400];
		snprintf(text, sizeof(text), "%.255s\n%.2047s", au_pc_title(pc),
		         pc->page ? au_pc_text(pc) : pc->error);
		sc_world_saw(x->w, "pc.page", status, text, au_pc_kind(pc));
	}
	sc_world_saw(x->w, "pc.browser", 0, NULL, NULL);
}

/* A navigation that failed below HTTP: the browser's own error page. */
static void show_failure(sc_pcx *x, pc_side *s, au_pc *pc, const char *shown_url,
                         const au_web_response *r, au_web_err e)
{
	au_pcb_page page;
	char text[512];

	au_page_free(pc->page);
	pc->page = NULL;
	pc->status = r->status;
	snprintf(pc->error, sizeof(pc->error), "%.80s (%.200s)", au_web_strerr(e), r->error);
	if (x->pages != NULL && au_pcb_error_page(x->pages, s->browser, shown_url, r, &page))
		snprintf(text, sizeof(text), "%s\n%s", page.heading, page.net_error);
	else
		snprintf(text, sizeof(text), "(%s: no page of the manual) %s",
		         au_pcb_class_name(au_pcb_classify(r)), pc->error);
	sc_world_saw(x->w, "pc.browser", r->status, text, "browser-error");
	sc_world_saw(x->w, "pc.page", r->status, text, "browser-error");
}

typedef struct late {
	sc_pcx *x;
	unsigned seconds;
	sc_outcome *out;
	bool ok;
} late;

/* Between the certificate choice and the PIN: the platform's clock moves on. */
static bool pin_pause(void *arg)
{
	late *l = arg;

	l->ok = sc_world_advance_clock(l->x->w, (json_int_t)l->seconds, l->out) == SC_PASS;
	return l->ok;
}

static const char *login_path(const char *kind)
{
	return kind == NULL                         ? NULL
	       : strcmp(kind, "hpki") == 0          ? "/card-login/hpki"
	       : strcmp(kind, "jpki") == 0          ? "/card-login/jpki"
	       : strcmp(kind, "jpki-register") == 0 ? "/card-login/jpki-register"
	                                            : NULL;
}

/* GET path with the card the reader gives (and the PIN after pin seconds); shows the result. */
static sc_status card_get(sc_pcx *x, pc_side *s, au_pc *pc, const char *path,
                          const au_pin_user *user, sc_outcome *out)
{
	char url[1024], shown[1024];
	au_card_login login;
	au_card_err ce;

	snprintf(url, sizeof(url), "%s%s",
	         s->front >= 0 ? x->cfg.card_front[s->front] : x->cfg.base, path);
	snprintf(shown, sizeof(shown), "%s%s", x->cfg.origin, path);
	if ((ce = au_card_present(&s->reader, user, pc->web, &login)) != AU_CARD_OK)
		return sc_result(out, SC_ERROR, "card: %s", au_card_strerr(ce));
	if (login.cert_presented && user->pin_seconds > 0) {
		/* handshake (the certificate chosen), the PIN dialog, then the request */
		late l = {.x = x, .seconds = user->pin_seconds, .out = out};
		au_cardtls_opts o = {.ca_file = x->cfg.tls_ca,
		                     .proxy = s->proxy ? au_proxy_url(s->proxy) : NULL,
		                     .between = pin_pause,
		                     .arg = &l};
		au_cardtls_result r = {0};
		au_web_response wr = {0};
		const au_card *card = s->reader.card; /* the one the reader just gave */

		if (au_cardtls_get(url, card, &o, &r) == AU_WEB_OK)
			show_page(x, pc, r.status, r.body, r.body_len, url);
		else if (!l.ok && r.handshake_done) {
			au_cardtls_result_free(&r);
			return out->status;
		} else {
			wr.status = r.status;
			wr.tls_alert_received = r.tls_alert_received;
			snprintf(wr.error, sizeof(wr.error), "%s", r.error);
			show_failure(x, s, pc, shown, &wr, r.err);
		}
		au_cardtls_result_free(&r);
		return SC_PASS;
	}
	{
		au_web_response r = {0};
		au_web_err e = au_web_get(pc->web, url, &r);
		if (e == AU_WEB_OK)
			show_page(x, pc, r.status, r.body, r.body_len, r.url[0] ? r.url : url);
		else
			show_failure(x, s, pc, shown, &r, e);
		au_web_response_reset(&r);
	}
	return SC_PASS;
}

static sc_status pc_card_login(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	au_pc *pc;
	pc_side *s = side_of(x, st, &pc, out);
	const char *path = login_path(sc_step_word(st, 1));
	const char *pin = sc_step_get(st, "pin_seconds");
	au_pin_user user = {.cancel_picker = yes(sc_step_get(st, "cancel")),
	                    .pin_seconds = pin ? (unsigned)atoi(pin) : 0};

	if (s == NULL)
		return out->status;
	if (path == NULL)
		return sc_result(
		        out, SC_ERROR,
		        "pc.card-login PC hpki|jpki|jpki-register [pin_seconds=N] [cancel=yes]");
	return card_get(x, s, pc, path, &user, out);
}

/* Manual 4.1 and closing the browser: cookies and cache gone, the next start is a new one. */
static sc_status pc_restart(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	au_pc *pc;
	pc_side *s = side_of(x, st, &pc, out);

	if (s == NULL)
		return out->status;
	au_pc_close(pc);
	if (!au_pc_open(pc, NULL) ||
	    (x->cfg.tls_ca != NULL && au_web_set_ca_file(pc->web, x->cfg.tls_ca) != AU_WEB_OK))
		return sc_result(out, SC_ERROR, "the browser does not start again");
	/* the JPKI client's dialogs close with the browser */
	while (s->jpki.running > 0)
		au_jpki_close(&s->jpki);
	return apply_proxy(x, s, pc, out);
}

/* ---- the JPKI client ---- */

static sc_status jpki_extension(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	pc_side *s = side_of(x, st, NULL, out);

	if (s == NULL)
		return out->status;
	for (size_t i = 0; i < st->n; i++) {
		if (st->key[i] == NULL)
			continue;
		if (strcmp(st->key[i], "installed") == 0)
			s->jpki.extension_installed = yes(st->value[i]);
		else if (strcmp(st->key[i], "enabled") == 0)
			s->jpki.extension_enabled = yes(st->value[i]);
		else
			return sc_result(out, SC_ERROR,
			                 "jpki.extension PC installed=yes|no enabled=yes|no");
	}
	return SC_PASS;
}

/* The user clicks 「マイナンバーカードを登録」; register: the PIN is entered and the page goes
 * on (the card's registration), else the client's dialog is left open. */
static sc_status jpki_click(sc_pcx *x, const sc_step *st, sc_outcome *out, bool reg)
{
	au_pc *pc;
	pc_side *s = side_of(x, st, &pc, out);
	au_jpki_result r;

	if (s == NULL)
		return out->status;
	r = au_jpki_click_register(&s->jpki);
	sc_world_saw(x->w, "pc.dialog", 0, au_jpki_message(r.outcome),
	             au_jpki_message(r.outcome) ? "dialog" : NULL);
	if (r.outcome == AU_JPKI_NOTHING) {
		s->idle_clicks++;
		s->page_at_click = pc->page;
		return SC_PASS;
	}
	s->idle_clicks = 0;
	if (r.outcome != AU_JPKI_OK || !reg)
		return SC_PASS;
	{
		au_pin_user user = {0};
		sc_status st2 = card_get(x, s, pc, "/card-login/jpki-register", &user, out);
		au_jpki_close(&s->jpki);
		return st2;
	}
}

static sc_status jpki_click_step(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	return jpki_click(x, st, out, false);
}

static sc_status jpki_register(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	return jpki_click(x, st, out, true);
}

static sc_status jpki_close(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	pc_side *s = side_of(x, st, NULL, out);

	if (s == NULL)
		return out->status;
	au_jpki_close(&s->jpki);
	sc_world_saw(x->w, "pc.dialog", 0, NULL, NULL);
	return SC_PASS;
}

/* 3.13: the button did nothing: no dialog, no request, the same page on the screen. */
static sc_status expect_nothing(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	au_pc *pc;
	pc_side *s = side_of(x, st, &pc, out);

	if (s == NULL)
		return out->status;
	snprintf(out->where, sizeof(out->where), "pc.page");
	snprintf(out->expected, sizeof(out->expected),
	         "nothing happens: no dialog, the page stays (%s)", sc_or_none(x->cfg.entry));
	snprintf(out->seen, sizeof(out->seen), "%.255s\n%.2000s", au_pc_title(pc), au_pc_text(pc));
	if (s->idle_clicks == 0)
		return sc_result(out, SC_FAIL, "the click did something (a dialog or a request)");
	if (pc->page == NULL || pc->page != s->page_at_click)
		return sc_result(out, SC_FAIL, "the page changed");
	if (strstr(au_pc_text(pc), "マイナンバーカード") == NULL)
		return sc_result(out, SC_FAIL, "not the My Number card registration page");
	return SC_PASS;
}

/* ---- the certificate viewer ---- */

static sc_status pc_install_ca(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	pc_side *s = side_of(x, st, NULL, out);
	const char *which = sc_step_word(st, 1);
	char path[4096];

	if (s == NULL)
		return out->status;
	if (which == NULL || x->cfg.pki_dir == NULL)
		return sc_result(out, SC_ERROR, "pc.install-ca PC none|roots-only|old|current");
	au_pc_certs_clear(&s->certs);
	if (strcmp(which, "none") == 0)
		return SC_PASS;
	snprintf(path, sizeof(path), "%s/pc/installed-%s.pem", x->cfg.pki_dir, which);
	return au_pc_certs_install_file(&s->certs, path)
	               ? SC_PASS
	               : sc_result(out, SC_ERROR, "pc.install-ca: %s", path);
}

static sc_status pc_viewer(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	pc_side *s = side_of(x, st, NULL, out);
	rp_certview_result r;
	const char *text = NULL;

	if (s == NULL)
		return out->status;
	if (!au_pc_view_card_cert(&s->certs, &s->reader, time(NULL), &r, &text))
		return sc_result(out, SC_FAIL,
		                 "the viewer cannot open the card (the reader reads none)");
	sc_world_saw(x->w, "pc.viewer", 0, text ? text : "",
	             r.verdict == RP_CERTVIEW_OK ? "verified" : "not-verified");
	return SC_PASS;
}

/* ---- expectations ---- */

/* The card login went through: the PC shows the device registration QR (user manual 5.2) or
 * the platform's finished page. */
static sc_status expect_login(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	au_pc *pc;
	pc_side *s = side_of(x, st, &pc, out);

	if (s == NULL)
		return out->status;
	snprintf(out->where, sizeof(out->where), "pc.page");
	snprintf(out->expected, sizeof(out->expected),
	         "the card login accepted: the device registration QR, or a finished page");
	snprintf(out->seen, sizeof(out->seen), "HTTP %ld %.255s\n%.2000s", pc->status,
	         au_pc_title(pc), pc->page ? au_pc_text(pc) : pc->error);
	if (pc->page != NULL && pc->status == 200 &&
	    (au_pc_qr_url(pc) != NULL || strcmp(au_pc_kind(pc), "done") == 0))
		return SC_PASS;
	return sc_result(out, SC_FAIL, "the PC is not through");
}

static sc_status expect_verified(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	pc_side *s = side_of(x, st, NULL, out);
	rp_certview_result r;
	const char *text = NULL;

	if (s == NULL)
		return out->status;
	snprintf(out->where, sizeof(out->where), "pc.viewer");
	snprintf(out->expected, sizeof(out->expected),
	         "the viewer verifies the card's certificate");
	if (!au_pc_view_card_cert(&s->certs, &s->reader, time(NULL), &r, &text))
		return sc_result(out, SC_FAIL, "the viewer cannot open the card");
	snprintf(out->seen, sizeof(out->seen), "%s", text ? text : "(verified)");
	return r.verdict == RP_CERTVIEW_OK
	               ? SC_PASS
	               : sc_result(out, SC_FAIL, "the viewer does not verify it");
}

/* ---- the vocabulary ---- */

static const pcx_verb vocabulary[] = {
        {"card.user", "USER CARD [disabled]",
         "the CA registers the user of the card's 本人ID (a My Number card: its holder's)", true,
         false, card_user},
        {"card.link", "CARD USER", "the CA's record: the My Number card is the user's", true, false,
         card_link},
        {"card.unlink", "CARD", "the CA removes the My Number card's link", true, false,
         card_unlink},
        {"card.reissue", "CARD as=NEWCARD",
         "the issuer reissues the card: same holder, new key and serial", false, false,
         card_reissue},
        {"card.insert", "PC CARD", "a card of the test PKI (or plain) into the PC's reader", false,
         false, card_insert},
        {"card.remove", "PC", "the card out of the reader", false, false, card_remove},
        {"card.reader",
         "PC [connected=yes|no] [seated=yes|no] [antivirus=yes|no] [pca=yes|no] [metal=N|no]",
         "the reader's state (a remedy sets it back)", false, false, card_reader},
        {"card.check", "PC", "manual 4.2: the card's certificate is listed", false, false,
         card_check},
        {"pc.browser", "PC chrome|edge", "which browser the PC's user runs", false, false,
         pc_browser_make},
        {"pc.card-login", "PC hpki|jpki|jpki-register [pin_seconds=N] [cancel=yes]",
         "IC-card login over mutual TLS (picker, PIN after N seconds)", false, true, pc_card_login},
        {"pc.restart", "PC", "cache and cookies cleared (4.1), the browser closed and started",
         false, false, pc_restart},
        {"pc.install-ca", "PC none|roots-only|old|current", "the PC's installed CA certificates",
         false, false, pc_install_ca},
        {"pc.viewer", "PC", "the certificate viewer on the card's certificate (pc.viewer)", false,
         false, pc_viewer},
        {"net.proxy", "PC kind=tunnel|auth|inspect|inspect-first|none [credentials=yes]",
         "a proxy on the PC's path (a real loopback proxy)", false, false, net_proxy},
        {"net.front", "PC tls1.2|tls1.3|none",
         "card logins through the platform's front server (strict client-certificate TLS)", false,
         true, net_front},
        {"net.proxy-credentials", "PC", "the browser gets the proxy's credentials", false, false,
         net_proxy_credentials},
        {"jpki.extension", "PC installed=yes|no enabled=yes|no", "the JPKI client's extension",
         false, false, jpki_extension},
        {"jpki.click", "PC", "「マイナンバーカードを登録」; the client's dialog is left open",
         false, false, jpki_click_step},
        {"jpki.register", "PC", "「マイナンバーカードを登録」, PIN: the card is registered", false,
         true, jpki_register},
        {"jpki.close", "PC", "the JPKI client's open dialog is closed", false, false, jpki_close},
        {"expect.nothing", "PC", "the click did nothing: no dialog, the page stays (3.13)", false,
         false, expect_nothing},
        {"expect.login", "PC", "the card login went through (registration QR or finished)", false,
         false, expect_login},
        {"expect.verified", "PC", "the certificate viewer verifies the card's certificate", false,
         false, expect_verified},
};

#define N_VERBS (sizeof(vocabulary) / sizeof(vocabulary[0]))

static const pcx_verb *verb_of(const char *name)
{
	for (size_t i = 0; name && i < N_VERBS; i++)
		if (strcmp(vocabulary[i].name, name) == 0)
			return &vocabulary[i];
	return NULL;
}

bool sc_pcx_known(const char *verb)
{
	return verb_of(verb) != NULL;
}

const char *sc_pcx_usage(const char *verb)
{
	const pcx_verb *v = verb_of(verb);
	return v ? v->usage : NULL;
}

void sc_pcx_cleanup(sc_pcx *x)
{
	sc_outcome ignored;

	for (size_t i = 0; i < x->n_links; i++)
		control_ok(x, "jpki-links",
		           json_pack("{s:s, s:b}", "fingerprint", x->links[i], "delete", 1),
		           &ignored);
}

bool sc_pcx_needs_test_control(const char *verb)
{
	const pcx_verb *v = verb_of(verb);
	return v != NULL && v->test_control;
}

bool sc_pcx_needs_card_pki(const char *verb)
{
	const pcx_verb *v = verb_of(verb);
	return v != NULL && (v->card_pki || strncmp(verb, "card.", 5) == 0);
}

static bool block_needs(const sc_block *b)
{
	for (size_t i = 0; i < b->n_steps; i++)
		if (sc_pcx_needs_card_pki(b->steps[i].verb))
			return true;
	return false;
}

bool sc_pcx_scenario_needs_card_pki(const sc_scenario *s)
{
	if (block_needs(&s->setup))
		return true;
	for (size_t i = 0; i < s->n_causes; i++) {
		if (block_needs(&s->causes[i].block))
			return true;
		for (size_t k = 0; k < s->causes[i].n_remedies; k++)
			if (block_needs(&s->causes[i].remedies[k]))
				return true;
	}
	return false;
}

void sc_pcx_vocabulary_print(FILE *out)
{
	for (size_t i = 0; i < N_VERBS; i++)
		fprintf(out, "  %-15s %-40s %s%s\n", vocabulary[i].name, vocabulary[i].usage,
		        vocabulary[i].meaning, vocabulary[i].test_control ? " [test control]" : "");
	fprintf(out, "  WHERE (PC): pc.browser (the browser's own error page) pc.dialog (the JPKI "
	             "client) pc.viewer (the certificate viewer)\n");
}

sc_status sc_pcx_step(sc_pcx *x, const sc_step *st, sc_outcome *out)
{
	const pcx_verb *v = verb_of(st->verb);

	if (v == NULL)
		return sc_result(out, SC_ERROR, "unknown step %s", st->verb);
	if (v->card_pki && x->cfg.tls_ca == NULL)
		return sc_result(out, SC_SKIP,
		                 "%s needs the platform over HTTPS with the card PKI (a target: "
		                 "--ca-file, and the platform started with --card-pki)",
		                 st->verb);
	return v->fn(x, st, out);
}

sc_pcx *sc_pcx_new(sc_world *w, const sc_world_config *cfg)
{
	sc_pcx *x = calloc(1, sizeof(*x));
	char path[4096];

	if (x == NULL)
		return NULL;
	x->w = w;
	x->cfg = *cfg;
	snprintf(path, sizeof(path), "%s/pc/browsers.json",
	         cfg->fixtures_dir ? cfg->fixtures_dir : KAGURA_PC_FIXTURES_DIR);
	x->pages = au_pcb_load(path, NULL, 0);
	return x;
}

void sc_pcx_free(sc_pcx *x)
{
	if (x == NULL)
		return;
	for (size_t i = 0; i < x->n_pcs; i++) {
		au_proxy_stop(x->pcs[i].proxy);
		au_pc_certs_clear(&x->pcs[i].certs);
	}
	for (size_t i = 0; i < x->n_cards; i++)
		au_card_free(x->cards[i]);
	au_pcb_free(x->pages);
	free(x);
}
