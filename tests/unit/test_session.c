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

/*
 * Test routes: /begin opens a session and hands out a code; /act spends one; /login (a found
 * session) completes an authentication: the session is renewed, the body says its step.
 */
static void handler(void *ctx, const rp_http_request *req, rp_http_response *resp)
{
	rp_app *app = ctx;
	rp_session s;
	char code[RP_CODE_MAX + 1];

	if (strcmp(req->path, "/begin") == 0) {
		if (!rp_session_usable(rp_session_of(app, req, resp, true, &s)) ||
		    !rp_session_issue_code(app, &s, "act", code, sizeof(code))) {
			rp_http_response_text(resp, 500, "text/plain", "error");
			return;
		}
		rp_http_response_text(resp, 200, "text/plain", code);
		return;
	}
	switch (rp_session_of(app, req, resp, false, &s)) {
	case RP_SESSION_FOUND:
		if (strcmp(req->path, "/login") == 0) {
			s.user_id = 0;
			s.step = RP_STEP_AUTHENTICATED;
			if (rp_session_renew(app, resp, &s))
				rp_http_response_text(resp, 200, "text/plain", "renewed");
			else
				rp_http_response_text(resp, 500, "text/plain", "error");
		} else if (strcmp(req->path, "/whoami") == 0) {
			rp_http_response_text(resp, 200, "text/plain",
			                      rp_session_step_name(s.step));
		} else if (rp_session_take_code(app, &s, "act", rp_http_query(req, "session_code")))
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

/* The browser's GET /begin; the path of the action with the session code it was given. */
static void begin(CURL *b, const fixture *f, char *path, size_t size)
{
	char code[256];

	assert_int_equal(get(b, f, "/begin", code), 200);
	snprintf(path, size, "/act?session_code=%s", code);
}

static void test_code_single_use(void **state)
{
	fixture *f = *state;
	CURL *b = browser(true);
	char body[256], path[300];

	begin(b, f, path, sizeof(path));
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
	char body[256], path[300];

	begin(b, f, path, sizeof(path));
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

/* The value of cookie name in b's jar into out ("" when it holds none). */
static void cookie_of(CURL *b, const char *name, char *out, size_t size)
{
	struct curl_slist *list = NULL;

	out[0] = '\0';
	assert_int_equal(curl_easy_getinfo(b, CURLINFO_COOKIELIST, &list), CURLE_OK);
	for (struct curl_slist *l = list; l != NULL; l = l->next) {
		/* Netscape format: domain, flag, path, secure, expiry, name, value (tabs) */
		const char *field = l->data;
		for (int i = 0; i < 5 && field != NULL; i++)
			field = strchr(field, '\t') ? strchr(field, '\t') + 1 : NULL;
		if (field != NULL && strncmp(field, name, strlen(name)) == 0 &&
		    field[strlen(name)] == '\t')
			snprintf(out, size, "%s", field + strlen(name) + 1);
	}
	curl_slist_free_all(list);
}

/*
 * Session fixation: an id the attacker got (and planted in the victim's browser) never becomes
 * the logged-in session; the restart cookie never carries the session id.
 */
static void test_renewed_at_login(void **state)
{
	fixture *f = *state;
	CURL *victim = browser(true), *attacker = browser(true);
	char planted[128], restart[128], after[128], body[256], line[256];

	assert_int_equal(get(attacker, f, "/begin", body), 200);
	cookie_of(attacker, RP_SESSION_COOKIE, planted, sizeof(planted));
	cookie_of(attacker, RP_RESTART_COOKIE, restart, sizeof(restart));
	assert_true(planted[0] != '\0' && restart[0] != '\0');
	assert_string_not_equal(planted, restart);
	/* The victim's browser holds the attacker's id, then logs in. */
	snprintf(line, sizeof(line), "127.0.0.1\tFALSE\t/\tFALSE\t0\t%s\t%s", RP_SESSION_COOKIE,
	         planted);
	curl_easy_setopt(victim, CURLOPT_COOKIELIST, line);
	assert_int_equal(get(victim, f, "/whoami", body), 200);
	assert_string_equal(body, "new");
	assert_int_equal(get(victim, f, "/login", body), 200);
	cookie_of(victim, RP_SESSION_COOKIE, after, sizeof(after));
	assert_string_not_equal(after, planted);
	assert_int_equal(get(victim, f, "/whoami", body), 200);
	assert_string_equal(body, "authenticated");
	/* The attacker's id names no session any more. */
	assert_int_equal(get(attacker, f, "/whoami", body), 400);
	assert_string_equal(body, "expired");
	curl_easy_cleanup(victim);
	curl_easy_cleanup(attacker);
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

/* A handler that fails names itself and why on the request's one log line. */
static void failing(void *ctx, const rp_http_request *req, rp_http_response *resp)
{
	(void)ctx;
	(void)req;
	rp_http_response_why(resp, "%s: %s", __func__, "WA_ERR_SIGN_COUNT: counter");
	rp_http_response_text(resp, 400, "text/plain", "refused");
}

static void test_log_says_why(void **state)
{
	FILE *log = tmpfile();
	rp_http_server *srv;
	char bound[64], path[80], line[512], body[256] = "";
	CURL *b = browser(false);
	long status = 0;

	(void)state;
	assert_non_null(log);
	assert_int_equal(
	        rp_http_start("127.0.0.1:0", 65536, failing, NULL, log, &srv, bound, sizeof(bound)),
	        RP_HTTP_OK);
	snprintf(path, sizeof(path), "http://%s/x", bound);
	curl_easy_setopt(b, CURLOPT_URL, path);
	curl_easy_setopt(b, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(b, CURLOPT_WRITEDATA, body);
	assert_int_equal(curl_easy_perform(b), CURLE_OK);
	curl_easy_getinfo(b, CURLINFO_RESPONSE_CODE, &status);
	assert_int_equal(status, 400);
	rp_http_stop(srv);
	rewind(log);
	assert_non_null(fgets(line, sizeof(line), log));
	assert_non_null(strstr(line, " GET /x 400 "));
	assert_non_null(strstr(line, "ms failing: WA_ERR_SIGN_COUNT: counter\n"));
	assert_null(fgets(line, sizeof(line), log)); /* one line */
	fclose(log);
	curl_easy_cleanup(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_code_single_use),
	        cmocka_unit_test(test_code_of_another_session),
	        cmocka_unit_test(test_cookies_blocked),
	        cmocka_unit_test(test_session_expires),
	        cmocka_unit_test(test_renewed_at_login),
	        cmocka_unit_test(test_log_says_why),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return rc;
}
