/* explain: a user's report (free text) matched to the catalogue entries it most likely is. */
#ifndef KAGURA_SCENARIOS_EXPLAIN_H
#define KAGURA_SCENARIOS_EXPLAIN_H

#include "scenarios/catalogue.h"

typedef struct sc_match {
	const sc_cat_entry *entry;
	double score; /* 0..1 */
} sc_match;

/* The best entries for text, best first (at most max; those scoring below 0.3 are left out). */
size_t sc_explain(const sc_catalogue *c, const char *text, sc_match *out, size_t max);

#endif
