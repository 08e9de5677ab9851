#include "rp/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

struct rp_http_server {
	struct MHD_Daemon *daemon;
	rp_http_handler handler;
	void *app;
	FILE *log;
	size_t max_body;
	pthread_mutex_t log_lock; /* requests may be logged from several connections */
};

/* Per-request state while the body arrives. */
typedef struct pending {
	wa_blob body;
	bool too_large;
	struct timespec start;
} pending;

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
	} else {
		rp_http_request req = {
		        .method = method,
		        .path = url,
		        .remote = remote,
		        .body = p->body.ptr ? p->body.ptr : (const uint8_t *)"",
		        .body_len = p->body.len,
		        .conn = conn,
		};
		/* Handlers read the body as text: keep a terminator past its end. */
		if (p->body.ptr != NULL && wa_blob_append(&p->body, "", 1) == WA_OK)
			p->body.len--;
		req.body = p->body.ptr ? p->body.ptr : (const uint8_t *)"";
		srv->handler(srv->app, &req, &resp);
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
		free(p);
		*con_cls = NULL;
	}
}

rp_http_err rp_http_start(const char *listen, size_t max_body, rp_http_handler handler, void *app,
                          FILE *log, rp_http_server **out, char *bound, size_t bound_size)
{
	struct sockaddr_in addr;
	char host[64];
	const char *colon = strrchr(listen, ':');
	char *end;
	long port;
	rp_http_server *srv;
	const union MHD_DaemonInfo *info;

	*out = NULL;
	if (colon == NULL || (size_t)(colon - listen) >= sizeof(host))
		return RP_HTTP_ADDRESS;
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	port = strtol(colon + 1, &end, 10);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	if (*end != '\0' || colon[1] == '\0' || port < 0 || port > 65535 ||
	    inet_pton(AF_INET, host, &addr.sin_addr) != 1)
		return RP_HTTP_ADDRESS;
	addr.sin_port = htons((uint16_t)port);
	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return RP_HTTP_NOMEM;
	srv->handler = handler;
	srv->app = app;
	srv->log = log;
	srv->max_body = max_body;
	pthread_mutex_init(&srv->log_lock, NULL);
	/* One internal thread: handlers need no locking against each other. */
	srv->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL,
	                               NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, &addr,
	                               MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
	                               MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
	if (srv->daemon == NULL) {
		pthread_mutex_destroy(&srv->log_lock);
		free(srv);
		return RP_HTTP_START;
	}
	info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (bound != NULL)
		snprintf(bound, bound_size, "%s:%u", host,
		         info ? (unsigned)info->port : (unsigned)port);
	*out = srv;
	return RP_HTTP_OK;
}

void rp_http_stop(rp_http_server *srv)
{
	if (srv == NULL)
		return;
	MHD_stop_daemon(srv->daemon);
	pthread_mutex_destroy(&srv->log_lock);
	free(srv);
}
