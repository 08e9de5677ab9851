/* The conformance API's pending ceremonies in memory (rp/pending.h). */
#include "rp/pending.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webauthn/hash.h"

#define MIN_BUCKETS 16u

/* One pending ceremony: in its hash bucket's chain and in the table's expiry order. */
typedef struct entry {
	char token[RP_PENDING_TOKEN_MAX + 1];
	json_t *state; /* the table's reference */
	time_t expires;
	size_t bytes; /* what it holds: its state (state_bytes) and the entry */
	struct entry *bucket_next;
	struct entry *sooner, *later; /* neighbours in expiry order */
} entry;

struct rp_pending {
	pthread_mutex_t lock; /* everything below */
	size_t capacity, count;
	size_t max_bytes, bytes; /* the budget for all entries' bytes, and what they hold */
	size_t n_buckets;        /* a power of two */
	entry **buckets;
	/* Expiry order, soonest first: purging and eviction both take from the front. */
	entry *soonest, *latest;
};

#define RP_PENDING_ERROR KAGURA_XT_ROW
static const kagura_xt_row pending_errors[RP_PENDING__COUNT] = {
#include "rp/pending_error.def"
};
KAGURA_XT_GETTER(rp_pending_strerr, rp_pending_err, pending_errors, field1,
                 "unknown pending-ceremony error")

rp_pending *rp_pending_new(size_t capacity, size_t max_bytes)
{
	rp_pending *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->capacity = capacity ? capacity : RP_PENDING_DEFAULT_CAPACITY;
	t->max_bytes = max_bytes ? max_bytes : RP_PENDING_DEFAULT_BYTES;
	/* At least as many buckets as entries: chains stay about one long. */
	t->n_buckets = MIN_BUCKETS;
	while (t->n_buckets < t->capacity)
		t->n_buckets *= 2;
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	if (t->buckets == NULL || pthread_mutex_init(&t->lock, NULL) != 0) {
		free(t->buckets);
		free(t);
		return NULL;
	}
	return t;
}

static void entry_free(entry *e)
{
	json_decref(e->state);
	free(e);
}

void rp_pending_free(rp_pending **table)
{
	rp_pending *t = table ? *table : NULL;

	if (t == NULL)
		return;
	for (entry *e = t->soonest, *next; e != NULL; e = next) {
		next = e->later;
		entry_free(e);
	}
	pthread_mutex_destroy(&t->lock);
	free(t->buckets);
	free(t);
	*table = NULL;
}

/* FNV-1a: tokens are random, so any even spread will do. */
static size_t bucket_of(const rp_pending *t, const char *token)
{
	return (size_t)(wa_fnv1a64(token, strlen(token)) & (t->n_buckets - 1));
}

static bool token_ok(const char *token)
{
	return token != NULL && token[0] != '\0' && strlen(token) <= RP_PENDING_TOKEN_MAX;
}

/* The link in token's chain that points at its entry (at NULL when there is none). */
static entry **find(rp_pending *t, const char *token)
{
	entry **link = &t->buckets[bucket_of(t, token)];

	while (*link != NULL && strcmp((*link)->token, token) != 0)
		link = &(*link)->bucket_next;
	return link;
}

/* Takes e out of the table (its chain link given), without freeing it. */
static void unlink_entry(rp_pending *t, entry **link, entry *e)
{
	*link = e->bucket_next;
	if (e->sooner != NULL)
		e->sooner->later = e->later;
	else
		t->soonest = e->later;
	if (e->later != NULL)
		e->later->sooner = e->sooner;
	else
		t->latest = e->sooner;
	t->count--;
	t->bytes -= e->bytes;
}

static void drop(rp_pending *t, entry *e)
{
	unlink_entry(t, find(t, e->token), e);
	entry_free(e);
}

/* Drops expired entries from the front of the expiry order. */
static size_t purge_locked(rp_pending *t, time_t now)
{
	size_t n = 0;

	while (t->soonest != NULL && t->soonest->expires <= now) {
		drop(t, t->soonest);
		n++;
	}
	return n;
}

/* Places e in expiry order: from the back, as a new ceremony usually expires last. */
static void insert_ordered(rp_pending *t, entry *e)
{
	entry *before = t->latest;

	while (before != NULL && before->expires > e->expires)
		before = before->sooner;
	e->sooner = before;
	e->later = before ? before->later : t->soonest;
	if (e->later != NULL)
		e->later->sooner = e;
	else
		t->latest = e;
	if (before != NULL)
		before->later = e;
	else
		t->soonest = e;
}

/* What one value costs beside its text: jansson's node, its text's allocation, its slot. */
#define VALUE_BYTES 128u
/* What an object or array costs beside its values: its table. */
#define TABLE_BYTES 192u
/* Deeper than any state the API makes: such a state counts as too large. */
#define STATE_DEPTH_MAX 8
#define TOO_LARGE       SIZE_MAX /* a count that no table's bound admits */

static size_t add_bytes(size_t a, size_t b)
{
	return b > TOO_LARGE - a ? TOO_LARGE : a + b;
}

/*
 * What a state holds in memory, counted without serializing it: each string's and key's bytes,
 * VALUE_BYTES a value and TABLE_BYTES an object or array: for the API's states, at least what
 * the heap gives jansson and at most half again as much. Serializing the state only to size
 * it cost more than keeping it.
 */
static size_t state_bytes(const json_t *v, int depth)
{
	size_t n = VALUE_BYTES, i;
	const char *key;
	const json_t *item;

	if (depth > STATE_DEPTH_MAX)
		return TOO_LARGE;
	switch (json_typeof(v)) {
	case JSON_STRING:
		return add_bytes(n, json_string_length(v));
	case JSON_ARRAY:
		n += TABLE_BYTES;
		json_array_foreach(v, i, item) n = add_bytes(n, state_bytes(item, depth + 1));
		return n;
	case JSON_OBJECT:
		n += TABLE_BYTES;
		json_object_foreach((json_t *)v, key, item) n =
		        add_bytes(n, add_bytes(strlen(key), state_bytes(item, depth + 1)));
		return n;
	default:
		return n;
	}
}

rp_pending_err rp_pending_put(rp_pending *t, const char *token, json_t *state, time_t now,
                              time_t expires)
{
	entry *e, **link;

	if (t == NULL || !token_ok(token) || state == NULL) {
		json_decref(state);
		return RP_PENDING_INVALID;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		json_decref(state);
		return RP_PENDING_NOMEM;
	}
	memcpy(e->token, token, strlen(token) + 1);
	e->state = state;
	e->expires = expires;
	/* A state's size is the client's to choose (64 long ids). */
	e->bytes = add_bytes(state_bytes(state, 0), sizeof(*e));
	if (e->bytes > t->max_bytes) {
		entry_free(e);
		return RP_PENDING_TOO_LARGE;
	}
	pthread_mutex_lock(&t->lock);
	link = find(t, token);
	if (*link != NULL) {
		entry *old = *link;
		unlink_entry(t, link, old);
		entry_free(old);
	}
	/* Expired ceremonies go first (cheap: they lead the expiry order), then, when full (in
	 * number or in bytes), the one nearest its expiry. */
	purge_locked(t, now);
	while (t->soonest != NULL &&
	       (t->count >= t->capacity || t->bytes + e->bytes > t->max_bytes))
		drop(t, t->soonest);
	link = find(t, token);
	e->bucket_next = *link;
	*link = e;
	insert_ordered(t, e);
	t->count++;
	t->bytes += e->bytes;
	pthread_mutex_unlock(&t->lock);
	return RP_PENDING_OK;
}

/* The entry under token, out of the table (the caller's to free); NULL when there is none. */
static entry *remove_entry(rp_pending *t, const char *token)
{
	entry *e, **link;

	pthread_mutex_lock(&t->lock);
	link = find(t, token);
	e = *link;
	if (e != NULL)
		unlink_entry(t, link, e);
	pthread_mutex_unlock(&t->lock);
	return e;
}

rp_pending_err rp_pending_take(rp_pending *t, const char *token, time_t now, json_t **out)
{
	entry *e;
	rp_pending_err err;

	*out = NULL;
	if (t == NULL || !token_ok(token))
		return RP_PENDING_INVALID;
	if ((e = remove_entry(t, token)) == NULL)
		return RP_PENDING_NOT_FOUND;
	err = e->expires <= now ? RP_PENDING_EXPIRED : RP_PENDING_OK;
	if (err == RP_PENDING_OK) {
		*out = e->state;
		e->state = NULL;
	}
	entry_free(e);
	return err;
}

rp_pending_err rp_pending_delete(rp_pending *t, const char *token)
{
	entry *e;

	if (t == NULL || !token_ok(token))
		return RP_PENDING_INVALID;
	if ((e = remove_entry(t, token)) == NULL)
		return RP_PENDING_NOT_FOUND;
	entry_free(e);
	return RP_PENDING_OK;
}

size_t rp_pending_purge(rp_pending *t, time_t now)
{
	size_t n;

	if (t == NULL)
		return 0;
	pthread_mutex_lock(&t->lock);
	n = purge_locked(t, now);
	pthread_mutex_unlock(&t->lock);
	return n;
}

size_t rp_pending_count(rp_pending *t)
{
	size_t n;

	if (t == NULL)
		return 0;
	pthread_mutex_lock(&t->lock);
	n = t->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}
