/*
 * The servers bench-http measures, as one table, and their processes: started
 * fresh for every round from a command template, found by the "serving
 * http://ADDR:PORT" line each prints, charged by the CPU time the kernel counts
 * for them, stopped with SIGTERM.
 */
#ifndef KAGURA_BENCH_HTTP_PEERS_H
#define KAGURA_BENCH_HTTP_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define BH_MAX_ARGS  16
#define BH_MAX_PEERS 8 /* rows of bh_peers at most */
/* On disk wherever /tmp may be tmpfs (FHS: kept across boots): where {disk-db} stores go. */
#define BH_DISK_DIR "/var/tmp"
/* The bar's share of OpenSSL's one-core P-256 verify rate: ceremonies per server CPU-second
 * at least this share of it (so much of the server's CPU budget a ceremony). */
#define BH_OPENSSL_SHARE 0.40

/* A server: a row of the table. The first row is the kagura the bars judge; the rows not
 * marked kagura are its peers. */
typedef struct bh_peer {
	const char *name;              /* the result table's first column */
	bool kagura;                   /* false: a peer kagura's ratios are taken against */
	bool on_request;               /* measured only when --servers names it */
	const char *what;              /* one line: library, HTTP server, where state lives */
	const char *argv[BH_MAX_ARGS]; /* command template, NULL-terminated (see bh_vars) */
} bh_peer;

extern const bh_peer bh_peers[];
extern const size_t bh_n_peers;

/*
 * What the templates' placeholders become: {kagura-rp} {node} {python} {scripts}
 * {node-modules} {origin} {rp-id} {conformance-api}, and {tmpfs-db} ({disk-db}): a
 * store file in a new folder under /dev/shm (/var/tmp), made for each start and removed
 * at the stop. An
 * argument that is exactly a placeholder whose value is "" is dropped (an optional flag).
 */
typedef struct bh_vars {
	const char *kagura_rp, *node, *python, *scripts, *node_modules;
	const char *origin, *rp_id;
	const char
	        *conformance_api; /* "--conformance-api" when kagura-rp serve lists it, else "" */
} bh_vars;

typedef struct bh_server {
	pid_t pid;
	int out_fd;        /* its stdout, kept open until it stops */
	char log_path[64]; /* its stderr */
	char db_dir[64];   /* the {tmpfs-db} or {disk-db} folder, "" when none */
	char base_url[64]; /* http://127.0.0.1:PORT */
	char banner[320];  /* the line it printed on start */
} bh_server;

/* Starts peer and waits for its "serving http://" line; why says what went wrong. */
bool bh_server_start(const bh_peer *peer, const bh_vars *vars, bh_server *s, char *why,
                     size_t size);
/* User plus system CPU seconds of the process (all its threads) so far. */
bool bh_server_cpu(const bh_server *s, double *seconds);
/* SIGTERM, then SIGKILL after a few seconds; removes its stderr log. */
void bh_server_stop(bh_server *s);

/* `openssl speed` runs (1 s each) whose best gives OpenSSL's one-core verify rate. */
#define BH_OPENSSL_RUNS 3
/* OpenSSL's P-256 verifications per second on one core, the best of BH_OPENSSL_RUNS runs of
 * `openssl speed`; NAN if unknown. */
double bh_openssl_verify_rate(void);
/* Runs argv (PATH searched) to completion; its stdout in out (truncated), stderr dropped. */
bool bh_run_capture(const char *const argv[], char *out, size_t size);

#endif
