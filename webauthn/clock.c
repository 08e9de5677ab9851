#define _GNU_SOURCE /* timegm, strptime */
#include "webauthn/clock.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static time_t system_now(const wa_clock *clock)
{
	return time(NULL) + clock->fixed;
}

static time_t fixed_now(const wa_clock *clock)
{
	return clock->fixed;
}

wa_clock wa_clock_system(time_t offset)
{
	return (wa_clock){.now = system_now, .fixed = offset};
}

wa_clock wa_clock_fixed(time_t t)
{
	return (wa_clock){.now = fixed_now, .fixed = t};
}

/* 9999-12-31T23:59:59Z: certificates' validity (RFC 5280 GeneralizedTime) ends there, and the
 * date form cannot write a later one. */
#define WA_TIME_MAX 253402300799LL

bool wa_time_parse(const char *text, time_t *out)
{
	struct tm tm;
	const char *end;

	if (text == NULL || *text == '\0')
		return false;
	if (text[0] == '@') {
		char *stop;
		long long v;
		errno = 0;
		v = strtoll(text + 1, &stop, 10);
		if (errno != 0 || stop == text + 1 || *stop != '\0' || v < 0 || v > WA_TIME_MAX)
			return false;
		*out = (time_t)v;
		return true;
	}
	memset(&tm, 0, sizeof(tm));
	if (!isdigit((unsigned char)text[0]) || (end = strptime(text, "%Y-%m-%d", &tm)) == NULL)
		return false;
	if (*end == 'T') {
		if ((end = strptime(end + 1, "%H:%M:%S", &tm)) == NULL)
			return false;
		if (*end == 'Z')
			end++;
	}
	if (*end != '\0')
		return false;
	struct tm given = tm, back;
	*out = timegm(&tm);
	/* timegm normalises 2025-02-31 to March 3: a date that changes was not a date. */
	return *out != (time_t)-1 && gmtime_r(out, &back) != NULL &&
	       back.tm_year == given.tm_year && back.tm_mon == given.tm_mon &&
	       back.tm_mday == given.tm_mday && back.tm_hour == given.tm_hour &&
	       back.tm_min == given.tm_min && back.tm_sec == given.tm_sec;
}

void wa_time_format(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "@%lld", (long long)t);
}
