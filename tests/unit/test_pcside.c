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

#include "authenticator/pc/card.h"
#include "authenticator/pc/cardtls.h"
#include "authenticator/pc/jpki.h"
#include "authenticator/pc/pc.h"
#include "authenticator/pc/pcbrowser.h"
#include "authenticator/pc/pccerts.h"
#include "authenticator/pc/proxy.h"

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
	/* every class of failure, per browser, gives a line of its manual entry; a real answer is
	 * no error page, nor is a browser the table does not know */
	static const struct {
		const char *browser, *url;
		au_web_err err;
		int alert;
		long status;
		const char *entry;               /* NULL: no error page */
		const char *net_error, *heading; /* NULL: not checked */
		int net_error_code;              /* 0: not checked */
	} pages[] = {
	        {"chrome", "https://" HOST "/x", AU_WEB_ERR_TLS_HANDSHAKE, 40, 0, "3.1",
	         "ERR_SSL_PROTOCOL_ERROR", NULL, 0},
	        {"desktop-edge", "https://" HOST "/x", AU_WEB_ERR_TLS_HANDSHAKE, 40, 0, "3.2", NULL,
	         NULL, 0},
	        {"chrome", "https://" HOST ":443/login", AU_WEB_ERR_TLS_CLIENT_REJECTED, 116, 0,
	         "3.21", NULL, HOST " へのアクセスが拒否されました", -117},
	        {"edge", "https://" HOST "/", AU_WEB_ERR_EMPTY_REPLY, -1, 0, "3.3",
	         "ERR_EMPTY_RESPONSE", NULL, 0},
	        {"chrome", "https://" HOST "/", AU_WEB_ERR_PROXY, -1, 407, "3.10", NULL, NULL, 0},
	        {"chrome", "https://" HOST "/", AU_WEB_OK, -1, 200, NULL, NULL, NULL, 0},
	        {"safari", "https://" HOST "/", AU_WEB_ERR_EMPTY_REPLY, -1, 200, NULL, NULL, NULL,
	         0},
	};
	world *w = *state;

	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		au_web_response r = {.err = pages[i].err,
		                     .tls_alert_received = pages[i].alert,
		                     .status = pages[i].status};
		au_pcb_page page;
		bool shown = au_pcb_error_page(w->pages, pages[i].browser, pages[i].url, &r, &page);

		if (shown != (pages[i].entry != NULL))
			fail_msg("%s, %s: %s error page", pages[i].browser,
			         au_web_errname(pages[i].err), shown ? "an" : "no");
		if (!shown) {
			if (pages[i].err == AU_WEB_OK) /* an answer: the page's class says so */
				assert_int_equal(page.cls, AU_PCB_NONE);
			continue;
		}
		assert_string_equal(page.entry, pages[i].entry);
		assert_true(catalogue_says(w, page.entry, page.heading));
		if (pages[i].net_error != NULL)
			assert_string_equal(page.net_error, pages[i].net_error);
		if (pages[i].heading != NULL)
			assert_string_equal(page.heading, pages[i].heading);
		if (pages[i].net_error_code != 0)
			assert_int_equal(page.net_error_code, pages[i].net_error_code);
	}

	/* the JPKI client's dialogs and the certificate viewer's lines */
	assert_true(catalogue_says(w, "3.15", au_jpki_message(AU_JPKI_ALREADY_RUNNING)));
	assert_true(catalogue_says(w, "3.16", au_jpki_message(AU_JPKI_CANNOT_CONNECT)));
	assert_null(au_jpki_message(AU_JPKI_NOTHING));
	assert_string_equal(au_jpki_manual_entry(AU_JPKI_NOTHING), "3.13");
	assert_true(catalogue_says(w, "3.13", "マイナンバーカードを登録"));
	assert_true(catalogue_says(w, "3.23", au_certview_text(AU_CERTVIEW_ISSUER_MISSING)));
	assert_true(catalogue_says(w, "3.24", au_certview_text(AU_CERTVIEW_ISSUER_GENERATION)));
}

/*
 * The reader, card and proxy cases are scripts: steps that change the reader or insert a card,
 * login attempts with the page they must end on, and what the attempt must have done; run by
 * run_pc(). The proxies are started when a step first names one.
 */
enum pc_op {
	P_SET,
	P_INSERT,
	P_TRY,
	P_READ,
	P_PIN,
	P_CERT,
	P_PICKER,
	P_NET,
	P_HEADING,
	P_STAT,
	P_END
};
enum reader_field { CONNECTED, SEATED, ON_METAL, METAL_FAILURES, ANTIVIRUS, PCA };
enum proxy_id { DIRECT, TUNNEL, AUTH, INSPECT, N_PROXIES };
enum proxy_stat { TUNNELS, AUTH_REFUSED, UPSTREAM_FAILED };

typedef struct pc_step {
	enum pc_op op;
	int n;          /* P_SET: the field; P_TRY: the origin's TLS (12, 13); P_READ: the verdict;
	                   P_STAT: the counter; P_PIN, P_CERT, P_PICKER: the flag */
	unsigned value; /* P_SET: the value; P_STAT: the count */
	bool at_least;  /* P_STAT: value is a minimum */
	const char *a;  /* P_INSERT: card; P_TRY: browser; P_NET, P_HEADING: text */
	const char *shown;       /* P_TRY: "200" or the manual entry of the error page */
	enum proxy_id proxy;     /* P_TRY: through which proxy; P_STAT: whose counter */
	const char *user, *pass; /* P_TRY: the proxy credentials the browser has */
	bool cancel_picker;      /* P_TRY: the user cancels the certificate picker */
} pc_step;

/* clang-format off */
#define SET(field, v)          {.op = P_SET, .n = (field), .value = (v)}
#define INSERT(card)           {.op = P_INSERT, .a = (card)}
#define TRY(browser, tls, page, ...) \
	{.op = P_TRY, .a = (browser), .n = (tls), .shown = (page), __VA_ARGS__}
#define READ(verdict)          {.op = P_READ, .n = (verdict)}
#define PIN(b)                 {.op = P_PIN, .n = (b)}
#define CERT(b)                {.op = P_CERT, .n = (b)}
#define PICKER(b)              {.op = P_PICKER, .n = (b)}
#define NET_ERROR(text)        {.op = P_NET, .a = (text)}
#define HEADING(text)          {.op = P_HEADING, .a = (text)}
#define STAT_IS(p, c, count)   {.op = P_STAT, .proxy = (p), .n = (c), .value = (count)}
#define STAT_AT_LEAST(p, c, count) \
	{.op = P_STAT, .proxy = (p), .n = (c), .value = (count), .at_least = true}
#define END()                  {.op = P_END}
/* clang-format on */

typedef struct pc_run {
	world *w;
	au_reader r;
	au_card *cards[4];
	au_proxy *proxies[N_PROXIES];
	au_pcb_page page;
	au_card_login l;
} pc_run;

/* The card of that name, loaded once per script. */
static au_card *script_card(pc_run *p, const char *name)
{
	size_t i;

	for (i = 0; i < 4 && p->cards[i] != NULL; i++)
		if (strcmp(au_card_name(p->cards[i]), name) == 0)
			return p->cards[i];
	assert_true(i < 4);
	return p->cards[i] = card(name);
}

static au_proxy *script_proxy(pc_run *p, enum proxy_id id)
{
	static const au_proxy_opts opts[N_PROXIES] = {
	        [TUNNEL] = {.mode = AU_PROXY_TUNNEL},
	        [AUTH] = {.mode = AU_PROXY_AUTH, .user = "taro", .password = "s3cret"},
	        [INSPECT] = {.mode = AU_PROXY_INSPECT,
	                     .cert_file = PKI "/tls/server.pem",
	                     .key_file = PKI "/tls/server.key",
	                     .upstream_ca_file = PKI "/tls/server-ca.pem"},
	};
	char err[200];

	if (id != DIRECT && p->proxies[id] == NULL &&
	    !au_proxy_start(&opts[id], &p->proxies[id], err, sizeof(err)))
		fail_msg("proxy %d: %s", id, err);
	return p->proxies[id];
}

static void reader_set(au_reader *r, enum reader_field f, unsigned v)
{
	switch (f) {
	case CONNECTED:
		r->connected = v;
		break;
	case SEATED:
		r->seated = v;
		break;
	case ON_METAL:
		r->on_metal = v;
		break;
	case METAL_FAILURES:
		r->metal_failures = v;
		break;
	case ANTIVIRUS:
		r->antivirus_blocks = v;
		break;
	case PCA:
		r->pca_blocks = v;
		break;
	}
}

static unsigned proxy_stat(au_proxy *proxy, enum proxy_stat c)
{
	au_proxy_stats st = au_proxy_get_stats(proxy);

	return c == TUNNELS ? st.tunnels : c == AUTH_REFUSED ? st.auth_refused : st.upstream_failed;
}

static void pc_step_run(pc_run *p, const pc_step *s)
{
	switch (s->op) {
	case P_SET:
		reader_set(&p->r, (enum reader_field)s->n, s->value);
		break;
	case P_INSERT:
		au_reader_insert(&p->r, script_card(p, s->a));
		break;
	case P_TRY: {
		au_pin_user cancel = {.cancel_picker = true};
		au_proxy *proxy = script_proxy(p, s->proxy);
		const char *shown = attempt(p->w, s->a, &p->r, s->cancel_picker ? &cancel : NULL,
		                            s->n == 12 ? p->w->tls12->url : p->w->tls13->url,
		                            proxy ? au_proxy_url(proxy) : NULL, s->user, s->pass,
		                            &p->page, &p->l);
		if (strcmp(shown, s->shown) != 0)
			fail_msg("%s over TLS 1.%d%s: %s, expected %s", s->a, s->n - 10,
			         s->proxy != DIRECT ? " via a proxy" : "", shown, s->shown);
		break;
	}
	case P_READ:
		assert_int_equal(p->l.read, s->n);
		break;
	case P_PIN:
		assert_int_equal(p->l.pin_prompt, s->n);
		break;
	case P_CERT:
		assert_int_equal(p->l.cert_presented, s->n);
		break;
	case P_PICKER:
		assert_int_equal(p->l.picker_shown, s->n);
		break;
	case P_NET:
		assert_string_equal(p->page.net_error, s->a);
		break;
	case P_HEADING:
		assert_string_equal(p->page.heading, s->a);
		break;
	case P_STAT:
		if (s->at_least)
			assert_true(proxy_stat(p->proxies[s->proxy], (enum proxy_stat)s->n) >=
			            s->value);
		else
			assert_int_equal(proxy_stat(p->proxies[s->proxy], (enum proxy_stat)s->n),
			                 s->value);
		break;
	case P_END:
		break;
	}
}

static void run_pc(world *w, const pc_step *script)
{
	pc_run *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->w = w;
	au_reader_init(&p->r);
	for (const pc_step *s = script; s->op != P_END; s++)
		pc_step_run(p, s);
	for (int i = 0; i < N_PROXIES; i++)
		au_proxy_stop(p->proxies[i]);
	for (int i = 0; i < 4; i++)
		au_card_free(p->cards[i]);
	free(p);
}

/* Reader and driver states: no PIN prompt, no certificate → the browser's page; remedy → 200. */
static const pc_step reader_states[] = {
        INSERT("hpki-doctor-valid"),
        /* healthy: PIN dialog, certificate sent, the platform answers */
        TRY("chrome", 13, "200"),
        PIN(true),
        CERT(true),
        /* card unreadable: reader / driver missing */
        SET(CONNECTED, false),
        TRY("chrome", 13, "3.21"),
        READ(AU_READ_NO_READER),
        PIN(false),
        NET_ERROR("ERR_BAD_SSL_CLIENT_AUTH_CERT"),
        /* the same against a TLS 1.2 server: handshake_failure after an unanswered
         * CertificateRequest is ERR_BAD_SSL_CLIENT_AUTH_CERT: 3.21 in current Chrome and Edge,
         * 3.1 / 3.2 in those of 2016-2022 */
        TRY("chrome", 12, "3.21"),
        TRY("edge", 12, "3.21"),
        TRY("chrome-old", 12, "3.1"),
        TRY("edge-old", 12, "3.2"),
        SET(CONNECTED, true), /* remedy: reader connected, driver installed (4.2) */
        TRY("edge", 12, "200"),
        /* antivirus blocking smart-card access */
        SET(ANTIVIRUS, true),
        TRY("edge", 13, "3.21"),
        READ(AU_READ_ANTIVIRUS),
        SET(ANTIVIRUS, false),
        TRY("edge", 13, "200"),
        /* Program Compatibility Assistant disabled the middleware */
        SET(PCA, true),
        TRY("chrome", 12, "3.21"),
        TRY("chrome-old", 12, "3.1"),
        READ(AU_READ_PCA),
        SET(PCA, false),
        TRY("chrome", 12, "200"),
        /* card not seated */
        SET(SEATED, false),
        TRY("chrome", 13, "3.21"),
        READ(AU_READ_NO_CARD),
        INSERT("hpki-doctor-valid"),
        /* contactless reader on a metal desk: intermittent, the first two reads fail */
        SET(ON_METAL, true),
        SET(METAL_FAILURES, 2),
        TRY("chrome", 13, "3.21"),
        READ(AU_READ_METAL),
        TRY("chrome", 13, "3.21"),
        TRY("chrome", 13, "200"), /* the third read works: intermittent */
        /* remedy: off the metal, every read works from the first */
        INSERT("hpki-doctor-valid"),
        SET(ON_METAL, false),
        TRY("chrome", 13, "200"),
        /* Cancel in the certificate picker: the card was read, nothing was sent */
        TRY("chrome", 13, "3.21", .cancel_picker = true),
        PICKER(true),
        PIN(false),
        END(),
};

/* The PIN dialog opens (the card reads), the server refuses the certificate; remedy: a valid card.
 */
static const pc_step expired_card[] = {
        INSERT("hpki-doctor-expired"),
        TRY("chrome", 13, "3.21"),
        PIN(true),
        CERT(true),
        TRY("edge", 12, "3.21"),
        INSERT("hpki-pharmacist-valid"),
        TRY("edge", 12, "200"),
        END(),
};

static const pc_step proxies[] = {
        INSERT("hpki-doctor-valid"),
        /* a relaying (CONNECT) proxy: the card's certificate reaches the server */
        TRY("chrome", 13, "200", .proxy = TUNNEL),
        STAT_IS(TUNNEL, TUNNELS, 1),
        /* a proxy that wants credentials: 3.10 */
        TRY("chrome", 13, "3.10", .proxy = AUTH),
        HEADING("Unauthorized"),
        TRY("edge", 13, "3.10", .proxy = AUTH, .user = "taro", .pass = "wrong"),
        STAT_AT_LEAST(AUTH, AUTH_REFUSED, 2),
        /* remedy: the proxy's credentials set in the browser */
        TRY("edge", 13, "200", .proxy = AUTH, .user = "taro", .pass = "s3cret"),
        /* a TLS-inspecting proxy: no client certificate upstream, the browser gets nothing: 3.3 */
        TRY("chrome", 13, "3.3", .proxy = INSPECT),
        CERT(true), /* the browser did its part: the proxy dropped it */
        TRY("edge", 12, "3.3", .proxy = INSPECT),
        STAT_AT_LEAST(INSPECT, UPSTREAM_FAILED, 2),
        /* remedy: bypass it (direct), or a relaying proxy */
        TRY("chrome", 13, "200"),
        TRY("chrome", 12, "200", .proxy = TUNNEL),
        END(),
};

static void test_reader_states(void **state)
{
	run_pc(*state, reader_states);
}

static void test_expired_card(void **state)
{
	run_pc(*state, expired_card);
}

static void test_proxies(void **state)
{
	run_pc(*state, proxies);
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
	au_certview_result vr;
	const char *text = NULL;
	au_pcb_page page;
	au_card_login l;

	au_reader_init(&r);
	au_reader_insert(&r, doc);

	/* nothing installed: 3.23 */
	assert_true(au_pc_view_card_cert(&pc, &r, june_2025(), &vr, &text));
	assert_int_equal(vr.verdict, AU_CERTVIEW_ISSUER_MISSING);
	assert_true(catalogue_says(w, "3.23", text));
	/* roots only, no HPKI CA: 3.23 */
	assert_true(au_pc_certs_install_file(&pc, PKI "/pc/installed-roots-only.pem"));
	assert_true(au_pc_view_card_cert(&pc, &r, june_2025(), &vr, &text));
	assert_int_equal(vr.verdict, AU_CERTVIEW_ISSUER_MISSING);
	/* ... and the login succeeds all the same */
	assert_string_equal(
	        attempt(w, "chrome", &r, NULL, w->tls13->url, NULL, NULL, NULL, &page, &l), "200");

	/* the old JMA CA installed: 3.24 */
	au_pc_certs_clear(&pc);
	assert_true(au_pc_certs_install_file(&pc, PKI "/pc/installed-old.pem"));
	assert_true(au_pc_view_card_cert(&pc, &r, june_2025(), &vr, &text));
	assert_int_equal(vr.verdict, AU_CERTVIEW_ISSUER_GENERATION);
	assert_true(catalogue_says(w, "3.24", text));
	assert_string_equal(
	        attempt(w, "edge", &r, NULL, w->tls12->url, NULL, NULL, NULL, &page, &l), "200");

	/* remedy: the current CA certificates */
	au_pc_certs_clear(&pc);
	assert_true(au_pc_certs_install_file(&pc, PKI "/pc/installed-current.pem"));
	assert_true(au_pc_view_card_cert(&pc, &r, june_2025(), &vr, &text));
	assert_int_equal(vr.verdict, AU_CERTVIEW_OK);

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
	fputs("{\"format\":2,\"browsers\":[{\"name\":\"chrome\"},{\"name\":\"edge\"}],"
	      "\"classes\":[{\"class\":\"tls_protocol\",\"net_error\":\"E\","
	      "\"net_error_code\":-1,\"pages\":{\"chrome\":{\"entry\":\"3.1\"}}}]}",
	      f);
	fclose(f);
	assert_null(au_pcb_load("pcside-bad.json", err, sizeof(err)));
	assert_non_null(strstr(err, "edge") ? err : strstr(err, "chrome"));
	f = fopen("pcside-bad.json", "w");
	fputs("{\"format\":2,\"browsers\":[{\"name\":\"chrome\"},{\"name\":\"chrome\"}],"
	      "\"classes\":[]}",
	      f);
	fclose(f);
	assert_null(au_pcb_load("pcside-bad.json", err, sizeof(err)));
	assert_non_null(strstr(err, "repeated browser"));
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

/* The PC's browser (pc.h): each failure its own au_err, the detail in why, "" after AU_OK. */
static void test_pc_browser(void **state)
{
	world *w = *state;
	au_pc pc;
	char st[16] = "x", html[] = "<html><head><title>T</title></head><body>hi</body></html>",
	     url[] = "https://" HOST "/page";
	au_web_response page = {.status = 200, .url = url, .body = html, .body_len = strlen(html)},
	                empty = {.error = "Empty reply from server"};
	char want[300];
	int handshakes;

	/* every code of the one error space has its name and its own message */
	for (int a = 0; a < AU_ERR__COUNT; a++) {
		assert_int_equal(strncmp(au_errname((au_err)a), "AU_", 3), 0);
		for (int b = a + 1; b < AU_ERR__COUNT; b++)
			assert_string_not_equal(au_strerr((au_err)a), au_strerr((au_err)b));
	}
	assert_string_equal(au_errname(AU_ERR_QR_WAITING), "AU_ERR_QR_WAITING");

	/* a cookie jar that cannot be read (a file as a directory) */
	assert_int_equal(au_pc_open(&pc, PKI "/index.json/jar"), AU_ERR_BROWSER_FILE);
	assert_non_null(strstr(pc.why, "cookie jar cannot be read"));
	au_pc_close(&pc);

	assert_int_equal(au_pc_open(&pc, NULL), AU_OK);
	assert_string_equal(pc.why, "");
	assert_int_equal(au_pc_set_server_ca(&pc, "/nonexistent/ca.pem"), AU_ERR_BROWSER_FILE);
	assert_int_equal(strncmp(pc.why, "CA /nonexistent/ca.pem: ", 24), 0);
	assert_int_equal(au_pc_set_server_ca(&pc, NULL), AU_ERR_ARG);
	assert_int_equal(au_pc_set_server_ca(&pc, PKI "/tls/server-ca.pem"), AU_OK);
	assert_string_equal(pc.why, "");
	assert_int_equal(au_pc_set_card(&pc, "/nonexistent/card.pem", "/nonexistent/card.key"),
	                 AU_ERR_BROWSER_FILE);
	assert_int_equal(strncmp(pc.why, "card /nonexistent/card.pem: ", 28), 0);
	assert_int_equal(au_pc_set_card(&pc, PKI "/cards/hpki-doctor-valid-chain.pem", NULL),
	                 AU_ERR_ARG);

	/* nothing on screen yet: no QR to wait on, no form; nothing is sent */
	handshakes = atomic_load(&w->tls13->handshakes);
	assert_int_equal(au_pc_wait(&pc, 1, 1, st, sizeof(st)), AU_ERR_NO_QR);
	assert_string_equal(st, "");
	assert_string_equal(pc.why, "the page shows no QR to wait on");
	assert_int_equal(au_pc_submit(&pc, "kc-form-login", "username", "x"), AU_ERR_NO_FORM);
	assert_string_equal(pc.why, "the page has no form kc-form-login");
	assert_int_equal(au_pc_post_json(&pc, w->tls13->url, "{not json"), AU_ERR_ARG);
	assert_string_equal(pc.why, "not JSON: {not json");
	assert_int_equal(atomic_load(&w->tls13->handshakes), handshakes);

	/* no card: the strict origin refuses the handshake, the browser has no page */
	assert_int_equal(au_pc_set_card(&pc, NULL, NULL), AU_OK);
	assert_int_equal(au_pc_get(&pc, w->tls13->url), AU_ERR_NETWORK);
	assert_null(pc.page);
	assert_string_not_equal(pc.why, "");
	assert_string_equal(au_pc_text(&pc), "");
	/* the card in the reader: the answer shows, why is empty again */
	assert_int_equal(au_pc_set_card(&pc, PKI "/cards/hpki-doctor-valid-chain.pem",
	                                PKI "/cards/hpki-doctor-valid.key"),
	                 AU_OK);
	assert_int_equal(au_pc_get(&pc, w->tls13->url), AU_OK);
	assert_int_equal(pc.status, 200);
	assert_string_equal(pc.why, "");
	assert_non_null(strstr(au_pc_text(&pc), "login ok"));

	/* answers from a connection of the card login's own */
	assert_int_equal(au_pc_show(&pc, AU_WEB_ERR_EMPTY_REPLY, &empty), AU_ERR_NETWORK);
	snprintf(want, sizeof(want), "%s (Empty reply from server)",
	         au_web_strerr(AU_WEB_ERR_EMPTY_REPLY));
	assert_string_equal(pc.why, want);
	assert_null(pc.page);
	assert_int_equal(pc.status, 0);
	assert_int_equal(au_pc_show(&pc, AU_WEB_OK, &page), AU_OK);
	assert_string_equal(au_pc_title(&pc), "T");
	assert_string_equal(au_pc_text(&pc), "hi");
	assert_string_equal(au_page_url(pc.page), url);
	assert_ptr_equal(page.body, html); /* the response stays the caller's */
	au_pc_close(&pc);
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

/* Chromium's net error for each failed handshake (docs/browser-errors.md, "Client certificates
 * and Chromium's TLS errors"): the alert, whether a CertificateRequest came and was answered,
 * whether the ClientHello itself was refused. */
static void test_chromium_tls_mapping(void **state)
{
	static const struct {
		int alert;
		bool requested, sent, server_hello;
		au_pcb_class cls;
	} rows[] = {
	        /* TLS 1.2 front, no certificate (card unread, Cancel): crbug 646567 */
	        {40, true, false, true, AU_PCB_CLIENT_CERT_REJECTED},
	        /* TLS 1.2 front refusing a certificate it got (expired, revoked) */
	        {40, true, true, true, AU_PCB_TLS_PROTOCOL},
	        /* handshake_failure with no CertificateRequest, after the ServerHello */
	        {40, false, false, true, AU_PCB_TLS_PROTOCOL},
	        /* handshake_failure to the ClientHello: no common cipher (crbug 446505) */
	        {40, false, false, false, AU_PCB_TLS_VERSION_OR_CIPHER},
	        {70, false, false, false, AU_PCB_TLS_VERSION_OR_CIPHER},
	        {71, false, false, true, AU_PCB_TLS_VERSION_OR_CIPHER},
	        /* TLS 1.3 without a certificate, and the certificate alerts */
	        {116, true, false, true, AU_PCB_CLIENT_CERT_REJECTED},
	        {42, true, true, true, AU_PCB_CLIENT_CERT_REJECTED},
	        {43, true, true, true, AU_PCB_CLIENT_CERT_REJECTED},
	        {44, true, true, true, AU_PCB_CLIENT_CERT_REJECTED},
	        {45, true, true, true, AU_PCB_CLIENT_CERT_REJECTED},
	        {46, true, true, true, AU_PCB_CLIENT_CERT_REJECTED},
	        {48, true, true, true, AU_PCB_CLIENT_CERT_REJECTED},
	        /* access_denied: a client-certificate refusal only after a CertificateRequest */
	        {49, true, true, true, AU_PCB_CLIENT_CERT_REJECTED},
	        {49, false, false, true, AU_PCB_TLS_PROTOCOL},
	        /* alerts with net errors of their own; other alerts; none at all */
	        {20, false, false, true, AU_PCB_OTHER},
	        {51, true, true, true, AU_PCB_OTHER},
	        {112, false, false, false, AU_PCB_OTHER},
	        {80, true, false, true, AU_PCB_TLS_PROTOCOL},
	        {-1, false, false, false, AU_PCB_TLS_PROTOCOL},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		au_pcb_handshake h = {.alert = rows[i].alert,
		                      .cert_requested = rows[i].requested,
		                      .cert_sent = rows[i].sent,
		                      .server_hello = rows[i].server_hello};
		au_pcb_class got = au_pcb_classify_handshake(&h);
		if (got != rows[i].cls)
			fail_msg("row %zu (alert %d): %s, not %s", i, rows[i].alert,
			         au_pcb_class_name(got), au_pcb_class_name(rows[i].cls));
	}
	assert_int_equal(au_pcb_classify_handshake(NULL), AU_PCB_OTHER);
}

/* The same failure, the page of each browser's era: ERR_BAD_SSL_CLIENT_AUTH_CERT is 3.21 in
 * current Chrome and Edge, 3.1 / 3.2 in those of 2016-2022; ERR_SSL_PROTOCOL_ERROR is 3.1 / 3.2
 * in both. The au_web responses are the ones a TLS 1.2 front gives. */
static void test_pages_by_browser_era(void **state)
{
	static const struct {
		const char *browser;
		au_web_err err; /* TLS_CLIENT_REJECTED: au_web had no certificate to send */
		bool requested;
		const char *entry, *net_error;
	} rows[] = {
	        {"chrome", AU_WEB_ERR_TLS_CLIENT_REJECTED, true, "3.21",
	         "ERR_BAD_SSL_CLIENT_AUTH_CERT"},
	        {"edge", AU_WEB_ERR_TLS_CLIENT_REJECTED, true, "3.21",
	         "ERR_BAD_SSL_CLIENT_AUTH_CERT"},
	        {"chrome-old", AU_WEB_ERR_TLS_CLIENT_REJECTED, true, "3.1",
	         "ERR_BAD_SSL_CLIENT_AUTH_CERT"},
	        {"edge-old", AU_WEB_ERR_TLS_CLIENT_REJECTED, true, "3.2",
	         "ERR_BAD_SSL_CLIENT_AUTH_CERT"},
	        {"chrome", AU_WEB_ERR_TLS_HANDSHAKE, true, "3.1", "ERR_SSL_PROTOCOL_ERROR"},
	        {"edge", AU_WEB_ERR_TLS_HANDSHAKE, true, "3.2", "ERR_SSL_PROTOCOL_ERROR"},
	        {"chrome-old", AU_WEB_ERR_TLS_HANDSHAKE, true, "3.1", "ERR_SSL_PROTOCOL_ERROR"},
	        {"desktop-edge-old", AU_WEB_ERR_TLS_HANDSHAKE, true, "3.2",
	         "ERR_SSL_PROTOCOL_ERROR"},
	};
	world *w = *state;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		au_web_response r = {.err = rows[i].err,
		                     .tls_alert_received = 40,
		                     .tls_cert_requested = rows[i].requested};
		au_pcb_page page;
		assert_true(au_pcb_error_page(w->pages, rows[i].browser, "https://" HOST "/login",
		                              &r, &page));
		if (strcmp(page.entry, rows[i].entry) != 0 ||
		    strcmp(page.net_error, rows[i].net_error) != 0)
			fail_msg("%s: %s %s, not %s %s", rows[i].browser, page.entry,
			         page.net_error, rows[i].entry, rows[i].net_error);
		assert_true(catalogue_says(w, page.entry, page.heading));
	}
	assert_true(au_pcb_knows_browser(w->pages, "chrome-old"));
	assert_false(au_pcb_knows_browser(w->pages, "desktop-edge"));
	assert_false(au_pcb_knows_browser(NULL, "chrome"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_texts_match_catalogue),
	        cmocka_unit_test(test_chromium_tls_mapping),
	        cmocka_unit_test(test_pages_by_browser_era),
	        cmocka_unit_test(test_reader_states),
	        cmocka_unit_test(test_expired_card),
	        cmocka_unit_test(test_proxies),
	        cmocka_unit_test(test_cardtls_pause),
	        cmocka_unit_test(test_jpki_client),
	        cmocka_unit_test(test_certificate_viewer),
	        cmocka_unit_test(test_card_visible),
	        cmocka_unit_test(test_hostile_inputs),
	        cmocka_unit_test(test_proxy_junk),
	        cmocka_unit_test(test_pc_browser),
	};
	int rc;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return rc;
}
