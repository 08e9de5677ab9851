/*
 * The PC side of the step vocabulary (scenarios/world_pc.c): the IC card and its reader, the
 * card logins over mutual TLS to the platform, proxies on the PC's path, the JPKI client and
 * its extension, the installed CA certificates and the certificate viewer. The world
 * (scenarios/world.c) looks verbs up here after its own table and offers the hooks below.
 */
#ifndef KAGURA_SCENARIOS_WORLD_PC_H
#define KAGURA_SCENARIOS_WORLD_PC_H

#include <stdbool.h>
#include <jansson.h>
#include <stdio.h>

#include "authenticator/pc.h"
#include "scenarios/scenario.h"
#include "scenarios/world.h"

typedef struct sc_pcx sc_pcx;

sc_pcx *sc_pcx_new(sc_world *w, const sc_world_config *cfg);
void sc_pcx_free(sc_pcx *x);

bool sc_pcx_known(const char *verb);
/* The verb's usage line (scenarios/usage.h), NULL when it is not the PC side's. */
const char *sc_pcx_usage(const char *verb);
/* Takes away what the PC side created on a shared platform (My Number card links). */
void sc_pcx_cleanup(sc_pcx *x);
bool sc_pcx_needs_test_control(const char *verb);
/* Whether the verb needs the platform to serve HTTPS with the card PKI (a card login). */
bool sc_pcx_needs_card_pki(const char *verb);
/* Whether any step of the scenario does. */
bool sc_pcx_scenario_needs_card_pki(const sc_scenario *s);
void sc_pcx_vocabulary_print(FILE *out);
sc_status sc_pcx_step(sc_pcx *x, const sc_step *st, sc_outcome *out);

/* ---- what the world (world.c) offers the PC side ---- */

/* The PC browser called sym (pc.new), NULL none. */
/* Sets a step's status and (fmt not NULL) its detail; returns the status. */
sc_status sc_result(sc_outcome *out, sc_status s, const char *fmt, ...);
/* s, or "(none)" for a missing word in a message. */
const char *sc_or_none(const char *s);

au_pc *sc_world_pc_browser(sc_world *w, const char *sym);
/* Records what the user sees at where (pc.page, pc.browser, pc.dialog, pc.viewer); text NULL:
 * nothing is shown there. */
void sc_world_saw(sc_world *w, const char *where, long status, const char *text, const char *kind);
/* Names a user of a known 本人ID (a card's); false when the world has no room. */
bool sc_world_name_user(sc_world *w, const char *sym, const char *id);
/* The platform has a user sym now, created by this world (disabled again at cleanup). */
void sc_world_user_created(sc_world *w, const char *sym);
/* This run's own 本人ID standing for a card PKI's 本人ID (made up the first time). */
const char *sc_world_run_id(sc_world *w, const char *pki_id);
/* The platform's clock moves on by seconds (what it was is put back at cleanup). */
sc_status sc_world_advance_clock(sc_world *w, json_int_t seconds, sc_outcome *out);
/* Test control as the CA: POSTs body (consumed) to /test-control/path; the answer (owned) or
 * NULL with out filled. */
json_t *sc_world_control(sc_world *w, const char *path, json_t *body, sc_outcome *out);
/* The 本人ID of a named user, NULL unknown. */
const char *sc_world_user_id(sc_world *w, const char *sym);

#endif
