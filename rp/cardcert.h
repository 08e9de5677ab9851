/*
 * IC-card certificates: the HPKI card (doctors, pharmacists) and the My Number card's JPKI user
 * authentication certificate, as the platform checks them after a TLS client-certificate
 * handshake. (The PC's certificate viewer is the PC's own: authenticator/pc/certview.h.)
 *
 * Profile (fixtures/pki/README.md): an HPKI card names its 本人ID in the subject's serialNumber and
 * its qualification in the hcRole attribute (ISO/TS 17090, subjectDirectoryAttributes); a JPKI card
 * names nobody (the user is whoever the card was linked to: by its fingerprint).
 *
 * A trust context is built once (anchors per kind, intermediates, CRLs) and is then read-only:
 * rp_cardcert_check may run on several threads at once. Time is always the caller's (the platform
 * clock). Bad input never crashes; it is a status with a reason.
 */
#ifndef KAGURA_RP_CARDCERT_H
#define KAGURA_RP_CARDCERT_H

#include "webauthn/xtable.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* One table, so the enum, the symbolic name and the message never drift apart. */
#define RP_CARDCERT_ERROR_TABLE(X)                                                                 \
	X(RP_CARDCERT_OK,                                                                          \
	  "certificate valid: it chains to a trust anchor, is in date and not revoked")            \
	X(RP_CARDCERT_NO_CERT, "no client certificate was presented")                              \
	X(RP_CARDCERT_MALFORMED, "not a certificate: bad DER or PEM, or bytes after the last one") \
	X(RP_CARDCERT_TOO_LONG, "more certificates or bytes than a card's chain can have")         \
	X(RP_CARDCERT_UNTRUSTED,                                                                   \
	  "no path to a trust anchor: an issuer is unknown or a signature does not verify")        \
	X(RP_CARDCERT_CHAIN_INVALID,                                                               \
	  "the path breaks a CA rule (not a CA, path length, unknown critical extension)")         \
	X(RP_CARDCERT_EXPIRED, "a certificate of the path has expired at the verification time")   \
	X(RP_CARDCERT_NOT_YET_VALID,                                                               \
	  "a certificate of the path is not yet valid at the verification time")                   \
	X(RP_CARDCERT_REVOKED, "the certificate is revoked: its CA's CRL lists it")                \
	X(RP_CARDCERT_CRL_MISSING, "no CRL of an issuing CA is configured: revocation is unknown") \
	X(RP_CARDCERT_CRL_INVALID, "a CRL is out of date or its signature does not verify")        \
	X(RP_CARDCERT_WRONG_KEY_USAGE,                                                             \
	  "the certificate may not authenticate a TLS client (keyUsage / extendedKeyUsage)")       \
	X(RP_CARDCERT_NOT_END_ENTITY,                                                              \
	  "the certificate presented is a CA certificate, not a card's")                           \
	X(RP_CARDCERT_NO_IDENTITY,                                                                 \
	  "HPKI certificate without a readable 本人ID (subject serialNumber) or hcRole")           \
	X(RP_CARDCERT_ERR_ARG, "bad argument (NULL, or a kind that is not HPKI or JPKI)")          \
	X(RP_CARDCERT_ERR_IO, "trust file cannot be read")                                         \
	X(RP_CARDCERT_ERR_PEM,                                                                     \
	  "trust file holds a corrupt PEM block, or none of the kind expected")                    \
	X(RP_CARDCERT_ERR_NOMEM, "out of memory")

typedef enum rp_cardcert_err {
	RP_CARDCERT_ERROR_TABLE(KAGURA_XT_ENUM) RP_CARDCERT__COUNT
} rp_cardcert_err;

const char *rp_cardcert_strerr(rp_cardcert_err err);
const char *rp_cardcert_errname(rp_cardcert_err err);

typedef enum rp_cardcert_kind {
	RP_CARDCERT_UNKNOWN,
	RP_CARDCERT_HPKI, /* HPKI card: 本人ID and hcRole */
	RP_CARDCERT_JPKI, /* My Number card: JPKI user authentication certificate */
} rp_cardcert_kind;

const char *rp_cardcert_kind_name(rp_cardcert_kind kind); /* "hpki", "jpki", "unknown" */

/* Limits of what a client may send: a card chain is leaf + issuing CA (+ root). */
#define RP_CARDCERT_MAX_CERTS 8
#define RP_CARDCERT_MAX_BYTES (64u * 1024u)

#define RP_CARDCERT_ID_MAX   64  /* 本人ID: printable, [0-9A-Za-z-] */
#define RP_CARDCERT_ROLE_MAX 64  /* hcRole text: "Medical Doctor", "Pharmacist", ... */
#define RP_CARDCERT_NAME_MAX 511 /* a distinguished name, RFC 2253, UTF-8 */

typedef struct rp_cardcert_result {
	rp_cardcert_err status; /* also the return value of the check */
	/*
	 * The kind of the trust anchor the path reached (kind_from_anchor; signatures are verified
	 * only when status is OK); with no path, what the leaf claims: hcRole present → HPKI,
	 * issuer O=JPKI → JPKI. Set whenever the leaf parsed, so "My Number card on the HPKI
	 * login" (3.19) and "revoked" (3.18) can name the kind.
	 */
	rp_cardcert_kind kind;
	bool kind_from_anchor;
	char honin_id[RP_CARDCERT_ID_MAX + 1];  /* HPKI: subject serialNumber; "" otherwise */
	char hc_role[RP_CARDCERT_ROLE_MAX + 1]; /* HPKI: hcRole codeDataFreeText; "" otherwise */
	char subject[RP_CARDCERT_NAME_MAX + 1]; /* the leaf's */
	char issuer[RP_CARDCERT_NAME_MAX + 1];  /* the leaf's issuer name */
	char serial[2 * 20 + 1];                /* the leaf's serial number, hex upper case */
	char fingerprint[2 * 32 + 1];           /* SHA-256 of the leaf's DER, hex lower case */
	time_t not_before, not_after;           /* the leaf's validity */
	/*
	 * The CA that issued the leaf has been renewed: the trust context holds another CA
	 * certificate with the same name issued later (JMA 2024-11-15, MEDIS 2025-03-17). Such a
	 * card stays valid until it expires; the flag is for reports and the viewer scenarios.
	 */
	bool issuer_old_generation;
	int depth; /* the certificate a failure concerns: 0 the leaf, 1 its CA ...; -1 none */
	char detail[256]; /* why, in OpenSSL's or our words; "" when OK */
} rp_cardcert_result;

/* ---- the platform's trust context ---- */

typedef struct rp_cardcert_ctx rp_cardcert_ctx;

rp_cardcert_err rp_cardcert_ctx_new(rp_cardcert_ctx **out);
void rp_cardcert_ctx_free(rp_cardcert_ctx *ctx);

/*
 * Each adds every block of a PEM file (or text): trust anchors of one kind, intermediate CA
 * certificates (used to build paths, never trusted on their own), CRLs (their signatures are
 * checked against the path when used). A file with no block of the kind asked for, or a
 * corrupt one, is RP_CARDCERT_ERR_PEM and adds nothing.
 */
rp_cardcert_err rp_cardcert_ctx_add_anchors(rp_cardcert_ctx *ctx, rp_cardcert_kind kind,
                                            const char *pem_path);
rp_cardcert_err rp_cardcert_ctx_add_intermediates(rp_cardcert_ctx *ctx, const char *pem_path);
rp_cardcert_err rp_cardcert_ctx_add_crls(rp_cardcert_ctx *ctx, const char *pem_path);
rp_cardcert_err rp_cardcert_ctx_add_anchors_pem(rp_cardcert_ctx *ctx, rp_cardcert_kind kind,
                                                const char *pem, size_t len);
rp_cardcert_err rp_cardcert_ctx_add_intermediates_pem(rp_cardcert_ctx *ctx, const char *pem,
                                                      size_t len);
rp_cardcert_err rp_cardcert_ctx_add_crls_pem(rp_cardcert_ctx *ctx, const char *pem, size_t len);

/*
 * Checks what a TLS client presented: chain is the leaf followed by whatever CA certificates it
 * sent, either concatenated DER (rp_http_request.peer_chain) or PEM text with one or more
 * CERTIFICATE blocks. len 0 is RP_CARDCERT_NO_CERT. The path is built from the leaf through the
 * chain and the context's intermediates to an anchor, at time now, with every CA's CRL required
 * (X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL), for TLS client use (keyUsage
 * digitalSignature, extendedKeyUsage clientAuth when present). OpenSSL reports the first check
 * that fails in its order: path, key usage, revocation, then signatures and dates — a revoked
 * and expired card is REVOKED. An HPKI path that verifies also needs 本人ID and hcRole.
 * out is always filled (status = the return value).
 */
rp_cardcert_err rp_cardcert_check(const rp_cardcert_ctx *ctx, const uint8_t *chain, size_t len,
                                  time_t now, rp_cardcert_result *out);

#endif
