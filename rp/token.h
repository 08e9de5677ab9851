/*
 * Random tokens of the platform: challenges, session ids, single-use codes, QR tokens. Each is
 * random bytes as base64url text; the sizes say how many bytes each kind carries.
 */
#ifndef KAGURA_RP_TOKEN_H
#define KAGURA_RP_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

/* 32 bytes: twice the FIDO profile's 16-byte floor, and what W3C §13.4.3 recommends. */
#define RP_CHALLENGE_BYTES  32
#define RP_SESSION_ID_BYTES 24 /* the AUTH_SESSION_ID cookie */
#define RP_CODE_BYTES       16 /* a form's single-use session_code */
#define RP_QR_TOKEN_BYTES   24 /* what a QR encodes: short enough for a small code */
/* Random bytes as base64url text of at most size-1 characters; false without randomness. */
bool rp_random_token(size_t bytes, char *out, size_t size);

#endif
