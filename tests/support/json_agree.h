/*
 * The JSON reader held to jansson (webauthn/json_read.h), for the unit test and the fuzz target
 * alike: what simdjson's path reads must be jansson's tree for the same text (the same compact
 * dump: order, integer or real, values), and what jansson refuses wa_json_loadb must refuse with
 * jansson's error.
 */
#ifndef KAGURA_TESTS_JSON_AGREE_H
#define KAGURA_TESTS_JSON_AGREE_H

#include <stdbool.h>
#include <stddef.h>

/* NULL when the three readings agree, else what differs; *simd_read: simdjson's path read it. */
const char *json_read_disagreement(const char *text, size_t len, size_t flags, bool *simd_read);

#endif
