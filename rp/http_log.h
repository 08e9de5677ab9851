/*
 * The HTTP layer's request log: a line a request (client, method, URL, status, body bytes, the
 * time from its headers read to its answer handed over, why a step failed), a line a
 * connection the sweeper cut, and libmicrohttpd's own messages; written from any thread.
 *
 * Lines go to a stream of the log's own, buffered, on the caller's stream's file; or to the
 * caller's stream itself when it has no file (a memory stream: each line flushed at once). A
 * line is written out at once when no other request awaits its answer; under load once
 * RP_HTTP_LOG_GATHER bytes gathered, at each tick and at release.
 */
#ifndef KAGURA_RP_HTTP_LOG_H
#define KAGURA_RP_HTTP_LOG_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

/* libmicrohttpd's message: longer ones are cut. */
#define RP_HTTP_LOG_MESSAGE_MAX 512
/* About 200 lines: written together under load. */
#define RP_HTTP_LOG_GATHER (16u * 1024u)

typedef struct rp_http_log {
	FILE *out; /* NULL: no log */
	bool own;  /* out is the log's own stream (closed at release) */
	bool open; /* libmicrohttpd's messages are taken (rp_http_log_open); under lock */
	/* libmicrohttpd's last message and the second it came in, and how many more of it that
	 * second were left out (said with the next line written, at a tick or at release): a
	 * library that spins on a failing accept() repeats one message without end. Under lock. */
	char last[RP_HTTP_LOG_MESSAGE_MAX];
	time_t last_second;
	unsigned long repeats;
	pthread_mutex_t lock;
} rp_http_log;

/* A log on caller's stream (NULL: none). Never fails: without a descriptor of its own it
 * writes to caller directly. */
void rp_http_log_init(rp_http_log *log, FILE *caller);
/* Flushes (its own stream: closes) and frees what the log holds; the caller's stays open. */
void rp_http_log_release(rp_http_log *log);

/* A request's line; idle: no other request awaits its answer, so none is coming soon. */
void rp_http_log_request(rp_http_log *log, const char *remote, const char *method, const char *url,
                         int status, size_t body_len, const char *why, const struct timespec *start,
                         bool idle);
/* A connection shut down after age_ms without a whole request or answer in limit_s. */
void rp_http_log_cut(rp_http_log *log, const char *remote, double age_ms, unsigned limit_s);
/* From now on libmicrohttpd's messages are written: those of a start that fails are dropped,
 * the caller says why in its own words. The same text again within a second is written once,
 * and how often it came is said with the next message, at the next tick or at release. */
void rp_http_log_open(rp_http_log *log);
void rp_http_log_library(rp_http_log *log, const char *fmt, va_list ap);
/* Lines gathered under load written out (a tick, about each second). */
void rp_http_log_tick(rp_http_log *log);

#endif
