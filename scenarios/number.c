#include "scenarios/number.h"

#include <stdio.h>
#include <string.h>

#include "webauthn/arraylen.h"

#define COUNT_MAX         1000000u
#define HTTP_STATUS_MIN   100u
#define HTTP_STATUS_MAX   599u
#define MINUTES_PER_YEAR  (60u * 24u * 365u)
#define SECONDS_TEN_YEARS (10u * 365u * 86400u) /* the platform's limit on a QR's lifetime */
#define SMALL_NUMBER_MAX  1000000u

typedef struct number_kind {
	const char *placeholder;
	uint64_t min, max;
	const char *what; /* "a whole number", "an HTTP status" */
} number_kind;

static const number_kind kinds[SC_NUMBER_KINDS] = {
        [SC_NUMBER_COUNT] = {"COUNT", 0, COUNT_MAX, "a whole number"},
        [SC_NUMBER_HTTP_STATUS] = {"CODE", HTTP_STATUS_MIN, HTTP_STATUS_MAX, "an HTTP status"},
        [SC_NUMBER_MINUTES] = {"MINUTES", 1, MINUTES_PER_YEAR, "whole minutes"},
        [SC_NUMBER_SECONDS] = {"SECONDS", 1, SECONDS_TEN_YEARS, "whole seconds"},
        [SC_NUMBER_N] = {"N", 0, SMALL_NUMBER_MAX, "a whole number"},
};

const char *sc_number_strerr(sc_number_err e)
{
	switch (e) {
	case SC_NUMBER_OK:
		return "is a number";
	case SC_NUMBER_NOT_A_NUMBER:
		return "is not a number";
	case SC_NUMBER_OUT_OF_RANGE:
		return "is out of range";
	}
	return "is not a number";
}

sc_number_err sc_number_parse(const char *text, uint64_t min, uint64_t max, uint64_t *value)
{
	uint64_t v = 0;
	bool too_large = false;

	if (text == NULL || text[0] == '\0')
		return SC_NUMBER_NOT_A_NUMBER;
	for (const char *p = text; *p != '\0'; p++) {
		unsigned digit = (unsigned)(*p - '0');
		if (*p < '0' || *p > '9')
			return SC_NUMBER_NOT_A_NUMBER;
		/* keep reading past an overflow: "99999999999999999999x" is not a number at all */
		if (v > (UINT64_MAX - digit) / 10)
			too_large = true;
		else
			v = v * 10 + digit;
	}
	if (too_large || v < min || v > max)
		return SC_NUMBER_OUT_OF_RANGE;
	*value = v;
	return SC_NUMBER_OK;
}

bool sc_number_kind_of(const char *placeholder, sc_number_kind *kind)
{
	for (size_t i = 0; placeholder != NULL && i < KAGURA_LEN(kinds); i++)
		if (strcmp(kinds[i].placeholder, placeholder) == 0) {
			*kind = (sc_number_kind)i;
			return true;
		}
	return false;
}

void sc_number_kind_text(sc_number_kind kind, char *text, size_t size)
{
	const number_kind *k = &kinds[kind];

	snprintf(text, size, "%s: %s from %llu to %llu", k->placeholder, k->what,
	         (unsigned long long)k->min, (unsigned long long)k->max);
}

sc_number_err sc_number_of(const char *word, sc_number_kind kind, uint64_t *value)
{
	return sc_number_parse(word, kinds[kind].min, kinds[kind].max, value);
}

bool sc_number_word(const char *word, sc_number_kind kind, uint64_t *value, char *why,
                    size_t why_size)
{
	sc_number_err e = sc_number_of(word, kind, value);
	char range[128];

	if (e == SC_NUMBER_OK)
		return true;
	sc_number_kind_text(kind, range, sizeof(range));
	/* an empty word would vanish from the message: it is shown quoted */
	snprintf(why, why_size, "%s %s (%s)", word && word[0] ? word : "\"\"", sc_number_strerr(e),
	         range);
	return false;
}
