/* attestationObject: the CBOR map {fmt, attStmt, authData} returned by create(). */
#ifndef KAGURA_WEBAUTHN_ATTOBJ_H
#define KAGURA_WEBAUTHN_ATTOBJ_H

#include <cbor.h>

#include "webauthn/error.h"

typedef struct wa_attobj {
	cbor_item_t *root;           /* owned */
	char fmt[32];                /* NUL-terminated copy of fmt */
	const cbor_item_t *att_stmt; /* borrowed from root */
	const uint8_t *auth_data;    /* borrowed from root */
	size_t auth_data_len;
} wa_attobj;

/* Decodes exactly one CBOR map with the three members and their types; no duplicates. */
wa_err wa_attobj_parse(const uint8_t *ptr, size_t len, wa_attobj *out);
void wa_attobj_reset(wa_attobj *obj);

#endif
