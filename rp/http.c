#include "rp/http.h"

#include "webauthn/buf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rp/front.h"
#include "rp/http_framing.h"
#include "rp/http_log.h"
#include "rp/listen.h"
#include "rp/tls_pem.h"
#include "webauthn/b64url.h"
#include "webauthn/json_write.h"

/* rp_http_limits' defaults. */
#define DEFAULT_PER_ADDRESS     128u
#define DEFAULT_CONNECTIONS     8192u
#define DEFAULT_REQUEST_SECONDS 30u
#define DEFAULT_IDLE_SECONDS    30u
/* Handlers wait only for the store's lock, held microseconds: one per core and one more keep
 * the cores busy while one waits; more runnable handlers only share the cores, and finish
 * requests further from the order they came. */
#define DEFAULT_SPARE_WORKERS 1u
/* A polling thread reads, parses and sends for its connections: about a fifth of a request's
 * CPU, so one keeps up with the handlers of 4 cores, and every further one adds its wake-ups
 * (on 2 cores, one instead of two: 7% more requests a CPU-second). */
#define DEFAULT_CORES_PER_POLL_THREAD 4u
/* Files the process keeps for everything but connections (the store, logs, front servers). */
#define FD_RESERVE 256u
/* The most open files asked for when the hard limit is unlimited. */
#define FD_WANTED (1u << 20)
/* libmicrohttpd's polling threads: at most this many. */
#define MAX_POLL_THREADS 16u
#define MAX_WORKERS      256u
#define LISTEN_BACKLOG   1024u

/* GnuTLS priorities: TLS 1.2 and 1.3, unless old versions were asked for. */
#define TLS_PRIORITIES     "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define TLS_PRIORITIES_OLD TLS_PRIORITIES ":+VERS-TLS1.1:+VERS-TLS1.0"

typedef struct pending pending;
typedef struct conn_info conn_info;

struct rp_http_server {
	struct MHD_Daemon *daemon;
	rp_http_handler handler;
	void *app;
	rp_http_log log;        /* its tick is the sweeper's */
	atomic_uint unanswered; /* requests read (headers in) and not yet answered */
	size_t max_body;
	rp_http_limits limits; /* defaults filled in */
	bool tls;
	rp_tls_pem tls_pem;    /* the texts libmicrohttpd reads (owned) */
	const wa_clock *clock; /* connected_at; NULL: the system clock (under alone) */
	/* rp_http_trust_front: written once, then front_trusted set (release); read after it. */
	char front_secret[RP_HTTP_FRONT_SECRET_MAX + 1];
	atomic_bool front_trusted;

	/* The handlers' threads and the requests waiting for one (a queue, oldest first). */
	pthread_t *workers;
	unsigned n_workers;
	pthread_mutex_t queue_lock;
	pthread_cond_t queue_cond;
	pending *queue_head, *queue_tail;
	bool stopping;     /* under queue_lock: no request is queued any more */
	bool held;         /* under queue_lock: no handler runs yet (rp_http_ready) */
	unsigned deferred; /* under queue_lock: requests whose deferred answer is not in yet */
	pthread_cond_t deferred_cond; /* with queue_lock: the last deferred answer came */
	/* Handlers read (shared), a run-alone request writes (exclusive). */
	pthread_rwlock_t alone;
	char *alone_prefix; /* under queue_lock */

	/* Every open connection, for the whole-request deadline the sweeper enforces. */
	pthread_mutex_t conn_lock;
	conn_info *conns;
	pthread_t sweeper;
	pthread_cond_t sweep_cond; /* with conn_lock: the sweeper's tick, or its stop */
	bool sweeper_started, sweep_stop;
};

enum req_state {
	REQ_READING, /* headers in, the body arriving */
	REQ_QUEUED,  /* complete, waiting for or in a handler (the connection suspended) */
	REQ_DONE,    /* resp holds the answer */
};

/* Per-request state while the body arrives, waits for a handler and is answered. */
struct pending {
	wa_buf body; /* capped at the server's max_body: over it, WA_ERR_TOO_LARGE (413) */
	struct timespec start;
	wa_blob peer_chain; /* the client's certificates, DER concatenated */
	size_t peer_count;
	enum req_state state;
	struct MHD_Connection *conn;
	const char *method, *url; /* libmicrohttpd's, alive as long as the request */
	char remote[64];
	rp_http_request req;
	rp_http_server *srv;
	pending *next;         /* the queue */
	bool answered;         /* counted off rp_http_server.unanswered */
	rp_http_response resp; /* last: see new_pending */
};

/* What the server keeps per connection (its socket context). */
struct conn_info {
	time_t started;        /* when it was accepted, by the server's clock */
	unsigned requests;     /* requests seen on it so far */
	int fd;                /* its socket, for the sweeper's shutdown() */
	char remote[64];       /* the client's address, text */
	struct timespec since; /* monotonic: when the connection became ready for its request, or
	                          its answer was queued; under conn_lock */
	bool busy;             /* a handler has its request: no deadline; under conn_lock */
	bool cut;              /* the sweeper closed it already; under conn_lock */
	conn_info *prev, *next;
};

static const char *const err_text[] = {
        [RP_HTTP_OK] = "success",
        [RP_HTTP_ADDRESS] = ("listen address is not " RP_LISTEN_FORM), /* one string */
        [RP_HTTP_START] = "the server could not start",
        [RP_HTTP_IN_USE] = "address already in use",
        [RP_HTTP_UNAVAILABLE] = "address not available on this host",
        [RP_HTTP_DENIED] = "permission denied (a port below 1024 needs privileges)",
        [RP_HTTP_NOMEM] = "out of memory",
        [RP_HTTP_TLS_CERT] = "server certificate file unreadable or holds no PEM certificate",
        [RP_HTTP_TLS_KEY] = "key file unreadable, not a PEM private key, or encrypted",
        [RP_HTTP_TLS_KEY_MISMATCH] = "the private key does not belong to the server certificate",
        [RP_HTTP_TLS_KEY_TYPE] = "the private key is not RSA, ECDSA on P-256, P-384 or P-521 "
                                 "(named), Ed25519 or Ed448, the keys a TLS server here signs "
                                 "with",
        [RP_HTTP_TLS_CLIENT_CA] = "client CA file unreadable or holds no PEM certificate",
        [RP_HTTP_TLS_UNSUPPORTED] = "libmicrohttpd was built without TLS support",
};

const char *rp_http_strerr(rp_http_err err)
{
	return (unsigned)err < RP_HTTP__COUNT ? err_text[err] : "unknown HTTP layer error";
}

const char *rp_http_header(const rp_http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *rp_http_cookie(const rp_http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

const char *rp_http_query(const rp_http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* text into dst, cut to size - 1 bytes as snprintf cuts, without its formatting machinery:
 * every answer sets about ten headers. */
static void copy_cut(char *dst, size_t size, const char *text)
{
	size_t n = strnlen(text, size - 1);

	memcpy(dst, text, n);
	dst[n] = '\0';
}

/* The status line's code and the body's type, whichever way the body comes. */
static void set_head(rp_http_response *r, int status, const char *content_type)
{
	r->status = status;
	copy_cut(r->content_type, sizeof(r->content_type), content_type);
}

void rp_http_response_text(rp_http_response *r, int status, const char *content_type,
                           const char *text)
{
	set_head(r, status, content_type);
	wa_blob_set(&r->body, text, strlen(text));
}

void rp_http_response_json(rp_http_response *r, int status, json_t *json)
{
	size_t len = 0;
	char *text = json ? wa_json_dumps(json, &len) : NULL;

	json_decref(json);
	if (text == NULL) {
		rp_http_response_text(r, 500, "application/json", "{}");
		return;
	}
	/* The body is the written text itself (malloc'd: freed with free). */
	set_head(r, status, "application/json");
	wa_blob_reset(&r->body);
	r->body.ptr = (uint8_t *)text;
	r->body.len = len;
}

void rp_http_response_close(rp_http_response *r)
{
	r->close_connection = true;
	r->status = 0;
	wa_blob_reset(&r->body);
}

void rp_http_response_why(rp_http_response *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

void rp_http_response_header(rp_http_response *r, const char *name, const char *value)
{
	if (r->n_headers == RP_HTTP_MAX_HEADERS)
		return;
	copy_cut(r->headers[r->n_headers][0], sizeof(r->headers[0][0]), name);
	copy_cut(r->headers[r->n_headers][1], sizeof(r->headers[0][1]), value);
	r->n_headers++;
}

static void remote_text(struct MHD_Connection *conn, char *buf, size_t size)
{
	const union MHD_ConnectionInfo *info =
	        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	buf[0] = '\0';
	if (info != NULL && info->client_addr != NULL && info->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)info->client_addr)->sin_addr, buf,
		          (socklen_t)size);
}

static enum MHD_Result send_response(struct MHD_Connection *conn, rp_http_response *r)
{
	/* libmicrohttpd takes the body as it is and frees it once sent: no copy. */
	struct MHD_Response *resp =
	        r->body.ptr != NULL
	                ? MHD_create_response_from_buffer_with_free_callback(r->body.len,
	                                                                     r->body.ptr, free)
	                : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (resp == NULL)
		return MHD_NO;
	r->body.ptr = NULL; /* the response's now; the length stays for the log */
	if (r->content_type[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	for (size_t i = 0; i < r->n_headers; i++)
		MHD_add_response_header(resp, r->headers[i][0], r->headers[i][1]);
	ret = MHD_queue_response(conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* The certificates the TLS client sent, DER concatenated; false when out of memory. */
static bool peer_chain(struct MHD_Connection *conn, wa_blob *out, size_t *count)
{
	const union MHD_ConnectionInfo *info =
	        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	const gnutls_datum_t *certs;
	gnutls_session_t session;
	unsigned n = 0;

	wa_blob_reset(out);
	*count = 0;
	if (info == NULL || info->tls_session == NULL)
		return true;
	session = (gnutls_session_t)info->tls_session;
	if (gnutls_certificate_type_get2(session, GNUTLS_CTYPE_PEERS) != GNUTLS_CRT_X509)
		return true;
	certs = gnutls_certificate_get_peers(session, &n);
	for (unsigned i = 0; certs != NULL && i < n; i++) {
		if (wa_blob_append(out, certs[i].data, certs[i].size) != WA_OK) {
			wa_blob_reset(out);
			*count = 0;
			return false;
		}
		(*count)++;
	}
	return true;
}

/*
 * The certificates the front server (rp/front.h) verified, from its header, when the request
 * carries the front's secret; false when there is none (or it is not the front's).
 */
static bool front_chain(rp_http_server *srv, struct MHD_Connection *conn, wa_blob *out,
                        size_t *count)
{
	const char *secret, *chain;
	size_t at = 0, len;

	if (!atomic_load_explicit(&srv->front_trusted, memory_order_acquire))
		return false;
	secret = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, RP_FRONT_SECRET_HEADER);
	chain = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, RP_FRONT_CHAIN_HEADER);
	/* In constant time: the header's value is anyone's guess, the secret is not. */
	if (secret == NULL || chain == NULL ||
	    (len = strlen(secret)) != strlen(srv->front_secret) ||
	    CRYPTO_memcmp(secret, srv->front_secret, len) != 0)
		return false;
	wa_blob_reset(out);
	*count = 0;
	if (chain[0] != '\0' && wa_b64url_decode(chain, strlen(chain), out) != WA_OK)
		return false;
	/* DER SEQUENCEs, one per certificate: 30 82 hi lo (or 30 81 len) */
	while (at + 4 <= out->len && out->ptr[at] == 0x30) {
		size_t n = out->ptr[at + 1] == 0x82
		                   ? 4 + ((size_t)out->ptr[at + 2] << 8 | out->ptr[at + 3])
		           : out->ptr[at + 1] == 0x81 ? 3 + (size_t)out->ptr[at + 2]
		                                      : 0;
		if (n == 0 || at + n > out->len)
			break;
		at += n;
		(*count)++;
	}
	return true;
}

bool rp_http_trust_front(rp_http_server *srv, const char *secret)
{
	if (srv == NULL || secret == NULL || secret[0] == '\0' ||
	    strlen(secret) > RP_HTTP_FRONT_SECRET_MAX ||
	    atomic_load_explicit(&srv->front_trusted, memory_order_acquire))
		return false;
	strcpy(srv->front_secret, secret);
	atomic_store_explicit(&srv->front_trusted, true, memory_order_release);
	return true;
}

void rp_http_ready(rp_http_server *srv)
{
	if (srv == NULL)
		return;
	pthread_mutex_lock(&srv->queue_lock);
	srv->held = false;
	pthread_cond_broadcast(&srv->queue_cond);
	pthread_mutex_unlock(&srv->queue_lock);
}

void rp_http_change_app(rp_http_server *srv, void (*change)(void *ctx), void *ctx)
{
	if (srv != NULL)
		pthread_rwlock_wrlock(&srv->alone);
	change(ctx);
	if (srv != NULL)
		pthread_rwlock_unlock(&srv->alone);
}

static conn_info *conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
	        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info ? (conn_info *)info->socket_context : NULL;
}

/* The client's address as text: the connection's, written once when it was accepted. */
static void remote_of(struct MHD_Connection *conn, char *buf, size_t size)
{
	const conn_info *ci = conn_of(conn);
	size_t n;

	if (ci == NULL || (n = strnlen(ci->remote, sizeof(ci->remote))) >= size) {
		remote_text(conn, buf, size);
		return;
	}
	memcpy(buf, ci->remote, n + 1);
}

static double seconds_since(const struct timespec *then, const struct timespec *now)
{
	return (double)(now->tv_sec - then->tv_sec) + (double)(now->tv_nsec - then->tv_nsec) / 1e9;
}

/* The connection's next phase begins (busy: a handler has it, no deadline). */
static void conn_phase(rp_http_server *srv, struct MHD_Connection *conn, bool busy)
{
	conn_info *ci = conn_of(conn);

	if (ci == NULL)
		return;
	pthread_mutex_lock(&srv->conn_lock);
	clock_gettime(CLOCK_MONOTONIC, &ci->since);
	ci->busy = busy;
	pthread_mutex_unlock(&srv->conn_lock);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
	rp_http_server *srv = cls;
	conn_info *ci = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fd =
		        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if ((ci = calloc(1, sizeof(*ci))) == NULL)
			return;
		/* The clock test control moves: read while no run-alone request runs. */
		pthread_rwlock_rdlock(&srv->alone);
		ci->started = srv->clock ? wa_clock_now(srv->clock) : time(NULL);
		pthread_rwlock_unlock(&srv->alone);
		ci->fd = fd != NULL ? fd->connect_fd : -1;
		remote_text(conn, ci->remote, sizeof(ci->remote));
		clock_gettime(CLOCK_MONOTONIC, &ci->since);
		pthread_mutex_lock(&srv->conn_lock);
		ci->next = srv->conns;
		if (srv->conns != NULL)
			srv->conns->prev = ci;
		srv->conns = ci;
		pthread_mutex_unlock(&srv->conn_lock);
		*socket_context = ci;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED && ci != NULL) {
		/* libmicrohttpd closes the socket after this: the sweeper never sees its number
		 * again. */
		pthread_mutex_lock(&srv->conn_lock);
		if (ci->prev != NULL)
			ci->prev->next = ci->next;
		else
			srv->conns = ci->next;
		if (ci->next != NULL)
			ci->next->prev = ci->prev;
		pthread_mutex_unlock(&srv->conn_lock);
		free(ci);
		*socket_context = NULL;
	}
}

/*
 * The sweeper: once a second, every connection that has been receiving its request (or
 * sending its answer) for longer than request_seconds is shut down. libmicrohttpd sees the
 * socket end and closes the connection in its own thread; the socket stays open until
 * on_connection's CLOSED, which needs conn_lock, so the number shut down is always this one.
 */
static void *sweeper_main(void *arg)
{
	rp_http_server *srv = arg;
	struct timespec now, tick;

	pthread_mutex_lock(&srv->conn_lock);
	while (!srv->sweep_stop) {
		clock_gettime(CLOCK_MONOTONIC, &tick);
		tick.tv_sec += 1;
		pthread_cond_timedwait(&srv->sweep_cond, &srv->conn_lock, &tick);
		if (srv->sweep_stop)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		for (conn_info *ci = srv->conns; ci != NULL; ci = ci->next) {
			double age = seconds_since(&ci->since, &now);
			if (ci->busy || ci->cut || ci->fd < 0 ||
			    age <= (double)srv->limits.request_seconds)
				continue;
			ci->cut = true;
			shutdown(ci->fd, SHUT_RDWR);
			rp_http_log_cut(&srv->log, ci->remote, age * 1e3,
			                srv->limits.request_seconds);
		}
		/* Lines kept while requests kept coming go out within a tick; not under conn_lock,
		 * which the polling threads need, in case the log's reader is slow. */
		pthread_mutex_unlock(&srv->conn_lock);
		rp_http_log_tick(&srv->log);
		pthread_mutex_lock(&srv->conn_lock);
	}
	pthread_mutex_unlock(&srv->conn_lock);
	return NULL;
}

static void too_large(rp_http_response *resp)
{
	rp_http_response_text(resp, 413, "text/plain; charset=utf-8",
	                      "413 Payload Too Large: the request body exceeds the limit\n");
}

/* The answer to a request refused on its headers (rp/http_framing.h: ambiguous framing, a body
 * declared over max_body) into resp; false when they are sound. */
static bool framing_refused(struct MHD_Connection *conn, const char *version, size_t max_body,
                            rp_http_response *resp)
{
	int status;
	const char *why = rp_http_framing_fault(conn, version, max_body, &status);

	if (why == NULL)
		return false;
	if (status == 413)
		too_large(resp);
	else
		rp_http_response_text(resp, status, "text/plain; charset=utf-8",
		                      status == 400 ? "400 Bad Request\n"
		                                    : "501 Not Implemented\n");
	rp_http_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	rp_http_response_why(resp, "%s: %s", __func__, why);
	return true;
}

/* ---- the handlers' threads ---- */

/* Runs the handler on a request (a worker thread; the connection suspended). */
static void run_handler(rp_http_server *srv, pending *p, bool alone)
{
	if (alone)
		pthread_rwlock_wrlock(&srv->alone);
	else
		pthread_rwlock_rdlock(&srv->alone);
	srv->handler(srv->app, &p->req, &p->resp);
	pthread_rwlock_unlock(&srv->alone);
	if (!p->resp.close_connection && p->resp.status == 0 && p->resp.defer_start == NULL)
		rp_http_response_text(&p->resp, 500, "text/plain; charset=utf-8",
		                      "500 Internal Server Error\n");
}

void rp_http_response_defer(rp_http_response *r, void (*start)(void *ctx), void *ctx)
{
	r->defer_start = start;
	r->defer_ctx = ctx;
}

void rp_http_finish(const rp_http_request *req)
{
	pending *p = (pending *)((char *)req - offsetof(pending, req));
	rp_http_server *srv = p->srv;
	struct MHD_Connection *conn = p->conn;

	p->state = REQ_DONE;
	/* libmicrohttpd calls on_request again, in its thread, to send resp: p may be gone after
	 * this. Resumed before the count falls, or the daemon could stop with it suspended. */
	MHD_resume_connection(conn);
	pthread_mutex_lock(&srv->queue_lock);
	if (--srv->deferred == 0)
		pthread_cond_broadcast(&srv->deferred_cond);
	pthread_mutex_unlock(&srv->queue_lock);
}

static void *worker_main(void *arg)
{
	rp_http_server *srv = arg;

	pthread_mutex_lock(&srv->queue_lock);
	for (;;) {
		pending *p;
		bool alone;

		/* Held: requests wait for rp_http_ready, unless the server stops first. */
		while ((srv->queue_head == NULL || srv->held) && !srv->stopping)
			pthread_cond_wait(&srv->queue_cond, &srv->queue_lock);
		if ((p = srv->queue_head) == NULL)
			break; /* stopping, and nothing left */
		if ((srv->queue_head = p->next) == NULL)
			srv->queue_tail = NULL;
		alone = srv->alone_prefix != NULL &&
		        strncmp(p->url, srv->alone_prefix, strlen(srv->alone_prefix)) == 0;
		pthread_mutex_unlock(&srv->queue_lock);
		run_handler(srv, p, alone);
		if (p->resp.defer_start != NULL) {
			void (*start)(void *ctx) = p->resp.defer_start;
			void *ctx = p->resp.defer_ctx;

			pthread_mutex_lock(&srv->queue_lock);
			srv->deferred++;
			pthread_mutex_unlock(&srv->queue_lock);
			/* p may be answered and gone before start returns: not touched after. */
			start(ctx);
		} else {
			p->state = REQ_DONE;
			/* libmicrohttpd calls on_request again, in its thread, to send resp. */
			MHD_resume_connection(p->conn);
		}
		pthread_mutex_lock(&srv->queue_lock);
	}
	pthread_mutex_unlock(&srv->queue_lock);
	return NULL;
}

/* Hands a complete request to the workers; false when the server is stopping. */
static bool enqueue(rp_http_server *srv, pending *p)
{
	pthread_mutex_lock(&srv->queue_lock);
	if (srv->stopping) {
		pthread_mutex_unlock(&srv->queue_lock);
		return false;
	}
	p->state = REQ_QUEUED;
	/* Suspended before a worker can see it, so its resume never comes first. */
	MHD_suspend_connection(p->conn);
	p->next = NULL;
	if (srv->queue_tail != NULL)
		srv->queue_tail->next = p;
	else
		srv->queue_head = p;
	srv->queue_tail = p;
	pthread_cond_signal(&srv->queue_cond);
	pthread_mutex_unlock(&srv->queue_lock);
	return true;
}

/* The request as the handler sees it; false (resp filled) when it is answered here. */
static bool prepare(rp_http_server *srv, struct MHD_Connection *conn, pending *p)
{
	conn_info *ci = conn_of(conn);

	if (wa_buf_err(&p->body) == WA_ERR_TOO_LARGE) {
		too_large(&p->resp);
		return false;
	}
	if (srv->tls && !front_chain(srv, conn, &p->peer_chain, &p->peer_count) &&
	    !peer_chain(conn, &p->peer_chain, &p->peer_count)) {
		rp_http_response_text(&p->resp, 500, "text/plain; charset=utf-8",
		                      "500 Internal Server Error\n");
		return false;
	}
	p->req = (rp_http_request){
	        .method = p->method,
	        .path = p->url,
	        .remote = p->remote,
	        /* handlers read the body as text: the buffer keeps a NUL past its end */
	        .body = (const uint8_t *)wa_buf_str(&p->body),
	        .body_len = wa_buf_len(&p->body),
	        .conn = conn,
	        .tls = srv->tls,
	        .peer_chain = p->peer_chain.ptr,
	        .peer_chain_len = p->peer_chain.len,
	        .peer_cert_count = p->peer_count,
	};
	if (ci != NULL) {
		p->req.connected_at = ci->started;
		p->req.conn_request_no = ++ci->requests;
	}
	return true;
}

/* Counts p off the requests awaiting an answer (once: answered, or closed unanswered); true
 * when no other one awaits it. */
static bool answered(rp_http_server *srv, pending *p)
{
	if (p->answered)
		return false;
	p->answered = true;
	return atomic_fetch_sub(&srv->unanswered, 1) == 1;
}

/* p's line in the request log (libmicrohttpd's thread, as its answer goes). */
static void log_request(rp_http_server *srv, pending *p)
{
	rp_http_log_request(&srv->log, p->remote, p->method, p->url, p->resp.status,
	                    p->resp.body.len, p->resp.why, &p->start, answered(srv, p));
}

/* Sends what p->resp holds (libmicrohttpd's thread) and logs it. */
static enum MHD_Result answer(rp_http_server *srv, struct MHD_Connection *conn, pending *p)
{
	enum MHD_Result ret;

	conn_phase(srv, conn, false); /* the answer must go out within the deadline too */
	if (p->resp.close_connection) {
		/* No answer: MHD_NO closes the connection. */
		log_request(srv, p);
		return MHD_NO;
	}
	ret = send_response(conn, &p->resp);
	log_request(srv, p);
	return ret;
}

_Static_assert(offsetof(pending, resp) + sizeof(rp_http_response) == sizeof(pending) &&
                       offsetof(rp_http_response, headers) +
                                       sizeof(((rp_http_response *)NULL)->headers) ==
                               sizeof(rp_http_response),
               "the response, and its header texts, come last");

/*
 * A request's state, zeroed but for its response's header texts (never read past n_headers):
 * zeroing those 16 KB cost more than the rest of the request's bookkeeping.
 */
static pending *new_pending(void)
{
	pending *p = malloc(sizeof(*p));

	if (p != NULL)
		memset(p, 0, offsetof(pending, resp) + offsetof(rp_http_response, headers));
	return p;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
	rp_http_server *srv = cls;
	pending *p = *con_cls;

	if (p == NULL) {
		/* The headers are in; the body, if any, has not been read. */
		if ((p = new_pending()) == NULL)
			return MHD_NO;
		atomic_fetch_add(&srv->unanswered, 1);
		wa_buf_init(&p->body, srv->max_body);
		clock_gettime(CLOCK_MONOTONIC, &p->start);
		p->conn = conn;
		p->srv = srv;
		p->method = method;
		p->url = url;
		remote_of(conn, p->remote, sizeof(p->remote));
		*con_cls = p;
		/* Refused before any body is read: the answer goes now, and the connection closes.
		 */
		if (framing_refused(conn, version, srv->max_body, &p->resp)) {
			p->state = REQ_DONE;
			return answer(srv, conn, p);
		}
		return MHD_YES;
	}
	if (p->state == REQ_DONE)
		return answer(srv, conn, p);
	if (*upload_size > 0) {
		/* Keep reading an oversized body, but drop it (the buffer does): the answer is 413.
		 */
		if (wa_buf_add(&p->body, upload, *upload_size) == WA_ERR_NOMEM)
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	if (p->state == REQ_QUEUED)
		return MHD_YES; /* not ours to answer yet (libmicrohttpd polls a resumed request) */
	if (!prepare(srv, conn, p)) {
		p->state = REQ_DONE;
		return answer(srv, conn, p);
	}
	conn_phase(srv, conn, true);
	if (!enqueue(srv, p)) {
		rp_http_response_text(&p->resp, 503, "text/plain; charset=utf-8",
		                      "503 Service Unavailable: the server is stopping\n");
		p->state = REQ_DONE;
		return answer(srv, conn, p);
	}
	return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	rp_http_server *srv = cls;
	pending *p = *con_cls;

	(void)toe;
	if (p != NULL) {
		(void)answered(srv, p); /* a request closed before its answer */
		wa_buf_free(&p->body);
		wa_blob_reset(&p->peer_chain);
		wa_blob_reset(&p->resp.body);
		free(p);
		*con_cls = NULL;
	}
	/* Ready for the next request on this connection: its deadline starts now. */
	conn_phase(srv, conn, false);
}

/* Stops and joins the threads that started (workers first: they drain the queue). */
static void stop_threads(rp_http_server *srv)
{
	pthread_mutex_lock(&srv->queue_lock);
	srv->stopping = true;
	pthread_cond_broadcast(&srv->queue_cond);
	pthread_mutex_unlock(&srv->queue_lock);
	for (unsigned i = 0; i < srv->n_workers; i++)
		pthread_join(srv->workers[i], NULL);
	srv->n_workers = 0;
	/* Deferred answers come from other threads (a write's commit): every one before the
	 * daemon stops, which it refuses with a connection suspended. */
	pthread_mutex_lock(&srv->queue_lock);
	while (srv->deferred > 0)
		pthread_cond_wait(&srv->deferred_cond, &srv->queue_lock);
	pthread_mutex_unlock(&srv->queue_lock);
	if (srv->sweeper_started) {
		pthread_mutex_lock(&srv->conn_lock);
		srv->sweep_stop = true;
		pthread_cond_signal(&srv->sweep_cond);
		pthread_mutex_unlock(&srv->conn_lock);
		pthread_join(srv->sweeper, NULL);
		srv->sweeper_started = false;
	}
}

static void free_server(rp_http_server *srv)
{
	stop_threads(srv);
	rp_http_log_release(&srv->log); /* its last lines written */
	free(srv->workers);
	pthread_mutex_destroy(&srv->queue_lock);
	pthread_cond_destroy(&srv->queue_cond);
	pthread_cond_destroy(&srv->deferred_cond);
	pthread_rwlock_destroy(&srv->alone);
	pthread_mutex_destroy(&srv->conn_lock);
	pthread_cond_destroy(&srv->sweep_cond);
	OPENSSL_cleanse(srv->front_secret, sizeof(srv->front_secret));
	free(srv->alone_prefix);
	rp_tls_pem_release(&srv->tls_pem);
	free(srv);
}

/* The server's locks; false when one could not be made. */
static bool init_locks(rp_http_server *srv)
{
	pthread_rwlockattr_t attr;
	pthread_condattr_t mono;
	bool ok;

	pthread_mutex_init(&srv->queue_lock, NULL);
	pthread_cond_init(&srv->queue_cond, NULL);
	pthread_cond_init(&srv->deferred_cond, NULL);
	pthread_mutex_init(&srv->conn_lock, NULL);
	/* The sweeper's tick is monotonic: moving the system clock does not stop it. */
	pthread_condattr_init(&mono);
	pthread_condattr_setclock(&mono, CLOCK_MONOTONIC);
	pthread_cond_init(&srv->sweep_cond, &mono);
	pthread_condattr_destroy(&mono);
	/* A waiting run-alone request goes before handlers that come after it. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	ok = pthread_rwlock_init(&srv->alone, &attr) == 0;
	pthread_rwlockattr_destroy(&attr);
	return ok;
}

rp_http_err rp_http_start(const char *listen, size_t max_body, rp_http_handler handler, void *app,
                          FILE *log, rp_http_server **out, char *bound, size_t bound_size)
{
	return rp_http_start_limits(listen, NULL, NULL, max_body, handler, app, log, out, bound,
	                            bound_size);
}

rp_http_err rp_http_start_tls(const char *listen, const rp_http_tls *tls, size_t max_body,
                              rp_http_handler handler, void *app, FILE *log, rp_http_server **out,
                              char *bound, size_t bound_size)
{
	return rp_http_start_limits(listen, tls, NULL, max_body, handler, app, log, out, bound,
	                            bound_size);
}

/* libmicrohttpd's own messages (a refused handshake, a closed connection) go to the request
 * log, never to the terminal of a program that embeds the server. Those of a start that fails
 * are dropped: rp_http_err says it once, in the caller's words. */
static void mhd_log(void *arg, const char *fmt, va_list ap)
{
	rp_http_server *srv = arg;

	rp_http_log_library(&srv->log, fmt, ap);
}

/* Why the daemon could not bind addr: the same bind again, with SO_REUSEADDR as libmicrohttpd
 * sets it (a port left in TIME_WAIT is free), and its errno. */
static rp_http_err bind_failure(const struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1;
	rp_http_err err = RP_HTTP_START;

	if (fd < 0)
		return err;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == 0 &&
	    bind(fd, (const struct sockaddr *)addr, sizeof(*addr)) != 0)
		err = errno == EADDRINUSE      ? RP_HTTP_IN_USE
		      : errno == EADDRNOTAVAIL ? RP_HTTP_UNAVAILABLE
		      : errno == EACCES        ? RP_HTTP_DENIED
		                               : RP_HTTP_START;
	close(fd);
	return err;
}

/* The cores online (at least 1; more than MAX_WORKERS counts as that many). */
static unsigned cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1u : n > (long)MAX_WORKERS ? MAX_WORKERS : (unsigned)n;
}

/*
 * The files this process may open, its soft limit first raised to the hard one: each
 * connection is one, and the soft limit is often 1024 where the hard one is far higher.
 */
static unsigned open_files(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = rl;
		want.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > FD_WANTED
		                        ? FD_WANTED
		                        : rl.rlim_max;
		if (want.rlim_cur > rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl.rlim_cur = want.rlim_cur;
	}
	return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > UINT_MAX ? UINT_MAX
	                                                              : (unsigned)rl.rlim_cur;
}

/* limits with its defaults filled in, the connections bounded by the files we may open. */
static rp_http_limits fill_limits(const rp_http_limits *limits)
{
	rp_http_limits l = limits ? *limits : (rp_http_limits){0};
	unsigned files = open_files();
	unsigned room = files > FD_RESERVE + 16 ? files - FD_RESERVE : 16;

	if (l.per_address == 0)
		l.per_address = DEFAULT_PER_ADDRESS;
	if (l.connections == 0)
		l.connections = DEFAULT_CONNECTIONS;
	if (l.connections > room)
		l.connections = room;
	if (l.request_seconds == 0)
		l.request_seconds = DEFAULT_REQUEST_SECONDS;
	if (l.idle_seconds == 0)
		l.idle_seconds = DEFAULT_IDLE_SECONDS;
	if (l.workers == 0)
		l.workers = cores() + DEFAULT_SPARE_WORKERS;
	if (l.workers > MAX_WORKERS)
		l.workers = MAX_WORKERS;
	if (l.poll_threads == 0)
		l.poll_threads = (cores() + DEFAULT_CORES_PER_POLL_THREAD - 1) /
		                 DEFAULT_CORES_PER_POLL_THREAD;
	if (l.poll_threads > MAX_POLL_THREADS)
		l.poll_threads = MAX_POLL_THREADS;
	/* libmicrohttpd refuses a pool with more threads than connections. */
	if (l.connections < l.poll_threads)
		l.connections = l.poll_threads;
	return l;
}

/* The workers and the sweeper; false (those started are stopped by free_server) on failure. */
static bool start_threads(rp_http_server *srv)
{
	if ((srv->workers = calloc(srv->limits.workers, sizeof(*srv->workers))) == NULL)
		return false;
	for (; srv->n_workers < srv->limits.workers; srv->n_workers++)
		if (pthread_create(&srv->workers[srv->n_workers], NULL, worker_main, srv) != 0)
			return false;
	srv->sweeper_started = pthread_create(&srv->sweeper, NULL, sweeper_main, srv) == 0;
	return srv->sweeper_started;
}

rp_http_err rp_http_start_limits(const char *listen, const rp_http_tls *tls,
                                 const rp_http_limits *limits, size_t max_body,
                                 rp_http_handler handler, void *app, FILE *log,
                                 rp_http_server **out, char *bound, size_t bound_size)
{
	struct sockaddr_in addr;
	rp_listen_addr where;
	rp_http_server *srv;
	const union MHD_DaemonInfo *info;
	/*
	 * epoll or poll: no FD_SETSIZE ceiling; suspend/resume: handlers run on the workers. HTTPS
	 * polls: on epoll, libmicrohttpd 0.9.75 goes round a handshaking connection in a loop until
	 * the client's next flight (GnuTLS reads the socket, so it never sees EAGAIN).
	 */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
	                 MHD_ALLOW_SUSPEND_RESUME |
	                 (tls == NULL && MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES
	                          ? MHD_USE_EPOLL
	                          : MHD_USE_POLL);
	struct MHD_OptionItem opts[16];
	size_t n_opts = 0;

	*out = NULL;
	if (!rp_listen_parse(listen, &where))
		return RP_HTTP_ADDRESS;
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr = where.ip;
	addr.sin_port = htons(where.port);
	if (tls != NULL && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
		return RP_HTTP_TLS_UNSUPPORTED;
	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return RP_HTTP_NOMEM;
	srv->handler = handler;
	srv->app = app;
	rp_http_log_init(&srv->log, log);
	srv->max_body = max_body;
	srv->limits = fill_limits(limits);
	srv->held = srv->limits.held; /* before any worker runs */
	if (!init_locks(srv) || !start_threads(srv)) {
		free_server(srv);
		return RP_HTTP_NOMEM;
	}
	if (tls != NULL) {
		rp_http_err err = rp_tls_pem_load(tls->cert_file, tls->key_file,
		                                  tls->client_ca_file, &srv->tls_pem);
		if (err != RP_HTTP_OK) {
			free_server(srv);
			return err;
		}
		srv->tls = true;
		flags |= MHD_USE_TLS;
		opts[n_opts++] =
		        (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls_pem.cert};
		opts[n_opts++] =
		        (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_pem.key};
		/* libmicrohttpd then asks GnuTLS for GNUTLS_CERT_REQUEST: requested, not required.
		 */
		if (srv->tls_pem.trust != NULL)
			opts[n_opts++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0,
			                                         srv->tls_pem.trust};
		opts[n_opts++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0,
		                                         (void *)(srv->limits.tls_old_versions
		                                                          ? TLS_PRIORITIES_OLD
		                                                          : TLS_PRIORITIES)};
	}
	opts[n_opts++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE,
	                                         srv->limits.poll_threads, NULL};
	opts[n_opts++] =
	        (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, srv->limits.connections, NULL};
	opts[n_opts++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	                                         srv->limits.per_address, NULL};
	opts[n_opts++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
	                                         srv->limits.idle_seconds, NULL};
	opts[n_opts++] =
	        (struct MHD_OptionItem){MHD_OPTION_LISTEN_BACKLOG_SIZE, LISTEN_BACKLOG, NULL};
	/* Refuses an HTTP/1.1 request without Host, and a space in the request target. */
	opts[n_opts++] = (struct MHD_OptionItem){MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL};
	opts[n_opts] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	/* The logger comes first: libmicrohttpd warns on its own logger about every option read
	 * before it. */
	srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
	                               MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
	                               MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_NOTIFY_COMPLETED,
	                               on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION,
	                               on_connection, srv, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (srv->daemon == NULL) {
		free_server(srv);
		return bind_failure(&addr);
	}
	rp_http_log_open(&srv->log);
	info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (bound != NULL)
		snprintf(bound, bound_size, "%s:%u", where.host,
		         info ? (unsigned)info->port : (unsigned)where.port);
	*out = srv;
	return RP_HTTP_OK;
}

rp_http_limits rp_http_limits_of(const rp_http_server *srv)
{
	return srv->limits;
}

void rp_http_run_alone(rp_http_server *srv, const char *prefix)
{
	char *copy = prefix ? strdup(prefix) : NULL;

	if (srv == NULL || (prefix != NULL && copy == NULL)) {
		free(copy);
		return;
	}
	pthread_mutex_lock(&srv->queue_lock);
	free(srv->alone_prefix);
	srv->alone_prefix = copy;
	pthread_mutex_unlock(&srv->queue_lock);
}

void rp_http_set_clock(rp_http_server *srv, const wa_clock *clock)
{
	if (srv == NULL)
		return;
	pthread_rwlock_wrlock(&srv->alone);
	srv->clock = clock;
	pthread_rwlock_unlock(&srv->alone);
}

void rp_http_stop(rp_http_server *srv)
{
	if (srv == NULL)
		return;
	/*
	 * The workers finish every request already handed to them and resume its connection
	 * (libmicrohttpd refuses to stop with one suspended); a request completed after this is
	 * answered 503. Then the daemon closes every connection.
	 */
	stop_threads(srv);
	MHD_stop_daemon(srv->daemon);
	free_server(srv);
}
