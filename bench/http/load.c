#include "load.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "stats.h"

#define BACKOFF_NS   (10 * 1000 * 1000) /* after a broken request: no busy loop on a dead server */
#define RAMP_MAX_S   10.0 /* the window opens then even if some user was never served */
#define RAMP_POLL_NS (1000 * 1000)

typedef struct shared {
	const bh_target *target;
	atomic_bool window; /* inside the measured window */
	atomic_bool stop;
	atomic_int served; /* users that have had a ceremony accepted */
	double start;      /* when the users were started */
} shared;

typedef struct worker {
	shared *sh;
	int index;
	pthread_t thread;
	bh_vuser *user;
	uint64_t ceremonies, errors;
	bool served;
	double served_at; /* seconds after the start */
	char first_error[256];
} worker;

static void count(worker *w, bh_outcome out, const char *msg)
{
	if (out == BH_OK) {
		if (atomic_load(&w->sh->window))
			w->ceremonies++;
		if (!w->served) {
			w->served = true;
			w->served_at = bench_now_seconds() - w->sh->start;
			atomic_fetch_add(&w->sh->served, 1);
		}
		return;
	}
	if (w->errors++ == 0)
		snprintf(w->first_error, sizeof(w->first_error), "%s", msg);
	if (out == BH_BROKEN)
		nanosleep(&(struct timespec){0, BACKOFF_NS}, NULL);
}

static void *worker_main(void *arg)
{
	worker *w = arg;
	char name[64], msg[512];

	for (unsigned cycle = 0; !atomic_load(&w->sh->stop); cycle++) {
		bh_outcome out;

		snprintf(name, sizeof(name), "vu%d-%u", w->index, cycle);
		out = bh_register(w->user, name, BH_HONEST, msg, sizeof(msg));
		count(w, out, msg);
		for (int i = 0; out == BH_OK && i < BH_AUTHS_PER_USER && !atomic_load(&w->sh->stop);
		     i++) {
			out = bh_authenticate(w->user, name, BH_HONEST, msg, sizeof(msg));
			count(w, out, msg);
		}
	}
	return NULL;
}

static double self_cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

bool bh_round_run(const bh_target *target, const bh_server *server, int users, double warmup,
                  double seconds, bh_round *out)
{
	shared sh = {.target = target};
	worker *w = calloc((size_t)users, sizeof(*w));
	float *all = NULL;
	size_t n_all = 0;
	double cpu0 = 0, cpu1 = 0, self0 = 0, self1 = 0, t0, t1;
	int started = 0;
	bool ok = false;

	memset(out, 0, sizeof(*out));
	atomic_init(&sh.window, false);
	atomic_init(&sh.stop, false);
	atomic_init(&sh.served, 0);
	if (w == NULL)
		return false;
	for (int i = 0; i < users; i++) {
		w[i].sh = &sh;
		w[i].index = i;
		if ((w[i].user = bh_vuser_new(target, &sh.window)) == NULL)
			goto out;
	}
	sh.start = bench_now_seconds();
	for (; started < users; started++)
		if (pthread_create(&w[started].thread, NULL, worker_main, &w[started]) != 0)
			goto out;
	bench_sleep_seconds(warmup);
	while (atomic_load(&sh.served) < users && bench_now_seconds() - sh.start < RAMP_MAX_S)
		nanosleep(&(struct timespec){0, RAMP_POLL_NS}, NULL);
	if (!bh_server_cpu(server, &cpu0))
		goto out;
	self0 = self_cpu_seconds();
	t0 = bench_now_seconds();
	atomic_store(&sh.window, true);
	bench_sleep_seconds(seconds);
	atomic_store(&sh.window, false);
	t1 = bench_now_seconds();
	self1 = self_cpu_seconds();
	ok = bh_server_cpu(server, &cpu1);
out:
	atomic_store(&sh.stop, true);
	for (int i = 0; i < started; i++)
		pthread_join(w[i].thread, NULL);
	if (ok) {
		out->seconds = t1 - t0;
		out->cpu_seconds = cpu1 - cpu0;
		out->client_cpu_seconds = self1 - self0;
		out->ramp_seconds = 0;
		for (int i = 0; i < users; i++) {
			size_t n;
			bh_vuser_latencies(w[i].user, &n);
			n_all += n;
			out->ceremonies += w[i].ceremonies;
			out->ramp_seconds = !w[i].served ? NAN
			                    : w[i].served_at > out->ramp_seconds
			                            ? w[i].served_at
			                            : out->ramp_seconds;
			out->errors += w[i].errors;
			if (out->first_error[0] == '\0' && w[i].first_error[0] != '\0')
				snprintf(out->first_error, sizeof(out->first_error), "%s",
				         w[i].first_error);
		}
		if ((all = malloc((n_all ? n_all : 1) * sizeof(*all))) == NULL)
			ok = false;
	}
	if (ok) {
		size_t at = 0;
		for (int i = 0; i < users; i++) {
			size_t n;
			const float *lat = bh_vuser_latencies(w[i].user, &n);
			if (n > 0)
				memcpy(all + at, lat, n * sizeof(*lat));
			at += n;
		}
		qsort(all, n_all, sizeof(*all), bench_cmp_float);
		out->p50_ms = bench_quantile(all, n_all, 0.50);
		out->p99_ms = bench_quantile(all, n_all, 0.99);
	}
	for (int i = 0; i < users; i++)
		bh_vuser_free(&w[i].user);
	free(all);
	free(w);
	return ok;
}
