#include "common/relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* A peer that neither sends nor takes anything for this long is gone. */
#define RELAY_TIMEOUT_S 5
#define RELAY_BACKLOG   16
#define RELAY_COPY_BUF  16384
/* How often connections are checked against cm_relay_opts.conn_seconds. */
#define DEADLINE_TICK_MS 1000

struct cm_conn {
	cm_relay *r;
	int fd;                 /* the client's */
	int up_fd;              /* what cm_conn_connect opened; -1 none */
	struct timespec since;  /* monotonic: when it was accepted */
	bool cut;               /* its deadline passed: its sockets are shut down (under lock) */
	cm_conn *prev, *next;
};

struct cm_relay {
	cm_relay_opts opts;
	int listen_fd;
	int wake[2]; /* a byte in wake[1] ends the accept loop's poll */
	unsigned port;
	pthread_t accept_thread;
	atomic_uint accepted;
	pthread_mutex_t lock; /* guards what follows */
	pthread_cond_t idle;  /* signalled when the last connection has finished */
	bool stopping;
	cm_conn *conns; /* open connections */
	unsigned n_conns;
};

void cm_socket_timeouts(int fd, int seconds)
{
	struct timeval tv = {seconds, 0};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* A relay passes on what it has at once: with Nagle's algorithm a request written in two parts
 * (a head, then its body) would wait for the peer's delayed acknowledgement of the first, 40 ms
 * on Linux, on every relayed request. */
static void relay_socket(int fd)
{
	int on = 1;

	cm_socket_timeouts(fd, RELAY_TIMEOUT_S);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

/* ---- connections ---- */

int cm_conn_fd(const cm_conn *c)
{
	return c->fd;
}

static int connect_to(const char *host, const char *port)
{
	struct addrinfo hints = {0}, *res = NULL, *ai;
	int fd = -1;

	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		relay_socket(fd);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

int cm_conn_connect(cm_conn *c, const char *host, const char *port)
{
	int fd;

	if (c->up_fd >= 0)
		return -1; /* one upstream a connection */
	if ((fd = connect_to(host, port)) < 0)
		return -1;
	pthread_mutex_lock(&c->r->lock);
	if (c->r->stopping || c->cut) {
		close(fd);
		fd = -1;
	}
	c->up_fd = fd;
	pthread_mutex_unlock(&c->r->lock);
	return fd;
}

void cm_conn_linger(cm_conn *c)
{
	char drain[512];

	shutdown(c->fd, SHUT_WR);
	while (recv(c->fd, drain, sizeof(drain), 0) > 0)
		;
}

/* Both sockets of c end what they are blocked in; the relay's lock is held. */
static void conn_interrupt(cm_conn *c)
{
	shutdown(c->fd, SHUT_RDWR);
	if (c->up_fd >= 0)
		shutdown(c->up_fd, SHUT_RDWR);
}

/* A peer that closes while a connection writes to it (TLS writes go through write(), which has
 * no MSG_NOSIGNAL) must end that write with EPIPE, not the whole process with SIGPIPE: the relay
 * runs inside programs and tests that do not ignore the signal. Blocked, a SIGPIPE raised by this
 * thread's write stays pending and goes with the thread. */
static void block_sigpipe(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void *conn_main(void *arg)
{
	cm_conn *c = arg;
	cm_relay *r = c->r;

	block_sigpipe();
	relay_socket(c->fd);
	r->opts.serve(r->opts.arg, c);
	pthread_mutex_lock(&r->lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		r->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	shutdown(c->fd, SHUT_RDWR);
	close(c->fd);
	if (c->up_fd >= 0)
		close(c->up_fd);
	if (--r->n_conns == 0)
		pthread_cond_broadcast(&r->idle);
	pthread_mutex_unlock(&r->lock);
	/* r may be gone from here on: the stop waits for nothing more. */
	free(c);
	return NULL;
}

/* Serves fd on a thread of its own, or closes it: the relay is stopping or full. */
static void conn_start(cm_relay *r, int fd)
{
	cm_conn *c = calloc(1, sizeof(*c));
	pthread_attr_t attr;
	pthread_t t;
	bool started = false;

	if (c == NULL) {
		close(fd);
		return;
	}
	*c = (cm_conn){.r = r, .fd = fd, .up_fd = -1};
	clock_gettime(CLOCK_MONOTONIC, &c->since);
	pthread_mutex_lock(&r->lock);
	if (!r->stopping && (r->opts.max_conns == 0 || r->n_conns < r->opts.max_conns) &&
	    pthread_attr_init(&attr) == 0) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		/* linked first: the thread unlinks itself under the same lock */
		c->next = r->conns;
		if (r->conns != NULL)
			r->conns->prev = c;
		r->conns = c;
		r->n_conns++;
		started = pthread_create(&t, &attr, conn_main, c) == 0;
		if (!started) {
			r->conns = c->next;
			if (c->next != NULL)
				c->next->prev = NULL;
			r->n_conns--;
		}
		pthread_attr_destroy(&attr);
	}
	pthread_mutex_unlock(&r->lock);
	if (!started) {
		close(fd);
		free(c);
	}
}

/* Shuts down the sockets of every connection open longer than conn_seconds. */
static void cut_overdue(cm_relay *r)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&r->lock);
	for (cm_conn *c = r->conns; c != NULL; c = c->next) {
		if (c->cut || now.tv_sec - c->since.tv_sec < (time_t)r->opts.conn_seconds)
			continue;
		c->cut = true;
		shutdown(c->fd, SHUT_RDWR);
		if (c->up_fd >= 0)
			shutdown(c->up_fd, SHUT_RDWR);
	}
	pthread_mutex_unlock(&r->lock);
}

static void *accept_main(void *arg)
{
	cm_relay *r = arg;
	/* With a deadline the loop looks at the connections once a second, else only wakes. */
	int tick_ms = r->opts.conn_seconds > 0 ? DEADLINE_TICK_MS : -1;

	for (;;) {
		struct pollfd pf[2] = {{r->listen_fd, POLLIN, 0}, {r->wake[0], POLLIN, 0}};
		int fd;

		if (poll(pf, 2, tick_ms) < 0 && errno != EINTR)
			break;
		if (tick_ms > 0)
			cut_overdue(r);
		if (pf[1].revents != 0)
			break; /* the stop */
		if ((pf[0].revents & POLLIN) == 0)
			continue;
		if ((fd = accept(r->listen_fd, NULL, NULL)) < 0)
			continue;
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		atomic_fetch_add(&r->accepted, 1);
		conn_start(r, fd);
	}
	return NULL;
}

/* ---- the server ---- */

static void seterr(char *err, size_t n, const char *msg)
{
	if (err != NULL && n > 0)
		snprintf(err, n, "%s", msg);
}

static void relay_free(cm_relay *r)
{
	for (unsigned i = 0; i < CM_RELAY_TLS_MAX; i++)
		SSL_CTX_free(r->opts.tls[i]);
	if (r->listen_fd >= 0)
		close(r->listen_fd);
	for (int i = 0; i < 2; i++)
		if (r->wake[i] >= 0)
			close(r->wake[i]);
	pthread_cond_destroy(&r->idle);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

bool cm_relay_start(const cm_relay_opts *opts, cm_relay **out, char *err, size_t err_size)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	cm_relay *r;

	if (out != NULL)
		*out = NULL;
	if (out == NULL || opts == NULL || opts->serve == NULL) {
		seterr(err, err_size, "bad argument");
		return false;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		seterr(err, err_size, "out of memory");
		return false;
	}
	r->opts = *opts;
	for (unsigned i = 0; i < CM_RELAY_TLS_MAX; i++)
		if (r->opts.tls[i] != NULL && SSL_CTX_up_ref(r->opts.tls[i]) != 1)
			r->opts.tls[i] = NULL; /* not held: cm_conn_tls says none */
	r->listen_fd = r->wake[0] = r->wake[1] = -1;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->idle, NULL);
	if (pipe(r->wake) != 0) {
		r->wake[0] = r->wake[1] = -1;
		seterr(err, err_size, "no pipe");
		relay_free(r);
		return false;
	}
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (r->listen_fd < 0 || bind(r->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(r->listen_fd, RELAY_BACKLOG) != 0 ||
	    getsockname(r->listen_fd, (struct sockaddr *)&sa, &sl) != 0) {
		seterr(err, err_size, "cannot listen on 127.0.0.1");
		relay_free(r);
		return false;
	}
	r->port = ntohs(sa.sin_port);
	if (pthread_create(&r->accept_thread, NULL, accept_main, r) != 0) {
		seterr(err, err_size, "cannot start a thread");
		relay_free(r);
		return false;
	}
	*out = r;
	return true;
}

SSL_CTX *cm_conn_tls(const cm_conn *c, unsigned i)
{
	return i < CM_RELAY_TLS_MAX ? c->r->opts.tls[i] : NULL;
}

unsigned cm_relay_port(const cm_relay *r)
{
	return r != NULL ? r->port : 0;
}

unsigned cm_relay_accepted(cm_relay *r)
{
	return r != NULL ? atomic_load(&r->accepted) : 0;
}

void cm_relay_wait_idle(cm_relay *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	while (r->n_conns > 0)
		pthread_cond_wait(&r->idle, &r->lock);
	pthread_mutex_unlock(&r->lock);
}

void cm_relay_stop(cm_relay *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	pthread_mutex_unlock(&r->lock);
	/* the accept loop wakes, and no connection starts after it has gone */
	while (write(r->wake[1], "", 1) < 0 && errno == EINTR)
		;
	pthread_join(r->accept_thread, NULL);
	pthread_mutex_lock(&r->lock);
	for (cm_conn *c = r->conns; c != NULL; c = c->next)
		conn_interrupt(c);
	while (r->n_conns > 0)
		pthread_cond_wait(&r->idle, &r->lock);
	pthread_mutex_unlock(&r->lock);
	relay_free(r);
}

/* ---- the copy ---- */

/* >0 bytes read, 0 nothing now (*events: what to wait for), -1 closed or failed. */
static int end_read(cm_end *e, char *buf, int n, short *events)
{
	*events = POLLIN;
	if (e->ssl != NULL) {
		int k = SSL_read(e->ssl, buf, n);
		if (k > 0)
			return k;
		switch (SSL_get_error(e->ssl, k)) {
		case SSL_ERROR_WANT_READ:
			return 0;
		case SSL_ERROR_WANT_WRITE:
			*events = POLLOUT;
			return 0;
		default:
			return -1;
		}
	}
	ssize_t k = recv(e->fd, buf, (size_t)n, MSG_DONTWAIT);
	if (k > 0)
		return (int)k;
	if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	return -1;
}

/* Waits until fd is ready for events; false after the timeout. */
static bool wait_ready(int fd, short events)
{
	struct pollfd pf = {fd, events, 0};

	return poll(&pf, 1, RELAY_TIMEOUT_S * 1000) > 0;
}

bool cm_end_write(cm_end *e, const void *data, size_t n)
{
	const char *buf = data;

	while (n > 0) {
		if (e->ssl != NULL) {
			int k = SSL_write(e->ssl, buf, n > INT_MAX ? INT_MAX : (int)n);
			if (k <= 0) {
				int err = SSL_get_error(e->ssl, k);
				if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
					return false;
				if (!wait_ready(e->fd,
				                err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT))
					return false;
				continue;
			}
			buf += k;
			n -= (size_t)k;
		} else {
			ssize_t k = send(e->fd, buf, n, MSG_NOSIGNAL);
			if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
				if (!wait_ready(e->fd, POLLOUT))
					return false;
				continue;
			}
			if (k <= 0)
				return false;
			buf += k;
			n -= (size_t)k;
		}
	}
	return true;
}

size_t cm_copy(cm_end *a, cm_end *b)
{
	char buf[RELAY_COPY_BUF];
	size_t from_b = 0;
	cm_end *from[2] = {a, b}, *to[2] = {b, a};

	fcntl(a->fd, F_SETFL, fcntl(a->fd, F_GETFL) | O_NONBLOCK);
	fcntl(b->fd, F_SETFL, fcntl(b->fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		struct pollfd pf[2] = {{a->fd, POLLIN, 0}, {b->fd, POLLIN, 0}};
		for (int i = 0; i < 2; i++) {
			int k;
			while ((k = end_read(from[i], buf, (int)sizeof(buf), &pf[i].events)) > 0) {
				if (!cm_end_write(to[i], buf, (size_t)k))
					return from_b;
				if (i == 1)
					from_b += (size_t)k;
			}
			if (k < 0)
				return from_b;
		}
		/* Nothing buffered on either side: wait for the sockets (a stop shuts them down).
		 */
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			return from_b;
	}
}
