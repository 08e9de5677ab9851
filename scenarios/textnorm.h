/*
 * Text normalisation for comparing the error manual's words with other text:
 * the catalogue against the manual's text file (SC_TN_CHECK, strict: one changed
 * character still differs), and a user's free-text report against the
 * catalogue (SC_TN_MATCH, loose: width, spacing, long-vowel and case variants
 * meet). An NFKC-like fold for the characters this manual and its readers use,
 * from a small hand-written table (no Unicode library): it is not full NFKC.
 *
 * Passes run in this order, each only when its flag is set:
 *   SC_TN_MARKUP     the text converter's markup: at a line start, "#"…"######",
 *                    "-", "*" or "+" followed by spaces or tabs (repeatable; with
 *                    the indentation before them); "<u>", "</u>" and "**"
 *                    anywhere; the angle brackets of <http://…> and <https://…>
 *   SC_TN_LINES      each line break (LF, CRLF, CR) is deleted together with the
 *                    spaces and tabs before it and all white space after it
 *   SC_TN_WRAPSPACE  one ASCII space between two non-ASCII characters is deleted
 *                    (a PDF extractor's trace of a Japanese line wrap)
 *   SC_TN_WIDTH      full-width ASCII U+FF01..FF5E and U+3000 to ASCII; half-width
 *                    katakana and punctuation U+FF61..FF9F to full width, with
 *                    ﾞ/ﾟ (and combining U+3099/U+309A) composed onto the kana
 *                    before them; circled digits ①..⑳ to digits
 *   SC_TN_QUOTES     ‘ ’ ‚ ‛ ′ to ', “ ” „ ‟ ″ to "
 *   SC_TN_SPACE      white space (ASCII, U+3000, U+00A0, U+2000..U+200A, U+202F,
 *                    U+205F) collapses: one space is kept only between two ASCII
 *                    letters or digits, none at either end; zero-width
 *                    characters (U+200B..U+200D, U+2060, U+FEFF) are deleted
 *   SC_TN_DASH       dash-like characters (ー ｰ ‐ ‑ ‒ – — ― − － ﹣ ﹘ and '-'):
 *                    dropped right after a katakana letter (the optional long
 *                    vowel: セキュリティーキー and セキュリティキー both give
 *                    セキュリティキ, ユーザー and ユーザ give ユザ), otherwise '-'
 *   SC_TN_CASE       ASCII A-Z to a-z
 */
#ifndef KAGURA_SCENARIOS_TEXTNORM_H
#define KAGURA_SCENARIOS_TEXTNORM_H

#include "webauthn/xtable.h"

#include <stddef.h>

#define SC_TN_MARKUP    0x01u
#define SC_TN_LINES     0x02u
#define SC_TN_WRAPSPACE 0x04u
#define SC_TN_WIDTH     0x08u
#define SC_TN_QUOTES    0x10u
#define SC_TN_DASH      0x20u
#define SC_TN_CASE      0x40u
#define SC_TN_SPACE     0x80u

/* The catalogue check: both the manual file and the catalogue's strings. */
#define SC_TN_CHECK (SC_TN_MARKUP | SC_TN_LINES | SC_TN_WRAPSPACE)
/* Free-text matching (explain): everything except the converter-specific passes. */
#define SC_TN_MATCH (SC_TN_WIDTH | SC_TN_QUOTES | SC_TN_DASH | SC_TN_CASE | SC_TN_SPACE)

/* Largest input accepted, in bytes: far above the manual (61 KB). */
#define SC_TN_MAX_INPUT (1024u * 1024u)

#define SC_TN_ERROR KAGURA_XT_ENUM
typedef enum sc_tn_err {
#include "scenarios/textnorm_error.def"
	SC_TN_ERR__COUNT
} sc_tn_err;

/* The human message for an error code, and its symbolic name ("SC_TN_ERR_TEXT"); never NULL. */
KAGURA_XT_DECLARE(sc_tn_err, sc_tn_strerr, sc_tn_errname);

/*
 * Normalises len bytes of UTF-8 at in (in may be NULL when len is 0). On success
 * *out is a NUL-terminated string the caller frees and *out_len (when not NULL)
 * its length. On failure *out is NULL.
 */
sc_tn_err sc_textnorm(const char *in, size_t len, unsigned flags, char **out, size_t *out_len);

#endif
