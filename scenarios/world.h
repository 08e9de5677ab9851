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

#include "authenticator/phone.h"
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
	const char *workdir;         /* this run's own directory (device files, jars) */
	sc_message_fn message;
	void *message_ctx;
	sc_shows_fn shows;
	/* The card PKI (build/fixtures/pki), NULL none; the CA file the platform's HTTPS is trusted
	 * by, NULL when it serves plain HTTP; the fixtures (pc/browsers.json), NULL built-in. */
	const char *pki_dir;
	const char *tls_ca;
	const char *fixtures_dir;
	/* The platform's card-login front servers (rp/front.h): TLS 1.2, TLS 1.3; NULL none. */
	const char *card_front[2];
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

typedef struct sc_world sc_world;

sc_world *sc_world_new(const sc_world_config *cfg);
void sc_world_free(sc_world *w);

/* Runs one step. SC_SKIP: the step needs something the target lacks (test control). */
sc_status sc_world_step(sc_world *w, const sc_step *st, sc_outcome *out);

/* Whether the step needs the platform's test control (known without running it). */
bool sc_step_needs_test_control(const sc_step *st);
/* Whether verb is in the vocabulary. */
bool sc_step_known(const char *verb);
/* Prints the vocabulary, one verb per line with its arguments and meaning. */
void sc_vocabulary_print(FILE *out);

#endif
