/*
 * common/relay.h on loopback with plain sockets: a connection copied both ways to the socket it
 * opened upstream; every accepted connection counted, one over the limit closed unserved; the
 * stop ends a connection blocked in a read (the read sees the end, not its timeout) and refuses
 * it a new upstream; a connection past its deadline is cut though its client keeps sending.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/relay.h"

/* What the test's serve functions saw, and how they tell the test they have started. */
typedef struct probe {
	char upstream_port[16];
	int started[2]; /* a pipe: serve writes a byte when it runs */
	ssize_t read_result;
	int connect_result;
} probe;

static int listen_loopback(unsigned *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static int connect_loopback(unsigned port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cm_socket_timeouts(fd, 5);
	return fd;
}

static cm_relay *start(cm_relay_serve_fn serve, probe *p, unsigned max_conns)
{
	cm_relay *r = NULL;
	char why[128];

	assert_true(
	        cm_relay_start(&(cm_relay_opts){.serve = serve, .arg = p, .max_conns = max_conns},
	                       &r, why, sizeof(why)));
	assert_true(cm_relay_port(r) > 0);
	return r;
}

static void started(probe *p)
{
	assert_int_equal(write(p->started[1], "", 1), 1);
}

static void wait_started(probe *p)
{
	char byte;

	assert_int_equal(read(p->started[0], &byte, 1), 1);
}

/* ---- a tunnel ---- */

static void serve_tunnel(void *arg, cm_conn *c)
{
	probe *p = arg;
	cm_end client = {cm_conn_fd(c), NULL}, up = {-1, NULL};

	if ((up.fd = cm_conn_connect(c, "127.0.0.1", p->upstream_port)) >= 0)
		cm_copy(&client, &up);
}

static void test_copy_both_ways(void **state)
{
	probe p = {0};
	unsigned up_port;
	int up_listen = listen_loopback(&up_port), client, up;
	cm_relay *r;
	char buf[16];

	(void)state;
	snprintf(p.upstream_port, sizeof(p.upstream_port), "%u", up_port);
	r = start(serve_tunnel, &p, 0);
	client = connect_loopback(cm_relay_port(r));
	assert_int_equal(send(client, "ping", 4, 0), 4);
	up = accept(up_listen, NULL, NULL);
	assert_true(up >= 0);
	cm_socket_timeouts(up, 5);
	assert_int_equal(recv(up, buf, 4, MSG_WAITALL), 4);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(send(up, "pong", 4, 0), 4);
	close(up); /* the upstream ends: so does the copy, and the client sees the end */
	assert_int_equal(recv(client, buf, 4, MSG_WAITALL), 4);
	assert_memory_equal(buf, "pong", 4);
	assert_int_equal(recv(client, buf, sizeof(buf), 0), 0);
	assert_int_equal(cm_relay_accepted(r), 1);
	close(client);
	cm_relay_stop(r);
	close(up_listen);
}

/* ---- the limit and the stop ---- */

/* Blocks in a read of its client, which sends nothing; then asks for an upstream. */
static void serve_blocked(void *arg, cm_conn *c)
{
	probe *p = arg;
	char byte;

	started(p);
	p->read_result = recv(cm_conn_fd(c), &byte, 1, 0);
	p->connect_result = cm_conn_connect(c, "127.0.0.1", p->upstream_port);
}

static void test_stop_ends_a_blocked_connection(void **state)
{
	probe p = {.read_result = 99, .connect_result = 99};
	unsigned up_port;
	int up_listen = listen_loopback(&up_port), client;
	cm_relay *r;

	(void)state;
	snprintf(p.upstream_port, sizeof(p.upstream_port), "%u", up_port);
	assert_int_equal(pipe(p.started), 0);
	r = start(serve_blocked, &p, 0);
	client = connect_loopback(cm_relay_port(r));
	wait_started(&p);
	cm_relay_stop(r);                   /* returns once the connection has ended */
	assert_int_equal(p.read_result, 0); /* the end of the stream, not a timeout (-1) */
	assert_int_equal(p.connect_result, -1);
	close(client);
	close(up_listen);
	close(p.started[0]);
	close(p.started[1]);
}

static void test_limit(void **state)
{
	probe p = {0};
	int first, second;
	char byte;
	cm_relay *r;

	(void)state;
	snprintf(p.upstream_port, sizeof(p.upstream_port), "1");
	assert_int_equal(pipe(p.started), 0);
	r = start(serve_blocked, &p, 1);
	first = connect_loopback(cm_relay_port(r));
	wait_started(&p);
	/* One connection open: the next is counted, then closed unserved. */
	second = connect_loopback(cm_relay_port(r));
	assert_int_equal(recv(second, &byte, 1, 0), 0);
	assert_int_equal(cm_relay_accepted(r), 2);
	cm_relay_stop(r);
	close(first);
	close(second);
	close(p.started[0]);
	close(p.started[1]);
}

/* Reads its client a byte at a time until the stream ends or fails. */
static void serve_reading(void *arg, cm_conn *c)
{
	probe *p = arg;
	char byte;
	ssize_t n;

	started(p);
	while ((n = recv(cm_conn_fd(c), &byte, 1, 0)) > 0)
		;
	p->read_result = n;
}

/* A client trickling a byte every TRICKLE_NS keeps each read short of the socket's timeout;
 * the deadline (1 s) cuts it long before TRICKLE_STEPS bytes. */
#define TRICKLE_NS    200000000L
#define TRICKLE_STEPS 40

static void test_deadline(void **state)
{
	probe p = {.read_result = 99};
	cm_relay *r = NULL;
	char why[128], byte;
	int client;
	bool cut = false;

	(void)state;
	assert_int_equal(pipe(p.started), 0);
	assert_true(cm_relay_start(
	        &(cm_relay_opts){.serve = serve_reading, .arg = &p, .conn_seconds = 1}, &r, why,
	        sizeof(why)));
	client = connect_loopback(cm_relay_port(r));
	wait_started(&p);
	for (int i = 0; i < TRICKLE_STEPS && !cut; i++) {
		cut = send(client, "x", 1, MSG_NOSIGNAL) != 1 ||
		      recv(client, &byte, 1, MSG_DONTWAIT) == 0;
		nanosleep(&(struct timespec){0, TRICKLE_NS}, NULL);
	}
	assert_true(cut);
	cm_relay_stop(r);
	/* Its read ended: the end of the stream, or a reset where the client's byte met the shut
	 * socket. */
	assert_true(p.read_result <= 0);
	close(client);
	close(p.started[0]);
	close(p.started[1]);
}

static void test_arguments(void **state)
{
	cm_relay *r = (cm_relay *)&r;
	char why[64] = "";

	(void)state;
	assert_false(cm_relay_start(&(cm_relay_opts){0}, &r, why, sizeof(why)));
	assert_null(r);
	assert_string_equal(why, "bad argument");
	assert_int_equal(cm_relay_port(NULL), 0);
	assert_int_equal(cm_relay_accepted(NULL), 0);
	cm_relay_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_copy_both_ways),
	        cmocka_unit_test(test_stop_ends_a_blocked_connection),
	        cmocka_unit_test(test_limit),
	        cmocka_unit_test(test_deadline),
	        cmocka_unit_test(test_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
