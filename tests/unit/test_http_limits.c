/*
 * rp/http under pressure, over raw loopback sockets: a handler that waits holds up only its
 * own request; requests under the run-alone prefix run with no other handler; two thousand
 * connections trickling a byte at a time from twenty addresses leave room for a new client;
 * one address gets no more than its connections; a request that trickles is cut at the
 * whole-request deadline, however steadily its bytes come; ambiguous framing is refused.
 * No timing is asserted: every wait is for an event, with a generous cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "rp/http.h"
#include "rp/http_log.h"

#define MAX_BODY 1024
/* How long any wait for an event may take before the test calls it missing. */
#define CAP_SECONDS 20

/* ---- what the test server's handler does, by path ---- */

typedef struct world {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int in_flight;        /* handlers inside, but /alone ones */
	int max_in_flight;    /* the most at once */
	int stalled;          /* /stall handlers waiting */
	bool release;         /* the test lets /stall and /hold go */
	int alone_saw_others; /* /alone ran while other handlers were inside */
	int alone_ran;
	int hold_inside; /* /hold handlers inside */
	/* /defer: its request once the handler returned, and the answer the test fills in */
	const rp_http_request *deferred;
	rp_http_response *deferred_resp;
} world;

static world W = {
        PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, false, 0, 0, 0, NULL, NULL};

static void sleep_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&t, NULL);
}

static void deadline_in(struct timespec *t, int seconds)
{
	clock_gettime(CLOCK_REALTIME, t);
	t->tv_sec += seconds;
}

/* Waits (W.lock held) until *v reaches want or the cap passes; the value reached. */
static int wait_for(const int *v, int want)
{
	struct timespec until;

	deadline_in(&until, CAP_SECONDS);
	while (*v < want && pthread_cond_timedwait(&W.cond, &W.lock, &until) == 0)
		;
	return *v;
}

/* rp_http_response_defer's start for /defer: the test answers later, from its own thread. */
static void deferred_start(void *ctx)
{
	pthread_mutex_lock(&W.lock);
	W.deferred = ctx;
	pthread_cond_broadcast(&W.cond);
	pthread_mutex_unlock(&W.lock);
}

static void handler(void *app, const rp_http_request *req, rp_http_response *resp)
{
	(void)app;
	if (strcmp(req->path, "/defer") == 0) {
		pthread_mutex_lock(&W.lock);
		W.deferred_resp = resp;
		pthread_mutex_unlock(&W.lock);
		rp_http_response_defer(resp, deferred_start, (void *)req);
		return;
	}
	if (strncmp(req->path, "/alone", 6) == 0) {
		pthread_mutex_lock(&W.lock);
		W.alone_saw_others += W.in_flight;
		W.alone_ran++;
		pthread_cond_broadcast(&W.cond);
		pthread_mutex_unlock(&W.lock);
		rp_http_response_text(resp, 200, "text/plain", "alone\n");
		return;
	}
	pthread_mutex_lock(&W.lock);
	if (++W.in_flight > W.max_in_flight)
		W.max_in_flight = W.in_flight;
	pthread_cond_broadcast(&W.cond);
	if (strcmp(req->path, "/stall") == 0 || strcmp(req->path, "/hold") == 0) {
		struct timespec until;
		int *count = req->path[1] == 's' ? &W.stalled : &W.hold_inside;
		(*count)++;
		pthread_cond_broadcast(&W.cond);
		deadline_in(&until, CAP_SECONDS);
		while (!W.release && pthread_cond_timedwait(&W.cond, &W.lock, &until) == 0)
			;
		(*count)--;
	}
	W.in_flight--;
	pthread_cond_broadcast(&W.cond);
	pthread_mutex_unlock(&W.lock);
	if (strcmp(req->path, "/body") == 0) {
		char text[64];
		snprintf(text, sizeof(text), "%zu\n", req->body_len);
		rp_http_response_text(resp, 200, "text/plain", text);
		return;
	}
	rp_http_response_text(resp, 200, "text/plain", "ok\n");
}

static void world_reset(void)
{
	pthread_mutex_lock(&W.lock);
	W.in_flight = W.max_in_flight = W.stalled = W.alone_saw_others = W.alone_ran = 0;
	W.hold_inside = 0;
	W.release = false;
	W.deferred = NULL;
	W.deferred_resp = NULL;
	pthread_mutex_unlock(&W.lock);
}

static void world_release(void)
{
	pthread_mutex_lock(&W.lock);
	W.release = true;
	pthread_cond_broadcast(&W.cond);
	pthread_mutex_unlock(&W.lock);
}

/* ---- the server ---- */

typedef struct fixture {
	rp_http_server *srv;
	uint16_t port;
} fixture;

/* A server with limits (NULL: the defaults) logging to log (NULL: none), its port in *port. */
static rp_http_server *start_logging(const rp_http_limits *limits, FILE *log, uint16_t *port)
{
	char bound[64];
	rp_http_server *srv = NULL;

	world_reset();
	assert_int_equal(rp_http_start_limits("127.0.0.1:0", NULL, limits, MAX_BODY, handler, NULL,
	                                      log, &srv, bound, sizeof(bound)),
	                 RP_HTTP_OK);
	*port = (uint16_t)atoi(strrchr(bound, ':') + 1);
	return srv;
}

static rp_http_server *start(const rp_http_limits *limits, uint16_t *port)
{
	return start_logging(limits, NULL, port);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->srv = start(NULL, &f->port);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	world_release();
	rp_http_stop(f->srv);
	free(f);
	return 0;
}

/* ---- raw clients ---- */

/* A connection to the server from 127.0.0.host (every 127/8 address is this machine's). */
static int connect_from(uint16_t port, int host)
{
	struct sockaddr_in from = {.sin_family = AF_INET}, to = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	from.sin_addr.s_addr = htonl(0x7f000000u | (unsigned)host);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&from, sizeof(from)) != 0 ||
	    connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool send_all(int fd, const char *text)
{
	size_t len = strlen(text);

	while (len > 0) {
		ssize_t n = send(fd, text, len, MSG_NOSIGNAL);
		if (n <= 0)
			return false;
		text += n;
		len -= (size_t)n;
	}
	return true;
}

/* Reads what the server sends until it closes or a whole response head and body is in (the
 * cap). */
static size_t read_reply(int fd, char *buf, size_t size)
{
	size_t have = 0;
	struct pollfd p = {.fd = fd, .events = POLLIN};

	buf[0] = '\0';
	while (have + 1 < size && poll(&p, 1, CAP_SECONDS * 1000) == 1) {
		ssize_t n = recv(fd, buf + have, size - 1 - have, 0);
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		/* Every answer here is small and says its length. */
		const char *head_end = strstr(buf, "\r\n\r\n"),
		           *cl = strstr(buf, "Content-Length: ");
		if (head_end != NULL && cl != NULL &&
		    have >= (size_t)(head_end + 4 - buf) + strtoul(cl + 16, NULL, 10))
			break;
	}
	return have;
}

/* The status of the answer to request, sent from 127.0.0.host on a new connection; 0 none. */
static int request_from(uint16_t port, int host, const char *request, char *reply, size_t size)
{
	int fd = connect_from(port, host), status = 0;

	if (fd < 0)
		return -1;
	if (send_all(fd, request) && read_reply(fd, reply, size) > 12)
		sscanf(reply, "HTTP/1.%*d %d", &status);
	close(fd);
	return status;
}

static int get_from(uint16_t port, int host, const char *path)
{
	char req[256], reply[2048];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", path);
	return request_from(port, host, req, reply, sizeof(reply));
}

/* Whether the server has closed fd (EOF or reset), waiting up to ms for it. */
static bool closed_within(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char c;

	if (poll(&p, 1, ms) != 1)
		return false;
	return recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
}

/* ---- one handler that waits holds up only its own request ---- */

typedef struct call {
	uint16_t port;
	const char *path;
	int status;
} call;

static void *call_main(void *arg)
{
	call *c = arg;

	__atomic_store_n(&c->status, get_from(c->port, 1, c->path), __ATOMIC_SEQ_CST);
	return NULL;
}

/* One request stalls in its handler; every other request sent meanwhile is answered. */
static void stall_one_answer_others(uint16_t port)
{
	call stall = {port, "/stall", 0};
	pthread_t t;
	int stalled, still, answered = 0;

	assert_int_equal(pthread_create(&t, NULL, call_main, &stall), 0);
	pthread_mutex_lock(&W.lock);
	stalled = wait_for(&W.stalled, 1);
	pthread_mutex_unlock(&W.lock);
	/* Every other request is answered while that one still waits. */
	for (int i = 0; i < 20 && stalled == 1; i++)
		answered += get_from(port, 2, "/ping") == 200;
	pthread_mutex_lock(&W.lock);
	still = W.stalled;
	pthread_mutex_unlock(&W.lock);
	world_release();
	pthread_join(t, NULL);
	assert_int_equal(stalled, 1);
	assert_int_equal(answered, 20);
	assert_int_equal(still, 1);
	assert_int_equal(stall.status, 200);
}

static void test_stalled_handler_holds_up_only_its_request(void **state)
{
	fixture *f = *state;

	stall_one_answer_others(f->port);
}

/* The embedded platforms' pool (one polling thread, two handlers), as asked: a stalled handler
 * still leaves the other to answer. */
static void test_small_pool(void **state)
{
	rp_http_limits small = {.poll_threads = 1, .workers = 2}, got;
	fixture f = {0};

	(void)state;
	f.srv = start(&small, &f.port);
	got = rp_http_limits_of(f.srv);
	assert_int_equal(got.poll_threads, 1);
	assert_int_equal(got.workers, 2);
	stall_one_answer_others(f.port);
	rp_http_stop(f.srv);
}

/* rp/http.c's bounds on its threads, however many cores. */
#define WORKERS_MAX      256
#define POLL_THREADS_MAX 16

/* Without limits: a handler a core and one more, a polling thread for every 4 cores. */
static void test_default_pool_is_per_core(void **state)
{
	fixture *f = *state;
	rp_http_limits got = rp_http_limits_of(f->srv);
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	long cores = online < 1 ? 1 : online;
	long workers = cores + 1, polls = (cores + 3) / 4;

	assert_int_equal(got.workers, workers > WORKERS_MAX ? WORKERS_MAX : workers);
	assert_int_equal(got.poll_threads, polls > POLL_THREADS_MAX ? POLL_THREADS_MAX : polls);
}

/* ---- an answer deferred to another thread ---- */

/* The /defer request, once its handler returned and deferred it (NULL: it never did). */
static const rp_http_request *wait_deferred(void)
{
	struct timespec until;
	const rp_http_request *req;

	pthread_mutex_lock(&W.lock);
	deadline_in(&until, CAP_SECONDS);
	while (W.deferred == NULL && pthread_cond_timedwait(&W.cond, &W.lock, &until) == 0)
		;
	req = W.deferred;
	pthread_mutex_unlock(&W.lock);
	return req;
}

typedef struct stopper {
	rp_http_server *srv;
	atomic_bool returned;
} stopper;

static void *stop_main(void *arg)
{
	stopper *s = arg;

	rp_http_stop(s->srv);
	atomic_store(&s->returned, true);
	return NULL;
}

static void test_deferred_answer(void **state)
{
	fixture *f = *state;
	call later = {f->port, "/defer", 0};
	const rp_http_request *req;
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, call_main, &later), 0);
	assert_non_null(req = wait_deferred());
	/* The handler's thread is free: other requests are answered meanwhile. */
	for (int i = 0; i < 10; i++)
		assert_int_equal(get_from(f->port, 2, "/ping"), 200);
	assert_int_equal(__atomic_load_n(&later.status, __ATOMIC_SEQ_CST), 0); /* no answer yet */
	rp_http_response_text(W.deferred_resp, 201, "text/plain", "later\n");
	rp_http_finish(req);
	pthread_join(t, NULL);
	assert_int_equal(later.status, 201);
}

/*
 * A held server reads a request but runs no handler until rp_http_ready, so what the handlers
 * read can be set up with the port already open; then the request is answered. (The wait
 * before ready only gives a server without the hold time to answer.)
 */
static void test_held_until_ready(void **state)
{
	uint16_t port;
	rp_http_server *srv = start(&(rp_http_limits){.held = true}, &port);
	struct pollfd p;
	char reply[1024];
	int fd;

	(void)state;
	assert_true((fd = connect_from(port, 1)) >= 0);
	assert_true(send_all(fd, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"));
	p = (struct pollfd){.fd = fd, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 300), 0); /* no answer */
	pthread_mutex_lock(&W.lock);
	assert_int_equal(W.max_in_flight, 0); /* and no handler ran */
	pthread_mutex_unlock(&W.lock);
	rp_http_ready(srv);
	assert_true(read_reply(fd, reply, sizeof(reply)) > 0);
	assert_non_null(strstr(reply, "HTTP/1.1 200"));
	close(fd);
	world_release();
	rp_http_stop(srv);
}

/*
 * A held server that stops before it is ready stops (a held worker would never be joined), and
 * a request it took is answered, not dropped; one it had not read yet finds the connection
 * closed.
 */
static void test_held_server_stops(void **state)
{
	uint16_t port;
	rp_http_server *srv = start(&(rp_http_limits){.held = true}, &port);
	char reply[1024];
	int fd;

	(void)state;
	assert_true((fd = connect_from(port, 1)) >= 0);
	assert_true(send_all(fd, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"));
	sleep_ms(100); /* time for the request to be read and queued */
	rp_http_stop(srv);
	if (read_reply(fd, reply, sizeof(reply)) > 0)
		assert_non_null(strstr(reply, "HTTP/1.1 200"));
	close(fd);
}

/* rp_http_stop waits for a deferred answer: the connection stays suspended until it comes. */
static void test_stop_waits_for_deferred(void **state)
{
	fixture *f = *state;
	call later = {f->port, "/defer", 0};
	stopper s = {.srv = f->srv};
	const rp_http_request *req;
	pthread_t client, stop;

	assert_int_equal(pthread_create(&client, NULL, call_main, &later), 0);
	assert_non_null(req = wait_deferred());
	f->srv = NULL; /* the stopper's now */
	assert_int_equal(pthread_create(&stop, NULL, stop_main, &s), 0);
	sleep_ms(200);
	assert_false(atomic_load(&s.returned));
	rp_http_response_text(W.deferred_resp, 200, "text/plain", "later\n");
	rp_http_finish(req);
	pthread_join(stop, NULL);
	assert_true(atomic_load(&s.returned));
	/* Whether the answer still reached the client is not asked: the daemon stopped at once. */
	pthread_join(client, NULL);
}

/* ---- run alone ---- */

static void test_run_alone(void **state)
{
	fixture *f = *state;
	call hold[2] = {{f->port, "/hold", 0}, {f->port, "/hold", 0}},
	     alone = {f->port, "/alone", 0};
	pthread_t th[2], ta;
	int inside, ran_early, ran, saw;

	rp_http_run_alone(f->srv, "/alone");
	/* Two handlers at once: the server runs them side by side. */
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, call_main, &hold[i]), 0);
	pthread_mutex_lock(&W.lock);
	inside = wait_for(&W.hold_inside, 2);
	pthread_mutex_unlock(&W.lock);
	/* A run-alone request now waits for both; given a moment, it must not start. */
	assert_int_equal(pthread_create(&ta, NULL, call_main, &alone), 0);
	sleep_ms(300);
	pthread_mutex_lock(&W.lock);
	ran_early = W.alone_ran;
	pthread_mutex_unlock(&W.lock);
	world_release();
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_join(ta, NULL);
	pthread_mutex_lock(&W.lock);
	ran = W.alone_ran;
	saw = W.alone_saw_others;
	pthread_mutex_unlock(&W.lock);
	assert_int_equal(inside, 2);
	assert_int_equal(ran_early, 0);
	assert_int_equal(hold[0].status, 200);
	assert_int_equal(hold[1].status, 200);
	assert_int_equal(alone.status, 200);
	assert_int_equal(ran, 1);
	assert_int_equal(saw, 0);
}

/* ---- connections ---- */

#define SLOW_CONNECTIONS 2000
#define SLOW_ADDRESSES   20 /* 100 each: under the per-address limit */

typedef struct trickle {
	int *fds;
	size_t n;
	pthread_mutex_t lock;
	bool stop;
} trickle;

/* One byte of a header that never ends, on every connection, every half second. */
static void *trickle_main(void *arg)
{
	trickle *t = arg;

	for (;;) {
		pthread_mutex_lock(&t->lock);
		bool stop = t->stop;
		pthread_mutex_unlock(&t->lock);
		if (stop)
			break;
		for (size_t i = 0; i < t->n; i++)
			if (t->fds[i] >= 0)
				(void)send(t->fds[i], "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		sleep_ms(500);
	}
	return NULL;
}

/* Room for the client and the server ends of n connections (the server raised the limit). */
static bool room_for(size_t n)
{
	struct rlimit rl;

	return getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= 2 * n + 512;
}

static void test_slow_connections_leave_room(void **state)
{
	fixture *f = *state;
	trickle t = {.lock = PTHREAD_MUTEX_INITIALIZER};
	pthread_t tt;
	size_t open = 0, still = 0;
	int served = 0;

	if (!room_for(SLOW_CONNECTIONS)) {
		print_message("skipped: the hard limit of open files is under %d\n",
		              2 * SLOW_CONNECTIONS + 512);
		skip();
	}
	assert_true(rp_http_limits_of(f->srv).connections > SLOW_CONNECTIONS + 16);
	t.fds = calloc(SLOW_CONNECTIONS, sizeof(int));
	assert_non_null(t.fds);
	for (size_t i = 0; i < SLOW_CONNECTIONS; i++) {
		t.fds[i] = connect_from(f->port, 10 + (int)(i % SLOW_ADDRESSES));
		if (t.fds[i] >= 0 &&
		    send_all(t.fds[i], "GET /ping HTTP/1.1\r\nHost: t\r\nX-Slow: "))
			open++;
	}
	t.n = SLOW_CONNECTIONS;
	assert_int_equal(pthread_create(&tt, NULL, trickle_main, &t), 0);
	/* While all of them trickle, a new client is served, from an address of its own and
	 * from one of theirs. */
	for (int i = 0; i < 5; i++) {
		served += get_from(f->port, 1, "/ping") == 200;
		served += get_from(f->port, 10, "/ping") == 200;
	}
	/* The slow ones were all still there: none was refused to make that room. */
	for (size_t i = 0; i < SLOW_CONNECTIONS; i++)
		still += t.fds[i] >= 0 && !closed_within(t.fds[i], 0);
	pthread_mutex_lock(&t.lock);
	t.stop = true;
	pthread_mutex_unlock(&t.lock);
	pthread_join(tt, NULL);
	for (size_t i = 0; i < SLOW_CONNECTIONS; i++)
		if (t.fds[i] >= 0)
			close(t.fds[i]);
	free(t.fds);
	assert_int_equal(open, SLOW_CONNECTIONS);
	assert_int_equal(served, 10);
	assert_int_equal(still, SLOW_CONNECTIONS);
}

static void test_one_address_gets_its_limit(void **state)
{
	fixture *f = *state;
	unsigned limit = rp_http_limits_of(f->srv).per_address, extra = 8, n = limit + extra;
	int *fds = calloc(n, sizeof(int));
	unsigned closed = 0;
	int other, same;
	struct timespec t0, now;

	assert_non_null(fds);
	assert_true(limit >= 64 && limit <= 1024); /* the default: browsers, the bench's 64 users */
	for (unsigned i = 0; i < n; i++)
		assert_true((fds[i] = connect_from(f->port, 3)) >= 0);
	/* The server accepts each and closes those over the limit: wait until it has. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		closed = 0;
		for (unsigned i = 0; i < n; i++)
			closed += closed_within(fds[i], 0);
		if (closed >= extra)
			break;
		sleep_ms(50);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - t0.tv_sec < CAP_SECONDS);
	/* Another address is served meanwhile; this one is not, until one of its own closes. */
	other = get_from(f->port, 4, "/ping");
	same = get_from(f->port, 3, "/ping");
	for (unsigned i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	assert_int_equal(closed, extra);
	assert_int_equal(other, 200);
	assert_int_not_equal(same, 200);
	/* Its connections gone, the address is served again (once the server has seen them go). */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (get_from(f->port, 3, "/ping") != 200) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		assert_true(now.tv_sec - t0.tv_sec < CAP_SECONDS);
		sleep_ms(50);
	}
}

/* A request whose header bytes keep coming, one every 0.3 s, is cut at its deadline (2 s
 * here) although it is never idle for the idle timeout (30 s). */
static void test_trickled_request_is_cut(void **state)
{
	rp_http_limits limits = {.request_seconds = 2, .idle_seconds = 30};
	rp_http_server *srv;
	uint16_t port;
	int fd;
	bool cut = false;
	struct timespec t0, now;

	(void)state;
	srv = start(&limits, &port);
	assert_true((fd = connect_from(port, 5)) >= 0);
	assert_true(send_all(fd, "GET /ping HTTP/1.1\r\nHost: t\r\nX-Slow: "));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if (send(fd, "a", 1, MSG_NOSIGNAL) != 1 || closed_within(fd, 300)) {
			cut = true;
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - t0.tv_sec < CAP_SECONDS);
	close(fd);
	assert_true(cut);
	/* A request sent at once on a new connection is served as ever. */
	assert_int_equal(get_from(port, 5, "/ping"), 200);
	rp_http_stop(srv);
}

/* ---- framing ---- */

typedef struct framing_case {
	const char *name;
	const char *request;
	int status;
} framing_case;

static const framing_case framing_cases[] = {
        {"two different Content-Length values",
         "POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde",
         400},
        {"Content-Length with chunked",
         "POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: "
         "chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
         400},
        {"chunked with Content-Length after it",
         "POST /body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: "
         "3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
         400},
        {"HTTP/1.1 without Host", "GET /ping HTTP/1.1\r\n\r\n", 400},
        {"two Host headers", "GET /ping HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
        {"a transfer coding other than chunked",
         "POST /body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
         501},
        {"Transfer-Encoding twice",
         "POST /body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
         "chunked\r\n\r\n0\r\n\r\n",
         400},
        {"a front's certificate header twice",
         "GET /ping HTTP/1.1\r\nHost: t\r\nX-Kagura-Client-Chain: a\r\nX-Kagura-Client-Chain: "
         "b\r\n\r\n",
         400},
        {"a front's secret header twice",
         "GET /ping HTTP/1.1\r\nHost: t\r\nX-Kagura-Front: a\r\nx-kagura-front: a\r\n\r\n", 400},
        /* Refused on its headers: none of the body is asked for (no 100 Continue) or read. */
        {"a body declared over the limit, asked to continue",
         "POST /body HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: "
         "1000000000\r\n\r\n",
         413},
        {"a body declared beyond any number",
         "POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413},
        /* What stays accepted. */
        {"one Content-Length",
         "POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nConnection: close\r\n\r\nabcde",
         200},
        {"the same Content-Length twice",
         "POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: "
         "5\r\nConnection: close\r\n\r\nabcde",
         200},
        {"chunked alone",
         "POST /body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: "
         "close\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
         200},
        {"HTTP/1.0 without Host", "GET /ping HTTP/1.0\r\n\r\n", 200},
};

static void test_framing(void **state)
{
	fixture *f = *state;

	for (size_t i = 0; i < sizeof(framing_cases) / sizeof(framing_cases[0]); i++) {
		const framing_case *c = &framing_cases[i];
		char reply[2048];
		int fd = connect_from(f->port, 6), status = 0;

		assert_true(fd >= 0);
		assert_true(send_all(fd, c->request));
		read_reply(fd, reply, sizeof(reply));
		sscanf(reply, "HTTP/1.%*d %d", &status);
		if (status != c->status)
			fail_msg("%s: status %d, expected %d:\n%s", c->name, status, c->status,
			         reply);
		/* A refused request's connection ends: nothing after it is read as a request. */
		if (c->status != 200 && !closed_within(fd, CAP_SECONDS * 1000))
			fail_msg("%s: the connection stayed open", c->name);
		close(fd);
	}
	/* The body of the accepted ones reached the handler whole. */
	{
		char reply[2048];
		const framing_case *chunked = NULL;

		for (size_t i = 0; i < sizeof(framing_cases) / sizeof(framing_cases[0]); i++)
			if (strcmp(framing_cases[i].name, "chunked alone") == 0)
				chunked = &framing_cases[i];
		assert_non_null(chunked);
		request_from(f->port, 6, chunked->request, reply, sizeof(reply));
		assert_non_null(strstr(reply, "\r\n\r\n3\n"));
	}
}

/* ---- a connection's memory: headers up to it, the body after them read whole ---- */

/* A request to path with a Cookie header of cookie_len bytes and a body of body_len. */
static char *big_request(const char *path, size_t cookie_len, size_t body_len)
{
	size_t size = cookie_len + body_len + 256;
	char *text = malloc(size);
	int at;

	assert_non_null(text);
	at = snprintf(text, size,
	              "POST %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
	              "Content-Length: %zu\r\nCookie: c=",
	              path, body_len);
	memset(text + at, 'a', cookie_len);
	at += (int)cookie_len;
	at += snprintf(text + at, size - (size_t)at, "\r\n\r\n");
	memset(text + at, 'b', body_len);
	text[at + (int)body_len] = '\0';
	return text;
}

static void test_header_room(void **state)
{
	fixture *f = *state;
	char reply[2048];
	char *fits = big_request("/body", 8 * 1024, MAX_BODY);
	char *too_big = big_request("/body", 64 * 1024, 10);

	/* A browser's 8 KiB of cookies is served, and the body after them read whole. */
	assert_int_equal(request_from(f->port, 7, fits, reply, sizeof(reply)), 200);
	assert_non_null(strstr(reply, "\r\n\r\n1024\n"));
	/* Headers past the room: refused as too large, and the server goes on. */
	assert_int_equal(request_from(f->port, 7, too_big, reply, sizeof(reply)), 431);
	assert_int_equal(get_from(f->port, 7, "/ping"), 200);
	free(fits);
	free(too_big);
}

/* A decoded URL's newline, space or backslash cannot split a log line or shift its fields. */
static void test_log_line_escapes(void **state)
{
	FILE *log = tmpfile();
	rp_http_server *srv;
	char line[512];
	int lines = 0;
	uint16_t port;

	(void)state;
	assert_non_null(log);
	srv = start_logging(NULL, log, &port);
	assert_int_equal(get_from(port, 7, "/x%0Afake%20200%205%2099999ms"), 200);
	assert_int_equal(get_from(port, 7, "/a%5Cb%09c%7F"), 200);
	rp_http_stop(srv);

	rewind(log);
	while (fgets(line, sizeof(line), log) != NULL) {
		char remote[64], method[16], url[256], time[32];
		int status;
		size_t bytes;

		if (strncmp(line, "127.0.0.7 ", 10) != 0)
			continue;
		lines++;
		assert_int_equal(sscanf(line, "%63s %15s %255s %d %zu %31s", remote, method, url,
		                        &status, &bytes, time),
		                 6);
		assert_int_equal(status, 200);
		assert_string_equal(time + strlen(time) - 2, "ms");
		if (lines == 1)
			assert_string_equal(url, "/x\\x0afake\\x20200\\x205\\x2099999ms");
		else
			assert_string_equal(url, "/a\\x5cb\\x09c\\x7f");
	}
	assert_int_equal(lines, 2);
	fclose(log);
}

/* libmicrohttpd's message, as its logger hands it over. */
static void library_says(rp_http_log *log, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rp_http_log_library(log, fmt, ap);
	va_end(ap);
}

/* A library that spins on a failing accept() repeats one message without end: the log takes it
 * once a second and counts the rest; another message is written as it comes. */
#define SPIN_MESSAGES 100000

static void test_library_repeats_counted(void **state)
{
	static const char spin[] = "Error accepting connection: %s\n";
	FILE *out = tmpfile();
	rp_http_log log;
	char line[256];
	int spin_lines = 0, counted = 0, other = 0, clients = 0, last_counted = 0;

	(void)state;
	assert_non_null(out);
	rp_http_log_init(&log, out);
	library_says(&log, spin, "before the start: dropped");
	rp_http_log_open(&log);
	for (int i = 0; i < SPIN_MESSAGES; i++)
		library_says(&log, spin, "Too many open files");
	library_says(&log, "Another message\n");
	/* One format, two texts: both written. */
	library_says(&log, "Error processing request (%s)\n", "client one");
	library_says(&log, "Error processing request (%s)\n", "client two");
	/* Repeats with nothing after them: counted at release. */
	library_says(&log, "Last words\n");
	library_says(&log, "Last words\n");
	rp_http_log_release(&log);

	rewind(out);
	while (fgets(line, sizeof(line), out) != NULL) {
		assert_null(strstr(line, "dropped"));
		spin_lines += strstr(line, "Too many open files") != NULL;
		counted += strstr(line, "more times") != NULL;
		other += strstr(line, "Another message") != NULL;
		clients += strstr(line, "(client one)") != NULL ||
		           strstr(line, "(client two)") != NULL;
		last_counted += strstr(line, "came 1 more times") != NULL;
	}
	/* One line a second the loop ran (it runs well within a few), and the rest counted. */
	assert_true(spin_lines >= 1 && spin_lines < SPIN_MESSAGES / 100);
	assert_true(counted >= 1);
	assert_int_equal(other, 1);
	assert_int_equal(clients, 2);
	assert_true(last_counted >= 1);
	fclose(out);
}

/* ---- the log's lines go out when the server is idle, and within a tick under load ---- */

/* Whether the file behind log holds text (read from its start, the stream left alone). */
static bool log_holds(FILE *log, const char *text)
{
	char buf[8192];
	ssize_t n = pread(fileno(log), buf, sizeof(buf) - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	return strstr(buf, text) != NULL;
}

/* Waits up to CAP_SECONDS for the log to hold text. */
static bool log_gets(FILE *log, const char *text)
{
	for (int i = 0; i < CAP_SECONDS * 100; i++) {
		if (log_holds(log, text))
			return true;
		sleep_ms(10);
	}
	return false;
}

static void test_log_lines_written(void **state)
{
	FILE *log = tmpfile();
	rp_http_server *srv;
	call hold = {0, "/hold", 0};
	pthread_t th;
	int inside;

	(void)state;
	assert_non_null(log);
	srv = start_logging(NULL, log, &hold.port);
	/* Nothing else in the server: the line is in the file once the answer is. */
	assert_int_equal(get_from(hold.port, 8, "/idle-first"), 200);
	assert_true(log_holds(log, " GET /idle-first 200 "));
	/* A request still in: the next line waits, but no longer than the sweeper's tick. */
	assert_int_equal(pthread_create(&th, NULL, call_main, &hold), 0);
	pthread_mutex_lock(&W.lock);
	inside = wait_for(&W.hold_inside, 1);
	pthread_mutex_unlock(&W.lock);
	assert_int_equal(inside, 1);
	assert_int_equal(get_from(hold.port, 8, "/while-held"), 200);
	assert_true(log_gets(log, " GET /while-held 200 "));
	pthread_mutex_lock(&W.lock);
	inside = W.hold_inside; /* written while /hold was still in */
	pthread_mutex_unlock(&W.lock);
	assert_int_equal(inside, 1);
	world_release();
	pthread_join(th, NULL);
	assert_int_equal(hold.status, 200);
	rp_http_stop(srv);
	assert_true(log_holds(log, " GET /hold 200 "));
	fclose(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_stalled_handler_holds_up_only_its_request,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_run_alone, setup, teardown),
	        cmocka_unit_test(test_small_pool),
	        cmocka_unit_test_setup_teardown(test_default_pool_is_per_core, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_deferred_answer, setup, teardown),
	        cmocka_unit_test(test_held_until_ready),
	        cmocka_unit_test(test_held_server_stops),
	        cmocka_unit_test_setup_teardown(test_stop_waits_for_deferred, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_slow_connections_leave_room, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_one_address_gets_its_limit, setup, teardown),
	        cmocka_unit_test(test_trickled_request_is_cut),
	        cmocka_unit_test_setup_teardown(test_framing, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_header_room, setup, teardown),
	        cmocka_unit_test(test_log_line_escapes),
	        cmocka_unit_test(test_library_repeats_counted),
	        cmocka_unit_test(test_log_lines_written),
	};

	return cmocka_run_group_tests_name("http limits", tests, NULL, NULL);
}
