/*
 * The store's writes committed together (group commit). Handlers submit a write and go on to
 * the next request; one thread commits what was submitted in one transaction
 * (rp_store_write_batch), then tells each write's owner how it ended, and only then does the
 * owner answer its client: an acknowledged write is committed, as before, but a COMMIT (its
 * WAL frames, its locks) is paid once for many writes instead of once each.
 *
 * A batch waits for more writes only while handlers that announced one (rp_write_queue_coming)
 * are still running, and never longer than a millisecond: a lone write is committed at once.
 */
#ifndef KAGURA_RP_WRITE_QUEUE_H
#define KAGURA_RP_WRITE_QUEUE_H

#include <stdbool.h>

#include "rp/store.h"

typedef struct rp_write_queue rp_write_queue;

/* How a write ended, on the queue's thread, after its batch's COMMIT; ctx is the submitter's. */
typedef void (*rp_write_done)(void *ctx, rp_store_err result);

/* The queue and its thread for store (which must outlive it); NULL when either fails. */
rp_write_queue *rp_write_queue_start(rp_store *store);
/* Commits what was submitted (each done called), stops the thread, frees q, NULLs *q. */
void rp_write_queue_stop(rp_write_queue **q);

/*
 * Queues write (its run and ctx; see rp_store_write) and done(ctx, result), called once the
 * batch it joined is committed. False (nothing queued, done never called) when q is NULL,
 * stopping, or out of memory: the caller writes by itself.
 */
bool rp_write_queue_submit(rp_write_queue *q, rp_store_err (*run)(rp_store *s, void *ctx),
                           rp_write_done done, void *ctx);

/*
 * A handler that may submit a write soon says so (+1) when it starts and again (-1) when it
 * returns, whether it submitted or not: a batch waits for the writes of handlers still running.
 */
void rp_write_queue_coming(rp_write_queue *q, int delta);

#endif
