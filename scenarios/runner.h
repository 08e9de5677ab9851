/*
 * Runs a manual's catalogue: each entry's scenario, each cause in a world of
 * its own (with the embedded platform, its own platform instance on a free
 * loopback port and a temporary store), its remedies after it, and the
 * coverage gate (an entry without a scenario, a cause never provoked, a remedy
 * never applied all fail).
 */
#ifndef KAGURA_SCENARIOS_RUNNER_H
#define KAGURA_SCENARIOS_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

#include "authenticator/phone/phone.h"
#include "scenarios/catalogue.h"
#include "scenarios/scenario.h"
#include "scenarios/screens.h"
#include "scenarios/world.h"

#define SC_MAX_CAUSES_SEEN 32

typedef struct sc_cause_result {
	char id[16];
	char label[256];
	char scenario[512]; /* the file the cause is in */
	sc_status status;
	sc_outcome at; /* the step that decided (the failing one; the last expectation on a pass) */
	/* A stand-in (note.stand-in): the real condition it stands for and what the user sees;
	 * "" when the cause provokes the real condition itself. */
	char stand_in[SC_STAND_IN_MAX];
} sc_cause_result;

typedef struct sc_entry_result {
	char id[16];
	const sc_cat_entry *entry;
	char scenario[512]; /* its file, "" none */
	sc_status status;
	char detail[512]; /* why it failed or was skipped, beyond the causes */
	sc_cause_result causes[SC_MAX_CAUSES_SEEN];
	size_t n_causes; /* cause blocks run (a cause may be provoked in several ways) */
	/* Distinct causes (by id) the scenarios provoke, and those all of whose blocks passed. */
	size_t cause_ids, cause_ids_passed;
	sc_status remedy;
	char remedy_detail[512];
	size_t remedies_applied;
	long ms;
	char *trace; /* --trace: each step and what the user saw (owned; sc_results_free) */
	/* keep_screens: what the user saw after each cause and remedy block, in the order they ran
	 * (owned; sc_results_free) */
	sc_screens *screens;
	size_t n_screens;
} sc_entry_result;

typedef struct sc_run_config {
	const char *manual;            /* "2.16" or "1.04" */
	const sc_catalogue *catalogue; /* of that manual */
	const char *scenario_dir;      /* scenarios/ */
	const char *target;            /* NULL: the embedded platform; else its base URL */
	const char *target_origin;     /* the target's origin as browsers name it (NULL: target) */
	bool target_test_control;      /* the target serves /test-control/ */
	const char *target_ca_file;    /* what the target's HTTPS certificate is trusted by */
	const char *target_fronts[2];  /* the target's card-login front servers; NULL none */
	/* The target's test control when it is not the mock's (a Keycloak's Admin REST API),
	 * borrowed, shared by the run's worlds; NULL: the mock's /test-control/ */
	struct sc_control *target_control;
	const char *target_login_url; /* its login page (a Keycloak realm's); NULL: /login */
	const char *target_done_url;  /* where its logins end (a Keycloak client's redirect) */
	const char *host_from;        /* the manual's platform host (catalogue), NULL none */
	const char *host_to;          /* the platform's host, compared in its place */
	const char *fixtures_dir;     /* NULL: the built-in default */
	const char *pki_dir; /* the card PKI (built by tools/make-test-pki.sh), NULL none */
	const char *attestation_dir;
	bool trace;             /* keep each entry's step trace (sc_entry_result.trace) */
	bool keep_screens;      /* keep the screens and pages (sc_entry_result.screens) */
	unsigned shard, shards; /* run shard K of N (1-based); 0 of 0: all */
	const au_phone_env *phone_env;
	int jobs;
	const char *const *only; /* entry ids to run; NULL all */
	size_t n_only;
	void (*progress)(void *arg, const sc_entry_result *r, size_t done, size_t total);
	void *progress_arg;
} sc_run_config;

/* Results in the catalogue's order (owned: sc_results_free()); n gets their count. */
sc_entry_result *sc_run(const sc_run_config *cfg, size_t *n);

/* What one catalogue's run gives when several run together. */
typedef struct sc_run_output {
	sc_entry_result *results; /* owned: sc_results_free() */
	size_t n;
	long wall_ms; /* from the start until this catalogue's last entry ended */
} sc_run_output;

#define SC_MAX_RUNS 2 /* the manual's generations */

/* Runs several catalogues' entries from one queue (cfgs[0]->jobs workers in all), so both cores
 * stay busy to the end; outs[k] for cfgs[k]. What the worlds share is read once, from cfgs[0]:
 * its pki_dir, attestation_dir and fixtures_dir stand for every catalogue's. false when a
 * catalogue's scenarios cannot be read (then outs holds nothing). */
bool sc_run_all(const sc_run_config *const *cfgs, size_t n_cfgs, sc_run_output *outs);
void sc_results_free(sc_entry_result *results, size_t n);

/* Whether (manual, entry) falls in shard k of n (1-based): the same answer on every machine. */
bool sc_shard_has(const char *manual, const char *entry, unsigned k, unsigned n);

/* The scenario file for an entry of a manual in dir ("" none): path out, size bytes. */
bool sc_scenario_find(const char *dir, const char *manual, const char *entry, char *path,
                      size_t size);

/*
 * Whether seen shows line, up to character width and spacing (SC_TN_WIDTH, SC_TN_SPACE);
 * a run of five or more x in line stands for any text (the manual's placeholder).
 */
bool sc_shows(const char *seen, const char *line);

const char *sc_status_name(sc_status s);

#endif
