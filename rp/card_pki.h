/* A built test card PKI (fixtures/pki/README.md) as the platform loads it: its files, its trust. */
#ifndef KAGURA_RP_CARD_PKI_H
#define KAGURA_RP_CARD_PKI_H

#include <stdbool.h>
#include <stddef.h>

#include "rp/cardcert.h"

/* Paths of a built test PKI, from its index.json. */
typedef struct rp_card_pki_files {
	char hpki_anchors[4096];
	char jpki_anchors[4096];
	char intermediates[4096];
	char crls[4096];
	char client_ca[4096]; /* the CAs named in the TLS certificate request */
	char tls_cert[4096];  /* the platform's HTTPS certificate */
	char tls_key[4096];   /* its key */
	char tls_ca[4096];    /* the root a PC trusts it by */
} rp_card_pki_files;

/*
 * Reads dir/index.json and builds the card trust context from its "trust" files; files (may be
 * NULL) gets every path. False with why filled on any failure (nothing allocated then).
 */
bool rp_card_pki_load(const char *dir, rp_cardcert_ctx **ctx, rp_card_pki_files *files, char *why,
                      size_t why_size);

#endif
