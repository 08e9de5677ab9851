/*
 * The platform's HTTPS listener with client certificates (rp/http.c over libmicrohttpd's GnuTLS)
 * and the card check behind it: real TLS handshakes on 127.0.0.1, the simulated PC browser
 * (libcurl, authenticator/web/web.c) presenting cards of the test PKI (KAGURA_PKI_DIR), the handler
 * seeing the chain and rp_cardcert_check classifying it; no certificate still reaches the handler;
 * bad TLS files are refused with their own error; kagura-rp serve --tls-cert/--tls-key/--client-ca;
 * a client that stops halfway through its handshake leaves the server idle, not polling.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "authenticator/web/web.h"
#include "rp/cardcert.h"
#include "rp/http.h"

#define T_2025_06_01 ((time_t)1748736000)
#define MAX_BODY     4096

static void pki(const char *rel, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", KAGURA_PKI_DIR, rel);
}

/* The handler: what it saw of the TLS client and what the card check made of it, as JSON. */
static void card_handler(void *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_cardcert_result r;

	rp_cardcert_check(app, req->peer_chain, req->peer_chain_len, T_2025_06_01, &r);
	rp_http_response_json(resp, 200,
	                      json_pack("{s:b, s:I, s:I, s:s, s:s, s:s, s:s, s:b}", "tls", req->tls,
	                                "certs", (json_int_t)req->peer_cert_count, "bytes",
	                                (json_int_t)req->peer_chain_len, "status",
	                                rp_cardcert_errname(r.status), "kind",
	                                rp_cardcert_kind_name(r.kind), "honin_id", r.honin_id,
	                                "role", r.hc_role, "old", r.issuer_old_generation));
}

typedef struct server {
	rp_cardcert_ctx *ctx;
	rp_http_server *srv;
	char url[96];
} server;

static rp_cardcert_ctx *platform_ctx(void)
{
	rp_cardcert_ctx *ctx;
	char path[1024];

	assert_int_equal(rp_cardcert_ctx_new(&ctx), RP_CARDCERT_OK);
	pki("trust/anchors-hpki.pem", path, sizeof(path));
	assert_int_equal(rp_cardcert_ctx_add_anchors(ctx, RP_CARDCERT_HPKI, path), RP_CARDCERT_OK);
	pki("trust/anchors-jpki.pem", path, sizeof(path));
	assert_int_equal(rp_cardcert_ctx_add_anchors(ctx, RP_CARDCERT_JPKI, path), RP_CARDCERT_OK);
	pki("trust/intermediates.pem", path, sizeof(path));
	assert_int_equal(rp_cardcert_ctx_add_intermediates(ctx, path), RP_CARDCERT_OK);
	pki("trust/crls.pem", path, sizeof(path));
	assert_int_equal(rp_cardcert_ctx_add_crls(ctx, path), RP_CARDCERT_OK);
	return ctx;
}

/* HTTPS with the PKI's server certificate; client_ca NULL asks for no client certificate. */
static void start(server *s, const char *client_ca)
{
	char cert[1024], key[1024], ca[1024], bound[64];
	rp_http_tls tls = {cert, key, NULL};

	pki("tls/server.pem", cert, sizeof(cert));
	pki("tls/server.key", key, sizeof(key));
	if (client_ca != NULL) {
		pki(client_ca, ca, sizeof(ca));
		tls.client_ca_file = ca;
	}
	s->ctx = platform_ctx();
	assert_int_equal(rp_http_start_tls("127.0.0.1:0", &tls, MAX_BODY, card_handler, s->ctx,
	                                   NULL, &s->srv, bound, sizeof(bound)),
	                 RP_HTTP_OK);
	snprintf(s->url, sizeof(s->url), "https://%s/card-login", bound);
}

static void stop(server *s)
{
	rp_http_stop(s->srv);
	rp_cardcert_ctx_free(s->ctx);
}

/* A PC browser that trusts the platform's server certificate, holding card NAME (or none). */
static au_web *pc(const char *card, const char *suffix)
{
	au_web *web = au_web_new(NULL);
	char ca[1024], cert[1024], key[1024], rel[256];

	assert_non_null(web);
	pki("tls/server-ca.pem", ca, sizeof(ca));
	assert_int_equal(au_web_set_ca_file(web, ca), AU_WEB_OK);
	if (card != NULL) {
		snprintf(rel, sizeof(rel), "cards/%s%s", card, suffix);
		pki(rel, cert, sizeof(cert));
		snprintf(rel, sizeof(rel), "cards/%s.key", card);
		pki(rel, key, sizeof(key));
		assert_int_equal(au_web_set_client_cert_files(web, cert, key, NULL), AU_WEB_OK);
	}
	return web;
}

/* GET the card endpoint; the handler's JSON (owned). */
static json_t *visit(const server *s, const char *card, const char *suffix, bool *requested)
{
	au_web *web = pc(card, suffix);
	au_web_response r = {0};
	json_t *j;

	if (au_web_get(web, s->url, &r) != AU_WEB_OK)
		fail_msg("%s: %s %s", card ? card : "(no card)", au_web_errname(r.err), r.error);
	assert_int_equal(r.status, 200);
	assert_non_null(j = json_loads(r.body, 0, NULL));
	if (requested != NULL)
		*requested = r.tls_cert_requested;
	au_web_response_reset(&r);
	au_web_free(web);
	return j;
}

static void expect(const json_t *j, int certs, const char *status, const char *kind,
                   const char *honin_id)
{
	assert_true(json_is_true(json_object_get(j, "tls")));
	assert_int_equal(json_integer_value(json_object_get(j, "certs")), certs);
	assert_string_equal(json_string_value(json_object_get(j, "status")), status);
	assert_string_equal(json_string_value(json_object_get(j, "kind")), kind);
	assert_string_equal(json_string_value(json_object_get(j, "honin_id")), honin_id);
}

static void test_cards_over_tls(void **state)
{
	static const struct {
		const char *card, *status, *kind, *id;
	} cases[] = {
	        {"hpki-doctor-valid", "RP_CARDCERT_OK", "hpki", "1000000001"},
	        {"hpki-pharmacist-old-ca", "RP_CARDCERT_OK", "hpki", "2000000002"},
	        {"jpki-valid", "RP_CARDCERT_OK", "jpki", ""},
	        {"hpki-doctor-revoked", "RP_CARDCERT_REVOKED", "hpki", "1000000005"},
	        {"hpki-pharmacist-expired", "RP_CARDCERT_EXPIRED", "hpki", "2000000003"},
	        {"hpki-doctor-not-yet-valid", "RP_CARDCERT_NOT_YET_VALID", "hpki", "1000000004"},
	        {"hpki-doctor-untrusted", "RP_CARDCERT_UNTRUSTED", "hpki", "1000000007"},
	        {"jpki-revoked", "RP_CARDCERT_REVOKED", "jpki", ""},
	};
	server s;
	bool requested = false;
	json_t *j;

	(void)state;
	start(&s, "trust/client-ca.pem");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* what a card holds: leaf and issuing CA; then the leaf alone */
		j = visit(&s, cases[i].card, "-chain.pem", &requested);
		assert_true(requested);
		expect(j, 2, cases[i].status, cases[i].kind, cases[i].id);
		json_decref(j);
		j = visit(&s, cases[i].card, ".pem", NULL);
		expect(j, 1, cases[i].status, cases[i].kind, cases[i].id);
		json_decref(j);
	}
	j = visit(&s, "hpki-pharmacist-old-ca", ".pem", NULL);
	assert_string_equal(json_string_value(json_object_get(j, "role")), "Pharmacist");
	assert_true(json_is_true(json_object_get(j, "old")));
	json_decref(j);

	/* the certificate is requested, not required: without a card the page still answers */
	j = visit(&s, NULL, NULL, &requested);
	assert_true(requested);
	expect(j, 0, "RP_CARDCERT_NO_CERT", "unknown", "");
	assert_int_equal(json_integer_value(json_object_get(j, "bytes")), 0);
	json_decref(j);
	stop(&s);
}

/* The TLS layer hands over whatever chain was sent; the check refuses a chain past its limit. */
static void test_oversized_chain_over_tls(void **state)
{
	server s;
	char path[1024], dir[] = "/tmp/kagura-cardtls-XXXXXX", chain[96], key[1024];
	FILE *out, *in;
	au_web *web = au_web_new(NULL);
	au_web_response r = {0};
	json_t *j;
	int c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(chain, sizeof(chain), "%s/chain.pem", dir);
	assert_non_null(out = fopen(chain, "w"));
	for (int k = 0; k < RP_CARDCERT_MAX_CERTS + 2; k++) {
		pki(k == 0 ? "cards/hpki-doctor-valid.pem" : "ca/jma-g2.pem", path, sizeof(path));
		assert_non_null(in = fopen(path, "r"));
		while ((c = fgetc(in)) != EOF)
			fputc(c, out);
		fclose(in);
	}
	fclose(out);
	start(&s, "trust/client-ca.pem");
	pki("tls/server-ca.pem", path, sizeof(path));
	assert_int_equal(au_web_set_ca_file(web, path), AU_WEB_OK);
	pki("cards/hpki-doctor-valid.key", key, sizeof(key));
	assert_int_equal(au_web_set_client_cert_files(web, chain, key, NULL), AU_WEB_OK);
	assert_int_equal(au_web_get(web, s.url, &r), AU_WEB_OK);
	assert_non_null(j = json_loads(r.body, 0, NULL));
	assert_int_equal(json_integer_value(json_object_get(j, "certs")),
	                 RP_CARDCERT_MAX_CERTS + 2);
	assert_string_equal(json_string_value(json_object_get(j, "status")),
	                    "RP_CARDCERT_TOO_LONG");
	json_decref(j);
	au_web_response_reset(&r);
	au_web_free(web);
	stop(&s);
	unlink(chain);
	rmdir(dir);
}

/*
 * A card whose keyUsage forbids signatures cannot sign the handshake: GnuTLS refuses it (key
 * usage violation) before any page, so the PC sees a TLS failure, like the manual's 3.1 page.
 * The server keeps serving.
 */
static void test_wrong_key_usage_refused_in_handshake(void **state)
{
	server s;
	au_web *web;
	au_web_response r = {0};
	json_t *j;

	(void)state;
	start(&s, "trust/client-ca.pem");
	web = pc("hpki-doctor-wrong-key-usage", "-chain.pem");
	assert_int_not_equal(au_web_get(web, s.url, &r), AU_WEB_OK);
	assert_true(r.tls_cert_requested);
	au_web_response_reset(&r);
	au_web_free(web);
	j = visit(&s, "hpki-doctor-valid", "-chain.pem", NULL);
	expect(j, 2, "RP_CARDCERT_OK", "hpki", "1000000001");
	json_decref(j);
	stop(&s);
}

/* Without a client CA list no certificate is asked for, and none arrives. */
static void test_no_client_ca(void **state)
{
	server s;
	bool requested = true;
	json_t *j;

	(void)state;
	start(&s, NULL);
	j = visit(&s, "hpki-doctor-valid", "-chain.pem", &requested);
	assert_false(requested);
	expect(j, 0, "RP_CARDCERT_NO_CERT", "unknown", "");
	json_decref(j);
	stop(&s);
}

static void plain_handler(void *app, const rp_http_request *req, rp_http_response *resp)
{
	(void)app;
	rp_http_response_text(
	        resp, 200, "text/plain",
	        req->tls || req->peer_chain != NULL || req->peer_cert_count ? "tls" : "plain");
}

/* Each protocol refuses the other, and a plain server says its requests are plain. */
static void test_plain_and_tls_apart(void **state)
{
	server s;
	rp_http_server *plain;
	char bound[64], url[96];
	au_web *web = pc(NULL, NULL);
	au_web_response r = {0};

	(void)state;
	start(&s, "trust/client-ca.pem");
	snprintf(url, sizeof(url), "http://%s", strstr(s.url, "//") + 2);
	assert_int_not_equal(au_web_get(web, url, &r), AU_WEB_OK);
	stop(&s);

	assert_int_equal(rp_http_start("127.0.0.1:0", MAX_BODY, plain_handler, NULL, NULL, &plain,
	                               bound, sizeof(bound)),
	                 RP_HTTP_OK);
	snprintf(url, sizeof(url), "http://%s/", bound);
	assert_int_equal(au_web_get(web, url, &r), AU_WEB_OK);
	assert_string_equal(r.body, "plain");
	snprintf(url, sizeof(url), "https://%s/", bound);
	assert_int_equal(au_web_get(web, url, &r), AU_WEB_ERR_TLS_HANDSHAKE);
	rp_http_stop(plain);
	au_web_response_reset(&r);
	au_web_free(web);
}

/* This process's CPU time (every thread's), in milliseconds. */
static double process_cpu_ms(void)
{
	struct timespec t;

	assert_int_equal(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t), 0);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Sends what the client's TLS engine wrote to its memory BIO down the socket. */
static void flush_to(BIO *out, int fd)
{
	char buf[4096];
	int n;

	while ((n = BIO_read(out, buf, sizeof(buf))) > 0)
		assert_int_equal(write(fd, buf, (size_t)n), n);
}

/* Hands what the socket holds (waiting up to wait_ms for it) to the client's engine. */
static void feed_from(int fd, BIO *in, int wait_ms)
{
	char buf[16384];
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	ssize_t n;

	assert_int_equal(poll(&pfd, 1, wait_ms), 1);
	assert_true((n = read(fd, buf, sizeof(buf))) > 0);
	assert_int_equal(BIO_write(in, buf, (int)n), (int)n);
}

/*
 * A client that sent its ClientHello, got the server's answer and says nothing more: the
 * server waits for its next flight asleep, and the handshake then completes. (libmicrohttpd
 * 0.9.75 on epoll marks such a connection readable for good, since GnuTLS reads the socket
 * itself, and its thread polled it in a loop for as long as the client took: a core.) The
 * client's engine reads and writes memory, so it stops after its ClientHello however fast
 * the server answers.
 */
static void test_stalled_handshake_leaves_server_idle(void **state)
{
	enum { STALL_MS = 400, IDLE_MAX_MS = 100, WAIT_MS = 10000 };
	server s;
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *in, *out;
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct pollfd pfd;
	struct timespec stall = {0, STALL_MS * 1000000L};
	double before, used;
	int fd, rc;
	static const char request[] = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	char answer[64];

	(void)state;
	start(&s, "trust/client-ca.pem");
	to.sin_port = htons((uint16_t)atoi(strrchr(s.url + strlen("https://"), ':') + 1));
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&to, sizeof(to)), 0);
	assert_non_null(ctx = SSL_CTX_new(TLS_client_method()));
	assert_non_null(ssl = SSL_new(ctx));
	assert_non_null(in = BIO_new(BIO_s_mem()));
	assert_non_null(out = BIO_new(BIO_s_mem()));
	SSL_set_bio(ssl, in, out); /* ssl owns both */
	SSL_set_connect_state(ssl);
	/* The ClientHello goes; the handshake then needs the server's flight. */
	assert_int_equal(SSL_do_handshake(ssl), -1);
	assert_int_equal(SSL_get_error(ssl, -1), SSL_ERROR_WANT_READ);
	flush_to(out, fd);
	pfd = (struct pollfd){.fd = fd, .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, WAIT_MS), 1); /* the server has answered: it now waits */

	before = process_cpu_ms();
	while (nanosleep(&stall, &stall) != 0 && errno == EINTR)
		;
	used = process_cpu_ms() - before;
	if (used > IDLE_MAX_MS)
		fail_msg("the server used %.0f ms of CPU in %d ms waiting for a silent client",
		         used, STALL_MS);

	/* It was waiting, not gone: the handshake goes on from where the client left it. */
	while ((rc = SSL_do_handshake(ssl)) != 1) {
		assert_int_equal(SSL_get_error(ssl, rc), SSL_ERROR_WANT_READ);
		flush_to(out, fd);
		feed_from(fd, in, WAIT_MS);
	}
	flush_to(out, fd); /* the client's Finished */
	/* ... and the connection serves a request: under TLS 1.3 the client finishes on the
	 * server's first flight alone, which a server that had dropped the connection sent too. */
	assert_int_equal(SSL_write(ssl, request, (int)strlen(request)), (int)strlen(request));
	flush_to(out, fd);
	while ((rc = SSL_read(ssl, answer, sizeof(answer) - 1)) <= 0) {
		assert_int_equal(SSL_get_error(ssl, rc), SSL_ERROR_WANT_READ);
		flush_to(out, fd);
		feed_from(fd, in, WAIT_MS);
	}
	answer[rc] = '\0';
	assert_true(strncmp(answer, "HTTP/1.1 ", 9) == 0);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	stop(&s);
}

static rp_http_err try_start(const char *cert, const char *key, const char *client_ca)
{
	char c[1024], k[1024], a[1024], bound[64];
	rp_http_tls tls = {NULL, NULL, NULL};
	rp_http_server *srv = NULL;
	rp_http_err err;

	if (cert != NULL) {
		pki(cert, c, sizeof(c));
		tls.cert_file = cert[0] == '/' ? cert : c;
	}
	if (key != NULL) {
		pki(key, k, sizeof(k));
		tls.key_file = key[0] == '/' ? key : k;
	}
	if (client_ca != NULL) {
		pki(client_ca, a, sizeof(a));
		tls.client_ca_file = client_ca[0] == '/' ? client_ca : a;
	}
	err = rp_http_start_tls("127.0.0.1:0", &tls, MAX_BODY, plain_handler, NULL, NULL, &srv,
	                        bound, sizeof(bound));
	assert_true((err == RP_HTTP_OK) == (srv != NULL));
	rp_http_stop(srv);
	return err;
}

/* A key of type (curve and encoding: an EC key's) with a self-signed certificate, in dir: refused
 * for its type, not as unreadable and not at the first handshake. */
static void expect_key_type_refused(const char *dir, const char *type, const char *curve,
                                    const char *encoding)
{
	char cert[1024], key[1024];
	EVP_PKEY *k = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	X509 *x = X509_new();
	FILE *f;

	assert_non_null(ctx);
	assert_non_null(x);
	if (curve != NULL) {
		assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
		assert_int_equal(EVP_PKEY_CTX_set_group_name(ctx, curve), 1);
		if (encoding != NULL) {
			OSSL_PARAM p[] = {OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING,
			                                         (char *)encoding, 0),
			                  OSSL_PARAM_END};
			assert_int_equal(EVP_PKEY_CTX_set_params(ctx, p), 1);
		}
		assert_int_equal(EVP_PKEY_keygen(ctx, &k), 1);
	} else {
		EVP_PKEY *params = NULL;
		EVP_PKEY_CTX *kctx;
		assert_int_equal(EVP_PKEY_paramgen_init(ctx), 1);
		assert_int_equal(EVP_PKEY_CTX_set_dsa_paramgen_bits(ctx, 2048), 1);
		assert_int_equal(EVP_PKEY_paramgen(ctx, &params), 1);
		assert_non_null(kctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL));
		assert_int_equal(EVP_PKEY_keygen_init(kctx), 1);
		assert_int_equal(EVP_PKEY_keygen(kctx, &k), 1);
		EVP_PKEY_CTX_free(kctx);
		EVP_PKEY_free(params);
	}
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	                           (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, k);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	snprintf(cert, sizeof(cert), "%s/%s.pem", dir, type);
	snprintf(key, sizeof(key), "%s/%s.key", dir, type);
	assert_non_null(f = fopen(cert, "w"));
	assert_int_equal(PEM_write_X509(f, x), 1);
	fclose(f);
	assert_non_null(f = fopen(key, "w"));
	assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	assert_int_equal(try_start(cert, key, NULL), RP_HTTP_TLS_KEY_TYPE);
	unlink(cert);
	unlink(key);
	X509_free(x);
	EVP_PKEY_free(k);
	EVP_PKEY_CTX_free(ctx);
}

static void test_bad_tls_files(void **state)
{
	char dir[] = "/tmp/kagura-cardtls-XXXXXX", enc[96];
	EVP_PKEY *k;
	FILE *f, *in;
	char path[1024];

	(void)state;
	assert_int_equal(try_start("tls/server.pem", "tls/server.key", "trust/client-ca.pem"),
	                 RP_HTTP_OK);
	assert_int_equal(try_start("tls/server.pem", "tls/server.key", NULL), RP_HTTP_OK);
	assert_int_equal(try_start("tls/missing.pem", "tls/server.key", NULL), RP_HTTP_TLS_CERT);
	assert_int_equal(try_start("tls/server.key", "tls/server.key", NULL), RP_HTTP_TLS_CERT);
	assert_int_equal(try_start(NULL, "tls/server.key", NULL), RP_HTTP_TLS_CERT);
	assert_int_equal(try_start("tls/server.pem", "tls/missing.key", NULL), RP_HTTP_TLS_KEY);
	assert_int_equal(try_start("tls/server.pem", "tls/server.pem", NULL), RP_HTTP_TLS_KEY);
	assert_int_equal(try_start("tls/server.pem", NULL, NULL), RP_HTTP_TLS_KEY);
	assert_int_equal(try_start("tls/server.pem", "cards/jpki-valid.key", NULL),
	                 RP_HTTP_TLS_KEY_MISMATCH);
	assert_int_equal(try_start("tls/server.pem", "tls/server.key", "tls/server.key"),
	                 RP_HTTP_TLS_CLIENT_CA);
	assert_int_equal(try_start("tls/server.pem", "tls/server.key", "trust/missing.pem"),
	                 RP_HTTP_TLS_CLIENT_CA);
	/* an encrypted key: never prompted for, refused */
	assert_non_null(mkdtemp(dir));
	snprintf(enc, sizeof(enc), "%s/enc.key", dir);
	pki("tls/server.key", path, sizeof(path));
	assert_non_null(in = fopen(path, "r"));
	assert_non_null(k = PEM_read_PrivateKey(in, NULL, NULL, NULL));
	fclose(in);
	assert_non_null(f = fopen(enc, "w"));
	assert_int_equal(
	        PEM_write_PKCS8PrivateKey(f, k, EVP_aes_128_cbc(), NULL, 0, NULL, (void *)"secret"),
	        1);
	fclose(f);
	EVP_PKEY_free(k);
	assert_int_equal(try_start("tls/server.pem", enc, NULL), RP_HTTP_TLS_KEY);
	unlink(enc);
	/* a key GnuTLS signs no handshake with, its own certificate beside it */
	expect_key_type_refused(dir, "EC", "secp256k1", NULL);
	expect_key_type_refused(dir, "EC", "prime256v1", OSSL_PKEY_EC_ENCODING_EXPLICIT);
	expect_key_type_refused(dir, "DSA", NULL, NULL);
	rmdir(dir);
	/* every error has its own text */
	for (int i = 0; i < RP_HTTP__COUNT; i++) {
		assert_true(strlen(rp_http_strerr((rp_http_err)i)) > 5);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(rp_http_strerr((rp_http_err)i),
			                        rp_http_strerr((rp_http_err)j));
	}
	assert_string_equal(rp_http_strerr((rp_http_err)99), "unknown HTTP layer error");
}

/* ---- kagura-rp serve as a process ---- */

typedef struct proc {
	pid_t pid;
	int out, err;
} proc;

static proc spawn(const char *const argv[])
{
	int o[2], e[2];
	proc p;

	assert_int_equal(pipe(o), 0);
	assert_int_equal(pipe(e), 0);
	p.pid = fork();
	assert_true(p.pid >= 0);
	if (p.pid == 0) {
		dup2(o[1], 1);
		dup2(e[1], 2);
		close(o[0]);
		close(e[0]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
	p.out = o[0];
	p.err = e[0];
	return p;
}

/* Reads fd until EOF or a newline is in buf (10 s at most). */
static void read_some(int fd, char *buf, size_t size, bool line)
{
	size_t n = 0;

	buf[0] = '\0';
	while (n + 1 < size) {
		struct pollfd pfd = {fd, POLLIN, 0};
		ssize_t got;
		if (poll(&pfd, 1, 10000) <= 0)
			break;
		if ((got = read(fd, buf + n, size - 1 - n)) <= 0)
			break;
		n += (size_t)got;
		buf[n] = '\0';
		if (line && strchr(buf, '\n') != NULL)
			break;
	}
}

static int wait_exit(proc *p)
{
	int status = 0;

	assert_int_equal(waitpid(p->pid, &status, 0), p->pid);
	close(p->out);
	close(p->err);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_serve_options(void **state)
{
	char cert[1024], key[1024], ca[1024], card_key[1024], out[512], err[2048], url[128];
	const char *const good[] = {KAGURA_RP_BIN, "serve", "--listen",  "127.0.0.1:0",
	                            "--tls-cert",  cert,    "--tls-key", key,
	                            "--client-ca", ca,      NULL};
	const char *const mismatch[] = {KAGURA_RP_BIN, "serve",      "--listen",
	                                "127.0.0.1:0", "--tls-cert", cert,
	                                "--tls-key",   card_key,     NULL};
	const char *const half[] = {KAGURA_RP_BIN, "serve", "--tls-cert", cert, NULL};
	const char *const ca_alone[] = {KAGURA_RP_BIN, "serve", "--client-ca", ca, NULL};
	const char *const no_cert[] = {KAGURA_RP_BIN, "serve",      "--listen",
	                               "127.0.0.1:0", "--tls-cert", "/nonexistent.pem",
	                               "--tls-key",   key,          NULL};
	au_web *web;
	au_web_response r = {0};
	proc p;
	char *at;

	(void)state;
	pki("tls/server.pem", cert, sizeof(cert));
	pki("tls/server.key", key, sizeof(key));
	pki("trust/client-ca.pem", ca, sizeof(ca));
	pki("cards/hpki-doctor-valid.key", card_key, sizeof(card_key));

	p = spawn(good);
	read_some(p.out, out, sizeof(out), true);
	assert_non_null(at = strstr(out, "serving https://127.0.0.1:"));
	snprintf(url, sizeof(url), "https://%.*s/login", (int)strcspn(at + 16, " "), at + 16);
	web = pc("hpki-doctor-valid", "-chain.pem");
	assert_int_equal(au_web_get(web, url, &r), AU_WEB_OK);
	assert_true(r.tls_cert_requested);
	au_web_response_reset(&r);
	au_web_free(web);
	kill(p.pid, SIGTERM);
	assert_int_equal(wait_exit(&p), 0);

	p = spawn(mismatch);
	read_some(p.err, err, sizeof(err), false);
	assert_int_equal(wait_exit(&p), 2);
	assert_non_null(strstr(err, "--tls-key"));
	assert_non_null(strstr(err, rp_http_strerr(RP_HTTP_TLS_KEY_MISMATCH)));

	p = spawn(no_cert);
	read_some(p.err, err, sizeof(err), false);
	assert_int_equal(wait_exit(&p), 2);
	assert_non_null(strstr(err, "--tls-cert /nonexistent.pem"));

	p = spawn(half);
	read_some(p.err, err, sizeof(err), false);
	assert_int_equal(wait_exit(&p), 2);
	assert_non_null(strstr(err, "--tls-cert and --tls-key go together"));
	p = spawn(ca_alone);
	read_some(p.err, err, sizeof(err), false);
	assert_int_equal(wait_exit(&p), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_cards_over_tls),
	        cmocka_unit_test(test_oversized_chain_over_tls),
	        cmocka_unit_test(test_wrong_key_usage_refused_in_handshake),
	        cmocka_unit_test(test_no_client_ca),
	        cmocka_unit_test(test_plain_and_tls_apart),
	        cmocka_unit_test(test_stalled_handshake_leaves_server_idle),
	        cmocka_unit_test(test_bad_tls_files),
	        cmocka_unit_test(test_serve_options),
	};
	int rc;

	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
