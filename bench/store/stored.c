#include "stored.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats.h"

#define BACKOFF_NS (10 * 1000 * 1000) /* after a broken request: no busy loop on a dead server */

typedef struct shared {
	const bs_stored_load *load;
	size_t workers;     /* threads: the picks' stride */
	atomic_bool window; /* inside the measured window */
	atomic_bool stop;
} shared;

typedef struct worker {
	shared *sh;
	int index;
	pthread_t thread;
	bh_vuser *user;
	unsigned rng; /* rand_r's state */
	uint64_t ceremonies, errors;
	char first_error[256];
} worker;

/* A stored user of this worker's share (i mod users == index), uniformly at random. */
static size_t pick(worker *w)
{
	size_t n = w->sh->load->n_stored, stride = w->sh->workers;
	size_t share = (n - (size_t)w->index + stride - 1) / stride;
	/* Two draws: RAND_MAX may be only 32767, below a large store's share. */
	uint64_t r = ((uint64_t)rand_r(&w->rng) << 31) ^ (uint64_t)rand_r(&w->rng);

	return (size_t)w->index + (size_t)(r % share) * stride;
}

static void count(worker *w, bh_outcome out, const char *msg)
{
	if (out == BH_OK) {
		if (atomic_load(&w->sh->window))
			w->ceremonies++;
		return;
	}
	if (w->errors++ == 0)
		snprintf(w->first_error, sizeof(w->first_error), "%.200s", msg);
	if (out == BH_BROKEN)
		nanosleep(&(struct timespec){0, BACKOFF_NS}, NULL);
}

static void *worker_main(void *arg)
{
	worker *w = arg;
	const bs_stored_load *l = w->sh->load;
	char name[BS_NAME_MAX], msg[512];
	uint8_t id[BS_CRED_ID_LEN];

	while (!atomic_load(&w->sh->stop)) {
		size_t i = pick(w);
		/* bh_authenticate signs counter + 1: the run's next value. */
		uint32_t counter = atomic_fetch_add(l->sign_counter, 1);

		bs_user_name(i, name);
		bs_user_cred_id(i, id);
		if (!bh_vuser_use_credential(w->user, bs_user_key(l->keys, i), id, sizeof(id),
		                             counter)) {
			count(w, BH_BROKEN, "out of memory");
			continue;
		}
		count(w, bh_authenticate(w->user, name, BH_HONEST, msg, sizeof(msg)), msg);
	}
	return NULL;
}

/* The workers' counts and latencies into out; false when memory fails. */
static bool gather(worker *w, int users, bs_stored_round *out)
{
	size_t n_all = 0, at = 0, n;
	float *all;

	for (int i = 0; i < users; i++) {
		bh_vuser_latencies(w[i].user, &n);
		n_all += n;
		out->ceremonies += w[i].ceremonies;
		out->errors += w[i].errors;
		if (out->first_error[0] == '\0' && w[i].first_error[0] != '\0')
			snprintf(out->first_error, sizeof(out->first_error), "%s",
			         w[i].first_error);
	}
	if ((all = malloc((n_all ? n_all : 1) * sizeof(*all))) == NULL)
		return false;
	for (int i = 0; i < users; i++) {
		const float *lat = bh_vuser_latencies(w[i].user, &n);
		if (n > 0)
			memcpy(all + at, lat, n * sizeof(*lat));
		at += n;
	}
	qsort(all, n_all, sizeof(*all), bench_cmp_float);
	out->p50_ms = bench_quantile(all, n_all, 0.50);
	out->p99_ms = bench_quantile(all, n_all, 0.99);
	free(all);
	return true;
}

bool bs_stored_run(const bs_stored_load *load, bs_stored_round *out)
{
	shared sh = {.load = load};
	int users = load->users;
	worker *w;
	int started = 0;
	double t0 = 0, t1 = 0;
	bool ok = false;

	memset(out, 0, sizeof(*out));
	/* Every thread needs a user of its own to pick from. */
	if ((size_t)users > load->n_stored)
		users = (int)load->n_stored;
	if (users < 1 || (w = calloc((size_t)users, sizeof(*w))) == NULL)
		return false;
	sh.workers = (size_t)users;
	atomic_init(&sh.window, false);
	atomic_init(&sh.stop, false);
	for (int i = 0; i < users; i++) {
		w[i].sh = &sh;
		w[i].index = i;
		w[i].rng = load->seed + (unsigned)i;
		if ((w[i].user = bh_vuser_new(load->target, &sh.window)) == NULL)
			goto out;
	}
	for (; started < users; started++)
		if (pthread_create(&w[started].thread, NULL, worker_main, &w[started]) != 0)
			goto out;
	bench_sleep_seconds(load->warmup);
	t0 = bench_now_seconds();
	atomic_store(&sh.window, true);
	bench_sleep_seconds(load->seconds);
	atomic_store(&sh.window, false);
	t1 = bench_now_seconds();
	ok = true;
out:
	atomic_store(&sh.stop, true);
	for (int i = 0; i < started; i++)
		pthread_join(w[i].thread, NULL);
	if (ok) {
		out->seconds = t1 - t0;
		ok = gather(w, users, out);
	}
	for (int i = 0; i < users; i++)
		bh_vuser_free(&w[i].user);
	free(w);
	return ok;
}
