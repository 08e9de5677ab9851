#undef _POSIX_C_SOURCE
#define _GNU_SOURCE /* memrchr */
#include "authenticator/pc/proxy.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/relay.h"

#define PROXY_MAX_CONN 32
#define PROXY_HEAD_MAX 8192

/* The relay's TLS context (cm_conn_tls). */
enum { PROXY_ACCEPT };

struct au_proxy {
	au_proxy_mode mode;
	char expected_auth[512]; /* "Basic base64(user:password)" */
	char *upstream_ca;
	char url[64];
	cm_relay *relay; /* INSPECT: holds the context towards the browser (PROXY_ACCEPT) */
	atomic_uint auth_refused, tunnels, upstream_failed;
};

static const char page_407[] = "<!DOCTYPE html>\n<html><head><title>Unauthorized</title></head>"
                               "<body><h1>Unauthorized</h1></body></html>\n";

/* A short answer on the plain socket. */
static bool send_all(int fd, const char *b, size_t n)
{
	cm_end plain = {fd, NULL};

	return cm_end_write(&plain, b, n);
}

/* Reads the request head (to the blank line) into buf; its length, 0 on failure. */
static size_t read_head(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	while (n + 1 < cap) {
		ssize_t k =
		        recv(fd, buf + n, 1, 0); /* byte by byte: nothing past the head is eaten */
		if (k <= 0)
			return 0;
		n++;
		buf[n] = '\0';
		if (n >= 4 && memcmp(buf + n - 4, "\r\n\r\n", 4) == 0)
			return n;
	}
	return 0;
}

/* The value of header name in head, into out; false when absent. */
static bool header(const char *head, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);
	const char *line = strstr(head, "\r\n");
	while (line != NULL && line[2] != '\r') {
		line += 2;
		if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			const char *v = line + nl + 1, *e = strstr(v, "\r\n");
			while (*v == ' ' || *v == '\t')
				v++;
			if (e == NULL || (size_t)(e - v) >= n)
				return false;
			memcpy(out, v, (size_t)(e - v));
			out[e - v] = '\0';
			return true;
		}
		line = strstr(line, "\r\n");
	}
	return false;
}

/* The proxy's own TLS towards the server: no client certificate to give. */
static SSL *upstream_tls(au_proxy *p, int fd, const char *host)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = NULL;

	if (ctx == NULL)
		return NULL;
	if (p->upstream_ca != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, p->upstream_ca, NULL) != 1)
			goto out;
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	}
	ssl = SSL_new(ctx);
	if (ssl == NULL)
		goto out;
	SSL_set_fd(ssl, fd);
	SSL_set_tlsext_host_name(ssl, host);
	if (SSL_connect(ssl) != 1) {
		SSL_free(ssl);
		ssl = NULL;
	}
out:
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return ssl;
}

/* The fatal alert an upstream handshake received (the SSL's app data: an int). */
static void alert_seen(const SSL *ssl, int where, int ret)
{
	int *alert = SSL_get_app_data(ssl);

	if ((where & SSL_CB_READ_ALERT) && alert != NULL && (ret >> 8) == SSL3_AL_FATAL)
		*alert = ret & 0xff;
}

/*
 * INSPECT_FIRST: the proxy's own TLS to the server before the browser's; *alert gets the
 * server's refusal (under TLS 1.3 it follows the handshake: the proxy waits for it briefly).
 */
static SSL *upstream_first(au_proxy *p, int fd, const char *host, int *alert)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;
	char byte;

	*alert = 0;
	SSL_CTX_free(ctx); /* the SSL keeps its reference */
	if (ssl == NULL)
		return NULL;
	(void)p;
	SSL_set_app_data(ssl, alert);
	SSL_set_info_callback(ssl, alert_seen);
	SSL_set_fd(ssl, fd);
	SSL_set_tlsext_host_name(ssl, host);
	if (SSL_connect(ssl) == 1) {
		cm_socket_timeouts(fd, 1);
		(void)SSL_peek(ssl, &byte, 1); /* a refusal, or nothing: the server waits */
		cm_socket_timeouts(fd, 5);
		ERR_clear_error();
		if (*alert == 0)
			return ssl;
	}
	if (*alert == 0)
		*alert = SSL_AD_HANDSHAKE_FAILURE;
	SSL_free(ssl);
	ERR_clear_error();
	return NULL;
}

/*
 * INSPECT_FIRST refusing the browser's handshake the way the server refused the proxy's: it
 * asks the browser for a certificate too, and cannot accept any (it trusts no card CA, and
 * could not pass a card's certificate on). After a TLS 1.2 handshake_failure, over TLS 1.2
 * with handshake_failure again; otherwise over TLS 1.3: certificate_required without one,
 * unknown_ca with one.
 */
static int refuse_tls12(int ok, X509_STORE_CTX *ctx)
{
	(void)ok;
	X509_STORE_CTX_set_error(ctx, X509_V_ERR_APPLICATION_VERIFICATION);
	return 0;
}

static void refuse_like(SSL *ssl, int alert)
{
	if (alert == SSL_AD_HANDSHAKE_FAILURE) {
		SSL_set_max_proto_version(ssl, TLS1_2_VERSION);
		SSL_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
		               refuse_tls12);
	} else {
		SSL_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
}

/* One browser connection: its CONNECT, then the tunnel (or the inspecting proxy's two TLS). */
static void handle(void *arg, cm_conn *c)
{
	au_proxy *p = arg;
	int cfd = cm_conn_fd(c);
	char head[PROXY_HEAD_MAX], host[256], port[16], auth[512];
	const char *sp;
	int ufd;
	cm_end a = {cfd, NULL}, b = {-1, NULL};

	if (read_head(cfd, head, sizeof(head)) == 0)
		return;
	if (strncmp(head, "CONNECT ", 8) != 0) {
		static const char r501[] = "HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\n"
		                           "Connection: close\r\n\r\n";
		send_all(cfd, r501, sizeof(r501) - 1);
		return;
	}
	sp = head + 8;
	{
		const char *colon, *end_ = strchr(sp, ' ');
		if (end_ == NULL || (colon = memrchr(sp, ':', (size_t)(end_ - sp))) == NULL ||
		    (size_t)(colon - sp) >= sizeof(host) ||
		    (size_t)(end_ - colon - 1) >= sizeof(port))
			return;
		memcpy(host, sp, (size_t)(colon - sp));
		host[colon - sp] = '\0';
		memcpy(port, colon + 1, (size_t)(end_ - colon - 1));
		port[end_ - colon - 1] = '\0';
		if (host[0] == '[' && host[strlen(host) - 1] == ']') {
			memmove(host, host + 1, strlen(host));
			host[strlen(host) - 1] = '\0';
		}
	}
	if (p->mode == AU_PROXY_AUTH && (!header(head, "Proxy-Authorization", auth, sizeof(auth)) ||
	                                 strcmp(auth, p->expected_auth) != 0)) {
		char r[512];
		int n = snprintf(r, sizeof(r),
		                 "HTTP/1.1 407 Proxy Authentication Required\r\n"
		                 "Proxy-Authenticate: Basic realm=\"kagura proxy\"\r\n"
		                 "Content-Type: text/html; charset=utf-8\r\nContent-Length: %zu\r\n"
		                 "Connection: close\r\n\r\n",
		                 sizeof(page_407) - 1);
		atomic_fetch_add(&p->auth_refused, 1);
		if (send_all(cfd, r, (size_t)n))
			send_all(cfd, page_407, sizeof(page_407) - 1);
		return;
	}
	ufd = cm_conn_connect(c, host, port);
	if (ufd < 0) {
		static const char r502[] = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n"
		                           "Connection: close\r\n\r\n";
		send_all(cfd, r502, sizeof(r502) - 1);
		return;
	}
	b.fd = ufd;
	{
		static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
		/* counted before the client can see the 200, taken back when it could not */
		atomic_fetch_add(&p->tunnels, 1);
		if (!send_all(cfd, ok, sizeof(ok) - 1)) {
			atomic_fetch_sub(&p->tunnels, 1);
			goto done;
		}
	}
	if (p->mode == AU_PROXY_INSPECT_FIRST) {
		int alert = 0;
		b.ssl = upstream_first(p, ufd, host, &alert);
		/* counted before the browser's handshake, whose alert shows it to the client */
		if (b.ssl == NULL)
			atomic_fetch_add(&p->upstream_failed, 1);
		if ((a.ssl = SSL_new(cm_conn_tls(c, PROXY_ACCEPT))) == NULL)
			goto done;
		if (alert != 0)
			refuse_like(a.ssl, alert);
		SSL_set_fd(a.ssl, cfd);
		if (SSL_accept(a.ssl) != 1 || b.ssl == NULL) {
			cm_conn_linger(c); /* the alert reaches the browser first */
			SSL_free(a.ssl);
			a.ssl = NULL;
			goto done;
		}
	}
	if (p->mode == AU_PROXY_INSPECT) {
		a.ssl = SSL_new(cm_conn_tls(c, PROXY_ACCEPT));
		if (a.ssl == NULL)
			goto done;
		SSL_set_fd(a.ssl, cfd);
		if (SSL_accept(a.ssl) != 1)
			goto done;
		b.ssl = upstream_tls(p, ufd, host);
		if (b.ssl == NULL) {
			atomic_fetch_add(&p->upstream_failed, 1);
			goto done;
		}
	}
	/* Under TLS 1.3 the server's refusal is the first record the proxy reads: nothing comes. */
	if (cm_copy(&a, &b) == 0 && p->mode != AU_PROXY_TUNNEL && p->mode != AU_PROXY_AUTH)
		atomic_fetch_add(&p->upstream_failed, 1);
done:
	if (a.ssl != NULL) {
		SSL_shutdown(a.ssl);
		SSL_free(a.ssl);
	}
	if (b.ssl != NULL)
		SSL_free(b.ssl);
	ERR_clear_error();
}

static void seterr(char *err, size_t n, const char *msg)
{
	if (err != NULL && n > 0)
		snprintf(err, n, "%s", msg);
}

bool au_proxy_start(const au_proxy_opts *opts, au_proxy **out, char *err, size_t err_size)
{
	au_proxy *p;
	SSL_CTX *accept = NULL; /* INSPECT: towards the browser */
	char why[128];

	if (out == NULL || opts == NULL) {
		seterr(err, err_size, "bad argument");
		return false;
	}
	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		seterr(err, err_size, "out of memory");
		return false;
	}
	p->mode = opts->mode;
	if (opts->mode == AU_PROXY_AUTH) {
		char plain[300];
		unsigned char enc[420];
		int n;
		if (opts->user == NULL || opts->password == NULL ||
		    (n = snprintf(plain, sizeof(plain), "%s:%s", opts->user, opts->password)) < 0 ||
		    (size_t)n >= sizeof(plain)) {
			seterr(err, err_size, "AUTH needs user and password (under 300 bytes)");
			goto fail;
		}
		EVP_EncodeBlock(enc, (const unsigned char *)plain, n);
		snprintf(p->expected_auth, sizeof(p->expected_auth), "Basic %s", enc);
	} else if (opts->mode == AU_PROXY_INSPECT || opts->mode == AU_PROXY_INSPECT_FIRST) {
		accept = SSL_CTX_new(TLS_server_method());
		if (accept == NULL || opts->cert_file == NULL || opts->key_file == NULL ||
		    SSL_CTX_use_certificate_chain_file(accept, opts->cert_file) != 1 ||
		    SSL_CTX_use_PrivateKey_file(accept, opts->key_file, SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(accept) != 1) {
			seterr(err, err_size, "INSPECT: certificate or key unusable");
			goto fail;
		}
		if (opts->upstream_ca_file != NULL &&
		    (p->upstream_ca = strdup(opts->upstream_ca_file)) == NULL) {
			seterr(err, err_size, "out of memory");
			goto fail;
		}
	} else if (opts->mode != AU_PROXY_TUNNEL) {
		seterr(err, err_size, "unknown mode");
		goto fail;
	}
	if (!cm_relay_start(&(cm_relay_opts){.serve = handle,
	                                     .arg = p,
	                                     .max_conns = PROXY_MAX_CONN,
	                                     .tls = {[PROXY_ACCEPT] = accept}},
	                    &p->relay, why, sizeof(why))) {
		seterr(err, err_size, why);
		goto fail;
	}
	SSL_CTX_free(accept); /* the relay holds its own reference */
	snprintf(p->url, sizeof(p->url), "http://127.0.0.1:%u", cm_relay_port(p->relay));
	*out = p;
	return true;
fail:
	SSL_CTX_free(accept);
	free(p->upstream_ca);
	free(p);
	ERR_clear_error();
	return false;
}

const char *au_proxy_url(const au_proxy *p)
{
	return p ? p->url : "";
}

au_proxy_stats au_proxy_get_stats(au_proxy *p)
{
	au_proxy_stats s = {0};
	if (p != NULL) {
		s.connections = cm_relay_accepted(p->relay);
		s.auth_refused = atomic_load(&p->auth_refused);
		s.tunnels = atomic_load(&p->tunnels);
		s.upstream_failed = atomic_load(&p->upstream_failed);
	}
	return s;
}

void au_proxy_wait_idle(au_proxy *p)
{
	if (p != NULL)
		cm_relay_wait_idle(p->relay);
}

void au_proxy_stop(au_proxy *p)
{
	if (p == NULL)
		return;
	cm_relay_stop(p->relay);
	free(p->upstream_ca);
	free(p);
}
