/*
 * The world a scenario acts on, and the step vocabulary that acts on it:
 * ca.* and clock.* and net.* (the platform's test control), phone.* (the
 * simulated phones), pc.* (the PC browsers), expect.* (what the user sees,
 * compared with the manual catalogue). Each step is one call; a failed
 * expectation says what was expected, what was seen and where.
 */
#ifndef KAGURA_SCENARIOS_WORLD_H
#define KAGURA_SCENARIOS_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "authenticator/phone/phone.h"
#include "scenarios/scenario.h"

/*
 * The catalogue's message lines of entry in the run's manual; false when the
 * catalogue has no such entry. The world never reads the platform's own texts.
 */
typedef bool (*sc_message_fn)(void *ctx, const char *entry, const char *const **lines, size_t *n);
/* Whether seen shows line, as a person reading the screen would judge it. */
typedef bool (*sc_shows_fn)(const char *seen, const char *line);

typedef struct sc_world_config {
	const char *base;   /* where the platform listens: "http://127.0.0.1:PORT" */
	const char *origin; /* the platform's origin as browsers name it (its QR URLs start so) */
	const char *manual; /* "2.16" or "1.04" */
	bool test_control;  /* the platform serves /test-control/ */
	const char *entry;  /* the scenario's entry: expect.message's default */
	const au_phone_env *phone_env;
	const char *attestation_dir; /* for new phones */
	/* The run's CAs and spare keys (scenarios/keyring.h), borrowed; never NULL. */
	const struct sc_keyring *keys;
	const char *workdir; /* this run's own directory (device files, jars) */
	sc_message_fn message;
	void *message_ctx;
	sc_shows_fn shows;
	/* The card PKI (build/fixtures/pki), NULL none; the CA file the platform's HTTPS is trusted
	 * by, NULL when it serves plain HTTP; the fixtures (pc/browsers.json), NULL built-in. */
	const char *pki_dir;
	const char *tls_ca;
	const char *fixtures_dir;
	/* The PC browsers' error pages, borrowed (read only, so one table serves every world of a
	 * run); NULL: the world reads fixtures_dir's pc/browsers.json itself. */
	const struct au_pcb_table *pc_pages;
	/* The platform's card-login front servers (rp/front.h): TLS 1.2, TLS 1.3; NULL none. */
	const char *card_front[2];
	/* A platform others use too (--target): the world leaves nothing of its own enabled and
	 * puts back the clock and networks it changed (sc_world_cleanup). */
	bool shared;
	/* The manual's screens name host_from; this platform is host_to: messages are compared
	 * with host_to in its place. NULL, or the same: as the catalogue has them. */
	const char *host_from, *host_to;
	/* Each step and what the user saw after it, one paragraph per step; NULL none. */
	FILE *trace;
	/* Keep each browser's page as served (sc_world_screens gives them): the html report. */
	bool keep_pages;
	/* The platform's test control (control.h), borrowed; NULL: the mock's at base, the
	 * world's own. What it lacks skips the steps that need it. */
	struct sc_control *control;
	/* The login page a phone opens (a Keycloak realm's auth endpoint); NULL: base/login. */
	const char *login_url;
	/* Where a finished login lands (a Keycloak client's redirect URI): a page there with a
	 * code is a logged-in page; NULL: the mock's page classes say. */
	const char *done_url;
} sc_world_config;

typedef enum sc_status { SC_PASS, SC_FAIL, SC_SKIP, SC_ERROR } sc_status;

/* What one step did. */
typedef struct sc_outcome {
	sc_status status;
	int line;
	char where[32]; /* phone.page, phone.error, phone.prompt, pc.page, ... */
	char expected[1024];
	char seen[2400];
	char detail[512]; /* why a step failed or was skipped */
} sc_outcome;

/* A stand-in's note: what real condition a cause stands for and what the user sees. */
#define SC_STAND_IN_MAX 600

typedef struct sc_world sc_world;

sc_world *sc_world_new(const sc_world_config *cfg);
/* The PC browsers' error pages of fixtures_dir (NULL: the built-in fixtures), for
 * sc_world_config.pc_pages (owned; au_pcb_free); NULL when unreadable: each world then says so. */
struct au_pcb_table *sc_world_pc_pages_load(const char *fixtures_dir);
/* The cause's stand-in note (note.stand-in), "" none. */
const char *sc_world_stand_in(const sc_world *w);
void sc_world_free(sc_world *w);

/* The setup is running (true) or done: without test control its steps that need it are left
 * out, and a later step that names what they make is skipped. */
void sc_world_setup(sc_world *w, bool setup);

/* Runs one step. SC_SKIP: the step needs something the target lacks (test control). */
sc_status sc_world_step(sc_world *w, const sc_step *st, sc_outcome *out);

/*
 * What the world created on a shared platform is disabled again (users, My Number card links)
 * and the clock and forbidden networks are put back as they were found. Test control only.
 */
void sc_world_cleanup(sc_world *w);

/* Steps run so far: a mark for sc_world_screens. */
unsigned sc_world_steps(const sc_world *w);
/* What the places the steps after mark showed something in show now (every place that shows
 * something when none did: what the user still looks at), pages as served when the world keeps
 * them (keep_pages); false when memory runs out (out then shows less). For the visual report. */
struct sc_screens;
bool sc_world_screens(sc_world *w, unsigned mark, struct sc_screens *out);

/* Whether any step of the scenario uses the test PKI's cards (the embedded platform then serves
 * HTTPS with the card PKI). */
bool sc_scenario_needs_card_pki(const sc_scenario *s);

/* Whether the step needs the platform's test control (known without running it). */
bool sc_step_needs_test_control(const sc_step *st);
/* Whether the step changes what every user of the platform sees (its clock, its networks). */
bool sc_step_changes_platform(const sc_step *st);
/* Whether verb is in the vocabulary. */
bool sc_step_known(const char *verb);
/* Whether the step is in the vocabulary with the words its usage line admits; why says not. */
bool sc_step_check(const sc_step *st, char *why, size_t why_size);
/* Prints the vocabulary, one verb per line with its arguments and meaning. */
void sc_vocabulary_print(FILE *out);

#endif
