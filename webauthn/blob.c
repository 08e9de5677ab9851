#include "webauthn/blob.h"

#include <stdlib.h>
#include <string.h>

wa_err wa_blob_set(wa_blob *b, const void *ptr, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	if (copy == NULL)
		return WA_ERR_NOMEM;
	if (len)
		memcpy(copy, ptr, len);
	free(b->ptr);
	b->ptr = copy;
	b->len = len;
	return WA_OK;
}

wa_err wa_blob_append(wa_blob *b, const void *ptr, size_t len)
{
	uint8_t *grown = realloc(b->ptr, b->len + len + 1);
	if (grown == NULL)
		return WA_ERR_NOMEM;
	if (len)
		memcpy(grown + b->len, ptr, len);
	b->ptr = grown;
	b->len += len;
	return WA_OK;
}

void wa_blob_reset(wa_blob *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = 0;
}

int wa_blob_eq(const wa_blob *a, const void *ptr, size_t len)
{
	return a->len == len && (len == 0 || memcmp(a->ptr, ptr, len) == 0);
}
