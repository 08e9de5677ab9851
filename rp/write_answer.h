/*
 * A handler's last step when it is a write: the answer goes out once the write is committed.
 * Through the app's write queue (rp/write_queue.h: committed with other handlers' writes, the
 * answer deferred, rp_http_response_defer) when the app has one, else written and answered at
 * once.
 */
#ifndef KAGURA_RP_WRITE_ANSWER_H
#define KAGURA_RP_WRITE_ANSWER_H

#include "rp/app.h"

/* What the handler hands over, each with its ctx. */
typedef struct rp_write_step {
	/* The write: the store's own calls only (rp_store_write). */
	rp_store_err (*run)(rp_store *s, void *ctx);
	/* The answer for how the write ended (any thread, after the COMMIT). */
	void (*answer)(void *ctx, rp_http_response *resp, rp_store_err result);
	/* Frees ctx, after the answer. */
	void (*release)(void *ctx);
} rp_write_step;

/*
 * A handler that may end in rp_write_then_answer calls rp_write_handler_begin first and
 * rp_write_handler_end on every way out: a batch gathering writes waits for the handlers in
 * between, and for a deferred write until it is queued.
 */
void rp_write_handler_begin(rp_app *app);
void rp_write_handler_end(rp_app *app, const rp_http_response *resp);

/*
 * Writes step->run, then answers; ctx is the step's from here on (released in every case, also
 * when memory runs out: then the answer is a 500 and nothing is written).
 */
void rp_write_then_answer(rp_app *app, const rp_http_request *req, rp_http_response *resp,
                          const rp_write_step *step, void *ctx);

#endif
