/*
 * The FIDO conformance API's pending ceremonies: what an options call sent (challenge, user,
 * userVerification ...) kept in memory under the random token its cookie names, until the
 * result call takes it. Like Keycloak's authentication sessions, they never reach the database:
 * a ceremony then costs one committed write (its credential or counter), and a restart forgets
 * them (the browser calls options again).
 *
 * Bounded: at most the capacity given at creation, in number and in bytes (a state's size is
 * the client's to choose: up to 64 allowCredentials ids of 1023 bytes). When full, expired
 * ceremonies go first, then the one nearest its expiry (the oldest, as every ceremony lives
 * equally long): a flood of options calls can only push out older pending ceremonies, never
 * grow memory past the bounds.
 *
 * Thread-safe: one lock around the table. Time is always the caller's (the platform's clock).
 */
#ifndef KAGURA_RP_PENDING_H
#define KAGURA_RP_PENDING_H

#include "webauthn/xtable.h"

#include <jansson.h>
#include <stddef.h>
#include <time.h>

/* The default bounds: far above what any test or benchmark keeps pending at once. */
#define RP_PENDING_DEFAULT_CAPACITY 10000u
#define RP_PENDING_DEFAULT_BYTES    (32u * 1024u * 1024u)
/* The longest token kept (the conformance API's are 43 characters of base64url). */
#define RP_PENDING_TOKEN_MAX 63u

#define RP_PENDING_ERROR KAGURA_XT_ENUM
typedef enum rp_pending_err {
#include "rp/pending_error.def"
	RP_PENDING__COUNT
} rp_pending_err;

KAGURA_XT_DECLARE(rp_pending_err, rp_pending_strerr); /* the message; never NULL */

typedef struct rp_pending rp_pending; /* opaque */

/* A table of at most capacity ceremonies holding at most max_bytes (0: the defaults); NULL
 * without memory. */
rp_pending *rp_pending_new(size_t capacity, size_t max_bytes);
/* Frees the table with every state still in it, and NULLs *table. */
void rp_pending_free(rp_pending **table);

/*
 * Keeps state under token until expires. The table takes the caller's reference to state
 * whatever the result (the caller must not touch it afterwards). A ceremony already under
 * token is replaced.
 */
rp_pending_err rp_pending_put(rp_pending *table, const char *token, json_t *state, time_t now,
                              time_t expires);
/*
 * Removes the ceremony under token and, unless it expired by now, gives its state to the caller
 * (*out, the caller's reference; NULL on any error). Single use: a second take finds nothing.
 */
rp_pending_err rp_pending_take(rp_pending *table, const char *token, time_t now, json_t **out);
/* Drops the ceremony under token, if any (RP_PENDING_NOT_FOUND otherwise). */
rp_pending_err rp_pending_delete(rp_pending *table, const char *token);
/* Drops every ceremony expired by now; how many it dropped. */
size_t rp_pending_purge(rp_pending *table, time_t now);
/* How many ceremonies the table holds (expired ones not yet purged included). */
size_t rp_pending_count(rp_pending *table);

#endif
