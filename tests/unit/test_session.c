/*
 * Sessions and single-use action codes over real HTTP: the cookie a browser
 * keeps, a code that works once, a code of another session, the Back button
 * replaying an old form, and requests that lost their cookies.
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

#include "rp/session.h"

/* Test routes: /begin opens a session and hands out a code; /act spends one. */
static void handler(void *ctx, const rp_http_request *req, rp_http_response *resp)
{
	rp_app *app = ctx;
	rp_session s;
	char code[RP_CODE_MAX + 1];

	if (strcmp(req->path, "/begin") == 0) {
		if (rp_session_of(app, req, resp, true, &s) >= RP_SESSION_NO_COOKIE ||
		    !rp_session_issue_code(app, &s, "act", code, sizeof(code))) {
			rp_http_response_text(resp, 500, "text/plain", "error");
			return;
		}
		rp_http_response_text(resp, 200, "text/plain", code);
		return;
	}
	switch (rp_session_of(app, req, resp, false, &s)) {
	case RP_SESSION_FOUND:
		if (rp_session_take_code(app, &s, "act", rp_http_query(req, "session_code")))
			rp_http_response_text(resp, 200, "text/plain", "done");
		else
			rp_http_response_text(resp, 405, "text/plain", "stale");
		break;
	case RP_SESSION_NO_COOKIE:
		rp_http_response_text(resp, 400, "text/plain", "no cookie");
		break;
	case RP_SESSION_EXPIRED:
		rp_http_response_text(resp, 400, "text/plain", "expired");
		break;
	default:
		rp_http_response_text(resp, 500, "text/plain", "error");
	}
}

typedef struct fixture {
	rp_app app;
	rp_http_server *srv;
	char base[64];
	char db[64];
} fixture;

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
	char *buf = ud;
	size_t have = strlen(buf), add = size * n;
	if (have + add < 256) {
		memcpy(buf + have, p, add);
		buf[have + add] = '\0';
	}
	return add;
}

/* GET path with curl handle h (its cookie engine is the browser's jar). */
static long get(CURL *h, const fixture *f, const char *path, char *body)
{
	char url[256];
	long status = 0;

	body[0] = '\0';
	snprintf(url, sizeof(url), "http://%s%s", f->base, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

static CURL *browser(bool cookies)
{
	CURL *h = curl_easy_init();
	if (cookies)
		curl_easy_setopt(h, CURLOPT_COOKIEFILE, "");
	return h;
}

static void test_code_single_use(void **state)
{
	fixture *f = *state;
	CURL *b = browser(true);
	char code[256], body[256], path[300];

	assert_int_equal(get(b, f, "/begin", code), 200);
	snprintf(path, sizeof(path), "/act?session_code=%s", code);
	assert_int_equal(get(b, f, path, body), 200);
	assert_string_equal(body, "done");
	/* the Back button: the same form again */
	assert_int_equal(get(b, f, path, body), 405);
	assert_int_equal(get(b, f, "/act?session_code=made-up", body), 405);
	curl_easy_cleanup(b);
}

static void test_code_of_another_session(void **state)
{
	fixture *f = *state;
	CURL *alice = browser(true), *bob = browser(true);
	char code[256], body[256], path[300];

	assert_int_equal(get(alice, f, "/begin", code), 200);
	assert_int_equal(get(bob, f, "/begin", body), 200);
	snprintf(path, sizeof(path), "/act?session_code=%s", code);
	assert_int_equal(get(bob, f, path, body), 405);
	/* bob's attempt did not use up alice's code */
	assert_int_equal(get(alice, f, path, body), 200);
	curl_easy_cleanup(alice);
	curl_easy_cleanup(bob);
}

static void test_cookies_blocked(void **state)
{
	fixture *f = *state;
	CURL *b = browser(false);
	char code[256], body[256], path[300];

	assert_int_equal(get(b, f, "/begin", code), 200);
	snprintf(path, sizeof(path), "/act?session_code=%s", code);
	assert_int_equal(get(b, f, path, body), 400);
	assert_string_equal(body, "no cookie");
	curl_easy_cleanup(b);
}

static void test_session_expires(void **state)
{
	fixture *f = *state;
	CURL *b = browser(true);
	char code[256], body[256], path[300];

	assert_int_equal(get(b, f, "/begin", code), 200);
	f->app.clock.fixed += RP_SESSION_LIFETIME + 1;
	snprintf(path, sizeof(path), "/act?session_code=%s", code);
	assert_int_equal(get(b, f, path, body), 400);
	assert_string_equal(body, "expired");
	f->app.clock.fixed -= RP_SESSION_LIFETIME + 1;
	curl_easy_cleanup(b);
}

static int setup(void **state)
{
	static fixture f;
	int fd;

	memset(&f, 0, sizeof(f));
	snprintf(f.db, sizeof(f.db), "/tmp/kagura-session-XXXXXX");
	if ((fd = mkstemp(f.db)) < 0)
		return -1;
	close(fd);
	unlink(f.db);
	f.app.clock = wa_clock_system(0);
	if (rp_store_open(f.db, &f.app.store) != RP_STORE_OK ||
	    rp_http_start("127.0.0.1:0", 65536, handler, &f.app, NULL, &f.srv, f.base,
	                  sizeof(f.base)) != RP_HTTP_OK)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	char path[80];

	rp_http_stop(f->srv);
	rp_store_close(f->app.store);
	unlink(f->db);
	snprintf(path, sizeof(path), "%s-wal", f->db);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", f->db);
	unlink(path);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_code_single_use),
	        cmocka_unit_test(test_code_of_another_session),
	        cmocka_unit_test(test_cookies_blocked),
	        cmocka_unit_test(test_session_expires),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return rc;
}
