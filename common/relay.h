/*
 * A loopback relay server: it listens on 127.0.0.1 (an ephemeral port), serves every accepted
 * connection on a thread of its own, and copies between a connection and the one it opens
 * upstream. What a connection says (TLS, HTTP, CONNECT) is the caller's; accepting, connecting,
 * the two-way copy and the stop are this module's. The platform's card-login front servers
 * (rp/front.h) and the PC's proxies (authenticator/pc/proxy.h) are relays.
 *
 * The stop is prompt: a wake-up pipe in the accept loop's poll set ends the loop, shutdown() of
 * every open connection's sockets ends whatever a connection is blocked in (a read, a
 * handshake, the copy), and a condition variable waits for the last connection to finish. Every
 * socket has 5-second send and receive timeouts besides. No global state.
 */
#ifndef KAGURA_COMMON_RELAY_H
#define KAGURA_COMMON_RELAY_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct cm_relay cm_relay;
typedef struct cm_conn cm_conn; /* one accepted connection */

/* Serves one connection, on its own thread; the relay closes its sockets when it returns. */
typedef void (*cm_relay_serve_fn)(void *arg, cm_conn *c);

#define CM_RELAY_TLS_MAX 2 /* a context to accept with and one to connect upstream with */

typedef struct cm_relay_opts {
	cm_relay_serve_fn serve;
	void *arg;
	unsigned max_conns; /* open at once; one more is closed unserved; 0: no limit */
	/* A connection still open after this many seconds has its sockets shut down, whatever it
	 * is blocked in (a peer can keep each read short of the 5-second timeout); 0: no limit. */
	unsigned conn_seconds;
	/* The TLS contexts the connections use (cm_conn_tls), NULL none: the relay holds a
	 * reference of each until its last connection has ended, so the caller drops its own
	 * whenever it likes. */
	SSL_CTX *tls[CM_RELAY_TLS_MAX];
} cm_relay_opts;

/* Listens on 127.0.0.1, an ephemeral port. False (and *out NULL) when it cannot. */
bool cm_relay_start(const cm_relay_opts *opts, cm_relay **out, char *err, size_t err_size);
unsigned cm_relay_port(const cm_relay *r);
/* Connections accepted so far; each is counted before it is served or closed unserved. */
unsigned cm_relay_accepted(cm_relay *r);
/* Waits until no connection is open (each served to its end, its counts made). NULL is fine. */
void cm_relay_wait_idle(cm_relay *r);
/* Stops listening, ends every connection and waits for them. NULL is fine. */
void cm_relay_stop(cm_relay *r);

/* The client's socket. */
int cm_conn_fd(const cm_conn *c);
/* The relay's TLS context number i (cm_relay_opts.tls), borrowed; NULL none. */
SSL_CTX *cm_conn_tls(const cm_conn *c, unsigned i);
/* A socket connected to host:port, closed with the connection; -1 when it cannot connect or
 * the relay is stopping. */
int cm_conn_connect(cm_conn *c, const char *host, const char *port);
/* A lingering close: no more is sent, and what the client still sends is read until it closes,
 * so that the last bytes sent (a TLS alert) reach it before the socket goes. */
void cm_conn_linger(cm_conn *c);

/* One end of a copy: a socket, or a TLS session over it. */
typedef struct cm_end {
	int fd;
	SSL *ssl; /* NULL: the socket itself */
} cm_end;

/* Writes all of buf; false when the end failed or stayed unwritable for 5 seconds. */
bool cm_end_write(cm_end *e, const void *buf, size_t n);
/* Copies both ways until one end closes or fails (the socket is made non-blocking); the bytes
 * that came from b. */
size_t cm_copy(cm_end *a, cm_end *b);
/* Send and receive timeouts of a socket. */
void cm_socket_timeouts(int fd, int seconds);

#endif
