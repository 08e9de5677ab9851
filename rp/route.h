/*
 * Routes: what a flow serves, as a table of method + path -> handler. Each flow hands the app
 * its table; the router knows no flow by name, only what a table says of itself.
 */
#ifndef KAGURA_RP_ROUTE_H
#define KAGURA_RP_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "rp/http.h"
#include "webauthn/arraylen.h"

typedef struct rp_app rp_app;

typedef void (*rp_route_fn)(rp_app *app, const rp_http_request *req, rp_http_response *resp);

/* What a route belongs to: the platform itself, or an API served only when asked for. */
typedef enum rp_route_api {
	RP_ROUTE_PLATFORM,     /* the platform's pages: always served, behind the network policy */
	RP_ROUTE_TEST_CONTROL, /* --test-control: the harness's hand (rp/test_control.h) */
	RP_ROUTE_CONFORMANCE,  /* --conformance-api: the FIDO conformance API (rp/conformance.h) */
} rp_route_api;

typedef struct rp_route {
	const char *method;
	const char *path;
	rp_route_fn fn;
	rp_route_api api;
} rp_route;

typedef struct rp_route_table {
	const rp_route *routes;
	size_t count;
	/*
	 * The page a forbidden network gets on these paths (manual 2.10), when their front server
	 * has its own; false when it wrote nothing, and the plain 403 follows. NULL: the plain 403.
	 */
	bool (*forbidden_page)(rp_app *app, rp_http_response *resp);
	/* A known path asked with another method; NULL: text/plain 405 (the JSON APIs). */
	rp_route_fn method_not_allowed;
} rp_route_table;

/* A table of the routes array r (its length counted by the compiler) and the two hooks. */
#define RP_ROUTE_TABLE(r, forbidden, not_allowed)              \
	{                                                      \
		(r), KAGURA_LEN(r), (forbidden), (not_allowed) \
	}

#endif
