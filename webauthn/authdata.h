/* authenticatorData (W3C WebAuthn §6.1): the bytes an authenticator signs. */
#ifndef KAGURA_WEBAUTHN_AUTHDATA_H
#define KAGURA_WEBAUTHN_AUTHDATA_H

#include <stdbool.h>

#include "webauthn/blob.h"

#define WA_FLAG_UP 0x01
#define WA_FLAG_UV 0x04
#define WA_FLAG_BE 0x08
#define WA_FLAG_BS 0x10
#define WA_FLAG_AT 0x40
#define WA_FLAG_ED 0x80

#define WA_AUTHDATA_MIN_LEN 37
#define WA_CRED_ID_MAX      1023
#define WA_AAGUID_LEN       16

/* Parsed view; the pointers borrow from the buffer given to wa_authdata_parse. */
typedef struct wa_authdata {
	uint8_t rp_id_hash[32];
	uint8_t flags;
	uint32_t sign_count;
	bool has_attested; /* AT: the fields below are set */
	uint8_t aaguid[WA_AAGUID_LEN];
	const uint8_t *cred_id;
	size_t cred_id_len;
	const uint8_t *cose_key; /* raw CBOR of the credential public key */
	size_t cose_key_len;
	const uint8_t *ext; /* raw CBOR map of extension outputs, when ED */
	size_t ext_len;
} wa_authdata;

/*
 * Parses authenticatorData. The AT and ED flags say what follows the fixed
 * 37 bytes; a credential id over 1023 bytes, a truncated part or any byte left
 * over is an error.
 */
wa_err wa_authdata_parse(const uint8_t *ptr, size_t len, wa_authdata *out);

/* Serialises the fields back (flags are written as given, not derived). */
wa_err wa_authdata_encode(const wa_authdata *ad, wa_blob *out);

#endif
