/* Test control as one interface (scenarios/control.h): what a kind lacks and why, a call it
 * cannot make, the mock's client keeping one connection and no cookie; the CA's mailbox
 * (scenarios/smtp_sink.h); the Keycloak admin file; the differential table and its check
 * (scenarios/diff.h). */
#define _GNU_SOURCE /* strcasestr */
#include <setjmp.h>
#include <fcntl.h>
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

#include "scenarios/control.h"
#include "scenarios/diff.h"
#include "scenarios/keycloak_control.h"
#include "scenarios/smtp_sink.h"

/* How long a take waits for a mail that was never sent: a bound, not a measured time. */
#define NO_MAIL_WAIT_MS 50

/* ---- a control that lacks everything but users ---- */

static const char *const fake_lacks[] = {"no clock",       "no networks",   "no QR URL",
                                         "no PC QR",       "no card login", "no My Number",
                                         "no device state"};

static sc_control_err fake_call(sc_control *c, sc_control_op op, const json_t *body,
                                json_t **answer, char *why, size_t why_size)
{
	(void)c;
	(void)body;
	if (op == SC_CTL_CLOCK) {
		snprintf(why, why_size, "%s", fake_lacks[0]);
		return SC_CONTROL_ERR_UNSUPPORTED;
	}
	*answer = json_pack("{s:s}", "status", "ok");
	return SC_CONTROL_OK;
}

static void fake_free(sc_control *c)
{
	(void)c;
}

static const sc_control_ops fake_ops = {fake_call, fake_free};

static void test_lacks_names_the_first_missing_capability(void **state)
{
	sc_control fake = {.ops = &fake_ops, .caps = SC_CAP_DEVICE_STATE, .lacks_why = fake_lacks};
	sc_control *mock = sc_control_mock_new("http://127.0.0.1:1", NULL);
	const char *why = NULL;

	(void)state;
	assert_int_equal(sc_control_lacks(&fake, SC_CAP_CARD_LOGIN | SC_CAP_MY_NUMBER, &why),
	                 SC_CAP_CARD_LOGIN);
	assert_string_equal(why, "no card login");
	assert_int_equal(sc_control_lacks(&fake, SC_CAP_DEVICE_STATE, &why), 0);
	assert_null(why);
	assert_int_equal(sc_control_lacks(&fake, 0, &why), 0);
	/* the mock platform's test control has every capability */
	assert_non_null(mock);
	assert_int_equal(sc_control_lacks(mock, SC_CAP_ALL, &why), 0);
	sc_control_free(mock);
}

static void test_call_unsupported_is_a_reason(void **state)
{
	sc_control fake = {.ops = &fake_ops, .caps = 0, .lacks_why = fake_lacks};
	json_t *answer = (json_t *)&answer;
	char why[200];

	(void)state;
	assert_int_equal(sc_control_call(&fake, SC_CTL_CLOCK,
	                                 json_pack("{s:i}", "advance_seconds", 60), &answer, why,
	                                 sizeof(why)),
	                 SC_CONTROL_ERR_UNSUPPORTED);
	assert_null(answer);
	assert_string_equal(why, "no clock");
	assert_int_equal(sc_control_call(&fake, SC_CTL_USER_CREATE, json_pack("{s:s}", "name", "x"),
	                                 &answer, why, sizeof(why)),
	                 SC_CONTROL_OK);
	assert_string_equal(json_string_value(json_object_get(answer, "status")), "ok");
	json_decref(answer);
	/* a body that could not be built is out of memory, not a crash */
	assert_int_equal(
	        sc_control_call(&fake, SC_CTL_USER_CREATE, NULL, &answer, why, sizeof(why)),
	        SC_CONTROL_ERR_NOMEM);
	assert_string_equal(sc_control_op_path(SC_CTL_USER_ENABLED), "users/enabled");
	assert_string_equal(sc_control_op_path(SC_CTL_DEVICE_SETUP_LINK), "registration-qr");
}

/* A mock platform that does not answer: an error with its reason, never a skip. */
static void test_mock_down_is_an_error(void **state)
{
	sc_control *mock = sc_control_mock_new("http://127.0.0.1:1", NULL);
	json_t *answer = NULL;
	char why[300];

	(void)state;
	assert_int_equal(sc_control_call(mock, SC_CTL_USER_CREATE, json_pack("{s:s}", "name", "x"),
	                                 &answer, why, sizeof(why)),
	                 SC_CONTROL_ERR_TRANSPORT);
	assert_null(answer);
	assert_non_null(strstr(why, "test control users"));
	sc_control_free(mock);
}

/*
 * A platform of one thread that answers every test-control call "ok", keep-alive, and asks for
 * a cookie: it counts the connections it accepts and the requests that brought a cookie back.
 */
#define IDLE_CONNECTION_MS 1000

typedef struct cookie_platform {
	int listener;
	int connections, requests, with_cookie;
	int want; /* requests to answer before it stops */
} cookie_platform;

static void *cookie_platform_main(void *arg)
{
	static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	                             "Set-Cookie: ca_session=kept; Path=/\r\n"
	                             "Content-Length: 15\r\n\r\n{\"status\":\"ok\"}";
	cookie_platform *cp = arg;
	char buf[8192];

	while (cp->requests < cp->want) {
		int fd = accept(cp->listener, NULL, NULL);
		size_t have = 0;

		if (fd < 0)
			break;
		cp->connections++;
		for (;;) {
			struct pollfd more = {.fd = fd, .events = POLLIN};
			ssize_t n;
			char *end, *length;
			size_t head, body;

			/* A client that left this connection for a new one fails fast, not at its
			 * timeout: the idle connection is closed and the next one accepted. */
			if (poll(&more, 1, IDLE_CONNECTION_MS) <= 0 ||
			    (n = read(fd, buf + have, sizeof(buf) - 1 - have)) <= 0)
				break;
			have += (size_t)n;
			buf[have] = '\0';
			if ((end = strstr(buf, "\r\n\r\n")) == NULL)
				continue;
			head = (size_t)(end - buf) + 4;
			length = strcasestr(buf, "\r\nContent-Length:");
			body = length != NULL && length < end ? strtoul(length + 17, NULL, 10) : 0;
			if (have < head + body)
				continue;
			cp->requests++;
			length = strcasestr(buf, "\r\nCookie:");
			cp->with_cookie += length != NULL && length < end;
			/* No cmocka assertion off the test's thread: a short write shows as a
			 * failed call. */
			if (write(fd, answer, sizeof(answer) - 1) != (ssize_t)(sizeof(answer) - 1))
				break;
			memmove(buf, buf + head + body, have - head - body);
			have -= head + body;
			if (cp->requests == cp->want)
				break;
		}
		close(fd);
	}
	return NULL;
}

/* One client serves a runner's worker through many causes: one connection, and no cookie the
 * platform set reaches a later call. */
static void test_mock_keeps_its_connection_and_no_cookie(void **state)
{
	cookie_platform cp = {.want = 3};
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	pthread_t t;
	char base[64], why[300];
	sc_control *mock;

	(void)state;
	cp.listener = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(cp.listener >= 0);
	assert_int_equal(bind(cp.listener, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(cp.listener, 4), 0);
	assert_int_equal(getsockname(cp.listener, (struct sockaddr *)&a, &len), 0);
	snprintf(base, sizeof(base), "http://127.0.0.1:%u", ntohs(a.sin_port));
	assert_int_equal(pthread_create(&t, NULL, cookie_platform_main, &cp), 0);
	mock = sc_control_mock_new(base, NULL);
	assert_non_null(mock);
	for (int i = 0; i < cp.want; i++) {
		json_t *answer = NULL;
		assert_int_equal(sc_control_call(mock, SC_CTL_USER_CREATE,
		                                 json_pack("{s:s}", "name", "x"), &answer, why,
		                                 sizeof(why)),
		                 SC_CONTROL_OK);
		json_decref(answer);
	}
	pthread_join(t, NULL);
	sc_control_free(mock);
	close(cp.listener);
	assert_int_equal(cp.requests, 3);
	assert_int_equal(cp.connections, 1);
	assert_int_equal(cp.with_cookie, 0);
}

/* ---- the CA's mailbox ---- */

static void say(int fd, const char *text)
{
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

static void test_mailbox_keeps_mail_by_recipient(void **state)
{
	char why[200];
	sc_smtp_sink *s = sc_smtp_sink_start(why, sizeof(why));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char *mail;

	(void)state;
	assert_non_null(s);
	a.sin_port = htons((uint16_t)sc_smtp_sink_port(s));
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	say(fd, "EHLO test\r\nMAIL FROM:<ca@x>\r\nRCPT TO:<A@ca.test>\r\nDATA\r\n"
	        "Subject: one\r\n\r\n..dot stuffed\r\nlink=3Dyes\r\n.\r\n"
	        "MAIL FROM:<ca@x>\r\nRCPT TO:<b@ca.test>\r\nDATA\r\nSubject: two\r\n\r\nbody\r\n"
	        ".\r\nQUIT\r\n");
	/* taken in any order, by recipient whatever its case */
	mail = sc_smtp_sink_take(s, "b@ca.test", 10000);
	assert_non_null(mail);
	assert_non_null(strstr(mail, "Subject: two"));
	free(mail);
	mail = sc_smtp_sink_take(s, "a@ca.test", 10000);
	assert_non_null(mail);
	assert_non_null(strstr(mail, "\r\n.dot stuffed\r\n"));
	sc_smtp_qp_decode(mail);
	assert_non_null(strstr(mail, "link=yes"));
	free(mail);
	/* taken once */
	assert_null(sc_smtp_sink_take(s, "a@ca.test", NO_MAIL_WAIT_MS));
	close(fd);
	sc_smtp_sink_stop(s);
}

static void test_quoted_printable(void **state)
{
	char text[] = "=E3=81=82=\r\nkey=3Dvalue= \r\n=ZZ";

	(void)state;
	sc_smtp_qp_decode(text);
	/* a soft break joins, =XX decodes, what is no escape stays */
	assert_string_equal(text, "\xe3\x81\x82key=value= \r\n=ZZ");
}

/* ---- the Keycloak administrator's file ---- */

static void test_admin_env(void **state)
{
	char path[] = "/tmp/kagura-admin-env-XXXXXX", user[64], password[64], why[200];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	say(fd, "KC_ADMIN_USERNAME=admin\nKC_ADMIN_PASSWORD=s3cret\n");
	close(fd);
	assert_true(sc_keycloak_admin_env_read(path, user, sizeof(user), password, sizeof(password),
	                                       why, sizeof(why)));
	assert_string_equal(user, "admin");
	assert_string_equal(password, "s3cret");
	fd = open(path, O_WRONLY | O_TRUNC);
	say(fd, "KC_ADMIN_USERNAME=admin\n");
	close(fd);
	assert_false(sc_keycloak_admin_env_read(path, user, sizeof(user), password,
	                                        sizeof(password), why, sizeof(why)));
	assert_non_null(strstr(why, "KC_ADMIN_PASSWORD"));
	unlink(path);
	assert_false(sc_keycloak_admin_env_read(path, user, sizeof(user), password,
	                                        sizeof(password), why, sizeof(why)));
}

/* ---- the differential table ---- */

static const char mock_report[] =
        "[{\"manual\":\"2.16\",\"entries\":[{\"id\":\"2.1\",\"causes\":["
        "{\"cause\":\"c1\",\"label\":\"disabled\",\"status\":\"pass\",\"seen\":\"Title\\nAccount | "
        "off\","
        "\"expected\":\"the banner\",\"detail\":\"\"},"
        "{\"cause\":\"c2\",\"label\":\"twice\",\"status\":\"pass\",\"seen\":\"405\",\"detail\":"
        "\"\"},"
        "{\"cause\":\"c3\",\"label\":\"clock\",\"status\":\"pass\",\"seen\":\"x\",\"detail\":\"\"}"
        "]}]}]";

static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/kagura-diff-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	say(fd, text);
	close(fd);
	return path;
}

/* Runs diff on the two reports given as text (and notes); its exit status, stdout in out,
 * stderr in *err_out (NULL: dropped). */
static int diff_texts(const char *mock_text, const char *kc_report, const char *notes, bool check,
                      char **out, char **err_out)
{
	char *mock = write_temp(mock_text), *kc = write_temp(kc_report);
	char *notes_path = notes ? write_temp(notes) : NULL;
	char *argv[6] = {"diff", mock, kc};
	int argc = 3, rc;
	size_t out_len = 0, err_len = 0;
	char *err = NULL;
	FILE *o = open_memstream(out, &out_len), *e = open_memstream(&err, &err_len);
	sc_cmd_env env = {.program = "kagura-scenarios", .out = o, .err = e};

	if (notes_path != NULL) {
		argv[argc++] = "--notes";
		argv[argc++] = notes_path;
	}
	if (check)
		argv[argc++] = "--check";
	rc = sc_diff_cmd(argc, argv, &env);
	fclose(o);
	fclose(e);
	if (err_out != NULL)
		*err_out = err;
	else
		free(err);
	unlink(mock);
	unlink(kc);
	if (notes_path)
		unlink(notes_path);
	free(mock);
	free(kc);
	free(notes_path);
	return rc;
}

/* The same against the mock report above. */
static int diff(const char *kc_report, const char *notes, bool check, char **out)
{
	return diff_texts(mock_report, kc_report, notes, check, out, NULL);
}

static const char kc_report[] =
        "[{\"manual\":\"2.16\",\"entries\":[{\"id\":\"2.1\",\"causes\":["
        "{\"cause\":\"c1\",\"label\":\"disabled\",\"status\":\"pass\",\"seen\":\"Account\","
        "\"detail\":\"\"},"
        "{\"cause\":\"c2\",\"label\":\"twice\",\"status\":\"fail\",\"seen\":\"Cookie\","
        "\"detail\":\"not shown\"},"
        "{\"cause\":\"c3\",\"label\":\"clock\",\"status\":\"skip\",\"seen\":\"\","
        "\"detail\":\"setup, line 3: clock.advance: no clock\"}"
        "]}]}]";

static void test_diff_table_and_check(void **state)
{
	char *out = NULL;

	(void)state;
	/* without a decision for the Keycloak failure, the check fails; the table is written */
	assert_int_equal(diff(kc_report, NULL, true, &out), 1);
	assert_non_null(strstr(
	        out, "| 2.16 | 2.1 c1 | disabled | the banner | **pass** Account \\| off |"));
	assert_non_null(strstr(out, "**fail** Cookie — not shown | **differs** | (no decision"));
	assert_non_null(strstr(out, "2 causes ran on both: 1 with the same outcome, 1 different."));
	assert_non_null(strstr(out, "| 1 | no clock |"));
	free(out);
	/* with it, the check passes and the decision is in the row */
	assert_int_equal(
	        diff(kc_report, "# notes\n2.16\t2.1\tc2\ttwice\tkept: the manual\n", true, &out),
	        0);
	assert_non_null(strstr(out, "| **differs** | kept: the manual |"));
	free(out);
	/* a note whose label is another block's does not count */
	assert_int_equal(diff(kc_report, "2.16\t2.1\tc2\tonce\tkept\n", true, &out), 1);
	free(out);
	/* a malformed notes file is bad input */
	assert_int_equal(diff(kc_report, "2.16 2.1 c2 kept\n", false, &out), 2);
	free(out);
}

static void test_diff_silent_skip_fails_the_check(void **state)
{
	char *out = NULL;
	const char *silent =
	        "{\"manual\":\"2.16\",\"entries\":[{\"id\":\"2.1\",\"causes\":["
	        "{\"cause\":\"c1\",\"label\":\"disabled\",\"status\":\"skip\",\"detail\":\"\"}]}]}";

	(void)state;
	assert_int_equal(diff(silent, NULL, true, &out), 1);
	free(out);
	assert_int_equal(diff(silent, NULL, false, &out), 0);
	free(out);
}

/* A document that is JSON but no run's report, on either side, is bad input naming where. */
static void test_diff_refuses_what_is_no_report(void **state)
{
	static const struct {
		const char *doc, *why;
	} junk[] = {
	        {"[1,2,3]", "$[0]: not an object with a string manual and an array entries"},
	        {"[{\"manual\":5,\"entries\":[]}]",
	         "$[0]: not an object with a string manual and an array entries"},
	        {"{\"manual\":\"2.16\"}",
	         "$: not an object with a string manual and an array entries"},
	        {"[{\"manual\":\"2.16\",\"entries\":[]},{\"manual\":\"1.04\",\"entries\":[7]}]",
	         "$[1].entries[0]: not an object with a string id and an array causes"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		for (int side = 0; side < 2; side++) {
			char *out = NULL, *err = NULL;
			int rc = side == 0 ? diff_texts(mock_report, junk[i].doc, NULL, true, &out,
			                                &err)
			                   : diff_texts(junk[i].doc, kc_report, NULL, true, &out,
			                                &err);
			if (rc != 2 || strstr(err, "not a run's JSON report (") == NULL ||
			    strstr(err, junk[i].why) == NULL)
				fail_msg("%s (side %d): exit %d, '%s'", junk[i].doc, side, rc, err);
			assert_string_equal(out, ""); /* no table of nothing */
			free(out);
			free(err);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_lacks_names_the_first_missing_capability),
	        cmocka_unit_test(test_call_unsupported_is_a_reason),
	        cmocka_unit_test(test_mock_down_is_an_error),
	        cmocka_unit_test(test_mock_keeps_its_connection_and_no_cookie),
	        cmocka_unit_test(test_mailbox_keeps_mail_by_recipient),
	        cmocka_unit_test(test_quoted_printable),
	        cmocka_unit_test(test_admin_env),
	        cmocka_unit_test(test_diff_table_and_check),
	        cmocka_unit_test(test_diff_silent_skip_fails_the_check),
	        cmocka_unit_test(test_diff_refuses_what_is_no_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
