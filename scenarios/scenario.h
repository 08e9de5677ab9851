/*
 * Scenario files (scenarios/ENTRY.scn): one per manual entry, read by QA engineers.
 * A header names the entry and the manuals it belongs to; "setup" builds the
 * world; each "cause" provokes the entry's message; the "remedy" blocks after
 * a cause apply the documented remedy and check the recovery. The format is
 * described in scenarios/README.md.
 */
#ifndef KAGURA_SCENARIOS_SCENARIO_H
#define KAGURA_SCENARIOS_SCENARIO_H

#include "webauthn/xtable.h"

#include <stdbool.h>
#include <stddef.h>

#define SC_ERROR KAGURA_XT_ENUM
typedef enum sc_err {
#include "scenarios/scenario_error.def"
	SC_ERR__COUNT
} sc_err;

KAGURA_XT_DECLARE(sc_err, sc_strerr); /* the message; never NULL */

#define SC_MAX_ARGS    12 /* words of one step */
#define SC_MAX_MANUALS 2

/* One step: "verb word word key=value key=\"quoted value\"". */
typedef struct sc_step {
	int line;
	char *verb;
	size_t n;
	char *key[SC_MAX_ARGS]; /* NULL for a positional word */
	char *value[SC_MAX_ARGS];
} sc_step;

typedef struct sc_block {
	char *id;    /* the catalogue's cause or remedy id ("c1", "r2") */
	char *label; /* free text after the id */
	int line;
	sc_step *steps;
	size_t n_steps;
} sc_block;

typedef struct sc_cause {
	sc_block block;
	sc_block *remedies; /* applied in order after the cause, in its world */
	size_t n_remedies;
} sc_cause;

typedef struct sc_scenario {
	char *path;
	char *entry; /* the entry id in the first manual listed */
	size_t n_manuals;
	char *manual[SC_MAX_MANUALS];   /* "2.16", "1.04" */
	char *entry_in[SC_MAX_MANUALS]; /* the entry's id in that manual */
	char *title;
	int entry_line, manual_line; /* where the header says them (for messages) */
	sc_block setup;
	sc_cause *causes;
	size_t n_causes;
} sc_scenario;

/* Parses path; on error why (may be NULL) says "FILE:LINE: what". */
sc_err sc_scenario_load(const char *path, sc_scenario *out, char *why, size_t why_size);
/* The same from memory (name is used in messages). */
sc_err sc_scenario_parse(const char *name, const char *text, size_t len, sc_scenario *out,
                         char *why, size_t why_size);
void sc_scenario_free(sc_scenario *s);

/* The entry's id in manual, NULL when the scenario is not for that manual. */
const char *sc_scenario_entry_in(const sc_scenario *s, const char *manual);

/* The value of key in step, NULL when absent; the i-th positional word, NULL when absent. */
const char *sc_step_get(const sc_step *st, const char *key);
const char *sc_step_word(const sc_step *st, size_t i);

#endif
