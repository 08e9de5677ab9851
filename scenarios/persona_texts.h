/*
 * Which personas (fixtures/personas) raise a browser exception text: explain tells whose browser
 * shows the text a user reported, since the same exception reads differently per browser
 * (Chrome's NotAllowedError is not Safari's).
 */
#ifndef KAGURA_SCENARIOS_PERSONA_TEXTS_H
#define KAGURA_SCENARIOS_PERSONA_TEXTS_H

#include <stdbool.h>
#include <stddef.h>

/* True when a message line reads as a browser's exception ("NotAllowedError: …"). */
bool sc_persona_text_is_exception(const char *line);

/*
 * The personas in dir whose exception texts (name ": " message, for create or get) hold the
 * exception the report quotes — from its exception name on, or the whole report when it names
 * none — or are quoted whole in it. Compared as explain compares (SC_TN_MATCH). Their names,
 * sorted and ", "-separated, go to names (cut to names_size). Returns how many, or -1 when dir
 * or a persona cannot be read, with why.
 */
int sc_persona_texts_showing(const char *dir, const char *report, char *names, size_t names_size,
                             char *why, size_t why_size);

#endif
