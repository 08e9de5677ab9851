/*
 * Bounded copies of text that may be UTF-8: a cut never splits a character and is
 * marked with "…", so every report built from the copy stays valid UTF-8.
 */
#ifndef KAGURA_SCENARIOS_TEXTCUT_H
#define KAGURA_SCENARIOS_TEXTCUT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

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

#endif
