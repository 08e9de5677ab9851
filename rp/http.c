#include "rp/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rp/front.h"
#include "rp/listen.h"
#include "rp/readfile.h"
#include "webauthn/b64url.h"

/* A certificate or key file larger than this is not one. */
#define TLS_FILE_MAX (1024u * 1024u)

struct rp_http_server {
	struct MHD_Daemon *daemon;
	rp_http_handler handler;
	void *app;
	FILE *log;
	size_t max_body;
	pthread_mutex_t log_lock; /* requests may be logged from several connections */
	bool tls;
	/* The PEM texts libmicrohttpd reads, re-encoded by OpenSSL (owned; the key cleansed). */
	char *tls_cert, *tls_key, *tls_trust;
	size_t tls_key_len;
	const wa_clock *clock; /* connected_at; NULL: the system clock */
	bool running;          /* the daemon started; under log_lock, for mhd_log */
	char *front_secret;    /* rp_http_trust_front; NULL: no front */
};

/* Per-request state while the body arrives. */
typedef struct pending {
	wa_blob body;
	bool too_large;
	struct timespec start;
	wa_blob peer_chain; /* the client's certificates, DER concatenated */
	size_t peer_count;
} pending;

static const char *const err_text[] = {
        [RP_HTTP_OK] = "success",
        [RP_HTTP_ADDRESS] = "listen address is not " RP_LISTEN_FORM,
        [RP_HTTP_START] = "the server could not start",
        [RP_HTTP_IN_USE] = "address already in use",
        [RP_HTTP_UNAVAILABLE] = "address not available on this host",
        [RP_HTTP_DENIED] = "permission denied (a port below 1024 needs privileges)",
        [RP_HTTP_NOMEM] = "out of memory",
        [RP_HTTP_TLS_CERT] = "server certificate file unreadable or holds no PEM certificate",
        [RP_HTTP_TLS_KEY] = "key file unreadable, not a PEM private key, or encrypted",
        [RP_HTTP_TLS_KEY_MISMATCH] = "the private key does not belong to the server certificate",
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

void rp_http_response_text(rp_http_response *r, int status, const char *content_type,
                           const char *text)
{
	r->status = status;
	snprintf(r->content_type, sizeof(r->content_type), "%s", content_type);
	wa_blob_set(&r->body, text, strlen(text));
}

void rp_http_response_json(rp_http_response *r, int status, json_t *json)
{
	char *text = json ? json_dumps(json, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	rp_http_response_text(r, text ? status : 500, "application/json", text ? text : "{}");
	free(text);
	json_decref(json);
}

void rp_http_response_close(rp_http_response *r)
{
	r->close_connection = true;
	r->status = 0;
	wa_blob_reset(&r->body);
}

void rp_http_response_header(rp_http_response *r, const char *name, const char *value)
{
	if (r->n_headers == RP_HTTP_MAX_HEADERS)
		return;
	snprintf(r->headers[r->n_headers][0], sizeof(r->headers[0][0]), "%s", name);
	snprintf(r->headers[r->n_headers][1], sizeof(r->headers[0][1]), "%s", value);
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
	struct MHD_Response *resp = MHD_create_response_from_buffer(
	        r->body.len, r->body.ptr ? r->body.ptr : (void *)"", MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (resp == NULL)
		return MHD_NO;
	if (r->content_type[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	for (size_t i = 0; i < r->n_headers; i++)
		MHD_add_response_header(resp, r->headers[i][0], r->headers[i][1]);
	ret = MHD_queue_response(conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void log_line(rp_http_server *srv, const char *method, const char *url, const char *remote,
                     int status, size_t bytes, const struct timespec *start)
{
	struct timespec end;
	double ms;

	if (srv->log == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &end);
	ms = (double)(end.tv_sec - start->tv_sec) * 1e3 +
	     (double)(end.tv_nsec - start->tv_nsec) / 1e6;
	pthread_mutex_lock(&srv->log_lock);
	fprintf(srv->log, "%s %s %s %d %zu %.1fms\n", remote[0] ? remote : "-", method, url, status,
	        bytes, ms);
	fflush(srv->log);
	pthread_mutex_unlock(&srv->log_lock);
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
	size_t at = 0;

	if (srv->front_secret == NULL)
		return false;
	secret = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, RP_FRONT_SECRET_HEADER);
	chain = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, RP_FRONT_CHAIN_HEADER);
	if (secret == NULL || chain == NULL || strcmp(secret, srv->front_secret) != 0)
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

void rp_http_trust_front(rp_http_server *srv, const char *secret)
{
	free(srv->front_secret);
	srv->front_secret = secret ? strdup(secret) : NULL;
}

/* What the server keeps per connection (its socket context). */
typedef struct conn_info {
	time_t started;    /* when it was accepted, by the server's clock */
	unsigned requests; /* requests seen on it so far */
} conn_info;

static conn_info *conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
	        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info ? (conn_info *)info->socket_context : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
	rp_http_server *srv = cls;
	conn_info *ci;

	(void)conn;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		if ((ci = calloc(1, sizeof(*ci))) != NULL)
			ci->started = srv->clock ? wa_clock_now(srv->clock) : time(NULL);
		*socket_context = ci;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		free(*socket_context);
		*socket_context = NULL;
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
	rp_http_server *srv = cls;
	pending *p = *con_cls;
	rp_http_response resp;
	char remote[64];
	enum MHD_Result ret;

	(void)version;
	if (p == NULL) {
		if ((p = calloc(1, sizeof(*p))) == NULL)
			return MHD_NO;
		clock_gettime(CLOCK_MONOTONIC, &p->start);
		*con_cls = p;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		/* Keep reading an oversized body, but drop it: the answer is 413 either way. */
		if (!p->too_large && p->body.len + *upload_size > srv->max_body) {
			p->too_large = true;
			wa_blob_reset(&p->body);
		}
		if (!p->too_large && wa_blob_append(&p->body, upload, *upload_size) != WA_OK)
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	memset(&resp, 0, sizeof(resp));
	remote_text(conn, remote, sizeof(remote));
	if (p->too_large) {
		rp_http_response_text(
		        &resp, 413, "text/plain; charset=utf-8",
		        "413 Payload Too Large: the request body exceeds the limit\n");
	} else if (srv->tls && !front_chain(srv, conn, &p->peer_chain, &p->peer_count) &&
	           !peer_chain(conn, &p->peer_chain, &p->peer_count)) {
		rp_http_response_text(&resp, 500, "text/plain; charset=utf-8",
		                      "500 Internal Server Error\n");
	} else {
		rp_http_request req = {
		        .method = method,
		        .path = url,
		        .remote = remote,
		        .body = p->body.ptr ? p->body.ptr : (const uint8_t *)"",
		        .body_len = p->body.len,
		        .conn = conn,
		        .tls = srv->tls,
		        .peer_chain = p->peer_chain.ptr,
		        .peer_chain_len = p->peer_chain.len,
		        .peer_cert_count = p->peer_count,
		};
		conn_info *ci = conn_of(conn);
		if (ci != NULL) {
			req.connected_at = ci->started;
			req.conn_request_no = ++ci->requests;
		}
		/* Handlers read the body as text: keep a terminator past its end. */
		if (p->body.ptr != NULL && wa_blob_append(&p->body, "", 1) == WA_OK)
			p->body.len--;
		req.body = p->body.ptr ? p->body.ptr : (const uint8_t *)"";
		srv->handler(srv->app, &req, &resp);
		if (resp.close_connection) {
			/* No answer: MHD_NO closes the connection. */
			log_line(srv, method, url, remote, 0, 0, &p->start);
			wa_blob_reset(&resp.body);
			return MHD_NO;
		}
		if (resp.status == 0)
			rp_http_response_text(&resp, 500, "text/plain; charset=utf-8",
			                      "500 Internal Server Error\n");
	}
	ret = send_response(conn, &resp);
	log_line(srv, method, url, remote, resp.status, resp.body.len, &p->start);
	wa_blob_reset(&resp.body);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	pending *p = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (p != NULL) {
		wa_blob_reset(&p->body);
		wa_blob_reset(&p->peer_chain);
		free(p);
		*con_cls = NULL;
	}
}

/* Frees a string that held a private key: it must not linger in freed heap. */
static void free_secret(char *text, size_t len)
{
	if (text != NULL)
		OPENSSL_cleanse(text, len);
	free(text);
}

/* The PEM text a memory BIO holds, NUL-terminated (owned); NULL when out of memory. */
static char *bio_text(BIO *bio, size_t *len)
{
	char *p, *copy;
	long n = BIO_get_mem_data(bio, &p);

	if (n <= 0 || (copy = malloc((size_t)n + 1)) == NULL)
		return NULL;
	memcpy(copy, p, (size_t)n);
	copy[n] = '\0';
	if (len != NULL)
		*len = (size_t)n;
	return copy;
}

/* Every certificate of a PEM file, re-encoded as plain PEM; NULL with err set on failure. */
static char *read_certs(const char *path, rp_http_err bad, rp_http_err *err, X509 **first)
{
	const char *why;
	size_t len, n = 0;
	char *text = rp_read_file(path, TLS_FILE_MAX, &len, &why), *out = NULL;
	BIO *in = text ? BIO_new_mem_buf(text, (int)len) : NULL, *pem = BIO_new(BIO_s_mem());
	X509 *x;

	*err = bad;
	if (in == NULL || pem == NULL)
		goto done;
	ERR_set_mark();
	while ((x = PEM_read_bio_X509(in, NULL, NULL, NULL)) != NULL) {
		bool ok = PEM_write_bio_X509(pem, x) == 1;
		if (ok && n == 0 && first != NULL)
			*first = x;
		else
			X509_free(x);
		if (!ok)
			break;
		n++;
	}
	/* The loop ends at the end of the file or at a block it could not read: tell them apart. */
	{
		unsigned long e = ERR_peek_last_error();
		bool at_end = e == 0 || (ERR_GET_LIB(e) == ERR_LIB_PEM &&
		                         ERR_GET_REASON(e) == PEM_R_NO_START_LINE);
		ERR_pop_to_mark();
		if (n > 0 && at_end && (out = bio_text(pem, NULL)) == NULL)
			*err = RP_HTTP_NOMEM;
	}
done:
	if (out == NULL && first != NULL && *first != NULL) {
		X509_free(*first);
		*first = NULL;
	}
	BIO_free(in);
	BIO_free(pem);
	free(text);
	return out;
}

/* A PEM key callback that never prompts: an encrypted key is an unreadable key here. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* Reads and cross-checks the TLS files into srv's PEM texts. */
static rp_http_err load_tls(rp_http_server *srv, const rp_http_tls *tls)
{
	X509 *leaf = NULL;
	EVP_PKEY *key = NULL;
	BIO *in = NULL, *pem = NULL;
	char *text = NULL;
	const char *why;
	size_t len = 0;
	rp_http_err err;

	if (tls->cert_file == NULL || tls->key_file == NULL)
		return tls->cert_file == NULL ? RP_HTTP_TLS_CERT : RP_HTTP_TLS_KEY;
	if ((srv->tls_cert = read_certs(tls->cert_file, RP_HTTP_TLS_CERT, &err, &leaf)) == NULL)
		return err;
	err = RP_HTTP_TLS_KEY;
	if ((text = rp_read_file(tls->key_file, TLS_FILE_MAX, &len, &why)) == NULL ||
	    (in = BIO_new_mem_buf(text, (int)len)) == NULL)
		goto out;
	ERR_set_mark();
	key = PEM_read_bio_PrivateKey(in, NULL, no_password, NULL);
	ERR_pop_to_mark();
	if (key == NULL)
		goto out;
	err = RP_HTTP_TLS_KEY_MISMATCH;
	ERR_set_mark();
	if (X509_check_private_key(leaf, key) != 1) {
		ERR_pop_to_mark();
		goto out;
	}
	ERR_pop_to_mark();
	/* PKCS#8 PEM: a form GnuTLS reads whatever the file held. */
	err = RP_HTTP_NOMEM;
	if ((pem = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey(pem, key, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (srv->tls_key = bio_text(pem, &srv->tls_key_len)) == NULL)
		goto out;
	if (tls->client_ca_file != NULL &&
	    (srv->tls_trust = read_certs(tls->client_ca_file, RP_HTTP_TLS_CLIENT_CA, &err, NULL)) ==
	            NULL)
		goto out;
	err = RP_HTTP_OK;
out:
	if (pem != NULL) {
		char *p;
		long n = BIO_get_mem_data(pem, &p);
		if (n > 0)
			OPENSSL_cleanse(p, (size_t)n);
	}
	BIO_free(pem);
	BIO_free(in);
	free_secret(text, len);
	EVP_PKEY_free(key);
	X509_free(leaf);
	return err;
}

static void free_server(rp_http_server *srv)
{
	pthread_mutex_destroy(&srv->log_lock);
	free(srv->tls_cert);
	free(srv->tls_trust);
	free(srv->front_secret);
	free_secret(srv->tls_key, srv->tls_key_len);
	free(srv);
}

rp_http_err rp_http_start(const char *listen, size_t max_body, rp_http_handler handler, void *app,
                          FILE *log, rp_http_server **out, char *bound, size_t bound_size)
{
	return rp_http_start_tls(listen, NULL, max_body, handler, app, log, out, bound, bound_size);
}

/* libmicrohttpd's own messages (a refused handshake, a closed connection) go to the request
 * log, never to the terminal of a program that embeds the server. Those of a start that fails
 * are dropped: rp_http_err says it once, in the caller's words. */
static void mhd_log(void *arg, const char *fmt, va_list ap)
{
	rp_http_server *srv = arg;

	pthread_mutex_lock(&srv->log_lock);
	if (srv->log != NULL && srv->running) {
		fputs("libmicrohttpd: ", srv->log);
		vfprintf(srv->log, fmt, ap);
		fflush(srv->log);
	}
	pthread_mutex_unlock(&srv->log_lock);
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

rp_http_err rp_http_start_tls(const char *listen, const rp_http_tls *tls, size_t max_body,
                              rp_http_handler handler, void *app, FILE *log, rp_http_server **out,
                              char *bound, size_t bound_size)
{
	struct sockaddr_in addr;
	rp_listen_addr where;
	rp_http_server *srv;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem tls_opts[4];
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
	srv->log = log;
	srv->max_body = max_body;
	pthread_mutex_init(&srv->log_lock, NULL);
	if (tls != NULL) {
		rp_http_err err = load_tls(srv, tls);
		if (err != RP_HTTP_OK) {
			free_server(srv);
			return err;
		}
		srv->tls = true;
		flags |= MHD_USE_TLS;
		tls_opts[n_opts++] =
		        (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls_cert};
		tls_opts[n_opts++] =
		        (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key};
		/* libmicrohttpd then asks GnuTLS for GNUTLS_CERT_REQUEST: requested, not required.
		 */
		if (srv->tls_trust != NULL)
			tls_opts[n_opts++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0,
			                                             srv->tls_trust};
	}
	tls_opts[n_opts] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	/*
	 * One internal thread: handlers need no locking against each other. The logger comes
	 * first: libmicrohttpd warns on its own logger about every option read before it.
	 */
	srv->daemon = MHD_start_daemon(
	        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
	        MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
	        MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_CONNECTION_TIMEOUT,
	        (unsigned)30, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
	if (srv->daemon == NULL) {
		free_server(srv);
		return bind_failure(&addr);
	}
	pthread_mutex_lock(&srv->log_lock);
	srv->running = true;
	pthread_mutex_unlock(&srv->log_lock);
	info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (bound != NULL)
		snprintf(bound, bound_size, "%s:%u", where.host,
		         info ? (unsigned)info->port : (unsigned)where.port);
	*out = srv;
	return RP_HTTP_OK;
}

void rp_http_set_clock(rp_http_server *srv, const wa_clock *clock)
{
	if (srv != NULL)
		srv->clock = clock;
}

void rp_http_stop(rp_http_server *srv)
{
	if (srv == NULL)
		return;
	MHD_stop_daemon(srv->daemon);
	free_server(srv);
}
