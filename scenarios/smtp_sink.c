/* The CA's mailbox on loopback (smtp_sink.h): one thread serves one SMTP connection at a
 * time; messages wait, by recipient, until taken. */
#include "scenarios/smtp_sink.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* RFC 5321 bounds a line at 1000 octets; a longer one is refused. */
#define SMTP_LINE_MAX 1024
/* A message the CA's mailbox keeps at most (Keycloak's mails are a few KiB). */
#define SMTP_MESSAGE_MAX (1024 * 1024)
/* How often the serving thread looks whether it is told to stop. */
#define SMTP_POLL_MS 200
/* How long a client may stay silent inside a session. */
#define SMTP_IDLE_MS  10000
#define SMTP_RCPT_MAX 256
/* Connections waiting while one is served: Keycloak sends one mail per connection. */
#define SMTP_BACKLOG 8

typedef struct mail {
	struct mail *next;
	char rcpt[SMTP_RCPT_MAX];
	char *data; /* owned */
} mail;

struct sc_smtp_sink {
	int listener;
	int port;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t arrived;
	mail *mails; /* owned, oldest first; under lock */
	bool stopping;
};

/* One line of the client, CRLF stripped; -1 closed, timed out or too long. */
static int read_line(int fd, char *line, size_t size)
{
	size_t n = 0;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		char ch;
		if (poll(&p, 1, SMTP_IDLE_MS) <= 0 || read(fd, &ch, 1) != 1)
			return -1;
		if (ch == '\n')
			break;
		if (n + 1 >= size)
			return -1;
		line[n++] = ch;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	return (int)n;
}

static bool reply(int fd, const char *text)
{
	size_t n = strlen(text);
	return write(fd, text, n) == (ssize_t)n;
}

/* The address of "RCPT TO:<a@b>" ("" when malformed). */
static void address_of(const char *line, char *out, size_t size)
{
	const char *open = strchr(line, '<'), *close = open ? strchr(open, '>') : NULL;

	if (open == NULL || close == NULL)
		snprintf(out, size, "%s", "");
	else
		snprintf(out, size, "%.*s", (int)(close - open - 1), open + 1);
}

static void keep(sc_smtp_sink *s, const char *rcpt, char *data)
{
	mail *m = calloc(1, sizeof(*m)), **end;

	if (m == NULL) {
		free(data);
		return;
	}
	snprintf(m->rcpt, sizeof(m->rcpt), "%s", rcpt);
	m->data = data;
	pthread_mutex_lock(&s->lock);
	for (end = &s->mails; *end != NULL; end = &(*end)->next)
		;
	*end = m;
	pthread_cond_broadcast(&s->arrived);
	pthread_mutex_unlock(&s->lock);
}

/* The DATA of one message up to the lone ".", dot-stuffing undone; NULL when it broke off. */
static char *read_data(int fd)
{
	char line[SMTP_LINE_MAX], *data = malloc(SMTP_MESSAGE_MAX);
	size_t n = 0;
	int len;

	if (data == NULL)
		return NULL;
	while ((len = read_line(fd, line, sizeof(line))) >= 0) {
		const char *text = line[0] == '.' ? line + 1 : line;
		if (strcmp(line, ".") == 0) {
			data[n] = '\0';
			return data;
		}
		if (n + strlen(text) + 3 < SMTP_MESSAGE_MAX)
			n += (size_t)sprintf(data + n, "%s\r\n", text);
	}
	free(data);
	return NULL;
}

/* One session: a message is kept for its first recipient. */
static void serve(sc_smtp_sink *s, int fd)
{
	char line[SMTP_LINE_MAX], rcpt[SMTP_RCPT_MAX] = "";

	if (!reply(fd, "220 kagura-harness CA mailbox\r\n"))
		return;
	while (read_line(fd, line, sizeof(line)) >= 0) {
		if (strncasecmp(line, "EHLO", 4) == 0 || strncasecmp(line, "HELO", 4) == 0) {
			reply(fd, "250 kagura-harness\r\n");
		} else if (strncasecmp(line, "MAIL FROM:", 10) == 0) {
			rcpt[0] = '\0';
			reply(fd, "250 OK\r\n");
		} else if (strncasecmp(line, "RCPT TO:", 8) == 0) {
			if (rcpt[0] == '\0')
				address_of(line, rcpt, sizeof(rcpt));
			reply(fd, "250 OK\r\n");
		} else if (strncasecmp(line, "DATA", 4) == 0) {
			char *data;
			reply(fd, "354 end with <CRLF>.<CRLF>\r\n");
			if ((data = read_data(fd)) == NULL)
				return;
			keep(s, rcpt, data);
			reply(fd, "250 OK kept\r\n");
		} else if (strncasecmp(line, "QUIT", 4) == 0) {
			reply(fd, "221 bye\r\n");
			return;
		} else if (strncasecmp(line, "RSET", 4) == 0 || strncasecmp(line, "NOOP", 4) == 0) {
			reply(fd, "250 OK\r\n");
		} else {
			reply(fd, "502 not implemented\r\n");
		}
	}
}

static bool stopping(sc_smtp_sink *s)
{
	bool v;

	pthread_mutex_lock(&s->lock);
	v = s->stopping;
	pthread_mutex_unlock(&s->lock);
	return v;
}

static void *serve_all(void *arg)
{
	sc_smtp_sink *s = arg;

	while (!stopping(s)) {
		struct pollfd p = {.fd = s->listener, .events = POLLIN};
		int fd;
		if (poll(&p, 1, SMTP_POLL_MS) <= 0)
			continue;
		if ((fd = accept(s->listener, NULL, NULL)) < 0)
			continue;
		serve(s, fd);
		close(fd);
	}
	return NULL;
}

sc_smtp_sink *sc_smtp_sink_start(char *why, size_t why_size)
{
	sc_smtp_sink *s = calloc(1, sizeof(*s));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	pthread_condattr_t ca;

	if (s == NULL) {
		snprintf(why, why_size, "out of memory");
		return NULL;
	}
	if ((s->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(s->listener, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(s->listener, SMTP_BACKLOG) != 0 ||
	    getsockname(s->listener, (struct sockaddr *)&a, &len) != 0) {
		snprintf(why, why_size, "the CA's mailbox cannot listen: %s", strerror(errno));
		if (s->listener >= 0)
			close(s->listener);
		free(s);
		return NULL;
	}
	s->port = ntohs(a.sin_port);
	pthread_mutex_init(&s->lock, NULL);
	/* waits are bounded by elapsed time, whatever the wall clock does */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->arrived, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&s->thread, NULL, serve_all, s) != 0) {
		snprintf(why, why_size, "the CA's mailbox has no thread");
		close(s->listener);
		pthread_cond_destroy(&s->arrived);
		pthread_mutex_destroy(&s->lock);
		free(s);
		return NULL;
	}
	return s;
}

int sc_smtp_sink_port(const sc_smtp_sink *s)
{
	return s->port;
}

char *sc_smtp_sink_take(sc_smtp_sink *s, const char *rcpt, long timeout_ms)
{
	struct timespec until;
	char *data = NULL;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->lock);
	for (;;) {
		for (mail **m = &s->mails; *m != NULL; m = &(*m)->next) {
			if (strcasecmp((*m)->rcpt, rcpt) == 0) {
				mail *found = *m;
				*m = found->next;
				data = found->data;
				free(found);
				break;
			}
		}
		if (data != NULL || pthread_cond_timedwait(&s->arrived, &s->lock, &until) != 0)
			break;
	}
	pthread_mutex_unlock(&s->lock);
	return data;
}

void sc_smtp_sink_stop(sc_smtp_sink *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	close(s->listener);
	while (s->mails != NULL) {
		mail *m = s->mails;
		s->mails = m->next;
		free(m->data);
		free(m);
	}
	pthread_cond_destroy(&s->arrived);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static int hex_value(char c)
{
	return isdigit((unsigned char)c) ? c - '0'
	       : (c >= 'A' && c <= 'F')  ? c - 'A' + 10
	       : (c >= 'a' && c <= 'f')  ? c - 'a' + 10
	                                 : -1;
}

void sc_smtp_qp_decode(char *text)
{
	char *in = text, *out = text;

	while (*in != '\0') {
		if (in[0] == '=' && in[1] == '\r' && in[2] == '\n') {
			in += 3; /* a soft line break */
		} else if (in[0] == '=' && in[1] == '\n') {
			in += 2;
		} else if (in[0] == '=' && hex_value(in[1]) >= 0 && hex_value(in[2]) >= 0) {
			*out++ = (char)(hex_value(in[1]) << 4 | hex_value(in[2]));
			in += 3;
		} else {
			*out++ = *in++;
		}
	}
	*out = '\0';
}
