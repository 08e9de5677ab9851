#include "rp/listen.h"

#include <arpa/inet.h>
#include <string.h>

/* The largest TCP port. */
#define PORT_MAX 65535u

bool rp_listen_parse(const char *text, rp_listen_addr *out)
{
	const char *colon = text ? strrchr(text, ':') : NULL;
	size_t host_len;
	unsigned long port = 0;

	memset(out, 0, sizeof(*out));
	if (colon == NULL || colon[1] == '\0')
		return false;
	host_len = (size_t)(colon - text);
	if (host_len == 0 || host_len >= sizeof(out->host))
		return false;
	/* Digits by hand: strtoul would take a sign, spaces and overflow silently. */
	for (const char *p = colon + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return false;
		port = port * 10 + (unsigned long)(*p - '0');
		if (port > PORT_MAX)
			return false;
	}
	memcpy(out->host, text, host_len);
	out->host[host_len] = '\0';
	if (inet_pton(AF_INET, out->host, &out->ip) != 1)
		return false;
	out->port = (uint16_t)port;
	return true;
}
