#include "rp/messages.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RP_MSG_ERROR KAGURA_XT_ROW
static const kagura_xt_row rp_msg_errors[RP_MSG_ERR__COUNT] = {
#include "rp/messages_error.def"
};
KAGURA_XT_GETTER(rp_msg_strerr, rp_msg_err, rp_msg_errors, field1, "unknown error")
KAGURA_XT_GETTER(rp_msg_errname, rp_msg_err, rp_msg_errors, name, "RP_MSG_ERR_UNKNOWN")

typedef struct entry {
	const char *key;   /* in m->arena */
	const char *value; /* in m->arena, unescaped */
	size_t line;
} entry;

struct rp_messages {
	entry *e; /* sorted by key (strcmp), so lookups are a bsearch */
	size_t n;
	char *arena; /* every key and value, NUL-terminated */
};

/* ---- errors: "NAME:LINE: message: detail" ---- */

static rp_msg_err fail(char *why, size_t why_size, const char *name, size_t line, rp_msg_err err,
                       const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static rp_msg_err fail(char *why, size_t why_size, const char *name, size_t line, rp_msg_err err,
                       const char *fmt, ...)
{
	char detail[160] = "";

	if (fmt != NULL) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	if (why == NULL || why_size == 0)
		return err;
	if (line > 0)
		snprintf(why, why_size, "%s:%zu: %s%s%s", name, line, rp_msg_strerr(err),
		         detail[0] ? ": " : "", detail);
	else
		snprintf(why, why_size, "%s: %s%s%s", name, rp_msg_strerr(err),
		         detail[0] ? ": " : "", detail);
	return err;
}

/* ---- pass 1: the whole text is UTF-8 without control characters ---- */

static bool cont(const unsigned char *p, size_t left, size_t i)
{
	return i < left && (p[i] & 0xC0) == 0x80;
}

/*
 * Length of the well-formed UTF-8 sequence at p (1..4), or 0: overlong forms,
 * surrogates, code points above U+10FFFF and truncated sequences are refused
 * (RFC 3629 table), so every value a page prints is text a browser shows as-is.
 */
static size_t utf8_len(const unsigned char *p, size_t left)
{
	unsigned char b = p[0];

	if (b < 0x80)
		return 1;
	if (b >= 0xC2 && b <= 0xDF)
		return cont(p, left, 1) ? 2 : 0;
	if (b >= 0xE0 && b <= 0xEF) {
		unsigned char lo = b == 0xE0 ? 0xA0 : 0x80, hi = b == 0xED ? 0x9F : 0xBF;
		if (left < 2 || p[1] < lo || p[1] > hi)
			return 0;
		return cont(p, left, 2) ? 3 : 0;
	}
	if (b >= 0xF0 && b <= 0xF4) {
		unsigned char lo = b == 0xF0 ? 0x90 : 0x80, hi = b == 0xF4 ? 0x8F : 0xBF;
		if (left < 2 || p[1] < lo || p[1] > hi)
			return 0;
		return cont(p, left, 2) && cont(p, left, 3) ? 4 : 0;
	}
	return 0;
}

static rp_msg_err check_text(const unsigned char *p, size_t len, const char *name, char *why,
                             size_t why_size)
{
	size_t line = 1;

	for (size_t i = 0; i < len;) {
		unsigned char b = p[i];
		size_t n;

		if (b == '\n') {
			line++;
			i++;
			continue;
		}
		/* CR only as part of CRLF: a lone CR would split a line for some readers and not
		 * others. */
		if (b == '\r' && i + 1 < len && p[i + 1] == '\n') {
			i++;
			continue;
		}
		if ((b < 0x20 && b != '\t') || b == 0x7F)
			return fail(why, why_size, name, line, RP_MSG_ERR_CONTROL, "byte 0x%02X",
			            b);
		if ((n = utf8_len(p + i, len - i)) == 0)
			return fail(why, why_size, name, line, RP_MSG_ERR_UTF8, "byte 0x%02X", b);
		i += n;
	}
	return RP_MSG_OK;
}

/* ---- pass 2: lines ---- */

static bool is_key_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The 4 hex digits after "\u" at p (end bounds the line); -1 when not 4 hex digits. */
static long hex4(const char *p, const char *end)
{
	long v = 0;

	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int d = hex_digit(p[i]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static char *put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xC0 | (cp >> 6));
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xE0 | (cp >> 12));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*o++ = (char)(0xF0 | (cp >> 18));
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	}
	return o;
}

/*
 * Unescapes the value [p, end) to o (NUL-terminated). The output is never longer
 * than the input (the longest expansion, a surrogate pair, turns 12 bytes into 4).
 */
static rp_msg_err unescape(const char *p, const char *end, char *o, size_t line, const char *name,
                           char *why, size_t why_size)
{
	bool trailing_blank = false;

	if (p < end && is_blank(*p))
		return fail(why, why_size, name, line, RP_MSG_ERR_WHITESPACE,
		            "value starts with whitespace (write '\\ ' if meant)");
	while (p < end) {
		char c = *p++;
		long u, lo;

		if (c != '\\') {
			trailing_blank = is_blank(c);
			*o++ = c;
			continue;
		}
		trailing_blank = false;
		if (p == end)
			return fail(why, why_size, name, line, RP_MSG_ERR_ESCAPE,
			            "backslash at the end of the line");
		c = *p++;
		switch (c) {
		case '\\':
		case '=':
		case ':':
		case '#':
		case '!':
		case ' ':
			*o++ = c;
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u':
			if ((u = hex4(p, end)) < 0)
				return fail(why, why_size, name, line, RP_MSG_ERR_ESCAPE,
				            "\\u needs 4 hex digits");
			p += 4;
			if (u == 0)
				return fail(why, why_size, name, line, RP_MSG_ERR_ESCAPE,
				            "\\u0000 (a NUL cannot be in a C string)");
			if (u >= 0xDC00 && u <= 0xDFFF)
				return fail(why, why_size, name, line, RP_MSG_ERR_ESCAPE,
				            "\\u%04lX is a low surrogate without a high one", u);
			if (u >= 0xD800 && u <= 0xDBFF) {
				/* Java writes non-BMP characters as a UTF-16 pair; accept exactly
				 * that. */
				if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
				    (lo = hex4(p + 2, end)) < 0xDC00 || lo > 0xDFFF)
					return fail(
					        why, why_size, name, line, RP_MSG_ERR_ESCAPE,
					        "\\u%04lX is a high surrogate without a low one",
					        u);
				p += 6;
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
			}
			o = put_utf8(o, (uint32_t)u);
			break;
		default:
			/* Java would drop the backslash silently; a typo must not change a text
			 * unseen. */
			if ((unsigned char)c < 0x80)
				return fail(why, why_size, name, line, RP_MSG_ERR_ESCAPE,
				            "unknown escape '\\%c'", c);
			return fail(why, why_size, name, line, RP_MSG_ERR_ESCAPE,
			            "backslash before a non-ASCII character");
		}
	}
	*o = '\0';
	if (trailing_blank)
		return fail(why, why_size, name, line, RP_MSG_ERR_WHITESPACE,
		            "value ends with whitespace (write '\\ ' if meant)");
	return RP_MSG_OK;
}

/* Braces only as {0}..{9}: a typo such as {O}, {0 or {10} must not reach a page. */
static rp_msg_err check_placeholders(const char *v, size_t line, const char *name, char *why,
                                     size_t why_size)
{
	for (const char *p = v; *p; p++) {
		if (*p == '{') {
			if (p[1] >= '0' && p[1] <= '9' && p[2] == '}') {
				p += 2;
				continue;
			}
			return fail(why, why_size, name, line, RP_MSG_ERR_PLACEHOLDER,
			            "'{' at value byte %zu", (size_t)(p - v));
		}
		if (*p == '}')
			return fail(why, why_size, name, line, RP_MSG_ERR_PLACEHOLDER,
			            "'}' at value byte %zu", (size_t)(p - v));
	}
	return RP_MSG_OK;
}

/* Byte order; equal keys by line, so a run's second element is the key's first repeat. */
static int entry_cmp(const void *a, const void *b)
{
	const entry *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	return (x->line > y->line) - (x->line < y->line);
}

static rp_msg_err parse_lines(rp_messages *m, const char *text, size_t len, const char *name,
                              char *why, size_t why_size)
{
	const char *p = text, *end = text + len;
	char *o = m->arena;
	size_t line = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *k, *q;
		rp_msg_err err;
		entry *e;

		line++;
		if (eol > p && eol[-1] == '\r')
			eol--; /* check_text allowed CR only before LF */
		q = p;
		p = nl ? nl + 1 : end;

		k = q;
		while (k < eol && is_blank(*k))
			k++;
		if (k == eol)
			continue; /* blank */
		if (k != q)
			return fail(why, why_size, name, line, RP_MSG_ERR_WHITESPACE,
			            "line starts with whitespace (continuation lines are not "
			            "supported)");
		if (*q == '#')
			continue;

		for (k = q; k < eol && is_key_char(*k); k++)
			;
		if (k == q)
			return fail(why, why_size, name, line, RP_MSG_ERR_KEY,
			            *q == '=' ? "empty key"
			                      : "key starts with a character outside the set");
		if (k == eol)
			return fail(why, why_size, name, line, RP_MSG_ERR_NO_EQUALS, "'%.*s'",
			            (int)(k - q > 64 ? 64 : k - q), q);
		if (is_blank(*k))
			return fail(why, why_size, name, line, RP_MSG_ERR_WHITESPACE,
			            "whitespace between the key and '='");
		if (*k != '=')
			return fail(why, why_size, name, line, RP_MSG_ERR_KEY,
			            "character after '%.*s' is not '='",
			            (int)(k - q > 64 ? 64 : k - q), q);

		e = &m->e[m->n];
		e->line = line;
		memcpy(o, q, (size_t)(k - q));
		o[k - q] = '\0';
		e->key = o;
		o += k - q + 1;
		if ((err = unescape(k + 1, eol, o, line, name, why, why_size)) != RP_MSG_OK)
			return err;
		if ((err = check_placeholders(o, line, name, why, why_size)) != RP_MSG_OK)
			return err;
		e->value = o;
		o += strlen(o) + 1;
		m->n++;
	}
	return RP_MSG_OK;
}

static rp_msg_err check_duplicates(const rp_messages *m, const char *name, char *why,
                                   size_t why_size)
{
	const entry *first = NULL, *repeat = NULL;

	/* Report the earliest repeat in the file, whatever the keys' order. */
	for (size_t i = 1; i < m->n; i++) {
		if (strcmp(m->e[i - 1].key, m->e[i].key) != 0)
			continue;
		/* Sorted by (key, line): i-1 is the run's first definition, i its first repeat. */
		if (repeat == NULL || m->e[i].line < repeat->line) {
			first = &m->e[i - 1];
			repeat = &m->e[i];
		}
		while (i + 1 < m->n && strcmp(m->e[i + 1].key, m->e[i].key) == 0)
			i++;
	}
	if (repeat == NULL)
		return RP_MSG_OK;
	return fail(why, why_size, name, repeat->line, RP_MSG_ERR_DUPLICATE,
	            "'%.64s' (first on line %zu)", repeat->key, first->line);
}

rp_msg_err rp_messages_parse(const char *text, size_t len, const char *name, rp_messages **out,
                             char *why, size_t why_size)
{
	rp_messages *m;
	size_t lines = 1;
	rp_msg_err err;

	if (why != NULL && why_size > 0)
		why[0] = '\0';
	if (name == NULL)
		name = "(bundle)";
	if (out == NULL || (text == NULL && len > 0))
		return fail(why, why_size, name, 0, RP_MSG_ERR_ARG, NULL);
	*out = NULL;
	if (len > RP_MESSAGES_MAX_FILE)
		return fail(why, why_size, name, 0, RP_MSG_ERR_TOO_LARGE, NULL);
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		/* Some editors write a BOM to UTF-8 files; it is not part of the first key. */
		text += 3;
		len -= 3;
	}
	if ((err = check_text((const unsigned char *)text, len, name, why, why_size)) != RP_MSG_OK)
		return err;

	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return fail(why, why_size, name, 0, RP_MSG_ERR_NOMEM, NULL);
	/* At most one entry per line; per line, key+NUL+value+NUL <= 2 x the line's bytes. */
	m->e = calloc(lines, sizeof(*m->e));
	m->arena = malloc(2 * len + 1);
	if (m->e == NULL || m->arena == NULL) {
		rp_messages_free(m);
		return fail(why, why_size, name, 0, RP_MSG_ERR_NOMEM, NULL);
	}
	if ((err = parse_lines(m, text, len, name, why, why_size)) == RP_MSG_OK) {
		qsort(m->e, m->n, sizeof(*m->e), entry_cmp);
		err = check_duplicates(m, name, why, why_size);
	}
	if (err != RP_MSG_OK) {
		rp_messages_free(m);
		return err;
	}
	*out = m;
	return RP_MSG_OK;
}

rp_msg_err rp_messages_load(const char *path, rp_messages **out, char *why, size_t why_size)
{
	FILE *f;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	rp_msg_err err = RP_MSG_OK;
	int saved = 0;

	if (why != NULL && why_size > 0)
		why[0] = '\0';
	if (out == NULL || path == NULL)
		return fail(why, why_size, path ? path : "(null)", 0, RP_MSG_ERR_ARG, NULL);
	*out = NULL;
	if ((f = fopen(path, "rb")) == NULL)
		return fail(why, why_size, path, 0, RP_MSG_ERR_IO, "%s", strerror(errno));
	for (;;) {
		size_t got;

		if (n == cap) {
			char *grown;
			cap = cap ? cap * 2 : 16384;
			if ((grown = realloc(buf, cap)) == NULL) {
				err = RP_MSG_ERR_NOMEM;
				break;
			}
			buf = grown;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		/* Stop one byte past the limit: enough to know, without reading a huge file. */
		if (n > RP_MESSAGES_MAX_FILE) {
			err = RP_MSG_ERR_TOO_LARGE;
			break;
		}
		if (got == 0) {
			if (ferror(f)) {
				saved = errno;
				err = RP_MSG_ERR_IO;
			}
			break;
		}
	}
	fclose(f);
	if (err == RP_MSG_OK)
		err = rp_messages_parse(buf, n, path, out, why, why_size);
	else if (err == RP_MSG_ERR_IO)
		fail(why, why_size, path, 0, err, "%s", strerror(saved ? saved : EIO));
	else
		fail(why, why_size, path, 0, err, NULL);
	free(buf);
	return err;
}

void rp_messages_free(rp_messages *m)
{
	if (m == NULL)
		return;
	free(m->e);
	free(m->arena);
	free(m);
}

static int key_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const entry *)elem)->key);
}

const char *rp_messages_get(const rp_messages *m, const char *key)
{
	const entry *e;

	if (m == NULL || key == NULL)
		return NULL;
	e = bsearch(key, m->e, m->n, sizeof(*m->e), key_cmp);
	return e ? e->value : NULL;
}

size_t rp_messages_count(const rp_messages *m)
{
	return m ? m->n : 0;
}

const char *rp_messages_key(const rp_messages *m, size_t i)
{
	if (m == NULL || i >= m->n)
		return NULL;
	return m->e[i].key;
}

rp_msg_err rp_messages_format(const rp_messages *m, const char *key, const char *const args[],
                              size_t nargs, char *buf, size_t size)
{
	const char *v;
	size_t n = 0;

	if (buf == NULL || size == 0)
		return RP_MSG_ERR_ARG;
	buf[0] = '\0';
	if (m == NULL || key == NULL || (args == NULL && nargs > 0))
		return RP_MSG_ERR_ARG;
	if ((v = rp_messages_get(m, key)) == NULL)
		return RP_MSG_ERR_NO_KEY;
	for (const char *p = v; *p;) {
		const char *piece = p;
		size_t plen = 1;

		/* Loading guaranteed that every '{' opens a well-formed {N}. */
		if (*p == '{') {
			size_t idx = (size_t)(p[1] - '0');
			if (idx >= nargs || args[idx] == NULL) {
				buf[0] = '\0';
				return RP_MSG_ERR_FORMAT_ARG;
			}
			piece = args[idx];
			plen = strlen(piece);
			p += 3;
		} else {
			p++;
		}
		if (plen >= size - n) {
			buf[0] = '\0';
			return RP_MSG_ERR_SPACE;
		}
		memcpy(buf + n, piece, plen);
		n += plen;
	}
	buf[n] = '\0';
	return RP_MSG_OK;
}
