/* The mock platform as an application: configuration, store, clock, and the routes it serves. */
#ifndef KAGURA_RP_APP_H
#define KAGURA_RP_APP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <openssl/types.h>

#include "rp/cardcert.h"
#include "rp/generation.h"
#include "rp/http.h"
#include "rp/messages.h"
#include "rp/network.h"
#include "rp/route.h"
#include "rp/store.h"
#include "webauthn/ceremony.h"
#include "webauthn/clock.h"
#include "webauthn/trust.h"

typedef struct rp_config {
	const char *origin;              /* "https://mahpki-auth.2nds.medis.or.jp" */
	const char *rp_id;               /* "mahpki-auth.2nds.medis.or.jp" */
	const rp_generation *generation; /* which manual's texts and behaviour */
	bool test_control;               /* the CA/clock control API is served (--test-control) */
	bool conformance_api; /* the FIDO conformance API is served (--conformance-api) */
	/*
	 * The address the server listens on as bound ("127.0.0.1:8400"), set with the origin
	 * while the server is held (rp_http_limits.held), before any handler runs: test control
	 * takes no other Host than this or the origin's. NULL: only the origin's.
	 */
	const char *listen;
	/*
	 * The operator's network policy (--forbidden-network), fixed at start: a source inside
	 * these gets 403 everywhere, test control included, and no request can change them.
	 */
	size_t n_forbidden;
	rp_network forbidden[RP_MAX_NETWORKS];
	/*
	 * Manual 2.10 as test control sets it (POST /test-control/forbidden-networks): the platform
	 * and the conformance API refuse these sources too; test control itself stays reachable
	 * from them, so the harness can put the list back.
	 */
	size_t n_test_forbidden;
	rp_network test_forbidden[RP_MAX_NETWORKS];
} rp_config;

#define RP_CARD_FRONTS 2 /* card-login front servers: TLS 1.2 and TLS 1.3 (rp/front.h) */

struct rp_app {
	rp_config cfg;
	rp_store *store;
	/* The platform's clock: the system clock shifted by what test control advanced. */
	wa_clock clock;
	wa_trust trust;         /* attestation trust anchors (time set per request) */
	rp_messages *msgs;      /* the bundle of cfg.generation */
	struct rp_pages *pages; /* its templates as read (owned; NULL until the fixtures load) */
	/* The IC cards' trust (rp/card_pki.h), owned by whoever built it; NULL: no card login. */
	rp_cardcert_ctx *cards;
	/* The card-login front servers' URLs (TLS 1.2, TLS 1.3), borrowed; NULL none. Changed
	 * only while no handler runs (rp_card_fronts_start, rp_card_fronts_stop). */
	const char *card_front[RP_CARD_FRONTS];
	/* What the app serves, tried in this order (rp/routes.h: the whole platform's). */
	const rp_route_table *const *routes;
	size_t n_routes;
	/* When the store's expired rows were last purged, by the platform's clock (0: never). */
	atomic_llong purged_at;
	/* HMAC-SHA256 under a key drawn at start, ready to be copied for each use: it makes the
	 * user.id the conformance API sends for a user not made yet (owned). */
	EVP_MAC_CTX *user_mac;
	/* Credentials' public keys as decoded for their last assertion (owned; NULL: none). */
	struct wa_cose_cache *keys;
	/* The conformance API's pending ceremonies, in memory only (owned; rp/pending.h). */
	struct rp_pending *pending;
	/* Writes committed together (owned; rp/write_queue.h), for the handlers of a server that
	 * runs them on its threads; NULL: each handler writes alone. Stopped before the store. */
	struct rp_write_queue *writes;
};

/*
 * The FIDO conformance API's users live in a namespace of their own: stored under this prefix,
 * never found by the platform's pages or test control, so a credential registered through the
 * API never belongs to a user the CA made (rp/conformance.h).
 */
#define RP_CONFORMANCE_USER_PREFIX "conformance:"
/* The longest username the conformance API takes: the store's limit less the prefix. */
#define RP_CONFORMANCE_NAME_MAX (RP_USER_NAME_MAX - (sizeof(RP_CONFORMANCE_USER_PREFIX) - 1))

/* Whether a stored user name is one of the conformance API's users. */
bool rp_app_is_conformance_user(const char *stored_name);
/*
 * A user of the platform by 本人ID, as the pages and test control look them up: a conformance
 * API user (or a name in its namespace) is RP_STORE_NOT_FOUND.
 */
rp_store_err rp_app_user_by_name(const rp_app *app, const char *name, rp_user *out);

/*
 * Deletes the store's expired sessions (with their codes), codes, records and QR tokens, at
 * most once a minute of the platform's clock (or when the clock was set back); called on the
 * request path. False when a purge ran and failed.
 */
bool rp_app_purge_due(rp_app *app);

/* A message of the bundle; the key itself when the bundle lacks it (visible, never empty). */
const char *rp_msg(const rp_app *app, const char *key);

/* The one handler libmicrohttpd calls: routes by method and path. */
void rp_app_handle(void *app, const rp_http_request *req, rp_http_response *resp);

/* What a ceremony on this platform expects: the challenge it sent, its origin and RP ID. */
wa_expect rp_app_expect(const rp_app *app, const wa_blob *challenge, bool require_uv);

/* A JSON error in the FIDO conformance shape: {"status":"failed","errorMessage":...}. */
void rp_fail_json(rp_http_response *resp, int status, const char *message);

#endif
