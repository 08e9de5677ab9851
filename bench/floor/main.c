/*
 * bench-floor: what one ceremony of bench-http's load costs in the parts kagura-rp serve is
 * built from, each measured alone, against the CPU budget bench-http's bar gives a ceremony
 * (ceremonies per server CPU-second at least 40% of OpenSSL's one-core P-256 verify rate,
 * measured in the same run). The parts: webauthn/'s verification of the responses the
 * conformance API is posted (registration: packed self attestation, its key decoded;
 * assertion: ES256, its key decoded once, as the server's key cache does), the store's calls
 * of the attestation and assertion endpoints on a SQLite file on disk (rp/store.h; the writes
 * committed --batch at a time, as the server's write queue commits them), and an HTTP
 * request on bare libmicrohttpd (bare.h: no hand-off, no log) under N keep-alive connections. A
 * ceremony is bench-http's mix: one registration for every BH_AUTHS_PER_USER authentications,
 * two requests each. What the budget leaves over the parts is all the platform's own work may
 * cost. Timings are printed, never judged: the exit status says only whether every part ran.
 */
#include <curl/curl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bare.h"
#include "load.h"
#include "parts.h"
#include "peers.h"
#include "stats.h"

#define BARE_SERVER_FLAG  "--bare-server"
#define REQUESTS_PER_CER  2 /* options, then result */
#define RATIO_LABEL_WIDTH 58
#define LABEL_WIDTH       58   /* the parts' names, padded so the numbers line up */
#define BAR_FLOOR         1.00 /* the parts at most the whole budget */
#define PATH_BYTES        4096
#define NUMBER_BYTES      32

/* Writes a batch commits: about what kagura-rp serve's write queue gathers at 64 users. */
#define DEFAULT_BATCH 8

typedef struct config {
	int rounds, users, batch;
	double seconds, warmup;
	const char *dir;
} config;

static void usage(FILE *to)
{
	fprintf(to,
	        "usage: bench-floor [--rounds N] [--seconds S] [--warmup S] [--users N] [--batch "
	        "N] "
	        "[--dir DIR]\n"
	        "  --rounds   rounds, each part once a round; the table gives medians (default 5)\n"
	        "  --seconds  each part's time a round (default 1.0)\n"
	        "  --warmup   the bare server's load before its measured window (default 0.3)\n"
	        "  --users    keep-alive connections on the bare server (default 64)\n"
	        "  --batch    the store's writes committed together, 1 (each alone) to %d (default "
	        "%d)\n"
	        "  --dir      where the store is made, on disk (default " BH_DISK_DIR ")\n",
	        BF_BATCH_MAX, DEFAULT_BATCH);
}

static int parse_args(int argc, char **argv, config *c)
{
	static const struct option opts[] = {
	        {"rounds", required_argument, NULL, 'r'}, {"seconds", required_argument, NULL, 's'},
	        {"warmup", required_argument, NULL, 'w'}, {"users", required_argument, NULL, 'u'},
	        {"batch", required_argument, NULL, 'b'},  {"dir", required_argument, NULL, 'd'},
	        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
	int ch;
	char *end;
	long n;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
		case 'u':
			n = strtol(optarg, &end, 10);
			if (*end != '\0' || n < 1 ||
			    n > (ch == 'r' ? BENCH_MAX_ROUNDS : BF_BARE_MAX_USERS)) {
				fprintf(stderr, "bench-floor: --%s wants 1 to %d\n",
				        ch == 'r' ? "rounds" : "users",
				        ch == 'r' ? BENCH_MAX_ROUNDS : BF_BARE_MAX_USERS);
				return 2;
			}
			*(ch == 'r' ? &c->rounds : &c->users) = (int)n;
			break;
		case 's':
		case 'w':
			if (!bench_parse_seconds(optarg, ch == 's' ? 0.01 : 0.0,
			                         ch == 's' ? &c->seconds : &c->warmup)) {
				fprintf(stderr, "bench-floor: --%s wants seconds, %s to 600\n",
				        ch == 's' ? "seconds" : "warmup", ch == 's' ? "0.01" : "0");
				return 2;
			}
			break;
		case 'b':
			n = strtol(optarg, &end, 10);
			if (*end != '\0' || n < 1 || n > BF_BATCH_MAX) {
				fprintf(stderr, "bench-floor: --batch wants 1 to %d\n",
				        BF_BATCH_MAX);
				return 2;
			}
			c->batch = (int)n;
			break;
		case 'd':
			c->dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bench-floor: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	return 0;
}

/* Server CPU microseconds per request on the bare server, one round; false (why) on failure. */
static bool bare_round(const config *c, const char *self, double *us, char *why, size_t size)
{
	const bh_peer bare = {.name = "bare", .argv = {self, BARE_SERVER_FLAG, NULL}};
	const bh_vars vars = {0};
	bh_server srv;
	size_t answered = 0;
	double cpu0, cpu1;
	bool ok;

	if (!bh_server_start(&bare, &vars, &srv, why, size))
		return false;
	ok = (c->warmup <= 0 ||
	      bf_bare_load(srv.base_url, c->users, c->warmup, &answered, why, size)) &&
	     bh_server_cpu(&srv, &cpu0) &&
	     bf_bare_load(srv.base_url, c->users, c->seconds, &answered, why, size) &&
	     bh_server_cpu(&srv, &cpu1);
	if (ok)
		*us = (cpu1 - cpu0) / (double)answered * 1e6;
	else if (why[0] == '\0')
		snprintf(why, size, "the bare server's CPU time could not be read");
	bh_server_stop(&srv);
	return ok;
}

/* v in fmt, "-" when it is not a number. */
static const char *number(double v, const char *fmt, char out[NUMBER_BYTES])
{
	if (isfinite(v))
		snprintf(out, NUMBER_BYTES, fmt, v);
	else
		snprintf(out, NUMBER_BYTES, "-");
	return out;
}

typedef struct row {
	const char *what;
	double us[BENCH_MAX_ROUNDS];
	double per_ceremony; /* runs of it in one ceremony */
	const char *times;   /* per_ceremony in words */
} row;

int main(int argc, char **argv)
{
	config c = {.rounds = 5,
	            .users = 64,
	            .batch = DEFAULT_BATCH,
	            .seconds = 1.0,
	            .warmup = 0.3,
	            .dir = BH_DISK_DIR};
	static const double auth_share = (double)BH_AUTHS_PER_USER / (BH_AUTHS_PER_USER + 1);
	row rows[BF_PART__COUNT + 1];
	char self[PATH_BYTES], why[512] = "";
	char rate_text[NUMBER_BYTES], budget_text[NUMBER_BYTES], left_text[NUMBER_BYTES];
	char auth_times[NUMBER_BYTES], reg_times[NUMBER_BYTES];
	double verify_rate, floor_us = 0, budget_us;
	bf_parts *parts;
	ssize_t n;
	int rc;

	if (argc == 2 && strcmp(argv[1], BARE_SERVER_FLAG) == 0)
		return bf_bare_serve();
	if ((rc = parse_args(argc, argv, &c)) != 0)
		return rc < 0 ? 0 : rc;
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0) {
		fprintf(stderr, "bench-floor: cannot tell its own path (/proc/self/exe)\n");
		return 1;
	}
	self[n] = '\0';
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "bench-floor: curl_global_init failed\n");
		return 1;
	}
	if ((parts = bf_parts_init(c.dir, (size_t)c.batch, why, sizeof(why))) == NULL) {
		fprintf(stderr, "bench-floor: %s\n", why);
		return 1;
	}
	snprintf(auth_times, sizeof(auth_times), "x %d/%d", BH_AUTHS_PER_USER,
	         BH_AUTHS_PER_USER + 1);
	snprintf(reg_times, sizeof(reg_times), "x 1/%d", BH_AUTHS_PER_USER + 1);
	for (int p = 0; p < BF_PART__COUNT; p++) {
		bool auth = p == BF_VERIFY_AUTHENTICATION || p == BF_STORE_AUTHENTICATION;
		rows[p] = (row){.what = bf_part_name((bf_part)p),
		                .per_ceremony = auth ? auth_share : 1.0 - auth_share,
		                .times = auth ? auth_times : reg_times};
	}
	rows[BF_PART__COUNT] = (row){.what = "HTTP: a request on bare libmicrohttpd",
	                             .per_ceremony = REQUESTS_PER_CER,
	                             .times = "x 2"};

	verify_rate = bh_openssl_verify_rate();
	printf("bench-floor: one ceremony of bench-http's load, its parts each measured alone "
	       "(CPU time)\n"
	       "a registration (packed self attestation) for every %d authentications (ES256), two "
	       "requests each;\nthe store on disk under %s, its writes committed %d at a time "
	       "(kagura-rp serve's write queue);\nthe bare server under %d keep-alive connections "
	       "posting %d bytes\n",
	       BH_AUTHS_PER_USER, c.dir, c.batch, c.users, BF_BARE_BODY_BYTES);
	fflush(stdout);
	for (int r = 0; r < c.rounds; r++) {
		/* The registrations first: the authentications are by the users they stored. */
		for (int p = 0; p < BF_PART__COUNT; p++)
			if (!bf_part_time(parts, (bf_part)p, c.seconds, &rows[p].us[r], why,
			                  sizeof(why)))
				goto failed;
		if (!bare_round(&c, self, &rows[BF_PART__COUNT].us[r], why, sizeof(why)))
			goto failed;
	}
	bf_parts_free(parts);
	curl_global_cleanup();

	printf("\n%-*s %8s  %-6s %11s\n", LABEL_WIDTH, "medians of the rounds", "us each", "",
	       "a ceremony");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		double med = bench_median(rows[i].us, c.rounds);
		floor_us += med * rows[i].per_ceremony;
		printf("%-*s %8.1f  %-6s %8.1f us\n", LABEL_WIDTH, rows[i].what, med, rows[i].times,
		       med * rows[i].per_ceremony);
	}
	budget_us = 1e6 / (BH_OPENSSL_SHARE * verify_rate);
	printf("%-*s %25.1f us\n", LABEL_WIDTH, "the parts of a ceremony", floor_us);
	printf("\nOpenSSL P-256 verify, one core, best of %d runs (openssl speed -seconds 1 "
	       "ecdsap256): %s/s;\n%.0f%% of it is a budget of %s us of server CPU a ceremony, "
	       "which leaves %s us a ceremony\nfor everything else the server does (routing, the "
	       "JSON answers, "
	       "challenges, cookies, the pending\nceremonies, the log, handing requests to "
	       "handlers, scheduling)\n",
	       BH_OPENSSL_RUNS, number(verify_rate, "%.0f", rate_text), BH_OPENSSL_SHARE * 100,
	       number(budget_us, "%.1f", budget_text),
	       number(budget_us - floor_us, "%.1f", left_text));
	bench_print_ratio("the parts of a ceremony / that budget:", RATIO_LABEL_WIDTH,
	                  isfinite(budget_us) ? floor_us / budget_us : NAN, BAR_FLOOR, true);
	return 0;
failed:
	fprintf(stderr, "bench-floor: %s\n", why);
	bf_parts_free(parts);
	curl_global_cleanup();
	return 1;
}
