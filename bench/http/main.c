/*
 * bench-http: kagura-rp serve beside two reference servers written for the
 * benchmark (bench/http/simplewebauthn_server.mjs, bench/http/fido2_server.py),
 * all speaking the FIDO conformance API, under the same load in the same run.
 *
 * First the verification gate (gate.h) for every server; then rounds, each a
 * fresh server and store per (N, server), interleaved kagura, node, python,
 * kagura, ...; the table gives medians over the rounds, and the last lines
 * kagura's ratios to its peers and to OpenSSL's one-core P-256 verify rate
 * measured in the same run (`openssl speed`). Timings are printed, never judged:
 * the exit status says only whether every server verified and produced numbers.
 */
#include <curl/curl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"
#include "stats.h"
#include "load.h"
#include "peers.h"
#include "server_times.h"

#define MAX_USERS_LEVELS  8
#define MAX_USERS         1024
#define MAX_ROUNDS        BENCH_MAX_ROUNDS
#define RATIO_LABEL_WIDTH 88 /* the ratio lines' labels, padded so the ratios line up */
#define USERS_DEFAULT     "1,8,64"

/* The bars kagura's ratios are printed against. */
#define BAR_THROUGHPUT  2.00 /* ceremonies/s at the most users vs the faster peer */
#define BAR_CPU_PEER    4.00 /* ceremonies per server CPU-second vs the best peer */
#define BAR_CPU_OPENSSL 1.00 /* ... vs this share of OpenSSL's one-core P-256 verify rate: */
#define BAR_P99         1.00 /* p99 at the most users vs P99_BUDGET_MS, at most */
#define P99_BUDGET_MS   10.0

typedef struct config {
	int rounds;
	int users[MAX_USERS_LEVELS];
	int n_users;
	double seconds, warmup;
	bool verbose;
	bool want[BH_MAX_PEERS]; /* per row of bh_peers */
	bh_vars vars;
	char rp_id[256];
} config;

typedef struct cell {
	double rate[MAX_ROUNDS], p50[MAX_ROUNDS], p99[MAX_ROUNDS], per_cpu[MAX_ROUNDS];
	/* inside the server, off its log (kagura-rp's only; NAN for the peers) */
	double srv_p50[MAX_ROUNDS], srv_p99[MAX_ROUNDS];
	int n;
} cell;

typedef struct result {
	bool gate_passed;
	int gate_ok, gate_total;
	bool broken; /* a round could not run or produced no ceremony */
	uint64_t errors;
	char first_error[256];
	cell at[MAX_USERS_LEVELS];
} result;

static const char usage_text[] =
        "usage: bench-http [--rounds N] [--users N,N,...] [--seconds S] [--warmup S]\n"
        "                  [--servers NAME,...] [--origin ORIGIN] [-v|--verbose]\n"
        "                  [--kagura-rp PATH] [--node PATH] [--python PATH]\n"
        "                  [--scripts DIR] [--node-modules DIR]\n"
        "  --rounds    rounds per server and N, medians printed (default 5)\n"
        "  --users     virtual users per level (default " USERS_DEFAULT ")\n"
        "  --seconds   measured window per round (default 0.6); --warmup before it (0.2)\n"
        "  --servers   which of kagura-durable,kagura,kagura-disk,node,python (default all but\n"
        "              kagura-disk; kagura-durable, its --db store on disk, is the one the\n"
        "              ratios judge; kagura has it on tmpfs; kagura-disk runs it without\n"
        "              --db: a temporary store on disk, never synced)\n"
        "  --origin    the origin all servers expect, https (default https://kagura.example.jp);\n"
        "              the RP ID is its host\n"
        "  --verbose   every gate case with the server's errorMessage, every round on stderr\n"
        "exit status: 0 every server passed the verification gate and produced numbers;\n"
        "  1 one did not (or could not start); 2 usage error\n";

static int usage(const char *what, const char *arg)
{
	fprintf(stderr, "bench-http: %s%s%s\n%s", what, arg ? " " : "", arg ? arg : "", usage_text);
	return 2;
}

/* ---- options ---- */

static bool parse_users(const char *s, config *c)
{
	char *end;

	c->n_users = 0;
	for (;;) {
		long n = strtol(s, &end, 10);
		if (end == s || n < 1 || n > MAX_USERS || c->n_users == MAX_USERS_LEVELS)
			return false;
		c->users[c->n_users++] = (int)n;
		if (*end == '\0')
			return true;
		if (*end != ',')
			return false;
		s = end + 1;
	}
}

static bool parse_servers(const char *s, config *c)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	memset(c->want, 0, sizeof(c->want));
	for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		size_t i = 0;
		while (i < bh_n_peers && strcmp(bh_peers[i].name, t) != 0)
			i++;
		if (i == bh_n_peers)
			return false;
		c->want[i] = true;
	}
	return true;
}

/* The RP ID: the origin's host (https only, as python-fido2 insists and WebAuthn says). */
static bool rp_id_of(const char *origin, char *out, size_t size)
{
	const char *host = strncmp(origin, "https://", 8) == 0 ? origin + 8 : NULL;
	size_t len = host ? strcspn(host, ":/") : 0;

	if (len == 0 || len >= size || (host[len] != '\0' && host[len] != ':'))
		return false;
	memcpy(out, host, len);
	out[len] = '\0';
	return true;
}

static int parse_args(int argc, char **argv, config *c)
{
	static const struct option opts[] = {{"rounds", required_argument, NULL, 'r'},
	                                     {"users", required_argument, NULL, 'u'},
	                                     {"seconds", required_argument, NULL, 's'},
	                                     {"warmup", required_argument, NULL, 'w'},
	                                     {"servers", required_argument, NULL, 'S'},
	                                     {"origin", required_argument, NULL, 'o'},
	                                     {"verbose", no_argument, NULL, 'v'},
	                                     {"kagura-rp", required_argument, NULL, 'k'},
	                                     {"node", required_argument, NULL, 'n'},
	                                     {"python", required_argument, NULL, 'p'},
	                                     {"scripts", required_argument, NULL, 'd'},
	                                     {"node-modules", required_argument, NULL, 'm'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	int o;
	char *end;

	opterr = 0;
	while ((o = getopt_long(argc, argv, ":hv", opts, NULL)) != -1) {
		switch (o) {
		case 'r':
			c->rounds = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || c->rounds < 1 || c->rounds > MAX_ROUNDS)
				return usage("--rounds takes 1 to 99, not", optarg);
			break;
		case 'u':
			if (!parse_users(optarg, c))
				return usage("--users takes up to 8 numbers 1..1024, "
				             "comma-separated, not",
				             optarg);
			break;
		case 's':
			if (!bench_parse_seconds(optarg, 0.05, &c->seconds))
				return usage("--seconds takes 0.05 to 600, not", optarg);
			break;
		case 'w':
			if (!bench_parse_seconds(optarg, 0, &c->warmup))
				return usage("--warmup takes 0 to 600, not", optarg);
			break;
		case 'S':
			if (!parse_servers(optarg, c))
				return usage("--servers takes names among "
				             "kagura-durable,kagura,kagura-disk,node,python, "
				             "not",
				             optarg);
			break;
		case 'o':
			c->vars.origin = optarg;
			break;
		case 'v':
			c->verbose = true;
			break;
		case 'k':
			c->vars.kagura_rp = optarg;
			break;
		case 'n':
			c->vars.node = optarg;
			break;
		case 'p':
			c->vars.python = optarg;
			break;
		case 'd':
			c->vars.scripts = optarg;
			break;
		case 'm':
			c->vars.node_modules = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case ':':
			return usage("option needs a value:", argv[optind - 1]);
		default:
			return usage("unknown option", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return usage("unexpected argument", argv[optind]);
	if (!rp_id_of(c->vars.origin, c->rp_id, sizeof(c->rp_id)))
		return usage("--origin must be https://HOST[:PORT], not", c->vars.origin);
	c->vars.rp_id = c->rp_id;
	return 0;
}

/* ---- measurements beside the servers ---- */

/* kagura-rp serve takes --conformance-api when its --help lists it; before that it always serves
 * the API. */
static const char *conformance_flag(const char *kagura_rp)
{
	static char help[8192];
	const char *argv[] = {kagura_rp, "serve", "--help", NULL};

	if (bh_run_capture(argv, help, sizeof(help)) && strstr(help, "--conformance-api") != NULL)
		return "--conformance-api";
	return "";
}

/* ---- the run ---- */

static bool gate(const config *c, size_t p, result *r)
{
	bh_server srv;
	char why[512];

	if (!bh_server_start(&bh_peers[p], &c->vars, &srv, why, sizeof(why))) {
		printf("  %-14s could not start: %s\n", bh_peers[p].name, why);
		return false;
	}
	bh_target t = {srv.base_url, c->vars.origin, c->vars.rp_id};
	r->gate_passed =
	        bh_gate_run(&t, bh_peers[p].name, c->verbose, stdout, &r->gate_ok, &r->gate_total);
	if (c->verbose)
		printf("  %-14s %s\n", bh_peers[p].name, srv.banner);
	bh_server_stop(&srv);
	return r->gate_passed;
}

static void measure(const config *c, size_t p, int level, int round, result *r)
{
	bh_server srv;
	bh_round rd;
	char why[512];
	cell *cl = &r->at[level];

	if (!bh_server_start(&bh_peers[p], &c->vars, &srv, why, sizeof(why))) {
		fprintf(stderr, "bench-http: %s could not start: %s\n", bh_peers[p].name, why);
		r->broken = true;
		return;
	}
	bh_target t = {srv.base_url, c->vars.origin, c->vars.rp_id};
	if (!bh_round_run(&t, &srv, c->users[level], c->warmup, c->seconds, &bh_fresh_users, &rd)) {
		fprintf(stderr,
		        "bench-http: %s: the round could not run (threads, memory or /proc)\n",
		        bh_peers[p].name);
		r->broken = true;
		bh_server_stop(&srv);
		return;
	}
	cl->srv_p50[cl->n] = cl->srv_p99[cl->n] = NAN;
	/* Read before the stop, which removes the log. */
	if (bh_peers[p].kagura && !bh_server_times(srv.log_path, rd.log_from, rd.log_to,
	                                           &cl->srv_p50[cl->n], &cl->srv_p99[cl->n])) {
		fprintf(stderr, "bench-http: %s: its log holds no request times for the window\n",
		        bh_peers[p].name);
		r->broken = true;
	}
	bh_server_stop(&srv);
	if (rd.ceremonies == 0)
		r->broken = true;
	r->errors += rd.errors;
	if (r->first_error[0] == '\0' && rd.first_error[0] != '\0')
		snprintf(r->first_error, sizeof(r->first_error), "%s", rd.first_error);
	cl->rate[cl->n] = (double)rd.ceremonies / rd.seconds;
	cl->p50[cl->n] = rd.p50_ms;
	cl->p99[cl->n] = rd.p99_ms;
	cl->per_cpu[cl->n] = rd.cpu_seconds > 0 ? (double)rd.ceremonies / rd.cpu_seconds : NAN;
	cl->n++;
	if (c->verbose)
		fprintf(stderr,
		        "round %d N=%-3d %-14s %7.1f ceremonies/s  p50 %7.2f ms  p99 %7.2f ms  "
		        "CPU s: server %.2f, load generator %.2f  all users served after %.2f s  "
		        "%llu errors\n",
		        round + 1, c->users[level], bh_peers[p].name, cl->rate[cl->n - 1],
		        rd.p50_ms, rd.p99_ms, rd.cpu_seconds, rd.client_cpu_seconds,
		        rd.ramp_seconds, (unsigned long long)rd.errors);
}

/* A number in a table cell, "-" when there is none. */
static const char *cell_text(double v, const char *fmt, char *buf, size_t size)
{
	if (isfinite(v))
		snprintf(buf, size, fmt, v);
	else
		snprintf(buf, size, "-");
	return buf;
}

/* A row of p50 / p99 per user count for each server measured: the clients' figures, or (inside)
 * the server's own, which only kagura-rp's log gives. */
static void latency_rows(const config *c, const result *res, bool inside)
{
	char b1[32], b2[32];

	for (size_t p = 0; p < bh_n_peers; p++) {
		if (!c->want[p] || !res[p].gate_passed || (inside && !bh_peers[p].kagura))
			continue;
		printf("%-14s", bh_peers[p].name);
		for (int l = 0; l < c->n_users; l++) {
			const cell *t = &res[p].at[l];
			printf(" | %7s / %7s",
			       cell_text(bench_median(inside ? t->srv_p50 : t->p50, t->n), "%.2f",
			                 b1, sizeof(b1)),
			       cell_text(bench_median(inside ? t->srv_p99 : t->p99, t->n), "%.2f",
			                 b2, sizeof(b2)));
		}
		printf("\n");
	}
}

static void report(const config *c, const result *res, double verify_rate)
{
	int top = c->n_users - 1, most = c->users[top];
	double best_rate = NAN, best_cpu = NAN;
	const char *best_rate_name = NULL, *best_cpu_name = NULL;
	char what[160], head[32], b1[32], b2[32];

	printf("\nceremonies/s, medians of %d round%s (a ceremony: a registration or an "
	       "authentication, two requests)\n",
	       c->rounds, c->rounds == 1 ? "" : "s");
	printf("%-14s", "server");
	for (int l = 0; l < c->n_users; l++) {
		snprintf(head, sizeof(head), "N=%d", c->users[l]);
		printf(" | %7s", head);
	}
	snprintf(head, sizeof(head), "p99 at %d", most);
	printf(" | %10s | errors | ceremonies per server CPU-second (%d)\n", head, most);
	for (size_t p = 0; p < bh_n_peers; p++) {
		const result *r = &res[p];
		const cell *t = &r->at[top];
		if (!c->want[p])
			continue;
		printf("%-14s", bh_peers[p].name);
		if (!r->gate_passed) {
			printf(" | not measured: failed the verification gate\n");
			continue;
		}
		for (int l = 0; l < c->n_users; l++)
			printf(" | %7s", cell_text(bench_median(r->at[l].rate, r->at[l].n), "%.0f",
			                           b1, sizeof(b1)));
		printf(" | %10s | %6llu | %s\n",
		       cell_text(bench_median(t->p99, t->n), "%.1f ms", b1, sizeof(b1)),
		       (unsigned long long)r->errors,
		       cell_text(bench_median(t->per_cpu, t->n), "%.0f", b2, sizeof(b2)));
	}
	printf("\nlatency per request in ms, p50 / p99, medians of the rounds\n%-14s", "server");
	for (int l = 0; l < c->n_users; l++) {
		snprintf(head, sizeof(head), "N=%d", c->users[l]);
		printf(" | %17s", head);
	}
	printf("\n");
	latency_rows(c, res, false);
	printf("\nthe same inside kagura-rp serve (its log: from a request's headers read to its "
	       "answer handed to libmicrohttpd)\n");
	latency_rows(c, res, true);
	for (size_t p = 0; p < bh_n_peers; p++)
		if (c->want[p] && res[p].errors > 0)
			printf("%s's first error: %s\n", bh_peers[p].name, res[p].first_error);

	printf("\nOpenSSL P-256 verify, one core, best of %d runs (openssl speed -seconds 1 "
	       "ecdsap256): %s /s\n\n",
	       BH_OPENSSL_RUNS, cell_text(verify_rate, "%.0f", b1, sizeof(b1)));

	/* The first row is the kagura judged: its --db store on disk, WAL, synchronous=NORMAL. */
	if (!c->want[0] || !res[0].gate_passed)
		return;
	for (size_t p = 0; p < bh_n_peers; p++) {
		double rate, cpu;
		if (bh_peers[p].kagura || !c->want[p] || !res[p].gate_passed)
			continue;
		rate = bench_median(res[p].at[top].rate, res[p].at[top].n);
		cpu = bench_median(res[p].at[top].per_cpu, res[p].at[top].n);
		if (isfinite(rate) && !(rate <= best_rate)) {
			best_rate = rate;
			best_rate_name = bh_peers[p].name;
		}
		if (isfinite(cpu) && !(cpu <= best_cpu)) {
			best_cpu = cpu;
			best_cpu_name = bh_peers[p].name;
		}
	}
	double k_rate = bench_median(res[0].at[top].rate, res[0].at[top].n);
	double k_cpu = bench_median(res[0].at[top].per_cpu, res[0].at[top].n);
	double k_p99 = bench_median(res[0].at[top].p99, res[0].at[top].n);

	snprintf(what, sizeof(what), "ceremonies/s at N=%d, %s / %s (the faster peer):", most,
	         bh_peers[0].name, best_rate_name ? best_rate_name : "-");
	bench_print_ratio(what, RATIO_LABEL_WIDTH, k_rate / best_rate, BAR_THROUGHPUT, false);
	snprintf(what, sizeof(what),
	         "ceremonies per server CPU-second at N=%d, %s / %s (the best peer):", most,
	         bh_peers[0].name, best_cpu_name ? best_cpu_name : "-");
	bench_print_ratio(what, RATIO_LABEL_WIDTH, k_cpu / best_cpu, BAR_CPU_PEER, false);
	snprintf(what, sizeof(what),
	         "ceremonies per server CPU-second at N=%d, %s / %.0f%% of that verify rate:", most,
	         bh_peers[0].name, BH_OPENSSL_SHARE * 100);
	bench_print_ratio(what, RATIO_LABEL_WIDTH, k_cpu / (BH_OPENSSL_SHARE * verify_rate),
	                  BAR_CPU_OPENSSL, false);
	snprintf(what, sizeof(what), "p99 per request at N=%d, %s / %.0f ms:", most,
	         bh_peers[0].name, P99_BUDGET_MS);
	bench_print_ratio(what, RATIO_LABEL_WIDTH, k_p99 / P99_BUDGET_MS, BAR_P99, true);
}

int main(int argc, char **argv)
{
	static result res[BH_MAX_PEERS];
	config c = {
	        .rounds = 5,
	        .users = {1, 8, 64},
	        .n_users = 3,
	        .seconds = 0.6,
	        .warmup = 0.2,
	        .vars = {.kagura_rp = BH_KAGURA_RP,
	                 .node = "node",
	                 .python = "/usr/bin/python3",
	                 .scripts = BH_SCRIPTS_DIR,
	                 .node_modules = BH_NODE_MODULES,
	                 .origin = "https://kagura.example.jp"},
	};
	bool all_ok = true;
	double verify_rate;
	int rc;

	for (size_t p = 0; p < bh_n_peers; p++)
		c.want[p] = !bh_peers[p].on_request;
	if ((rc = parse_args(argc, argv, &c)) != 0)
		return rc;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "bench-http: curl_global_init failed\n");
		return 1;
	}
	c.vars.conformance_api = conformance_flag(c.vars.kagura_rp);

	printf("bench-http: the FIDO conformance API under the same load, each server on "
	       "127.0.0.1\n"
	       "origin %s, RP ID %s, for every server\n",
	       c.vars.origin, c.vars.rp_id);
	for (size_t p = 0; p < bh_n_peers; p++)
		if (c.want[p])
			printf("  %-14s %s%s\n", bh_peers[p].name, bh_peers[p].what,
			       bh_peers[p].kagura && c.vars.conformance_api[0]
			               ? " (--conformance-api)"
			               : "");

	printf("verification gate: an honest registration and authentication accepted, a wrong "
	       "challenge and a bad signature refused in both\n");
	for (size_t p = 0; p < bh_n_peers; p++) {
		if (!c.want[p])
			continue;
		if (!gate(&c, p, &res[p]))
			all_ok = false;
		printf("  %-14s %s (%d of %d cases)\n", bh_peers[p].name,
		       res[p].gate_passed ? "passed" : "FAILED: not measured", res[p].gate_ok,
		       res[p].gate_total);
	}
	fflush(stdout);

	verify_rate = bh_openssl_verify_rate();

	printf("load: N virtual users (keep-alive, a cookie jar each; one event loop per core), "
	       "each registering "
	       "(packed self-attestation)\nthen authenticating %d times (ES256), again and again; "
	       "per round a fresh server and store,\n%.1f s warm-up, %.1f s measured; rounds "
	       "interleaved across servers\n",
	       BH_AUTHS_PER_USER, c.warmup, c.seconds);
	fflush(stdout);
	for (int round = 0; round < c.rounds; round++)
		for (int l = 0; l < c.n_users; l++)
			for (size_t p = 0; p < bh_n_peers; p++)
				if (c.want[p] && res[p].gate_passed)
					measure(&c, p, l, round, &res[p]);

	report(&c, res, verify_rate);
	for (size_t p = 0; p < bh_n_peers; p++)
		if (c.want[p] && res[p].broken) {
			fprintf(stderr, "bench-http: %s produced no ceremony in a round\n",
			        bh_peers[p].name);
			all_ok = false;
		}
	curl_global_cleanup();
	return all_ok ? 0 : 1;
}
