/* Small helpers over libcbor for the strict decoding WebAuthn needs. */
#ifndef KAGURA_WEBAUTHN_CBORX_H
#define KAGURA_WEBAUTHN_CBORX_H

#include <cbor.h>
#include <stdbool.h>
#include <stdint.h>

#include "webauthn/error.h"

/* Decodes the first item in ptr[0..len); *used receives its encoded length.
 * WA_ERR_CBOR_TRUNCATED when the bytes end early or declare more elements than they hold. */
wa_err wa_cbor_load_first(const uint8_t *ptr, size_t len, cbor_item_t **item, size_t *used);
/* Decodes exactly one item spanning all of ptr[0..len). */
wa_err wa_cbor_load_exact(const uint8_t *ptr, size_t len, cbor_item_t **item);

/* Map lookups; NULL when absent or when map is not a definite map. */
cbor_item_t *wa_cbor_map_get_text(const cbor_item_t *map, const char *key);
cbor_item_t *wa_cbor_map_get_int(const cbor_item_t *map, int64_t key);

/* Integer value of a uint/negint item that fits int64_t. */
bool wa_cbor_int(const cbor_item_t *item, int64_t *out);
/* Borrowed pointer to a definite byte string. */
bool wa_cbor_bytes(const cbor_item_t *item, const uint8_t **ptr, size_t *len);
/* True when item is a definite text string equal to s. */
bool wa_cbor_text_eq(const cbor_item_t *item, const char *s);

/* An integer item in its shortest encoding (CTAP2 canonical form); NULL when out of memory. */
cbor_item_t *wa_cbor_build_int(int64_t v);

/*
 * True when the bytes are the CTAP2 canonical encoding of item: every integer
 * in its shortest form, definite lengths, map keys in canonical order (the
 * bytes must re-serialise identically).
 */
bool wa_cbor_is_canonical(const cbor_item_t *item, const uint8_t *ptr, size_t len);

/* WebAuthn maps are small; larger ones are refused so the duplicate check stays cheap. */
#define WA_CBOR_MAP_MAX 64

/* Duplicate keys (by encoded value) in a definite map; a map over WA_CBOR_MAP_MAX counts as one. */
bool wa_cbor_map_has_duplicates(const cbor_item_t *map);
/* Keys in CTAP2 canonical order (RFC 7049 §3.9: shorter encoding first, then bytewise). */
bool wa_cbor_map_is_canonical(const cbor_item_t *map);

#endif
