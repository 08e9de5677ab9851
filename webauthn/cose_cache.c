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
	wa_cose_key key; /* owns one reference to key.pkey and one hold on key.verifier */
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

/*
 * What a slot will hold: a copy of the bytes and of key, its checks' shared context prepared;
 * made before the lock is taken, so other threads' hits never wait for it. False without memory.
 */
static bool make_entry(const uint8_t *ptr, size_t len, const wa_cose_key *key, slot *out)
{
	memset(out, 0, sizeof(*out));
	if ((out->bytes = malloc(len)) == NULL || !wa_cose_key_copy(key, &out->key)) {
		free(out->bytes);
		out->bytes = NULL;
		return false;
	}
	memcpy(out->bytes, ptr, len);
	out->len = len;
	wa_cose_key_share_verifier(&out->key); /* every later hit's check shares it */
	return true;
}

/* Puts entry in its slot (a copy of the bytes hashed there); what the slot held is freed after. */
static void keep(wa_cose_cache *c, slot *entry)
{
	slot *s = &c->slots[wa_fnv1a64(entry->bytes, entry->len) % c->n_slots], old;

	pthread_mutex_lock(&c->lock);
	old = *s;
	*s = *entry;
	pthread_mutex_unlock(&c->lock);
	slot_clear(&old);
}

wa_err wa_cose_decode_cached(wa_cose_cache *cache, const uint8_t *ptr, size_t len, wa_cose_key *out)
{
	slot *s, entry;
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
	wa_cose_key_share_verifier(out); /* this check and the later hits' share it */
	if (make_entry(ptr, len, out, &entry))
		keep(cache, &entry);
	return WA_OK;
}

void wa_cose_cache_put(wa_cose_cache *cache, const uint8_t *ptr, size_t len, const wa_cose_key *key)
{
	slot entry;

	if (cache == NULL || ptr == NULL || len == 0 || len > KEY_BYTES_MAX || key->pkey == NULL)
		return;
	if (make_entry(ptr, len, key, &entry))
		keep(cache, &entry);
}
