/*
 * Whole requests to the platform: the input is the bytes a client sends on one connection
 * (request line, headers, cookies, body), written to an embedded platform (rp/platform.h: its
 * own temporary store, the fixtures' pages and texts, test control and the conformance API on)
 * over loopback; the answer is read to the end. That reaches libmicrohttpd's parsing, the
 * router, the cookies and sessions, and the form and JSON bodies of every endpoint, as a real
 * client would. The platform keeps what earlier inputs stored (users, sessions, the clock), as a
 * running one does.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rp/platform.h"

#include "fuzz.h"

/* An answer that has not come after this long is a hang libFuzzer's -timeout reports. */
#define FUZZ_HTTP_WAIT_MS 10000
/*
 * How long the server gets to read the request before the client's end of input follows.
 * libmicrohttpd on edge-triggered epoll takes a short read as "nothing more to read": an end of
 * input that arrives with the last bytes goes unseen until its timeout, one that arrives later
 * is an event of its own. Only the speed depends on it, never the outcome.
 */
#define FUZZ_HTTP_SETTLE_MS  10
#define FUZZ_HTTP_READ_CHUNK 16384

/* Read-only after LLVMFuzzerInitialize: where the one platform of the process listens. */
static rp_platform *platform;
static struct sockaddr_in address;

static void stop_platform(void)
{
	rp_platform_stop(platform);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	rp_platform_options opt = {.test_control = true,
	                           .conformance_api = true,
	                           .fixtures_dir = KAGURA_FUZZ_FIXTURES_DIR};
	char why[512];
	const char *base, *port;

	(void)argc;
	(void)argv;
	/* The platform's store goes into the scratch folder, removed at exit. */
	if (fuzz_tmpdir() == NULL || setenv("TMPDIR", fuzz_tmpdir(), 1) != 0 ||
	    (platform = rp_platform_start(&opt, why, sizeof(why))) == NULL) {
		fprintf(stderr, "fuzz_http: the platform does not start: %s\n", why);
		exit(1);
	}
	atexit(stop_platform);
	base = rp_platform_base(platform); /* "http://127.0.0.1:PORT" */
	if ((port = strrchr(base, ':')) == NULL) {
		fprintf(stderr, "fuzz_http: the platform's address %s has no port\n", base);
		exit(1);
	}
	address.sin_family = AF_INET;
	address.sin_port = htons((uint16_t)atoi(port + 1));
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return 0;
}

static void send_all(int fd, const uint8_t *data, size_t size)
{
	while (size > 0) {
		ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
		if (n <= 0)
			return; /* the server closed early: an answer to part of the input */
		data += n;
		size -= (size_t)n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pollfd pfd = {.events = POLLIN};
	char answer[FUZZ_HTTP_READ_CHUNK];

	if ((pfd.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	if (connect(pfd.fd, (const struct sockaddr *)&address, sizeof(address)) == 0) {
		send_all(pfd.fd, data, size);
		/* The end of the input is the end of what the client sends: the server answers
		 * what it received, then closes. */
		(void)poll(&pfd, 1, FUZZ_HTTP_SETTLE_MS);
		shutdown(pfd.fd, SHUT_WR);
		while (poll(&pfd, 1, FUZZ_HTTP_WAIT_MS) == 1 &&
		       read(pfd.fd, answer, sizeof(answer)) > 0)
			continue;
	}
	close(pfd.fd);
	return 0;
}
