#include "scenarios/scenarios_cmd.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scenarios/explain.h"
#include "scenarios/report.h"
#include "scenarios/runner.h"

static const char usage_text[] =
        "usage: kagura-scenarios run [--manual 2.16|1.04|all] [--target URL [--origin ORIGIN]\n"
        "                            [--test-control]] [--format text|tap|junit|json]\n"
        "                            [--output FILE] [--jobs N] [ENTRY...]\n"
        "       kagura-scenarios list [--manual 2.16|1.04|all]\n"
        "       kagura-scenarios show [--manual 2.16|1.04] ENTRY\n"
        "       kagura-scenarios explain [--manual 2.16|1.04|all] \"TEXT\"\n"
        "       kagura-scenarios steps   (the step vocabulary of scenario files)\n"
        "run exits 0 only when no entry failed; 1 when one did; 2 on bad input.\n";

static int usage(const sc_cmd_env *env, const char *what, const char *arg)
{
	fprintf(env->err, "kagura-scenarios: %s%s%s\n%s", what, arg ? " " : "", arg ? arg : "",
	        usage_text);
	return 2;
}

typedef struct options {
	const char *manual, *target, *origin, *output;
	bool test_control;
	sc_format format;
	int jobs;
} options;

static int parse(int argc, char **argv, const sc_cmd_env *env, options *o)
{
	static const struct option opts[] = {
	        {"manual", required_argument, NULL, 'm'}, {"target", required_argument, NULL, 't'},
	        {"origin", required_argument, NULL, 'o'}, {"test-control", no_argument, NULL, 'c'},
	        {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'O'},
	        {"jobs", required_argument, NULL, 'j'},   {NULL, 0, NULL, 0}};
	int c;
	char *end;

	*o = (options){.manual = "all", .format = SC_FORMAT_TEXT, .jobs = 2};
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
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
			o->origin = optarg;
			break;
		case 'c':
			o->test_control = true;
			break;
		case 'f':
			if (!sc_format_parse(optarg, &o->format))
				return usage(env, "--format is text, tap, junit or json, not",
				             optarg);
			break;
		case 'O':
			o->output = optarg;
			break;
		case 'j':
			o->jobs = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || o->jobs < 1 || o->jobs > 64)
				return usage(env, "--jobs is 1..64, not", optarg);
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

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int run(int argc, char **argv, const sc_cmd_env *env)
{
	options o;
	catalogues cs;
	sc_report_run runs[2] = {{0}};
	sc_entry_result *results[2] = {NULL, NULL};
	size_t passed, failed, skipped;
	FILE *out = env->out;
	int rc;

	if ((rc = parse(argc, argv, env, &o)) != 0)
		return rc;
	if ((o.origin || o.test_control) && o.target == NULL)
		return usage(env, "--origin and --test-control describe a --target", NULL);
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
	if (o.output != NULL && (out = fopen(o.output, "w")) == NULL) {
		fprintf(env->err, "kagura-scenarios: %s: cannot be written\n", o.output);
		catalogues_free(&cs);
		return 2;
	}
	for (size_t k = 0; k < cs.n; k++) {
		sc_run_config cfg = {
		        .manual = cs.manual[k],
		        .catalogue = cs.cat[k],
		        .scenario_dir = env->scenario_dir,
		        .target = o.target,
		        .target_origin = o.origin,
		        .target_test_control = o.test_control,
		        .fixtures_dir = env->fixtures_dir,
		        .attestation_dir = env->attestation_dir,
		        .phone_env = env->phone_env,
		        .jobs = o.jobs,
		        .only = optind < argc ? (const char *const *)argv + optind : NULL,
		        .n_only = (size_t)(argc - optind),
		        .progress = isatty(fileno(env->err)) ? progress : NULL,
		        .progress_arg = env->err,
		};
		long t0 = now_ms();
		results[k] = sc_run(&cfg, &runs[k].n);
		runs[k] = (sc_report_run){.manual = cs.manual[k],
		                          .results = results[k],
		                          .n = runs[k].n,
		                          .wall_ms = now_ms() - t0,
		                          .program = env->program,
		                          .target = o.target};
		if (results[k] == NULL) {
			fprintf(env->err, "kagura-scenarios: %s: scenarios cannot be read\n",
			        env->scenario_dir);
			rc = 2;
		}
	}
	if (rc == 0) {
		sc_report_write(out, o.format, runs, cs.n);
		sc_report_count(runs, cs.n, &passed, &failed, &skipped);
		rc = failed > 0 ? 1 : 0;
	}
	if (out != env->out && fclose(out) != 0) {
		fprintf(env->err, "kagura-scenarios: %s: cannot be written\n", o.output);
		rc = 2;
	}
	free(results[0]);
	free(results[1]);
	catalogues_free(&cs);
	return rc;
}

static int list(int argc, char **argv, const sc_cmd_env *env)
{
	options o;
	catalogues cs;
	int rc;

	if ((rc = parse(argc, argv, env, &o)) != 0)
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

	if ((rc = parse(argc, argv, env, &o)) != 0)
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
	options o;
	catalogues cs;
	size_t shown = 0;
	int rc;

	if ((rc = parse(argc, argv, env, &o)) != 0)
		return rc;
	if (optind != argc - 1 || argv[optind][0] == '\0')
		return usage(env, "explain needs one TEXT (quote it)", NULL);
	if ((rc = catalogues_load(o.manual, env, &cs)) != 0)
		return rc;
	for (size_t k = 0; k < cs.n; k++) {
		sc_match m[5];
		size_t n = sc_explain(cs.cat[k], argv[optind], m, 5);
		for (size_t i = 0; i < n; i++, shown++) {
			fprintf(env->out, "%s— match %.2f\n", shown ? "\n" : "", m[i].score);
			print_entry(env->out, cs.manual[k], m[i].entry);
			fprintf(env->out, "reproduce: %s run --manual %s %s\n", env->program,
			        cs.manual[k], m[i].entry->id);
		}
	}
	if (shown == 0)
		fprintf(env->out, "no entry of the manual matches that text\n");
	catalogues_free(&cs);
	return shown ? 0 : 1;
}

int sc_cmd_main(int argc, char **argv, const sc_cmd_env *env)
{
	if (argc < 2)
		return usage(env, "a command is needed", NULL);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, env->out);
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
	if (strcmp(argv[1], "steps") == 0) {
		sc_vocabulary_print(env->out);
		return 0;
	}
	return usage(env, "unknown command", argv[1]);
}
