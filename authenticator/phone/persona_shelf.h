/*
 * The personas a process has read, each file read once: every phone of a scenario run asks the
 * shelf instead of parsing the persona's JSON again for each phone, browser and OS update. Safe
 * to share between threads. A persona file edited during a run is seen by the next run.
 */
#ifndef KAGURA_AUTHENTICATOR_PHONE_PERSONA_SHELF_H
#define KAGURA_AUTHENTICATOR_PHONE_PERSONA_SHELF_H

#include "authenticator/phone/persona.h"

typedef struct au_persona_shelf au_persona_shelf;

/* An empty shelf; NULL out of memory. */
au_persona_shelf *au_persona_shelf_new(void);
void au_persona_shelf_free(au_persona_shelf *s);

/*
 * au_persona_load(dir, name, out), read on the first ask for dir and name and copied after it
 * (a run with --fixtures asks for another folder than the default: each is kept apart). A
 * failed read is not kept: the next ask reads the file again and fails the same way. With s
 * NULL, reads dir/name.json directly.
 */
au_err au_persona_get(au_persona_shelf *s, const char *dir, const char *name, au_persona *out);

#endif
