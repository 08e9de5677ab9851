/*
 * Bounded copies of text that may be UTF-8: a cut never splits a character and is
 * marked with "…", so every report built from the copy stays valid UTF-8. And cleaned
 * copies of any bytes at all, for the readers of reports: UTF-8 for JSON, no control
 * characters for a terminal or a TAP reader, well-formed XML 1.0 for JUnit.
 */
#ifndef KAGURA_SCENARIOS_TEXTCUT_H
#define KAGURA_SCENARIOS_TEXTCUT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The mark a cut text ends with (U+2026, three bytes). */
#define SC_CUT_MARK "\xE2\x80\xA6"

/*
 * Copies src into dst (size bytes, size > 0) whole, or cut at a character boundary and
 * ended with SC_CUT_MARK when it does not fit; NULL src copies "". True when nothing was cut.
 */
bool sc_text_copy(char *dst, size_t size, const char *src);

/* The same for a printf-formatted text. */
bool sc_text_printf(char *dst, size_t size, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
bool sc_text_vprintf(char *dst, size_t size, const char *fmt, va_list ap)
        __attribute__((format(printf, 3, 0)));

/* Length of the longest prefix of s (at most max bytes) that ends on a character boundary. */
size_t sc_text_fit(const char *s, size_t max);

/*
 * What a reader of a report cannot take, and what a cleaned text has in its place. Each
 * level adds to the one before: invalid UTF-8 (a lone continuation byte, a truncated or
 * overlong sequence, a UTF-16 surrogate, anything above U+10FFFF) becomes U+FFFD, one per
 * maximal invalid subpart as Unicode recommends.
 */
typedef enum sc_text_for {
	SC_TEXT_UTF8,     /* valid UTF-8, control characters kept (JSON escapes them itself) */
	SC_TEXT_TERMINAL, /* no control character but \t and \n: C0 and DEL shown as their
	                     pictures (U+2400..U+2421), C1 and U+FFFE, U+FFFF as U+FFFD */
	SC_TEXT_XML,      /* XML 1.0 character data: also & < > " ' escaped */
	SC_TEXT_XML_ATTR, /* a quoted XML attribute value: also \t \n as references, so they
	                     survive attribute-value normalisation */
} sc_text_for;

/* Writes in (NULL: nothing) to out cleaned for use; allocates nothing. */
void sc_text_write(FILE *out, const char *in, sc_text_for use);

/* A text built by writing to a FILE in memory: sc_memtext_open, fprintf to file, sc_memtext_done.
 */
typedef struct sc_memtext {
	FILE *file;
	char *buf; /* the stream's; the caller's once sc_memtext_done gives it */
	size_t len;
} sc_memtext;

/* Opens t->file; false when memory runs out. */
bool sc_memtext_open(sc_memtext *t);
/* Closes t->file: the text written, owned by the caller (free()); NULL when a write failed. */
char *sc_memtext_done(sc_memtext *t);

/* A cleaned copy of in (NULL: ""), owned by the caller (free()); NULL when memory runs out. */
char *sc_text_clean(const char *in, sc_text_for use);

/*
 * True when in is valid UTF-8. When out is not NULL, *out gets a copy with each invalid
 * sequence replaced by U+FFFD (as sc_text_clean(in, SC_TEXT_UTF8)), NULL when memory runs out.
 */
bool sc_text_utf8_valid(const char *in, char **out);

#endif
