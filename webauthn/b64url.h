/* base64url without padding (RFC 4648 §5), decoded strictly as WebAuthn requires. */
#ifndef KAGURA_WEBAUTHN_B64URL_H
#define KAGURA_WEBAUTHN_B64URL_H

#include "webauthn/blob.h"

/*
 * Decodes len characters of s into out. Rejects '=' padding, characters
 * outside A-Z a-z 0-9 - _, a length of 4n+1 and non-zero trailing bits.
 */
wa_err wa_b64url_decode(const char *s, size_t len, wa_blob *out);

/* Encodes len bytes as a NUL-terminated base64url string the caller frees. */
char *wa_b64url_encode(const void *ptr, size_t len);

#endif
