#include "webauthn/b64url.h"

#include <stdlib.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int sextet(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

wa_err wa_b64url_decode(const char *s, size_t len, wa_blob *out)
{
	size_t i, n = 0;
	uint32_t acc = 0;
	int bits = 0;
	uint8_t *buf;

	for (i = 0; i < len; i++) {
		if (s[i] == '=')
			return WA_ERR_B64_PADDING;
		if (sextet((unsigned char)s[i]) < 0)
			return WA_ERR_B64_CHAR;
	}
	if (len % 4 == 1)
		return WA_ERR_B64_LENGTH;
	if ((buf = malloc(len * 3 / 4 + 1)) == NULL)
		return WA_ERR_NOMEM;
	for (i = 0; i < len; i++) {
		acc = (acc << 6) | (uint32_t)sextet((unsigned char)s[i]);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Left-over bits must be zero, or two strings would decode to the same bytes. */
	if (acc != 0) {
		free(buf);
		return WA_ERR_B64_TRAILING_BITS;
	}
	free(out->ptr);
	out->ptr = buf;
	out->len = n;
	return WA_OK;
}

char *wa_b64url_encode(const void *ptr, size_t len)
{
	const uint8_t *p = ptr;
	char *s = malloc(len / 3 * 4 + 5);
	size_t i, n = 0;

	if (s == NULL)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		s[n++] = alphabet[v >> 18];
		s[n++] = alphabet[(v >> 12) & 63];
		s[n++] = alphabet[(v >> 6) & 63];
		s[n++] = alphabet[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		s[n++] = alphabet[v >> 18];
		s[n++] = alphabet[(v >> 12) & 63];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		s[n++] = alphabet[v >> 18];
		s[n++] = alphabet[(v >> 12) & 63];
		s[n++] = alphabet[(v >> 6) & 63];
	}
	s[n] = '\0';
	return s;
}
