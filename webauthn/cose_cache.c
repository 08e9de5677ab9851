#include "webauthn/cose_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "webauthn/hash.h"

/* COSE_Keys longer than this (RSA beyond 8192 bits) are decoded every time, never kept. */
#define KEY_BYTES_MAX 2048u

/* One slot: the bytes a key was decoded from, and the key (NULL pkey: empty). */
typedef struct slot {
	uint8_t *bytes; /* owned */
	size_t len;
	wa_cose_key key; /* owns one reference to key.pkey */
} slot;

struct wa_cose_cache {
	pthread_mutex_t lock; /* the slots */
	slot *slots;
	size_t n_slots;
};

wa_cose_cache *wa_cose_cache_new(size_t slots)
{
	wa_cose_cache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->n_slots = slots ? slots : WA_COSE_CACHE_DEFAULT_SLOTS;
	if ((c->slots = calloc(c->n_slots, sizeof(*c->slots))) == NULL ||
	    pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c->slots);
		free(c);
		return NULL;
	}
	return c;
}

static void slot_clear(slot *s)
{
	free(s->bytes);
	wa_cose_key_reset(&s->key);
	memset(s, 0, sizeof(*s));
}

void wa_cose_cache_free(wa_cose_cache **cache)
{
	wa_cose_cache *c = *cache;

	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n_slots; i++)
		slot_clear(&c->slots[i]);
	free(c->slots);
	pthread_mutex_destroy(&c->lock);
	free(c);
	*cache = NULL;
}

/* A copy of s's key holding its own references; false when the slot holds other bytes. */
static bool take_hit(const slot *s, const uint8_t *ptr, size_t len, wa_cose_key *out)
{
	return s->key.pkey != NULL && s->len == len && memcmp(s->bytes, ptr, len) == 0 &&
	       wa_cose_key_copy(&s->key, out);
}

/* Keeps a decoded key in its slot, replacing whatever was there; nothing kept without memory. */
static void keep(slot *s, const uint8_t *ptr, size_t len, const wa_cose_key *key)
{
	uint8_t *copy = malloc(len);
	wa_cose_key kept;

	if (copy == NULL || !wa_cose_key_copy(key, &kept)) {
		free(copy);
		return;
	}
	memcpy(copy, ptr, len);
	slot_clear(s);
	s->bytes = copy;
	s->len = len;
	s->key = kept;
	/* Every later hit's check shares one prepared context. */
	wa_cose_key_share_verifier(&s->key);
}

wa_err wa_cose_decode_cached(wa_cose_cache *cache, const uint8_t *ptr, size_t len, wa_cose_key *out)
{
	slot *s;
	wa_err err;
	bool hit;

	if (cache == NULL || ptr == NULL || len == 0 || len > KEY_BYTES_MAX)
		return wa_cose_decode(ptr, len, out);
	s = &cache->slots[wa_fnv1a64(ptr, len) % cache->n_slots];
	pthread_mutex_lock(&cache->lock);
	hit = take_hit(s, ptr, len, out);
	pthread_mutex_unlock(&cache->lock);
	if (hit)
		return WA_OK;
	/* Decoded outside the lock: other threads' hits never wait for a decode. */
	if ((err = wa_cose_decode(ptr, len, out)) != WA_OK)
		return err;
	pthread_mutex_lock(&cache->lock);
	keep(s, ptr, len, out);
	pthread_mutex_unlock(&cache->lock);
	return WA_OK;
}

void wa_cose_cache_put(wa_cose_cache *cache, const uint8_t *ptr, size_t len, const wa_cose_key *key)
{
	slot *s;

	if (cache == NULL || ptr == NULL || len == 0 || len > KEY_BYTES_MAX || key->pkey == NULL)
		return;
	s = &cache->slots[wa_fnv1a64(ptr, len) % cache->n_slots];
	pthread_mutex_lock(&cache->lock);
	keep(s, ptr, len, key);
	pthread_mutex_unlock(&cache->lock);
}
