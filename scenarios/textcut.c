/* vasprintf() is a GNU extension. */
#define _GNU_SOURCE

#include "scenarios/textcut.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CUT_MARK_LEN (sizeof(SC_CUT_MARK) - 1)

/* A UTF-8 continuation byte (10xxxxxx): never the first byte of a character. */
static bool continuation(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

size_t sc_text_fit(const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (s[n] == '\0')
		return n;
	/* s goes on past max: step back over a character the cut would split */
	while (n > 0 && continuation((unsigned char)s[n]))
		n--;
	return n;
}

bool sc_text_copy(char *dst, size_t size, const char *src)
{
	size_t len, keep;

	if (size == 0)
		return false;
	if (src == NULL)
		src = "";
	len = strlen(src);
	if (len < size) {
		memcpy(dst, src, len + 1);
		return true;
	}
	keep = size > CUT_MARK_LEN ? sc_text_fit(src, size - 1 - CUT_MARK_LEN) : 0;
	memcpy(dst, src, keep);
	if (size > CUT_MARK_LEN)
		memcpy(dst + keep, SC_CUT_MARK, CUT_MARK_LEN), keep += CUT_MARK_LEN;
	dst[keep] = '\0';
	return false;
}

bool sc_text_vprintf(char *dst, size_t size, const char *fmt, va_list ap)
{
	char *whole = NULL;
	bool fits;

	if (vasprintf(&whole, fmt, ap) < 0) {
		if (size > 0)
			dst[0] = '\0';
		return false;
	}
	fits = sc_text_copy(dst, size, whole);
	free(whole);
	return fits;
}

bool sc_text_printf(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;
	bool fits;

	va_start(ap, fmt);
	fits = sc_text_vprintf(dst, size, fmt, ap);
	va_end(ap);
	return fits;
}
