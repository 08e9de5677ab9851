/*
 * One round of load: N virtual users against one running server, driven by one
 * event loop per core (curl's multi interface: a user's requests wait on the loop
 * that owns it, not on a thread of its own). Each user runs the ceremonies its
 * schedule names, one after another, until the round ends. The window opens after
 * the warm-up and once every user has had a ceremony accepted (so all are
 * connected: a server that accepts connections slowly is measured in its steady
 * state, and its ramp reported apart), for a fixed time: ceremonies whose last
 * request completes inside it are counted, the latency of every request
 * completing inside it is kept, and the server's CPU time is read at both ends.
 */
#ifndef KAGURA_BENCH_HTTP_LOAD_H
#define KAGURA_BENCH_HTTP_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "peers.h"
#include "vuser.h"

#define BH_AUTHS_PER_USER 5
#define BH_NAME_MAX       96 /* a ceremony's username, with its NUL */

typedef struct bh_round {
	double seconds;            /* the window, as measured */
	uint64_t ceremonies;       /* completed in the window */
	uint64_t errors;           /* requests refused or broken during the whole round */
	double p50_ms, p99_ms;     /* per request, in the window */
	double cpu_seconds;        /* the server's user + system time in the window (or 0) */
	double client_cpu_seconds; /* this process's (all virtual users'), in the window */
	double ramp_seconds;       /* from the start until every user had a ceremony accepted */
	off_t log_from, log_to;    /* the server's log's size at the window's ends (-1: unknown) */
	char first_error[256];
} bh_round;

/*
 * What virtual user `user` does next, its last ceremony having ended with `last` (BH_PENDING
 * before its first): the ceremony into *kind and its username into name. *state is the user's
 * own word for the schedule (0 at the start of a round). The user is given so the schedule can
 * hand it a credential (bh_vuser_use_credential). False: the user stops for the round
 * (memory). Called on the loop that owns the user, never for one user on two loops.
 */
typedef bool (*bh_next_fn)(void *ctx, int user, uint64_t *state, bh_vuser *u, bh_outcome last,
                           bh_ceremony *kind, char name[BH_NAME_MAX]);

typedef struct bh_schedule {
	bh_next_fn next;
	void *ctx;
} bh_schedule;

/* bench-http's schedule: a registration under a new name, then BH_AUTHS_PER_USER logins. */
extern const bh_schedule bh_fresh_users;

/* server NULL: its CPU is not read. False when the round could not run (threads, curl, memory). */
bool bh_round_run(const bh_target *target, const bh_server *server, int users, double warmup,
                  double seconds, const bh_schedule *schedule, bh_round *out);

#endif
