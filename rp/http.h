/*
 * A small HTTP layer over libmicrohttpd: one handler sees a whole request
 * (body bounded), fills a response, and one log line is written per request.
 * Optionally HTTPS (GnuTLS inside libmicrohttpd, TLS 1.2 and 1.3), asking the
 * client for a certificate the way the platform's card-login endpoints do.
 *
 * Threads: libmicrohttpd's polling threads (one per 4 cores; epoll, poll over HTTPS) read and write
 * every connection and never wait for a handler; the handlers run on a pool of their own
 * (rp_http_limits.workers), several at once, so one that waits (on the store's
 * lock, say) holds up only its own request. Requests under a rp_http_run_alone
 * prefix run with no other handler running.
 *
 * What a client can take: rp_http_limits (connections per address and in all, a
 * whole request within a deadline, not only an idle timeout). Requests whose
 * framing is ambiguous (two Content-Lengths, Content-Length with Transfer-Encoding,
 * an HTTP/1.1 request without exactly one Host) get 400 and the connection closes.
 */
#ifndef KAGURA_RP_HTTP_H
#define KAGURA_RP_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "rp/http_error.h"
#include "webauthn/blob.h"
#include "webauthn/clock.h"

#define RP_HTTP_MAX_HEADERS 16 /* security headers, cookies and a Location, with room to spare */

typedef struct rp_http_request {
	const char *method;
	const char *path;
	const char *remote;  /* client IP address, text */
	const uint8_t *body; /* NUL-terminated copy */
	size_t body_len;
	void *conn; /* the libmicrohttpd connection, for the accessors */
	bool tls;   /* the request came over HTTPS */
	/*
	 * The certificates the TLS client presented, as it sent them: leaf first, each DER,
	 * concatenated (what rp_cardcert_check reads). Nothing is verified here: the handshake
	 * only proved the client holds the leaf's key. NULL/0 when none was presented.
	 */
	const uint8_t *peer_chain;
	size_t peer_chain_len;
	size_t peer_cert_count;
	/*
	 * When the connection this request came on was accepted, by the server's clock
	 * (rp_http_set_clock; the system clock otherwise). Over TLS the handshake, and so the
	 * client's certificate selection, follows at once: the platform measures from here how
	 * long the client took after choosing its card (manual 3.17). 0 when unknown.
	 */
	time_t connected_at;
	/* 1 for the first request on its connection, 2 for the next one (keep-alive) ...; 0
	 * unknown. */
	unsigned conn_request_no;
} rp_http_request;

/* A request header, cookie or query argument; NULL when absent. */
const char *rp_http_header(const rp_http_request *req, const char *name);
const char *rp_http_cookie(const rp_http_request *req, const char *name);
const char *rp_http_query(const rp_http_request *req, const char *name);

typedef struct rp_http_response {
	int status;
	char content_type[64];
	wa_blob body;
	/* Set by rp_http_response_close: no answer at all, the connection is closed. */
	bool close_connection;
	/* Why the request failed, for the request's log line ("" none): rp_http_response_why. */
	char why[256];
	/* rp_http_response_defer's: the work that answers later (NULL: the answer is here). */
	void (*defer_start)(void *ctx);
	void *defer_ctx;
	size_t n_headers;
	/* Last, and only the first n_headers are ever read: the server leaves the rest of this
	 * 16 KB unzeroed (rp/http.c, new_pending). */
	char headers[RP_HTTP_MAX_HEADERS][2][512];
} rp_http_response;

void rp_http_response_text(rp_http_response *r, int status, const char *content_type,
                           const char *text);
/* Takes the reference to json. */
void rp_http_response_json(rp_http_response *r, int status, json_t *json);
void rp_http_response_header(rp_http_response *r, const char *name, const char *value);
/*
 * The server closes the connection without answering (what a front server does on a card
 * endpoint reached without a client certificate: the browser shows "ERR_EMPTY_RESPONSE").
 */
void rp_http_response_close(rp_http_response *r);
/*
 * Says why the request failed, at the end of its log line; the handler names itself first, as
 * in rp_http_response_why(r, "%s: %s", __func__, reason). A later call replaces an earlier one.
 */
void rp_http_response_why(rp_http_response *r, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/*
 * The answer comes later: once the handler has returned, its thread calls
 * start(ctx), which begins the work (a write committed with others, rp/write_queue.h) whose end
 * fills resp and calls rp_http_finish(req), from any thread. resp and req stay the request's
 * until then; the server does not stop before every deferred request is finished.
 */
void rp_http_response_defer(rp_http_response *r, void (*start)(void *ctx), void *ctx);
/* Sends the answer of a deferred request (resp filled by now): req as its handler got it. */
void rp_http_finish(const rp_http_request *req);

typedef void (*rp_http_handler)(void *app, const rp_http_request *req, rp_http_response *resp);

typedef struct rp_http_server rp_http_server;

const char *rp_http_strerr(rp_http_err err);

/* HTTPS settings; files are read once, at start. */
typedef struct rp_http_tls {
	const char *cert_file; /* server certificate, PEM (the chain may follow it) */
	const char *key_file;  /* its private key, PEM, unencrypted */
	/*
	 * CA certificates (PEM) named in the certificate request: with it the server REQUESTS
	 * a client certificate (the handshake succeeds without one, or with one these CAs did
	 * not issue: the handler decides); NULL asks for none.
	 */
	const char *client_ca_file;
} rp_http_tls;

/* What one server takes on at once; a field left 0 takes its default. */
typedef struct rp_http_limits {
	/* Connections from one client address at the same time; more are closed at once (128). */
	unsigned per_address;
	/* Connections in all (8192, or fewer when the process may not open that many files: the
	 * server raises its soft limit of open files to the hard limit). */
	unsigned connections;
	/*
	 * A request's headers and body must arrive within this many seconds of the connection
	 * being ready for it (accepted, or its previous answer sent), and an answer must be sent
	 * within as many; else the connection is closed, however steadily bytes trickle (30).
	 */
	unsigned request_seconds;
	unsigned idle_seconds; /* a connection silent this long is closed (30) */
	unsigned workers;      /* threads running handlers (one per core and one) */
	/* libmicrohttpd's threads, each polling its connections (1 per 4 cores) */
	unsigned poll_threads;
	/* HTTPS also with TLS 1.0 and 1.1 (false: TLS 1.2 and 1.3 only, older clients refused). */
	bool tls_old_versions;
	/*
	 * Requests are read and queued but no handler runs until rp_http_ready: the caller sets up
	 * what the handlers read (run-alone prefix, clock, the app's address) with the server
	 * already listening, as a client that knew a fixed port may be in.
	 */
	bool held;
} rp_http_limits;

/*
 * Serves listen ("127.0.0.1:8400"; port 0 picks a free one, written back to
 * bound as "ADDR:PORT"). Bodies over max_body get 413 before the handler runs.
 * log (may be NULL) receives one line per request, through a buffered stream of the server's
 * own on log's file: written at once when no other request awaits its answer, else within a
 * second, and all of it by rp_http_stop (a memory stream gets each line at once).
 */
rp_http_err rp_http_start(const char *listen, size_t max_body, rp_http_handler handler, void *app,
                          FILE *log, rp_http_server **out, char *bound, size_t bound_size);
/* The same over HTTPS (tls NULL: plain HTTP). Bad TLS files are refused before listening. */
rp_http_err rp_http_start_tls(const char *listen, const rp_http_tls *tls, size_t max_body,
                              rp_http_handler handler, void *app, FILE *log, rp_http_server **out,
                              char *bound, size_t bound_size);
/* rp_http_start_tls with limits (NULL: every default). */
rp_http_err rp_http_start_limits(const char *listen, const rp_http_tls *tls,
                                 const rp_http_limits *limits, size_t max_body,
                                 rp_http_handler handler, void *app, FILE *log,
                                 rp_http_server **out, char *bound, size_t bound_size);
/* The limits a server started with, its defaults filled in. */
rp_http_limits rp_http_limits_of(const rp_http_server *srv);
/*
 * Requests whose path starts with prefix run alone: each waits until no other handler runs,
 * and none starts until it is done (test control changes what every handler reads: the clock,
 * the network policy). NULL: none. Set it before handlers run (rp_http_limits.held): a request
 * taken before it is not run alone.
 */
void rp_http_run_alone(rp_http_server *srv, const char *prefix);
/*
 * The clock rp_http_request.connected_at is read from (the platform's, which test control
 * advances); NULL the system clock. Read by the server's thread at each new connection: one
 * accepted before it is set has the system clock's time.
 */
void rp_http_set_clock(rp_http_server *srv, const wa_clock *clock);
/*
 * Requests that carry secret in the front server's header (rp/front.h) take the client
 * certificates from its chain header: the front verified them in its own handshake. Once per
 * server, from one thread, at most RP_HTTP_FRONT_SECRET_MAX bytes; false (nothing changed)
 * otherwise. Until it is set no front is trusted; the server's thread may already be reading
 * requests.
 */
#define RP_HTTP_FRONT_SECRET_MAX 64
bool rp_http_trust_front(rp_http_server *srv, const char *secret);
/*
 * Runs change(ctx) while no handler runs (under the lock a run-alone request holds): what the
 * handlers read of the app (the card fronts' URLs) changes only so once handlers run. Without a
 * server (NULL) change runs at once. Never from a handler (it holds that lock already), and from
 * one thread at a time.
 */
void rp_http_change_app(rp_http_server *srv, void (*change)(void *ctx), void *ctx);
/* Handlers run from now on (rp_http_limits.held); a server not held is ready from its start. */
void rp_http_ready(rp_http_server *srv);
void rp_http_stop(rp_http_server *srv);

#endif
