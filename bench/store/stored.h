/*
 * The load of users already in the store: N virtual users (bench/http's load: a keep-alive
 * connection and cookie jar each), each authenticating again and again as a stored user picked
 * at random among all of them, so every lookup goes through the store's full tables. Stored
 * user i belongs to virtual user i mod N only, so no two assertions of one credential race and
 * each carries a higher signature counter than the last (one counter for the whole run, across
 * rounds).
 */
#ifndef KAGURA_BENCH_STORE_STORED_H
#define KAGURA_BENCH_STORE_STORED_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prefill.h"
#include "load.h"

typedef struct bs_stored_load {
	const bh_target *target;
	const bs_keys *keys;
	size_t n_stored;           /* users 0..n_stored-1 are in the store */
	int users;                 /* virtual users; at most n_stored run */
	double warmup, seconds;    /* before the window; the window */
	atomic_uint *sign_counter; /* the run's, never reset */
	unsigned seed;             /* of the picks */
} bs_stored_load;

/* False when it could not run (threads, curl, memory); errors are counted, not failures. */
bool bs_stored_run(const bs_stored_load *load, bh_round *out);

#endif
