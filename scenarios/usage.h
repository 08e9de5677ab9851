/*
 * A step's usage line ("PHONE USER [label=TEXT]") is the one statement of its arguments: the
 * vocabulary prints it and the loader checks every step of a scenario file against it, so a
 * typo or an extra word is an error with file:line instead of a step that quietly ignores it.
 *
 * Grammar: words separated by spaces. A word with "=" is a key ("label=TEXT"; alternatives
 * "a=|b=" ; an upper-case key "SETTING=VALUE" admits any key); other words are positional
 * ("USER", "hpki|jpki"); "[...]" makes a word optional; a trailing "..." repeats it. A
 * placeholder that names a number (COUNT, CODE, MINUTES, SECONDS, N: scenarios/number.h), alone
 * or among alternatives ("metal=N|no"), admits only such a number: the whole word in decimal
 * digits within its range, so "1x" or "nan" is an error too.
 */
#ifndef KAGURA_SCENARIOS_USAGE_H
#define KAGURA_SCENARIOS_USAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "scenarios/scenario.h"

/* Whether st fits usage; why (may be NULL) says what does not, without file or line. */
bool sc_usage_check(const char *usage, const sc_step *st, char *why, size_t why_size);

#endif
