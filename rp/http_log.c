#include "rp/http_log.h"

#include <fcntl.h>
#include <stdio_ext.h>
#include <string.h>
#include <unistd.h>

/* The own stream's buffer: larger than a gathering, so that it never writes half a line. */
#define LOG_BUFFER (4u * RP_HTTP_LOG_GATHER)

/*
 * A buffered stream of the log's own writing where caller writes (caller flushed first, so what
 * it wrote comes before); NULL when caller is NULL, has no file, socket or pipe (a memory
 * stream) or no descriptor is left.
 */
static FILE *own_stream(FILE *caller)
{
	int fd;
	FILE *out;

	if (caller == NULL || fflush(caller) != 0 || fileno(caller) < 0 ||
	    (fd = fcntl(fileno(caller), F_DUPFD_CLOEXEC, 3)) < 0)
		return NULL;
	/* "w" on a descriptor truncates nothing; it shares the caller's file offset. */
	if ((out = fdopen(fd, "w")) == NULL) {
		close(fd);
		return NULL;
	}
	setvbuf(out, NULL, _IOFBF, LOG_BUFFER);
	return out;
}

/* The repeats of the last message left out, said (lock held). */
static void say_repeats(rp_http_log *log)
{
	if (log->repeats == 0)
		return;
	fprintf(log->out, "libmicrohttpd: the message before came %lu more times\n", log->repeats);
	log->repeats = 0;
}

void rp_http_log_init(rp_http_log *log, FILE *caller)
{
	log->out = own_stream(caller);
	log->own = log->out != NULL;
	if (!log->own)
		log->out = caller;
	log->open = false;
	log->last[0] = '\0';
	log->last_second = 0;
	log->repeats = 0;
	pthread_mutex_init(&log->lock, NULL);
}

void rp_http_log_release(rp_http_log *log)
{
	if (log->out != NULL)
		say_repeats(log);
	if (log->own)
		fclose(log->out); /* its last lines written */
	else if (log->out != NULL)
		fflush(log->out);
	log->out = NULL;
	pthread_mutex_destroy(&log->lock);
}

/*
 * Writes text with control bytes (and, for a field, spaces and backslashes) as \xHH:
 * libmicrohttpd hands the URL over percent-decoded, and a decoded newline or space must not
 * split the line or shift its fields.
 */
static void put_escaped(FILE *out, const char *text, bool field)
{
	const unsigned char *c = (const unsigned char *)text, *run = c;

	for (;; c++) {
		bool escape = *c < 0x20 || *c == 0x7f || (field && (*c == ' ' || *c == '\\'));

		if (!escape)
			continue;
		fwrite(run, 1, (size_t)(c - run), out); /* the clean run before it, whole */
		if (*c == '\0')
			return;
		fprintf(out, "\\x%02x", *c);
		run = c + 1;
	}
}

void rp_http_log_request(rp_http_log *log, const char *remote, const char *method, const char *url,
                         int status, size_t body_len, const char *why, const struct timespec *start,
                         bool idle)
{
	struct timespec end;
	long long tenths; /* of a millisecond: integers, as a float's formatting cost more */

	if (log->out == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &end);
	tenths = ((long long)(end.tv_sec - start->tv_sec) * 1000000000LL +
	          (long long)(end.tv_nsec - start->tv_nsec) + 50000LL) /
	         100000LL;
	pthread_mutex_lock(&log->lock);
	fprintf(log->out, "%s %s ", remote[0] ? remote : "-", method);
	put_escaped(log->out, url, true);
	fprintf(log->out, " %d %zu %lld.%lldms", status, body_len, tenths / 10, tenths % 10);
	if (why[0] != '\0') {
		putc(' ', log->out);
		put_escaped(log->out, why, false);
	}
	putc('\n', log->out);
	/* __fpending (glibc's stdio_ext.h): the bytes the stream holds, not yet written. */
	if (idle || !log->own || __fpending(log->out) >= RP_HTTP_LOG_GATHER)
		fflush(log->out);
	pthread_mutex_unlock(&log->lock);
}

void rp_http_log_cut(rp_http_log *log, const char *remote, double age_ms, unsigned limit_s)
{
	if (log->out == NULL)
		return;
	pthread_mutex_lock(&log->lock);
	fprintf(log->out, "%s - - 0 0 %.1fms closed: no whole request or answer within %u s\n",
	        remote[0] ? remote : "-", age_ms, limit_s);
	fflush(log->out);
	pthread_mutex_unlock(&log->lock);
}

void rp_http_log_open(rp_http_log *log)
{
	pthread_mutex_lock(&log->lock);
	log->open = true;
	pthread_mutex_unlock(&log->lock);
}

void rp_http_log_library(rp_http_log *log, const char *fmt, va_list ap)
{
	char text[RP_HTTP_LOG_MESSAGE_MAX];
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	vsnprintf(text, sizeof(text), fmt, ap);
	pthread_mutex_lock(&log->lock);
	if (log->out == NULL || !log->open) {
		pthread_mutex_unlock(&log->lock);
		return;
	}
	if (now.tv_sec == log->last_second && strcmp(text, log->last) == 0) {
		log->repeats++;
		pthread_mutex_unlock(&log->lock);
		return;
	}
	say_repeats(log);
	memcpy(log->last, text, sizeof(text));
	log->last_second = now.tv_sec;
	fprintf(log->out, "libmicrohttpd: %s", text);
	fflush(log->out);
	pthread_mutex_unlock(&log->lock);
}

void rp_http_log_tick(rp_http_log *log)
{
	if (log->out == NULL)
		return;
	pthread_mutex_lock(&log->lock);
	say_repeats(log);
	if (log->own)
		fflush(log->out);
	pthread_mutex_unlock(&log->lock);
}
