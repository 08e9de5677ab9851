/* nftw() is XSI. */
#define _XOPEN_SOURCE 700

#include "scenarios/runner.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rp/platform.h"
#include "scenarios/textnorm.h"
#include "scenarios/world_pc.h"

#define MAX_FILES 512

#ifndef KAGURA_PKI_DIR
#define KAGURA_PKI_DIR NULL
#endif

/* The card PKI for the embedded platform's card logins: KAGURA_PKI, else the build's; NULL
 * when there is no index.json there. */
static const char *pki_dir(void)
{
	const char *d = getenv("KAGURA_PKI") ? getenv("KAGURA_PKI") : KAGURA_PKI_DIR;
	char path[4096];
	FILE *f;

	if (d == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/index.json", d);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	fclose(f);
	return d;
}

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
	char (*broken)[600]; /* files that do not parse, with why */
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

/* Every *.scn of dir, parsed; a file that does not parse is kept with its error. */
static bool files_load(const char *dir, file_set *fs)
{
	struct dirent **list = NULL;
	int n = scandir(dir, &list, keep_scenario, by_name);

	memset(fs, 0, sizeof(*fs));
	if (n < 0)
		return false;
	if (n > MAX_FILES)
		n = MAX_FILES;
	fs->s = calloc((size_t)n + 1, sizeof(*fs->s));
	fs->broken = calloc((size_t)n + 1, sizeof(*fs->broken));
	for (int i = 0; i < n; i++) {
		char path[4096], why[600];
		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		if (fs->s != NULL && fs->broken != NULL) {
			if (sc_scenario_load(path, &fs->s[fs->n], why, sizeof(why)) == SC_OK)
				fs->n++;
			else
				snprintf(fs->broken[fs->n_broken++], 600, "%s", why);
		}
		free(list[i]);
	}
	free(list);
	return fs->s != NULL && fs->broken != NULL;
}

static const sc_scenario *scenario_for(const file_set *fs, const char *manual, const char *entry)
{
	for (size_t i = 0; i < fs->n; i++) {
		const char *id = sc_scenario_entry_in(&fs->s[i], manual);
		if (id != NULL && strcmp(id, entry) == 0)
			return &fs->s[i];
	}
	return NULL;
}

bool sc_scenario_find(const char *dir, const char *manual, const char *entry, char *path,
                      size_t size)
{
	file_set fs;
	const sc_scenario *s;
	bool found;

	if (!files_load(dir, &fs))
		return false;
	s = scenario_for(&fs, manual, entry);
	found = s != NULL && snprintf(path, size, "%s", s->path) < (int)size;
	files_free(&fs);
	return found;
}

/* ---- one cause in a world of its own ---- */

typedef struct job {
	const sc_run_config *cfg;
	const file_set *files;
	sc_entry_result *results;
	size_t n, next, done;
	pthread_mutex_t lock;
} job;

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

static void run_cause(const sc_run_config *cfg, const sc_scenario *s, const sc_cause *c,
                      const char *entry, sc_entry_result *r)
{
	sc_cause_result *cr = &r->causes[r->n_causes++];
	char workdir[] = "/tmp/kagura-scenario-XXXXXX", why[300];
	rp_platform *platform = NULL;
	sc_world *w = NULL;
	sc_outcome out;
	rp_platform_options po = {
	        .manual = cfg->manual, .fixtures_dir = cfg->fixtures_dir, .test_control = true};

	snprintf(cr->id, sizeof(cr->id), "%s", c->block.id);
	snprintf(cr->label, sizeof(cr->label), "%s", c->block.label);
	if (mkdtemp(workdir) == NULL) {
		cr->status = SC_ERROR;
		snprintf(cr->at.detail, sizeof(cr->at.detail), "no temporary directory: %s",
		         strerror(errno));
		return;
	}
	/* A scenario with card logins: the platform serves HTTPS with the card PKI. */
	if (cfg->target == NULL && sc_pcx_scenario_needs_card_pki(s) &&
	    (po.card_pki = pki_dir()) != NULL)
		po.https = po.card_fronts = true;
	if (cfg->target == NULL && (platform = rp_platform_start(&po, why, sizeof(why))) == NULL) {
		cr->status = SC_ERROR;
		snprintf(cr->at.detail, sizeof(cr->at.detail), "embedded platform: %s", why);
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
	        .workdir = workdir,
	        .message = message_of,
	        .message_ctx = (void *)cfg->catalogue,
	        .shows = sc_shows,
	        .pki_dir = pki_dir(),
	        .tls_ca = platform ? rp_platform_tls_ca(platform) : NULL,
	        .fixtures_dir = cfg->fixtures_dir,
	        .card_front = {platform ? rp_platform_front(platform, RP_FRONT_TLS12) : NULL,
	                       platform ? rp_platform_front(platform, RP_FRONT_TLS13) : NULL},
	};
	if ((w = sc_world_new(&wc)) == NULL) {
		cr->status = SC_ERROR;
		snprintf(cr->at.detail, sizeof(cr->at.detail), "out of memory");
		goto out;
	}
	if (run_block(w, &s->setup, &out) != SC_PASS) {
		cr->status = out.status == SC_SKIP ? SC_SKIP : SC_ERROR;
		cr->at = out;
		snprintf(cr->at.detail, sizeof(cr->at.detail), "setup, line %d: %.400s", out.line,
		         out.detail);
		goto out;
	}
	cr->status = run_block(w, &c->block, &cr->at);
	/* The remedies act on the world the cause left, and must bring the user through. */
	for (size_t i = 0; cr->status == SC_PASS && i < c->n_remedies; i++) {
		sc_status rs = run_block(w, &c->remedies[i], &out);
		r->remedies_applied++;
		merge(&r->remedy, rs);
		if (rs != SC_PASS && r->remedy_detail[0] == '\0')
			snprintf(r->remedy_detail, sizeof(r->remedy_detail),
			         "remedy %s (%s line %d): %.200s; expected %.100s; seen %.100s",
			         c->remedies[i].id, s->path, out.line, out.detail, out.expected,
			         out.seen);
	}
out:
	sc_world_free(w);
	rp_platform_stop(platform);
	nftw(workdir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* ---- coverage: every documented cause provoked, every remedy applied ---- */

static bool cause_in(const sc_scenario *s, const char *id)
{
	for (size_t i = 0; i < s->n_causes; i++)
		if (strcmp(s->causes[i].block.id, id) == 0)
			return true;
	return false;
}

static bool remedy_in(const sc_scenario *s, const char *id)
{
	for (size_t i = 0; i < s->n_causes; i++)
		for (size_t k = 0; k < s->causes[i].n_remedies; k++)
			if (strcmp(s->causes[i].remedies[k].id, id) == 0)
				return true;
	return false;
}

/* The first catalogue item of a list the scenario leaves out, or NULL. */
static const char *uncovered(const sc_scenario *s, const sc_cat_item *items, size_t n,
                             bool (*in)(const sc_scenario *, const char *))
{
	for (size_t i = 0; i < n; i++)
		if (items[i].kind == SC_CAT_ITEM && items[i].parent == NULL && !in(s, items[i].id))
			return items[i].id;
	return NULL;
}

static bool steps_known(const sc_scenario *s, char *why, size_t size)
{
	const sc_block *blocks[1 + 2 * SC_MAX_CAUSES_SEEN];
	size_t nb = 0;

	blocks[nb++] = &s->setup;
	for (size_t i = 0; i < s->n_causes && nb < sizeof(blocks) / sizeof(blocks[0]) - 1; i++)
		blocks[nb++] = &s->causes[i].block;
	for (size_t b = 0; b < nb; b++)
		for (size_t i = 0; i < blocks[b]->n_steps; i++)
			if (!sc_step_known(blocks[b]->steps[i].verb)) {
				snprintf(why, size, "%s:%d: unknown step %s", s->path,
				         blocks[b]->steps[i].line, blocks[b]->steps[i].verb);
				return false;
			}
	return true;
}

static void run_entry(const sc_run_config *cfg, const file_set *fs, sc_entry_result *r)
{
	const sc_scenario *s = scenario_for(fs, cfg->manual, r->id);
	const char *missing;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r->remedy = SC_PASS;
	if (s == NULL) {
		r->status = SC_FAIL;
		snprintf(r->detail, sizeof(r->detail), "no scenario for entry %s of manual %s",
		         r->id, cfg->manual);
		return;
	}
	snprintf(r->scenario, sizeof(r->scenario), "%s", s->path);
	if (!steps_known(s, r->detail, sizeof(r->detail))) {
		r->status = SC_FAIL;
		return;
	}
	for (size_t i = 0; i < s->n_causes && r->n_causes < SC_MAX_CAUSES_SEEN; i++)
		run_cause(cfg, s, &s->causes[i], r->id, r);
	r->status = SC_PASS;
	for (size_t i = 0; i < r->n_causes; i++)
		merge(&r->status, r->causes[i].status);
	merge(&r->status, r->remedy);
	if ((missing = uncovered(s, r->entry->causes, r->entry->n_causes, cause_in)) != NULL) {
		r->status = SC_FAIL;
		snprintf(r->detail, sizeof(r->detail), "cause %s of the catalogue is not provoked",
		         missing);
	} else if ((missing = uncovered(s, r->entry->remedies, r->entry->n_remedies, remedy_in)) !=
	           NULL) {
		r->status = SC_FAIL;
		snprintf(r->detail, sizeof(r->detail), "remedy %s of the catalogue is not applied",
		         missing);
	}
	if (r->status == SC_ERROR)
		r->status = SC_FAIL;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
}

static void *worker(void *arg)
{
	job *j = arg;

	for (;;) {
		size_t i;
		pthread_mutex_lock(&j->lock);
		i = j->next++;
		pthread_mutex_unlock(&j->lock);
		if (i >= j->n)
			return NULL;
		run_entry(j->cfg, j->files, &j->results[i]);
		pthread_mutex_lock(&j->lock);
		j->done++;
		if (j->cfg->progress)
			j->cfg->progress(j->cfg->progress_arg, &j->results[i], j->done, j->n);
		pthread_mutex_unlock(&j->lock);
	}
}

static bool wanted(const sc_run_config *cfg, const char *id)
{
	if (cfg->only == NULL)
		return true;
	for (size_t i = 0; i < cfg->n_only; i++)
		if (strcmp(cfg->only[i], id) == 0)
			return true;
	return false;
}

sc_entry_result *sc_run(const sc_run_config *cfg, size_t *n)
{
	size_t total = sc_catalogue_count(cfg->catalogue);
	file_set fs;
	job j = {.cfg = cfg};
	pthread_t threads[64];
	int jobs = cfg->jobs < 1 ? 1 : cfg->jobs > 64 ? 64 : cfg->jobs;
	int started = 0;

	*n = 0;
	if (!files_load(cfg->scenario_dir, &fs))
		return NULL;
	if ((j.results = calloc(total + fs.n_broken + 1, sizeof(*j.results))) == NULL) {
		files_free(&fs);
		return NULL;
	}
	for (size_t i = 0; i < total; i++) {
		const sc_cat_entry *e = sc_catalogue_entry(cfg->catalogue, i);
		if (!wanted(cfg, e->id))
			continue;
		snprintf(j.results[j.n].id, sizeof(j.results[j.n].id), "%s", e->id);
		j.results[j.n].entry = e;
		j.n++;
	}
	j.files = &fs;
	pthread_mutex_init(&j.lock, NULL);
	for (int t = 0; t < jobs && (size_t)t < j.n; t++)
		if (pthread_create(&threads[t], NULL, worker, &j) == 0)
			started++;
	if (started == 0)
		worker(&j);
	for (int t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	pthread_mutex_destroy(&j.lock);
	/* A file that does not parse is a failure of the run, whichever entry it meant. */
	for (size_t i = 0; i < fs.n_broken; i++) {
		sc_entry_result *r = &j.results[j.n++];
		snprintf(r->id, sizeof(r->id), "(file)");
		r->status = SC_FAIL;
		snprintf(r->detail, sizeof(r->detail), "%s", fs.broken[i]);
	}
	files_free(&fs);
	*n = j.n;
	return j.results;
}
