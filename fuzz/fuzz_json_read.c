/*
 * simdjson's reading into jansson trees (webauthn/json_read.h), held to jansson's own for every
 * text and flag set (tests/support/json_agree.h): a disagreement aborts, as a sanitizer finding
 * does.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "json_agree.h"

#include "fuzz.h"

static const size_t flag_sets[] = {0, JSON_REJECT_DUPLICATES, JSON_DECODE_ANY,
                                   JSON_REJECT_DUPLICATES | JSON_DECODE_ANY};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes: ASan sees any read past the text's end. */
	char *text = malloc(size ? size : 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	for (size_t i = 0; i < sizeof(flag_sets) / sizeof(flag_sets[0]); i++) {
		bool simd_read;

		if (json_read_disagreement(text, size, flag_sets[i], &simd_read) != NULL)
			abort();
	}
	free(text);
	return 0;
}
