/*
 * One round of load: N virtual users, one thread each, against one running
 * server. Each user registers (packed self-attestation) then authenticates
 * BH_AUTHS_PER_USER times, under a new name each cycle, until the round ends.
 * The window opens after the warm-up and once every user has had a ceremony
 * accepted (so all are connected: a server that accepts connections slowly is
 * measured in its steady state, and its ramp reported apart), for a fixed time:
 * ceremonies whose last
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

typedef struct bh_round {
	double seconds;            /* the window, as measured */
	uint64_t ceremonies;       /* completed in the window */
	uint64_t errors;           /* requests refused or broken during the whole round */
	double p50_ms, p99_ms;     /* per request, in the window */
	double cpu_seconds;        /* the server's user + system time in the window */
	double client_cpu_seconds; /* this process's (all virtual users'), in the window */
	double ramp_seconds;       /* from the start until every user had a ceremony accepted */
	char first_error[256];
} bh_round;

bool bh_round_run(const bh_target *target, const bh_server *server, int users, double warmup,
                  double seconds, bh_round *out);

#endif
