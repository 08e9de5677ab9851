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

#include "authenticator/pc.h"
#include "authenticator/phone.h"
#include "rp/platform.h"
#include "tests/support/e2e.h"

#define ORIGIN "https://mahpki-auth.example.jp"

#define DOCTOR     "1000000001" /* hpki-doctor-valid; holder of jpki-valid */
#define PHARMACIST "2000000001" /* hpki-pharmacist-valid */
#define REVOKED    "1000000005" /* hpki-doctor-revoked */

typedef struct fixture {
	const char *manual;
	rp_platform *rp;
	char dir[64];
	wa_clock clock;
	au_phone_env env;
} fixture;

static int setup_manual(void **state, const char *manual)
{
	fixture *f = calloc(1, sizeof(*f));
	rp_platform_options opt = {.manual = manual,
	                           .origin = ORIGIN,
	                           .test_control = true,
	                           .card_pki = KAGURA_PKI_DIR,
	                           .https = true};

	if (f == NULL)
		return -1;
	*state = f;
	f->manual = manual;
	if (!e2e_start(&opt, "card", f->dir, sizeof(f->dir), &f->rp, &f->clock, &f->env))
		return -1;
	return 0;
}

static int setup_216(void **state)
{
	return setup_manual(state, "2.16");
}

static int setup_104(void **state)
{
	return setup_manual(state, "1.04");
}

static int teardown(void **state)
{
	fixture *f = *state;
	if (!e2e_stop(f->rp, f->dir))
		return -1;
	free(f);
	return 0;
}

static void url(const fixture *f, const char *path, char *out, size_t size)
{
	snprintf(out, size, "%s%s", rp_platform_base(f->rp), path);
}

/* The same browser, another card inserted. */
static void pc_card(au_pc *pc, const char *card)
{
	char cert[512], key[512];

	snprintf(cert, sizeof(cert), "%s/cards/%s-chain.pem", KAGURA_PKI_DIR, card);
	snprintf(key, sizeof(key), "%s/cards/%s.key", KAGURA_PKI_DIR, card);
	if (!au_pc_set_card(pc, cert, key))
		fail_msg("%s", pc->error);
}

/* The PC's browser trusting the platform's server certificate, with card in the reader. */
static void pc_open(const fixture *f, au_pc *pc, const char *card)
{
	assert_true(au_pc_open(pc, NULL));
	assert_true(au_pc_set_server_ca(pc, rp_platform_tls_ca(f->rp)));
	if (card != NULL)
		pc_card(pc, card);
}

/* Test control with a browser of its own (no card): a JSON answer with "status":"ok". */
static void control(const fixture *f, const char *path, const char *json)
{
	au_pc pc;
	char u[256];

	pc_open(f, &pc, NULL);
	url(f, path, u, sizeof(u));
	assert_true(au_pc_post_json(&pc, u, json));
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

	url(f, path, u, sizeof(u));
	if (!au_pc_get(pc, u))
		fail_msg("GET %s: %s", path, pc->error);
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
	snprintf(u, sizeof(u), "%s%s", rp_platform_base(f->rp), au_pc_qr_url(pc) + strlen(ORIGIN));
	assert_int_equal(au_phone_visit_url(&p, u, &in, &v), AU_OK);
	assert_string_equal(v.kind, "done");
	au_phone_visit_reset(&v);
	au_phone_close(&p);
	assert_true(au_pc_wait(pc, 5, 10, seen, sizeof(seen)));
	assert_string_equal(seen, "done");
	assert_non_null(strstr(au_pc_text(pc), "処理が終了しました"));
}

/* ---- v2.16 ---- */

static void test_hpki_login_registers_device(void **state)
{
	fixture *f = *state;
	au_pc pc;

	user(f, DOCTOR);
	pc_open(f, &pc, "hpki-doctor-valid");
	pc_go(f, &pc, "/card-login/hpki");
	on_registration(&pc); /* user manual 5.2(b) */
	phone_registers(f, &pc, "android-chrome");
	au_pc_close(&pc);
}

static void test_jpki_login_registers_device(void **state)
{
	fixture *f = *state;
	au_pc pc;

	user(f, DOCTOR);
	link_card(f, "jpki-valid", DOCTOR);
	pc_open(f, &pc, "jpki-valid");
	pc_go(f, &pc, "/card-login/jpki");
	on_registration(&pc); /* user manual 5.2(c) */
	phone_registers(f, &pc, "ios17-safari");
	au_pc_close(&pc);
}

/* User manual 2.4: HPKI login, the registration page, the My Number card; then JPKI login. */
static void test_jpki_card_registration(void **state)
{
	fixture *f = *state;
	au_pc pc;

	user(f, DOCTOR);
	pc_open(f, &pc, "jpki-valid");
	pc_go(f, &pc, "/card-login/jpki"); /* not linked yet */
	shows(&pc, 403, "マイナンバーカードに紐づくユーザが存在しません。");
	au_pc_close(&pc);

	pc_open(f, &pc, "hpki-doctor-valid");
	pc_go(f, &pc, "/card-login/hpki");
	on_registration(&pc);
	pc_go(f, &pc, "/jpki-registration");
	assert_int_equal(pc.status, 200);
	assert_non_null(strstr(au_pc_text(&pc), "マイナンバーカード登録サイト"));
	assert_non_null(strstr(au_pc_text(&pc), "本人ID : " DOCTOR));
	assert_non_null(strstr(au_pc_text(&pc), "マイナンバーカードを登録"));
	pc_card(&pc, "jpki-valid");
	pc_go(f, &pc, "/card-login/jpki-register");
	shows(&pc, 200, "処理が終了しました");
	au_pc_close(&pc);

	pc_open(f, &pc, "jpki-valid");
	pc_go(f, &pc, "/card-login/jpki");
	on_registration(&pc);
	au_pc_close(&pc);
}

/* 3.14: the card is another user's already (one card per person). */
static void test_jpki_card_of_another_user(void **state)
{
	fixture *f = *state;
	au_pc pc;

	user(f, DOCTOR);
	user(f, PHARMACIST);
	link_card(f, "jpki-valid", PHARMACIST);
	pc_open(f, &pc, "hpki-doctor-valid");
	pc_go(f, &pc, "/card-login/hpki");
	on_registration(&pc);
	pc_card(&pc, "jpki-valid");
	pc_go(f, &pc, "/card-login/jpki-register");
	shows(&pc, 409, "エラーコード:JPKIHREGERR003");
	shows(&pc, 409,
	      "登録対象のマイナンバーカードの証明書は、別のユーザが登録済です。"
	      "HPKI証明書を発行した認証局にお問い合わせください。");
	shows(&pc, 409, "ページを閉じてください。");
	au_pc_close(&pc);
}

/* 3.4, HPKI and JPKI login. */
static void test_user_disabled(void **state)
{
	fixture *f = *state;
	au_pc pc;
	const char *text = strcmp(f->manual, "1.04") == 0
	                           ? "該当のユーザが無効となっています。"
	                           : "HPKI(JPKI)証明書のユーザが無効となっています。";

	user(f, DOCTOR);
	disable(f, DOCTOR);
	pc_open(f, &pc, "hpki-doctor-valid");
	pc_go(f, &pc, "/card-login/hpki");
	shows(&pc, 403, text);
	au_pc_close(&pc);
	if (strcmp(f->manual, "1.04") == 0)
		return;
	link_card(f, "jpki-valid", DOCTOR);
	pc_open(f, &pc, "jpki-valid");
	pc_go(f, &pc, "/card-login/jpki");
	shows(&pc, 403, text);
	au_pc_close(&pc);
}

/* 3.5: the HPKI card, then the My Number card in the same browser. */
static void test_hpki_then_jpki(void **state)
{
	fixture *f = *state;
	au_pc pc;

	user(f, DOCTOR);
	link_card(f, "jpki-valid", DOCTOR);
	pc_open(f, &pc, "hpki-doctor-valid");
	pc_go(f, &pc, "/card-login/hpki");
	on_registration(&pc);
	pc_card(&pc, "jpki-valid");
	pc_go(f, &pc, "/card-login/jpki");
	shows(&pc, 400, "予期せぬエラーが発生しました。");
	au_pc_close(&pc);
}

/* 3.6 (v1.04 3.5): another user's login left in the browser. */
static void test_other_users_login_left(void **state)
{
	fixture *f = *state;
	au_pc pc;

	user(f, DOCTOR);
	user(f, PHARMACIST);
	pc_open(f, &pc, "hpki-doctor-valid");
	pc_go(f, &pc, "/card-login/hpki");
	on_registration(&pc);
	pc_card(&pc, "hpki-pharmacist-valid");
	pc_go(f, &pc, "/card-login/hpki");
	if (strcmp(f->manual, "1.04") == 0) {
		assert_string_equal(au_pc_title(&pc), "We are sorry...");
		shows(&pc, 400, "An error occurred, please login again through your application.");
	} else {
		shows(&pc, 400, "Cookie が見つかりません。");
	}
	au_pc_close(&pc);
	/* The remedy: a fresh browser (cache cleared, closed) logs in. */
	pc_open(f, &pc, "hpki-pharmacist-valid");
	pc_go(f, &pc, "/card-login/hpki");
	on_registration(&pc);
	au_pc_close(&pc);
}

/* 3.11 (v1.04 3.6): the card's user is not registered. */
static void test_user_not_registered(void **state)
{
	fixture *f = *state;
	au_pc pc;

	pc_open(f, &pc, "hpki-pharmacist-valid");
	pc_go(f, &pc, "/card-login/hpki");
	shows(&pc, 403,
	      strcmp(f->manual, "1.04") == 0 ? "該当のユーザが登録されていません"
	                                     : "ユーザ情報の取得ができませんでした。");
	au_pc_close(&pc);
	user(f, PHARMACIST); /* the CA registers the user */
	pc_open(f, &pc, "hpki-pharmacist-valid");
	pc_go(f, &pc, "/card-login/hpki");
	on_registration(&pc);
	au_pc_close(&pc);
}

/*
 * A card of the renewed CA's old generation logs in (3.23 / 3.24 are the PC viewer's only);
 * revoked in the old generation's CRL is still 3.18.
 */
static void test_old_generation_ca(void **state)
{
	fixture *f = *state;
	au_pc pc;

	user(f, "1000000002"); /* hpki-doctor-old-ca */
	user(f, "2000000006"); /* hpki-pharmacist-revoked-old-ca */
	pc_open(f, &pc, "hpki-doctor-old-ca");
	pc_go(f, &pc, "/card-login/hpki");
	on_registration(&pc);
	au_pc_close(&pc);
	pc_open(f, &pc, "hpki-pharmacist-revoked-old-ca");
	pc_go(f, &pc, "/card-login/hpki");
	shows(&pc, 403, "HPKI(JPKI)証明書が失効しています。");
	au_pc_close(&pc);
}

/* 3.18: revoked HPKI and My Number cards. */
static void test_revoked(void **state)
{
	fixture *f = *state;
	au_pc pc;

	user(f, REVOKED);
	link_card(f, "jpki-revoked", REVOKED);
	pc_open(f, &pc, "hpki-doctor-revoked");
	pc_go(f, &pc, "/card-login/hpki");
	shows(&pc, 403, "HPKI(JPKI)証明書が失効しています。");
	au_pc_close(&pc);
	pc_open(f, &pc, "jpki-revoked");
	pc_go(f, &pc, "/card-login/jpki");
	shows(&pc, 403, "HPKI(JPKI)証明書が失効しています。");
	au_pc_close(&pc);
}

/* 3.19: the other kind of card for the login; switching cards; a card not valid. */
static void test_wrong_card(void **state)
{
	fixture *f = *state;
	au_pc pc;
	static const char *const cases[][2] = {{"jpki-valid", "/card-login/hpki"},
	                                       {"hpki-doctor-valid", "/card-login/jpki"},
	                                       {"hpki-doctor-expired", "/card-login/hpki"},
	                                       {"hpki-doctor-untrusted", "/card-login/hpki"}};

	user(f, DOCTOR);
	link_card(f, "jpki-valid", DOCTOR);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pc_open(f, &pc, cases[i][0]);
		pc_go(f, &pc, cases[i][1]);
		shows(&pc, 403, "HPKI(JPKI)認証でエラーが発生しました。");
		au_pc_close(&pc);
	}
	/* JPKI login, then the HPKI card without closing the browser. */
	pc_open(f, &pc, "jpki-valid");
	pc_go(f, &pc, "/card-login/jpki");
	on_registration(&pc);
	pc_card(&pc, "hpki-doctor-valid");
	pc_go(f, &pc, "/card-login/hpki");
	shows(&pc, 400, "HPKI(JPKI)認証でエラーが発生しました。");
	au_pc_close(&pc);
}

/* 3.20: a My Number card linked to nobody; the CA's unlink brings it back. */
static void test_jpki_not_linked(void **state)
{
	fixture *f = *state;
	au_pc pc;
	char fp[65], body[160];

	user(f, DOCTOR);
	link_card(f, "jpki-valid", DOCTOR);
	fingerprint("jpki-valid", fp);
	snprintf(body, sizeof(body), "{\"fingerprint\":\"%s\",\"delete\":true}", fp);
	control(f, "/test-control/jpki-links", body);
	pc_open(f, &pc, "jpki-valid");
	pc_go(f, &pc, "/card-login/jpki");
	shows(&pc, 403, "マイナンバーカードに紐づくユーザが存在しません。");
	au_pc_close(&pc);
}

/* 3.3's cause on the platform side: no client certificate, the connection closes unanswered. */
static void test_no_certificate_closes(void **state)
{
	fixture *f = *state;
	au_pc pc;
	au_web_response r = {0};
	char u[256];

	user(f, DOCTOR);
	pc_open(f, &pc, "hpki-doctor-valid");
	assert_true(au_pc_set_card(&pc, NULL, NULL)); /* the card taken out again */
	url(f, "/card-login/hpki", u, sizeof(u));
	assert_int_equal(au_web_get(pc.web, u, &r), AU_WEB_ERR_EMPTY_REPLY);
	assert_int_equal(r.status, 0);
	assert_true(r.tls_cert_requested);
	au_web_response_reset(&r);
	assert_false(au_pc_get(&pc, u));
	au_pc_close(&pc);
}

/* ---- 3.17 ---- */

static size_t sink(char *data, size_t size, size_t n, void *ud)
{
	(void)data;
	(void)ud;
	return size * n;
}

/*
 * The PC selects its card (TLS handshake, libcurl CONNECT_ONLY), the platform clock moves
 * advance seconds (the user takes that long over the PIN), then the request goes out on the
 * same connection. The answer's head and body, into out.
 */
static void late_request(const fixture *f, const char *card, int advance, char *out, size_t size)
{
	CURL *c = curl_easy_init();
	char u[256], cert[512], key[512], body[64], req[256];
	size_t sent = 0, got = 0, n;
	curl_socket_t sock;
	CURLcode rc;

	assert_non_null(c);
	url(f, "/card-login/hpki", u, sizeof(u));
	snprintf(cert, sizeof(cert), "%s/cards/%s-chain.pem", KAGURA_PKI_DIR, card);
	snprintf(key, sizeof(key), "%s/cards/%s.key", KAGURA_PKI_DIR, card);
	curl_easy_setopt(c, CURLOPT_URL, u);
	curl_easy_setopt(c, CURLOPT_CAINFO, rp_platform_tls_ca(f->rp));
	curl_easy_setopt(c, CURLOPT_SSLCERT, cert);
	curl_easy_setopt(c, CURLOPT_SSLKEY, key);
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
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
	CURL *c = curl_easy_init();
	char u[256], cert[512], key[512];
	long status = 0, connects = -1;

	user(f, DOCTOR);
	assert_non_null(c);
	url(f, "/card-login/hpki", u, sizeof(u));
	snprintf(cert, sizeof(cert), "%s/cards/hpki-doctor-valid-chain.pem", KAGURA_PKI_DIR);
	snprintf(key, sizeof(key), "%s/cards/hpki-doctor-valid.key", KAGURA_PKI_DIR);
	curl_easy_setopt(c, CURLOPT_URL, u);
	curl_easy_setopt(c, CURLOPT_CAINFO, rp_platform_tls_ca(f->rp));
	curl_easy_setopt(c, CURLOPT_SSLCERT, cert);
	curl_easy_setopt(c, CURLOPT_SSLKEY, key);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
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

/* 3.17's other cause: a forbidden network, on the card endpoints. */
static void test_forbidden_network(void **state)
{
	fixture *f = *state;
	au_pc pc;

	user(f, DOCTOR);
	control(f, "/test-control/forbidden-networks", "{\"networks\":[\"127.0.0.0/8\"]}");
	pc_open(f, &pc, "hpki-doctor-valid");
	pc_go(f, &pc, "/card-login/hpki");
	assert_int_equal(pc.status, 403);
	assert_string_equal(au_pc_title(&pc), "403 Forbidden");
	assert_non_null(
	        strstr(au_pc_text(&pc), "You don't have permission to access this resource."));
	au_pc_close(&pc);
	control(f, "/test-control/forbidden-networks", "{\"networks\":[]}");
	pc_open(f, &pc, "hpki-doctor-valid");
	pc_go(f, &pc, "/card-login/hpki");
	on_registration(&pc);
	au_pc_close(&pc);
}

/* ---- v1.04: only the HPKI login existed ---- */

/* No entry for certificate failures: the errorTitle page stands in for the old platform's. */
static void test_v104_revoked(void **state)
{
	fixture *f = *state;
	au_pc pc;

	user(f, REVOKED);
	pc_open(f, &pc, "hpki-doctor-revoked");
	pc_go(f, &pc, "/card-login/hpki");
	assert_string_equal(au_pc_title(&pc), "We are sorry...");
	shows(&pc, 403, "An error occurred, please login again through your application.");
	au_pc_close(&pc);
}

static void test_v104_no_jpki(void **state)
{
	fixture *f = *state;
	au_pc pc;

	user(f, DOCTOR);
	link_card(f, "jpki-valid", DOCTOR);
	pc_open(f, &pc, "jpki-valid");
	pc_go(f, &pc, "/card-login/jpki");
	assert_int_equal(pc.status, 404);
	au_pc_close(&pc);
	pc_open(f, &pc, "hpki-doctor-valid");
	pc_go(f, &pc, "/card-login/hpki");
	on_registration(&pc);
	phone_registers(f, &pc, "android-chrome");
	au_pc_close(&pc);
}

/* ---- kagura-rp serve --card-pki ---- */

/* GET url with libcurl (card NULL: no client certificate); the CURLcode, the status in *status. */
static CURLcode fetch(const char *u, const char *card, const char *post, long *status)
{
	CURL *c = curl_easy_init();
	char cert[512], key[512], ca[512];
	CURLcode rc;

	assert_non_null(c);
	snprintf(ca, sizeof(ca), "%s/tls/server-ca.pem", KAGURA_PKI_DIR);
	curl_easy_setopt(c, CURLOPT_URL, u);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	if (card != NULL) {
		snprintf(cert, sizeof(cert), "%s/cards/%s-chain.pem", KAGURA_PKI_DIR, card);
		snprintf(key, sizeof(key), "%s/cards/%s.key", KAGURA_PKI_DIR, card);
		curl_easy_setopt(c, CURLOPT_SSLCERT, cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY, key);
	}
	if (post != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
	*status = 0;
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(c);
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
	long status;
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
	snprintf(u, sizeof(u), "%.*s/test-control/users", (int)strcspn(at, " "), at);
	assert_int_equal(fetch(u, NULL, "{\"name\":\"" DOCTOR "\"}", &status), CURLE_OK);
	assert_int_equal(status, 200);
	snprintf(u, sizeof(u), "%.*s/card-login/hpki", (int)strcspn(at, " "), at);
	assert_int_equal(fetch(u, "hpki-doctor-valid", NULL, &status), CURLE_OK);
	assert_int_equal(status, 303);
	assert_int_equal(fetch(u, "hpki-pharmacist-valid", NULL, &status), CURLE_OK);
	assert_int_equal(status, 403); /* 3.11 */
	assert_int_equal(fetch(u, NULL, NULL, &status), CURLE_GOT_NOTHING);
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &wst, 0), pid);
	close(o[0]);
	assert_true(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
}

#define T216(fn) cmocka_unit_test_setup_teardown(fn, setup_216, teardown)
#define T104(fn) cmocka_unit_test_setup_teardown(fn, setup_104, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T216(test_hpki_login_registers_device),
	        T216(test_jpki_login_registers_device),
	        T216(test_jpki_card_registration),
	        T216(test_jpki_card_of_another_user),
	        T216(test_user_disabled),
	        T216(test_hpki_then_jpki),
	        T216(test_other_users_login_left),
	        T216(test_user_not_registered),
	        T216(test_revoked),
	        T216(test_old_generation_ca),
	        T216(test_wrong_card),
	        T216(test_jpki_not_linked),
	        T216(test_no_certificate_closes),
	        T216(test_pin_after_a_minute),
	        T216(test_keep_alive_is_not_late),
	        T216(test_forbidden_network),
	        T104(test_user_disabled),
	        T104(test_other_users_login_left),
	        T104(test_user_not_registered),
	        T104(test_no_certificate_closes),
	        T104(test_pin_after_a_minute),
	        T104(test_v104_no_jpki),
	        T104(test_v104_revoked),
	        cmocka_unit_test(test_serve_card_pki),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
