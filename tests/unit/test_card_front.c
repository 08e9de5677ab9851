/*
 * The embedded platform's card-login front servers (rp/front.h) over real TLS on loopback:
 * the alerts each flavour sends for no certificate, an expired one and (manual 1.04) a revoked
 * one; a valid card goes through to the platform; the certificate header the front adds is
 * ignored without the front's secret (a client cannot claim a card it does not hold), and one
 * hidden behind a bare LF, which the platform's parser would read as a line of its own, is
 * refused by the front; the server-first inspecting proxy refuses the browser like the front
 * refused it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "authenticator/pc/pcbrowser.h"
#include "authenticator/pc/proxy.h"
#include "authenticator/web/web.h"
#include "rp/platform.h"
#include "webauthn/b64url.h"

#define PKI KAGURA_PKI_DIR

typedef struct fixture {
	rp_platform *rp;
} fixture;

/* The test's initial state: the manual of its platform. */
static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	rp_platform_options opt = {.manual = *state,
	                           .test_control = true,
	                           .card_pki = PKI,
	                           .https = true,
	                           .card_fronts = true};
	char why[256];

	if (f == NULL || (f->rp = rp_platform_start(&opt, why, sizeof(why))) == NULL) {
		fprintf(stderr, "platform: %s\n", why);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	rp_platform_stop(f->rp);
	free(f);
	return 0;
}

/* The platform knows the user of 本人ID name. */
static void user(const fixture *f, const char *name)
{
	au_web *w = au_web_new(NULL);
	au_web_response r = {0};
	char url[256];
	json_t *body = json_pack("{s:s}", "name", name);

	assert_non_null(w);
	assert_int_equal(au_web_set_ca_file(w, rp_platform_tls_ca(f->rp)), AU_WEB_OK);
	snprintf(url, sizeof(url), "%s/test-control/users", rp_platform_base(f->rp));
	assert_int_equal(au_web_post_json(w, url, body, &r), AU_WEB_OK);
	assert_int_equal(r.status, 200);
	json_decref(body);
	au_web_response_reset(&r);
	au_web_free(w);
}

/* GET /card-login/hpki on base with card (NULL none); the response in r. */
static au_web_err login(const fixture *f, const char *base, const char *card, const char *proxy,
                        au_web_response *r)
{
	au_web *w = au_web_new(NULL);
	char url[256], cert[512], key[512];
	au_web_err e;

	assert_non_null(w);
	assert_int_equal(au_web_set_ca_file(w, rp_platform_tls_ca(f->rp)), AU_WEB_OK);
	if (card != NULL) {
		snprintf(cert, sizeof(cert), "%s/cards/%s-chain.pem", PKI, card);
		snprintf(key, sizeof(key), "%s/cards/%s.key", PKI, card);
		assert_int_equal(au_web_set_client_cert_files(w, cert, key, NULL), AU_WEB_OK);
	}
	if (proxy != NULL)
		assert_int_equal(au_web_set_proxy(w, proxy, NULL, NULL), AU_WEB_OK);
	snprintf(url, sizeof(url), "%s/card-login/hpki", base);
	e = au_web_get(w, url, r);
	au_web_free(w);
	return e;
}

static void expect_alert(const fixture *f, rp_front_mode m, const char *card, int alert,
                         au_pcb_class cls)
{
	au_web_response r = {0};

	assert_int_not_equal(login(f, rp_platform_front(f->rp, m), card, NULL, &r), AU_WEB_OK);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.tls_alert_received, alert);
	assert_int_equal(au_pcb_classify(&r), cls);
	au_web_response_reset(&r);
}

static void expect_through(const fixture *f, const char *base, const char *card)
{
	au_web_response r = {0};

	assert_int_equal(login(f, base, card, NULL, &r), AU_WEB_OK);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.url, "/device-registration"));
	au_web_response_reset(&r);
}

static void test_front_alerts(void **state)
{
	fixture *f = *state;

	user(f, "1000000001");
	user(f, "1000000003");
	assert_non_null(rp_platform_front(f->rp, RP_FRONT_TLS12));
	assert_non_null(rp_platform_front(f->rp, RP_FRONT_TLS13));
	/* TLS 1.2: handshake_failure for every refusal; Chromium tells the missing certificate
	 * (ERR_BAD_SSL_CLIENT_AUTH_CERT) from a refused one (ERR_SSL_PROTOCOL_ERROR) */
	expect_alert(f, RP_FRONT_TLS12, NULL, 40, AU_PCB_CLIENT_CERT_REJECTED);
	expect_alert(f, RP_FRONT_TLS12, "hpki-doctor-expired", 40, AU_PCB_TLS_PROTOCOL);
	expect_alert(f, RP_FRONT_TLS12, "hpki-doctor-untrusted", 40, AU_PCB_TLS_PROTOCOL);
	/* TLS 1.3: the certificate alerts (3.21) */
	expect_alert(f, RP_FRONT_TLS13, NULL, 116, AU_PCB_CLIENT_CERT_REJECTED);
	expect_alert(f, RP_FRONT_TLS13, "hpki-doctor-expired", 45, AU_PCB_CLIENT_CERT_REJECTED);
	expect_alert(f, RP_FRONT_TLS13, "hpki-doctor-untrusted", 48, AU_PCB_CLIENT_CERT_REJECTED);
	/* a valid card goes through either front, and directly */
	expect_through(f, rp_platform_front(f->rp, RP_FRONT_TLS12), "hpki-doctor-valid");
	expect_through(f, rp_platform_front(f->rp, RP_FRONT_TLS13), "hpki-doctor-valid");
	expect_through(f, rp_platform_base(f->rp), "hpki-doctor-valid");
}

/* The 2.16 fronts leave revocation to the platform (3.18); 1.04's refuse it in the handshake. */
static void test_front_revocation(void **state)
{
	fixture *f = *state;
	au_web_response r = {0};

	user(f, "1000000005");
	assert_int_equal(
	        login(f, rp_platform_front(f->rp, RP_FRONT_TLS13), "hpki-doctor-revoked", NULL, &r),
	        AU_WEB_OK);
	assert_int_equal(r.status, 403);
	au_web_response_reset(&r);
}

static void test_front_revocation_104(void **state)
{
	fixture *f = *state;

	user(f, "1000000005");
	user(f, "1000000001");
	expect_alert(f, RP_FRONT_TLS12, "hpki-doctor-revoked", 40, AU_PCB_TLS_PROTOCOL);
	expect_alert(f, RP_FRONT_TLS13, "hpki-doctor-revoked", 44, AU_PCB_CLIENT_CERT_REJECTED);
	expect_through(f, rp_platform_front(f->rp, RP_FRONT_TLS12), "hpki-doctor-valid");
}

static size_t sink(char *d, size_t s, size_t n, void *u)
{
	(void)d;
	(void)u;
	return s * n;
}

/* A client sending the front's certificate header itself, without the secret: no card. */
static void test_forged_header_ignored(void **state)
{
	fixture *f = *state;
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char url[256];
	CURLcode rc;

	user(f, "1000000001");
	assert_non_null(c);
	snprintf(url, sizeof(url), "%s/card-login/hpki", rp_platform_base(f->rp));
	h = curl_slist_append(h, RP_FRONT_SECRET_HEADER ": guessed");
	h = curl_slist_append(h, RP_FRONT_CHAIN_HEADER ": MIIB");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, rp_platform_tls_ca(f->rp));
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	rc = curl_easy_perform(c);
	/* the platform sees no certificate: it closes the connection unanswered */
	assert_int_equal(rc, CURLE_GOT_NOTHING);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

/* Another card holder's certificates, DER concatenated, base64url (owned). */
static char *chain_of(const char *card)
{
	char path[512];
	FILE *in;
	X509 *x;
	unsigned char *der = NULL;
	size_t len = 0;
	char *text;

	snprintf(path, sizeof(path), "%s/cards/%s-chain.pem", PKI, card);
	assert_non_null(in = fopen(path, "r"));
	while ((x = PEM_read_X509(in, NULL, NULL, NULL)) != NULL) {
		unsigned char *one = NULL;
		int n = i2d_X509(x, &one);
		assert_true(n > 0);
		assert_non_null(der = realloc(der, len + (size_t)n));
		memcpy(der + len, one, (size_t)n);
		len += (size_t)n;
		OPENSSL_free(one);
		X509_free(x);
	}
	fclose(in);
	assert_non_null(text = wa_b64url_encode(der, len));
	free(der);
	return text;
}

/* The status line's code of request (len bytes) sent raw over TLS to the front of m, with card's
 * certificate and key; 0 when nothing came back. */
static int raw_through_front_n(const fixture *f, rp_front_mode m, const char *card,
                               const char *request, size_t len)
{
	const char *url = rp_platform_front(f->rp, m);
	unsigned port = (unsigned)atoi(strrchr(url, ':') + 1);
	char cert[512], key[512], reply[256] = "";
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	BIO *bio;
	int n, status = 0;

	assert_non_null(ctx);
	snprintf(cert, sizeof(cert), "%s/cards/%s-chain.pem", PKI, card);
	snprintf(key, sizeof(key), "%s/cards/%s.key", PKI, card);
	assert_int_equal(SSL_CTX_use_certificate_chain_file(ctx, cert), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM), 1);
	assert_int_equal(SSL_CTX_load_verify_locations(ctx, rp_platform_tls_ca(f->rp), NULL), 1);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	snprintf(reply, sizeof(reply), "127.0.0.1:%u", port);
	assert_non_null(bio = BIO_new_ssl_connect(ctx));
	BIO_set_conn_hostname(bio, reply);
	assert_int_equal(BIO_do_connect(bio), 1);
	assert_int_equal(BIO_write(bio, request, (int)len), (int)len);
	n = BIO_read(bio, reply, sizeof(reply) - 1);
	reply[n > 0 ? n : 0] = '\0';
	sscanf(reply, "HTTP/1.%*d %d", &status);
	BIO_free_all(bio);
	SSL_CTX_free(ctx);
	return status;
}

static int raw_through_front(const fixture *f, rp_front_mode m, const char *card,
                             const char *request)
{
	return raw_through_front_n(f, m, card, request, strlen(request));
}

/* A doctor's card, and the pharmacist's certificates in a header behind a bare LF: libmicrohttpd
 * would end a line there and read them as the front's own header, the first of two. */
static void test_smuggled_chain_refused(void **state)
{
	fixture *f = *state;
	char *other = chain_of("hpki-pharmacist-valid");
	size_t size = strlen(other) + 512;
	char *request = malloc(size);

	user(f, "1000000001");
	user(f, "2000000001");
	assert_non_null(request);
	snprintf(request, size,
	         "GET /card-login/hpki HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: a\n%s: %s\r\n\r\n",
	         RP_FRONT_CHAIN_HEADER, other);
	assert_int_equal(raw_through_front(f, RP_FRONT_TLS12, "hpki-doctor-valid", request), 400);
	assert_int_equal(raw_through_front(f, RP_FRONT_TLS13, "hpki-doctor-valid", request), 400);
	/* A folded line and a bare CR the same. */
	snprintf(request, size,
	         "GET /card-login/hpki HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: a\r\n %s: %s\r\n\r\n",
	         RP_FRONT_CHAIN_HEADER, other);
	assert_int_equal(raw_through_front(f, RP_FRONT_TLS13, "hpki-doctor-valid", request), 400);
	snprintf(request, size,
	         "GET /card-login/hpki HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: a\r%s: %s\r\n\r\n",
	         RP_FRONT_CHAIN_HEADER, other);
	assert_int_equal(raw_through_front(f, RP_FRONT_TLS13, "hpki-doctor-valid", request), 400);
	/* A NUL in the head: refused, not left to time out. */
	snprintf(request, size, "GET /card-login/hpki HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a");
	{
		size_t at = strlen(request);
		memcpy(request + at, "\0b\r\n\r\n", 7);
		assert_int_equal(raw_through_front_n(f, RP_FRONT_TLS13, "hpki-doctor-valid",
		                                     request, at + 7),
		                 400);
	}
	/* The same card's honest request goes through: the platform answers the login. */
	snprintf(request, size, "GET /card-login/hpki HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	assert_int_equal(raw_through_front(f, RP_FRONT_TLS13, "hpki-doctor-valid", request), 303);
	free(request);
	free(other);
}

/* The server-first inspecting proxy refuses the browser the way the front refused it. */
static void test_inspect_first_proxy(void **state)
{
	fixture *f = *state;
	au_proxy_opts o = {.mode = AU_PROXY_INSPECT_FIRST,
	                   .cert_file = PKI "/tls/server.pem",
	                   .key_file = PKI "/tls/server.key"};
	au_proxy *p = NULL;
	au_web_response r = {0};
	char err[256];

	user(f, "1000000001");
	assert_true(au_proxy_start(&o, &p, err, sizeof(err)));
	assert_int_not_equal(login(f, rp_platform_front(f->rp, RP_FRONT_TLS12), "hpki-doctor-valid",
	                           au_proxy_url(p), &r),
	                     AU_WEB_OK);
	assert_int_equal(au_pcb_classify(&r), AU_PCB_TLS_PROTOCOL);
	au_web_response_reset(&r);
	assert_int_not_equal(login(f, rp_platform_front(f->rp, RP_FRONT_TLS13), "hpki-doctor-valid",
	                           au_proxy_url(p), &r),
	                     AU_WEB_OK);
	assert_int_equal(au_pcb_classify(&r), AU_PCB_CLIENT_CERT_REJECTED);
	au_web_response_reset(&r);
	/* Under TLS 1.3 the proxy counts its failure once the copy ends, after the browser saw it.
	 */
	au_proxy_wait_idle(p);
	assert_true(au_proxy_get_stats(p).upstream_failed >= 2);
	au_proxy_stop(p);
}

/* A test on a platform of the manual. */
#define ON(manual, fn) \
	cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, (void *)(manual))

int main(void)
{
	const struct CMUnitTest tests[] = {
	        ON("2.16", test_front_alerts),         ON("2.16", test_front_revocation),
	        ON("1.04", test_front_revocation_104), ON("2.16", test_forged_header_ignored),
	        ON("2.16", test_inspect_first_proxy),  ON("2.16", test_smuggled_chain_refused),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
