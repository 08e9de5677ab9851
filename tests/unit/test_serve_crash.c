/*
 * kagura-rp serve killed with SIGKILL in the middle of a load of registrations (eight users
 * through the FIDO conformance API, bench/http's virtual users) loses none it acknowledged:
 * started again on the same --db, every credential whose registration got "ok" logs in. The
 * store syncs at checkpoints only (WAL, synchronous=NORMAL): a committed transaction is in the
 * WAL file, which a killed process does not take with it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "vuser.h"

#define ORIGIN "https://kagura.example.jp"
#define RP_ID  "kagura.example.jp"
#define USERS  8
/* Registrations acknowledged before the kill: enough that several are always in flight. */
#define ACKED_BEFORE_KILL 100
#define CAP_SECONDS       60

typedef struct server {
	pid_t pid;
	char base[64];
} server;

/* kagura-rp serve --db path on a free port; its URL read from its first line. */
static void serve(const char *db, server *s)
{
	int out[2];
	FILE *in;
	char line[512];

	assert_int_equal(pipe(out), 0);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(out[1], 1);
		if (null >= 0)
			dup2(null, 2);
		close(out[0]);
		execl(KAGURA_RP_BIN, KAGURA_RP_BIN, "serve", "--listen", "127.0.0.1:0", "--db", db,
		      "--conformance-api", "--origin", ORIGIN, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	assert_non_null(in = fdopen(out[0], "r"));
	s->base[0] = '\0';
	while (fgets(line, sizeof(line), in) != NULL)
		if (sscanf(line, "kagura-rp: serving %63s", s->base) == 1)
			break;
	fclose(in);
	assert_true(strncmp(s->base, "http://", 7) == 0);
}

static void stop(server *s, int sig)
{
	int status;

	kill(s->pid, sig);
	assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
}

/* ---- the load: each thread registers new users until told to stop ---- */

typedef struct acked {
	bh_vuser *user; /* holds the credential it registered */
	char name[32];
} acked;

typedef struct load {
	bh_target target;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	acked list[4096];
	size_t n;
	atomic_bool stop;
} load;

typedef struct worker {
	load *load;
	int id;
} worker;

static void *register_main(void *arg)
{
	worker *w = arg;
	load *l = w->load;

	for (int i = 0; !atomic_load(&l->stop); i++) {
		bh_vuser *u = bh_vuser_new(&l->target, NULL);
		char name[32], msg[256];
		if (u == NULL)
			break;
		snprintf(name, sizeof(name), "crash-%d-%d", w->id, i);
		if (bh_register(u, name, BH_HONEST, msg, sizeof(msg)) != BH_OK) {
			bh_vuser_free(&u);
			break; /* the server is gone */
		}
		pthread_mutex_lock(&l->lock);
		if (l->n < sizeof(l->list) / sizeof(l->list[0])) {
			l->list[l->n].user = u;
			snprintf(l->list[l->n].name, sizeof(l->list[0].name), "%s", name);
			l->n++;
			u = NULL;
		}
		pthread_cond_broadcast(&l->cond);
		pthread_mutex_unlock(&l->lock);
		bh_vuser_free(&u);
	}
	return NULL;
}

static void test_kill_under_load_loses_no_acknowledged_registration(void **state)
{
	static load l; /* large */
	char dir[] = "/tmp/kagura-crash-XXXXXX", db[64], base[64];
	worker w[USERS];
	pthread_t t[USERS];
	server s;
	struct timespec until;
	size_t n, verified = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/store.db", dir);
	serve(db, &s);
	snprintf(base, sizeof(base), "%s", s.base);
	l.target = (bh_target){base, ORIGIN, RP_ID};
	pthread_mutex_init(&l.lock, NULL);
	pthread_cond_init(&l.cond, NULL);
	for (int i = 0; i < USERS; i++) {
		w[i] = (worker){&l, i};
		assert_int_equal(pthread_create(&t[i], NULL, register_main, &w[i]), 0);
	}
	/* Killed while the users keep registering. */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += CAP_SECONDS;
	pthread_mutex_lock(&l.lock);
	while (l.n < ACKED_BEFORE_KILL && pthread_cond_timedwait(&l.cond, &l.lock, &until) == 0)
		;
	pthread_mutex_unlock(&l.lock);
	stop(&s, SIGKILL);
	atomic_store(&l.stop, true);
	for (int i = 0; i < USERS; i++)
		pthread_join(t[i], NULL);
	n = l.n;
	assert_true(n >= ACKED_BEFORE_KILL);

	/* Started again on the same store: every acknowledged credential logs in. */
	serve(db, &s);
	snprintf(base, sizeof(base), "%s", s.base); /* the users' target follows */
	for (size_t i = 0; i < n; i++) {
		char msg[256] = "";
		bh_outcome o = bh_authenticate(l.list[i].user, l.list[i].name, BH_HONEST, msg,
		                               sizeof(msg));
		if (o != BH_OK)
			print_error("%s: not there after the kill: %s\n", l.list[i].name, msg);
		verified += o == BH_OK;
		bh_vuser_free(&l.list[i].user);
	}
	stop(&s, SIGTERM);
	print_message("%zu registrations acknowledged before the kill, %zu log in after it\n", n,
	              verified);
	assert_int_equal(verified, n);
	for (const char *suffix = ""; suffix != NULL; suffix = *suffix == '\0' ? "-wal"
	                                                       : strcmp(suffix, "-wal") == 0
	                                                               ? "-shm"
	                                                               : NULL) {
		char path[80];
		snprintf(path, sizeof(path), "%s%s", db, suffix);
		unlink(path);
	}
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_kill_under_load_loses_no_acknowledged_registration),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests_name("serve crash", tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
