/*
 * jansson trees to compact JSON text, byte for byte what json_dumps(json, JSON_COMPACT) writes.
 *
 * jansson walks every string a code point at a time through a callback: a 300-byte options
 * answer takes it ~5 µs here, this writer about half that. Reals, rare in answers, are written
 * by jansson itself, so their digits are jansson's.
 */
#ifndef KAGURA_WEBAUTHN_JSON_WRITE_H
#define KAGURA_WEBAUTHN_JSON_WRITE_H

#include <stddef.h>

#include <jansson.h>

/* Deeper trees are refused (jansson refuses cyclic ones; no tree this project builds is deep). */
#define WA_JSON_WRITE_DEPTH 2048

/*
 * json_dumps(json, JSON_COMPACT): the text (caller frees) and its length in *len, or NULL where
 * jansson gives NULL (not an object or array, a string that is not UTF-8), for a key that is not
 * UTF-8 (jansson writes a lone quote: no JSON), a tree deeper than WA_JSON_WRITE_DEPTH, a text
 * over 64 MiB, or out of memory.
 */
char *wa_json_dumps(const json_t *json, size_t *len);

#endif
