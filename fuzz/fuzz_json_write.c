/*
 * The compact JSON writer (webauthn/json_write.h) held to jansson's own: every tree jansson reads
 * (NULs in strings allowed, any value at the top) is written byte for byte as json_dumps writes
 * it with JSON_COMPACT, or refused by both. A disagreement aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "webauthn/json_write.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *json = json_loadb((const char *)data, size, JSON_ALLOW_NUL | JSON_DECODE_ANY, NULL);
	char *want, *got;
	size_t len;

	if (json == NULL)
		return 0;
	want = json_dumps(json, JSON_COMPACT);
	got = wa_json_dumps(json, &len);
	if ((want == NULL) != (got == NULL) ||
	    (want != NULL && (len != strlen(want) || memcmp(got, want, len) != 0)))
		abort();
	free(want);
	free(got);
	json_decref(json);
	return 0;
}
