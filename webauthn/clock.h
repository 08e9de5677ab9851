/* The clock interface: every time-dependent check asks one of these, never time() directly. */
#ifndef KAGURA_WEBAUTHN_CLOCK_H
#define KAGURA_WEBAUTHN_CLOCK_H

#include <stdbool.h>
#include <time.h>

typedef struct wa_clock {
	time_t (*now)(const struct wa_clock *clock);
	time_t fixed; /* used by the fixed clock; the offset for the system clock */
} wa_clock;

/* The machine's clock, shifted by offset seconds (0 for real time). */
wa_clock wa_clock_system(time_t offset);
/* A clock that always says t (tests, --at). */
wa_clock wa_clock_fixed(time_t t);

static inline time_t wa_clock_now(const wa_clock *clock)
{
	return clock->now(clock);
}

/* "2025-01-30T12:00:00Z", "2025-01-30" (midnight UTC) or "@1738238400", up to the end of year
 * 9999; false otherwise. */
bool wa_time_parse(const char *text, time_t *out);
/* ISO 8601 UTC into buf (at least 21 bytes). */
void wa_time_format(time_t t, char *buf, size_t size);

#endif
