#include "scenarios/keyring.h"

#include <jansson.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CAS    16 /* the test PKI has seven */
#define MAX_SPARES 8  /* and four spare keys */
#define MAX_CARDS  64 /* and 19 cards */

typedef struct named_ca {
	char name[64];
	X509 *cert;    /* owned */
	EVP_PKEY *key; /* owned */
} named_ca;

struct sc_keyring {
	named_ca cas[MAX_CAS];
	size_t n_cas;
	EVP_PKEY *spares[MAX_SPARES]; /* owned */
	size_t n_spares;
	au_card *cards[MAX_CARDS]; /* owned: the PKI's cards as issued, each world copies them */
	size_t n_cards;
	au_attest_ca attestation;
	json_t *index; /* the PKI's index.json (owned), NULL: no card PKI */
};

static X509 *read_cert(const char *path)
{
	BIO *b = BIO_new_file(path, "r");
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return x;
}

static EVP_PKEY *read_key(const char *path)
{
	BIO *b = BIO_new_file(path, "r");
	EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return k;
}

/* Every CA of the PKI's index with its key (ca/NAME.pem, ca/NAME.key), and the spare keys. */
static bool load_pki(sc_keyring *k, const char *pki_dir, json_t *index, char *why, size_t why_size)
{
	char path[4096];
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(index, "cas"), i, v)
	{
		const char *name = json_string_value(json_object_get(v, "name"));
		named_ca *c = &k->cas[k->n_cas];
		if (name == NULL || strlen(name) >= sizeof(c->name) || k->n_cas == MAX_CAS) {
			snprintf(why, why_size, "%s/index.json: a CA without a usable name",
			         pki_dir);
			return false;
		}
		snprintf(c->name, sizeof(c->name), "%s", name);
		snprintf(path, sizeof(path), "%s/ca/%s.pem", pki_dir, name);
		c->cert = read_cert(path);
		snprintf(path, sizeof(path), "%s/ca/%s.key", pki_dir, name);
		c->key = read_key(path);
		k->n_cas++;
		if (c->cert == NULL || c->key == NULL) {
			snprintf(why, why_size, "%s: the CA's certificate or key cannot be read",
			         path);
			return false;
		}
	}
	json_array_foreach(json_object_get(index, "reissue_keys"), i, v)
	{
		const char *rel = json_string_value(v);
		if (rel == NULL || k->n_spares == MAX_SPARES)
			break;
		snprintf(path, sizeof(path), "%s/%s", pki_dir, rel);
		if ((k->spares[k->n_spares] = read_key(path)) == NULL) {
			snprintf(why, why_size, "%s: the spare key cannot be read", path);
			return false;
		}
		k->n_spares++;
	}
	json_array_foreach(json_object_get(index, "cards"), i, v)
	{
		au_card_err e;
		if (k->n_cards == MAX_CARDS) {
			snprintf(why, why_size, "%s/index.json: more than %d cards", pki_dir,
			         MAX_CARDS);
			return false;
		}
		if ((e = au_card_from_index_entry(pki_dir, v, &k->cards[k->n_cards])) !=
		    AU_CARD_OK) {
			snprintf(why, why_size, "%s/index.json: card %zu: %s", pki_dir, i,
			         au_card_strerr(e));
			return false;
		}
		k->n_cards++;
	}
	return true;
}

sc_keyring *sc_keyring_load(const char *pki_dir, const char *attestation_dir, char *why,
                            size_t why_size)
{
	sc_keyring *k = calloc(1, sizeof(*k));
	char path[4096];
	json_t *index = NULL;
	bool ok;

	if (k == NULL) {
		snprintf(why, why_size, "out of memory");
		return NULL;
	}
	ok = au_attest_ca_load(attestation_dir ? attestation_dir : ".", &k->attestation, why,
	                       why_size) == AU_OK;
	if (ok && pki_dir != NULL) {
		snprintf(path, sizeof(path), "%s/index.json", pki_dir);
		index = json_load_file(path, 0, NULL); /* no PKI there: a run without card logins */
		ok = index == NULL || load_pki(k, pki_dir, index, why, why_size);
	}
	k->index = index;
	if (!ok) {
		sc_keyring_free(k);
		return NULL;
	}
	return k;
}

void sc_keyring_free(sc_keyring *k)
{
	if (k == NULL)
		return;
	for (size_t i = 0; i < k->n_cas; i++) {
		X509_free(k->cas[i].cert);
		EVP_PKEY_free(k->cas[i].key);
	}
	for (size_t i = 0; i < k->n_spares; i++)
		EVP_PKEY_free(k->spares[i]);
	for (size_t i = 0; i < k->n_cards; i++)
		au_card_free(k->cards[i]);
	au_attest_ca_reset(&k->attestation);
	json_decref(k->index);
	free(k);
}

bool sc_keyring_ca(const sc_keyring *k, const char *name, X509 **cert, EVP_PKEY **key)
{
	for (size_t i = 0; k != NULL && i < k->n_cas; i++)
		if (strcmp(k->cas[i].name, name) == 0) {
			*cert = k->cas[i].cert;
			*key = k->cas[i].key;
			return true;
		}
	return false;
}

EVP_PKEY *sc_keyring_spare(const sc_keyring *k, size_t i)
{
	return k != NULL && i < k->n_spares ? k->spares[i] : NULL;
}

const au_card *sc_keyring_card(const sc_keyring *k, const char *name)
{
	for (size_t i = 0; k != NULL && name != NULL && i < k->n_cards; i++)
		if (strcmp(au_card_name(k->cards[i]), name) == 0)
			return k->cards[i];
	return NULL;
}

const json_t *sc_keyring_pki_index(const sc_keyring *k)
{
	return k != NULL ? k->index : NULL;
}

const au_attest_ca *sc_keyring_attestation(const sc_keyring *k)
{
	return &k->attestation;
}
