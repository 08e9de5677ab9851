/*
 * The simulated browser (authenticator/web/web.c, page.c) against real servers:
 * rp_http on a loopback port serving fixed pages for cookies, form encoding,
 * redirects, statuses and proxying; a small OpenSSL server thread for TLS
 * client authentication (issue 5); and the page reader on a Keycloak-like
 * page and on hostile HTML.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "authenticator/pc/pc.h"
#include "authenticator/web/page.h"
#include "authenticator/web/web.h"
#include "rp/http.h"

#define MAX_BODY 4096

static rp_http_server *srv;
static char base[64]; /* "http://127.0.0.1:PORT" */
static char bound[48];

/* ---- the test server ---- */

static const char keycloak_page[] =
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        "<title>  Sign in to\n  HPKI  </title>\n"
        "<script type=\"module\" src=\"/resources/js/webauthnRegister.js\"></script>\n"
        "</head><body>\n"
        "<div id=\"kc-header\">HPKI&nbsp;KAGURA</div>\n"
        "<div class=\"alert-error pf-c-alert pf-m-danger\">\n"
        "  <div class=\"pf-c-alert__icon\"><span class=\"fa-error\"></span></div>\n"
        "  <span id=\"kc-feedback-text\" class=\"kc-feedback-text\">Security key registration "
        "result is invalid.<br/> NotAllowedError: The operation either timed out or was not "
        "allowed.</span>\n"
        "</div>\n"
        "<div id=\"kc-webauthn\" data-webauthn-options='{\"challenge\":\"AAEC\",\"rp\":{\"id\":"
        "\"mahpki-auth.example.jp\"}}' data-qr-url=\"https://example.jp/q?a=1&amp;b=2\"></div>\n"
        "<p style=\"display: NONE\">invisible</p><p hidden>also invisible</p>\n"
        "<form id=\"register\" class=\"form\" action=\"../login-actions/required-action?"
        "session_code=abc&amp;execution=webauthn-register\" method=\"post\">\n"
        "  <input type=\"hidden\" id=\"clientDataJSON\" name=\"clientDataJSON\"/>\n"
        "  <input type=\"hidden\" id=\"attestationObject\" name=\"attestationObject\"/>\n"
        "  <input type=\"hidden\" id=\"publicKeyCredentialId\" name=\"publicKeyCredentialId\"/>\n"
        "  <input type=\"hidden\" id=\"authenticatorLabel\" name=\"authenticatorLabel\"/>\n"
        "  <input type=\"hidden\" id=\"transports\" name=\"transports\"/>\n"
        "  <input type=\"hidden\" id=\"error\" name=\"error\"/>\n"
        "  <input type=\"checkbox\" id=\"logout-sessions\" name=\"logout-sessions\" "
        "value=\"on\" checked>\n"
        "  <input type=\"checkbox\" name=\"unticked\" value=\"x\">\n"
        "</form>\n"
        "<input type=\"submit\" id=\"registerWebAuthn\" value=\"Register\">\n"
        "<form id=\"kc-error-credential-form\" action=\"/realms/hpki/login-actions/"
        "authenticate?execution=e1\" method=\"post\">\n"
        "  <input type=\"hidden\" name=\"authenticationExecution\" value=\"e1\">\n"
        "  <input type=\"hidden\" name=\"isSetRetry\" value=\"retry\"/>\n"
        "  <input tabindex=\"4\" type=\"submit\" name=\"try\" id=\"kc-try-again\" "
        "value=\"Try again\"/>\n"
        "  <select name=\"locale\"><option value=\"en\">English</option>"
        "<option value=\"ja\" selected>日本語</option></select>\n"
        "  <textarea name=\"note\">line one\nline two</textarea>\n"
        "  <input type=\"text\" name=\"off\" value=\"x\" disabled>\n"
        "</form>\n"
        "<form method=\"get\" action=\"/echo#frag\"><input name=\"q\" value=\"a b\"></form>\n"
        "</body></html>\n";

static const char method_not_allowed[] =
        "<html><head><title>Error</title></head><body><div class=\"card\">\n"
        "<h1>We are sorry...</h1>\n<p class=\"instruction\">HTTP 405 Method Not "
        "Allowed</p></div></body></html>";

/* Everything the request carried, as JSON, for the client to check. */
static void echo(const rp_http_request *req, rp_http_response *resp)
{
	const char *ct = rp_http_header(req, "Content-Type");
	const char *cookie = rp_http_header(req, "Cookie");
	const char *auth = rp_http_header(req, "Proxy-Authorization");

	rp_http_response_json(resp, 200,
	                      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s%}", "method", req->method,
	                                "path", req->path, "ctype", ct ? ct : "", "cookie",
	                                cookie ? cookie : "", "proxy_auth", auth ? auth : "",
	                                "body", (const char *)req->body, req->body_len));
}

/* The QR page contract of authenticator/pc/pc.h. */
static const char qr_page[] =
        "<html><head><title>QR</title></head><body>"
        "<div id=\"kagura-qr\" data-qr-url=\"https://rp.example/registration?qr=T1\" "
        "data-poll-url=\"qr/state?t=T1\" data-next-url=\"/qr/result\"><svg></svg></div>"
        "</body></html>";
static const char qr_result[] = "<html><head><title>Done</title></head><body>"
                                "<div id=\"kc-content\" class=\"done\"><span "
                                "id=\"kc-feedback-text\">finished</span></div></body></html>";
/* A QR page whose poll answers without the contract's state. */
static const char qr_bad_page[] =
        "<html><head><title>QR</title></head><body>"
        "<div id=\"kagura-qr\" data-qr-url=\"https://rp.example/registration?qr=T2\" "
        "data-poll-url=\"/qr-bad/state\" data-next-url=\"/qr/result\"></div></body></html>";
static int polls;

static void redirect(rp_http_response *resp, int status, const char *location)
{
	rp_http_response_text(resp, status, "text/plain", "moved\n");
	rp_http_response_header(resp, "Location", location);
}

static void handler(void *app, const rp_http_request *req, rp_http_response *resp)
{
	const char *p = req->path;

	(void)app;
	/* A request through a proxy names the whole URL. */
	if (strncmp(p, "http://proxied.invalid/", 23) == 0) {
		if (rp_http_header(req, "Proxy-Authorization") == NULL) {
			rp_http_response_text(resp, 407, "text/plain", "proxy auth required\n");
			rp_http_response_header(resp, "Proxy-Authenticate", "Basic realm=\"corp\"");
			return;
		}
		echo(req, resp);
	} else if (strcmp(p, "/set-cookie") == 0) {
		rp_http_response_text(resp, 200, "text/plain", "set\n");
		rp_http_response_header(resp, "Set-Cookie",
		                        "AUTH_SESSION_ID=s3cret; Path=/; HttpOnly");
	} else if (strcmp(p, "/echo") == 0) {
		echo(req, resp);
	} else if (strcmp(p, "/r302") == 0) {
		redirect(resp, 302, "/echo");
	} else if (strcmp(p, "/r303") == 0) {
		redirect(resp, 303, "/echo");
	} else if (strcmp(p, "/r307") == 0) {
		redirect(resp, 307, "/echo");
	} else if (strcmp(p, "/chain") == 0) {
		redirect(resp, 302, "/r303");
	} else if (strcmp(p, "/loop") == 0) {
		redirect(resp, 302, "/loop");
	} else if (strcmp(p, "/consent") == 0) {
		if (strcmp(req->method, "POST") == 0)
			rp_http_response_text(resp, 200, "text/plain", "consented\n");
		else
			rp_http_response_text(resp, 405, "text/html; charset=utf-8",
			                      method_not_allowed);
	} else if (strcmp(p, "/qr") == 0) {
		rp_http_response_text(resp, 200, "text/html; charset=utf-8", qr_page);
	} else if (strcmp(p, "/qr/state") == 0) {
		/* The phone finishes after the PC has polled twice. */
		polls++;
		rp_http_response_text(resp, 200, "application/json",
		                      polls < 3 ? "{\"state\":\"waiting\"}"
		                                : "{\"state\":\"done\"}");
	} else if (strcmp(p, "/qr-bad") == 0) {
		rp_http_response_text(resp, 200, "text/html; charset=utf-8", qr_bad_page);
	} else if (strcmp(p, "/qr-bad/state") == 0) {
		rp_http_response_text(resp, 200, "application/json", "{\"status\":\"done\"}");
	} else if (strcmp(p, "/qr/result") == 0) {
		rp_http_response_text(resp, 200, "text/html; charset=utf-8", qr_result);
	} else if (strcmp(p, "/realms/hpki/protocol/openid-connect/auth") == 0) {
		rp_http_response_text(resp, 200, "text/html; charset=utf-8", keycloak_page);
	} else {
		rp_http_response_text(resp, 404, "text/plain", "not found\n");
	}
}

static void url_of(char *buf, size_t size, const char *path)
{
	snprintf(buf, size, "%s%s", base, path);
}

/* The JSON an echo answered with; the test owns it. */
static json_t *echoed(const au_web_response *r)
{
	json_t *j;

	assert_int_equal(r->err, AU_WEB_OK);
	assert_int_equal(r->status, 200);
	j = json_loadb(r->body, r->body_len, 0, NULL);
	assert_non_null(j);
	return j;
}

static const char *member(const json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));

	assert_non_null(s);
	return s;
}

/* ---- cookies ---- */

/* GET url with web: the echo says the browser sent the Cookie header want ("": none). */
static void expect_cookie(au_web *web, const char *url, au_web_response *r, const char *want)
{
	json_t *j;

	assert_int_equal(au_web_get(web, url, r), AU_WEB_OK);
	j = echoed(r);
	assert_string_equal(member(j, "cookie"), want);
	json_decref(j);
}

static void test_cookies(void **state)
{
	au_web *web = au_web_new(NULL);
	au_web_response r = {0};
	char url[128];

	(void)state;
	assert_non_null(web);
	url_of(url, sizeof(url), "/set-cookie");
	assert_int_equal(au_web_get(web, url, &r), AU_WEB_OK);
	url_of(url, sizeof(url), "/echo");
	expect_cookie(web, url, &r, "AUTH_SESSION_ID=s3cret");

	/* Blocked: the jar is not sent, and what arrives is not kept. */
	au_web_set_cookies(web, false);
	expect_cookie(web, url, &r, "");

	/* Allowed again: the jar from before is back. */
	au_web_set_cookies(web, true);
	expect_cookie(web, url, &r, "AUTH_SESSION_ID=s3cret");

	assert_int_equal(au_web_clear_cookies(web), AU_WEB_OK);
	expect_cookie(web, url, &r, "");
	au_web_response_reset(&r);
	au_web_free(web);
}

static void test_cookies_blocked_from_start(void **state)
{
	au_web *web = au_web_new(NULL);
	au_web_response r = {0};
	char url[128];

	(void)state;
	au_web_set_cookies(web, false);
	url_of(url, sizeof(url), "/set-cookie");
	assert_int_equal(au_web_get(web, url, &r), AU_WEB_OK);
	url_of(url, sizeof(url), "/echo");
	expect_cookie(web, url, &r, "");
	/* Nothing reached the jar either. */
	au_web_set_cookies(web, true);
	expect_cookie(web, url, &r, "");
	au_web_response_reset(&r);
	au_web_free(web);
}

static void test_cookie_jar_file(void **state)
{
	char dir[] = "/tmp/kagura-web-XXXXXX", path[96], tmp[128], url[128];
	au_web_response r = {0};
	struct stat st;
	au_web *web;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/phone.json.cookies", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);

	web = au_web_new(path);
	assert_non_null(web);
	url_of(url, sizeof(url), "/set-cookie");
	assert_int_equal(au_web_get(web, url, &r), AU_WEB_OK);
	au_web_free(web);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_not_equal(access(tmp, F_OK), 0);

	/* Opened and closed without a request: the jar must survive unchanged. */
	web = au_web_new(path);
	au_web_free(web);

	/* The next kagura-authn run: the session cookie (no Expires) is still there. */
	web = au_web_new(path);
	url_of(url, sizeof(url), "/echo");
	expect_cookie(web, url, &r, "AUTH_SESSION_ID=s3cret");
	au_web_free(web);

	/* remedy clear-site-data deletes the file: a fresh browser. */
	assert_int_equal(unlink(path), 0);
	web = au_web_new(path);
	expect_cookie(web, url, &r, "");
	au_web_free(web);

	/* A jar that exists but cannot be read is refused, not overwritten. */
	if (geteuid() != 0) {
		assert_int_equal(chmod(path, 0), 0);
		assert_null(au_web_new(path));
		chmod(path, 0600);
	}
	au_web_response_reset(&r);
	unlink(path);
	rmdir(dir);
}

/* ---- forms and JSON ---- */

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c - 'a' + 10;
}

/* urlencoded → "name=value\n" lines, decoded, the way a server reads them. */
static void form_decode(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in && n + 2 < size; in++) {
		char c = *in;

		if (c == '+')
			c = ' ';
		else if (c == '%' && in[1] && in[2]) {
			c = (char)(hexval(in[1]) * 16 + hexval(in[2]));
			in += 2;
		} else if (c == '&')
			c = '\n';
		else if (c == '=')
			c = '=';
		out[n++] = c;
	}
	out[n] = '\0';
}

static void test_form_encoding(void **state)
{
	static const char *const fields[][2] = {
	        {"authenticatorLabel", "a&b=c d 日本語のラベル"},
	        {"odd name", "+%*-._~!"},
	        {"empty", NULL},
	};
	au_web *web = au_web_new(NULL);
	au_web_response r = {0};
	char url[128], decoded[256];
	json_t *j;

	(void)state;
	url_of(url, sizeof(url), "/echo");
	assert_int_equal(au_web_post_form(web, url, fields, 3, &r), AU_WEB_OK);
	j = echoed(&r);
	assert_string_equal(member(j, "method"), "POST");
	assert_string_equal(member(j, "ctype"), "application/x-www-form-urlencoded");
	/* WHATWG urlencoded: space is '+', only * - . _ and alphanumerics stay. */
	assert_string_equal(member(j, "body"),
	                    "authenticatorLabel=a%26b%3Dc+d+%E6%97%A5%E6%9C%AC%E8%AA%9E%E3%81%AE"
	                    "%E3%83%A9%E3%83%99%E3%83%AB&odd+name=%2B%25*-._%7E%21&empty=");
	form_decode(member(j, "body"), decoded, sizeof(decoded));
	assert_string_equal(decoded, "authenticatorLabel=a&b=c d 日本語のラベル\n"
	                             "odd name=+%*-._~!\nempty=");
	json_decref(j);
	assert_string_equal(r.content_type, "application/json");
	au_web_response_reset(&r);
	au_web_free(web);
}

static void test_post_json(void **state)
{
	au_web *web = au_web_new(NULL);
	au_web_response r = {0};
	json_t *body = json_pack("{s:s, s:i}", "username", "医師 太郎", "n", 1), *j;
	char url[128];

	(void)state;
	url_of(url, sizeof(url), "/echo");
	assert_int_equal(au_web_post_json(web, url, body, &r), AU_WEB_OK);
	j = echoed(&r);
	assert_string_equal(member(j, "ctype"), "application/json");
	assert_string_equal(member(j, "body"), "{\"username\":\"医師 太郎\",\"n\":1}");
	json_decref(j);
	json_decref(body);
	au_web_response_reset(&r);
	au_web_free(web);
}

/* ---- redirects and statuses ---- */

static void post_then(au_web *web, const char *path, const char *method, const char *body,
                      unsigned redirects)
{
	static const char *const fields[][2] = {{"k", "v"}};
	au_web_response r = {0};
	char url[128], final[128];
	json_t *j;

	url_of(url, sizeof(url), path);
	assert_int_equal(au_web_post_form(web, url, fields, 1, &r), AU_WEB_OK);
	j = echoed(&r);
	assert_string_equal(member(j, "method"), method);
	assert_string_equal(member(j, "body"), body);
	/* A GET after a redirect carries no form type. */
	assert_string_equal(member(j, "ctype"),
	                    strcmp(method, "POST") == 0 ? "application/x-www-form-urlencoded" : "");
	url_of(final, sizeof(final), "/echo");
	assert_string_equal(r.url, final);
	assert_int_equal(r.redirects, redirects);
	json_decref(j);
	au_web_response_reset(&r);
}

static void test_redirects(void **state)
{
	au_web *web = au_web_new(NULL);
	au_web_response r = {0};
	char url[128];

	(void)state;
	post_then(web, "/r302", "GET", "", 1);
	post_then(web, "/r303", "GET", "", 1);
	post_then(web, "/r307", "POST", "k=v", 1);
	post_then(web, "/chain", "GET", "", 2);

	url_of(url, sizeof(url), "/loop");
	assert_int_equal(au_web_get(web, url, &r), AU_WEB_ERR_REDIRECTS);
	assert_int_equal(r.redirects, AU_WEB_MAX_REDIRECTS);
	assert_int_equal(r.status, 302);
	au_web_response_reset(&r);
	au_web_free(web);
}

static void test_statuses(void **state)
{
	au_web *web = au_web_new(NULL);
	au_web_response r = {0};
	char url[128], *big = malloc(MAX_BODY * 2 + 1);
	const char *fields[1][2] = {{"clientDataJSON", big}};
	au_page *page;

	(void)state;
	memset(big, 'A', MAX_BODY * 2);
	big[MAX_BODY * 2] = '\0';
	url_of(url, sizeof(url), "/echo");
	/* An HTTP answer is not a transport error, whatever its status. */
	assert_int_equal(au_web_post_form(web, url, (const char *const(*)[2])fields, 1, &r),
	                 AU_WEB_OK);
	assert_int_equal(r.status, 413);
	assert_non_null(strstr(r.body, "Payload Too Large"));
	free(big);

	url_of(url, sizeof(url), "/consent");
	assert_int_equal(au_web_get(web, url, &r), AU_WEB_OK);
	assert_int_equal(r.status, 405);
	assert_string_equal(r.content_type, "text/html; charset=utf-8");
	assert_int_equal(au_page_parse(r.body, r.body_len, r.url, &page), AU_WEB_OK);
	assert_string_equal(au_page_text(page), "We are sorry... HTTP 405 Method Not Allowed");
	assert_string_equal(au_page_title(page), "Error");
	assert_false(au_page_has_script(page));
	au_page_free(page);

	url_of(url, sizeof(url), "/nowhere");
	assert_int_equal(au_web_get(web, url, &r), AU_WEB_OK);
	assert_int_equal(r.status, 404);
	au_web_response_reset(&r);
	au_web_free(web);
}

/* ---- transport failures ---- */

/* A port nothing listens on: bound, read back, closed. */
static int closed_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* A server that answers its one connection with a line that is not HTTP. */
static void *not_http_main(void *arg)
{
	int listener = *(int *)arg, fd = accept(listener, NULL, NULL);
	char buf[1024];

	if (fd >= 0) {
		(void)!recv(fd, buf, sizeof(buf), 0);
		(void)!send(fd, "SSH-2.0-OpenSSH_9.2\r\n", 21, MSG_NOSIGNAL);
		close(fd);
	}
	return NULL;
}

static void test_transport_errors(void **state)
{
	au_web *web = au_web_new(NULL);
	au_web_response r = {0};
	char url[128];

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", closed_port());
	assert_int_equal(au_web_get(web, url, &r), AU_WEB_ERR_CONNECT);
	assert_int_equal(r.curl_code, CURLE_COULDNT_CONNECT);
	assert_int_equal(r.status, 0);
	assert_true(r.error[0] != '\0');
	assert_string_equal(r.url, url);
	assert_string_equal(au_web_errname(r.err), "AU_WEB_ERR_CONNECT");

	/* TLS spoken to a plain HTTP server: the handshake fails, distinguishably. */
	snprintf(url, sizeof(url), "https://%s/echo", bound);
	assert_int_equal(au_web_get(web, url, &r), AU_WEB_ERR_TLS_HANDSHAKE);
	assert_int_equal(r.curl_code, CURLE_SSL_CONNECT_ERROR);

	/* Another protocol's greeting: not HTTP, and said so (not a malformed URL). */
	{
		struct sockaddr_in a = {.sin_family = AF_INET};
		socklen_t len = sizeof(a);
		int listener = socket(AF_INET, SOCK_STREAM, 0);
		pthread_t t;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(bind(listener, (struct sockaddr *)&a, sizeof(a)), 0);
		assert_int_equal(listen(listener, 1), 0);
		assert_int_equal(getsockname(listener, (struct sockaddr *)&a, &len), 0);
		assert_int_equal(pthread_create(&t, NULL, not_http_main, &listener), 0);
		snprintf(url, sizeof(url), "http://127.0.0.1:%u/", ntohs(a.sin_port));
		assert_int_equal(au_web_get(web, url, &r), AU_WEB_ERR_NOT_HTTP);
		pthread_join(t, NULL);
		close(listener);
	}
	assert_int_equal(au_web_get(web, "ftp://127.0.0.1/", &r), AU_WEB_ERR_URL);
	assert_int_equal(au_web_get(web, "http://[::1", &r), AU_WEB_ERR_URL);
	assert_int_equal(au_web_get(web, NULL, &r), AU_WEB_ERR_ARG);
	au_web_response_reset(&r);
	au_web_free(web);
}

static void test_proxy(void **state)
{
	au_web *web = au_web_new(NULL);
	au_web_response r = {0};
	char proxy[96];
	json_t *j;

	(void)state;
	snprintf(proxy, sizeof(proxy), "http://%s", bound);
	assert_int_equal(au_web_set_proxy(web, proxy, NULL, NULL), AU_WEB_OK);
	assert_int_equal(au_web_get(web, "http://proxied.invalid/page", &r), AU_WEB_OK);
	assert_int_equal(r.status, 407);

	assert_int_equal(au_web_set_proxy(web, proxy, "nurse", "p@ss word"), AU_WEB_OK);
	assert_int_equal(au_web_get(web, "http://proxied.invalid/page", &r), AU_WEB_OK);
	j = echoed(&r);
	assert_string_equal(member(j, "path"), "http://proxied.invalid/page");
	/* base64("nurse:p@ss word") */
	assert_string_equal(member(j, "proxy_auth"), "Basic bnVyc2U6cEBzcyB3b3Jk");
	json_decref(j);

	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", closed_port());
	assert_int_equal(au_web_set_proxy(web, proxy, NULL, NULL), AU_WEB_OK);
	assert_int_equal(au_web_get(web, "http://proxied.invalid/page", &r), AU_WEB_ERR_PROXY);
	au_web_response_reset(&r);
	au_web_free(web);
}

/* ---- TLS client authentication ---- */

typedef struct tls_server {
	int fd;
	int port;
	SSL_CTX *ctx;
	pthread_t thread;
} tls_server;

static EVP_PKEY *ca_key, *rogue_key, *server_key, *client_key;
static X509 *ca, *rogue, *server_cert, *client_cert, *rogue_client;

static X509 *make_cert(EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer, const char *cn, bool is_ca,
                       const char *san)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	static long serial = 1;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	X509_NAME_free(name);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
	                          is_ca ? "critical,CA:TRUE" : "CA:FALSE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (san != NULL) {
		ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	assert_true(X509_sign(x, signer, EVP_sha256()) > 0);
	return x;
}

static void *tls_serve(void *arg)
{
	tls_server *s = arg;
	int c;

	while ((c = accept(s->fd, NULL, NULL)) >= 0) {
		SSL *ssl = SSL_new(s->ctx);
		struct timeval tv = {2, 0};
		char buf[4096];

		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		SSL_set_fd(ssl, c);
		if (SSL_accept(ssl) == 1) {
			X509 *peer = SSL_get1_peer_certificate(ssl);
			char cn[128] = "-", reply[512];
			size_t got = 0;
			int n;

			if (peer != NULL)
				X509_NAME_get_text_by_NID(X509_get_subject_name(peer),
				                          NID_commonName, cn, sizeof(cn));
			X509_free(peer);
			while (got < sizeof(buf) - 1 &&
			       (n = SSL_read(ssl, buf + got, (int)(sizeof(buf) - 1 - got))) > 0) {
				got += (size_t)n;
				buf[got] = '\0';
				if (strstr(buf, "\r\n\r\n") != NULL)
					break;
			}
			snprintf(reply, sizeof(reply),
			         "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
			         "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
			         strlen(cn), cn);
			SSL_write(ssl, reply, (int)strlen(reply));
			SSL_shutdown(ssl);
		} else {
			/*
			 * The alert is out; close gently so it is not lost to a reset
			 * while the client's request is still unread.
			 */
			shutdown(c, SHUT_WR);
			while (read(c, buf, sizeof(buf)) > 0)
				;
		}
		SSL_free(ssl);
		close(c);
	}
	return NULL;
}

static void tls_start(tls_server *s, int max_version)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	X509_STORE *store;

	s->ctx = SSL_CTX_new(TLS_server_method());
	assert_non_null(s->ctx);
	if (max_version)
		SSL_CTX_set_max_proto_version(s->ctx, max_version);
	assert_int_equal(SSL_CTX_use_certificate(s->ctx, server_cert), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(s->ctx, server_key), 1);
	/* Client certificates must chain to ca: the HPKI card CA of the test. */
	store = SSL_CTX_get_cert_store(s->ctx);
	X509_STORE_add_cert(store, ca);
	SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	/* Full handshakes only: a resumed session would skip the certificate check. */
	SSL_CTX_set_session_cache_mode(s->ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(s->ctx, SSL_OP_NO_TICKET);
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->fd, 8), 0);
	getsockname(s->fd, (struct sockaddr *)&a, &len);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->thread, NULL, tls_serve, s), 0);
}

static void tls_stop(tls_server *s)
{
	/* Wakes the accept() up with an error. */
	shutdown(s->fd, SHUT_RDWR);
	pthread_join(s->thread, NULL);
	close(s->fd);
	SSL_CTX_free(s->ctx);
}

static char *pem_of(X509 *x, EVP_PKEY *key, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *copy;
	long n;

	if (x)
		PEM_write_bio_X509(b, x);
	if (key)
		PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
	n = BIO_get_mem_data(b, &data);
	copy = malloc((size_t)n + 1);
	memcpy(copy, data, (size_t)n);
	copy[n] = '\0';
	*len = (size_t)n;
	BIO_free(b);
	return copy;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void tls_cases(int max_version)
{
	tls_server s;
	au_web *web = au_web_new(NULL);
	au_web_response r = {0};
	char url[96], dir[] = "/tmp/kagura-web-tls-XXXXXX", cert_path[96], key_path[96];
	size_t ca_len, len;
	char *ca_pem = pem_of(ca, NULL, &ca_len), *text;

	tls_start(&s, max_version);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/login", s.port);

	/* Trust as yet only the system's: the test server is a stranger. */
	assert_int_equal(au_web_get(web, url, &r), AU_WEB_ERR_TLS_SERVER_CERT);
	assert_int_equal(r.curl_code, CURLE_PEER_FAILED_VERIFICATION);

	/* Trusted, but no certificate to show. */
	assert_int_equal(au_web_set_ca_pem(web, ca_pem, ca_len), AU_WEB_OK);
	assert_int_equal(au_web_get(web, url, &r), AU_WEB_ERR_TLS_CLIENT_REJECTED);
	assert_true(r.tls_cert_requested);
	assert_int_equal(r.tls_alert_received, max_version == TLS1_2_VERSION
	                                               ? SSL3_AD_HANDSHAKE_FAILURE
	                                               : TLS13_AD_CERTIFICATE_REQUIRED);

	/* The card's certificate from OpenSSL objects. */
	assert_int_equal(au_web_set_client_cert(web, client_cert, NULL, client_key), AU_WEB_OK);
	assert_int_equal(au_web_get(web, url, &r), AU_WEB_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "HPKI doctor 0001");

	/* One the server's CA did not issue. */
	assert_int_equal(au_web_set_client_cert(web, rogue_client, NULL, client_key), AU_WEB_OK);
	assert_int_equal(au_web_get(web, url, &r), AU_WEB_ERR_TLS_CLIENT_REJECTED);
	assert_int_equal(r.tls_alert_received, TLS1_AD_UNKNOWN_CA);

	/* A key that is not the certificate's is refused before any handshake. */
	assert_int_equal(au_web_set_client_cert(web, client_cert, NULL, rogue_key),
	                 AU_WEB_ERR_TLS_CLIENT_CERT);

	/* From PEM files, trust from a CA file. */
	assert_non_null(mkdtemp(dir));
	snprintf(cert_path, sizeof(cert_path), "%s/cert.pem", dir);
	snprintf(key_path, sizeof(key_path), "%s/key.pem", dir);
	text = pem_of(client_cert, NULL, &len);
	write_file(cert_path, text);
	free(text);
	text = pem_of(NULL, client_key, &len);
	write_file(key_path, text);
	free(text);
	assert_int_equal(au_web_set_client_cert_files(web, cert_path, key_path, NULL), AU_WEB_OK);
	write_file(key_path, "not a key\n");
	assert_int_equal(au_web_get(web, url, &r), AU_WEB_ERR_TLS_CLIENT_CERT);
	text = pem_of(NULL, client_key, &len);
	write_file(key_path, text);
	free(text);
	assert_int_equal(au_web_get(web, url, &r), AU_WEB_OK);
	assert_string_equal(r.body, "HPKI doctor 0001");
	assert_int_equal(au_web_set_client_cert_files(web, cert_path, "/nonexistent", NULL),
	                 AU_WEB_ERR_IO);

	/* "Proceed anyway": no server verification, a fresh browser without a certificate. */
	au_web_free(web);
	web = au_web_new(NULL);
	au_web_set_insecure(web, true);
	assert_int_equal(au_web_set_client_cert(web, client_cert, NULL, client_key), AU_WEB_OK);
	assert_int_equal(au_web_get(web, url, &r), AU_WEB_OK);
	assert_string_equal(r.body, "HPKI doctor 0001");
	au_web_clear_client_cert(web);
	assert_int_equal(au_web_get(web, url, &r), AU_WEB_ERR_TLS_CLIENT_REJECTED);

	au_web_response_reset(&r);
	au_web_free(web);
	tls_stop(&s);
	unlink(cert_path);
	unlink(key_path);
	rmdir(dir);
	free(ca_pem);
}

static void test_tls13_client_auth(void **state)
{
	(void)state;
	tls_cases(0);
}

static void test_tls12_client_auth(void **state)
{
	(void)state;
	tls_cases(TLS1_2_VERSION);
}

/* ---- pages ---- */

static void test_keycloak_page(void **state)
{
	static const char url[] = "https://mahpki-auth.example.jp/realms/hpki/protocol/"
	                          "openid-connect/auth?client_id=portal";
	au_page *p;
	au_form *f;
	const char *(*fields)[2];
	size_t n;

	(void)state;
	assert_int_equal(au_page_parse(keycloak_page, strlen(keycloak_page), url, &p), AU_WEB_OK);
	assert_string_equal(au_page_url(p), url);
	assert_string_equal(au_page_title(p), "Sign in to HPKI");
	assert_string_equal(au_page_feedback(p),
	                    "Security key registration result is invalid. NotAllowedError: The "
	                    "operation either timed out or was not allowed.");
	assert_string_equal(au_page_alert_error(p), au_page_feedback(p));
	assert_true(au_page_has_script(p));
	assert_string_equal(au_page_text(p),
	                    "HPKI KAGURA Security key registration result is invalid. "
	                    "NotAllowedError: The operation either timed out or was not allowed. "
	                    "Register Try again English 日本語 line one line two");
	assert_string_equal(au_page_data(p, "kc-webauthn", "webauthn-options"),
	                    "{\"challenge\":\"AAEC\",\"rp\":{\"id\":\"mahpki-auth.example.jp\"}}");
	assert_string_equal(au_page_data(p, "kc-webauthn", "qr-url"),
	                    "https://example.jp/q?a=1&b=2");
	assert_null(au_page_data(p, "kc-webauthn", "missing"));
	assert_null(au_page_data(p, "no-such-id", "qr-url"));
	assert_string_equal(au_page_attr(p, "registerWebAuthn", "value"), "Register");
	assert_string_equal(au_page_text_by_id(p, "kc-header"), "HPKI KAGURA");

	assert_int_equal(au_page_n_forms(p), 3);
	f = au_page_form(p, "register");
	assert_non_null(f);
	assert_ptr_equal(au_page_form(p, NULL), f);
	assert_string_equal(f->method, "post");
	assert_string_equal(f->action, "https://mahpki-auth.example.jp/realms/hpki/protocol/"
	                               "login-actions/required-action?session_code=abc&"
	                               "execution=webauthn-register");
	assert_int_equal(f->n_inputs, 8);
	assert_string_equal(f->inputs[0].name, "clientDataJSON");
	assert_string_equal(f->inputs[0].type, "hidden");
	assert_string_equal(au_form_value(f, "error"), "");
	assert_null(au_form_value(f, "nope"));

	/* What webauthnRegister.js does on success. */
	assert_int_equal(au_form_set(f, "clientDataJSON", "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0"),
	                 AU_WEB_OK);
	assert_int_equal(au_form_set(f, "authenticatorLabel", "iPhone の パスキー"), AU_WEB_OK);
	assert_int_equal(au_form_set(f, "authenticatorAttachment", "platform"), AU_WEB_OK);
	assert_int_equal(f->n_inputs, 9);
	assert_int_equal(au_form_entries(f, NULL, &fields, &n), AU_WEB_OK);
	/* six hidden, the ticked checkbox, the added input; not the unticked one */
	assert_int_equal(n, 8);
	assert_string_equal(fields[0][1], "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0");
	assert_string_equal(fields[6][0], "logout-sessions");
	assert_string_equal(fields[6][1], "on");
	assert_string_equal(fields[7][0], "authenticatorAttachment");
	free(fields);

	f = au_page_form(p, "kc-error-credential-form");
	assert_string_equal(f->action, "https://mahpki-auth.example.jp/realms/hpki/login-actions/"
	                               "authenticate?execution=e1");
	assert_string_equal(au_form_value(f, "locale"), "ja");
	assert_string_equal(au_form_value(f, "note"), "line one\nline two");
	assert_int_equal(au_form_entries(f, "try", &fields, &n), AU_WEB_OK);
	assert_int_equal(n, 5);
	assert_string_equal(fields[2][0], "try");
	assert_string_equal(fields[2][1], "Try again");
	free(fields);
	assert_int_equal(au_form_entries(f, NULL, &fields, &n), AU_WEB_OK);
	assert_int_equal(n, 4);
	free(fields);

	f = au_page_form_at(p, 2);
	assert_null(f->id);
	assert_string_equal(f->method, "get");
	assert_string_equal(f->action, "https://mahpki-auth.example.jp/echo#frag");
	assert_null(au_page_form_at(p, 3));
	au_page_free(p);
}

/* The page fetched, filled and submitted: the hidden inputs arrive as posted. */
static void test_fetch_fill_submit(void **state)
{
	au_web *web = au_web_new(NULL);
	au_web_response r = {0};
	char url[128], expect[160];
	au_page *p;
	au_form *f;
	json_t *j;

	(void)state;
	url_of(url, sizeof(url), "/realms/hpki/protocol/openid-connect/auth");
	assert_int_equal(au_web_get(web, url, &r), AU_WEB_OK);
	assert_int_equal(au_page_parse(r.body, r.body_len, r.url, &p), AU_WEB_OK);
	f = au_page_form_at(p, 2);
	snprintf(expect, sizeof(expect), "%s/echo#frag", base);
	assert_string_equal(f->action, expect);
	assert_int_equal(au_form_set(f, "q", "x&y 日"), AU_WEB_OK);
	assert_int_equal(au_form_submit(web, f, NULL, &r), AU_WEB_OK);
	j = echoed(&r);
	assert_string_equal(member(j, "method"), "GET");
	snprintf(expect, sizeof(expect), "%s/echo?q=x%%26y+%%E6%%97%%A5", base);
	assert_string_equal(r.url, expect);
	json_decref(j);

	f = au_page_form(p, "kc-error-credential-form");
	/* Its action is absolute-path, so it lands on the test server's 404. */
	assert_int_equal(au_form_submit(web, f, "try", &r), AU_WEB_OK);
	assert_int_equal(r.status, 404);
	au_page_free(p);
	au_web_response_reset(&r);
	au_web_free(web);
}

static void test_page_base_and_empty(void **state)
{
	static const char html[] =
	        "<html><head><base href=\"https://other.example/app/\"></head><body>"
	        "<form action=\"next\"></form><form action=\"  \"></form>"
	        "<form action=\"javascript:void(0)\"></form></body></html>";
	au_page *p;

	(void)state;
	assert_int_equal(au_page_parse(html, strlen(html), "https://a.example/x/y", &p), AU_WEB_OK);
	assert_string_equal(au_page_form_at(p, 0)->action, "https://other.example/app/next");
	assert_string_equal(au_page_form_at(p, 1)->action, "https://other.example/app/");
	assert_null(au_page_form_at(p, 2)->action);
	assert_string_equal(au_page_form_at(p, 2)->action_raw, "javascript:void(0)");
	assert_null(au_page_feedback(p));
	assert_null(au_page_alert_error(p));
	assert_string_equal(au_page_title(p), "");
	au_page_free(p);

	/* A blank answer (the no-JS page of manual 2.16) is a blank page. */
	assert_int_equal(au_page_parse("", 0, NULL, &p), AU_WEB_OK);
	assert_string_equal(au_page_text(p), "");
	assert_string_equal(au_page_title(p), "");
	assert_false(au_page_has_script(p));
	assert_int_equal(au_page_n_forms(p), 0);
	assert_null(au_page_form(p, NULL));
	assert_null(au_page_attr(p, "x", "y"));
	assert_null(au_page_text_by_id(p, "x"));
	au_page_free(p);
	assert_int_equal(au_page_parse(NULL, 1, NULL, &p), AU_WEB_ERR_ARG);
}

/* Anything at all: the reader must come back, with some page. */
static void parse_survives(const char *html, size_t len)
{
	au_page *p = NULL;
	au_form *f;

	assert_int_equal(au_page_parse(html, len, "http://127.0.0.1/", &p), AU_WEB_OK);
	assert_non_null(au_page_text(p));
	assert_non_null(au_page_title(p));
	(void)au_page_text_by_id(p, "a");
	(void)au_page_data(p, "a", "b");
	for (size_t i = 0; (f = au_page_form_at(p, i)) != NULL; i++) {
		const char *(*fields)[2];
		size_t n;

		assert_int_equal(au_form_entries(f, "s", &fields, &n), AU_WEB_OK);
		free(fields);
	}
	au_page_free(p);
}

static void test_hostile_html(void **state)
{
	static const char unclosed[] = "<html><body><form id=f action=/x><input name=a value=1>"
	                               "<div class=\"alert-error\"><span id=kc-feedback-text>oops"
	                               "<p><p><table><tr><td><form><select name=s><option>";
	static const char nuls[] = "<p id=a data-b=\"x\0y\">be\0fore</p><title>t\0t</title>\0\0";
	static const char bad_utf8[] = "<title>\xff\xfe\xc3\x28 \xe6\x97</title><p>\xc2\xa0\x80";
	static const char alphabet[] = "<>/=\"' abcdefgh\0\xff\n&;#!-";
	const size_t huge = 4u * 1024 * 1024, depth = 200000;
	char *buf;
	size_t i, n;
	au_page *p;

	(void)state;
	parse_survives(unclosed, sizeof(unclosed) - 1);
	assert_int_equal(au_page_parse(unclosed, sizeof(unclosed) - 1, NULL, &p), AU_WEB_OK);
	assert_string_equal(au_page_feedback(p), "oops");
	assert_null(au_page_form(p, "f")->action); /* relative, and no page URL */
	au_page_free(p);

	parse_survives(nuls, sizeof(nuls) - 1);
	parse_survives(bad_utf8, sizeof(bad_utf8) - 1);
	parse_survives("<", 1);
	parse_survives("</", 2);
	parse_survives("<!--", 4);
	parse_survives("<![CDATA[", 9);
	parse_survives("<script>", 8);
	parse_survives("\0", 1);

	/* A 4 MiB attribute value. */
	buf = malloc(huge + 64);
	n = (size_t)sprintf(buf, "<div id=a data-b=\"");
	memset(buf + n, 'x', huge);
	n += huge;
	n += (size_t)sprintf(buf + n, "\">t</div>");
	parse_survives(buf, n);
	free(buf);

	/* 200 000 nested elements: nothing may recurse on the C stack. */
	buf = malloc(depth * 20 + 64);
	for (i = 0, n = 0; i < depth; i++)
		n += (size_t)sprintf(buf + n, i % 2 ? "<div class=alert-error>" : "<form><span>");
	parse_survives(buf, n);
	free(buf);

	/* Random bytes. */
	buf = malloc(65536);
	srand(7);
	for (int round = 0; round < 8; round++) {
		for (i = 0; i < 65536; i++)
			buf[i] = alphabet[rand() % (int)(sizeof(alphabet) - 1)];
		parse_survives(buf, 65536);
	}
	free(buf);
}

/* The PC's browser waits on a QR page as its script does, then opens the result. */
static void test_pc_wait(void **state)
{
	au_pc pc;
	char url[128], st[16];

	(void)state;
	assert_int_equal(au_pc_open(&pc, NULL), AU_OK);
	url_of(url, sizeof(url), "/qr");
	assert_int_equal(au_pc_get(&pc, url), AU_OK);
	assert_string_equal(au_pc_qr_url(&pc), "https://rp.example/registration?qr=T1");
	polls = 0;
	/* One poll is not enough: still waiting, and the page stays. */
	assert_int_equal(au_pc_wait(&pc, 1, 1, st, sizeof(st)), AU_ERR_QR_WAITING);
	assert_string_equal(pc.why, "still waiting after 1 polls");
	assert_string_equal(st, "waiting");
	assert_non_null(au_pc_qr_url(&pc));
	assert_int_equal(au_pc_wait(&pc, 5, 1, st, sizeof(st)), AU_OK);
	assert_string_equal(st, "done");
	assert_int_equal(polls, 3);
	assert_string_equal(au_pc_title(&pc), "Done");
	assert_string_equal(au_pc_kind(&pc), "done");
	assert_string_equal(au_pc_text(&pc), "finished");
	/* The result page has no QR: nothing to wait on, no such form. */
	assert_int_equal(au_pc_wait(&pc, 5, 1, st, sizeof(st)), AU_ERR_NO_QR);
	assert_string_equal(pc.why, "the page shows no QR to wait on");
	assert_int_equal(au_pc_submit(&pc, "nope", "a", "b"), AU_ERR_NO_FORM);
	assert_string_equal(pc.why, "the page has no form nope");
	/* a failure leaves the page on screen */
	assert_string_equal(au_pc_title(&pc), "Done");
	assert_null(au_pc_qr_url(&pc));
	/* A poll answer without the contract's state. */
	url_of(url, sizeof(url), "/qr-bad");
	assert_int_equal(au_pc_get(&pc, url), AU_OK);
	assert_int_equal(au_pc_wait(&pc, 5, 1, st, sizeof(st)), AU_ERR_QR_POLL);
	assert_non_null(strstr(pc.why, "/qr-bad/state: no state in the answer"));
	assert_string_equal(st, "");
	assert_non_null(au_pc_qr_url(&pc));
	au_pc_close(&pc);
}

static void test_error_names(void **state)
{
	(void)state;
	for (int e = 0; e < AU_WEB_ERR__COUNT; e++) {
		assert_non_null(au_web_strerr((au_web_err)e));
		assert_true(strncmp(au_web_errname((au_web_err)e), "AU_WEB_", 7) == 0);
		for (int f = 0; f < e; f++)
			assert_string_not_equal(au_web_errname((au_web_err)e),
			                        au_web_errname((au_web_err)f));
	}
	assert_string_equal(au_web_errname(AU_WEB_ERR_TLS_HANDSHAKE), "AU_WEB_ERR_TLS_HANDSHAKE");
	assert_string_equal(au_web_strerr(AU_WEB_ERR__COUNT), "unknown error");
}

static void make_pki(void)
{
	ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	rogue_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	server_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	client_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ca = make_cert(ca_key, ca_key, NULL, "kagura test HPKI CA", true, NULL);
	rogue = make_cert(rogue_key, rogue_key, NULL, "rogue CA", true, NULL);
	server_cert = make_cert(server_key, ca_key, ca, "127.0.0.1", false, "IP:127.0.0.1");
	client_cert = make_cert(client_key, ca_key, ca, "HPKI doctor 0001", false, NULL);
	rogue_client = make_cert(client_key, rogue_key, rogue, "HPKI doctor 0001", false, NULL);
}

static void free_pki(void)
{
	X509_free(ca);
	X509_free(rogue);
	X509_free(server_cert);
	X509_free(client_cert);
	X509_free(rogue_client);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(rogue_key);
	EVP_PKEY_free(server_key);
	EVP_PKEY_free(client_key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_cookies),
	        cmocka_unit_test(test_cookies_blocked_from_start),
	        cmocka_unit_test(test_cookie_jar_file),
	        cmocka_unit_test(test_form_encoding),
	        cmocka_unit_test(test_post_json),
	        cmocka_unit_test(test_redirects),
	        cmocka_unit_test(test_statuses),
	        cmocka_unit_test(test_transport_errors),
	        cmocka_unit_test(test_proxy),
	        cmocka_unit_test(test_tls13_client_auth),
	        cmocka_unit_test(test_tls12_client_auth),
	        cmocka_unit_test(test_keycloak_page),
	        cmocka_unit_test(test_fetch_fill_submit),
	        cmocka_unit_test(test_page_base_and_empty),
	        cmocka_unit_test(test_hostile_html),
	        cmocka_unit_test(test_pc_wait),
	        cmocka_unit_test(test_error_names),
	};
	int rc;

	/* Once per process, as web.h asks of every caller. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	make_pki();
	if (rp_http_start("127.0.0.1:0", MAX_BODY, handler, NULL, NULL, &srv, bound,
	                  sizeof(bound)) != RP_HTTP_OK)
		return 1;
	snprintf(base, sizeof(base), "http://%s", bound);
	rc = cmocka_run_group_tests_name("web", tests, NULL, NULL);
	rp_http_stop(srv);
	free_pki();
	curl_global_cleanup();
	return rc;
}
