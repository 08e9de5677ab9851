#include "load.h"

#include <curl/curl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server_times.h"
#include "stats.h"

#define BACKOFF_S    0.010 /* after a broken request: no busy loop on a dead server */
#define RAMP_MAX_S   10.0  /* the window opens then even if some user was never served */
#define RAMP_POLL_NS (1000 * 1000)
#define LOOPS_MAX    16
#define POLL_MS      10 /* a loop with nothing to read looks at stop and back-offs this often */
#define MSG_MAX      512

typedef struct shared {
	const bh_target *target;
	const bh_schedule *schedule;
	atomic_bool window; /* inside the measured window */
	atomic_bool stop;
	atomic_int served; /* users that have had a ceremony accepted */
	double start;      /* when the loops were started */
} shared;

/* One virtual user and what it counted. */
typedef struct slot {
	bh_vuser *user;
	int index;
	uint64_t state; /* the schedule's word */
	uint64_t ceremonies, errors;
	bool served, done;
	double served_at; /* seconds after the start */
	double resume_at; /* a broken user starts again then (bench seconds); 0: not waiting */
	char first_error[256];
} slot;

/* One event loop: a thread, a multi handle, the users i with i mod loops == its index. */
typedef struct loop {
	shared *sh;
	slot *slots;
	int first, stride, users;
	CURLM *multi;
	pthread_t thread;
} loop;

static void count(loop *l, slot *s, bh_outcome out, const char *msg)
{
	if (out == BH_OK) {
		if (atomic_load(&l->sh->window))
			s->ceremonies++;
		if (!s->served) {
			s->served = true;
			s->served_at = bench_now_seconds() - l->sh->start;
			atomic_fetch_add(&l->sh->served, 1);
		}
		return;
	}
	if (s->errors++ == 0)
		snprintf(s->first_error, sizeof(s->first_error), "%.200s", msg);
}

/* Starts the user's next ceremony (its last ended with last) on the loop. */
static void start_next(loop *l, slot *s, bh_outcome last)
{
	const bh_schedule *sch = l->sh->schedule;
	char name[BH_NAME_MAX], msg[MSG_MAX];
	bh_ceremony kind;
	bh_outcome out;

	s->resume_at = 0;
	if (!sch->next(sch->ctx, s->index, &s->state, s->user, last, &kind, name)) {
		s->done = true;
		return;
	}
	out = bh_vuser_start(s->user, kind, name, BH_HONEST, msg, sizeof(msg));
	if (out == BH_PENDING &&
	    curl_multi_add_handle(l->multi, bh_vuser_curl(s->user)) == CURLM_OK)
		return;
	count(l, s, BH_BROKEN, out == BH_PENDING ? "curl refused a request" : msg);
	s->resume_at = bench_now_seconds() + BACKOFF_S;
}

/* A request of the user's ended with rc: its ceremony goes on, or the next one starts. */
static void ended(loop *l, CURL *easy, CURLcode rc)
{
	char msg[MSG_MAX] = "curl refused a request";
	slot *s = NULL;
	bh_outcome out;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&s);
	curl_multi_remove_handle(l->multi, easy);
	if (s == NULL)
		return;
	out = bh_vuser_step(s->user, rc, msg, sizeof(msg));
	if (out == BH_PENDING && curl_multi_add_handle(l->multi, easy) == CURLM_OK)
		return;
	if (out == BH_PENDING)
		out = BH_BROKEN;
	count(l, s, out, msg);
	if (out == BH_BROKEN)
		s->resume_at = bench_now_seconds() + BACKOFF_S;
	else
		start_next(l, s, out);
}

static void *loop_main(void *arg)
{
	loop *l = arg;

	for (int i = l->first; i < l->users; i += l->stride)
		start_next(l, &l->slots[i], BH_PENDING);
	while (!atomic_load(&l->sh->stop)) {
		CURLMsg *m;
		int running, left;
		double now;

		curl_multi_perform(l->multi, &running);
		while ((m = curl_multi_info_read(l->multi, &left)) != NULL)
			if (m->msg == CURLMSG_DONE)
				ended(l, m->easy_handle,
				      m->data.result); /* m dies with the removal */
		now = bench_now_seconds();
		for (int i = l->first; i < l->users; i += l->stride)
			if (l->slots[i].resume_at != 0 && l->slots[i].resume_at <= now &&
			    !l->slots[i].done)
				start_next(l, &l->slots[i], BH_BROKEN);
		curl_multi_poll(l->multi, NULL, 0, POLL_MS, NULL);
	}
	for (int i = l->first; i < l->users; i += l->stride)
		curl_multi_remove_handle(l->multi, bh_vuser_curl(l->slots[i].user));
	return NULL;
}

static int loops_for(int users)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int n = cores < 1 ? 1 : cores > LOOPS_MAX ? LOOPS_MAX : (int)cores;

	return n < users ? n : users;
}

/* The slots' counts and latencies into out; false when memory fails. */
static bool gather(const slot *slots, int users, bh_round *out)
{
	size_t n_all = 0, at = 0, n;
	float *all;

	out->ramp_seconds = 0;
	for (int i = 0; i < users; i++) {
		const slot *s = &slots[i];

		bh_vuser_latencies(s->user, &n);
		n_all += n;
		out->ceremonies += s->ceremonies;
		out->errors += s->errors;
		out->ramp_seconds = !s->served                         ? NAN
		                    : s->served_at > out->ramp_seconds ? s->served_at
		                                                       : out->ramp_seconds;
		if (out->first_error[0] == '\0' && s->first_error[0] != '\0')
			snprintf(out->first_error, sizeof(out->first_error), "%s", s->first_error);
	}
	if ((all = malloc((n_all ? n_all : 1) * sizeof(*all))) == NULL)
		return false;
	for (int i = 0; i < users; i++) {
		const float *lat = bh_vuser_latencies(slots[i].user, &n);
		if (n > 0)
			memcpy(all + at, lat, n * sizeof(*lat));
		at += n;
	}
	bench_p50_p99(all, n_all, &out->p50_ms, &out->p99_ms);
	free(all);
	return true;
}

/* The window: opened after the warm-up and the ramp, the CPU read at both ends. */
static bool measure(shared *sh, const bh_server *server, int users, double warmup, double seconds,
                    bh_round *out)
{
	double cpu0 = 0, cpu1 = 0, self0, t0;

	bench_sleep_seconds(warmup);
	while (atomic_load(&sh->served) < users && bench_now_seconds() - sh->start < RAMP_MAX_S)
		nanosleep(&(struct timespec){0, RAMP_POLL_NS}, NULL);
	if (server != NULL && !bh_server_cpu(server, &cpu0))
		return false;
	out->log_from = server != NULL ? bh_log_end(server->log_path) : -1;
	self0 = bench_self_cpu_seconds();
	t0 = bench_now_seconds();
	atomic_store(&sh->window, true);
	bench_sleep_seconds(seconds);
	atomic_store(&sh->window, false);
	out->log_to = server != NULL ? bh_log_end(server->log_path) : -1;
	out->seconds = bench_now_seconds() - t0;
	out->client_cpu_seconds = bench_self_cpu_seconds() - self0;
	if (server != NULL && !bh_server_cpu(server, &cpu1))
		return false;
	out->cpu_seconds = cpu1 - cpu0;
	return true;
}

bool bh_round_run(const bh_target *target, const bh_server *server, int users, double warmup,
                  double seconds, const bh_schedule *schedule, bh_round *out)
{
	shared sh = {.target = target, .schedule = schedule};
	int n_loops = loops_for(users), started = 0;
	slot *slots = calloc(users > 0 ? (size_t)users : 1, sizeof(*slots));
	loop loops[LOOPS_MAX];
	bool ok = false;

	memset(out, 0, sizeof(*out));
	memset(loops, 0, sizeof(loops));
	atomic_init(&sh.window, false);
	atomic_init(&sh.stop, false);
	atomic_init(&sh.served, 0);
	if (slots == NULL || users < 1)
		goto out;
	for (int i = 0; i < users; i++) {
		slots[i].index = i;
		if ((slots[i].user = bh_vuser_new(target, &sh.window)) == NULL)
			goto out;
		curl_easy_setopt(bh_vuser_curl(slots[i].user), CURLOPT_PRIVATE, &slots[i]);
	}
	for (int i = 0; i < n_loops; i++) {
		loops[i] = (loop){
		        .sh = &sh, .slots = slots, .first = i, .stride = n_loops, .users = users};
		if ((loops[i].multi = curl_multi_init()) == NULL)
			goto out;
		/* Every user of the loop keeps its connection between requests. */
		curl_multi_setopt(loops[i].multi, CURLMOPT_MAXCONNECTS,
		                  (long)((users + n_loops - 1) / n_loops + 1));
	}
	sh.start = bench_now_seconds();
	for (; started < n_loops; started++)
		if (pthread_create(&loops[started].thread, NULL, loop_main, &loops[started]) != 0)
			goto out;
	ok = measure(&sh, server, users, warmup, seconds, out);
out:
	atomic_store(&sh.stop, true);
	for (int i = 0; i < started; i++)
		pthread_join(loops[i].thread, NULL);
	if (ok)
		ok = gather(slots, users, out);
	for (int i = 0; i < n_loops; i++)
		curl_multi_cleanup(loops[i].multi);
	for (int i = 0; slots != NULL && i < users; i++)
		bh_vuser_free(&slots[i].user);
	free(slots);
	return ok;
}

/* ---- bench-http's schedule ---- */

/* The state word: the cycle (each under a new name) above, the logins started in it below. */
#define AUTHS_BITS 8
#define AUTHS_MASK ((1u << AUTHS_BITS) - 1)

/* Registration under vu<user>-<cycle>, then its logins; a failure starts the next cycle. */
static bool next_fresh(void *ctx, int user, uint64_t *state, bh_vuser *u, bh_outcome last,
                       bh_ceremony *kind, char name[BH_NAME_MAX])
{
	uint64_t cycle = *state >> AUTHS_BITS, auths = *state & AUTHS_MASK;

	(void)ctx;
	(void)u;
	if (last == BH_PENDING) {
		cycle = 0;
		auths = 0;
		*kind = BH_REGISTRATION;
	} else if (last == BH_OK && auths < BH_AUTHS_PER_USER) {
		auths++;
		*kind = BH_AUTHENTICATION;
	} else {
		cycle++;
		auths = 0;
		*kind = BH_REGISTRATION;
	}
	*state = cycle << AUTHS_BITS | auths;
	snprintf(name, BH_NAME_MAX, "vu%d-%llu", user, (unsigned long long)cycle);
	return true;
}

const bh_schedule bh_fresh_users = {.next = next_fresh, .ctx = NULL};
