/*
 * A growable buffer that cannot be misused (after curl's dynbuf): always NUL-terminated, capped
 * at the maximum given at init, and a failure is kept — the buffer frees itself, later appends do
 * nothing, and wa_buf_err() reports the first failure — so a builder appends freely and checks
 * once at the end. No caller adds a NUL by hand.
 */
#ifndef KAGURA_WEBAUTHN_BUF_H
#define KAGURA_WEBAUTHN_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "webauthn/blob.h"
#include "webauthn/error.h"

typedef struct wa_buf {
	char *ptr; /* NULL until the first byte; then always NUL-terminated past len */
	size_t len;
	size_t cap; /* allocated, the NUL included */
	size_t max; /* the most bytes it may hold */
	wa_err err; /* the first failure, WA_OK none */
} wa_buf;

/* An empty buffer that holds at most max bytes (not counting its NUL). */
void wa_buf_init(wa_buf *b, size_t max);
#define WA_BUF_INIT(max_bytes)     \
	{                          \
		.max = (max_bytes) \
	}
/* Appends n bytes; on failure (memory, over max) the buffer is emptied and keeps the error. */
wa_err wa_buf_add(wa_buf *b, const void *p, size_t n);
/* Appends a NUL-terminated text (NULL: nothing). */
wa_err wa_buf_adds(wa_buf *b, const char *s);
wa_err wa_buf_addf(wa_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
wa_err wa_buf_vaddf(wa_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* The contents as text ("" when empty or failed) and their length. */
const char *wa_buf_str(const wa_buf *b);
size_t wa_buf_len(const wa_buf *b);
/* The first failure, WA_OK when every append succeeded. */
wa_err wa_buf_err(const wa_buf *b);
/* Hands the bytes over to a blob (the blob's old contents freed); the buffer is empty after.
 * The buffer's error, if any, is returned and the blob left empty. */
wa_err wa_buf_to_blob(wa_buf *b, wa_blob *out);
void wa_buf_free(wa_buf *b);

#endif
