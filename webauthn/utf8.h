/* UTF-8 well-formedness (RFC 3629) for texts that must be strict: clientDataJSON, credential
 * labels, JSON the project writes. */
#ifndef KAGURA_WEBAUTHN_UTF8_H
#define KAGURA_WEBAUTHN_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when the bytes are well-formed UTF-8 (no overlongs, no surrogates). */
bool wa_utf8_valid(const uint8_t *p, size_t len);

#endif
