/*
 * Bare libmicrohttpd, the HTTP floor: a server in its own process, threaded as kagura-rp
 * serve's (epoll, one thread per core), answering every request from libmicrohttpd's own
 * thread with a fixed body (no hand-off, no log, no routing), and a keep-alive load that posts
 * a body to it from many connections at once.
 */
#ifndef KAGURA_BENCH_FLOOR_BARE_H
#define KAGURA_BENCH_FLOOR_BARE_H

#include <stdbool.h>
#include <stddef.h>

/* The size of the bodies the load posts and the server answers with: a ceremony's mean. */
#define BF_BARE_BODY_BYTES   600
#define BF_BARE_ANSWER_BYTES 300
/* Connections the load may open at most (and the server accept beyond a few spare). */
#define BF_BARE_MAX_USERS 256

/* The server: binds 127.0.0.1, a free port, prints "serving http://127.0.0.1:PORT", runs until
 * SIGTERM or SIGINT. The process's exit status. */
int bf_bare_serve(void);

/*
 * users keep-alive connections post to base_url for seconds; the requests answered 200 in
 * *answered. False (why filled) when none was, or any failed.
 */
bool bf_bare_load(const char *base_url, int users, double seconds, size_t *answered, char *why,
                  size_t why_size);

#endif
