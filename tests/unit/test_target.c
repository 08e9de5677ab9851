/* The --target probe (scenarios/target.h) against a fake platform on 127.0.0.1: what its test
 * control's info says is checked before a run takes it (a manual generation there is, an http(s)
 * origin, JSON at all), and a run against a target that fails the check exits 2. */
#define _GNU_SOURCE /* strcasestr */
#include <setjmp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "scenarios/scenarios_cmd.h"
#include "scenarios/target.h"

/* How long the fake waits for a request's bytes (a bound, not a measured time). */
#define REQUEST_WAIT_MS 2000

static const char login_page[] =
        "<!doctype html><html><body><form id=\"kc-form-login\" method=\"post\" "
        "action=\"/login\"><input name=\"username\" value=\"\"></form></body></html>";

/* A platform of one thread: GET /login is the login form, POST /test-control/info answers
 * info_status with info (the test's), anything else 404; one request a connection. */
typedef struct fake_platform {
	int listener;
	char base[64];
	int info_status;
	char info[512];
	int wake[2]; /* a byte in wake[1] stops the fake */
	pthread_t thread;
} fake_platform;

static void answer(int fd, int status, const char *type, const char *body)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
	                 "HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	                 "Connection: close\r\n\r\n",
	                 status, type, strlen(body));

	/* No cmocka assertion off the test's thread: a short write shows as a failed probe. */
	if (write(fd, head, (size_t)n) == n)
		(void)!write(fd, body, strlen(body));
}

/* Reads one request's head and body from fd into buf; false when it never came whole. */
static bool request_read(int fd, char *buf, size_t size)
{
	size_t have = 0;

	for (;;) {
		struct pollfd more = {.fd = fd, .events = POLLIN};
		char *end, *length;
		ssize_t n;
		if (poll(&more, 1, REQUEST_WAIT_MS) <= 0 ||
		    (n = read(fd, buf + have, size - 1 - have)) <= 0)
			return false;
		have += (size_t)n;
		buf[have] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) == NULL)
			continue;
		length = strcasestr(buf, "\r\nContent-Length:");
		if (length == NULL || length > end ||
		    have >= (size_t)(end + 4 - buf) + strtoul(length + 17, NULL, 10))
			return true;
	}
}

/* The answer to one request of buf on fd. */
static void route(fake_platform *fp, int fd, const char *buf)
{
	if (strncmp(buf, "GET /login ", 11) == 0)
		answer(fd, 200, "text/html; charset=utf-8", login_page);
	else if (strncmp(buf, "POST /test-control/info ", 24) == 0)
		answer(fd, fp->info_status, "application/json", fp->info);
	else
		answer(fd, 404, "text/plain", "not found");
}

static void *fake_platform_main(void *arg)
{
	fake_platform *fp = arg;
	char buf[8192];

	for (;;) {
		struct pollfd ready[2] = {{.fd = fp->listener, .events = POLLIN},
		                          {.fd = fp->wake[0], .events = POLLIN}};
		int fd;
		if (poll(ready, 2, -1) < 0 || ready[1].revents != 0)
			break;
		if ((fd = accept(fp->listener, NULL, NULL)) < 0)
			continue;
		if (request_read(fd, buf, sizeof(buf)))
			route(fp, fd, buf);
		close(fd);
	}
	return NULL;
}

/* Starts the fake answering info, where "{base}" stands for its own base URL. */
static void fake_start(fake_platform *fp, int info_status, const char *info)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);

	memset(fp, 0, sizeof(*fp));
	fp->listener = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fp->listener >= 0);
	assert_int_equal(bind(fp->listener, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fp->listener, 8), 0);
	assert_int_equal(getsockname(fp->listener, (struct sockaddr *)&a, &len), 0);
	snprintf(fp->base, sizeof(fp->base), "http://127.0.0.1:%u", ntohs(a.sin_port));
	fp->info_status = info_status;
	for (const char *p = info; *p != '\0';) {
		size_t n = strlen(fp->info);
		if (strncmp(p, "{base}", 6) == 0) {
			snprintf(fp->info + n, sizeof(fp->info) - n, "%s", fp->base);
			p += 6;
		} else {
			snprintf(fp->info + n, sizeof(fp->info) - n, "%c", *p++);
		}
	}
	assert_int_equal(pipe(fp->wake), 0);
	assert_int_equal(pthread_create(&fp->thread, NULL, fake_platform_main, fp), 0);
}

static void fake_stop(fake_platform *fp)
{
	assert_int_equal(write(fp->wake[1], "", 1), 1);
	pthread_join(fp->thread, NULL);
	close(fp->listener);
	close(fp->wake[0]);
	close(fp->wake[1]);
}

/* Probes a fake whose test control answers info: the result, why in why. */
static sc_target_err probe(int status, const char *info, sc_target_info *out, char *why,
                           size_t size)
{
	fake_platform fp;
	sc_target_err e;

	fake_start(&fp, status, info);
	why[0] = '\0';
	e = sc_target_probe(fp.base, SC_TARGET_KIND_MOCK, NULL, true, NULL, out, why, size);
	fake_stop(&fp);
	return e;
}

static void test_good_info_is_taken(void **state)
{
	sc_target_info info;
	char why[1024];

	(void)state;
	assert_int_equal(probe(200,
	                       "{\"origin\":\"{base}\",\"manual\":\"1.04\",\"card_login\":true,"
	                       "\"card_fronts\":{\"tls1.3\":\"https://127.0.0.1:9\"}}",
	                       &info, why, sizeof(why)),
	                 SC_TARGET_OK);
	assert_string_equal(info.manual, "1.04");
	assert_non_null(strstr(info.origin, "http://127.0.0.1:"));
	assert_string_equal(info.host, "127.0.0.1");
	assert_true(info.test_control);
	assert_true(info.card_login);
	assert_string_equal(info.card_front[1], "https://127.0.0.1:9");
}

/* Info a KAGURA platform would never answer: not a platform, exit 2, the value named. */
static void test_bad_info_is_no_platform(void **state)
{
	static const struct {
		const char *info, *why;
	} bad[] = {
	        {"{\"origin\":\"{base}\",\"manual\":\"9.9\"}",
	         "is not a KAGURA platform: test control reports manual '9.9' (a platform serves "
	         "manual 2.16 or 1.04)"},
	        {"{\"origin\":\"{base}\",\"manual\":5}", "test control reports manual 5 ("},
	        {"{\"origin\":\"{base}\"}", "test control reports no manual ("},
	        {"{\"origin\":\"{base}\",\"manual\":\"2.16\\u001b[2J\"}",
	         "test control reports manual '2.16\\u001B[2J' ("},
	        {"{\"origin\":\"garbage\",\"manual\":\"2.16\"}",
	         "is not a KAGURA platform: test control reports origin 'garbage' (an origin is "
	         "http(s)://host[:port], no path)"},
	        {"{\"origin\":\"{base}/login\",\"manual\":\"2.16\"}", "/login' (an origin is"},
	        {"{\"origin\":[],\"manual\":\"2.16\"}", "test control reports origin [] ("},
	        {"{\"manual\":\"2.16\"}", "test control reports no origin ("},
	        {"serves no JSON", "is not a KAGURA platform: test control's info is not a JSON "
	                           "object ("},
	        {"[\"{base}\"]", "test control's info is not a JSON object (another JSON value)"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sc_target_info info;
		char why[1024];
		sc_target_err e = probe(200, bad[i].info, &info, why, sizeof(why));
		if (e != SC_TARGET_ERR_NOT_PLATFORM || strstr(why, bad[i].why) == NULL)
			fail_msg("%s: %s: '%s'", bad[i].info, sc_target_strerr(e), why);
		assert_null(strchr(why, '\033')); /* nothing the server sent steers a terminal */
		assert_false(info.test_control);
	}
}

/* No test control at all is its own diagnosis, with the remedy. */
static void test_no_test_control(void **state)
{
	sc_target_info info;
	char why[1024];

	(void)state;
	assert_int_equal(probe(404, "{}", &info, why, sizeof(why)), SC_TARGET_ERR_NO_TEST_CONTROL);
	assert_non_null(strstr(why, "serves no test control"));
}

static void test_origin_valid(void **state)
{
	static const char *const good[] = {"http://localhost", "https://127.0.0.1:8443",
	                                   "https://mahpki-auth.2nds.medis.or.jp",
	                                   "http://[::1]:80", "http://a:65535"};
	static const char *const bad[] = {
	        "garbage",        "ftp://x",        "https://",        "https://x/",
	        "https://x/path", "https://x?q=1",  "https://x#f",     "https://u@x",
	        "https://x:",     "https://x:0",    "https://x:65536", "https://x:+1",
	        "https://x: 1",   "https://[::1",   "https://[]",      "https://x:1/",
	        "http://x y",     "https://x:8443x"};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!sc_target_origin_valid(good[i]))
			fail_msg("%s refused", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sc_target_origin_valid(bad[i]))
			fail_msg("%s taken", bad[i]);
}

/* The run: a target that reports an unknown manual is bad input (2), even with --allow-empty,
 * and nothing ran. */
static void test_run_refuses_unknown_manual(void **state)
{
	fake_platform fp;
	char *out = NULL, *err = NULL;
	size_t out_len = 0, err_len = 0;
	FILE *o = open_memstream(&out, &out_len), *e = open_memstream(&err, &err_len);
	sc_cmd_env env = {.program = "kagura-scenarios",
	                  .manual_dir = KAGURA_MANUAL_DIR,
	                  .scenario_dir = KAGURA_SCENARIOS_DIR,
	                  .out = o,
	                  .err = e};
	char *argv[] = {"kagura-scenarios", "run", "--manual",       "all", "--allow-empty",
	                "--target",         NULL,  "--test-control", NULL};
	int rc;

	(void)state;
	fake_start(&fp, 200, "{\"origin\":\"{base}\",\"manual\":\"9.9\"}");
	argv[6] = fp.base;
	rc = sc_cmd_main(8, argv, &env);
	fake_stop(&fp);
	fclose(o);
	fclose(e);
	assert_int_equal(rc, 2);
	if (strstr(err, "test control reports manual '9.9'") == NULL)
		fail_msg("stderr: %s", err);
	assert_null(strstr(err, "not run"));
	assert_string_equal(out, "");
	free(out);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_good_info_is_taken),
	        cmocka_unit_test(test_bad_info_is_no_platform),
	        cmocka_unit_test(test_no_test_control),
	        cmocka_unit_test(test_origin_valid),
	        cmocka_unit_test(test_run_refuses_unknown_manual),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
