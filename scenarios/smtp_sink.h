/*
 * A mail server on loopback that keeps what it is sent: the CA's mailbox for the links a real
 * Keycloak mails (execute-actions). It speaks just enough SMTP for a client that sends plain
 * mail without authentication or TLS, and keeps each message by recipient until taken.
 */
#ifndef KAGURA_SCENARIOS_SMTP_SINK_H
#define KAGURA_SCENARIOS_SMTP_SINK_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sc_smtp_sink sc_smtp_sink;

/* Listens on 127.0.0.1 on a free port; NULL with why when it cannot. */
sc_smtp_sink *sc_smtp_sink_start(char *why, size_t why_size);
int sc_smtp_sink_port(const sc_smtp_sink *s);

/*
 * The oldest message to rcpt, waiting at most timeout_ms for one: its DATA as sent (headers
 * and body; the caller's, free()), NULL when none came.
 */
char *sc_smtp_sink_take(sc_smtp_sink *s, const char *rcpt, long timeout_ms);

/* Stops listening and frees what is left. */
void sc_smtp_sink_stop(sc_smtp_sink *s);

/* Quoted-printable decoded (soft line breaks removed), in place; other bytes kept. */
void sc_smtp_qp_decode(char *text);

#endif
