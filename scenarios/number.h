/*
 * Numbers people write: a scenario step's word (`clock.advance 5`, `ttl=86400`) and a command's
 * flag (`--jobs 2`, `--shard 1/3`). One reading for all of them: the whole word in decimal
 * digits (no sign, space, base prefix, fraction or exponent), within the range its place admits.
 * Anything else is refused, never read as 0, cut at the first letter or wrapped around.
 */
#ifndef KAGURA_SCENARIOS_NUMBER_H
#define KAGURA_SCENARIOS_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sc_number_err {
	SC_NUMBER_OK,
	SC_NUMBER_NOT_A_NUMBER, /* empty, or anything but decimal digits */
	SC_NUMBER_OUT_OF_RANGE, /* digits, but below min or above max */
} sc_number_err;

/* "is not a number", "is out of range" (what follows the word in a message); never NULL. */
const char *sc_number_strerr(sc_number_err e);

/* text as a whole number from min to max into *value (left alone unless SC_NUMBER_OK). */
sc_number_err sc_number_parse(const char *text, uint64_t min, uint64_t max, uint64_t *value);

/*
 * The numbers a scenario word may be, each named by the placeholder that stands for it in the
 * vocabulary's usage lines (scenarios/verbs.def): `expect.devices USER COUNT`.
 */
typedef enum sc_number_kind {
	SC_NUMBER_COUNT,       /* COUNT: things counted (the CA's devices of a user) */
	SC_NUMBER_HTTP_STATUS, /* CODE: an HTTP status */
	SC_NUMBER_MINUTES,     /* MINUTES: the platform's clock moved on */
	SC_NUMBER_SECONDS,     /* SECONDS: a lifetime (a QR's) */
	SC_NUMBER_N,           /* N: a small count or duration (reads that fail, a PIN's seconds) */
	SC_NUMBER_KINDS
} sc_number_kind;

/* The kind a usage placeholder names ("COUNT"); false when it names no number. */
bool sc_number_kind_of(const char *placeholder, sc_number_kind *kind);

/* What a kind admits, "COUNT: a whole number from 0 to 1000000", into text. */
void sc_number_kind_text(sc_number_kind kind, char *text, size_t size);

/* word read as a number of kind; SC_NUMBER_OK with *value, else the reason. */
sc_number_err sc_number_of(const char *word, sc_number_kind kind, uint64_t *value);

/* The same for a step's handler: false with why "1x is not a number (COUNT: a whole number from
 * 0 to 1000000)". */
bool sc_number_word(const char *word, sc_number_kind kind, uint64_t *value, char *why,
                    size_t why_size);

#endif
