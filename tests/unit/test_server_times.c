/* bench-http's reading of kagura-rp serve's request log (bench/http/server_times.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "server_times.h"

/*
 * Lines as the server writes them: requests (one with the reason it failed), its banner, the
 * sweeper's line for a connection it cut, a time without its unit, and a last line not yet whole.
 */
static const char log_text[] =
        "127.0.0.1 POST /assertion/options 200 712 1.0ms\n"
        "kagura-rp: serving http://127.0.0.1:8400\n"
        "127.0.0.1 POST /assertion/result 200 33 2.0ms\n"
        "127.0.0.1 POST /assertion/result 400 90 3.0ms verify: bad sig\n"
        "127.0.0.1 - - 0 0 30001.2ms closed: no whole request or answer within 30 s\n"
        "127.0.0.1 POST /attestation/options 200 712 7.0\n"
        "127.0.0.1 POST /attestation/options 200 712 4.0ms\n"
        "127.0.0.1 POST /attestation/result 200 33 5.0ms";

typedef struct fixture {
	char path[64];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	FILE *out;
	int fd;

	if (f == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "/tmp/test-server-times-XXXXXX");
	if ((fd = mkstemp(f->path)) < 0 || (out = fdopen(fd, "w")) == NULL) {
		free(f);
		return -1;
	}
	fputs(log_text, out);
	fclose(out);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	unlink(f->path);
	free(f);
	return 0;
}

/* Where line `n` (from 0) of log_text starts. */
static off_t line_start(int n)
{
	const char *p = log_text;

	while (n-- > 0)
		p = strchr(p, '\n') + 1;
	return p - log_text;
}

static void test_whole_log(void **state)
{
	fixture *f = *state;
	double p50 = 0, p99 = 0;

	/* The requests answered, the first line's included: 1, 2, 3 and 4 ms. */
	assert_true(bh_server_times(f->path, 0, (off_t)strlen(log_text), &p50, &p99));
	assert_float_equal(p50, 2.0, 1e-6);
	assert_float_equal(p99, 4.0, 1e-6);
	assert_int_equal(bh_log_end(f->path), (off_t)strlen(log_text));
}

static void test_window_cuts(void **state)
{
	fixture *f = *state;
	double p50 = 0, p99 = 0;

	/* Opened at a line's start, closed at another's: exactly lines 2 and 3. */
	assert_true(bh_server_times(f->path, line_start(2), line_start(4), &p50, &p99));
	assert_float_equal(p50, 2.0, 1e-6);
	assert_float_equal(p99, 3.0, 1e-6);
	/* Opened inside line 2 and closed inside line 6: only line 3 is a whole request's. */
	assert_true(bh_server_times(f->path, line_start(2) + 3, line_start(6) + 3, &p50, &p99));
	assert_float_equal(p50, 3.0, 1e-6);
	assert_float_equal(p99, 3.0, 1e-6);
	/* A window inside one line holds no time; nor one over the sweeper's line alone. */
	assert_false(bh_server_times(f->path, line_start(2) + 1, line_start(2) + 9, &p50, &p99));
	assert_false(bh_server_times(f->path, line_start(4), line_start(5), &p50, &p99));
}

static void test_nothing_to_read(void **state)
{
	fixture *f = *state;
	double p50 = 0, p99 = 0;

	assert_false(
	        bh_server_times(f->path, line_start(1), line_start(2), &p50, &p99)); /* banner */
	assert_false(bh_server_times(f->path, 10, 10, &p50, &p99));
	assert_false(bh_server_times(f->path, -1, 10, &p50, &p99));
	assert_false(bh_server_times("/nonexistent/log", 0, 100, &p50, &p99));
	assert_int_equal(bh_log_end("/nonexistent/log"), -1);
	assert_int_equal(bh_log_end(""), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_whole_log, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_window_cuts, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_nothing_to_read, setup, teardown),
	};

	return cmocka_run_group_tests_name("server_times", tests, NULL, NULL);
}
