/* The store's writes committed together (rp/write_queue.h). */
#include "rp/write_queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

/* Writes in one transaction at most: the store's lock is held across a batch. */
#define BATCH_MAX 64
/* The longest a batch waits for announced writes (a lone write never waits). */
#define GATHER_NS 1000000L

typedef struct job {
	rp_store_write write;
	rp_write_done done;
	struct job *next;
} job;

struct rp_write_queue {
	rp_store *store;
	pthread_t thread;
	pthread_mutex_t lock; /* everything below */
	pthread_cond_t cond;  /* a write submitted, a handler ended, or stop */
	job *head, *tail;
	size_t queued;
	long coming;    /* handlers running that may submit a write */
	bool gathering; /* the thread waits for the writes still coming */
	bool stop;
};

static void deadline_in(struct timespec *t, long ns)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_nsec += ns;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec += t->tv_nsec / 1000000000L;
		t->tv_nsec %= 1000000000L;
	}
}

/* Up to BATCH_MAX queued jobs, oldest first, off the queue (the lock held). */
static size_t take(rp_write_queue *q, job **out)
{
	size_t n = 0;

	while (q->head != NULL && n < BATCH_MAX) {
		out[n] = q->head;
		q->head = q->head->next;
		n++;
	}
	if (q->head == NULL)
		q->tail = NULL;
	q->queued -= n;
	return n;
}

/* Commits the jobs, then tells each how it ended and frees it (the lock not held). */
static void commit(rp_write_queue *q, job **jobs, size_t n)
{
	rp_store_write writes[BATCH_MAX];

	for (size_t i = 0; i < n; i++)
		writes[i] = jobs[i]->write;
	(void)rp_store_write_batch(q->store, writes, n);
	for (size_t i = 0; i < n; i++) {
		jobs[i]->done(jobs[i]->write.ctx, writes[i].result);
		free(jobs[i]);
	}
}

static void *queue_main(void *arg)
{
	rp_write_queue *q = arg;
	job *jobs[BATCH_MAX];

	pthread_mutex_lock(&q->lock);
	for (;;) {
		struct timespec until;
		size_t n;

		while (q->queued == 0 && !q->stop)
			pthread_cond_wait(&q->cond, &q->lock);
		if (q->queued == 0)
			break; /* stopping, and nothing left */
		/* Handlers still running may add theirs: one COMMIT instead of one each. */
		deadline_in(&until, GATHER_NS);
		q->gathering = true;
		while (q->coming > 0 && q->queued < BATCH_MAX && !q->stop &&
		       pthread_cond_timedwait(&q->cond, &q->lock, &until) != ETIMEDOUT)
			;
		q->gathering = false;
		n = take(q, jobs);
		pthread_mutex_unlock(&q->lock);
		commit(q, jobs, n);
		pthread_mutex_lock(&q->lock);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

rp_write_queue *rp_write_queue_start(rp_store *store)
{
	rp_write_queue *q;
	pthread_condattr_t attr;

	if (store == NULL || (q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->store = store;
	pthread_mutex_init(&q->lock, NULL);
	/* The gathering deadline is monotonic: a clock set back never stalls a batch. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cond, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&q->thread, NULL, queue_main, q) != 0) {
		pthread_cond_destroy(&q->cond);
		pthread_mutex_destroy(&q->lock);
		free(q);
		return NULL;
	}
	return q;
}

void rp_write_queue_stop(rp_write_queue **qp)
{
	rp_write_queue *q = qp ? *qp : NULL;

	if (q == NULL)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q);
	*qp = NULL;
}

bool rp_write_queue_submit(rp_write_queue *q, rp_store_err (*run)(rp_store *s, void *ctx),
                           rp_write_done done, void *ctx)
{
	job *j;

	if (q == NULL || run == NULL || done == NULL || (j = calloc(1, sizeof(*j))) == NULL)
		return false;
	j->write = (rp_store_write){.run = run, .ctx = ctx};
	j->done = done;
	pthread_mutex_lock(&q->lock);
	if (q->stop) {
		pthread_mutex_unlock(&q->lock);
		free(j);
		return false;
	}
	if (q->tail != NULL)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	q->queued++;
	/* While gathering, the thread wakes only when the last announced write is in. */
	if (!q->gathering || q->coming <= 0 || q->queued >= BATCH_MAX)
		pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	return true;
}

void rp_write_queue_coming(rp_write_queue *q, int delta)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->lock);
	q->coming += delta;
	/* The last announced handler ended: a gathering batch need not wait for it. */
	if (delta < 0 && q->coming <= 0 && q->queued > 0)
		pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}
