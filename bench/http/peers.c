#include "peers.h"
#include "stats.h"
#include "webauthn/arraylen.h"

#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define START_TIMEOUT_MS 30000 /* node's first start on a loaded machine */
#define STOP_TIMEOUT_MS  5000
#define BANNER_MARK      "serving http://"

extern char **environ;

/*
 * Same origin and RP ID for all, port 0 for all: each prints the port it was given.
 * The first row is the one the bars judge: kagura with a durable store, a --db file on
 * disk (WAL, synchronous=NORMAL: every acknowledged commit is in the WAL file). The
 * peers keep everything in memory; the second row puts kagura's store on tmpfs to match
 * them (a diagnostic: what the disk costs). The third, on request only, runs it as
 * `kagura-rp serve` does without --db: a temporary file on disk, never synced.
 */
const bh_peer bh_peers[] = {
        {.name = "kagura-durable",
         .kagura = true,
         .what = "kagura-rp serve: libmicrohttpd, webauthn/, SQLite store on disk (--db "
                 "/var/tmp/...)",
         .argv = {"{kagura-rp}", "serve", "--listen", "127.0.0.1:0", "--origin", "{origin}",
                  "--rp-id", "{rp-id}", "--db", "{disk-db}", "{conformance-api}", NULL}},
        {.name = "kagura",
         .kagura = true,
         .what = "the same, SQLite store on tmpfs (--db /dev/shm/...)",
         .argv = {"{kagura-rp}", "serve", "--listen", "127.0.0.1:0", "--origin", "{origin}",
                  "--rp-id", "{rp-id}", "--db", "{tmpfs-db}", "{conformance-api}", NULL}},
        {.name = "kagura-disk",
         .kagura = true,
         .on_request = true,
         .what = "kagura-rp serve as without --db: SQLite store in a temporary file on disk",
         .argv = {"{kagura-rp}", "serve", "--listen", "127.0.0.1:0", "--origin", "{origin}",
                  "--rp-id", "{rp-id}", "{conformance-api}", NULL}},
        {.name = "node",
         .what = "@simplewebauthn/server on node:http, in memory "
                 "(bench/http/simplewebauthn_server.mjs)",
         .argv = {"{node}", "{scripts}/simplewebauthn_server.mjs", "--listen", "127.0.0.1:0",
                  "--origin", "{origin}", "--rp-id", "{rp-id}", "--modules", "{node-modules}",
                  NULL}},
        {.name = "python",
         .what = "python-fido2 Fido2Server on ThreadingHTTPServer, in memory "
                 "(bench/http/fido2_server.py)",
         .argv = {"{python}", "{scripts}/fido2_server.py", "--listen", "127.0.0.1:0", "--origin",
                  "{origin}", "--rp-id", "{rp-id}", NULL}},
};
const size_t bh_n_peers = KAGURA_LEN(bh_peers);
_Static_assert(KAGURA_LEN(bh_peers) <= BH_MAX_PEERS, "raise BH_MAX_PEERS");

/* ---- command templates ---- */

#define TMPFS_DIR  "/dev/shm"
#define STORE_FILE "store.db"

/* The store placeholders and the folder each makes its store in. */
static const struct {
	const char *placeholder;
	const char *dir;
} store_places[] = {
        {"{tmpfs-db}", TMPFS_DIR},
        {"{disk-db}", BH_DISK_DIR},
};

static const char *var(const bh_vars *v, const char *db, const char *name, size_t len)
{
	static const struct {
		const char *name;
		size_t offset;
	} table[] = {
	        {"kagura-rp", offsetof(bh_vars, kagura_rp)},
	        {"node", offsetof(bh_vars, node)},
	        {"python", offsetof(bh_vars, python)},
	        {"scripts", offsetof(bh_vars, scripts)},
	        {"node-modules", offsetof(bh_vars, node_modules)},
	        {"origin", offsetof(bh_vars, origin)},
	        {"rp-id", offsetof(bh_vars, rp_id)},
	        {"conformance-api", offsetof(bh_vars, conformance_api)},
	};

	for (size_t i = 0; i < KAGURA_LEN(store_places); i++)
		if (strlen(store_places[i].placeholder) == len + 2 &&
		    memcmp(store_places[i].placeholder + 1, name, len) == 0)
			return db;
	for (size_t i = 0; i < KAGURA_LEN(table); i++)
		if (strlen(table[i].name) == len && memcmp(table[i].name, name, len) == 0)
			return *(const char *const *)((const char *)v + table[i].offset);
	return NULL;
}

/* One argument with its placeholders replaced; NULL when it is dropped or does not fit. */
static char *expand(const char *tmpl, const bh_vars *v, const char *db, bool *dropped)
{
	char out[4096];
	size_t n = 0;

	*dropped = false;
	for (const char *p = tmpl; *p != '\0';) {
		const char *end = *p == '{' ? strchr(p, '}') : NULL;
		const char *value = end ? var(v, db, p + 1, (size_t)(end - p - 1)) : NULL;
		size_t len;

		if (value == NULL) {
			if (n + 1 >= sizeof(out))
				return NULL;
			out[n++] = *p++;
			continue;
		}
		if (p == tmpl && end[1] == '\0' && value[0] == '\0') {
			*dropped = true;
			return NULL;
		}
		len = strlen(value);
		if (n + len >= sizeof(out))
			return NULL;
		memcpy(out + n, value, len);
		n += len;
		p = end + 1;
	}
	out[n] = '\0';
	return strdup(out);
}

/* ---- processes ---- */

/* Milliseconds on bench/stats.h's clock. */
static double now_ms(void)
{
	return bench_now_seconds() * 1e3;
}

/* The last lines of the server's stderr, for a start that failed. */
static void log_tail(const char *path, char *out, size_t size)
{
	char buf[2048];
	FILE *f = fopen(path, "r");
	size_t n = 0;
	long at;

	out[0] = '\0';
	if (f == NULL)
		return;
	if (fseek(f, 0, SEEK_END) == 0 && (at = ftell(f)) > (long)sizeof(buf) - 1)
		fseek(f, at - (long)sizeof(buf) + 1, SEEK_SET);
	else
		rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	{
		const char *last = strrchr(buf, '\n') ? strrchr(buf, '\n') + 1 : buf;
		size_t len = strlen(last) < size - 1 ? strlen(last) : size - 1;
		memcpy(out, last, len);
		out[len] = '\0';
	}
}

/* Reads stdout until a line holds the banner; false at EOF (it exited) or on timeout. */
static bool wait_banner(bh_server *s, char *why, size_t size)
{
	char buf[sizeof(s->banner)];
	size_t n = 0;
	double deadline = now_ms() + START_TIMEOUT_MS;

	for (;;) {
		struct pollfd pfd = {s->out_fd, POLLIN, 0};
		double left = deadline - now_ms();
		ssize_t got;
		char *nl, *mark;

		if (left <= 0) {
			snprintf(why, size, "no \"" BANNER_MARK "\" line within %d s",
			         START_TIMEOUT_MS / 1000);
			return false;
		}
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR) {
			snprintf(why, size, "poll: %s", strerror(errno));
			return false;
		}
		got = read(s->out_fd, buf + n, sizeof(buf) - 1 - n);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0) {
			char tail[512];
			log_tail(s->log_path, tail, sizeof(tail));
			snprintf(why, size, "exited before serving: %s",
			         tail[0] ? tail : "(no output)");
			return false;
		}
		n += (size_t)got;
		buf[n] = '\0';
		while ((nl = strchr(buf, '\n')) != NULL) {
			*nl = '\0';
			if ((mark = strstr(buf, BANNER_MARK)) != NULL) {
				size_t len = strcspn(mark + strlen("serving "), " \t");
				snprintf(s->banner, sizeof(s->banner), "%s", buf);
				snprintf(s->base_url, sizeof(s->base_url), "%.*s", (int)len,
				         mark + strlen("serving "));
				return true;
			}
			n -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, n + 1);
		}
		if (n == sizeof(buf) - 1)
			n = 0; /* an overlong line that is not the banner */
	}
}

bool bh_server_start(const bh_peer *peer, const bh_vars *vars, bh_server *s, char *why, size_t size)
{
	char *argv[BH_MAX_ARGS] = {NULL};
	char db[sizeof(s->db_dir) + sizeof(STORE_FILE)] = "";
	int pipefd[2] = {-1, -1}, logfd;
	size_t argc = 0;
	posix_spawn_file_actions_t fa;
	bool ok = false;
	int rc;

	memset(s, 0, sizeof(*s));
	s->pid = -1;
	s->out_fd = -1;
	for (size_t i = 0; peer->argv[i] != NULL; i++)
		for (size_t k = 0; k < KAGURA_LEN(store_places); k++) {
			if (strcmp(peer->argv[i], store_places[k].placeholder) != 0 ||
			    s->db_dir[0] != '\0')
				continue;
			snprintf(s->db_dir, sizeof(s->db_dir), "%s/bench-http-XXXXXX",
			         store_places[k].dir);
			if (mkdtemp(s->db_dir) == NULL) {
				snprintf(why, size, "cannot make a folder in %s: %s",
				         store_places[k].dir, strerror(errno));
				s->db_dir[0] = '\0';
				goto out;
			}
			snprintf(db, sizeof(db), "%s/" STORE_FILE, s->db_dir);
		}
	for (size_t i = 0; peer->argv[i] != NULL; i++) {
		bool dropped;
		char *arg = expand(peer->argv[i], vars, db, &dropped);
		if (dropped)
			continue;
		if (arg == NULL) {
			snprintf(why, size, "argument %zu of its command is too long", i);
			goto out;
		}
		argv[argc++] = arg;
	}
	snprintf(s->log_path, sizeof(s->log_path), "/tmp/bench-http-%s-XXXXXX", peer->name);
	if ((logfd = mkstemp(s->log_path)) < 0) {
		snprintf(why, size, "mkstemp: %s", strerror(errno));
		s->log_path[0] = '\0';
		goto out;
	}
	close(logfd);
	if (pipe(pipefd) != 0) {
		snprintf(why, size, "pipe: %s", strerror(errno));
		goto out;
	}
	fcntl(pipefd[0], F_SETFD, FD_CLOEXEC);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, s->log_path, O_WRONLY | O_TRUNC, 0);
	posix_spawn_file_actions_addclose(&fa, pipefd[1]);
	rc = posix_spawnp(&s->pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	s->out_fd = pipefd[0];
	if (rc != 0) {
		s->pid = -1;
		snprintf(why, size, "cannot run %s: %s", argv[0], strerror(rc));
		goto out;
	}
	ok = wait_banner(s, why, size);
out:
	for (size_t i = 0; i < argc; i++)
		free(argv[i]);
	if (!ok)
		bh_server_stop(s);
	return ok;
}

bool bh_server_cpu(const bh_server *s, double *seconds)
{
	char path[64], buf[1024], *p;
	unsigned long utime, stime;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)s->pid);
	if ((f = fopen(path, "r")) == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* proc(5): after "pid (comm) " come state (3) ... utime (14) and stime (15). */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) !=
	            2)
		return false;
	*seconds = (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
	return true;
}

void bh_server_stop(bh_server *s)
{
	if (s->pid > 0) {
		double deadline = now_ms() + STOP_TIMEOUT_MS;
		int status;

		kill(s->pid, SIGTERM);
		while (waitpid(s->pid, &status, WNOHANG) == 0) {
			if (now_ms() > deadline) {
				kill(s->pid, SIGKILL);
				waitpid(s->pid, &status, 0);
				break;
			}
			nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
		}
	}
	if (s->out_fd >= 0)
		close(s->out_fd);
	if (s->log_path[0] != '\0')
		unlink(s->log_path);
	if (s->db_dir[0] != '\0') {
		static const char *const files[] = {STORE_FILE, STORE_FILE "-wal",
		                                    STORE_FILE "-shm", STORE_FILE "-journal"};
		char path[sizeof(s->db_dir) + 32];
		for (size_t i = 0; i < KAGURA_LEN(files); i++) {
			snprintf(path, sizeof(path), "%s/%s", s->db_dir, files[i]);
			unlink(path);
		}
		rmdir(s->db_dir);
		s->db_dir[0] = '\0';
	}
	s->pid = -1;
	s->out_fd = -1;
	s->log_path[0] = '\0';
}

bool bh_run_capture(const char *const argv[], char *out, size_t size)
{
	int pipefd[2];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	size_t n = 0;
	ssize_t got;
	int status, rc;
	char sink[512];

	out[0] = '\0';
	if (pipe(pipefd) != 0)
		return false;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclose(&fa, pipefd[0]);
	posix_spawn_file_actions_addclose(&fa, pipefd[1]);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rc != 0) {
		close(pipefd[0]);
		return false;
	}
	/* Read to EOF so the child never blocks on a full pipe; keep what fits. */
	while ((got = read(pipefd[0], n + 1 < size ? out + n : sink,
	                   n + 1 < size ? size - 1 - n : sizeof(sink))) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (n + 1 < size)
			n += (size_t)got;
	}
	out[n] = '\0';
	close(pipefd[0]);
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* One `openssl speed` run's P-256 verifications per second; NAN if unknown. */
static double verify_rate_once(void)
{
	static char out[8192];
	const char *argv[] = {"openssl", "speed", "-seconds", "1", "ecdsap256", NULL};
	const char *line, *last;

	if (!bh_run_capture(argv, out, sizeof(out)) || (line = strstr(out, "(nistp256)")) == NULL)
		return NAN;
	/* "256 bits ecdsa (nistp256)   0.0000s   0.0001s  29992.9   9257.0": verify/s is last. */
	line = strchr(line, ')') + 1;
	last = NULL;
	for (const char *p = line; *p != '\0' && *p != '\n'; p++)
		if (*p != ' ' && (p == line || p[-1] == ' '))
			last = p;
	return last ? strtod(last, NULL) : NAN;
}

double bh_openssl_verify_rate(void)
{
	double best = NAN;

	/* The best run: a run the machine's other work slowed would lower the bar. */
	for (int i = 0; i < BH_OPENSSL_RUNS; i++) {
		double r = verify_rate_once();

		if (!isnan(r) && (isnan(best) || r > best))
			best = r;
	}
	return best;
}
