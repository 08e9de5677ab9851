/*
 * The PC's certificate viewer (the Windows certutil dialog, 証明書の詳細表示) on a card's
 * certificate, judged against the CA certificates installed on the PC: manual 3.23 / 3.24.
 * Its verdict never decides a login: the platform checks the card with its own trust.
 */
#ifndef KAGURA_AUTHENTICATOR_PC_CERTVIEW_H
#define KAGURA_AUTHENTICATOR_PC_CERTVIEW_H

#include "webauthn/xtable.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* name, manual entry, the viewer's text where the manual quotes it, why */
#define AU_CERTVIEW_TABLE(X)                                                                    \
	X(AU_CERTVIEW_OK, NULL, NULL,                                                           \
	  "the path to an installed root verifies and every certificate is in date")            \
	X(AU_CERTVIEW_ISSUER_MISSING, "3.23", "情報不足のため、この証明書を検証できません。",   \
	  "an issuer certificate (the CA or the root) is not installed on the PC")              \
	X(AU_CERTVIEW_ISSUER_GENERATION, "3.24", "この証明書の整合性を保証できません。",        \
	  "an installed CA has the issuer's name but another key: another generation of it")    \
	X(AU_CERTVIEW_EXPIRED, NULL, NULL, "a certificate of the path is outside its validity") \
	X(AU_CERTVIEW_UNTRUSTED_ROOT, NULL, NULL,                                               \
	  "the path ends at a self-signed certificate that is not installed")                   \
	X(AU_CERTVIEW_MALFORMED, NULL, NULL,                                                    \
	  "the card's file (or the installed set) is not certificates")

typedef enum au_certview_verdict {
	AU_CERTVIEW_TABLE(KAGURA_XT_ENUM) AU_CERTVIEW__COUNT
} au_certview_verdict;

const char *au_certview_name(au_certview_verdict v);
/* The manual entry the verdict reproduces ("3.23", "3.24"), or NULL. */
const char *au_certview_manual_entry(au_certview_verdict v);
/*
 * What the simulated viewer shows: the manual's text for 3.23 and 3.24, quoted exactly; the
 * manual quotes no other, so the others show au_certview_reason (the real Windows wording is
 * not known to this project).
 */
const char *au_certview_text(au_certview_verdict v);
const char *au_certview_reason(au_certview_verdict v);

typedef struct au_certview_result {
	au_certview_verdict verdict;
	int depth;        /* the certificate the viewer stopped at: 0 the leaf ...; -1 none */
	char detail[256]; /* e.g. the missing issuer's name */
} au_certview_result;

/*
 * Judges a card certificate (DER or PEM; only the first certificate is looked at) against the
 * CA certificates installed on the PC (PEM text, NULL/0 for none), at time now, the way the
 * viewer walks up: the issuer is looked for by name among the installed certificates; none is
 * ISSUER_MISSING (3.23); some, but none whose key verifies the signature, is
 * ISSUER_GENERATION (3.24); up to an installed self-signed root. No revocation check.
 */
au_certview_verdict au_certview_check(const uint8_t *cert, size_t len, const char *installed_pem,
                                      size_t installed_len, time_t now, au_certview_result *out);

#endif
