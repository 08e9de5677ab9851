/* The event log: one JSON object per line, what the device, OS and browser did. */
#ifndef KAGURA_AUTHENTICATOR_PHONE_EVENTLOG_H
#define KAGURA_AUTHENTICATOR_PHONE_EVENTLOG_H

#include <stdio.h>

#include "webauthn/clock.h"

typedef struct au_eventlog {
	FILE *out; /* NULL: events are dropped */
	const wa_clock *clock;
} au_eventlog;

/* Appends {"time", "source", "event", "detail"}; source is device, os or browser. */
void au_eventlog_write(au_eventlog *log, const char *source, const char *event, const char *detail);

#endif
