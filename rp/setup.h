/* What every start of the platform does, embedded (rp/platform.c) or served (rp/serve_cmd.c). */
#ifndef KAGURA_RP_SETUP_H
#define KAGURA_RP_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#include "rp/app.h"
#include "rp/card_pki.h"
#include "rp/front.h"
#include "rp/http.h"

/*
 * An app of generation (rp/generation.h) serving the whole platform (rp/routes.h), on the
 * system clock, its trust store empty; false (nothing left to release) when its trust store,
 * key cache, pending ceremonies or user.id key cannot be made. The caller sets the rest of cfg,
 * then loads the fixtures.
 */
bool rp_app_init(rp_app *app, const rp_generation *generation);
/* Frees what the app owns (store, bundle, trust store, card trust). */
void rp_app_release(rp_app *app);

/*
 * The RP ID the platform serves under origin: given (NULL: the origin's host), into buf. False,
 * with why, when origin is not http(s)://host[:port] (a literal "{port}" counts as a port) or
 * given is neither its host nor a registrable domain suffix of it: no browser would run a
 * ceremony there.
 */
bool rp_origin_rp_id(const char *origin, const char *given, char *buf, size_t size, char *why,
                     size_t why_size);

/*
 * A fresh temporary store path in $TMPDIR (default /tmp), so parallel runs can tell their
 * stores apart; the file itself is left to SQLite to create. False when none can be made.
 */
bool rp_temp_store_path(char *path, size_t size);
/* Removes a store and its -wal and -shm companions. */
void rp_store_remove_files(const char *path);

/*
 * The fixtures of app->cfg.generation: the message bundle into app->msgs and the pages folder's
 * templates into app->pages. fixtures_dir NULL: $KAGURA_FIXTURES or the source tree's. False
 * with why on a bundle that does not load.
 */
bool rp_app_load_fixtures(rp_app *app, const char *fixtures_dir, char *why, size_t why_size);

/*
 * The card-login front servers (rp/front.h), TLS 1.2 and TLS 1.3, on free loopback ports in
 * front of the platform's HTTPS at backend ("127.0.0.1:PORT"), trusted by srv through a fresh
 * secret; their URLs go to app->card_front so test control can name them. A generation's fronts
 * may check the CRLs in the handshake (fronts_check_crl). False with why; started ones are stopped
 * then.
 */
bool rp_card_fronts_start(rp_app *app, rp_http_server *srv, const rp_card_pki_files *pki,
                          const char *backend, rp_front *fronts[RP_CARD_FRONTS], char *why,
                          size_t why_size);
/* Withdraws the fronts' URLs while none of srv's handlers runs, then stops the fronts; never
 * from a handler. srv NULL: no server runs. */
void rp_card_fronts_stop(rp_app *app, rp_http_server *srv, rp_front *fronts[RP_CARD_FRONTS]);

#endif
