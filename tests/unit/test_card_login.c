/*
 * IC-card login on the embedded platform over real mutual TLS on loopback (rp/flow_card.h):
 * the simulated PC browser (authenticator/pc.c) presents the test PKI's HPKI and My Number card
 * certificates; every outcome of manual section 3 the platform decides, in both manual
 * generations where the entry exists; success leads into device registration completed by the
 * simulated phone; 3.17 with the platform clock between the handshake and the request.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include "authenticator/pc/pc.h"
#include "authenticator/phone/phone.h"
#include "rp/platform.h"
#include "tests/support/e2e.h"

#define ORIGIN "https://mahpki-auth.example.jp"

#define DOCTOR     "1000000001" /* hpki-doctor-valid; holder of jpki-valid */
#define PHARMACIST "2000000001" /* hpki-pharmacist-valid */
#define REVOKED    "1000000005" /* hpki-doctor-revoked */

typedef struct step step;

typedef struct fixture {
	const step *script;
	const char *manual;
	rp_platform *rp;
	char dir[64];
	wa_clock clock;
	au_phone_env env;
} fixture;

/* A test's initial state: the manual of its platform, its script (NULL: the test's own code). */
typedef struct run {
	const char *manual;
	const step *script;
} run;

static int setup(void **state)
{
	const run *r = *state;
	fixture *f = calloc(1, sizeof(*f));
	rp_platform_options opt = {.manual = r->manual,
	                           .origin = ORIGIN,
	                           .test_control = true,
	                           .card_pki = KAGURA_PKI_DIR,
	                           .https = true};

	if (f == NULL)
		return -1;
	*state = f;
	f->manual = r->manual;
	f->script = r->script;
	return e2e_start(&opt, "card", f->dir, sizeof(f->dir), &f->rp, &f->clock, &f->env) ? 0 : -1;
}

static int teardown(void **state)
{
	fixture *f = *state;

	return e2e_free(f, f->rp, f->dir);
}

/* The same browser, another card inserted. */
static void pc_card(au_pc *pc, const char *card)
{
	char cert[512], key[512];
	au_err e;

	snprintf(cert, sizeof(cert), "%s/cards/%s-chain.pem", KAGURA_PKI_DIR, card);
	snprintf(key, sizeof(key), "%s/cards/%s.key", KAGURA_PKI_DIR, card);
	if ((e = au_pc_set_card(pc, cert, key)) != AU_OK)
		fail_msg("%s: %s", au_errname(e), pc->why);
}

/* The PC's browser trusting the platform's server certificate, with card in the reader. */
static void pc_open(const fixture *f, au_pc *pc, const char *card)
{
	assert_int_equal(au_pc_open(pc, NULL), AU_OK);
	assert_int_equal(au_pc_set_server_ca(pc, rp_platform_tls_ca(f->rp)), AU_OK);
	if (card != NULL)
		pc_card(pc, card);
}

/* Test control with a browser of its own (no card): a JSON answer with "status":"ok". */
static void control(const fixture *f, const char *path, const char *json)
{
	au_pc pc;
	char u[256];

	pc_open(f, &pc, NULL);
	e2e_url(f->rp, path, u, sizeof(u));
	assert_int_equal(au_pc_post_json(&pc, u, json), AU_OK);
	assert_int_equal(pc.status, 200);
	au_pc_close(&pc);
}

static void user(const fixture *f, const char *name)
{
	char body[128];

	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
	control(f, "/test-control/users", body);
}

static void disable(const fixture *f, const char *name)
{
	char body[128];

	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"enabled\":false}", name);
	control(f, "/test-control/users/enabled", body);
}

/* SHA-256 of the card's certificate, lower-case hex. */
static void fingerprint(const char *card, char out[65])
{
	char path[512];
	unsigned char md[32];
	unsigned n = 0;
	FILE *fp;
	X509 *x;

	snprintf(path, sizeof(path), "%s/cards/%s.pem", KAGURA_PKI_DIR, card);
	assert_non_null(fp = fopen(path, "r"));
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	assert_non_null(x);
	assert_int_equal(X509_digest(x, EVP_sha256(), md, &n), 1);
	X509_free(x);
	for (unsigned i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void link_card(const fixture *f, const char *card, const char *name)
{
	char fp[65], body[256];

	fingerprint(card, fp);
	snprintf(body, sizeof(body), "{\"fingerprint\":\"%s\",\"name\":\"%s\"}", fp, name);
	control(f, "/test-control/jpki-links", body);
}

/* GET path with the PC: an answer arrived. */
static void pc_go(const fixture *f, au_pc *pc, const char *path)
{
	char u[256];
	au_err e;

	e2e_url(f->rp, path, u, sizeof(u));
	if ((e = au_pc_get(pc, u)) != AU_OK)
		fail_msg("GET %s: %s: %s", path, au_errname(e), pc->why);
}

/* The page on screen is an error page showing text. */
static void shows(const au_pc *pc, long status, const char *text)
{
	if (strstr(au_pc_text(pc), text) == NULL)
		fail_msg("page (%ld) shows \"%s\", not \"%s\"", pc->status, au_pc_text(pc), text);
	assert_int_equal(pc->status, status);
}

/* The QR page of device registration is on screen. */
static void on_registration(const au_pc *pc)
{
	assert_int_equal(pc->status, 200);
	if (au_pc_qr_url(pc) == NULL)
		fail_msg("no registration QR: \"%s\"", au_pc_text(pc));
	assert_true(strncmp(au_pc_qr_url(pc), ORIGIN "/registration?qr=",
	                    sizeof(ORIGIN "/registration?qr=") - 1) == 0);
}

/* A phone of persona registers from the QR on the PC; the PC then shows 処理が終了しました. */
static void phone_registers(fixture *f, au_pc *pc, const char *persona)
{
	au_phone p;
	au_phone_visit v = {0};
	au_phone_input in = {.origin = ORIGIN};
	char device[128], u[512], why[256], seen[16];

	snprintf(device, sizeof(device), "%s/%s.json", f->dir, persona);
	assert_int_equal(au_phone_new_device(&f->env, persona, KAGURA_ATTESTATION_DIR, device, why,
	                                     sizeof(why)),
	                 AU_OK);
	assert_int_equal(au_phone_open(&p, &f->env, device, NULL, why, sizeof(why)), AU_OK);
	/* The phone's browser trusts the platform's HTTPS certificate too. */
	assert_non_null(p.web = au_web_new(NULL));
	assert_int_equal(au_web_set_ca_file(p.web, rp_platform_tls_ca(f->rp)), AU_WEB_OK);
	e2e_url(f->rp, au_pc_qr_url(pc) + strlen(ORIGIN), u, sizeof(u));
	assert_int_equal(au_phone_visit_url(&p, u, &in, &v), AU_OK);
	assert_string_equal(v.kind, "done");
	au_phone_visit_reset(&v);
	au_phone_close(&p);
	assert_int_equal(au_pc_wait(pc, 5, 10, seen, sizeof(seen)), AU_OK);
	assert_string_equal(seen, "done");
	assert_non_null(strstr(au_pc_text(pc), "処理が終了しました"));
}

/* The CA's test control unlinks the My Number card from its user. */
static void unlink_card(const fixture *f, const char *card)
{
	char fp[65], body[160];

	fingerprint(card, fp);
	snprintf(body, sizeof(body), "{\"fingerprint\":\"%s\",\"delete\":true}", fp);
	control(f, "/test-control/jpki-links", body);
}

/*
 * The card-login cases are scripts: tables of steps (the CA's test control, the PC's browser, the
 * phone) and of what the page on screen must show, run by run_script(). A step with a manual runs
 * on that manual's platform only.
 */
enum op {
	OP_USER,         /* the CA registers user a */
	OP_DISABLE,      /* the CA disables user a */
	OP_LINK,         /* the CA links My Number card a to user b */
	OP_UNLINK,       /* the CA unlinks My Number card a */
	OP_CONTROL,      /* test control: POST path a the JSON b */
	OP_LOGIN,        /* a fresh browser (the last one closed), card a in the reader, GET b */
	OP_SWITCH,       /* the same browser, card a in the reader instead, GET b */
	OP_GO,           /* the same browser and card, GET a */
	OP_CLOSE,        /* the browser closed */
	OP_SHOWS,        /* an error page of HTTP status n showing text a */
	OP_TEXT,         /* the page shows text a */
	OP_TITLE,        /* the page's title is a */
	OP_STATUS,       /* the page's HTTP status is n */
	OP_REGISTRATION, /* the QR page of device registration */
	OP_PHONE,        /* a phone of persona a registers from the QR; the PC then shows it done */
	OP_END,
};

struct step {
	enum op op;
	const char *a, *b;
	long n;
	const char *manual; /* NULL: on both manuals' platforms */
};

#define HPKI             "/card-login/hpki"
#define JPKI             "/card-login/jpki"
#define DISABLED         "HPKI(JPKI)証明書のユーザが無効となっています。"
#define REVOKED_TEXT     "HPKI(JPKI)証明書が失効しています。"
#define AUTH_ERROR       "HPKI(JPKI)認証でエラーが発生しました。"
#define NO_USER_FOR_CARD "マイナンバーカードに紐づくユーザが存在しません。"
#define SORRY            "We are sorry..."
#define LOGIN_AGAIN      "An error occurred, please login again through your application."

/* The steps as the scripts write them; a trailing .manual = "1.04" limits a step to that manual. */
/* clang-format off */
#define USER(name, ...)          {.op = OP_USER, .a = (name), __VA_ARGS__}
#define DISABLE(name, ...)       {.op = OP_DISABLE, .a = (name), __VA_ARGS__}
#define LINK(card, name, ...)    {.op = OP_LINK, .a = (card), .b = (name), __VA_ARGS__}
#define UNLINK(card, ...)        {.op = OP_UNLINK, .a = (card), __VA_ARGS__}
#define CONTROL(path, json, ...) {.op = OP_CONTROL, .a = (path), .b = (json), __VA_ARGS__}
#define LOGIN(card, path, ...)   {.op = OP_LOGIN, .a = (card), .b = (path), __VA_ARGS__}
#define SWITCH(card, path, ...)  {.op = OP_SWITCH, .a = (card), .b = (path), __VA_ARGS__}
#define GO(path, ...)            {.op = OP_GO, .a = (path), __VA_ARGS__}
#define CLOSE(...)               {.op = OP_CLOSE, __VA_ARGS__}
#define SHOWS(status, text, ...) {.op = OP_SHOWS, .a = (text), .n = (status), __VA_ARGS__}
#define TEXT(text, ...)          {.op = OP_TEXT, .a = (text), __VA_ARGS__}
#define TITLE(title, ...)        {.op = OP_TITLE, .a = (title), __VA_ARGS__}
#define STATUS(status, ...)      {.op = OP_STATUS, .n = (status), __VA_ARGS__}
#define REGISTRATION(...)        {.op = OP_REGISTRATION, __VA_ARGS__}
#define PHONE(persona, ...)      {.op = OP_PHONE, .a = (persona), __VA_ARGS__}
#define END()                    {.op = OP_END}
/* clang-format on */

static void run_script(void **state)
{
	fixture *f = *state;
	au_pc pc;
	bool open = false;

	memset(&pc, 0, sizeof(pc));
	for (const step *s = f->script; s->op != OP_END; s++) {
		if (s->manual != NULL && strcmp(s->manual, f->manual) != 0)
			continue;
		switch (s->op) {
		case OP_USER:
			user(f, s->a);
			break;
		case OP_DISABLE:
			disable(f, s->a);
			break;
		case OP_LINK:
			link_card(f, s->a, s->b);
			break;
		case OP_UNLINK:
			unlink_card(f, s->a);
			break;
		case OP_CONTROL:
			control(f, s->a, s->b);
			break;
		case OP_LOGIN:
			if (open)
				au_pc_close(&pc);
			pc_open(f, &pc, s->a);
			open = true;
			pc_go(f, &pc, s->b);
			break;
		case OP_SWITCH:
			pc_card(&pc, s->a);
			pc_go(f, &pc, s->b);
			break;
		case OP_GO:
			pc_go(f, &pc, s->a);
			break;
		case OP_CLOSE:
			au_pc_close(&pc);
			open = false;
			break;
		case OP_SHOWS:
			shows(&pc, s->n, s->a);
			break;
		case OP_TEXT:
			if (strstr(au_pc_text(&pc), s->a) == NULL)
				fail_msg("page shows \"%s\", not \"%s\"", au_pc_text(&pc), s->a);
			break;
		case OP_TITLE:
			assert_string_equal(au_pc_title(&pc), s->a);
			break;
		case OP_STATUS:
			assert_int_equal(pc.status, s->n);
			break;
		case OP_REGISTRATION:
			on_registration(&pc);
			break;
		case OP_PHONE:
			phone_registers(f, &pc, s->a);
			break;
		case OP_END:
			break;
		}
	}
	if (open)
		au_pc_close(&pc);
}

/* ---- v2.16 ---- */

static const step test_hpki_login_registers_device[] = {
        USER(DOCTOR),
        LOGIN("hpki-doctor-valid", HPKI),
        REGISTRATION(), /* user manual 5.2(b) */
        PHONE("android-chrome"),
        END(),
};

static const step test_jpki_login_registers_device[] = {
        USER(DOCTOR),
        LINK("jpki-valid", DOCTOR),
        LOGIN("jpki-valid", JPKI),
        REGISTRATION(), /* user manual 5.2(c) */
        PHONE("ios17-safari"),
        END(),
};

/* User manual 2.4: HPKI login, the registration page, the My Number card; then JPKI login. */
static const step test_jpki_card_registration[] = {
        USER(DOCTOR),
        LOGIN("jpki-valid", JPKI), /* not linked yet */
        SHOWS(403, NO_USER_FOR_CARD),
        LOGIN("hpki-doctor-valid", HPKI),
        REGISTRATION(),
        GO("/jpki-registration"),
        STATUS(200),
        TEXT("マイナンバーカード登録サイト"),
        TEXT("本人ID : " DOCTOR),
        TEXT("マイナンバーカードを登録"),
        SWITCH("jpki-valid", "/card-login/jpki-register"),
        SHOWS(200, "処理が終了しました"),
        LOGIN("jpki-valid", JPKI),
        REGISTRATION(),
        END(),
};

/* 3.14: the card is another user's already (one card per person). */
static const step test_jpki_card_of_another_user[] = {
        USER(DOCTOR),
        USER(PHARMACIST),
        LINK("jpki-valid", PHARMACIST),
        LOGIN("hpki-doctor-valid", HPKI),
        REGISTRATION(),
        SWITCH("jpki-valid", "/card-login/jpki-register"),
        SHOWS(409, "エラーコード:JPKIHREGERR003"),
        SHOWS(409, "登録対象のマイナンバーカードの証明書は、別のユーザが登録済です。"
                   "HPKI証明書を発行した認証局にお問い合わせください。"),
        SHOWS(409, "ページを閉じてください。"),
        END(),
};

/* 3.4, HPKI and JPKI login (v1.04: HPKI only, its own words). */
static const step test_user_disabled[] = {
        USER(DOCTOR),
        DISABLE(DOCTOR),
        LOGIN("hpki-doctor-valid", HPKI),
        SHOWS(403, DISABLED, .manual = "2.16"),
        SHOWS(403, "該当のユーザが無効となっています。", .manual = "1.04"),
        CLOSE(),
        LINK("jpki-valid", DOCTOR, .manual = "2.16"),
        LOGIN("jpki-valid", JPKI, .manual = "2.16"),
        SHOWS(403, DISABLED, .manual = "2.16"),
        END(),
};

/* 3.5: the HPKI card, then the My Number card in the same browser. */
static const step test_hpki_then_jpki[] = {
        USER(DOCTOR),   LINK("jpki-valid", DOCTOR), LOGIN("hpki-doctor-valid", HPKI),
        REGISTRATION(), SWITCH("jpki-valid", JPKI), SHOWS(400, "予期せぬエラーが発生しました。"),
        END(),
};

/*
 * 3.6 (v1.04 3.5): another user's login left in the browser; the remedy: a fresh browser (cache
 * cleared, closed) logs in.
 */
static const step test_other_users_login_left[] = {
        USER(DOCTOR),
        USER(PHARMACIST),
        LOGIN("hpki-doctor-valid", HPKI),
        REGISTRATION(),
        SWITCH("hpki-pharmacist-valid", HPKI),
        TITLE(SORRY, .manual = "1.04"),
        SHOWS(400, LOGIN_AGAIN, .manual = "1.04"),
        SHOWS(400, "Cookie が見つかりません。", .manual = "2.16"),
        LOGIN("hpki-pharmacist-valid", HPKI),
        REGISTRATION(),
        END(),
};

/* 3.11 (v1.04 3.6): the card's user is not registered; then the CA registers the user. */
static const step test_user_not_registered[] = {
        LOGIN("hpki-pharmacist-valid", HPKI),
        SHOWS(403, "ユーザ情報の取得ができませんでした。", .manual = "2.16"),
        SHOWS(403, "該当のユーザが登録されていません", .manual = "1.04"),
        CLOSE(),
        USER(PHARMACIST),
        LOGIN("hpki-pharmacist-valid", HPKI),
        REGISTRATION(),
        END(),
};

/*
 * A card of the renewed CA's old generation logs in (3.23 / 3.24 are the PC viewer's only);
 * revoked in the old generation's CRL is still 3.18.
 */
static const step test_old_generation_ca[] = {
        USER("1000000002"), /* hpki-doctor-old-ca */
        USER("2000000006"), /* hpki-pharmacist-revoked-old-ca */
        LOGIN("hpki-doctor-old-ca", HPKI),
        REGISTRATION(),
        LOGIN("hpki-pharmacist-revoked-old-ca", HPKI),
        SHOWS(403, REVOKED_TEXT),
        END(),
};

/* 3.18: revoked HPKI and My Number cards. */
static const step test_revoked[] = {
        USER(REVOKED),
        LINK("jpki-revoked", REVOKED),
        LOGIN("hpki-doctor-revoked", HPKI),
        SHOWS(403, REVOKED_TEXT),
        LOGIN("jpki-revoked", JPKI),
        SHOWS(403, REVOKED_TEXT),
        END(),
};

/*
 * 3.19: the other kind of card for the login; a card not valid; then JPKI login and the HPKI
 * card without closing the browser.
 */
static const step test_wrong_card[] = {
        USER(DOCTOR),
        LINK("jpki-valid", DOCTOR),
        LOGIN("jpki-valid", HPKI),
        SHOWS(403, AUTH_ERROR),
        LOGIN("hpki-doctor-valid", JPKI),
        SHOWS(403, AUTH_ERROR),
        LOGIN("hpki-doctor-expired", HPKI),
        SHOWS(403, AUTH_ERROR),
        LOGIN("hpki-doctor-untrusted", HPKI),
        SHOWS(403, AUTH_ERROR),
        LOGIN("jpki-valid", JPKI),
        REGISTRATION(),
        SWITCH("hpki-doctor-valid", HPKI),
        SHOWS(400, AUTH_ERROR),
        END(),
};

/* 3.20: a My Number card linked to nobody; the CA's unlink brings it back. */
static const step test_jpki_not_linked[] = {
        USER(DOCTOR),
        LINK("jpki-valid", DOCTOR),
        UNLINK("jpki-valid"),
        LOGIN("jpki-valid", JPKI),
        SHOWS(403, NO_USER_FOR_CARD),
        END(),
};

/* 3.17's other cause: a forbidden network, on the card endpoints. */
static const step test_forbidden_network[] = {
        USER(DOCTOR),
        CONTROL("/test-control/forbidden-networks", "{\"networks\":[\"127.0.0.0/8\"]}"),
        LOGIN("hpki-doctor-valid", HPKI),
        STATUS(403),
        TITLE("403 Forbidden"),
        TEXT("You don't have permission to access this resource."),
        CLOSE(),
        CONTROL("/test-control/forbidden-networks", "{\"networks\":[]}"),
        LOGIN("hpki-doctor-valid", HPKI),
        REGISTRATION(),
        END(),
};

/* ---- v1.04: only the HPKI login existed ---- */

/* No entry for certificate failures: the errorTitle page stands in for the old platform's. */
static const step test_v104_revoked[] = {
        USER(REVOKED), LOGIN("hpki-doctor-revoked", HPKI), TITLE(SORRY), SHOWS(403, LOGIN_AGAIN),
        END(),
};

static const step test_v104_no_jpki[] = {
        USER(DOCTOR),
        LINK("jpki-valid", DOCTOR),
        LOGIN("jpki-valid", JPKI),
        STATUS(404),
        LOGIN("hpki-doctor-valid", HPKI),
        REGISTRATION(),
        PHONE("android-chrome"),
        END(),
};

/* 3.3's cause on the platform side: no client certificate, the connection closes unanswered. */
static void test_no_certificate_closes(void **state)
{
	fixture *f = *state;
	au_pc pc;
	au_web_response r = {0};
	char u[256];

	user(f, DOCTOR);
	pc_open(f, &pc, "hpki-doctor-valid");
	assert_int_equal(au_pc_set_card(&pc, NULL, NULL), AU_OK); /* the card taken out again */
	e2e_url(f->rp, "/card-login/hpki", u, sizeof(u));
	assert_int_equal(au_web_get(pc.web, u, &r), AU_WEB_ERR_EMPTY_REPLY);
	assert_int_equal(r.status, 0);
	assert_true(r.tls_cert_requested);
	au_web_response_reset(&r);
	assert_int_equal(au_pc_get(&pc, u), AU_ERR_NETWORK);
	assert_null(pc.page);
	au_pc_close(&pc);
}

/* ---- 3.17 ---- */

static size_t sink(char *data, size_t size, size_t n, void *ud)
{
	(void)data;
	(void)ud;
	return size * n;
}

/* A libcurl handle for GET u, trusting the CA file ca, with the card's certificate (NULL: none). */
static CURL *card_curl(const char *u, const char *ca, const char *card)
{
	CURL *c = curl_easy_init();
	char cert[512], key[512];

	assert_non_null(c);
	curl_easy_setopt(c, CURLOPT_URL, u);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	if (card != NULL) {
		snprintf(cert, sizeof(cert), "%s/cards/%s-chain.pem", KAGURA_PKI_DIR, card);
		snprintf(key, sizeof(key), "%s/cards/%s.key", KAGURA_PKI_DIR, card);
		/* libcurl copies the strings */
		curl_easy_setopt(c, CURLOPT_SSLCERT, cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY, key);
	}
	return c;
}

/*
 * The PC selects its card (TLS handshake, libcurl CONNECT_ONLY), the platform clock moves
 * advance seconds (the user takes that long over the PIN), then the request goes out on the
 * same connection. The answer's head and body, into out.
 */
static void late_request(const fixture *f, const char *card, int advance, char *out, size_t size)
{
	CURL *c;
	char u[256], body[64], req[256];
	size_t sent = 0, got = 0, n;
	curl_socket_t sock;
	CURLcode rc;

	e2e_url(f->rp, "/card-login/hpki", u, sizeof(u));
	c = card_curl(u, rp_platform_tls_ca(f->rp), card);
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	assert_int_equal(curl_easy_perform(c), CURLE_OK); /* the handshake: the card is chosen */
	snprintf(body, sizeof(body), "{\"advance_seconds\":%d}", advance);
	control(f, "/test-control/clock", body);
	snprintf(req, sizeof(req),
	         "GET /card-login/hpki HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
	assert_int_equal(curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &sock), CURLE_OK);
	while (sent < strlen(req)) {
		rc = curl_easy_send(c, req + sent, strlen(req) - sent, &n);
		if (rc == CURLE_AGAIN) {
			struct pollfd p = {.fd = sock, .events = POLLOUT};
			poll(&p, 1, 1000);
			continue;
		}
		assert_int_equal(rc, CURLE_OK);
		sent += n;
	}
	for (;;) {
		rc = curl_easy_recv(c, out + got, size - 1 - got, &n);
		if (rc == CURLE_AGAIN) {
			struct pollfd p = {.fd = sock, .events = POLLIN};
			assert_true(poll(&p, 1, 5000) > 0);
			continue;
		}
		if (rc != CURLE_OK || n == 0 || got + n >= size - 1) {
			got += rc == CURLE_OK ? n : 0;
			break;
		}
		got += n;
	}
	out[got] = '\0';
	curl_easy_cleanup(c);
}

static void test_pin_after_a_minute(void **state)
{
	fixture *f = *state;
	static char answer[16384];

	user(f, DOCTOR);
	late_request(f, "hpki-doctor-valid", 50, answer, sizeof(answer));
	assert_non_null(strstr(answer, "HTTP/1.1 303"));
	assert_non_null(strstr(answer, "Location: /device-registration"));
	late_request(f, "hpki-doctor-valid", 61, answer, sizeof(answer));
	if (strcmp(f->manual, "1.04") == 0) { /* no such entry: no window */
		assert_non_null(strstr(answer, "HTTP/1.1 303"));
		return;
	}
	assert_non_null(strstr(answer, "HTTP/1.1 403"));
	assert_non_null(strstr(answer, "<title>403 Forbidden</title>"));
	assert_non_null(strstr(answer, "<h1>Forbidden</h1>"));
	assert_non_null(
	        strstr(answer, "<p>You don't have permission to access this resource.</p>"));
	assert_non_null(strstr(answer,
	                       "<p>Additionally, a 403 Forbidden error was encountered while "
	                       "trying to use an ErrorDocument to handle the request.</p>"));
}

/*
 * A later request on a kept-alive connection chose no card: however long after the handshake,
 * it is not 3.17 (scenarios move the clock by minutes while a browser keeps its connection).
 */
static void test_keep_alive_is_not_late(void **state)
{
	fixture *f = *state;
	CURL *c;
	char u[256];
	long status = 0, connects = -1;

	user(f, DOCTOR);
	e2e_url(f->rp, "/card-login/hpki", u, sizeof(u));
	c = card_curl(u, rp_platform_tls_ca(f->rp), "hpki-doctor-valid");
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	assert_int_equal(status, 303);
	control(f, "/test-control/clock", "{\"advance_seconds\":300}");
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
	assert_int_equal(connects, 0); /* the same connection */
	assert_int_equal(status, 303);
	curl_easy_cleanup(c);
}

/* ---- kagura-rp serve --card-pki ---- */

/* GET url with libcurl (card NULL: no client certificate); the CURLcode, the status in *status. */
/* A GET, or with post a JSON POST (test control takes nothing else). */
static CURLcode fetch(const char *u, const char *card, const char *post, long *status)
{
	struct curl_slist *json = curl_slist_append(NULL, "Content-Type: application/json");
	CURL *c;
	char ca[512];
	CURLcode rc;

	snprintf(ca, sizeof(ca), "%s/tls/server-ca.pem", KAGURA_PKI_DIR);
	c = card_curl(u, ca, card);
	if (post != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, json);
	}
	*status = 0;
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(c);
	curl_slist_free_all(json);
	return rc;
}

/* The server alone: --card-pki serves HTTPS with the PKI's certificate and client CAs. */
static void test_serve_card_pki(void **state)
{
	int o[2];
	pid_t pid;
	char line[512] = "", u[256];
	const char *at;
	size_t n = 0;
	long status, answered[3];
	CURLcode rc[4];
	int wst;

	(void)state;
	assert_int_equal(pipe(o), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(o[1], 1);
		close(o[0]);
		execl(KAGURA_RP_BIN, KAGURA_RP_BIN, "serve", "--listen", "127.0.0.1:0",
		      "--card-pki", KAGURA_PKI_DIR, "--test-control", (char *)NULL);
		_exit(127);
	}
	close(o[1]);
	while (n + 1 < sizeof(line) && strchr(line, '\n') == NULL) {
		struct pollfd p = {.fd = o[0], .events = POLLIN};
		ssize_t got;
		if (poll(&p, 1, 10000) <= 0 ||
		    (got = read(o[0], line + n, sizeof(line) - 1 - n)) <= 0)
			break;
		n += (size_t)got;
		line[n] = '\0';
	}
	at = strstr(line, "serving https://");
	if (at == NULL) {
		kill(pid, SIGTERM);
		waitpid(pid, &wst, 0);
		fail_msg("kagura-rp serve said: %s", line);
	}
	at += strlen("serving ");
	/* What each request got, checked once the server is stopped: a failed check must not
	 * leave it running (and holding ctest's pipe). */
	snprintf(u, sizeof(u), "%.*s/test-control/users", (int)strcspn(at, " "), at);
	rc[0] = fetch(u, NULL, "{\"name\":\"" DOCTOR "\"}", &answered[0]);
	snprintf(u, sizeof(u), "%.*s/card-login/hpki", (int)strcspn(at, " "), at);
	rc[1] = fetch(u, "hpki-doctor-valid", NULL, &answered[1]);
	rc[2] = fetch(u, "hpki-pharmacist-valid", NULL, &answered[2]);
	rc[3] = fetch(u, NULL, NULL, &status);
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &wst, 0), pid);
	close(o[0]);
	assert_int_equal(rc[0], CURLE_OK);
	assert_int_equal(answered[0], 200);
	assert_int_equal(rc[1], CURLE_OK);
	assert_int_equal(answered[1], 303);
	assert_int_equal(rc[2], CURLE_OK);
	assert_int_equal(answered[2], 403); /* 3.11 */
	assert_int_equal(rc[3], CURLE_GOT_NOTHING);
	assert_true(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
}

/* A test of its own code (T) or a script (S) on a platform of manual 2.16 or 1.04. */
/* clang-format off */
#define T216(fn)     {#fn, fn, setup, teardown, (void *)&(const run){"2.16", NULL}}
#define T104(fn)     {#fn, fn, setup, teardown, (void *)&(const run){"1.04", NULL}}
#define S216(script) {#script, run_script, setup, teardown, (void *)&(const run){"2.16", script}}
#define S104(script) {#script, run_script, setup, teardown, (void *)&(const run){"1.04", script}}
/* clang-format on */

int main(void)
{
	const struct CMUnitTest tests[] = {
	        S216(test_hpki_login_registers_device),
	        S216(test_jpki_login_registers_device),
	        S216(test_jpki_card_registration),
	        S216(test_jpki_card_of_another_user),
	        S216(test_user_disabled),
	        S216(test_hpki_then_jpki),
	        S216(test_other_users_login_left),
	        S216(test_user_not_registered),
	        S216(test_revoked),
	        S216(test_old_generation_ca),
	        S216(test_wrong_card),
	        S216(test_jpki_not_linked),
	        T216(test_no_certificate_closes),
	        T216(test_pin_after_a_minute),
	        T216(test_keep_alive_is_not_late),
	        S216(test_forbidden_network),
	        S104(test_user_disabled),
	        S104(test_other_users_login_left),
	        S104(test_user_not_registered),
	        T104(test_no_certificate_closes),
	        T104(test_pin_after_a_minute),
	        S104(test_v104_no_jpki),
	        S104(test_v104_revoked),
	        cmocka_unit_test(test_serve_card_pki),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
