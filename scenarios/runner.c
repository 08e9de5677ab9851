/* nftw() is XSI; a thread's cores (pthread_setaffinity_np) are GNU, which includes XSI. */
#define _GNU_SOURCE

#include "scenarios/runner.h"

#include <dirent.h>
#include <stdint.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "authenticator/pc/pcbrowser.h"
#include "rp/platform.h"
#include "scenarios/control.h"
#include "scenarios/keyring.h"
#include "scenarios/textcut.h"
#include "scenarios/textnorm.h"

#define MAX_FILES 512
#define WHY_MAX   600 /* one file's error, with its path */

const char *sc_status_name(sc_status s)
{
	return s == SC_PASS ? "pass" : s == SC_SKIP ? "skip" : "fail";
}

/* ---- matching what the screen shows ---- */

/*
 * What a reader of the screen cannot tell apart: character width and line breaks or
 * spacing. Nothing else: a changed long vowel, letter case or quote is a changed message.
 */
static char *fold(const char *s)
{
	char *out = NULL;

	return sc_textnorm(s, strlen(s), SC_TN_WIDTH | SC_TN_SPACE, &out, NULL) == SC_TN_OK ? out
	                                                                                    : NULL;
}

/* A run of five or more x in the catalogue is the manual's placeholder (the user's ID). */
static const char *placeholder(const char *s, size_t *len)
{
	for (const char *p = s; *p != '\0'; p++) {
		size_t n = strspn(p, "xX");
		if (n >= 5) {
			*len = n;
			return p;
		}
		if (n > 0)
			p += n - 1;
	}
	return NULL;
}

bool sc_shows(const char *seen, const char *line)
{
	char *hay = fold(seen), *needle = fold(line);
	const char *at;
	char *from;
	bool ok = hay != NULL && needle != NULL && needle[0] != '\0';
	size_t n;

	/* Each piece between placeholders appears, in order. */
	for (at = hay, from = needle; ok;) {
		const char *ph = placeholder(from, &n);
		size_t piece = ph ? (size_t)(ph - from) : strlen(from);
		char *hit;
		char saved = from[piece];

		from[piece] = '\0';
		hit = piece ? strstr(at, from) : (char *)at;
		from[piece] = saved;
		if (hit == NULL) {
			ok = false;
			break;
		}
		at = hit + piece;
		if (ph == NULL)
			break;
		from = (char *)ph + n;
	}
	free(hay);
	free(needle);
	return ok;
}

/* ---- scenario files ---- */

typedef struct file_set {
	sc_scenario *s;
	size_t n;
	char (*broken)[WHY_MAX]; /* files that do not parse, or that say what cannot be, with why */
	size_t n_broken;
} file_set;

static void files_free(file_set *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		sc_scenario_free(&fs->s[i]);
	free(fs->s);
	free(fs->broken);
	memset(fs, 0, sizeof(*fs));
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static bool is_scenario(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return d->d_name[0] != '.' && n > 4 && strcmp(d->d_name + n - 4, ".scn") == 0;
}

static int keep_scenario(const struct dirent *d)
{
	return is_scenario(d);
}

/* Every step of a block fits the vocabulary; why gets "FILE:LINE: what". */
static bool block_checked(const sc_scenario *s, const sc_block *b, char *why, size_t size)
{
	char what[400];

	for (size_t i = 0; i < b->n_steps; i++)
		if (!sc_step_check(&b->steps[i], what, sizeof(what))) {
			sc_text_printf(why, size, "%s:%d: %s", s->path, b->steps[i].line, what);
			return false;
		}
	return true;
}

static bool steps_checked(const sc_scenario *s, char *why, size_t size)
{
	if (!block_checked(s, &s->setup, why, size))
		return false;
	for (size_t i = 0; i < s->n_causes; i++) {
		if (!block_checked(s, &s->causes[i].block, why, size))
			return false;
		for (size_t k = 0; k < s->causes[i].n_remedies; k++)
			if (!block_checked(s, &s->causes[i].remedies[k], why, size))
				return false;
	}
	return true;
}

/*
 * Every *.scn of dir, parsed and checked: each step against the vocabulary, the entry against
 * the catalogue of manual (a file for an entry the manual does not have is an error, not a
 * file that never runs). A file that fails is kept with its error.
 */
static bool files_load(const char *dir, const char *manual, const sc_catalogue *cat, file_set *fs)
{
	struct dirent **list = NULL;
	int n = scandir(dir, &list, keep_scenario, by_name);

	memset(fs, 0, sizeof(*fs));
	if (n < 0)
		return false;
	fs->s = calloc((size_t)n + 1, sizeof(*fs->s));
	fs->broken = calloc((size_t)n + 2, sizeof(*fs->broken));
	for (int i = 0; i < n; i++) {
		char path[4096], why[WHY_MAX];
		sc_scenario *s = fs->s ? &fs->s[fs->n] : NULL;
		const char *id;
		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		free(list[i]);
		if (s == NULL || fs->broken == NULL)
			continue;
		if (i >= MAX_FILES) {
			if (i == MAX_FILES)
				sc_text_printf(fs->broken[fs->n_broken++], WHY_MAX,
				               "%s: more than %d scenario files", dir, MAX_FILES);
			continue;
		}
		if (sc_scenario_load(path, s, why, sizeof(why)) != SC_OK) {
			sc_text_copy(fs->broken[fs->n_broken++], WHY_MAX, why);
			continue;
		}
		if (!steps_checked(s, why, sizeof(why))) {
			sc_text_copy(fs->broken[fs->n_broken++], WHY_MAX, why);
			sc_scenario_free(s);
			continue;
		}
		id = manual ? sc_scenario_entry_in(s, manual) : NULL;
		if (id != NULL && cat != NULL && sc_catalogue_find(cat, id) == NULL) {
			sc_text_printf(fs->broken[fs->n_broken++], WHY_MAX,
			               "%s:%d: entry %s is not in the catalogue of manual %s", path,
			               s->manual_line ? s->manual_line : s->entry_line, id, manual);
			sc_scenario_free(s);
			continue;
		}
		fs->n++;
	}
	free(list);
	return fs->s != NULL && fs->broken != NULL;
}

/* The scenarios for an entry of manual, in file order, into found (at most max). */
static size_t scenarios_for(const file_set *fs, const char *manual, const char *entry,
                            const sc_scenario **found, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < fs->n && n < max; i++) {
		const char *id = sc_scenario_entry_in(&fs->s[i], manual);
		if (id != NULL && strcmp(id, entry) == 0)
			found[n++] = &fs->s[i];
	}
	return n;
}

bool sc_scenario_find(const char *dir, const char *manual, const char *entry, char *path,
                      size_t size)
{
	file_set fs;
	const sc_scenario *s = NULL;
	bool found;

	if (!files_load(dir, NULL, NULL, &fs))
		return false;
	found = scenarios_for(&fs, manual, entry, &s, 1) == 1 &&
	        snprintf(path, size, "%s", s->path) < (int)size;
	files_free(&fs);
	return found;
}

/* ---- one cause in a world of its own ---- */

/* The embedded platforms a run may share: plain HTTP, and HTTPS with the card PKI. */
#define MAX_JOBS    64
#define CARD_WEIGHT 4 /* a card entry's cause against a phone entry's, roughly, in time */

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

#define SCRATCH_IN_MEMORY "/dev/shm"

typedef enum embedded_kind { EMBEDDED_PLAIN, EMBEDDED_CARDS, EMBEDDED_KINDS } embedded_kind;

typedef struct job {
	const sc_run_config *cfg;
	const file_set *files;
	sc_entry_result *results;
	size_t n, done;
	long wall_ms; /* from the run's start until its last entry ended */
	/* On a shared target, a cause that changes the platform's clock or networks runs alone
	 * (write lock); every other cause, of any catalogue, shares (read lock): the run's one
	 * lock, borrowed. */
	pthread_rwlock_t *target;
	const sc_keyring *keys; /* the run's (sc_run_all's); NULL: keys_why says why */
	const char *keys_why;
	const au_pcb_table *pc_pages; /* the run's (sc_run_all's); NULL: each world reads its own */
} job;

/* An embedded platform serves one worker's world, a few requests at a time (its phones, its PC,
 * the CA's hand): one polling thread and two handlers, however many cores the machine has. */
static const rp_http_limits platform_limits = {.poll_threads = 1, .workers = 2};

/* The test-control client of a job's target (kept.hand's last slot). */
#define TARGET_HAND EMBEDDED_KINDS

/*
 * What a worker keeps from one of its causes to the next, for one catalogue's job (owned by the
 * worker, stopped and freed when it ends).
 *
 * Without a target, the embedded platforms every cause that leaves the platform as it found it
 * shares (started on first use; one plain, one with the card PKI): its users, cards and links
 * are its own, as on a shared target. A cause that changes the clock or networks gets a platform
 * of its own instead. Each worker starts its own, from its own thread: a platform's threads then
 * run where the worker runs (worker_main), and the worker's requests never wait for another's.
 *
 * The test-control client of each platform that outlives a cause: the CA's hand keeps one
 * connection to it, as an administrator's browser would, instead of a new one and a TLS
 * handshake for every cause. It keeps no cookies, so no cause sees what another did through it.
 * A platform of a cause's own gets the world's own client, gone with it.
 */
typedef struct kept {
	const job *j;
	rp_platform *platform[EMBEDDED_KINDS];
	char platform_why[EMBEDDED_KINDS][300]; /* "" until a platform of the kind failed */
	sc_control *hand[EMBEDDED_KINDS + 1];
} kept;

typedef struct worker_state {
	kept kept[SC_MAX_RUNS];
	size_t n;
} worker_state;

/* What the worker keeps for j (added on first use; never NULL: one slot per job of a run). */
static kept *kept_for(worker_state *ws, const job *j)
{
	size_t i = 0;

	while (i < ws->n && ws->kept[i].j != j)
		i++;
	if (i == ws->n) {
		memset(&ws->kept[i], 0, sizeof(ws->kept[i]));
		ws->kept[i].j = j;
		ws->n++;
	}
	return &ws->kept[i];
}

/* The worker's platform of a kind for k's job, started on first use; NULL with why when it
 * cannot start (and this worker's later causes of that kind are told the same). */
static rp_platform *shared_platform(kept *k, embedded_kind kind, const rp_platform_options *po,
                                    char *why, size_t why_size)
{
	if (k->platform[kind] == NULL && k->platform_why[kind][0] == '\0' &&
	    (k->platform[kind] = rp_platform_start(po, k->platform_why[kind],
	                                           sizeof(k->platform_why[kind]))) == NULL &&
	    k->platform_why[kind][0] == '\0')
		snprintf(k->platform_why[kind], sizeof(k->platform_why[kind]), "did not start");
	if (k->platform[kind] == NULL)
		snprintf(why, why_size, "%s", k->platform_why[kind]);
	return k->platform[kind];
}

/* The worker's test-control client for the platform at base (slot: its kind, or TARGET_HAND),
 * made on first use; NULL when it cannot be made (the world then tries to make its own). */
static sc_control *hand_for(kept *k, int slot, const char *base, const char *ca_file)
{
	if (k->hand[slot] == NULL)
		k->hand[slot] = sc_control_mock_new(base, ca_file);
	return k->hand[slot];
}

/* The clients first: a platform stops with no connection of the worker's left open to it. */
static void worker_state_free(worker_state *ws)
{
	for (size_t i = 0; i < ws->n; i++) {
		for (int h = 0; h <= TARGET_HAND; h++)
			sc_control_free(ws->kept[i].hand[h]);
		for (int kind = 0; kind < EMBEDDED_KINDS; kind++)
			rp_platform_stop(ws->kept[i].platform[kind]);
	}
	ws->n = 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static bool message_of(void *ctx, const char *entry, const char *const **lines, size_t *n)
{
	const sc_cat_entry *e = sc_catalogue_find(ctx, entry);

	if (e == NULL)
		return false;
	*lines = e->messages;
	*n = e->n_messages;
	return true;
}

/* Runs a block's steps; the first step that does not pass decides. */
static sc_status run_block(sc_world *w, const sc_block *b, sc_outcome *decided)
{
	sc_outcome out;

	memset(decided, 0, sizeof(*decided));
	decided->line = b->line;
	for (size_t i = 0; i < b->n_steps; i++) {
		sc_status s = sc_world_step(w, &b->steps[i], &out);
		if (s != SC_PASS || strncmp(b->steps[i].verb, "expect.", 7) == 0)
			*decided = out;
		if (s != SC_PASS)
			return s;
	}
	decided->status = SC_PASS;
	return SC_PASS;
}

static void merge(sc_status *into, sc_status s)
{
	/* fail > error > skip > pass: a report's worst. */
	if (s == SC_FAIL || *into == SC_FAIL)
		*into = SC_FAIL;
	else if (s == SC_ERROR || *into == SC_ERROR)
		*into = SC_ERROR;
	else if (s == SC_SKIP)
		*into = SC_SKIP;
}

static bool block_changes_platform(const sc_block *b)
{
	for (size_t i = 0; i < b->n_steps; i++)
		if (sc_step_changes_platform(&b->steps[i]))
			return true;
	return false;
}

/* Whether the cause (with the setup before it and its remedies) changes the platform. */
static bool cause_changes_platform(const sc_scenario *s, const sc_cause *c)
{
	if (block_changes_platform(&s->setup) || block_changes_platform(&c->block))
		return true;
	for (size_t i = 0; i < c->n_remedies; i++)
		if (block_changes_platform(&c->remedies[i]))
			return true;
	return false;
}

/* A scenario with card logins needs the platform over HTTPS with the card PKI. */
static bool needs_card_pki(const sc_run_config *cfg, const sc_scenario *s)
{
	return cfg->target == NULL && cfg->pki_dir != NULL && sc_scenario_needs_card_pki(s);
}

/* The screens at the end of a block (keep_screens), appended to the entry's; a block whose
 * screens cannot be kept is left out of the report, never of the result. */
static void keep_screens(const sc_run_config *cfg, sc_world *w, unsigned mark, sc_entry_result *r,
                         const sc_block *b, bool remedy, sc_status status, long ms)
{
	sc_screens *grown, *s;

	if (!cfg->keep_screens)
		return;
	if ((grown = realloc(r->screens, (r->n_screens + 1) * sizeof(*grown))) == NULL)
		return;
	r->screens = grown;
	s = &grown[r->n_screens];
	*s = (sc_screens){.remedy = remedy, .cause = r->n_causes - 1, .status = status, .ms = ms};
	sc_text_copy(s->block, sizeof(s->block), b->id);
	if (!sc_world_screens(w, mark, s)) {
		sc_screens_reset(s);
		return;
	}
	r->n_screens++;
}

static void run_cause_in(const sc_run_config *cfg, sc_world *w, const sc_scenario *s,
                         const sc_cause *c, sc_entry_result *r, sc_cause_result *cr)
{
	sc_outcome out;
	sc_status setup;
	struct timespec t0;
	unsigned mark;

	sc_world_setup(w, true);
	setup = run_block(w, &s->setup, &out);
	sc_world_setup(w, false);
	if (setup != SC_PASS) {
		cr->status = out.status == SC_SKIP ? SC_SKIP : SC_ERROR;
		cr->at = out;
		sc_text_printf(cr->at.detail, sizeof(cr->at.detail), "setup, line %d: %s", out.line,
		               out.detail);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	mark = sc_world_steps(w);
	cr->status = run_block(w, &c->block, &cr->at);
	keep_screens(cfg, w, mark, r, &c->block, false, cr->status, ms_since(&t0));
	/* The remedies act on the world the cause left, and must bring the user through. */
	for (size_t i = 0; cr->status == SC_PASS && i < c->n_remedies; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		mark = sc_world_steps(w);
		sc_status rs = run_block(w, &c->remedies[i], &out);
		keep_screens(cfg, w, mark, r, &c->remedies[i], true, rs, ms_since(&t0));
		r->remedies_applied++;
		merge(&r->remedy, rs);
		if (rs != SC_PASS && r->remedy_detail[0] == '\0')
			sc_text_printf(r->remedy_detail, sizeof(r->remedy_detail),
			               "remedy %s (%s line %d): %s; expected %s; seen %s",
			               c->remedies[i].id, s->path, out.line, out.detail,
			               out.expected, out.seen);
		/* the remedies after a skipped one stand on what it would have done */
		if (rs == SC_SKIP)
			break;
	}
}

/* Where a cause's world keeps its throwaway files (device files, cookie jars): memory when the
 * machine offers it, as nothing there outlives the cause and a disk would only add inode work. */
static const char *scratch_root(void)
{
	return access(SCRATCH_IN_MEMORY, W_OK | X_OK) == 0 ? SCRATCH_IN_MEMORY : "/tmp";
}

static void run_cause(job *j, worker_state *ws, const sc_scenario *s, const sc_cause *c,
                      const char *entry, sc_entry_result *r, FILE *trace)
{
	const sc_run_config *cfg = j->cfg;
	sc_cause_result *cr = &r->causes[r->n_causes++];
	char workdir[64], why[300];
	rp_platform *platform = NULL, *borrowed = NULL; /* borrowed: the worker's shared one */
	kept *k = kept_for(ws, j);
	sc_world *w = NULL;
	sc_control *control = cfg->target != NULL ? cfg->target_control : NULL;
	bool alone = cfg->target != NULL && cause_changes_platform(s, c);
	rp_platform_options po = {.manual = cfg->manual,
	                          .fixtures_dir = cfg->fixtures_dir,
	                          .test_control = true,
	                          .limits = &platform_limits};

	sc_text_copy(cr->id, sizeof(cr->id), c->block.id);
	sc_text_copy(cr->label, sizeof(cr->label), c->block.label);
	sc_text_copy(cr->scenario, sizeof(cr->scenario), s->path);
	if (trace != NULL)
		fprintf(trace, "cause %s (%s:%d) %s\n", c->block.id, s->path, c->block.line,
		        c->block.label);
	snprintf(workdir, sizeof(workdir), "%s/kagura-scenario-XXXXXX", scratch_root());
	if (mkdtemp(workdir) == NULL) {
		cr->status = SC_ERROR;
		sc_text_printf(cr->at.detail, sizeof(cr->at.detail), "no temporary directory: %s",
		               strerror(errno));
		return;
	}
	if (needs_card_pki(cfg, s)) {
		po.card_pki = cfg->pki_dir;
		po.https = po.card_fronts = true;
	}
	if (cfg->target == NULL) {
		embedded_kind kind = po.card_pki != NULL ? EMBEDDED_CARDS : EMBEDDED_PLAIN;
		bool own = cause_changes_platform(s, c);
		platform = own ? rp_platform_start(&po, why, sizeof(why))
		               : shared_platform(k, kind, &po, why, sizeof(why));
		if (platform == NULL) {
			cr->status = SC_ERROR;
			sc_text_printf(cr->at.detail, sizeof(cr->at.detail),
			               "embedded platform: %s", why);
			goto out;
		}
		if (!own) {
			borrowed = platform;
			control = hand_for(k, kind, rp_platform_base(platform),
			                   rp_platform_tls_ca(platform));
		}
	} else if (control == NULL && cfg->target_test_control) {
		control = hand_for(k, TARGET_HAND, cfg->target, cfg->target_ca_file);
	}
	if (j->keys == NULL) {
		cr->status = SC_ERROR;
		sc_text_printf(cr->at.detail, sizeof(cr->at.detail), "keys: %s", j->keys_why);
		goto out;
	}
	sc_world_config wc = {
	        .base = platform ? rp_platform_base(platform) : cfg->target,
	        .origin = platform             ? rp_platform_origin(platform)
	                  : cfg->target_origin ? cfg->target_origin
	                                       : cfg->target,
	        .manual = cfg->manual,
	        .test_control = platform != NULL || cfg->target_test_control,
	        .entry = entry,
	        .phone_env = cfg->phone_env,
	        .attestation_dir = cfg->attestation_dir,
	        .keys = j->keys,
	        .workdir = workdir,
	        .message = message_of,
	        .message_ctx = (void *)cfg->catalogue,
	        .shows = sc_shows,
	        .pki_dir = cfg->pki_dir,
	        .tls_ca = platform ? rp_platform_tls_ca(platform) : cfg->target_ca_file,
	        .fixtures_dir = cfg->fixtures_dir,
	        .pc_pages = j->pc_pages,
	        .card_front = {platform ? rp_platform_front(platform, RP_FRONT_TLS12)
	                                : cfg->target_fronts[0],
	                       platform ? rp_platform_front(platform, RP_FRONT_TLS13)
	                                : cfg->target_fronts[1]},
	        .shared = cfg->target != NULL,
	        .host_from = platform ? NULL : cfg->host_from,
	        .host_to = platform ? NULL : cfg->host_to,
	        .trace = trace,
	        .control = control,
	        .login_url = platform ? NULL : cfg->target_login_url,
	        .done_url = platform ? NULL : cfg->target_done_url,
	        .keep_pages = cfg->keep_screens,
	};
	if ((w = sc_world_new(&wc)) == NULL) {
		cr->status = SC_ERROR;
		sc_text_copy(cr->at.detail, sizeof(cr->at.detail), "out of memory");
		goto out;
	}
	if (cfg->target != NULL) {
		if (alone)
			pthread_rwlock_wrlock(j->target);
		else
			pthread_rwlock_rdlock(j->target);
	}
	run_cause_in(cfg, w, s, c, r, cr);
	sc_text_copy(cr->stand_in, sizeof(cr->stand_in), sc_world_stand_in(w));
	sc_world_cleanup(w);
	if (cfg->target != NULL)
		pthread_rwlock_unlock(j->target);
out:
	sc_world_free(w);
	if (platform != borrowed)
		rp_platform_stop(platform);
	nftw(workdir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* ---- coverage: every documented cause provoked, every remedy applied ---- */

static bool cause_in(const sc_scenario *const *ss, size_t n, const char *id)
{
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < ss[k]->n_causes; i++)
			if (strcmp(ss[k]->causes[i].block.id, id) == 0)
				return true;
	return false;
}

static bool remedy_in(const sc_scenario *const *ss, size_t n, const char *id)
{
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < ss[k]->n_causes; i++)
			for (size_t r = 0; r < ss[k]->causes[i].n_remedies; r++)
				if (strcmp(ss[k]->causes[i].remedies[r].id, id) == 0)
					return true;
	return false;
}

/* The first catalogue item of a list the scenarios leave out, or NULL. */
static const char *uncovered(const sc_scenario *const *ss, size_t n, const sc_cat_item *items,
                             size_t n_items,
                             bool (*in)(const sc_scenario *const *, size_t, const char *))
{
	for (size_t i = 0; i < n_items; i++)
		if (items[i].kind == SC_CAT_ITEM && items[i].parent == NULL &&
		    !in(ss, n, items[i].id))
			return items[i].id;
	return NULL;
}

/* Distinct cause ids among the blocks run, and those whose every block passed. */
static void count_cause_ids(sc_entry_result *r)
{
	r->cause_ids = r->cause_ids_passed = 0;
	for (size_t i = 0; i < r->n_causes; i++) {
		bool first = true, all = true;
		for (size_t k = 0; k < r->n_causes; k++) {
			if (strcmp(r->causes[k].id, r->causes[i].id) != 0)
				continue;
			if (k < i)
				first = false;
			all = all && r->causes[k].status == SC_PASS;
		}
		if (first) {
			r->cause_ids++;
			r->cause_ids_passed += all;
		}
	}
}

#define MAX_FILES_PER_ENTRY 8

/* A skipped entry says why: its first skipped cause's reason, else its remedy's. */
static void skip_reason(sc_entry_result *r)
{
	for (size_t i = 0; i < r->n_causes; i++)
		if (r->causes[i].status == SC_SKIP && r->causes[i].at.detail[0] != '\0') {
			sc_text_printf(r->detail, sizeof(r->detail), "cause %s: %s",
			               r->causes[i].id, r->causes[i].at.detail);
			return;
		}
	sc_text_copy(r->detail, sizeof(r->detail), r->remedy_detail);
}

static void run_entry(job *j, worker_state *ws, sc_entry_result *r)
{
	const sc_run_config *cfg = j->cfg;
	const sc_scenario *ss[MAX_FILES_PER_ENTRY];
	size_t n = scenarios_for(j->files, cfg->manual, r->id, ss, MAX_FILES_PER_ENTRY);
	const char *missing;
	struct timespec t0, t1;
	char *trace_buf = NULL;
	size_t trace_len = 0;
	FILE *trace = cfg->trace ? open_memstream(&trace_buf, &trace_len) : NULL;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r->remedy = SC_PASS;
	if (n == 0) {
		r->status = SC_FAIL;
		sc_text_printf(r->detail, sizeof(r->detail),
		               "no scenario for entry %s of manual %s", r->id, cfg->manual);
		goto out;
	}
	sc_text_copy(r->scenario, sizeof(r->scenario), ss[0]->path);
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < ss[k]->n_causes && r->n_causes < SC_MAX_CAUSES_SEEN; i++)
			run_cause(j, ws, ss[k], &ss[k]->causes[i], r->id, r, trace);
	r->status = SC_PASS;
	for (size_t i = 0; i < r->n_causes; i++)
		merge(&r->status, r->causes[i].status);
	merge(&r->status, r->remedy);
	count_cause_ids(r);
	if ((missing = uncovered(ss, n, r->entry->causes, r->entry->n_causes, cause_in)) != NULL) {
		r->status = SC_FAIL;
		sc_text_printf(r->detail, sizeof(r->detail),
		               "cause %s of the catalogue is not provoked", missing);
	} else if ((missing = uncovered(ss, n, r->entry->remedies, r->entry->n_remedies,
	                                remedy_in)) != NULL) {
		r->status = SC_FAIL;
		sc_text_printf(r->detail, sizeof(r->detail),
		               "remedy %s of the catalogue is not applied", missing);
	}
	if (r->status == SC_ERROR)
		r->status = SC_FAIL;
	if (r->status == SC_SKIP && r->detail[0] == '\0')
		skip_reason(r);
out:
	if (trace != NULL && fclose(trace) == 0)
		r->trace = trace_buf;
	else
		free(trace_buf);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
}

/* One entry to run: which catalogue's job, which result. */
typedef struct task {
	job *j;
	size_t i;
	unsigned weight; /* a guess at its cost, to start the longest first */
} task;

/* The entries of every catalogue of the run, handed out to the workers from one queue, so a
 * worker that finishes one catalogue goes on with the other. */
typedef struct pool {
	task *tasks;
	size_t n, next;
	pthread_mutex_t lock;
	struct timespec started;
} pool;

/* A worker: the run's queue, and the core it keeps to (NO_CORE: any). */
#define NO_CORE (-1)
typedef struct worker_arg {
	pool *p;
	int core;
} worker_arg;

static void *worker_main(void *arg)
{
	const worker_arg *a = arg;
	pool *p = a->p;
	worker_state ws = {0};

	/*
	 * Set before the first platform starts, so its threads (created here) keep to the same
	 * core: a request and its answer then pass between threads of one core, never waking the
	 * other from idle, which costs most on a virtual machine. Refused: the worker runs
	 * anywhere.
	 */
	if (a->core != NO_CORE) {
		cpu_set_t one;
		CPU_ZERO(&one);
		CPU_SET(a->core, &one);
		(void)pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
	}
	for (;;) {
		task *t;
		pthread_mutex_lock(&p->lock);
		t = p->next < p->n ? &p->tasks[p->next++] : NULL;
		pthread_mutex_unlock(&p->lock);
		if (t == NULL) {
			worker_state_free(&ws);
			return NULL;
		}
		run_entry(t->j, &ws, &t->j->results[t->i]);
		pthread_mutex_lock(&p->lock);
		t->j->done++;
		t->j->wall_ms = ms_since(&p->started);
		if (t->j->cfg->progress)
			t->j->cfg->progress(t->j->cfg->progress_arg, &t->j->results[t->i],
			                    t->j->done, t->j->n);
		pthread_mutex_unlock(&p->lock);
	}
}

/* FNV-1a: a hash every machine computes alike, so shards agree without talking. */
static uint32_t fnv1a(const char *a, const char *b)
{
	uint32_t h = 2166136261u;

	for (const char *p = a; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ ':') * 16777619u;
	for (const char *p = b; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

bool sc_shard_has(const char *manual, const char *entry, unsigned k, unsigned n)
{
	return n == 0 || fnv1a(manual, entry) % n == k - 1;
}

static bool wanted(const sc_run_config *cfg, const char *id)
{
	bool listed = cfg->only == NULL;

	for (size_t i = 0; !listed && i < cfg->n_only; i++)
		listed = strcmp(cfg->only[i], id) == 0;
	return listed && sc_shard_has(cfg->manual, id, cfg->shard, cfg->shards);
}

void sc_results_free(sc_entry_result *results, size_t n)
{
	for (size_t i = 0; results != NULL && i < n; i++) {
		free(results[i].trace);
		for (size_t k = 0; k < results[i].n_screens; k++)
			sc_screens_reset(&results[i].screens[k]);
		free(results[i].screens);
	}
	free(results);
}

/* A guess at an entry's cost: its causes, a card login's handshakes and certificates weighing
 * more. Only the order the workers take entries in depends on it, never a result. */
static unsigned entry_weight(const job *j, const sc_entry_result *r)
{
	const sc_scenario *ss[MAX_FILES_PER_ENTRY];
	size_t n = scenarios_for(j->files, j->cfg->manual, r->id, ss, MAX_FILES_PER_ENTRY);
	unsigned w = 0;

	for (size_t k = 0; k < n; k++)
		w += (unsigned)ss[k]->n_causes * (needs_card_pki(j->cfg, ss[k]) ? CARD_WEIGHT : 1);
	return w;
}

static int heavier_first(const void *a, const void *b)
{
	const task *x = a, *y = b;

	return x->weight != y->weight ? (x->weight < y->weight ? 1 : -1)
	       : x->j != y->j         ? (x->j < y->j ? -1 : 1)
	                              : (x->i > y->i) - (x->i < y->i);
}

/*
 * The core each of n_workers keeps to: each its own, when they start embedded platforms and
 * there are exactly as many cores the process may run on as workers, so that the run takes the
 * whole machine and no other placement could be better. Otherwise none:
 *  - with fewer cores, two workers kept to one would wait for each other while another idled;
 *  - with more, other processes (another run, a shard, the tests) would be kept to the same
 *    first cores while the others idled;
 *  - one worker gains nothing (there is no other core to wake);
 *  - a target's threads are not the workers' to place.
 */
static void pick_cores(int n_workers, bool embedded, worker_arg *args)
{
	cpu_set_t allowed;
	int t = 0;

	for (int i = 0; i < n_workers; i++)
		args[i].core = NO_CORE;
	if (!embedded || n_workers < 2 || sched_getaffinity(0, sizeof(allowed), &allowed) != 0 ||
	    CPU_COUNT(&allowed) != n_workers)
		return;
	for (int cpu = 0; cpu < CPU_SETSIZE && t < n_workers; cpu++)
		if (CPU_ISSET(cpu, &allowed))
			args[t++].core = cpu;
}

/* A catalogue's job: its entries in the catalogue's order, its scenario files. */
static bool job_init(job *j, const sc_run_config *cfg, file_set *fs)
{
	size_t total = sc_catalogue_count(cfg->catalogue);

	memset(j, 0, sizeof(*j));
	j->cfg = cfg;
	if (!files_load(cfg->scenario_dir, cfg->manual, cfg->catalogue, fs))
		return false;
	if ((j->results = calloc(total + fs->n_broken + 1, sizeof(*j->results))) == NULL) {
		files_free(fs);
		return false;
	}
	for (size_t i = 0; i < total; i++) {
		const sc_cat_entry *e = sc_catalogue_entry(cfg->catalogue, i);
		if (!wanted(cfg, e->id))
			continue;
		sc_text_copy(j->results[j->n].id, sizeof(j->results[j->n].id), e->id);
		j->results[j->n].entry = e;
		j->n++;
	}
	j->files = fs;
	return true;
}

/* Ends a job: a broken scenario file is a failure of the run. */
static sc_entry_result *job_finish(job *j, file_set *fs, size_t *n)
{
	/* A file that is broken is a failure of the run, whichever entry it meant. */
	for (size_t i = 0; i < fs->n_broken; i++) {
		sc_entry_result *r = &j->results[j->n++];
		snprintf(r->id, sizeof(r->id), "(file)");
		r->status = SC_FAIL;
		sc_text_copy(r->detail, sizeof(r->detail), fs->broken[i]);
	}
	files_free(fs);
	*n = j->n;
	return j->results;
}

bool sc_run_all(const sc_run_config *const *cfgs, size_t n_cfgs, sc_run_output *outs)
{
	job jobs[SC_MAX_RUNS];
	file_set fs[SC_MAX_RUNS];
	pool p = {0};
	pthread_rwlock_t target = PTHREAD_RWLOCK_INITIALIZER;
	char keys_why[300] = "";
	sc_keyring *keys = NULL;
	au_pcb_table *pc_pages = NULL;
	pthread_t threads[MAX_JOBS];
	worker_arg args[MAX_JOBS];
	int n_threads, started = 0;
	size_t ready = 0, n_tasks = 0;
	bool ok = n_cfgs > 0 && n_cfgs <= SC_MAX_RUNS;

	for (size_t k = 0; ok && k < n_cfgs; k++) {
		ok = job_init(&jobs[k], cfgs[k], &fs[k]);
		jobs[k].target = &target;
		ready += ok;
	}
	if (ok) {
		keys = sc_keyring_load(cfgs[0]->pki_dir, cfgs[0]->attestation_dir, keys_why,
		                       sizeof(keys_why));
		pc_pages = sc_world_pc_pages_load(cfgs[0]->fixtures_dir);
	}
	for (size_t k = 0; ok && k < n_cfgs; k++) {
		jobs[k].keys = keys;
		jobs[k].keys_why = keys_why;
		jobs[k].pc_pages = pc_pages;
		n_tasks += jobs[k].n;
	}
	if (ok && (p.tasks = calloc(n_tasks + 1, sizeof(*p.tasks))) == NULL)
		ok = false;
	for (size_t k = 0; ok && k < n_cfgs; k++)
		for (size_t i = 0; i < jobs[k].n; i++)
			p.tasks[p.n++] =
			        (task){&jobs[k], i, entry_weight(&jobs[k], &jobs[k].results[i])};
	if (ok) {
		qsort(p.tasks, p.n, sizeof(*p.tasks), heavier_first);
		pthread_mutex_init(&p.lock, NULL);
		clock_gettime(CLOCK_MONOTONIC, &p.started);
		n_threads = cfgs[0]->jobs < 1          ? 1
		            : cfgs[0]->jobs > MAX_JOBS ? MAX_JOBS
		                                       : cfgs[0]->jobs;
		if ((size_t)n_threads > p.n)
			n_threads = p.n > 0 ? (int)p.n : 1;
		pick_cores(n_threads, cfgs[0]->target == NULL, args);
		for (int t = 0; t < n_threads; t++) {
			args[t].p = &p;
			if (pthread_create(&threads[started], NULL, worker_main, &args[t]) == 0)
				started++;
		}
		if (started == 0) {
			/* The caller's thread keeps the cores it had. */
			worker_arg here = {&p, NO_CORE};
			worker_main(&here);
		}
		for (int t = 0; t < started; t++)
			pthread_join(threads[t], NULL);
		pthread_mutex_destroy(&p.lock);
	}
	free(p.tasks);
	sc_keyring_free(keys);
	au_pcb_free(pc_pages);
	pthread_rwlock_destroy(&target);
	for (size_t k = 0; k < ready; k++) {
		if (ok) {
			outs[k].results = job_finish(&jobs[k], &fs[k], &outs[k].n);
			outs[k].wall_ms = jobs[k].wall_ms;
		} else {
			size_t ignored;
			sc_results_free(job_finish(&jobs[k], &fs[k], &ignored), ignored);
		}
	}
	return ok;
}

sc_entry_result *sc_run(const sc_run_config *cfg, size_t *n)
{
	sc_run_output out = {0};

	*n = 0;
	if (!sc_run_all(&cfg, 1, &out))
		return NULL;
	*n = out.n;
	return out.results;
}
