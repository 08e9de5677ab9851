#include "json_agree.h"

#include <stdlib.h>
#include <string.h>

#include "webauthn/json_read.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17))

static bool same_tree(const json_t *a, const json_t *b)
{
	char *ta = json_dumps(a, DUMP_FLAGS), *tb = json_dumps(b, DUMP_FLAGS);
	bool same = ta != NULL && tb != NULL && strcmp(ta, tb) == 0 && json_equal(a, b);

	free(ta);
	free(tb);
	return same;
}

static const char *compare(const json_t *want, const json_error_t *want_err, const json_t *simd,
                           const json_t *got, const json_error_t *got_err)
{
	if (simd != NULL && want == NULL)
		return "simdjson's path read a text jansson refuses";
	if (simd != NULL && !same_tree(simd, want))
		return "simdjson's path read another tree than jansson's";
	if (want == NULL)
		return got != NULL ? "wa_json_loadb read a text jansson refuses"
		       : strcmp(got_err->text, want_err->text) != 0 ||
		                       got_err->line != want_err->line ||
		                       got_err->column != want_err->column ||
		                       got_err->position != want_err->position ||
		                       json_error_code(got_err) != json_error_code(want_err)
		               ? "wa_json_loadb refused with another error than jansson's"
		               : NULL;
	if (got == NULL || !same_tree(got, want))
		return "wa_json_loadb read another tree than jansson's";
	if (strcmp(got_err->source, "<buffer>") != 0 || got_err->text[0] != '\0')
		return "wa_json_loadb left its error unlike json_loadb after a success";
	return NULL;
}

const char *json_read_disagreement(const char *text, size_t len, size_t flags, bool *simd_read)
{
	json_error_t want_err, got_err;
	json_t *want = json_loadb(text, len, flags, &want_err);
	json_t *simd = wa_json_read_simd(text, len, flags);
	json_t *got = wa_json_loadb(text, len, flags, &got_err);
	const char *why = compare(want, &want_err, simd, got, &got_err);

	*simd_read = simd != NULL;
	json_decref(want);
	json_decref(simd);
	json_decref(got);
	return why;
}
