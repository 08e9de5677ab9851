#include "webauthn/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_FIRST_CAP 64 /* the first allocation; then it doubles */

void wa_buf_init(wa_buf *b, size_t max)
{
	*b = (wa_buf){.max = max};
}

/* A failure is kept, and what was built is dropped: no half-built text escapes. */
static wa_err fail(wa_buf *b, wa_err err)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->err = err;
	return err;
}

/* Room for n more bytes and the NUL. */
static wa_err grow(wa_buf *b, size_t n)
{
	size_t need, cap;
	char *grown;

	if (n > b->max || b->len > b->max - n)
		return fail(b, WA_ERR_TOO_LARGE);
	need = b->len + n + 1;
	if (need <= b->cap)
		return WA_OK;
	for (cap = b->cap ? b->cap : BUF_FIRST_CAP; cap < need; cap *= 2)
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
	if ((grown = realloc(b->ptr, cap)) == NULL)
		return fail(b, WA_ERR_NOMEM);
	b->ptr = grown;
	b->cap = cap;
	return WA_OK;
}

wa_err wa_buf_add(wa_buf *b, const void *p, size_t n)
{
	if (b->err != WA_OK)
		return b->err;
	if (grow(b, n) != WA_OK)
		return b->err;
	if (n > 0)
		memcpy(b->ptr + b->len, p, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return WA_OK;
}

wa_err wa_buf_adds(wa_buf *b, const char *s)
{
	return wa_buf_add(b, s ? s : "", s ? strlen(s) : 0);
}

wa_err wa_buf_vaddf(wa_buf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	if (b->err != WA_OK)
		return b->err;
	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (n < 0)
		return fail(b, WA_ERR_INTERNAL);
	if (grow(b, (size_t)n) != WA_OK)
		return b->err;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return WA_OK;
}

wa_err wa_buf_addf(wa_buf *b, const char *fmt, ...)
{
	va_list ap;
	wa_err e;

	va_start(ap, fmt);
	e = wa_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return e;
}

const char *wa_buf_str(const wa_buf *b)
{
	return b->ptr != NULL ? b->ptr : "";
}

size_t wa_buf_len(const wa_buf *b)
{
	return b->len;
}

wa_err wa_buf_err(const wa_buf *b)
{
	return b->err;
}

wa_err wa_buf_to_blob(wa_buf *b, wa_blob *out)
{
	wa_err e = b->err;

	wa_blob_reset(out);
	if (e == WA_OK) {
		out->ptr = (uint8_t *)b->ptr;
		out->len = b->len;
		b->ptr = NULL;
		b->len = b->cap = 0;
	}
	return e;
}

void wa_buf_free(wa_buf *b)
{
	free(b->ptr);
	*b = (wa_buf){.max = b->max};
}
