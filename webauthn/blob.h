/* An owned byte string: the unit every decoder in webauthn/ hands back. */
#ifndef KAGURA_WEBAUTHN_BLOB_H
#define KAGURA_WEBAUTHN_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "webauthn/error.h"

typedef struct wa_blob {
	uint8_t *ptr;
	size_t len;
} wa_blob;

/* Copies len bytes into b (previous contents freed). */
wa_err wa_blob_set(wa_blob *b, const void *ptr, size_t len);
/* Appends len bytes. */
wa_err wa_blob_append(wa_blob *b, const void *ptr, size_t len);
void wa_blob_reset(wa_blob *b);
int wa_blob_eq(const wa_blob *a, const void *ptr, size_t len);

#endif
