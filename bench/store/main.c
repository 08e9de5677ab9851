/*
 * bench-store: kagura-rp serve's memory and response time as its store grows. For each size N
 * it fills a store (`--db`) with N users of the FIDO conformance API, each with a credential
 * (prefill.h), starts `kagura-rp serve --db FILE --conformance-api` on it and drives it with
 * two loads in turn: bench-http's (new users registering, then authenticating; load.h) and
 * authentications by stored users picked at random across the whole store (stored.h). Per size
 * it prints the server's resident memory after its start and at its peak (VmHWM), ceremonies/s
 * and per-request p50/p99; last the ratios of the largest store to the others. Rounds take the
 * sizes in turn, each with a fresh server on the same file; the table gives medians. Timings are
 * printed, never judged: the exit status says only whether everything ran and the stored users'
 * credentials were accepted.
 */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "load.h"
#include "stats.h"
#include "peers.h"
#include "prefill.h"
#include "procstat.h"
#include "stored.h"
#include "webauthn/clock.h"

#define MAX_SIZES         8
#define MAX_STORE         10000000 /* users in one store */
#define MAX_USERS         256
#define MAX_ROUNDS        BENCH_MAX_ROUNDS
#define RATIO_LABEL_WIDTH 58 /* the ratio lines' labels, padded so the ratios line up */
#define SIZES_DEFAULT     "1000,10000,100000"
#define ORIGIN            "https://kagura.example.jp"
#define RP_ID             "kagura.example.jp"
#define KIB_PER_MIB       1024.0

/* The bars the largest store's ratios to the smaller ones are printed against (at most). */
#define BAR_RSS 1.50 /* peak resident memory */
#define BAR_P50 1.50 /* median latency per request */

typedef struct config {
	size_t sizes[MAX_SIZES];
	int n_sizes;
	int users, rounds;
	double seconds, warmup;
	const char *dir; /* where the stores are made */
	bool keep, verbose;
	bh_vars vars;
} config;

/* One size's measurements, a slot per round. */
typedef struct cell {
	double rss_start[MAX_ROUNDS], rss_peak[MAX_ROUNDS];
	double fresh_rate[MAX_ROUNDS], fresh_p50[MAX_ROUNDS], fresh_p99[MAX_ROUNDS];
	double stored_rate[MAX_ROUNDS], stored_p50[MAX_ROUNDS], stored_p99[MAX_ROUNDS];
	int n;
	uint64_t fresh_errors, stored_errors;
	char first_error[256];
	char path[512];      /* the store file */
	double fill_seconds; /* the prefill's wall time */
	double file_mib;     /* the file's size after the prefill */
} cell;

static const char usage_text[] =
        "usage: bench-store [--sizes N,N,...] [--users N] [--rounds N] [--seconds S]\n"
        "                   [--warmup S] [--dir DIR] [--keep] [-v|--verbose]\n"
        "                   [--kagura-rp PATH]\n"
        "  --sizes    stored users per store (default " SIZES_DEFAULT "; 0 allowed)\n"
        "  --users    virtual users of each load (default 8)\n"
        "  --rounds   rounds over all sizes, medians printed (default 3)\n"
        "  --seconds  measured window of each load (default 2); --warmup before it (0.5)\n"
        "  --dir      where the stores are made (default $TMPDIR or /tmp); --keep keeps them\n"
        "  --verbose  every round on stderr\n"
        "  --kagura-rp  the server to run (default: this build's)\n"
        "exit status: 0 every size ran, produced numbers, and its stored users authenticated\n"
        "  without an error; 1 otherwise; 2 usage error\n";

static int usage(const char *what, const char *arg)
{
	fprintf(stderr, "bench-store: %s%s%s\n%s", what, arg ? " " : "", arg ? arg : "",
	        usage_text);
	return 2;
}

/* ---- options ---- */

static bool parse_sizes(const char *s, config *c)
{
	char *end;

	c->n_sizes = 0;
	for (;;) {
		long long n = strtoll(s, &end, 10);
		if (end == s || n < 0 || n > MAX_STORE || c->n_sizes == MAX_SIZES)
			return false;
		c->sizes[c->n_sizes++] = (size_t)n;
		if (*end == '\0')
			return true;
		if (*end != ',')
			return false;
		s = end + 1;
	}
}

static bool parse_int(const char *s, int min, int max, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end != '\0' || v < min || v > max)
		return false;
	*out = (int)v;
	return true;
}

static int parse_args(int argc, char **argv, config *c)
{
	static const struct option opts[] = {{"sizes", required_argument, NULL, 's'},
	                                     {"users", required_argument, NULL, 'u'},
	                                     {"rounds", required_argument, NULL, 'r'},
	                                     {"seconds", required_argument, NULL, 't'},
	                                     {"warmup", required_argument, NULL, 'w'},
	                                     {"dir", required_argument, NULL, 'd'},
	                                     {"keep", no_argument, NULL, 'k'},
	                                     {"kagura-rp", required_argument, NULL, 'K'},
	                                     {"verbose", no_argument, NULL, 'v'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	int o;

	while ((o = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			if (!parse_sizes(optarg, c))
				return usage("--sizes takes counts 0..10000000, comma-separated:",
				             optarg);
			break;
		case 'u':
			if (!parse_int(optarg, 1, MAX_USERS, &c->users))
				return usage("--users takes 1..256:", optarg);
			break;
		case 'r':
			if (!parse_int(optarg, 1, MAX_ROUNDS, &c->rounds))
				return usage("--rounds takes 1..99:", optarg);
			break;
		case 't':
			if (!bench_parse_seconds(optarg, 0.05, &c->seconds))
				return usage("--seconds takes 0.05..600:", optarg);
			break;
		case 'w':
			if (!bench_parse_seconds(optarg, 0, &c->warmup))
				return usage("--warmup takes 0..600:", optarg);
			break;
		case 'd':
			c->dir = optarg;
			break;
		case 'k':
			c->keep = true;
			break;
		case 'K':
			c->vars.kagura_rp = optarg;
			break;
		case 'v':
			c->verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			return usage("unknown option", NULL);
		}
	}
	if (optind < argc)
		return usage("unexpected argument", argv[optind]);
	return 0;
}

/* ---- the run ---- */

static bool fill(const char *folder, size_t n, const bs_keys *keys, time_t created, cell *cl)
{
	char why[256];
	struct stat st;
	double t0 = bench_now_seconds();

	snprintf(cl->path, sizeof(cl->path), "%s/store-%zu.db", folder, n);
	if (!bs_prefill(cl->path, n, keys, created, why, sizeof(why))) {
		fprintf(stderr, "bench-store: %s\n", why);
		return false;
	}
	cl->fill_seconds = bench_now_seconds() - t0;
	cl->file_mib =
	        stat(cl->path, &st) == 0 ? (double)st.st_size / KIB_PER_MIB / KIB_PER_MIB : NAN;
	return true;
}

static void note_error(cell *cl, const char *msg)
{
	if (cl->first_error[0] == '\0' && msg[0] != '\0')
		snprintf(cl->first_error, sizeof(cl->first_error), "%s", msg);
}

/* One round on one size: a fresh server on its store, both loads, its memory. */
static bool measure(const config *c, size_t n, const bs_keys *keys, atomic_uint *counter,
                    unsigned seed, cell *cl)
{
	const char *argv_tmpl[] = {"{kagura-rp}", "serve",    "--listen",          "127.0.0.1:0",
	                           "--origin",    "{origin}", "--rp-id",           "{rp-id}",
	                           "--db",        cl->path,   "--conformance-api", NULL};
	bh_peer peer = {.name = "kagura", .kagura = true, .what = "kagura-rp serve --db"};
	bh_server srv;
	bh_round fresh;
	bh_round stored = {0};
	bs_memory start, end;
	char why[512];
	int r = cl->n;
	bool ok;

	memcpy(peer.argv, argv_tmpl, sizeof(argv_tmpl));
	if (!bh_server_start(&peer, &c->vars, &srv, why, sizeof(why))) {
		fprintf(stderr, "bench-store: kagura-rp serve on %zu users could not start: %s\n",
		        n, why);
		return false;
	}
	bh_target t = {srv.base_url, c->vars.origin, c->vars.rp_id};
	bs_stored_load load = {.target = &t,
	                       .keys = keys,
	                       .n_stored = n,
	                       .users = c->users,
	                       .warmup = c->warmup,
	                       .seconds = c->seconds,
	                       .sign_counter = counter,
	                       .seed = seed};
	ok = bs_memory_of(srv.pid, &start) &&
	     bh_round_run(&t, &srv, c->users, c->warmup, c->seconds, &bh_fresh_users, &fresh) &&
	     (n == 0 || bs_stored_run(&load, &stored)) && bs_memory_of(srv.pid, &end);
	bh_server_stop(&srv);
	if (!ok) {
		fprintf(stderr,
		        "bench-store: %zu users: a load could not run (threads, memory or "
		        "/proc)\n",
		        n);
		return false;
	}
	cl->rss_start[r] = (double)start.rss_kib / KIB_PER_MIB;
	cl->rss_peak[r] = (double)end.peak_kib / KIB_PER_MIB;
	cl->fresh_rate[r] = (double)fresh.ceremonies / fresh.seconds;
	cl->fresh_p50[r] = fresh.p50_ms;
	cl->fresh_p99[r] = fresh.p99_ms;
	cl->stored_rate[r] = n ? (double)stored.ceremonies / stored.seconds : NAN;
	cl->stored_p50[r] = n ? stored.p50_ms : NAN;
	cl->stored_p99[r] = n ? stored.p99_ms : NAN;
	cl->fresh_errors += fresh.errors;
	cl->stored_errors += stored.errors;
	note_error(cl, stored.first_error);
	note_error(cl, fresh.first_error);
	cl->n++;
	if (c->verbose)
		fprintf(stderr,
		        "bench-store: %zu users: RSS %.1f -> peak %.1f MiB; fresh %.0f/s p50 %.2f "
		        "ms; stored %.0f/s p50 %.2f ms; errors %llu/%llu\n",
		        n, cl->rss_start[r], cl->rss_peak[r], cl->fresh_rate[r], cl->fresh_p50[r],
		        cl->stored_rate[r], cl->stored_p50[r], (unsigned long long)fresh.errors,
		        (unsigned long long)stored.errors);
	/* Numbers only when each load had a ceremony and every stored user was accepted. */
	return fresh.ceremonies > 0 && (n == 0 || (stored.ceremonies > 0 && stored.errors == 0));
}

/* ---- the report ---- */

static void print_table(const config *c, const cell *cells)
{
	printf("\nmedians of %d round%s; fresh: bench-http's load (new users register, then "
	       "authenticate %d times);\nstored: authentications by stored users picked at random "
	       "(a ceremony: two requests)\n",
	       c->rounds, c->rounds == 1 ? "" : "s", BH_AUTHS_PER_USER);
	printf("%-9s | %9s | %9s | %9s | %8s | %8s | %8s | %8s | %8s | %8s | %s\n", "users",
	       "store", "RSS start", "peak RSS", "fresh /s", "p50", "p99", "stored/s", "p50", "p99",
	       "errors");
	for (int s = 0; s < c->n_sizes; s++) {
		const cell *cl = &cells[s];
		printf("%-9zu | %6.1f MB | %6.1f MB | %6.1f MB | %8.0f | %5.2f ms | %5.2f ms | ",
		       c->sizes[s], cl->file_mib, bench_median(cl->rss_start, cl->n),
		       bench_median(cl->rss_peak, cl->n), bench_median(cl->fresh_rate, cl->n),
		       bench_median(cl->fresh_p50, cl->n), bench_median(cl->fresh_p99, cl->n));
		if (c->sizes[s] == 0)
			printf("%8s | %8s | %8s | ", "-", "-", "-");
		else
			printf("%8.0f | %5.2f ms | %5.2f ms | ",
			       bench_median(cl->stored_rate, cl->n),
			       bench_median(cl->stored_p50, cl->n),
			       bench_median(cl->stored_p99, cl->n));
		printf("%llu\n", (unsigned long long)(cl->fresh_errors + cl->stored_errors));
	}
	printf("(MB: MiB; store: the file after the prefill; RSS start: after the server's start; "
	       "peak RSS: VmHWM after both loads)\n");
}

static void print_ratio(const char *what, size_t big, size_t small, double num, double den,
                        double bar)
{
	char label[160];
	double ratio = num / den;

	snprintf(label, sizeof(label), "%s, %zu / %zu users:", what, big, small);
	bench_print_ratio(label, RATIO_LABEL_WIDTH, ratio, bar, true);
}

/* The largest store against the next smaller one and against the smallest. */
static void print_ratios(const config *c, const cell *cells)
{
	int big = 0, against[2], n_against = 0;

	for (int s = 1; s < c->n_sizes; s++)
		if (c->sizes[s] > c->sizes[big])
			big = s;
	int next = -1, least = -1;
	for (int s = 0; s < c->n_sizes; s++) {
		if (c->sizes[s] >= c->sizes[big])
			continue;
		if (next < 0 || c->sizes[s] > c->sizes[next])
			next = s;
		if (least < 0 || c->sizes[s] < c->sizes[least])
			least = s;
	}
	if (next >= 0)
		against[n_against++] = next;
	if (least >= 0 && least != next)
		against[n_against++] = least;
	if (n_against > 0)
		printf("\n");
	for (int i = 0; i < n_against; i++) {
		const cell *b = &cells[big], *o = &cells[against[i]];
		size_t nb = c->sizes[big], no = c->sizes[against[i]];

		print_ratio("peak RSS", nb, no, bench_median(b->rss_peak, b->n),
		            bench_median(o->rss_peak, o->n), BAR_RSS);
		print_ratio("p50 per request, fresh users", nb, no,
		            bench_median(b->fresh_p50, b->n), bench_median(o->fresh_p50, o->n),
		            BAR_P50);
		if (no > 0)
			print_ratio("p50 per request, stored users", nb, no,
			            bench_median(b->stored_p50, b->n),
			            bench_median(o->stored_p50, o->n), BAR_P50);
	}
}

/* Removes the stores and their folder (unless --keep). */
static void clean(const config *c, const char *folder, const cell *cells)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", NULL};
	char file[600];

	if (c->keep) {
		printf("stores kept in %s\n", folder);
		return;
	}
	for (int s = 0; s < c->n_sizes; s++)
		for (int k = 0; suffixes[k] != NULL && cells[s].path[0] != '\0'; k++) {
			snprintf(file, sizeof(file), "%s%s", cells[s].path, suffixes[k]);
			unlink(file);
		}
	rmdir(folder);
}

static int run(const config *c, cell *cells)
{
	const char *tmp = getenv("TMPDIR");
	char folder[400];
	bs_keys keys;
	wa_clock clock = wa_clock_system(0);
	atomic_uint counter;
	char why[256];
	bool ok = true;

	snprintf(folder, sizeof(folder), "%s/bench-store-XXXXXX",
	         c->dir          ? c->dir
	         : tmp && tmp[0] ? tmp
	                         : "/tmp");
	if (mkdtemp(folder) == NULL) {
		fprintf(stderr, "bench-store: cannot make %s: %s\n", folder, strerror(errno));
		return 1;
	}
	if (!bs_keys_make(&keys, c->vars.origin, c->vars.rp_id, wa_clock_now(&clock), why,
	                  sizeof(why))) {
		fprintf(stderr, "bench-store: %s\n", why);
		rmdir(folder);
		return 1;
	}
	printf("bench-store: kagura-rp serve --db on stores of conformance users (each with one "
	       "ES256 credential),\n%d virtual users per load, %.2f s measured after %.2f s, "
	       "origin %s\n",
	       c->users, c->seconds, c->warmup, c->vars.origin);
	for (int s = 0; s < c->n_sizes && ok; s++) {
		ok = fill(folder, c->sizes[s], &keys, wa_clock_now(&clock), &cells[s]);
		if (ok)
			printf("  %zu users stored in %.1f s (%.1f MiB)\n", c->sizes[s],
			       cells[s].fill_seconds, cells[s].file_mib);
	}
	/* Every signature counter stored is 0: the run's assertions start above it. */
	atomic_init(&counter, 1);
	for (int r = 0; r < c->rounds && ok; r++)
		for (int s = 0; s < c->n_sizes && ok; s++)
			ok = measure(c, c->sizes[s], &keys, &counter, (unsigned)(r * MAX_SIZES + s),
			             &cells[s]);
	if (ok) {
		print_table(c, cells);
		print_ratios(c, cells);
	}
	for (int s = 0; s < c->n_sizes; s++)
		if (cells[s].first_error[0] != '\0')
			printf("%zu users, first error: %s\n", c->sizes[s], cells[s].first_error);
	bs_keys_free(&keys);
	clean(c, folder, cells);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	config c = {.users = 8,
	            .rounds = 3,
	            .seconds = 2.0,
	            .warmup = 0.5,
	            .vars = {.kagura_rp = BS_KAGURA_RP, .origin = ORIGIN, .rp_id = RP_ID}};
	cell *cells = calloc(MAX_SIZES, sizeof(*cells)); /* main's, freed at its end */
	int rc;

	parse_sizes(SIZES_DEFAULT, &c);
	if ((rc = parse_args(argc, argv, &c)) != 0) {
		free(cells);
		return rc;
	}
	if (cells == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "bench-store: %s failed\n", cells ? "curl_global_init" : "calloc");
		free(cells);
		return 1;
	}
	rc = run(&c, cells);
	curl_global_cleanup();
	free(cells);
	return rc;
}
