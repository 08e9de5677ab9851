/* vasprintf() is a GNU extension. */
#define _GNU_SOURCE

#include "scenarios/textcut.h"
#include "webauthn/arraylen.h"

#include <stdint.h>
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

/* ---- cleaning: any bytes in, what a report's reader takes out ---- */

#define NOT_A_CHAR     UINT32_MAX /* decode()'s answer for an invalid sequence */
#define REPLACEMENT    0xFFFDu    /* U+FFFD REPLACEMENT CHARACTER */
#define C0_PICTURES    0x2400u    /* U+2400 SYMBOL FOR NULL: control c is shown as U+2400 + c */
#define DEL_PICTURE    0x2421u    /* U+2421 SYMBOL FOR DELETE */
#define ASCII_DEL      0x7Fu
#define C1_FIRST       0x80u
#define C1_LAST        0x9Fu
#define NONCHAR_FFFE   0xFFFEu /* with U+FFFF: the noncharacters XML 1.0 forbids */
#define NONCHAR_FFFF   0xFFFFu
#define UTF8_CONT_BITS 6

/*
 * The character s starts with (not at its NUL), and the bytes it takes; for an invalid
 * sequence NOT_A_CHAR and the length of its maximal subpart (Unicode's "best practice").
 */
static size_t decode(const unsigned char *s, uint32_t *cp)
{
	/* The second byte's range (RFC 3629's table) shuts out overlong forms, surrogates and
	 * everything above U+10FFFF; later bytes are any continuation byte. */
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len;
	uint32_t v;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2, v = s[0] & 0x1Fu;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3, v = s[0] & 0x0Fu;
		lo = s[0] == 0xE0 ? 0xA0 : lo; /* below U+0800: overlong */
		hi = s[0] == 0xED ? 0x9F : hi; /* U+D800..U+DFFF: surrogates */
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4, v = s[0] & 0x07u;
		lo = s[0] == 0xF0 ? 0x90 : lo; /* below U+10000: overlong */
		hi = s[0] == 0xF4 ? 0x8F : hi; /* above U+10FFFF */
	} else {
		*cp = NOT_A_CHAR; /* a continuation byte, C0, C1 or F5..FF */
		return 1;
	}
	for (size_t i = 1; i < len; i++) {
		/* The NUL, or any other byte out of range, ends the subpart before it. */
		if (s[i] < lo || s[i] > hi) {
			*cp = NOT_A_CHAR;
			return i;
		}
		v = v << UTF8_CONT_BITS | (s[i] & 0x3Fu);
		lo = 0x80, hi = 0xBF;
	}
	*cp = v;
	return len;
}

/* A character of U+0800..U+FFFF (the stand-ins are all there): three bytes. */
static void put_bmp(FILE *out, uint32_t cp)
{
	fputc((int)(0xE0u | cp >> 12), out);
	fputc((int)(0x80u | (cp >> 6 & 0x3Fu)), out);
	fputc((int)(0x80u | (cp & 0x3Fu)), out);
}

/* What use writes for the character cp, n bytes at s. */
static void put_char(FILE *out, const unsigned char *s, size_t n, uint32_t cp, sc_text_for use)
{
	static const struct {
		uint32_t c;
		const char *ref;
	} xml_refs[] = {
	        {'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'"', "&quot;"}, {'\'', "&apos;"}};

	if (cp == NOT_A_CHAR) {
		put_bmp(out, REPLACEMENT);
		return;
	}
	if (use >= SC_TEXT_XML) {
		for (size_t i = 0; i < KAGURA_LEN(xml_refs); i++)
			if (cp == xml_refs[i].c) {
				fputs(xml_refs[i].ref, out);
				return;
			}
		/* A parser turns a literal tab or line feed in an attribute into a space. */
		if (use == SC_TEXT_XML_ATTR && (cp == '\t' || cp == '\n')) {
			fprintf(out, "&#%u;", (unsigned)cp);
			return;
		}
	}
	if (use >= SC_TEXT_TERMINAL) {
		if (cp < 0x20 && cp != '\t' && cp != '\n') {
			put_bmp(out, C0_PICTURES + cp);
			return;
		}
		if (cp == ASCII_DEL) {
			put_bmp(out, DEL_PICTURE);
			return;
		}
		/* C1 (a terminal may take U+009B for CSI) and what XML 1.0 forbids. */
		if ((cp >= C1_FIRST && cp <= C1_LAST) || cp == NONCHAR_FFFE || cp == NONCHAR_FFFF) {
			put_bmp(out, REPLACEMENT);
			return;
		}
	}
	fwrite(s, 1, n, out);
}

void sc_text_write(FILE *out, const char *in, sc_text_for use)
{
	const unsigned char *s = (const unsigned char *)in;
	uint32_t cp;

	while (s != NULL && *s != '\0') {
		size_t n = decode(s, &cp);
		put_char(out, s, n, cp, use);
		s += n;
	}
}

bool sc_memtext_open(sc_memtext *t)
{
	t->buf = NULL;
	t->len = 0;
	t->file = open_memstream(&t->buf, &t->len);
	return t->file != NULL;
}

char *sc_memtext_done(sc_memtext *t)
{
	bool failed = ferror(t->file) != 0;

	if (fclose(t->file) != 0 || failed) {
		free(t->buf);
		t->buf = NULL;
	}
	t->file = NULL;
	return t->buf;
}

char *sc_text_clean(const char *in, sc_text_for use)
{
	sc_memtext t;

	if (!sc_memtext_open(&t))
		return NULL;
	sc_text_write(t.file, in, use);
	return sc_memtext_done(&t);
}

bool sc_text_utf8_valid(const char *in, char **out)
{
	const unsigned char *s = (const unsigned char *)in;
	bool valid = true;
	uint32_t cp;

	while (s != NULL && *s != '\0' && valid) {
		s += decode(s, &cp);
		valid = cp != NOT_A_CHAR;
	}
	if (out != NULL)
		*out = sc_text_clean(in, SC_TEXT_UTF8);
	return valid;
}
