/* Users with their credentials as last committed, in memory (rp/store_cache.h). */
#include "rp/store_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "webauthn/hash.h"

typedef struct entry entry;

/* A kept credential in the index by credential id. */
typedef struct cred_node {
	struct cred_node *next; /* its bucket's chain */
	entry *owner;
	size_t i; /* owner->creds[i] */
} cred_node;

/* One user and all their credentials; owns creds (and their blobs) and nodes. */
struct entry {
	rp_user user;
	rp_cred *creds;
	size_t n;
	cred_node *nodes;           /* one per credential */
	entry *next_name, *next_id; /* the chains of their buckets */
	size_t slot;                /* k->slots[slot] == this */
	bool referenced;            /* read since the clock's hand last passed */
};

struct store_cache {
	pthread_mutex_t lock; /* everything below */
	entry **slots;        /* cap of them, NULL: free; the clock's ring */
	size_t cap, hand, count;
	entry **by_name, **by_id;
	cred_node **by_cred;
	size_t mask; /* buckets - 1: a power of two, at least twice cap */
};

/* FNV-1a: keys are names and ids the store already checked, not chosen to collide here. */
static size_t name_bucket(const store_cache *k, const char *name)
{
	return (size_t)wa_fnv1a64(name, strlen(name)) & k->mask;
}

static size_t id_bucket(const store_cache *k, int64_t id)
{
	return (size_t)wa_fnv1a64(&id, sizeof(id)) & k->mask;
}

static size_t cred_bucket(const store_cache *k, const uint8_t *id, size_t len)
{
	return (size_t)wa_fnv1a64(id, len) & k->mask;
}

store_cache *store_cache_new(size_t cap)
{
	store_cache *k = calloc(1, sizeof(*k));
	size_t buckets = 1;

	if (k == NULL)
		return NULL;
	k->cap = cap ? cap : STORE_CACHE_USERS;
	while (buckets < 2 * k->cap)
		buckets *= 2;
	k->mask = buckets - 1;
	k->slots = calloc(k->cap, sizeof(*k->slots));
	k->by_name = calloc(buckets, sizeof(*k->by_name));
	k->by_id = calloc(buckets, sizeof(*k->by_id));
	k->by_cred = calloc(buckets, sizeof(*k->by_cred));
	if (k->slots == NULL || k->by_name == NULL || k->by_id == NULL || k->by_cred == NULL ||
	    pthread_mutex_init(&k->lock, NULL) != 0) {
		free(k->slots);
		free(k->by_name);
		free(k->by_id);
		free(k->by_cred);
		free(k);
		return NULL;
	}
	return k;
}

static void entry_free(entry *e)
{
	rp_cred_list_free(&e->creds, e->n);
	free(e->nodes);
	free(e);
}

void store_cache_free(store_cache **k)
{
	store_cache *c = *k;

	if (c == NULL)
		return;
	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i] != NULL)
			entry_free(c->slots[i]);
	free(c->slots);
	free(c->by_name);
	free(c->by_id);
	free(c->by_cred);
	pthread_mutex_destroy(&c->lock);
	free(c);
	*k = NULL;
}

/* ---- the indexes (k->lock held) ---- */

static entry *find_name(const store_cache *k, const char *name)
{
	for (entry *e = k->by_name[name_bucket(k, name)]; e != NULL; e = e->next_name)
		if (strcmp(e->user.name, name) == 0)
			return e;
	return NULL;
}

static entry *find_id(const store_cache *k, int64_t id)
{
	for (entry *e = k->by_id[id_bucket(k, id)]; e != NULL; e = e->next_id)
		if (e->user.id == id)
			return e;
	return NULL;
}

static cred_node *find_cred(const store_cache *k, const uint8_t *id, size_t len)
{
	for (cred_node *c = k->by_cred[cred_bucket(k, id, len)]; c != NULL; c = c->next) {
		const wa_blob *have = &c->owner->creds[c->i].id;
		if (have->len == len && memcmp(have->ptr, id, len) == 0)
			return c;
	}
	return NULL;
}

static void unlink_name(store_cache *k, entry *e)
{
	entry **p = &k->by_name[name_bucket(k, e->user.name)];

	while (*p != e)
		p = &(*p)->next_name;
	*p = e->next_name;
}

static void unlink_id(store_cache *k, entry *e)
{
	entry **p = &k->by_id[id_bucket(k, e->user.id)];

	while (*p != e)
		p = &(*p)->next_id;
	*p = e->next_id;
}

static void unlink_cred(store_cache *k, cred_node *node)
{
	const wa_blob *id = &node->owner->creds[node->i].id;
	cred_node **p = &k->by_cred[cred_bucket(k, id->ptr, id->len)];

	while (*p != node)
		p = &(*p)->next;
	*p = node->next;
}

/* Takes e out of every index and its slot, and frees it. */
static void drop(store_cache *k, entry *e)
{
	unlink_name(k, e);
	unlink_id(k, e);
	for (size_t i = 0; i < e->n; i++)
		unlink_cred(k, &e->nodes[i]);
	k->slots[e->slot] = NULL;
	k->count--;
	entry_free(e);
}

/* A free slot; when there is none, the first user the hand finds unread since it last passed
 * is evicted for it. */
static size_t free_slot(store_cache *k)
{
	if (k->count < k->cap) {
		size_t at;
		while (k->slots[k->hand] != NULL)
			k->hand = (k->hand + 1) % k->cap;
		at = k->hand;
		k->hand = (k->hand + 1) % k->cap; /* the newest is not the next to go */
		return at;
	}
	for (;;) {
		size_t at = k->hand;
		entry *e = k->slots[at];

		k->hand = (k->hand + 1) % k->cap;
		if (e == NULL)
			return at;
		if (e->referenced) {
			e->referenced = false;
			continue;
		}
		drop(k, e);
		return at;
	}
}

/* ---- copies ---- */

/* n credentials copied into a new array (NULL when n is 0). */
static rp_store_err creds_copy(const rp_cred *src, size_t n, rp_cred **out)
{
	rp_cred *list;

	*out = NULL;
	if (n == 0)
		return RP_STORE_OK;
	if ((list = calloc(n, sizeof(*list))) == NULL)
		return RP_STORE_NOMEM;
	for (size_t i = 0; i < n; i++) {
		if (rp_cred_copy(&list[i], &src[i]) != RP_STORE_OK) {
			rp_cred_list_free(&list, i);
			return RP_STORE_NOMEM;
		}
	}
	*out = list;
	return RP_STORE_OK;
}

/* ---- the calls ---- */

rp_store_err store_cache_get(store_cache *k, const char *name, const uint8_t *cred_id,
                             size_t cred_id_len, rp_user *user, rp_cred **list, size_t *n)
{
	rp_store_err err = RP_STORE_NOT_FOUND;
	entry *e;

	if (k == NULL)
		return RP_STORE_NOT_FOUND;
	pthread_mutex_lock(&k->lock);
	if ((e = find_name(k, name)) != NULL) {
		const rp_cred *from = e->creds;
		size_t count = e->n;

		e->referenced = true;
		if (cred_id != NULL) {
			cred_node *c = find_cred(k, cred_id, cred_id_len);
			from = c != NULL && c->owner == e ? &e->creds[c->i] : NULL;
			count = from != NULL;
		}
		if ((err = creds_copy(from, count, list)) == RP_STORE_OK) {
			*user = e->user;
			*n = count;
		}
	}
	pthread_mutex_unlock(&k->lock);
	return err;
}

void store_cache_put(store_cache *k, const rp_user *user, const rp_cred *list, size_t n)
{
	entry *e, *old;
	size_t slot;

	if (k == NULL || (e = calloc(1, sizeof(*e))) == NULL)
		return;
	e->user = *user;
	e->n = n;
	e->referenced = true; /* put by a read, or the COMMIT that made the user: used just now */
	if (creds_copy(list, n, &e->creds) != RP_STORE_OK ||
	    (n > 0 && (e->nodes = calloc(n, sizeof(*e->nodes))) == NULL)) {
		entry_free(e);
		return;
	}
	pthread_mutex_lock(&k->lock);
	/* Whatever was kept of this user, or of any of these credentials, is older. */
	if ((old = find_name(k, user->name)) != NULL)
		drop(k, old);
	if ((old = find_id(k, user->id)) != NULL)
		drop(k, old);
	for (size_t i = 0; i < n; i++) {
		cred_node *c = find_cred(k, list[i].id.ptr, list[i].id.len);
		if (c != NULL)
			drop(k, c->owner);
	}
	slot = free_slot(k);
	e->slot = slot;
	k->slots[slot] = e;
	k->count++;
	size_t b = name_bucket(k, e->user.name);
	e->next_name = k->by_name[b];
	k->by_name[b] = e;
	b = id_bucket(k, e->user.id);
	e->next_id = k->by_id[b];
	k->by_id[b] = e;
	for (size_t i = 0; i < n; i++) {
		cred_node *c = &e->nodes[i];
		c->owner = e;
		c->i = i;
		b = cred_bucket(k, e->creds[i].id.ptr, e->creds[i].id.len);
		c->next = k->by_cred[b];
		k->by_cred[b] = c;
	}
	pthread_mutex_unlock(&k->lock);
}

void store_cache_forget_user(store_cache *k, int64_t user_id)
{
	entry *e;

	if (k == NULL)
		return;
	pthread_mutex_lock(&k->lock);
	if ((e = find_id(k, user_id)) != NULL)
		drop(k, e);
	pthread_mutex_unlock(&k->lock);
}

void store_cache_forget_name(store_cache *k, const char *name)
{
	entry *e;

	if (k == NULL)
		return;
	pthread_mutex_lock(&k->lock);
	if ((e = find_name(k, name)) != NULL)
		drop(k, e);
	pthread_mutex_unlock(&k->lock);
}

void store_cache_forget_cred(store_cache *k, const uint8_t *id, size_t len)
{
	cred_node *c;

	if (k == NULL)
		return;
	pthread_mutex_lock(&k->lock);
	if ((c = find_cred(k, id, len)) != NULL)
		drop(k, c->owner);
	pthread_mutex_unlock(&k->lock);
}

void store_cache_set_use(store_cache *k, const uint8_t *id, size_t len, uint32_t sign_count,
                         bool backup_state)
{
	cred_node *c;

	if (k == NULL)
		return;
	pthread_mutex_lock(&k->lock);
	if ((c = find_cred(k, id, len)) != NULL) {
		rp_cred *cred = &c->owner->creds[c->i];
		cred->sign_count = sign_count;
		cred->backup_state = backup_state;
	}
	pthread_mutex_unlock(&k->lock);
}

size_t store_cache_count(store_cache *k)
{
	size_t n;

	pthread_mutex_lock(&k->lock);
	n = k->count;
	pthread_mutex_unlock(&k->lock);
	return n;
}
