/*
 * The PC side of the card logins against real TLS on 127.0.0.1: a strict mutual-TLS origin
 * (OpenSSL, requires a client certificate the test PKI's client CAs issued) stands in for the
 * platform's card-login endpoint; the PC's reader, card, proxies, JPKI client and certificate
 * viewer produce the manual's texts (held to fixtures/manual/v2.16.json), and each remedy
 * makes the login pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "authenticator/card.h"
#include "authenticator/cardtls.h"
#include "authenticator/jpki.h"
#include "authenticator/pcbrowser.h"
#include "authenticator/pccerts.h"
#include "authenticator/proxy.h"

#define PKI  KAGURA_PKI_DIR
#define HOST "mahpki-auth.2nds.medis.or.jp"

/* ---- the strict origin ---- */

typedef struct origin {
	SSL_CTX *ctx;
	int fd;
	int port;
	pthread_t thread;
	atomic_bool stop;
	atomic_long clock_offset; /* seconds the test moved the platform's clock */
	atomic_int handled;
	atomic_int handshakes; /* completed on the server's side */
	atomic_long last_gap;  /* platform seconds between handshake and request */
	char url[64];
} origin;

static void origin_serve(origin *o, int fd)
{
	SSL *ssl = SSL_new(o->ctx);
	char head[4096];
	size_t n = 0;
	long t0;

	struct timeval tv = {5, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (ssl == NULL)
		return;
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1) {
		/* a lingering close, as web servers do: the alert must reach the client before a
		 * RST */
		char drain[512];
		shutdown(fd, SHUT_WR);
		while (recv(fd, drain, sizeof(drain), 0) > 0)
			;
		goto out;
	}
	t0 = (long)time(NULL) + atomic_load(&o->clock_offset);
	atomic_fetch_add(&o->handshakes, 1);
	while (n + 1 < sizeof(head)) {
		int k = SSL_read(ssl, head + n, (int)(sizeof(head) - 1 - n));
		if (k <= 0)
			goto out; /* under TLS 1.3 a refused certificate ends here */
		n += (size_t)k;
		head[n] = '\0';
		if (strstr(head, "\r\n\r\n") != NULL)
			break;
	}
	{
		long gap = (long)time(NULL) + atomic_load(&o->clock_offset) - t0;
		X509 *peer = SSL_get1_peer_certificate(ssl);
		char subject[256] = "", resp[1024], body[400];
		int len;
		const char *status = gap > 60 ? "403 Forbidden" : "200 OK";
		atomic_store(&o->last_gap, gap);
		if (peer != NULL)
			X509_NAME_oneline(X509_get_subject_name(peer), subject, sizeof(subject));
		X509_free(peer);
		len = snprintf(body, sizeof(body), "%s %s\n", gap > 60 ? "Forbidden" : "login ok",
		               subject);
		len = snprintf(resp, sizeof(resp),
		               "HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
		               "Connection: close\r\n\r\n%s",
		               status, len, body);
		SSL_write(ssl, resp, len);
		atomic_fetch_add(&o->handled, 1);
	}
	SSL_shutdown(ssl);
out:
	SSL_free(ssl);
	ERR_clear_error();
}

static void *origin_main(void *arg)
{
	origin *o = arg;
	while (!atomic_load(&o->stop)) {
		struct pollfd pf = {o->fd, POLLIN, 0};
		int c;
		if (poll(&pf, 1, 100) <= 0)
			continue;
		c = accept(o->fd, NULL, NULL);
		if (c < 0)
			continue;
		origin_serve(o, c);
		close(c);
	}
	return NULL;
}

/* max_version: TLS1_3_VERSION (certificate_required) or TLS1_2_VERSION (handshake_failure). */
static origin *origin_start(int max_version)
{
	origin *o = calloc(1, sizeof(*o));
	struct sockaddr_in sa = {0};
	socklen_t sl = sizeof(sa);

	assert_non_null(o);
	o->ctx = SSL_CTX_new(TLS_server_method());
	assert_non_null(o->ctx);
	SSL_CTX_set_max_proto_version(o->ctx, max_version);
	assert_int_equal(SSL_CTX_use_certificate_chain_file(o->ctx, PKI "/tls/server.pem"), 1);
	assert_int_equal(
	        SSL_CTX_use_PrivateKey_file(o->ctx, PKI "/tls/server.key", SSL_FILETYPE_PEM), 1);
	assert_int_equal(SSL_CTX_load_verify_locations(o->ctx, PKI "/trust/client-ca.pem", NULL),
	                 1);
	SSL_CTX_set_client_CA_list(o->ctx, SSL_load_client_CA_file(PKI "/trust/client-ca.pem"));
	SSL_CTX_set_verify(o->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_num_tickets(o->ctx, 0);
	SSL_CTX_set_session_cache_mode(o->ctx, SSL_SESS_CACHE_OFF);
	o->fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(o->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(o->fd, 16), 0);
	assert_int_equal(getsockname(o->fd, (struct sockaddr *)&sa, &sl), 0);
	o->port = ntohs(sa.sin_port);
	snprintf(o->url, sizeof(o->url), "https://127.0.0.1:%d/login/hpki", o->port);
	assert_int_equal(pthread_create(&o->thread, NULL, origin_main, o), 0);
	return o;
}

static void origin_stop(origin *o)
{
	atomic_store(&o->stop, true);
	pthread_join(o->thread, NULL);
	close(o->fd);
	SSL_CTX_free(o->ctx);
	free(o);
}

/* ---- fixtures shared by the tests ---- */

typedef struct world {
	origin *tls13, *tls12;
	au_pcb_table *pages;
	json_t *catalogue;
} world;

static int setup(void **state)
{
	world *w = calloc(1, sizeof(*w));
	char err[200] = "";
	json_error_t je;

	if (w == NULL)
		return -1;
	w->tls13 = origin_start(TLS1_3_VERSION);
	w->tls12 = origin_start(TLS1_2_VERSION);
	w->pages = au_pcb_load(KAGURA_FIXTURES "/pc/browsers.json", err, sizeof(err));
	if (w->pages == NULL) {
		fprintf(stderr, "browsers.json: %s\n", err);
		return -1;
	}
	w->catalogue = json_load_file(KAGURA_FIXTURES "/manual/v2.16.json", 0, &je);
	if (w->catalogue == NULL)
		return -1;
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	world *w = *state;
	origin_stop(w->tls13);
	origin_stop(w->tls12);
	au_pcb_free(w->pages);
	json_decref(w->catalogue);
	free(w);
	return 0;
}

/* Is text one of the messages of catalogue entry id? */
static bool catalogue_says(const world *w, const char *id, const char *text)
{
	json_t *e, *m;
	size_t i, j;
	json_array_foreach(json_object_get(w->catalogue, "entries"), i, e)
	{
		if (strcmp(json_string_value(json_object_get(e, "id")), id) != 0)
			continue;
		json_array_foreach(json_object_get(e, "messages"), j,
		                   m) if (strcmp(json_string_value(m), text) == 0) return true;
		json_array_foreach(json_object_get(e, "screen"), j,
		                   m) if (strcmp(json_string_value(m), text) == 0) return true;
	}
	return false;
}

static au_web *browser(void)
{
	au_web *web = au_web_new(NULL);
	assert_non_null(web);
	assert_int_equal(au_web_set_ca_file(web, PKI "/tls/server-ca.pem"), AU_WEB_OK);
	au_web_set_timeout_ms(web, 10000);
	return web;
}

static au_card *card(const char *name)
{
	au_card *c = NULL;
	assert_int_equal(au_card_from_index(PKI, name, &c), AU_CARD_OK);
	return c;
}

/*
 * One HPKI login attempt: the reader is read (PIN dialog or not), the browser opens url.
 * Returns the page the browser shows: the manual entry of its error page, or "200" for the
 * platform's answer.
 */
static const char *attempt(world *w, const char *browser_name, au_reader *r,
                           const au_pin_user *user, const char *url, const char *proxy,
                           const char *puser, const char *ppass, au_pcb_page *page,
                           au_card_login *login)
{
	static char shown[16];
	au_web *web = browser();
	au_web_response resp = {0};

	if (proxy != NULL)
		assert_int_equal(au_web_set_proxy(web, proxy, puser, ppass), AU_WEB_OK);
	assert_int_equal(au_card_present(r, user, web, login), AU_CARD_OK);
	au_web_get(web, url, &resp);
	if (au_pcb_error_page(w->pages, browser_name, "https://" HOST "/login", &resp, page)) {
		snprintf(shown, sizeof(shown), "%s", page->entry);
		/* the heading is the manual's line for that entry */
		assert_true(catalogue_says(w, page->entry, page->heading));
	} else {
		if (resp.err != AU_WEB_OK)
			fprintf(stderr, "transport: %s %s alert %d\n", au_web_errname(resp.err),
			        resp.error, resp.tls_alert_received);
		snprintf(shown, sizeof(shown), "%ld", resp.status);
	}
	au_web_response_reset(&resp);
	au_web_free(web);
	return shown;
}

/* ---- tests ---- */

static void test_texts_match_catalogue(void **state)
{
	world *w = *state;
	au_pcb_page page;
	au_web_response r = {0};

	/* every class of failure, per browser, gives a line of its manual entry */
	au_web_response_reset(&r);
	r.err = AU_WEB_ERR_TLS_HANDSHAKE;
	r.tls_alert_received = 40;
	assert_true(au_pcb_error_page(w->pages, "chrome", "https://" HOST "/x", &r, &page));
	assert_string_equal(page.entry, "3.1");
	assert_string_equal(page.net_error, "ERR_SSL_PROTOCOL_ERROR");
	assert_true(catalogue_says(w, "3.1", page.heading));
	assert_true(au_pcb_error_page(w->pages, "desktop-edge", "https://" HOST "/x", &r, &page));
	assert_string_equal(page.entry, "3.2");
	assert_true(catalogue_says(w, "3.2", page.heading));
	r.err = AU_WEB_ERR_TLS_CLIENT_REJECTED;
	r.tls_alert_received = 116;
	assert_true(au_pcb_error_page(w->pages, "chrome", "https://" HOST ":443/login", &r, &page));
	assert_string_equal(page.entry, "3.21");
	assert_int_equal(page.net_error_code, -117);
	assert_string_equal(page.heading, HOST " へのアクセスが拒否されました");
	assert_true(catalogue_says(w, "3.21", page.heading));
	r.err = AU_WEB_ERR_EMPTY_REPLY;
	r.tls_alert_received = -1;
	assert_true(au_pcb_error_page(w->pages, "edge", "https://" HOST "/", &r, &page));
	assert_string_equal(page.entry, "3.3");
	assert_string_equal(page.net_error, "ERR_EMPTY_RESPONSE");
	assert_true(catalogue_says(w, "3.3", page.heading));
	r.err = AU_WEB_ERR_PROXY;
	r.status = 407;
	assert_true(au_pcb_error_page(w->pages, "chrome", "https://" HOST "/", &r, &page));
	assert_string_equal(page.entry, "3.10");
	assert_true(catalogue_says(w, "3.10", page.heading));
	/* a real answer is no error page; nor is a browser the table does not know */
	r.err = AU_WEB_OK;
	r.status = 200;
	assert_false(au_pcb_error_page(w->pages, "chrome", "https://" HOST "/", &r, &page));
	assert_int_equal(page.cls, AU_PCB_NONE);
	r.err = AU_WEB_ERR_EMPTY_REPLY;
	assert_false(au_pcb_error_page(w->pages, "safari", "https://" HOST "/", &r, &page));

	/* the JPKI client's dialogs and the certificate viewer's lines */
	assert_true(catalogue_says(w, "3.15", au_jpki_message(AU_JPKI_ALREADY_RUNNING)));
	assert_true(catalogue_says(w, "3.16", au_jpki_message(AU_JPKI_CANNOT_CONNECT)));
	assert_null(au_jpki_message(AU_JPKI_NOTHING));
	assert_string_equal(au_jpki_manual_entry(AU_JPKI_NOTHING), "3.13");
	assert_true(catalogue_says(w, "3.13", "マイナンバーカードを登録"));
	assert_true(catalogue_says(w, "3.23", rp_certview_text(RP_CERTVIEW_ISSUER_MISSING)));
	assert_true(catalogue_says(w, "3.24", rp_certview_text(RP_CERTVIEW_ISSUER_GENERATION)));
}

/* Reader and driver states: no PIN prompt, no certificate → the browser's page; remedy → 200. */
static void test_reader_states(void **state)
{
	world *w = *state;
	au_card *doc = card("hpki-doctor-valid");
	au_reader r;
	au_pcb_page page;
	au_card_login l;

	au_reader_init(&r);
	au_reader_insert(&r, doc);
	/* healthy: PIN dialog, certificate sent, the platform answers */
	assert_string_equal(
	        attempt(w, "chrome", &r, NULL, w->tls13->url, NULL, NULL, NULL, &page, &l), "200");
	assert_true(l.pin_prompt && l.cert_presented);

	/* card unreadable: reader / driver missing */
	r.connected = false;
	assert_string_equal(
	        attempt(w, "chrome", &r, NULL, w->tls13->url, NULL, NULL, NULL, &page, &l), "3.21");
	assert_int_equal(l.read, AU_READ_NO_READER);
	assert_false(l.pin_prompt);
	assert_string_equal(page.net_error, "ERR_BAD_SSL_CLIENT_AUTH_CERT");
	/* the same against a TLS 1.2 server: handshake_failure → Chrome 3.1, Edge 3.2 */
	assert_string_equal(
	        attempt(w, "chrome", &r, NULL, w->tls12->url, NULL, NULL, NULL, &page, &l), "3.1");
	assert_string_equal(
	        attempt(w, "edge", &r, NULL, w->tls12->url, NULL, NULL, NULL, &page, &l), "3.2");
	r.connected = true; /* remedy: reader connected, driver installed (4.2) */
	assert_string_equal(
	        attempt(w, "edge", &r, NULL, w->tls12->url, NULL, NULL, NULL, &page, &l), "200");

	/* antivirus blocking smart-card access */
	r.antivirus_blocks = true;
	assert_string_equal(
	        attempt(w, "edge", &r, NULL, w->tls13->url, NULL, NULL, NULL, &page, &l), "3.21");
	assert_int_equal(l.read, AU_READ_ANTIVIRUS);
	r.antivirus_blocks = false;
	assert_string_equal(
	        attempt(w, "edge", &r, NULL, w->tls13->url, NULL, NULL, NULL, &page, &l), "200");

	/* Program Compatibility Assistant disabled the middleware */
	r.pca_blocks = true;
	assert_string_equal(
	        attempt(w, "chrome", &r, NULL, w->tls12->url, NULL, NULL, NULL, &page, &l), "3.1");
	assert_int_equal(l.read, AU_READ_PCA);
	r.pca_blocks = false;
	assert_string_equal(
	        attempt(w, "chrome", &r, NULL, w->tls12->url, NULL, NULL, NULL, &page, &l), "200");

	/* card not seated */
	r.seated = false;
	assert_string_equal(
	        attempt(w, "chrome", &r, NULL, w->tls13->url, NULL, NULL, NULL, &page, &l), "3.21");
	assert_int_equal(l.read, AU_READ_NO_CARD);
	au_reader_insert(&r, doc);

	/* contactless reader on a metal desk: intermittent, the first two reads fail */
	r.on_metal = true;
	r.metal_failures = 2;
	assert_string_equal(
	        attempt(w, "chrome", &r, NULL, w->tls13->url, NULL, NULL, NULL, &page, &l), "3.21");
	assert_int_equal(l.read, AU_READ_METAL);
	assert_string_equal(
	        attempt(w, "chrome", &r, NULL, w->tls13->url, NULL, NULL, NULL, &page, &l), "3.21");
	assert_string_equal(
	        attempt(w, "chrome", &r, NULL, w->tls13->url, NULL, NULL, NULL, &page, &l),
	        "200"); /* the third read works: intermittent */
	/* remedy: off the metal, every read works from the first */
	au_reader_insert(&r, doc);
	r.on_metal = false;
	assert_string_equal(
	        attempt(w, "chrome", &r, NULL, w->tls13->url, NULL, NULL, NULL, &page, &l), "200");

	/* Cancel in the certificate picker: the card was read, nothing was sent */
	{
		au_pin_user cancel = {.cancel_picker = true};
		assert_string_equal(attempt(w, "chrome", &r, &cancel, w->tls13->url, NULL, NULL,
		                            NULL, &page, &l),
		                    "3.21");
		assert_true(l.picker_shown);
		assert_false(l.pin_prompt);
	}
	au_card_free(doc);
}

static void test_expired_card(void **state)
{
	world *w = *state;
	au_card *expired = card("hpki-doctor-expired");
	au_card *valid = card("hpki-pharmacist-valid");
	au_reader r;
	au_pcb_page page;
	au_card_login l;

	au_reader_init(&r);
	au_reader_insert(&r, expired);
	/* the PIN dialog opens (the card reads), the server refuses the certificate */
	assert_string_equal(
	        attempt(w, "chrome", &r, NULL, w->tls13->url, NULL, NULL, NULL, &page, &l), "3.21");
	assert_true(l.pin_prompt && l.cert_presented);
	assert_string_equal(
	        attempt(w, "edge", &r, NULL, w->tls12->url, NULL, NULL, NULL, &page, &l), "3.21");
	/* remedy: a valid card */
	au_reader_insert(&r, valid);
	assert_string_equal(
	        attempt(w, "edge", &r, NULL, w->tls12->url, NULL, NULL, NULL, &page, &l), "200");
	au_card_free(expired);
	au_card_free(valid);
}

static void test_proxies(void **state)
{
	world *w = *state;
	au_card *doc = card("hpki-doctor-valid");
	au_reader r;
	au_pcb_page page;
	au_card_login l;
	au_proxy *tunnel = NULL, *auth = NULL, *inspect = NULL;
	char err[200];
	au_proxy_opts o_tunnel = {.mode = AU_PROXY_TUNNEL};
	au_proxy_opts o_auth = {.mode = AU_PROXY_AUTH, .user = "taro", .password = "s3cret"};
	au_proxy_opts o_inspect = {.mode = AU_PROXY_INSPECT,
	                           .cert_file = PKI "/tls/server.pem",
	                           .key_file = PKI "/tls/server.key",
	                           .upstream_ca_file = PKI "/tls/server-ca.pem"};

	assert_true(au_proxy_start(&o_tunnel, &tunnel, err, sizeof(err)));
	assert_true(au_proxy_start(&o_auth, &auth, err, sizeof(err)));
	assert_true(au_proxy_start(&o_inspect, &inspect, err, sizeof(err)));
	au_reader_init(&r);
	au_reader_insert(&r, doc);

	/* a relaying (CONNECT) proxy: the card's certificate reaches the server */
	assert_string_equal(attempt(w, "chrome", &r, NULL, w->tls13->url, au_proxy_url(tunnel),
	                            NULL, NULL, &page, &l),
	                    "200");
	assert_int_equal(au_proxy_get_stats(tunnel).tunnels, 1);

	/* a proxy that wants credentials: 3.10 */
	assert_string_equal(attempt(w, "chrome", &r, NULL, w->tls13->url, au_proxy_url(auth), NULL,
	                            NULL, &page, &l),
	                    "3.10");
	assert_string_equal(page.heading, "Unauthorized");
	assert_string_equal(attempt(w, "edge", &r, NULL, w->tls13->url, au_proxy_url(auth), "taro",
	                            "wrong", &page, &l),
	                    "3.10");
	assert_true(au_proxy_get_stats(auth).auth_refused >= 2);
	/* remedy: the proxy's credentials set in the browser */
	assert_string_equal(attempt(w, "edge", &r, NULL, w->tls13->url, au_proxy_url(auth), "taro",
	                            "s3cret", &page, &l),
	                    "200");

	/* a TLS-inspecting proxy: no client certificate upstream, the browser gets nothing: 3.3 */
	assert_string_equal(attempt(w, "chrome", &r, NULL, w->tls13->url, au_proxy_url(inspect),
	                            NULL, NULL, &page, &l),
	                    "3.3");
	assert_true(l.cert_presented); /* the browser did its part: the proxy dropped it */
	assert_string_equal(attempt(w, "edge", &r, NULL, w->tls12->url, au_proxy_url(inspect), NULL,
	                            NULL, &page, &l),
	                    "3.3");
	assert_true(au_proxy_get_stats(inspect).upstream_failed >= 2);
	/* remedy: bypass it (direct), or a relaying proxy */
	assert_string_equal(
	        attempt(w, "chrome", &r, NULL, w->tls13->url, NULL, NULL, NULL, &page, &l), "200");
	assert_string_equal(attempt(w, "chrome", &r, NULL, w->tls12->url, au_proxy_url(tunnel),
	                            NULL, NULL, &page, &l),
	                    "200");

	au_proxy_stop(tunnel);
	au_proxy_stop(auth);
	au_proxy_stop(inspect);
	au_card_free(doc);
}

/* The handshake first, the request after the PIN dialog, the platform's clock moved between. */
typedef struct clock_move {
	origin *o;
	long seconds;
	int calls;
	int seen; /* the origin's handshake count before this request */
} clock_move;

static bool move_clock(void *arg)
{
	clock_move *m = arg;
	/* TLS 1.3: the client is done before the server has read its Finished; wait for that */
	for (int i = 0; i < 200 && atomic_load(&m->o->handshakes) <= m->seen; i++)
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	m->seen = atomic_load(&m->o->handshakes);
	atomic_fetch_add(&m->o->clock_offset, m->seconds);
	m->calls++;
	return true;
}

static void test_cardtls_pause(void **state)
{
	world *w = *state;
	au_card *doc = card("hpki-doctor-valid");
	au_cardtls_result res;
	clock_move m = {w->tls13, 5, 0, atomic_load(&w->tls13->handshakes)};
	au_cardtls_opts o = {.ca_file = PKI "/tls/server-ca.pem", .between = move_clock, .arg = &m};

	assert_int_equal(au_cardtls_get(w->tls13->url, doc, &o, &res), AU_WEB_OK);
	assert_true(res.handshake_done);
	assert_int_equal(m.calls, 1);
	assert_int_equal(res.status, 200);
	assert_non_null(strstr(res.body, "login ok"));
	assert_true(atomic_load(&w->tls13->last_gap) >= 5);
	au_cardtls_result_free(&res);

	/* the user took 61 s over the PIN: the stand-in platform refuses (manual 3.17's rule) */
	m.seconds = 61;
	assert_int_equal(au_cardtls_get(w->tls13->url, doc, &o, &res), AU_WEB_OK);
	assert_int_equal(res.status, 403);
	assert_int_equal(m.calls, 2);
	au_cardtls_result_free(&res);

	/* through a relaying proxy too */
	{
		au_proxy *tunnel = NULL;
		au_proxy_opts po = {.mode = AU_PROXY_TUNNEL};
		assert_true(au_proxy_start(&po, &tunnel, NULL, 0));
		o.proxy = au_proxy_url(tunnel);
		m.o = w->tls12;
		m.seen = atomic_load(&w->tls12->handshakes);
		m.seconds = 1;
		assert_int_equal(au_cardtls_get(w->tls12->url, doc, &o, &res), AU_WEB_OK);
		assert_int_equal(res.status, 200);
		au_cardtls_result_free(&res);
		au_proxy_stop(tunnel);
		o.proxy = NULL;
	}

	/* no card: TLS 1.3 finishes the handshake, the refusal arrives with the answer */
	m.o = w->tls13;
	m.seconds = 0;
	assert_int_equal(au_cardtls_get(w->tls13->url, NULL, &o, &res),
	                 AU_WEB_ERR_TLS_CLIENT_REJECTED);
	assert_int_equal(res.tls_alert_received, 116);
	au_cardtls_result_free(&res);
	/* TLS 1.2: the handshake itself fails, the hook never runs */
	m.calls = 0;
	assert_int_not_equal(au_cardtls_get(w->tls12->url, NULL, &o, &res), AU_WEB_OK);
	assert_false(res.handshake_done);
	assert_int_equal(m.calls, 0);
	au_cardtls_result_free(&res);
	au_card_free(doc);
}

static void test_jpki_client(void **state)
{
	world *w = *state;
	au_card *mynumber = card("jpki-valid");
	au_card *doc = card("hpki-doctor-valid");
	au_card *bank = NULL;
	au_reader r;
	au_jpki_pc pc;
	au_jpki_result res;

	(void)w;
	assert_int_equal(au_card_plain("bank card", &bank), AU_CARD_OK);
	au_reader_init(&r);
	au_jpki_init(&pc, &r);

	/* 3.16: no card; the HPKI card left in; not a My Number card */
	res = au_jpki_click_register(&pc);
	assert_int_equal(res.outcome, AU_JPKI_CANNOT_CONNECT);
	assert_int_equal(res.read, AU_READ_NO_CARD);
	au_reader_insert(&r, doc);
	assert_int_equal(au_jpki_click_register(&pc).outcome, AU_JPKI_CANNOT_CONNECT);
	au_reader_insert(&r, bank);
	assert_int_equal(au_jpki_click_register(&pc).outcome, AU_JPKI_CANNOT_CONNECT);
	au_reader_insert(&r, mynumber);
	r.seated = false; /* badly inserted */
	assert_int_equal(au_jpki_click_register(&pc).outcome, AU_JPKI_CANNOT_CONNECT);
	assert_string_equal(au_jpki_message(AU_JPKI_CANNOT_CONNECT),
	                    "個人番号カードに接続できません。");
	/* remedy: the My Number card, properly inserted */
	r.seated = true;
	res = au_jpki_click_register(&pc);
	assert_int_equal(res.outcome, AU_JPKI_OK);
	assert_ptr_equal(res.card, mynumber);

	/* 3.15: clicked again while its dialog is open (or from the other browser) */
	res = au_jpki_click_register(&pc);
	assert_int_equal(res.outcome, AU_JPKI_ALREADY_RUNNING);
	assert_string_equal(au_jpki_message(res.outcome), "既にアプリケーションが起動しています。");
	au_jpki_close(&pc); /* remedy: close the other dialog */
	assert_int_equal(au_jpki_click_register(&pc).outcome, AU_JPKI_OK);
	au_jpki_close(&pc);

	/* 3.13: extension missing or disabled: the button does nothing */
	pc.extension_enabled = false;
	res = au_jpki_click_register(&pc);
	assert_int_equal(res.outcome, AU_JPKI_NOTHING);
	assert_null(au_jpki_message(res.outcome));
	assert_int_equal(pc.running, 0);
	pc.extension_enabled = true;
	pc.extension_installed = false;
	assert_int_equal(au_jpki_click_register(&pc).outcome, AU_JPKI_NOTHING);
	pc.extension_installed = true; /* remedy: install / enable */
	assert_int_equal(au_jpki_click_register(&pc).outcome, AU_JPKI_OK);
	au_jpki_close(&pc);

	au_card_free(mynumber);
	au_card_free(doc);
	au_card_free(bank);
}

static time_t june_2025(void)
{
	return (time_t)1748736000; /* 2025-06-01T00:00:00Z */
}

static void test_certificate_viewer(void **state)
{
	world *w = *state;
	au_card *doc = card("hpki-doctor-valid");
	au_reader r;
	au_pc_certs pc = {0};
	rp_certview_result vr;
	const char *text = NULL;
	au_pcb_page page;
	au_card_login l;

	au_reader_init(&r);
	au_reader_insert(&r, doc);

	/* nothing installed: 3.23 */
	assert_true(au_pc_view_card_cert(&pc, &r, june_2025(), &vr, &text));
	assert_int_equal(vr.verdict, RP_CERTVIEW_ISSUER_MISSING);
	assert_true(catalogue_says(w, "3.23", text));
	/* roots only, no HPKI CA: 3.23 */
	assert_true(au_pc_certs_install_file(&pc, PKI "/pc/installed-roots-only.pem"));
	assert_true(au_pc_view_card_cert(&pc, &r, june_2025(), &vr, &text));
	assert_int_equal(vr.verdict, RP_CERTVIEW_ISSUER_MISSING);
	/* ... and the login succeeds all the same */
	assert_string_equal(
	        attempt(w, "chrome", &r, NULL, w->tls13->url, NULL, NULL, NULL, &page, &l), "200");

	/* the old JMA CA installed: 3.24 */
	au_pc_certs_clear(&pc);
	assert_true(au_pc_certs_install_file(&pc, PKI "/pc/installed-old.pem"));
	assert_true(au_pc_view_card_cert(&pc, &r, june_2025(), &vr, &text));
	assert_int_equal(vr.verdict, RP_CERTVIEW_ISSUER_GENERATION);
	assert_true(catalogue_says(w, "3.24", text));
	assert_string_equal(
	        attempt(w, "edge", &r, NULL, w->tls12->url, NULL, NULL, NULL, &page, &l), "200");

	/* remedy: the current CA certificates */
	au_pc_certs_clear(&pc);
	assert_true(au_pc_certs_install_file(&pc, PKI "/pc/installed-current.pem"));
	assert_true(au_pc_view_card_cert(&pc, &r, june_2025(), &vr, &text));
	assert_int_equal(vr.verdict, RP_CERTVIEW_OK);

	/* the viewer cannot open what the reader cannot read */
	r.connected = false;
	assert_false(au_pc_view_card_cert(&pc, &r, june_2025(), &vr, &text));
	au_pc_certs_clear(&pc);
	assert_false(au_pc_certs_install_file(&pc, "/nonexistent/ca.pem"));
	au_card_free(doc);
}

/* Manual 4.2 as a remedy step: is the card's certificate listed, and with which issuer? */
static void test_card_visible(void **state)
{
	au_card *doc = card("hpki-pharmacist-valid");
	au_card *mynumber = card("jpki-valid");
	au_card *bank = NULL;
	au_reader r;
	au_card_visibility v;

	(void)state;
	assert_int_equal(au_card_plain("bank", &bank), AU_CARD_OK);
	au_reader_init(&r);
	au_reader_insert(&r, doc);
	v = au_card_check_visible(&r);
	assert_true(v.listed);
	assert_int_equal(v.kind, AU_CARD_HPKI);
	assert_string_equal(v.issuer, "HPKI-01-MedisAuthCA2-forAuthentication");
	au_reader_insert(&r, mynumber);
	v = au_card_check_visible(&r);
	assert_true(v.listed);
	assert_int_equal(v.kind, AU_CARD_JPKI);
	assert_string_equal(v.issuer, "Japan Agency for Local Authority Information Systems");
	r.pca_blocks = true;
	v = au_card_check_visible(&r);
	assert_false(v.listed);
	assert_int_equal(v.read, AU_READ_PCA);
	r.pca_blocks = false;
	au_reader_insert(&r, bank);
	v = au_card_check_visible(&r);
	assert_false(v.listed);
	assert_int_equal(v.kind, AU_CARD_OTHER);
	au_card_free(doc);
	au_card_free(mynumber);
	au_card_free(bank);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = calloc(1, 65536);
	assert_non_null(f);
	assert_non_null(b);
	*len = fread(b, 1, 65535, f);
	fclose(f);
	return b;
}

static void test_hostile_inputs(void **state)
{
	size_t clen, klen, olen;
	char *cert = slurp(PKI "/cards/hpki-doctor-valid-chain.pem", &clen);
	char *key = slurp(PKI "/cards/hpki-doctor-valid.key", &klen);
	char *other = slurp(PKI "/cards/jpki-valid.key", &olen);
	au_card *c = NULL;
	char err[200];
	au_cardtls_result res;
	au_web_response r = {0};
	au_pcb_page page;
	FILE *f;

	(void)state;
	assert_int_equal(au_card_from_pem("x", AU_CARD_HPKI, cert, clen, key, klen, &c),
	                 AU_CARD_OK);
	au_card_free(c);
	/* the key of another card */
	assert_int_equal(au_card_from_pem("x", AU_CARD_HPKI, cert, clen, other, olen, &c),
	                 AU_CARD_ERR_KEY_MISMATCH);
	assert_null(c);
	/* truncated and garbage PEM */
	assert_int_equal(au_card_from_pem("x", AU_CARD_HPKI, cert, clen / 2, key, klen, &c),
	                 AU_CARD_ERR_PEM);
	assert_int_equal(au_card_from_pem("x", AU_CARD_HPKI, "-----BEGIN CERTIFICATE-----\n@@@\n",
	                                  32, key, klen, &c),
	                 AU_CARD_ERR_PEM);
	assert_int_equal(au_card_from_pem("x", AU_CARD_HPKI, cert, clen, key, klen / 3, &c),
	                 AU_CARD_ERR_PEM);
	assert_int_equal(au_card_from_pem("x", AU_CARD_HPKI, cert, clen, cert, clen, &c),
	                 AU_CARD_ERR_PEM);
	assert_int_equal(au_card_from_pem("x", AU_CARD_HPKI, NULL, 0, key, klen, &c),
	                 AU_CARD_ERR_ARG);
	assert_int_equal(au_card_from_pem("x", AU_CARD_HPKI, cert, clen, key, klen, NULL),
	                 AU_CARD_ERR_ARG);
	assert_int_equal(au_card_from_index(PKI, "no-such-card", &c), AU_CARD_ERR_INDEX);
	assert_int_equal(au_card_from_index("/nonexistent", "hpki-doctor-valid", &c),
	                 AU_CARD_ERR_INDEX);
	assert_int_equal(au_card_load("x", AU_CARD_HPKI, "/nonexistent", "/nonexistent", &c),
	                 AU_CARD_ERR_IO);

	/* NULL readers, cards and browsers */
	assert_int_equal(au_reader_read(NULL, NULL), AU_READ_NO_READER);
	assert_int_equal(au_card_present(NULL, NULL, NULL, NULL), AU_CARD_ERR_ARG);
	assert_false(au_pc_view_card_cert(NULL, NULL, 0, NULL, NULL));
	assert_int_equal(au_jpki_click_register(NULL).outcome, AU_JPKI_NOTHING);
	assert_int_equal(au_cardtls_get("http://127.0.0.1/", NULL, NULL, &res), AU_WEB_ERR_URL);
	assert_int_equal(au_cardtls_get("https://", NULL, NULL, &res), AU_WEB_ERR_URL);
	assert_int_equal(au_cardtls_get(NULL, NULL, NULL, &res), AU_WEB_ERR_URL);
	au_cardtls_result_free(&res);
	assert_false(au_pcb_error_page(NULL, "chrome", NULL, &r, &page));
	assert_false(au_pcb_error_page(NULL, NULL, NULL, NULL, NULL));
	assert_int_equal(au_pcb_classify(NULL), AU_PCB_OTHER);

	/* broken browser tables */
	assert_null(au_pcb_load("/nonexistent.json", err, sizeof(err)));
	f = fopen("pcside-bad.json", "w");
	assert_non_null(f);
	fputs("{\"format\":1,\"classes\":[{\"class\":\"tls_protocol\",\"net_error\":\"E\","
	      "\"net_error_code\":-1,\"pages\":{\"chrome\":{\"entry\":\"3.1\"}}}]}",
	      f);
	fclose(f);
	assert_null(au_pcb_load("pcside-bad.json", err, sizeof(err)));
	assert_non_null(strstr(err, "edge") ? err : strstr(err, "chrome"));
	f = fopen("pcside-bad.json", "w");
	fputs("[1,2", f);
	fclose(f);
	assert_null(au_pcb_load("pcside-bad.json", NULL, 0));
	remove("pcside-bad.json");

	/* proxies refuse bad settings */
	{
		au_proxy *p = NULL;
		au_proxy_opts bad_auth = {.mode = AU_PROXY_AUTH};
		au_proxy_opts bad_inspect = {.mode = AU_PROXY_INSPECT,
		                             .cert_file = PKI "/tls/server.pem",
		                             .key_file = PKI "/cards/jpki-valid.key"};
		assert_false(au_proxy_start(&bad_auth, &p, err, sizeof(err)));
		assert_false(au_proxy_start(&bad_inspect, &p, err, sizeof(err)));
		assert_false(au_proxy_start(NULL, &p, err, sizeof(err)));
		assert_null(p);
		au_proxy_stop(NULL);
	}
	free(cert);
	free(key);
	free(other);
}

/* A proxy that is sent junk instead of CONNECT answers and keeps serving. */
static void test_proxy_junk(void **state)
{
	world *w = *state;
	au_proxy *p = NULL;
	au_proxy_opts o = {.mode = AU_PROXY_AUTH, .user = "u", .password = "p"};
	au_card *doc = card("hpki-doctor-valid");
	au_reader r;
	au_pcb_page page;
	au_card_login l;
	static const char *junk[] = {"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
	                             "CONNECT nocolon HTTP/1.1\r\n\r\n",
	                             "CONNECT [::1 HTTP/1.1\r\n\r\n", "\r\n\r\n", "garbage"};
	int port;

	assert_true(au_proxy_start(&o, &p, NULL, 0));
	port = atoi(strrchr(au_proxy_url(p), ':') + 1);
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		struct sockaddr_in sa = {0};
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		char buf[256];
		sa.sin_family = AF_INET;
		sa.sin_port = htons((uint16_t)port);
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_true(send(fd, junk[i], strlen(junk[i]), 0) > 0);
		shutdown(fd, SHUT_WR);
		while (recv(fd, buf, sizeof(buf), 0) > 0)
			;
		close(fd);
	}
	au_reader_init(&r);
	au_reader_insert(&r, doc);
	assert_string_equal(
	        attempt(w, "chrome", &r, NULL, w->tls13->url, au_proxy_url(p), "u", "p", &page, &l),
	        "200");
	au_proxy_stop(p);
	au_card_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_texts_match_catalogue), cmocka_unit_test(test_reader_states),
	        cmocka_unit_test(test_expired_card),          cmocka_unit_test(test_proxies),
	        cmocka_unit_test(test_cardtls_pause),         cmocka_unit_test(test_jpki_client),
	        cmocka_unit_test(test_certificate_viewer),    cmocka_unit_test(test_card_visible),
	        cmocka_unit_test(test_hostile_inputs),        cmocka_unit_test(test_proxy_junk),
	};
	int rc;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return rc;
}
