/*
 * simdjson's reading into jansson trees (webauthn/json_read.h), held to jansson's own: for every
 * text and flag set, whatever simdjson's path reads jansson reads into the same tree (the same
 * dump: order, integer or real, values), and whatever jansson refuses wa_json_loadb refuses with
 * jansson's error. A disagreement aborts, as a sanitizer finding does.
 */
#include <stdlib.h>
#include <string.h>

#include "webauthn/json_read.h"

#include "fuzz.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17))

static const size_t flag_sets[] = {0, JSON_REJECT_DUPLICATES, JSON_DECODE_ANY,
                                   JSON_REJECT_DUPLICATES | JSON_DECODE_ANY};

static void same_dump(const json_t *a, const json_t *b)
{
	char *ta = json_dumps(a, DUMP_FLAGS), *tb = json_dumps(b, DUMP_FLAGS);

	if (ta == NULL || tb == NULL || strcmp(ta, tb) != 0 || !json_equal(a, b))
		abort();
	free(ta);
	free(tb);
}

static void check(const char *text, size_t len, size_t flags)
{
	json_error_t want_err, got_err;
	json_t *want = json_loadb(text, len, flags, &want_err);
	json_t *simd = wa_json_read_simd(text, len, flags);
	json_t *got = wa_json_loadb(text, len, flags, &got_err);

	if (simd != NULL) {
		if (want == NULL)
			abort(); /* simdjson read what jansson refuses */
		same_dump(simd, want);
	}
	if (want == NULL) {
		if (got != NULL || strcmp(got_err.text, want_err.text) != 0 ||
		    got_err.position != want_err.position)
			abort();
	} else {
		if (got == NULL)
			abort();
		same_dump(got, want);
	}
	json_decref(want);
	json_decref(simd);
	json_decref(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes: ASan sees any read past the text's end. */
	char *text = malloc(size ? size : 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	for (size_t i = 0; i < sizeof(flag_sets) / sizeof(flag_sets[0]); i++)
		check(text, size, flag_sets[i]);
	free(text);
	return 0;
}
