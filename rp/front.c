/* strncasecmp, memmem */
#define _GNU_SOURCE
#include "rp/front.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/relay.h"
#include "webauthn/b64url.h"

#define MAX_HEAD 16384
#define MAX_BODY (1024 * 1024)
/* A browser's connections at once: far beyond one test's, few enough to hold in threads. */
#define FRONT_MAX_CONNS 256
/* A connection's handshake, request and answer within this, however steadily bytes trickle
 * (the platform's own whole-request deadline). */
#define FRONT_CONN_SECONDS 30

static const char bad_request[] = "HTTP/1.1 400 Bad Request\r\n"
                                  "Content-Type: text/plain; charset=utf-8\r\n"
                                  "Content-Length: 16\r\n"
                                  "Connection: close\r\n\r\n"
                                  "400 Bad Request\n";

/* The relay's TLS contexts (cm_conn_tls). */
enum { FRONT_ACCEPT, FRONT_UPSTREAM };

struct rp_front {
	cm_relay *relay; /* holds the contexts: towards the browser, towards the platform */
	char url[64];
	char backend_host[64];
	char backend_port[16];
	char secret[128];
	rp_front_mode mode;
};

static void say(char *err, size_t size, const char *what)
{
	if (err != NULL && size > 0) {
		unsigned long e = ERR_get_error();
		snprintf(err, size, "%s%s%s", what, e ? ": " : "",
		         e ? ERR_reason_error_string(e) : "");
	}
}

/* TLS 1.2 front: any client-certificate failure is a plain handshake_failure. */
static int verify_tls12(X509_STORE_CTX *ctx, void *arg)
{
	(void)arg;
	if (X509_verify_cert(ctx) == 1)
		return 1;
	X509_STORE_CTX_set_error(ctx, X509_V_ERR_APPLICATION_VERIFICATION);
	return 0;
}

/* The client's certificates, DER concatenated, base64url (owned), "" none. */
static char *chain_text(SSL *ssl)
{
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl); /* server side: without the leaf */
	X509 *leaf = SSL_get0_peer_certificate(ssl);
	unsigned char *der = NULL;
	size_t len = 0;
	char *text;

	for (int i = -1; leaf != NULL && i < (chain ? sk_X509_num(chain) : 0); i++) {
		X509 *x = i < 0 ? leaf : sk_X509_value(chain, i);
		unsigned char *one = NULL, *grown;
		int n = i >= 0 && X509_cmp(x, leaf) == 0 ? 0 : i2d_X509(x, &one);
		if (n < 0 || (grown = realloc(der, len + (size_t)n + 1)) == NULL) {
			OPENSSL_free(one);
			free(der);
			return NULL;
		}
		der = grown;
		if (n > 0)
			memcpy(der + len, one, (size_t)n);
		len += (size_t)n;
		OPENSSL_free(one);
	}
	text = len ? wa_b64url_encode(der, len) : strdup("");
	free(der);
	return text;
}

/* The request's head and body as the client sent them; false when it did not come. */
static bool read_request(SSL *ssl, char **req, size_t *len, size_t *head_len)
{
	size_t cap = MAX_HEAD + 1, n = 0, want = 0;
	char *buf = malloc(cap), *end = NULL;

	if (buf == NULL)
		return false;
	while (end == NULL) {
		int k;
		if (n >= MAX_HEAD || (k = SSL_read(ssl, buf + n, (int)(MAX_HEAD - n))) <= 0)
			goto fail;
		n += (size_t)k;
		buf[n] = '\0';
		end = memmem(buf, n, "\r\n\r\n", 4); /* past a NUL too: head_clean refuses it */
	}
	*head_len = (size_t)(end + 4 - buf);
	for (char *h = strstr(buf, "\r\n"); h != NULL && h < end; h = strstr(h + 2, "\r\n"))
		if (strncasecmp(h + 2, "Content-Length:", 15) == 0)
			want = (size_t)strtoul(h + 17, NULL, 10);
	if (want > MAX_BODY)
		goto fail;
	if (*head_len + want + 1 > cap) {
		char *grown = realloc(buf, *head_len + want + 1);
		if (grown == NULL)
			goto fail;
		buf = grown;
	}
	while (n < *head_len + want) {
		int k = SSL_read(ssl, buf + n, (int)(*head_len + want - n));
		if (k <= 0)
			goto fail;
		n += (size_t)k;
	}
	*req = buf;
	*len = n;
	return true;
fail:
	free(buf);
	return false;
}

/*
 * True when every line of the head ends in CRLF, no CR or LF stands alone, no line is folded
 * (starts with a space or tab) and no byte is NUL: then the platform's parser splits the head
 * into the lines forward_head filters. libmicrohttpd also ends a line at a bare LF, so a front
 * header hidden behind one would pass the filter and reach the platform as the client's.
 */
static bool head_clean(const char *req, size_t head_len)
{
	for (size_t i = 0; i < head_len; i++) {
		char c = req[i];
		bool crlf_lf = c == '\n' && i > 0 && req[i - 1] == '\r';
		bool crlf_cr = c == '\r' && i + 1 < head_len && req[i + 1] == '\n';

		if (c == '\0' || (c == '\n' && !crlf_lf) || (c == '\r' && !crlf_cr))
			return false;
		if (crlf_lf && i + 1 < head_len && (req[i + 1] == ' ' || req[i + 1] == '\t'))
			return false;
	}
	return true;
}

/* The request for the platform: the client's head without its Connection and front headers,
 * the front's headers, Connection: close, then the body. Owned. */
static char *forward_head(const char *req, size_t head_len, const char *secret, const char *chain,
                          size_t *out_len)
{
	size_t cap = head_len + strlen(secret) + strlen(chain) + 256, n = 0;
	char *out = malloc(cap);
	const char *line = req, *end = req + head_len - 2; /* the blank line */
	bool first = true;

	if (out == NULL)
		return NULL;
	while (line < end) {
		const char *eol = strstr(line, "\r\n");
		size_t l = (size_t)(eol - line);
		if (first || (strncasecmp(line, "Connection:", 11) != 0 &&
		              strncasecmp(line, RP_FRONT_SECRET_HEADER ":",
		                          sizeof(RP_FRONT_SECRET_HEADER)) != 0 &&
		              strncasecmp(line, RP_FRONT_CHAIN_HEADER ":",
		                          sizeof(RP_FRONT_CHAIN_HEADER)) != 0)) {
			memcpy(out + n, line, l + 2);
			n += l + 2;
		}
		first = false;
		line = eol + 2;
	}
	n += (size_t)snprintf(out + n, cap - n, "%s: %s\r\n%s: %s\r\nConnection: close\r\n\r\n",
	                      RP_FRONT_SECRET_HEADER, secret, RP_FRONT_CHAIN_HEADER, chain);
	*out_len = n;
	return out;
}

/* Sends the request to the platform on a connection of the front's own, and relays its answer
 * to the client until the platform closes. */
static void forward(rp_front *f, cm_conn *c, SSL *client, const char *req, size_t len,
                    size_t head_len, const char *chain)
{
	size_t hl = 0;
	char *head = forward_head(req, head_len, f->secret, chain, &hl);
	cm_end from = {cm_conn_fd(c), client}, to = {-1, NULL};

	if (head == NULL || (to.fd = cm_conn_connect(c, f->backend_host, f->backend_port)) < 0)
		goto out;
	if ((to.ssl = SSL_new(cm_conn_tls(c, FRONT_UPSTREAM))) == NULL ||
	    !SSL_set_fd(to.ssl, to.fd) || SSL_connect(to.ssl) != 1)
		goto out;
	if (cm_end_write(&to, head, hl) && cm_end_write(&to, req + head_len, len - head_len))
		cm_copy(&from, &to);
out:
	if (to.ssl != NULL) {
		SSL_shutdown(to.ssl);
		SSL_free(to.ssl);
	}
	free(head);
}

/* One browser's connection: the handshake that checks its card, then its one request. */
static void serve(void *arg, cm_conn *c)
{
	rp_front *f = arg;
	SSL *ssl = SSL_new(cm_conn_tls(c, FRONT_ACCEPT));
	char *req = NULL, *chain = NULL;
	size_t len = 0, head_len = 0;

	if (ssl == NULL || !SSL_set_fd(ssl, cm_conn_fd(c)))
		goto out;
	if (SSL_accept(ssl) != 1) {
		cm_conn_linger(c); /* the alert reaches the browser before the socket goes */
		goto out;
	}
	if (!read_request(ssl, &req, &len, &head_len))
		goto done;
	if (!head_clean(req, head_len)) {
		SSL_write(ssl, bad_request, (int)sizeof(bad_request) - 1);
		goto done;
	}
	if ((chain = chain_text(ssl)) != NULL)
		forward(f, c, ssl, req, len, head_len, chain);
done:
	SSL_shutdown(ssl);
out:
	SSL_free(ssl);
	free(req);
	free(chain);
	ERR_clear_error();
}

/* The context the browser's handshake runs in: the platform's certificate, the card CAs it
 * asks for, the CRLs where the generation checked them, one full handshake per login. */
static bool accept_context(const rp_front_opts *o, SSL_CTX *ctx, char *err, size_t err_size)
{
	STACK_OF(X509_NAME) *names = NULL;

	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, o->mode == RP_FRONT_TLS12 ? TLS1_2_VERSION
	                                                                  : TLS1_3_VERSION) ||
	    SSL_CTX_use_certificate_chain_file(ctx, o->cert_file) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, o->key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_load_verify_locations(ctx, o->client_ca_file, NULL) != 1 ||
	    (names = SSL_load_client_CA_file(o->client_ca_file)) == NULL) {
		say(err, err_size, "front TLS settings");
		return false;
	}
	SSL_CTX_set_client_CA_list(ctx, names);
	if (o->crl_file != NULL) {
		X509_STORE *store = SSL_CTX_get_cert_store(ctx);
		X509_LOOKUP *lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file());
		if (lookup == NULL ||
		    X509_load_crl_file(lookup, o->crl_file, X509_FILETYPE_PEM) <= 0 ||
		    !X509_STORE_set_flags(store,
		                          X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL)) {
			say(err, err_size, "front CRLs");
			return false;
		}
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_verify_depth(ctx, 4);
	/* every card login a full handshake (the certificate picker and the PIN each time) */
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"kagura-front", 12);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(ctx, 0);
	if (o->mode == RP_FRONT_TLS12)
		SSL_CTX_set_cert_verify_callback(ctx, verify_tls12, NULL);
	return true;
}

bool rp_front_start(const rp_front_opts *o, rp_front **out, char *err, size_t err_size)
{
	rp_front *f = calloc(1, sizeof(*f));
	SSL_CTX *accept, *upstream;
	char why[128];
	bool ok;
	const char *colon = o && o->backend ? strrchr(o->backend, ':') : NULL;

	*out = NULL;
	if (f == NULL || o == NULL || colon == NULL || o->secret == NULL ||
	    (size_t)(colon - o->backend) >= sizeof(f->backend_host) ||
	    strlen(colon + 1) >= sizeof(f->backend_port) ||
	    strlen(o->secret) >= sizeof(f->secret)) {
		say(err, err_size, "bad front options");
		free(f);
		return false;
	}
	f->mode = o->mode;
	memcpy(f->backend_host, o->backend, (size_t)(colon - o->backend));
	snprintf(f->backend_port, sizeof(f->backend_port), "%s", colon + 1);
	snprintf(f->secret, sizeof(f->secret), "%s", o->secret);
	accept = SSL_CTX_new(TLS_server_method());
	upstream = SSL_CTX_new(TLS_client_method());
	ok = accept != NULL && upstream != NULL && accept_context(o, accept, err, err_size);
	if (ok) {
		/* The platform is on loopback, behind this front only. */
		SSL_CTX_set_verify(upstream, SSL_VERIFY_NONE, NULL);
		ok = cm_relay_start(
		        &(cm_relay_opts){
		                .serve = serve,
		                .arg = f,
		                .max_conns = FRONT_MAX_CONNS,
		                .conn_seconds = FRONT_CONN_SECONDS,
		                .tls = {[FRONT_ACCEPT] = accept, [FRONT_UPSTREAM] = upstream}},
		        &f->relay, why, sizeof(why));
		if (!ok && err != NULL && err_size > 0)
			snprintf(err, err_size, "front: %s", why);
	}
	SSL_CTX_free(accept); /* the relay holds its own references */
	SSL_CTX_free(upstream);
	if (!ok) {
		free(f);
		ERR_clear_error();
		return false;
	}
	snprintf(f->url, sizeof(f->url), "https://127.0.0.1:%u", cm_relay_port(f->relay));
	*out = f;
	return true;
}

const char *rp_front_url(const rp_front *f)
{
	return f ? f->url : NULL;
}

void rp_front_stop(rp_front *f)
{
	if (f == NULL)
		return;
	cm_relay_stop(f->relay);
	free(f);
}
