/*
 * The FIDO2 server conformance API: the "transport binding profile" of the FIDO
 * Server Requirements (rp-verification §1.1). Four POST endpoints, JSON in and
 * out, through which the FIDO conformance tools (or our tests playing them)
 * drive registration and authentication against the same verifier and store
 * the platform uses.
 *
 * State between an options call and its result call lives in memory (rp/pending.h:
 * bounded, forgotten on a restart, never in the store), keyed by a random token in the
 * kagura_conformance cookie: the result call takes it, so every challenge answers one
 * result at most.
 *
 * Served only when asked for (kagura-rp serve --conformance-api, rp_platform_options'
 * conformance_api): it needs no login. Its users are its own, stored in a namespace of their
 * own (RP_CONFORMANCE_USER_PREFIX, rp/app.h) that the platform's pages and test control never
 * look into, and a username the CA gave a platform user is refused: what the API registers
 * never signs anyone in on the platform. A user is made only when its first registration
 * verified; an options call stores nothing (its pending ceremony lives 5 minutes in memory).
 */
#ifndef KAGURA_RP_CONFORMANCE_H
#define KAGURA_RP_CONFORMANCE_H

#include "rp/route.h"

extern const rp_route_table rp_conformance_table;

#endif
