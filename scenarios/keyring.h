/*
 * The keys a run's worlds sign with, read once per run instead of once per card or phone: the
 * test PKI's CAs (reissued and per-run card copies), its cards, its spare keys for reissued cards,
 * and the attestation CA of new phones. Read-only once loaded, so every worker shares it.
 */
#ifndef KAGURA_SCENARIOS_KEYRING_H
#define KAGURA_SCENARIOS_KEYRING_H

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>

#include "authenticator/pc/card.h"
#include "authenticator/phone/phone.h"

typedef struct sc_keyring sc_keyring;

/* Reads the attestation CA from attestation_dir and, when pki_dir holds a card PKI
 * (index.json), its CAs and spare keys. NULL with why when something named cannot be read. */
sc_keyring *sc_keyring_load(const char *pki_dir, const char *attestation_dir, char *why,
                            size_t why_size);
void sc_keyring_free(sc_keyring *k);

/* The PKI's CA called name (borrowed); false when the PKI has none such. */
bool sc_keyring_ca(const sc_keyring *k, const char *name, X509 **cert, EVP_PKEY **key);
/* The PKI's spare key number i (borrowed), NULL past the last. */
EVP_PKEY *sc_keyring_spare(const sc_keyring *k, size_t i);
/* The PKI's card called name as the PKI issued it (borrowed), NULL none such. */
const au_card *sc_keyring_card(const sc_keyring *k, const char *name);
/* The card PKI's index.json (borrowed, read only: every worker reads it), NULL none. */
const json_t *sc_keyring_pki_index(const sc_keyring *k);
/* The attestation CA for new phones (borrowed). */
const au_attest_ca *sc_keyring_attestation(const sc_keyring *k);

#endif
