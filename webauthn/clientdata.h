/* CollectedClientData: the clientDataJSON a browser signs over (W3C WebAuthn §5.8.1). */
#ifndef KAGURA_WEBAUTHN_CLIENTDATA_H
#define KAGURA_WEBAUTHN_CLIENTDATA_H

#include <stdbool.h>

#include "webauthn/blob.h"

#define WA_TYPE_CREATE "webauthn.create"
#define WA_TYPE_GET    "webauthn.get"

typedef struct wa_clientdata {
	char *type;
	char *challenge; /* as sent: base64url text */
	char *origin;
	bool has_cross_origin;
	bool cross_origin;
	char *top_origin;           /* NULL when absent */
	char *token_binding_status; /* NULL when absent (Level 2 only) */
} wa_clientdata;

/*
 * Parses clientDataJSON bytes: UTF-8 (a BOM is stripped), one JSON object,
 * no duplicate members; type/challenge/origin required strings, crossOrigin a
 * boolean and topOrigin a string when present; unknown members tolerated.
 */
wa_err wa_clientdata_parse(const uint8_t *ptr, size_t len, wa_clientdata *out);
void wa_clientdata_reset(wa_clientdata *cd);

/*
 * Builds clientDataJSON the way Chromium serialises it: type, challenge,
 * origin, crossOrigin, then topOrigin only when top_origin is not NULL.
 */
wa_err wa_clientdata_build(const char *type, const uint8_t *challenge, size_t challenge_len,
                           const char *origin, bool cross_origin, const char *top_origin,
                           wa_blob *out);

#endif
