#include "authenticator/pc/card.h"

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct au_card {
	char name[96];
	char honin_id[72];
	au_card_kind kind;
	X509 *cert;
	STACK_OF(X509) * chain;
	EVP_PKEY *key;
};

#define AU_CARD_ERROR KAGURA_XT_ROW
static const kagura_xt_row au_card_errors[AU_CARD_ERR__COUNT] = {
#include "authenticator/pc/card_error.def"
};
KAGURA_XT_GETTER(au_card_strerr, au_card_err, au_card_errors, field1, "unknown error")

const char *au_card_kind_name(au_card_kind k)
{
	return k == AU_CARD_HPKI ? "hpki" : k == AU_CARD_JPKI ? "jpki" : "other";
}

#define AU_READ KAGURA_XT_ROW
static const kagura_xt_row au_reads[AU_READ__COUNT] = {
#include "authenticator/pc/card_read.def"
};
KAGURA_XT_GETTER(au_read_name, au_read_result, au_reads, name, "AU_READ_?")
KAGURA_XT_GETTER(au_read_reason, au_read_result, au_reads, field1, "unknown")

void au_card_free(au_card *card)
{
	if (card == NULL)
		return;
	X509_free(card->cert);
	sk_X509_pop_free(card->chain, X509_free);
	EVP_PKEY_free(card->key);
	free(card);
}

static au_card *card_new(const char *name, au_card_kind kind)
{
	au_card *c = calloc(1, sizeof(*c));
	if (c != NULL) {
		snprintf(c->name, sizeof(c->name), "%s", name ? name : "");
		c->kind = kind;
	}
	return c;
}

au_card_err au_card_plain(const char *name, au_card **out)
{
	if (out == NULL)
		return AU_CARD_ERR_ARG;
	*out = card_new(name, AU_CARD_OTHER);
	return *out ? AU_CARD_OK : AU_CARD_ERR_NOMEM;
}

au_card_err au_card_from_pem(const char *name, au_card_kind kind, const char *cert_pem,
                             size_t cert_len, const char *key_pem, size_t key_len, au_card **out)
{
	au_card *c;
	BIO *b = NULL;
	X509 *x;
	au_card_err rc = AU_CARD_ERR_PEM;

	if (out == NULL)
		return AU_CARD_ERR_ARG;
	*out = NULL;
	if (cert_pem == NULL || key_pem == NULL || cert_len == 0 || key_len == 0 ||
	    cert_len > 1u << 20 || key_len > 1u << 20 || cert_len > INT32_MAX)
		return AU_CARD_ERR_ARG;
	c = card_new(name, kind);
	if (c == NULL || (c->chain = sk_X509_new_null()) == NULL)
		goto nomem;
	if ((b = BIO_new_mem_buf(cert_pem, (int)cert_len)) == NULL)
		goto nomem;
	c->cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
	if (c->cert == NULL)
		goto fail;
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(c->chain, x)) {
			X509_free(x);
			goto nomem;
		}
	BIO_free(b);
	if ((b = BIO_new_mem_buf(key_pem, (int)key_len)) == NULL)
		goto nomem;
	/* An empty passphrase callback: an encrypted key is refused, not prompted for. */
	c->key = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)"");
	if (c->key == NULL)
		goto fail;
	if (X509_check_private_key(c->cert, c->key) != 1) {
		rc = AU_CARD_ERR_KEY_MISMATCH;
		goto fail;
	}
	BIO_free(b);
	ERR_clear_error();
	*out = c;
	return AU_CARD_OK;
nomem:
	rc = AU_CARD_ERR_NOMEM;
fail:
	BIO_free(b);
	au_card_free(c);
	ERR_clear_error();
	return rc;
}

au_card_err au_card_from_objects(const char *name, au_card_kind kind, X509 *cert,
                                 STACK_OF(X509) * chain, EVP_PKEY *key, au_card **out)
{
	au_card *c;

	if (out == NULL)
		return AU_CARD_ERR_ARG;
	*out = NULL;
	if (cert == NULL || key == NULL)
		return AU_CARD_ERR_ARG;
	if (X509_check_private_key(cert, key) != 1) {
		ERR_clear_error();
		return AU_CARD_ERR_KEY_MISMATCH;
	}
	if ((c = card_new(name, kind)) == NULL)
		return AU_CARD_ERR_NOMEM;
	c->chain = chain != NULL ? X509_chain_up_ref(chain) : sk_X509_new_null();
	if (c->chain != NULL && X509_up_ref(cert) == 1)
		c->cert = cert;
	if (c->cert != NULL && EVP_PKEY_up_ref(key) == 1)
		c->key = key;
	if (c->key == NULL) {
		au_card_free(c);
		return AU_CARD_ERR_NOMEM;
	}
	*out = c;
	return AU_CARD_OK;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n <= (1L << 20) &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

au_card_err au_card_load(const char *name, au_card_kind kind, const char *chain_path,
                         const char *key_path, au_card **out)
{
	size_t clen = 0, klen = 0;
	char *cp, *kp;
	au_card_err rc;

	if (out == NULL || chain_path == NULL || key_path == NULL)
		return AU_CARD_ERR_ARG;
	*out = NULL;
	cp = read_file(chain_path, &clen);
	kp = read_file(key_path, &klen);
	if (cp == NULL || kp == NULL)
		rc = AU_CARD_ERR_IO;
	else
		rc = au_card_from_pem(name, kind, cp, clen, kp, klen, out);
	free(cp);
	if (kp != NULL) {
		OPENSSL_cleanse(kp, klen);
		free(kp);
	}
	return rc;
}

au_card_err au_card_from_index_entry(const char *pki_dir, const json_t *entry, au_card **out)
{
	char chain[1024], key[1024];
	const char *n = json_string_value(json_object_get(entry, "name"));
	const char *kind = json_string_value(json_object_get(entry, "kind"));
	const char *ch = json_string_value(json_object_get(entry, "chain"));
	const char *k = json_string_value(json_object_get(entry, "key"));
	const char *id = json_string_value(json_object_get(entry, "honin_id"));
	au_card_kind ck;
	au_card_err rc;

	if (out == NULL || pki_dir == NULL)
		return AU_CARD_ERR_ARG;
	*out = NULL;
	if (n == NULL || kind == NULL || ch == NULL || k == NULL)
		return AU_CARD_ERR_INDEX;
	ck = strcmp(kind, "hpki") == 0   ? AU_CARD_HPKI
	     : strcmp(kind, "jpki") == 0 ? AU_CARD_JPKI
	                                 : AU_CARD_OTHER;
	if (snprintf(chain, sizeof(chain), "%s/%s", pki_dir, ch) >= (int)sizeof(chain) ||
	    snprintf(key, sizeof(key), "%s/%s", pki_dir, k) >= (int)sizeof(key))
		return AU_CARD_ERR_INDEX;
	rc = au_card_load(n, ck, chain, key, out);
	if (rc == AU_CARD_OK && id != NULL)
		snprintf((*out)->honin_id, sizeof((*out)->honin_id), "%s", id);
	return rc;
}

au_card_err au_card_from_index(const char *pki_dir, const char *name, au_card **out)
{
	char path[1024];
	json_t *root, *c;
	size_t i;
	au_card_err rc = AU_CARD_ERR_INDEX;

	if (out == NULL || pki_dir == NULL || name == NULL)
		return AU_CARD_ERR_ARG;
	*out = NULL;
	if (snprintf(path, sizeof(path), "%s/index.json", pki_dir) >= (int)sizeof(path))
		return AU_CARD_ERR_ARG;
	root = json_load_file(path, 0, NULL);
	json_array_foreach(json_object_get(root, "cards"), i, c)
	{
		const char *n = json_string_value(json_object_get(c, "name"));
		if (n != NULL && strcmp(n, name) == 0) {
			rc = au_card_from_index_entry(pki_dir, c, out);
			break;
		}
	}
	json_decref(root);
	return rc;
}

const char *au_card_name(const au_card *card)
{
	return card ? card->name : "";
}
au_card_kind au_card_kind_of(const au_card *card)
{
	return card ? card->kind : AU_CARD_OTHER;
}
const char *au_card_honin_id(const au_card *card)
{
	return card ? card->honin_id : "";
}
X509 *au_card_cert(const au_card *card)
{
	return card ? card->cert : NULL;
}
au_card_cas *au_card_chain(const au_card *card)
{
	return card ? card->chain : NULL;
}
EVP_PKEY *au_card_key(const au_card *card)
{
	return card ? card->key : NULL;
}

/* ---- the reader ---- */

void au_reader_init(au_reader *r)
{
	if (r == NULL)
		return;
	memset(r, 0, sizeof(*r));
	r->connected = true;
}

void au_reader_insert(au_reader *r, const au_card *card)
{
	if (r == NULL)
		return;
	r->card = card;
	r->seated = card != NULL;
	r->reads = 0;
}

au_read_result au_reader_read(au_reader *r, const au_card **card)
{
	if (card != NULL)
		*card = NULL;
	if (r == NULL || !r->connected)
		return AU_READ_NO_READER;
	/* The middleware is stopped before it reaches the reader. */
	if (r->pca_blocks)
		return AU_READ_PCA;
	if (r->antivirus_blocks)
		return AU_READ_ANTIVIRUS;
	if (r->card == NULL || !r->seated)
		return AU_READ_NO_CARD;
	r->reads++;
	if (r->on_metal && r->reads <= r->metal_failures)
		return AU_READ_METAL;
	if (card != NULL)
		*card = r->card;
	return AU_READ_OK;
}

au_card_err au_card_present(au_reader *reader, const au_pin_user *user, au_web *web,
                            au_card_login *out)
{
	au_card_login l;
	const au_card *card = NULL;

	memset(&l, 0, sizeof(l));
	if (web == NULL) {
		if (out)
			*out = l;
		return AU_CARD_ERR_ARG;
	}
	l.read = au_reader_read(reader, &card);
	if (l.read == AU_READ_OK && card->cert != NULL) {
		l.picker_shown = true;
		if (user == NULL || !user->cancel_picker) {
			l.pin_prompt = true;
			l.pin_seconds = user ? user->pin_seconds : 0;
			if (au_web_set_client_cert(web, card->cert, card->chain, card->key) !=
			    AU_WEB_OK) {
				au_web_clear_client_cert(web);
				if (out)
					*out = l;
				return AU_CARD_ERR_WEB;
			}
			l.cert_presented = true;
		}
	}
	if (!l.cert_presented)
		au_web_clear_client_cert(web);
	if (out)
		*out = l;
	return AU_CARD_OK;
}

/* The issuer as Windows' list shows it: its CN, else its last OU. */
static void issuer_display(X509 *cert, char *out, size_t n)
{
	X509_NAME *iss = X509_get_issuer_name(cert);
	int nid[2] = {NID_commonName, NID_organizationalUnitName};

	out[0] = '\0';
	for (int k = 0; k < 2 && out[0] == '\0'; k++) {
		int idx = -1, last = -1;
		while ((idx = X509_NAME_get_index_by_NID(iss, nid[k], idx)) >= 0)
			last = idx;
		if (last >= 0) {
			unsigned char *utf8 = NULL;
			int len = ASN1_STRING_to_UTF8(
			        &utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(iss, last)));
			if (len >= 0)
				snprintf(out, n, "%.*s", len, (const char *)utf8);
			OPENSSL_free(utf8);
		}
	}
}

static const char jpki_issuer[] = "Japan Agency for Local Authority Information Systems";

au_card_visibility au_card_check_visible(au_reader *reader)
{
	au_card_visibility v;
	const au_card *card = NULL;

	memset(&v, 0, sizeof(v));
	v.read = au_reader_read(reader, &card);
	if (v.read != AU_READ_OK) {
		snprintf(v.verdict, sizeof(v.verdict), "no certificate listed: %s",
		         au_read_reason(v.read));
		return v;
	}
	if (card->cert == NULL) {
		snprintf(v.verdict, sizeof(v.verdict),
		         "no certificate listed: the card holds no certificate");
		return v;
	}
	v.listed = true;
	issuer_display(card->cert, v.issuer, sizeof(v.issuer));
	if (strncmp(v.issuer, "HPKI-", 5) == 0)
		v.kind = AU_CARD_HPKI;
	else if (strcasecmp(v.issuer, jpki_issuer) == 0)
		v.kind = AU_CARD_JPKI;
	snprintf(v.verdict, sizeof(v.verdict), "%s certificate listed, issuer %.100s",
	         v.kind == AU_CARD_HPKI   ? "HPKI card"
	         : v.kind == AU_CARD_JPKI ? "My Number card"
	                                  : "unknown",
	         v.issuer);
	return v;
}
