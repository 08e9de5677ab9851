#include "bare.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stats.h"

#define POLL_MS           10
#define MAX_THREADS       16u
#define SPARE_CONNECTIONS 16u /* accepted beyond the load's, so a stray client is no failure */

/* ---- the server ---- */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
	char *answer = cls; /* BF_BARE_ANSWER_BYTES, alive as long as the server */
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)url, (void)method, (void)version, (void)upload;
	if (*con_cls == NULL) {
		*con_cls = answer; /* the headers are in: a body may follow */
		return MHD_YES;
	}
	if (*upload_size > 0) {
		*upload_size = 0; /* read and dropped */
		return MHD_YES;
	}
	r = MHD_create_response_from_buffer(BF_BARE_ANSWER_BYTES, answer, MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

int bf_bare_serve(void)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = cores < 1 ? 1u : (unsigned)cores;
	char answer[BF_BARE_ANSWER_BYTES];
	struct sockaddr_in addr = {.sin_family = AF_INET,
	                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	sigset_t stop;
	int sig;

	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	memset(answer, 'a', sizeof(answer));
	/* Blocked before the threads start, so only sigwait sees them. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL,
	                     on_request, answer, MHD_OPTION_SOCK_ADDR, &addr,
	                     MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT,
	                     BF_BARE_MAX_USERS + SPARE_CONNECTIONS, MHD_OPTION_END);
	if (d == NULL || (info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)) == NULL) {
		fprintf(stderr, "bench-floor: the bare server did not start\n");
		return 1;
	}
	printf("serving http://127.0.0.1:%u\n", (unsigned)info->port);
	fflush(stdout);
	sigwait(&stop, &sig);
	MHD_stop_daemon(d);
	return 0;
}

/* ---- the load ---- */

typedef struct load {
	CURLM *multi;
	CURL *easy[BF_BARE_MAX_USERS];
	int users;
	char url[128];
	char body[BF_BARE_BODY_BYTES];
	size_t answered;
	char why[256];
} load;

static size_t drop(char *p, size_t size, size_t n, void *ctx)
{
	(void)p, (void)ctx;
	return size * n;
}

static bool add(load *l, int i)
{
	CURL *e = l->easy[i] != NULL ? l->easy[i] : curl_easy_init();

	if (e == NULL)
		return false;
	l->easy[i] = e;
	curl_easy_setopt(e, CURLOPT_URL, l->url);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, l->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)sizeof(l->body));
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, drop);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)(intptr_t)i);
	return curl_multi_add_handle(l->multi, e) == CURLM_OK;
}

/* Takes the finished transfers and starts each one again; false on a failed one. */
static bool harvest(load *l)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(l->multi, &left)) != NULL) {
		long status = 0;
		void *priv = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
		if (m->data.result != CURLE_OK || status != 200) {
			snprintf(l->why, sizeof(l->why),
			         "a request to the bare server failed: %s, status %ld",
			         curl_easy_strerror(m->data.result), status);
			return false;
		}
		l->answered++;
		curl_multi_remove_handle(l->multi, m->easy_handle);
		if (!add(l, (int)(intptr_t)priv)) {
			snprintf(l->why, sizeof(l->why), "a request could not be started again");
			return false;
		}
	}
	return true;
}

bool bf_bare_load(const char *base_url, int users, double seconds, size_t *answered, char *why,
                  size_t why_size)
{
	load *l = calloc(1, sizeof(*l));
	double start = bench_now_seconds();
	bool ok = l != NULL && users >= 1 && users <= BF_BARE_MAX_USERS &&
	          (l->multi = curl_multi_init());
	int running = 0;

	*answered = 0;
	if (!ok) {
		snprintf(why, why_size, "cannot set up %d connections", users);
		goto out;
	}
	snprintf(l->url, sizeof(l->url), "%s/", base_url);
	memset(l->body, 'b', sizeof(l->body));
	l->users = users;
	for (int i = 0; i < users && ok; i++)
		ok = add(l, i);
	while (ok) {
		double now = bench_now_seconds();

		if (now >= start + seconds)
			break;
		ok = curl_multi_perform(l->multi, &running) == CURLM_OK && harvest(l) &&
		     curl_multi_poll(l->multi, NULL, 0, POLL_MS, NULL) == CURLM_OK;
	}
	if (!ok && l->why[0] == '\0')
		snprintf(l->why, sizeof(l->why), "the load's event loop failed");
	if (ok && l->answered == 0) {
		snprintf(l->why, sizeof(l->why), "the bare server answered nothing");
		ok = false;
	}
	if (!ok)
		snprintf(why, why_size, "%s", l->why);
	*answered = l->answered;
out:
	if (l != NULL) {
		for (int i = 0; i < l->users; i++)
			if (l->easy[i] != NULL) {
				curl_multi_remove_handle(l->multi, l->easy[i]);
				curl_easy_cleanup(l->easy[i]);
			}
		curl_multi_cleanup(l->multi);
		free(l);
	}
	return ok;
}
