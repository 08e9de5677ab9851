#include "scenarios/scenarios_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "scenarios/diff.h"
#include "scenarios/explain.h"
#include "scenarios/keycloak_control.h"
#include "scenarios/number.h"
#include "scenarios/report.h"
#include "scenarios/report_file.h"
#include "scenarios/report_html.h"
#include "scenarios/runner.h"
#include "scenarios/target.h"

static const char usage_text[] =
        "usage: kagura-scenarios run [--manual 2.16|1.04|all] [--jobs N] [--shard K/N]\n"
        "                            [--target URL [--test-control] [--origin ORIGIN]\n"
        "                             [--ca-file PEM] [--allow-empty]\n"
        "                             [--target-kind mock|keycloak]\n"
        "                             [--admin-env FILE | --admin-user U --admin-password P]]\n"
        "                            [--format text|tap|junit|json] [--output FILE] [--trace]\n"
        "                            [--format html --output DIR]\n"
        "                            [--scenarios DIR] [--fixtures DIR] [--card-pki DIR]\n"
        "                            [ENTRY...]\n"
        "       kagura-scenarios list [--manual 2.16|1.04|all]\n"
        "       kagura-scenarios show [--manual 2.16|1.04] ENTRY\n"
        "       kagura-scenarios explain [--manual 2.16|1.04|all] \"TEXT\"\n"
        "       kagura-scenarios steps   (the step vocabulary of scenario files)\n"
        "       kagura-scenarios diff MOCK.json KEYCLOAK.json [--notes FILE]   (differential "
        "table)\n"
        "       kagura-scenarios --version\n"
        "run exits 0 when entries ran and none failed; 1 when one failed or none ran (without\n"
        "--allow-empty); 2 on bad input or a target that is down, untrusted or no platform.\n";

static int usage(const sc_cmd_env *env, const char *what, const char *arg)
{
	fprintf(env->err, "kagura-scenarios: %s%s%s\n%s", what, arg ? " " : "", arg ? arg : "",
	        usage_text);
	return 2;
}

#define MAX_JOBS   64
#define MAX_SHARDS 1000

typedef struct options {
	const char *manual, *target, *origin, *output, *ca_file;
	/* A Keycloak target's administrator (its Admin REST API is its test control). */
	const char *admin_user, *admin_password, *admin_env;
	sc_target_kind target_kind;
	const char *scenario_dir, *fixtures_dir, *pki_dir;
	bool test_control, allow_empty, trace, help;
	sc_format format;
	int jobs;
	unsigned shard, shards;
} options;

/* "K/N" with 1 <= K <= N <= MAX_SHARDS, each a number as scenarios/number.h reads one. */
static bool parse_shard(const char *text, unsigned *k, unsigned *n)
{
	const char *slash = strchr(text, '/');
	char first[32];
	uint64_t a, b;

	if (slash == NULL || (size_t)(slash - text) >= sizeof(first))
		return false;
	snprintf(first, sizeof(first), "%.*s", (int)(slash - text), text);
	if (sc_number_parse(first, 1, MAX_SHARDS, &a) != SC_NUMBER_OK ||
	    sc_number_parse(slash + 1, 1, MAX_SHARDS, &b) != SC_NUMBER_OK || a > b)
		return false;
	*k = (unsigned)a;
	*n = (unsigned)b;
	return true;
}

/* The options a command takes, by their getopt codes: run all of them, the others --manual
 * (and --help); an option a command does not take is refused, never quietly ignored. */
#define RUN_OPTIONS     "mtocfOjaeTsSFPKUWEh"
#define CATALOG_OPTIONS "mh"

/* Whether c is an option code of takes. */
static bool takes_option(const char *takes, int c)
{
	return c > 0 && strchr(takes, c) != NULL;
}

/* argv of a command (argv[0] its name) into o, given the options it takes; 0, or 2 with a usage
 * error on stderr. */
static int parse(int argc, char **argv, const sc_cmd_env *env, options *o, const char *takes)
{
	static const struct option opts[] = {{"manual", required_argument, NULL, 'm'},
	                                     {"target", required_argument, NULL, 't'},
	                                     {"origin", required_argument, NULL, 'o'},
	                                     {"test-control", no_argument, NULL, 'c'},
	                                     {"format", required_argument, NULL, 'f'},
	                                     {"output", required_argument, NULL, 'O'},
	                                     {"jobs", required_argument, NULL, 'j'},
	                                     {"ca-file", required_argument, NULL, 'a'},
	                                     {"allow-empty", no_argument, NULL, 'e'},
	                                     {"trace", no_argument, NULL, 'T'},
	                                     {"shard", required_argument, NULL, 's'},
	                                     {"scenarios", required_argument, NULL, 'S'},
	                                     {"fixtures", required_argument, NULL, 'F'},
	                                     {"card-pki", required_argument, NULL, 'P'},
	                                     {"target-kind", required_argument, NULL, 'K'},
	                                     {"admin-user", required_argument, NULL, 'U'},
	                                     {"admin-password", required_argument, NULL, 'W'},
	                                     {"admin-env", required_argument, NULL, 'E'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	int c, at = -1;
	uint64_t number;
	char what[64];

	*o = (options){.manual = "all", .format = SC_FORMAT_TEXT, .jobs = 2};
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, &at)) != -1) {
		if (c != ':' && c != '?' && !takes_option(takes, c)) {
			/* its name, not argv's word: that is the value of "--output FILE" */
			snprintf(what, sizeof(what), "%s does not take --%s", argv[0],
			         at >= 0 ? opts[at].name : "that option");
			return usage(env, what, NULL);
		}
		at = -1;
		switch (c) {
		case 'm':
			if (strcmp(optarg, "2.16") != 0 && strcmp(optarg, "1.04") != 0 &&
			    strcmp(optarg, "all") != 0)
				return usage(env, "--manual is 2.16, 1.04 or all, not", optarg);
			o->manual = optarg;
			break;
		case 't':
			if (strncmp(optarg, "http://", 7) != 0 &&
			    strncmp(optarg, "https://", 8) != 0)
				return usage(env, "--target is an http(s) URL, not", optarg);
			o->target = optarg;
			break;
		case 'o':
			if (!sc_target_origin_valid(optarg))
				return usage(
				        env,
				        "--origin is an http(s) origin (scheme://host[:port]), not",
				        optarg);
			o->origin = optarg;
			break;
		case 'c':
			o->test_control = true;
			break;
		case 'f':
			if (!sc_format_parse(optarg, &o->format))
				return usage(env, "--format is text, tap, junit, json or html, not",
				             optarg);
			break;
		case 'O':
			o->output = optarg;
			break;
		case 'j':
			if (sc_number_parse(optarg, 1, MAX_JOBS, &number) != SC_NUMBER_OK)
				return usage(env, "--jobs is a whole number from 1 to 64, not",
				             optarg);
			o->jobs = (int)number;
			break;
		case 'a':
			o->ca_file = optarg;
			break;
		case 'e':
			o->allow_empty = true;
			break;
		case 'T':
			o->trace = true;
			break;
		case 's':
			if (!parse_shard(optarg, &o->shard, &o->shards))
				return usage(env,
				             "--shard is K/N, whole numbers with 1 <= K <= N <= "
				             "1000, not",
				             optarg);
			break;
		case 'S':
			o->scenario_dir = optarg;
			break;
		case 'F':
			o->fixtures_dir = optarg;
			break;
		case 'P':
			o->pki_dir = optarg;
			break;
		case 'K':
			if (!sc_target_kind_parse(optarg, &o->target_kind))
				return usage(env, "--target-kind is mock or keycloak, not", optarg);
			break;
		case 'U':
			o->admin_user = optarg;
			break;
		case 'W':
			o->admin_password = optarg;
			break;
		case 'E':
			o->admin_env = optarg;
			break;
		case 'h':
			o->help = true;
			break;
		case ':':
			return usage(env, "option needs a value:", argv[optind - 1]);
		default:
			return usage(env, "unknown option", argv[optind - 1]);
		}
	}
	return 0;
}

/* The catalogues a command works on: one manual, or both (v2.16 first). */
typedef struct catalogues {
	size_t n;
	const char *manual[2];
	sc_catalogue *cat[2];
} catalogues;

static void catalogues_free(catalogues *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		sc_catalogue_free(cs->cat[i]);
}

static int catalogues_load(const char *which, const sc_cmd_env *env, catalogues *cs)
{
	static const char *const all[] = {"2.16", "1.04"};

	memset(cs, 0, sizeof(*cs));
	for (size_t i = 0; i < 2; i++) {
		char path[4096], why[600];
		if (strcmp(which, "all") != 0 && strcmp(which, all[i]) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/v%s.json", env->manual_dir, all[i]);
		if (sc_catalogue_load(path, &cs->cat[cs->n], why, sizeof(why)) != SC_CAT_OK) {
			fprintf(env->err, "kagura-scenarios: %s\n", why);
			catalogues_free(cs);
			return 2;
		}
		cs->manual[cs->n++] = all[i];
	}
	return 0;
}

static void progress(void *arg, const sc_entry_result *r, size_t done, size_t total)
{
	FILE *tty = arg;

	fprintf(tty, "\r\033[K[%zu/%zu] %s %s", done, total, r->id, sc_status_name(r->status));
	if (done == total)
		fputs("\r\033[K", tty);
	fflush(tty);
}

/* --trace: an entry's steps as it finishes (the runner holds its lock: no interleaving). */
static void trace_progress(void *arg, const sc_entry_result *r, size_t done, size_t total)
{
	FILE *err = arg;

	(void)done;
	(void)total;
	fprintf(err, "trace: entry %s: %s\n%s", r->id, sc_status_name(r->status),
	        r->trace ? r->trace : "");
	fflush(err);
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static long cpu_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Appends a word to a command line, quoted for a POSIX shell when it needs it. */
static void shell_word(char *line, size_t size, const char *word)
{
	size_t n = strlen(line);
	bool plain =
	        word[0] != '\0' && strspn(word, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	                                        "qrstuvwxyz0123456789-_./:=@%+,") == strlen(word);

	if (n > 0 && n + 1 < size)
		line[n++] = ' ', line[n] = '\0';
	if (plain) {
		snprintf(line + n, size - n, "%s", word);
		return;
	}
	if (n + 1 < size)
		line[n++] = '\'', line[n] = '\0';
	for (const char *p = word; *p != '\0' && n + 5 < size; p++) {
		if (*p == '\'')
			n += (size_t)snprintf(line + n, size - n, "'\\''");
		else
			line[n++] = *p, line[n] = '\0';
	}
	snprintf(line + n, size - n, "'");
}

/* The command that reruns one entry of manual with this run's target and options; the entry
 * id goes at its end. */
static void reproduce_line(const options *o, const sc_cmd_env *env, const char *manual, char *line,
                           size_t size)
{
	line[0] = '\0';
	shell_word(line, size, env->program);
	shell_word(line, size, "run");
	shell_word(line, size, "--manual");
	shell_word(line, size, manual);
#define OPTION(flag, value)                              \
	do {                                             \
		if ((value) != NULL) {                   \
			shell_word(line, size, flag);    \
			shell_word(line, size, (value)); \
		}                                        \
	} while (0)
	OPTION("--target", o->target);
	if (o->target_kind != SC_TARGET_KIND_AUTO)
		OPTION("--target-kind", sc_target_kind_name(o->target_kind));
	if (o->test_control)
		shell_word(line, size, "--test-control");
	OPTION("--admin-env", o->admin_env);
	OPTION("--admin-user", o->admin_user);
	/* a report never carries the password itself */
	OPTION("--admin-password", o->admin_password ? "PASSWORD" : NULL);
	OPTION("--origin", o->origin);
	OPTION("--ca-file", o->ca_file);
	OPTION("--scenarios", o->scenario_dir);
	OPTION("--fixtures", o->fixtures_dir);
	OPTION("--card-pki", o->pki_dir);
#undef OPTION
}

/* The target, checked before anything runs; 0, or 2 with one line on stderr. */
static int check_target(const options *o, const sc_cmd_env *env, sc_target_info *info)
{
	char why[1024];

	if (o->target == NULL)
		return 0;
	if (sc_target_probe(o->target, o->target_kind, o->ca_file, o->test_control, o->origin, info,
	                    why, sizeof(why)) != SC_TARGET_OK) {
		fprintf(env->err, "kagura-scenarios: %s\n", why);
		return 2;
	}
	return 0;
}

/* Folders a --scenarios, --fixtures or --card-pki names must be folders, with file (NULL: any)
 * in them. */
static int check_dir(const sc_cmd_env *env, const char *flag, const char *dir, const char *file)
{
	char path[4096];
	struct stat st;
	bool there = stat(dir, &st) == 0;

	if (!there || !S_ISDIR(st.st_mode)) {
		fprintf(env->err, "kagura-scenarios: %s %s: %s\n", flag, dir,
		        there ? "not a folder" : "no such folder");
		return 2;
	}
	if (file == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (stat(path, &st) != 0) {
		fprintf(env->err, "kagura-scenarios: %s %s: %s is missing\n", flag, dir, path);
		return 2;
	}
	return 0;
}

/* A file --ca-file names must be there, and not be a folder. */
static int check_file(const sc_cmd_env *env, const char *flag, const char *file)
{
	struct stat st;
	bool there = stat(file, &st) == 0;

	if (!there || S_ISDIR(st.st_mode)) {
		fprintf(env->err, "kagura-scenarios: %s %s: %s\n", flag, file,
		        there ? "a folder, not a file" : "is missing");
		return 2;
	}
	return 0;
}

/* A copy of env with the fixtures of dir (--fixtures). */
typedef struct fixtures_env {
	sc_cmd_env env;
	au_phone_env phone;
	char manual[4096], personas[4096], prompts[4096];
} fixtures_env;

static void use_fixtures(fixtures_env *f, const sc_cmd_env *env, const char *dir)
{
	f->env = *env;
	if (dir == NULL)
		return;
	f->phone = *env->phone_env;
	snprintf(f->manual, sizeof(f->manual), "%s/manual", dir);
	snprintf(f->personas, sizeof(f->personas), "%s/personas", dir);
	snprintf(f->prompts, sizeof(f->prompts), "%s/os/prompts.json", dir);
	f->phone.persona_dir = f->personas;
	f->phone.prompts_file = f->prompts;
	f->env.manual_dir = f->manual;
	f->env.fixtures_dir = dir;
	f->env.phone_env = &f->phone;
}

/* Causes that ran to a verdict (an entry skipped for its remedies still ran its causes). */
static size_t causes_run(const sc_report_run *runs, size_t n_runs)
{
	size_t n = 0;

	for (size_t r = 0; r < n_runs; r++)
		for (size_t i = 0; i < runs[r].n; i++)
			for (size_t c = 0; c < runs[r].results[i].n_causes; c++)
				n += runs[r].results[i].causes[c].status != SC_SKIP;
	return n;
}

/* The visual report in dir, its pages' screenshots taken by tools/screenshot-pages.mjs in node
 * (headless Chromium): 0, or 2 with the file or command at fault on stderr. */
static int write_html(const sc_cmd_env *env, const char *dir, const sc_report_run *runs,
                      size_t n_runs)
{
	char script[4096], why[600];
	const char *shooter[] = {"node", script, NULL};
	sc_html_err e;

	snprintf(script, sizeof(script), "%s/screenshot-pages.mjs",
	         env->tools_dir ? env->tools_dir : ".");
	e = sc_report_html(dir, runs, n_runs, shooter, why, sizeof(why));
	if (e == SC_HTML_OK)
		return 0;
	fprintf(env->err, "kagura-scenarios: %s: %s: %s%s\n", dir, sc_html_strerr(e), why,
	        e == SC_HTML_ERR_SHOTS ? " (the report is written without them)" : "");
	return 2;
}

/* A Keycloak target's test control (its Admin REST API) for realm, or NULL when the run has
 * no administrator (then its causes run without test control); *rc 2 when it cannot be had. */
static sc_control *keycloak_control(const options *o, const sc_cmd_env *env,
                                    const sc_target_info *info, const sc_target_realm *realm,
                                    int *rc)
{
	char user[256] = "", password[256] = "", why[1024];
	sc_control *c;

	*rc = 0;
	if (o->admin_env == NULL && o->admin_user == NULL && !o->test_control)
		return NULL;
	if (o->admin_env != NULL &&
	    !sc_keycloak_admin_env_read(o->admin_env, user, sizeof(user), password,
	                                sizeof(password), why, sizeof(why))) {
		fprintf(env->err, "kagura-scenarios: --admin-env %s\n", why);
		*rc = 2;
		return NULL;
	}
	if (o->admin_user != NULL)
		snprintf(user, sizeof(user), "%s", o->admin_user);
	if (o->admin_password != NULL)
		snprintf(password, sizeof(password), "%s", o->admin_password);
	if (user[0] == '\0' || password[0] == '\0') {
		fprintf(env->err,
		        "kagura-scenarios: test control on Keycloak is its Admin REST API: "
		        "--admin-env FILE (tools/keycloak/start.sh writes admin.env) or "
		        "--admin-user and --admin-password\n");
		*rc = 2;
		return NULL;
	}
	c = sc_control_keycloak_new(&(sc_keycloak_config){.server = info->server,
	                                                  .realm = realm->name,
	                                                  .admin_user = user,
	                                                  .admin_password = password,
	                                                  .ca_file = o->ca_file},
	                            why, sizeof(why));
	if (c == NULL) {
		fprintf(env->err, "kagura-scenarios: %s\n", why);
		*rc = 2;
	}
	return c;
}

/* The realm of a Keycloak target that runs manual: the one named after it, else the only
 * realm when its name names no manual and one manual runs. */
static const sc_target_realm *realm_for(const sc_target_info *info, const char *manual,
                                        size_t n_manuals)
{
	const sc_target_realm *r = sc_target_realm_of(info, manual);

	if (r == NULL && info->n_realms == 1 && info->realms[0].manual[0] == '\0' && n_manuals == 1)
		r = &info->realms[0];
	return r;
}

static int run(int argc, char **argv, const sc_cmd_env *base_env)
{
	options o;
	catalogues cs;
	sc_report_run runs[SC_MAX_RUNS] = {{0}};
	sc_run_config cfgs[SC_MAX_RUNS];
	const sc_run_config *cfg_of[SC_MAX_RUNS];
	sc_run_output outs[SC_MAX_RUNS] = {{0}};
	char reproduce[SC_MAX_RUNS][2048], notes[SC_MAX_RUNS][600];
	size_t passed, failed, skipped, n_runs = 0;
	sc_target_info info = {0};
	sc_control *controls[SC_MAX_RUNS] = {NULL}; /* a Keycloak target's, per run (owned) */
	fixtures_env fx;
	const sc_cmd_env *env;
	FILE *out = base_env->out;
	sc_report_file report = {0}; /* --output FILE, but for html */
	bool written = false;        /* the report is whole: it may replace FILE */
	long t0 = now_ms(), c0 = cpu_ms();
	int rc;

	if ((rc = parse(argc, argv, base_env, &o, RUN_OPTIONS)) != 0)
		return rc;
	if (o.help) {
		fputs(usage_text, base_env->out);
		return 0;
	}
	if (o.format == SC_FORMAT_HTML && o.output == NULL)
		return usage(base_env, "--format html writes a folder: --output DIR", NULL);
	if ((o.origin || o.test_control || o.ca_file || o.admin_env || o.admin_user ||
	     o.admin_password || o.target_kind != SC_TARGET_KIND_AUTO) &&
	    o.target == NULL)
		return usage(base_env,
		             "--origin, --test-control, --ca-file, --target-kind and --admin-* "
		             "describe a --target",
		             NULL);
	if ((o.scenario_dir && (rc = check_dir(base_env, "--scenarios", o.scenario_dir, NULL))) ||
	    (o.fixtures_dir &&
	     (rc = check_dir(base_env, "--fixtures", o.fixtures_dir, "manual/v2.16.json"))) ||
	    (o.pki_dir && (rc = check_dir(base_env, "--card-pki", o.pki_dir, "index.json"))) ||
	    (o.ca_file && (rc = check_file(base_env, "--ca-file", o.ca_file))))
		return rc;
	use_fixtures(&fx, base_env, o.fixtures_dir);
	env = &fx.env;
	if ((rc = catalogues_load(o.manual, env, &cs)) != 0)
		return rc;
	for (int i = optind; i < argc; i++) {
		bool known = false;
		for (size_t k = 0; k < cs.n; k++)
			known = known || sc_catalogue_find(cs.cat[k], argv[i]) != NULL;
		if (!known) {
			catalogues_free(&cs);
			return usage(env, "no such entry in the catalogue:", argv[i]);
		}
	}
	if ((rc = check_target(&o, env, &info)) != 0) {
		catalogues_free(&cs);
		return rc;
	}
	if (info.kind == SC_TARGET_KIND_MOCK && (o.admin_env || o.admin_user || o.admin_password)) {
		catalogues_free(&cs);
		return usage(env,
		             "--admin-env, --admin-user and --admin-password are a Keycloak "
		             "target's; this target is the mock platform:",
		             o.target);
	}
	if (o.output != NULL && o.format != SC_FORMAT_HTML && !sc_report_file_usable(o.output)) {
		fprintf(env->err, "kagura-scenarios: %s: cannot be written (%s)\n", o.output,
		        strerror(errno));
		catalogues_free(&cs);
		return 2;
	}
	for (size_t k = 0; k < cs.n; k++) {
		const char *host_from = sc_catalogue_platform_host(cs.cat[k]);
		const sc_target_realm *realm = NULL;
		bool keycloak = o.target != NULL && info.kind == SC_TARGET_KIND_KEYCLOAK;
		if (keycloak && (realm = realm_for(&info, cs.manual[k], cs.n)) == NULL) {
			fprintf(env->err,
			        "kagura-scenarios: manual %s not run: %s has no realm of it\n",
			        cs.manual[k], o.target);
			continue;
		}
		controls[n_runs] = keycloak ? keycloak_control(&o, env, &info, realm, &rc) : NULL;
		if (rc != 0)
			break;
		if (info.manual[0] != '\0' && strcmp(info.manual, cs.manual[k]) != 0) {
			/* the target serves the other generation: its texts are not this manual's
			 */
			fprintf(env->err,
			        "kagura-scenarios: manual %s not run: %s serves manual %s\n",
			        cs.manual[k], o.target, info.manual);
			continue;
		}
		notes[n_runs][0] = '\0';
		if (o.target != NULL && host_from != NULL && strcmp(host_from, info.host) != 0) {
			snprintf(notes[n_runs], sizeof(notes[n_runs]),
			         "messages naming %s are compared with %s in its place (the "
			         "target's "
			         "host)",
			         host_from, info.host);
			fprintf(env->err, "kagura-scenarios: manual %s: %s\n", cs.manual[k],
			        notes[n_runs]);
		}
		cfgs[n_runs] = (sc_run_config){
		        .manual = cs.manual[k],
		        .catalogue = cs.cat[k],
		        .scenario_dir = o.scenario_dir ? o.scenario_dir : env->scenario_dir,
		        .target = keycloak ? info.server : o.target,
		        .target_origin = o.target ? info.origin : NULL,
		        .target_test_control = keycloak ? controls[n_runs] != NULL : o.test_control,
		        .target_control = controls[n_runs],
		        .target_login_url = realm ? realm->login_url : NULL,
		        .target_done_url = realm ? realm->done_url : NULL,
		        .target_ca_file = o.ca_file,
		        .target_fronts = {info.card_front[0][0] ? info.card_front[0] : NULL,
		                          info.card_front[1][0] ? info.card_front[1] : NULL},
		        .host_from = host_from,
		        .host_to = o.target ? info.host : NULL,
		        .fixtures_dir = env->fixtures_dir,
		        .pki_dir = o.pki_dir ? o.pki_dir : env->pki_dir,
		        .attestation_dir = env->attestation_dir,
		        .phone_env = env->phone_env,
		        .jobs = o.jobs,
		        .trace = o.trace,
		        .keep_screens = o.format == SC_FORMAT_HTML,
		        .shard = o.shard,
		        .shards = o.shards,
		        .only = optind < argc ? (const char *const *)argv + optind : NULL,
		        .n_only = (size_t)(argc - optind),
		        .progress = o.trace                    ? trace_progress
		                    : isatty(fileno(env->err)) ? progress
		                                               : NULL,
		        .progress_arg = env->err,
		};
		reproduce_line(&o, env, cs.manual[k], reproduce[n_runs], sizeof(reproduce[n_runs]));
		cfg_of[n_runs] = &cfgs[n_runs];
		n_runs++;
	}
	if (rc == 0 && n_runs > 0 && !sc_run_all(cfg_of, n_runs, outs)) {
		fprintf(env->err, "kagura-scenarios: %s: scenarios cannot be read\n",
		        cfgs[0].scenario_dir);
		rc = 2;
		n_runs = 0;
	}
	for (size_t k = 0; k < n_runs; k++)
		runs[k] = (sc_report_run){.manual = cfgs[k].manual,
		                          .results = outs[k].results,
		                          .n = outs[k].n,
		                          .wall_ms = outs[k].wall_ms,
		                          .program = env->program,
		                          .reproduce = reproduce[k],
		                          .note = notes[k],
		                          .target = o.target};
	if (rc == 0 && o.format == SC_FORMAT_HTML)
		rc = write_html(env, o.output, runs, n_runs);
	/* Opened only now: a run stopped before this leaves no temporary beside FILE. */
	if (rc == 0 && o.output != NULL && o.format != SC_FORMAT_HTML) {
		if (!sc_report_file_open(&report, o.output)) {
			fprintf(env->err, "kagura-scenarios: %s: cannot be written (%s)\n",
			        o.output, strerror(errno));
			rc = 2;
		} else {
			out = report.f;
		}
	}
	if (rc == 0) {
		if (o.format != SC_FORMAT_HTML)
			sc_report_write(out, o.format, runs, n_runs);
		written = true;
		/* The report first: on one pipe (make run, a CI log) the lines below follow it. */
		fflush(out);
		sc_report_count(runs, n_runs, &passed, &failed, &skipped);
		rc = failed > 0 ? 1 : 0;
		if (rc == 0 && causes_run(runs, n_runs) == 0 && !o.allow_empty) {
			fprintf(env->err,
			        "kagura-scenarios: no entry ran (%zu skipped): a run that checks "
			        "nothing is not a pass (--allow-empty accepts it)\n",
			        skipped);
			rc = 1;
		}
		fprintf(env->err, "kagura-scenarios: wall %.1f s, CPU %.1f s\n",
		        (now_ms() - t0) / 1000.0, (cpu_ms() - c0) / 1000.0);
		fprintf(env->err, "kagura-scenarios: %zu causes ran on %s\n",
		        causes_run(runs, n_runs),
		        o.target == NULL                       ? "the embedded mock platform"
		        : info.kind == SC_TARGET_KIND_KEYCLOAK ? "Keycloak"
		                                               : "the target");
	}
	if (report.f != NULL && !sc_report_file_close(&report, written)) {
		fprintf(env->err, "kagura-scenarios: %s: cannot be written\n", o.output);
		rc = 2;
	}
	for (size_t k = 0; k < n_runs; k++)
		sc_results_free(outs[k].results, outs[k].n);
	for (size_t k = 0; k < SC_MAX_RUNS; k++)
		sc_control_free(controls[k]);
	catalogues_free(&cs);
	return rc;
}

static int list(int argc, char **argv, const sc_cmd_env *env)
{
	options o;
	catalogues cs;
	int rc;

	if ((rc = parse(argc, argv, env, &o, CATALOG_OPTIONS)) != 0)
		return rc;
	if (optind != argc)
		return usage(env, "list takes no entries", NULL);
	if ((rc = catalogues_load(o.manual, env, &cs)) != 0)
		return rc;
	for (size_t k = 0; k < cs.n; k++) {
		fprintf(env->out, "manual %s\n", cs.manual[k]);
		for (size_t i = 0; i < sc_catalogue_count(cs.cat[k]); i++) {
			const sc_cat_entry *e = sc_catalogue_entry(cs.cat[k], i);
			char path[4096];
			bool has = sc_scenario_find(env->scenario_dir, cs.manual[k], e->id, path,
			                            sizeof(path));
			fprintf(env->out, "  %-5s %-10s %-9s %s\n", e->id,
			        sc_cat_shown_by_name(e->shown_by), has ? "scenario" : "MISSING",
			        e->title);
		}
	}
	catalogues_free(&cs);
	return 0;
}

static void print_items(FILE *out, const char *heading, const sc_cat_item *items, size_t n)
{
	fprintf(out, "%s\n", heading);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %-4s %s\n", items[i].id, items[i].text);
}

static void print_entry(FILE *out, const char *manual, const sc_cat_entry *e)
{
	fprintf(out, "manual %s entry %s (%s, shown by %s)\n%s\n", manual, e->id,
	        sc_cat_platform_name(e->platform), sc_cat_shown_by_name(e->shown_by), e->title);
	if (e->n_messages > 0)
		fprintf(out, "message\n");
	for (size_t i = 0; i < e->n_messages; i++)
		fprintf(out, "  %s\n", e->messages[i]);
	print_items(out, "causes", e->causes, e->n_causes);
	print_items(out, "remedies", e->remedies, e->n_remedies);
}

static int show(int argc, char **argv, const sc_cmd_env *env)
{
	options o;
	catalogues cs;
	const sc_cat_entry *e;
	char path[4096];
	int rc;

	if ((rc = parse(argc, argv, env, &o, CATALOG_OPTIONS)) != 0)
		return rc;
	if (optind != argc - 1)
		return usage(env, "show needs one ENTRY", NULL);
	if ((rc = catalogues_load(strcmp(o.manual, "all") == 0 ? "2.16" : o.manual, env, &cs)) != 0)
		return rc;
	if ((e = sc_catalogue_find(cs.cat[0], argv[optind])) == NULL) {
		catalogues_free(&cs);
		return usage(env, "no such entry in the catalogue:", argv[optind]);
	}
	print_entry(env->out, cs.manual[0], e);
	if (sc_scenario_find(env->scenario_dir, cs.manual[0], e->id, path, sizeof(path))) {
		FILE *f = fopen(path, "r");
		char line[4096];
		fprintf(env->out, "scenario %s\n", path);
		while (f != NULL && fgets(line, sizeof(line), f) != NULL)
			fprintf(env->out, "  | %s", line);
		if (f != NULL)
			fclose(f);
	} else {
		fprintf(env->out, "scenario: none (the run fails this entry)\n");
	}
	catalogues_free(&cs);
	return 0;
}

static int explain(int argc, char **argv, const sc_cmd_env *env)
{
	/* Entries shown per manual as matches, and in all as the closest to a weak report. */
	enum { MATCHES_MAX = 5, CLOSEST_MAX = 3, PERSONAS_NOT_LOOKED_UP = -2 };
	options o;
	catalogues cs;
	sc_match m[2][MATCHES_MAX];
	size_t n[2] = {0, 0}, shown = 0, next[2] = {0, 0};
	double best = 0.0;
	char names[1024], why[600];
	int personas = PERSONAS_NOT_LOOKED_UP, rc;

	if ((rc = parse(argc, argv, env, &o, CATALOG_OPTIONS)) != 0)
		return rc;
	if (optind != argc - 1 || argv[optind][0] == '\0')
		return usage(env, "explain needs one TEXT (quote it)", NULL);
	if ((rc = catalogues_load(o.manual, env, &cs)) != 0)
		return rc;
	for (size_t k = 0; k < cs.n; k++) {
		n[k] = sc_explain(cs.cat[k], argv[optind], m[k], MATCHES_MAX);
		if (n[k] > 0 && m[k][0].score > best)
			best = m[k][0].score;
	}
	rc = best >= SC_EXPLAIN_CONFIDENT ? 0 : 1;
	for (size_t k = 0; rc == 0 && k < cs.n; k++) {
		for (size_t i = 0; i < n[k] && m[k][i].score >= SC_EXPLAIN_CONFIDENT;
		     i++, shown++) {
			const sc_cat_entry *e = m[k][i].entry;
			fprintf(env->out, "%s— match %.2f\n", shown ? "\n" : "", m[k][i].score);
			print_entry(env->out, cs.manual[k], e);
			/* The same exception reads differently per browser: say whose it is. */
			if (sc_explain_is_exception(e) && personas == PERSONAS_NOT_LOOKED_UP &&
			    (personas = sc_explain_personas(env->fixtures_dir, argv[optind], names,
			                                    sizeof(names), why, sizeof(why))) < 0)
				fprintf(env->err, "kagura-scenarios: %s\n", why);
			if (sc_explain_is_exception(e) && personas >= 0)
				fprintf(env->out, "%s%s\n",
				        personas > 0 ? "shown by: "
				                     : "no persona shows this exact text",
				        names);
			fprintf(env->out, "reproduce: %s run --manual %s %s\n", env->program,
			        cs.manual[k], e->id);
		}
	}
	if (rc != 0 && best > 0.0)
		fprintf(env->out, "no confident match; closest:\n");
	for (; rc != 0 && best > 0.0 && shown < CLOSEST_MAX; shown++) {
		/* The better of the manuals' next entries; the newer manual's on a tie. */
		size_t k = next[0] >= n[0] ||
		           (next[1] < n[1] && m[1][next[1]].score > m[0][next[0]].score);
		const sc_match *x;
		if (next[k] >= n[k])
			break;
		x = &m[k][next[k]++];
		fprintf(env->out, "  %.2f manual %s entry %s: %s\n", x->score, cs.manual[k],
		        x->entry->id, x->entry->title);
		fprintf(env->out, "        reproduce: %s run --manual %s %s\n", env->program,
		        cs.manual[k], x->entry->id);
	}
	if (best == 0.0)
		fprintf(env->out, "no entry of the manual matches that text\n");
	catalogues_free(&cs);
	return rc;
}

int sc_cmd_main(int argc, char **argv, const sc_cmd_env *env)
{
	if (argc < 2)
		return usage(env, "a command is needed", NULL);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, env->out);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		fprintf(env->out, "kagura-scenarios %s\n", KAGURA_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "run") == 0)
		return run(argc - 1, argv + 1, env);
	if (strcmp(argv[1], "list") == 0)
		return list(argc - 1, argv + 1, env);
	if (strcmp(argv[1], "show") == 0)
		return show(argc - 1, argv + 1, env);
	if (strcmp(argv[1], "explain") == 0)
		return explain(argc - 1, argv + 1, env);
	if (strcmp(argv[1], "diff") == 0)
		return sc_diff_cmd(argc - 1, argv + 1, env);
	if (strcmp(argv[1], "steps") == 0) {
		sc_vocabulary_print(env->out);
		return 0;
	}
	return usage(env, "unknown command", argv[1]);
}
