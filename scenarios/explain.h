/*
 * explain: a user's report (free text) matched to the catalogue entries it most likely is.
 *
 * Each entry is scored 0..1 by its best line: the title and message lines in full, the other
 * lines of its screen at a discount (labels and page headers are on other pages too). A line
 * found whole in the report, or the report found inside a line, counts by how specific that
 * text is: its length, and whether entries with other messages hold it too; anything else by
 * bigram similarity. The manual's sample values (the catalogue's samples, runs of x, host
 * names) are cut out of its lines first: a report with another user's ID still quotes the
 * message, and a report of only the sample names nothing. A report that names an HTTP status
 * (code or reason phrase) matches the status's pages.
 */
#ifndef KAGURA_SCENARIOS_EXPLAIN_H
#define KAGURA_SCENARIOS_EXPLAIN_H

#include <stdbool.h>

#include "scenarios/catalogue.h"

/*
 * From this score on, a match is presented as one. Observed on the two manuals: quotes, whole
 * or with a typo, another ID or no final stop, 0.9–1.0; a status code 0.85; a fragment of one
 * message of 10+ characters 0.75–0.9; the runner-up of a close paraphrase 0.74. Below: a
 * 9-character fragment (timed out) or a loose paraphrase (WebAuthn not supported) 0.68, a
 * screen line that is not the message 0.6, phrases entries share (NotAllowedError,
 * エラーが発生しました) 0.47–0.63, vaguer words (画面が真っ白, Cookie) under 0.55.
 */
#define SC_EXPLAIN_CONFIDENT 0.7
/* Below this a score is a stray shared bigram or two, no resemblance: the entry is left out. */
#define SC_EXPLAIN_FLOOR 0.3

typedef struct sc_match {
	const sc_cat_entry *entry;
	double score; /* 0..1 */
} sc_match;

/* The best entries for text, best first (at most max; those below SC_EXPLAIN_FLOOR left out). */
size_t sc_explain(const sc_catalogue *c, const char *text, sc_match *out, size_t max);

/* The score of e, an entry of c, for text (0 when text is empty or not UTF-8). */
double sc_explain_score(const sc_catalogue *c, const sc_cat_entry *e, const char *text);

/* True when a message line of e is a browser's exception ("NotAllowedError: …"). */
bool sc_explain_is_exception(const sc_cat_entry *e);

/*
 * Whose browser shows the exception text reports: the personas of FIXTURES_DIR/personas, as
 * sc_persona_texts_showing (persona_texts.h) finds and lists them in names. Returns how many, or
 * -1 with why when they cannot be read.
 */
int sc_explain_personas(const char *fixtures_dir, const char *text, char *names, size_t names_size,
                        char *why, size_t why_size);

#endif
