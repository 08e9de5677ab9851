/*
 * An outcome of the PC that reproduces an entry of the manual, as a table row: its symbolic
 * name, the manual entry ("3.23"; NULL none), the text the user is shown where the manual
 * quotes it (NULL none) and why it happens. The certificate viewer's verdicts and the JPKI
 * client's outcomes are such tables, each one X-macro list.
 */
#ifndef KAGURA_AUTHENTICATOR_PC_OUTCOME_H
#define KAGURA_AUTHENTICATOR_PC_OUTCOME_H

#include <stddef.h>

typedef struct au_outcome_row {
	const char *name, *entry, *text, *why;
} au_outcome_row;

/* The X-macro expansion of one row: X(NAME, entry, text, why). */
#define AU_OUTCOME_ROW(name, entry, text, why) {#name, entry, text, why},

/* rows[code] of a table of n rows; unknown for a code outside it. */
static inline const au_outcome_row *au_outcome_row_of(const au_outcome_row *rows, size_t n,
                                                      int code, const au_outcome_row *unknown)
{
	return code >= 0 && (size_t)code < n ? &rows[code] : unknown;
}

/* const char *fn(type code): one field of the code's row of rows (count rows; unknown's
 * outside them). */
#define AU_OUTCOME_ACCESSOR(fn, type, rows, count, unknown, field)                       \
	const char *fn(type code)                                                        \
	{                                                                                \
		return au_outcome_row_of((rows), (count), (int)code, &(unknown))->field; \
	}

#endif
