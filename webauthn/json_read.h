/*
 * JSON text to a jansson tree, read by simdjson where it reads exactly as jansson would.
 *
 * jansson reads a byte at a time: a ceremony's 819-byte response body takes it ~18 µs, simdjson
 * and the tree built from its reading ~2 µs. Every reader keeps jansson's tree. Whatever simdjson
 * would not read as jansson does (text it refuses, a duplicate member, a NUL in a string, a
 * leading BOM, an integer beyond int64) is read by jansson itself, so refusals and their texts
 * are jansson's own.
 */
#ifndef KAGURA_WEBAUTHN_JSON_READ_H
#define KAGURA_WEBAUTHN_JSON_READ_H

#include <stddef.h>

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
/* Defined in C++: nothing may unwind into the C callers (a throw would end the program here). */
#define WA_JSON_READ_NOTHROW noexcept
#else
#define WA_JSON_READ_NOTHROW
#endif

/* The flags the simdjson reading knows; with any other flag it leaves the text to jansson. */
#define WA_JSON_READ_FLAGS (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)

/*
 * The tree json_loadb(text, len, flags, NULL) gives, read by simdjson (caller owns it), or NULL
 * where simdjson does not read the text as jansson would: then only jansson can say.
 */
json_t *wa_json_read_simd(const char *text, size_t len, size_t flags) WA_JSON_READ_NOTHROW;

/* json_loadb(text, len, flags, err): the same tree, or the same refusal with the same error. */
json_t *wa_json_loadb(const char *text, size_t len, size_t flags,
                      json_error_t *err) WA_JSON_READ_NOTHROW;

#ifdef __cplusplus
}
#endif

#endif
