/* A handler's write, answered once committed (rp/write_answer.h). */
#include "rp/write_answer.h"

#include <stdlib.h>

#include "rp/write_queue.h"

/* A deferred write from the handler's return to its answer; done frees it. */
typedef struct carrier {
	rp_app *app;
	const rp_http_request *req;
	rp_http_response *resp;
	const rp_write_step *step;
	void *ctx;
} carrier;

static rp_store_err run(rp_store *s, void *arg)
{
	carrier *c = arg;

	return c->step->run(s, c->ctx);
}

static void done(void *arg, rp_store_err result)
{
	carrier *c = arg;
	const rp_http_request *req = c->req;

	c->step->answer(c->ctx, c->resp, result);
	c->step->release(c->ctx);
	free(c);
	rp_http_finish(req); /* the request, and resp with it, may be gone after this */
}

/* rp_http_response_defer's start: on the handler's thread, once the handler returned. */
static void start(void *arg)
{
	carrier *c = arg;
	rp_app *app = c->app; /* c may be gone once submitted */

	if (!rp_write_queue_submit(app->writes, run, done, c))
		done(c, run(app->store, c)); /* the queue is stopping: written here */
	/* The handler's announcement, kept until now so a gathering batch waits for this write. */
	rp_write_queue_coming(app->writes, -1);
}

void rp_write_handler_begin(rp_app *app)
{
	rp_write_queue_coming(app->writes, +1);
}

void rp_write_handler_end(rp_app *app, const rp_http_response *resp)
{
	/* A deferred write's announcement is withdrawn by start, once the write is queued. */
	if (resp->defer_start != start)
		rp_write_queue_coming(app->writes, -1);
}

void rp_write_then_answer(rp_app *app, const rp_http_request *req, rp_http_response *resp,
                          const rp_write_step *step, void *ctx)
{
	carrier *c;

	if (app->writes != NULL) {
		if ((c = malloc(sizeof(*c))) == NULL) {
			rp_fail_json(resp, 500, "out of memory");
			step->release(ctx);
			return;
		}
		*c = (carrier){.app = app, .req = req, .resp = resp, .step = step, .ctx = ctx};
		rp_http_response_defer(resp, start, c);
		return;
	}
	step->answer(ctx, resp, step->run(app->store, ctx));
	step->release(ctx);
}
