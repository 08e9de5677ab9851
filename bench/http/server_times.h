/*
 * The latency kagura-rp serve itself saw, read off its request log: each request's line ends its
 * fixed fields with the time from the request's headers read to its answer handed to
 * libmicrohttpd ("127.0.0.1 POST /assertion/result 200 33 5.2ms"). Beside the clients' figure
 * it tells the server's share of a request's latency from the load generator's (its event loop,
 * the kernel's queues).
 */
#ifndef KAGURA_BENCH_HTTP_SERVER_TIMES_H
#define KAGURA_BENCH_HTTP_SERVER_TIMES_H

#include <stdbool.h>
#include <sys/types.h>

/* The log's size now (its end), -1 when it cannot be read. */
off_t bh_log_end(const char *path);

/*
 * p50 and p99 in ms of the request times logged between the byte offsets from and to (a
 * line cut by either end is skipped); false when that part holds none (a server that logs no
 * times, or a log that cannot be read).
 */
bool bh_server_times(const char *path, off_t from, off_t to, double *p50_ms, double *p99_ms);

#endif
