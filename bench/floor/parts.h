/*
 * The in-process parts of a conformance API ceremony, each timed alone on the calling thread:
 * the WebAuthn verification (webauthn/) and the store's calls (rp/store.h, on disk).
 */
#ifndef KAGURA_BENCH_FLOOR_PARTS_H
#define KAGURA_BENCH_FLOOR_PARTS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum bf_part {
	BF_VERIFY_REGISTRATION, /* RegistrationResponseJSON text parsed, packed self, key decoded */
	BF_VERIFY_AUTHENTICATION, /* AuthenticationResponseJSON text parsed, ES256, key decoded once
	                           */
	BF_STORE_REGISTRATION,    /* a new user's reads, then the user and credential stored
	                             (committed with the batch) */
	BF_STORE_AUTHENTICATION,  /* the user and credentials read, then the counter updated
	                             (committed with the batch) */
	BF_PART__COUNT,
} bf_part;

/* What bf_parts_init made: the responses to verify again and again, the store. */
typedef struct bf_parts bf_parts;

/* The most writes committed in one batch. */
#define BF_BATCH_MAX 64

/*
 * A store in a new folder under dir (removed by bf_parts_free), its writes committed batch
 * (1..BF_BATCH_MAX) at a time; why says what failed.
 */
bf_parts *bf_parts_init(const char *dir, size_t batch, char *why, size_t why_size);
void bf_parts_free(bf_parts *p);

/* What the table calls the part, in a few words. */
const char *bf_part_name(bf_part part);

/*
 * Runs part again and again for about seconds; its microseconds of the process's CPU time per
 * run (the store's checkpointer thread counts: its checkpoints are the writes' cost).
 * False (why filled) when a run failed: a part that does not do its work is not measured.
 */
bool bf_part_time(bf_parts *p, bf_part part, double seconds, double *us, char *why,
                  size_t why_size);

#endif
