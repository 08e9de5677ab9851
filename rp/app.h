/* The mock platform as an application: configuration, store, clock, routing. */
#ifndef KAGURA_RP_APP_H
#define KAGURA_RP_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "rp/cardcert.h"
#include "rp/http.h"
#include "rp/messages.h"
#include "rp/store.h"
#include "webauthn/clock.h"
#include "webauthn/trust.h"

#define RP_MAX_NETWORKS 16

typedef struct rp_network {
	uint32_t addr; /* host order */
	uint32_t mask;
} rp_network;

typedef struct rp_config {
	const char *origin; /* "https://mahpki-auth.2nds.medis.or.jp" */
	const char *rp_id;  /* "mahpki-auth.2nds.medis.or.jp" */
	const char *manual; /* "2.16" or "1.04": which generation of texts and behaviour */
	bool test_control;  /* the CA/clock control API is served */
	size_t n_forbidden;
	rp_network forbidden[RP_MAX_NETWORKS];
} rp_config;

#define RP_CARD_FRONTS 2 /* card-login front servers: TLS 1.2 and TLS 1.3 (rp/front.h) */

typedef struct rp_app {
	rp_config cfg;
	rp_store *store;
	/* The platform's clock: the system clock shifted by what test control advanced. */
	wa_clock clock;
	wa_trust trust;        /* attestation trust anchors (time set per request) */
	rp_messages *msgs;     /* the bundle of cfg.manual */
	const char *pages_dir; /* fixtures/pages */
	/* The IC cards' trust (rp/flow_card.h), owned by whoever built it; NULL: no card login. */
	rp_cardcert_ctx *cards;
	/* The card-login front servers' URLs (TLS 1.2, TLS 1.3), borrowed; NULL none. */
	const char *card_front[RP_CARD_FRONTS];
} rp_app;

/* A message of the bundle; the key itself when the bundle lacks it (visible, never empty). */
const char *rp_msg(const rp_app *app, const char *key);

/* The one handler libmicrohttpd calls: routes by method and path. */
void rp_app_handle(void *app, const rp_http_request *req, rp_http_response *resp);

/* "10.0.0.0/8" into a network; false when malformed. */
bool rp_network_parse(const char *cidr, rp_network *out);
bool rp_network_contains(const rp_network *n, const char *ip);

/* Random bytes as base64url text of at most size-1 characters (challenges, codes, tokens). */
bool rp_random_token(size_t bytes, char *out, size_t size);

/* A JSON error in the FIDO conformance shape: {"status":"failed","errorMessage":...}. */
void rp_fail_json(rp_http_response *resp, int status, const char *message);

/* Routes of one module: method + path -> handler. */
typedef void (*rp_route_fn)(rp_app *app, const rp_http_request *req, rp_http_response *resp);
typedef struct rp_route {
	const char *method;
	const char *path;
	rp_route_fn fn;
	bool test_control; /* served only with --test-control */
} rp_route;

/* The device-only FIDO login's routes (rp/flow_login.c). */
extern const rp_route rp_login_routes[];
extern const size_t rp_login_route_count;

/* The cross-device authentication's routes (rp/flow_device_auth.c). */
extern const rp_route rp_device_auth_routes[];
extern const size_t rp_device_auth_route_count;

/* The conformance API's routes (rp/conformance.c). */
extern const rp_route rp_conformance_routes[];
extern const size_t rp_conformance_route_count;

/* Device registration: the phone's pages (rp/flow_register.c), the PC's (rp/flow_pc_register.c). */
extern const rp_route rp_register_routes[];
extern const size_t rp_register_route_count;
extern const rp_route rp_pc_register_routes[];
extern const size_t rp_pc_register_route_count;

/* IC-card login on the PC (rp/flow_card.c). */
extern const rp_route rp_card_routes[];
extern const size_t rp_card_route_count;

#endif
