/*
 * Users with their credentials as last committed, kept in memory for a store its process owns
 * (RP_STORE_OWNED; rp/store*.c only). An assertion's reads are then answered without SQLite
 * and without waiting for the store's lock while a batch commits, as Keycloak answers them
 * from its user cache.
 *
 * Coherence: entries are put only under the store's lock, by a read that missed or by the
 * COMMIT that created the user; every write to a user or a credential forgets the user at once
 * (under the same lock, before its COMMIT, so nobody reads the old entry after the write is
 * seen); a counter update is applied when its transaction commits (rp/store.c's notes). Writes by
 * another process are not seen until the entry is evicted: the owning process is the file's only
 * writer of users and credentials.
 *
 * Bounded: at most cap users (CLOCK eviction: a user read since the hand last passed stays).
 */
#ifndef KAGURA_RP_STORE_CACHE_H
#define KAGURA_RP_STORE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rp/store.h"

/* Users kept at most: about 1 KiB each with one credential. */
#define STORE_CACHE_USERS 4096u

typedef struct store_cache store_cache;

/* An empty cache of at most cap users (0: STORE_CACHE_USERS); NULL when out of memory. */
store_cache *store_cache_new(size_t cap);
/* Frees the cache and what it keeps; NULLs *k. */
void store_cache_free(store_cache **k);

/*
 * Every call takes k NULL (a store that keeps nobody: not RP_STORE_OWNED) as an empty cache that
 * stays empty, so the store's writes tell it without asking whether there is one.
 */

/*
 * The user named name, with their credentials (oldest first), copied out: OK when kept,
 * NOT_FOUND when not (a miss: the caller reads the store), NOMEM. With cred_id, *list holds
 * only that credential when it is the user's, else nothing (*n 0). *list is the caller's
 * (rp_cred_list_free); user and the list are untouched unless OK.
 */
rp_store_err store_cache_get(store_cache *k, const char *name, const uint8_t *cred_id,
                             size_t cred_id_len, rp_user *user, rp_cred **list, size_t *n);
/* Keeps a copy of user with all n of their credentials, replacing what was kept of them. */
void store_cache_put(store_cache *k, const rp_user *user, const rp_cred *list, size_t n);

/* Forgets a user, by id, by name, or by one of their credentials' ids. */
void store_cache_forget_user(store_cache *k, int64_t user_id);
void store_cache_forget_name(store_cache *k, const char *name);
void store_cache_forget_cred(store_cache *k, const uint8_t *id, size_t len);
/* A committed rp_store_cred_update_use: the kept credential's counter and backup state. */
void store_cache_set_use(store_cache *k, const uint8_t *id, size_t len, uint32_t sign_count,
                         bool backup_state);

/* Users kept now (tests). */
size_t store_cache_count(store_cache *k);

#endif
