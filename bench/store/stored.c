#include "stored.h"

#include <stdio.h>
#include <stdlib.h>

/* The state word: rand_r's state in the low 32 bits (seeded at the user's first ceremony). */
#define RNG_MASK 0xffffffffu

typedef struct stored_ctx {
	const bs_stored_load *load;
	size_t users; /* virtual users: the picks' stride */
} stored_ctx;

/* A stored user of this virtual user's share (i mod users == user), uniformly at random. */
static size_t pick(const stored_ctx *c, int user, unsigned *rng)
{
	size_t n = c->load->n_stored, stride = c->users;
	size_t share = (n - (size_t)user + stride - 1) / stride;
	/* Two draws: RAND_MAX may be only 32767, below a large store's share. */
	uint64_t r = ((uint64_t)rand_r(rng) << 31) ^ (uint64_t)rand_r(rng);

	return (size_t)user + (size_t)(r % share) * stride;
}

/* A login as a stored user picked at random, with its key and the run's next counter. */
static bool next_stored(void *ctx, int user, uint64_t *state, bh_vuser *u, bh_outcome last,
                        bh_ceremony *kind, char name[BH_NAME_MAX])
{
	const stored_ctx *c = ctx;
	const bs_stored_load *l = c->load;
	unsigned rng =
	        last == BH_PENDING ? l->seed + (unsigned)user : (unsigned)(*state & RNG_MASK);
	size_t i = pick(c, user, &rng);
	/* The authentication signs counter + 1: the run's next value. */
	uint32_t counter = atomic_fetch_add(l->sign_counter, 1);
	uint8_t id[BS_CRED_ID_LEN];
	char stored_name[BS_NAME_MAX];

	*state = rng;
	bs_user_name(i, stored_name);
	snprintf(name, BH_NAME_MAX, "%s", stored_name);
	bs_user_cred_id(i, id);
	*kind = BH_AUTHENTICATION;
	return bh_vuser_use_credential(u, bs_user_key(l->keys, i), id, sizeof(id), counter);
}

bool bs_stored_run(const bs_stored_load *load, bh_round *out)
{
	/* Every virtual user needs a stored user of its own to pick from. */
	int users = (size_t)load->users > load->n_stored ? (int)load->n_stored : load->users;
	stored_ctx ctx = {.load = load, .users = (size_t)users};
	bh_schedule schedule = {.next = next_stored, .ctx = &ctx};

	if (users < 1)
		return false;
	return bh_round_run(load->target, NULL, users, load->warmup, load->seconds, &schedule, out);
}
