#include "common/origin.h"

#include <ctype.h>
#include <libpsl.h>
#include <stddef.h>
#include <string.h>

#define SCHEME_CHARS "abcdefghijklmnopqrstuvwxyz"
/* A host name's letters (browsers lower-case it; an origin as written may not be). */
#define HOST_CHARS  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_"
#define IPV6_CHARS  "0123456789abcdefABCDEF:."
#define PORT_MAX    65535ul
#define PORT_DIGITS 5

bool cm_origin_parse(const char *origin, cm_origin *o)
{
	const char *p = strstr(origin, "://"), *h, *end;
	size_t n;

	if (p == NULL || p == origin || (size_t)(p - origin) >= sizeof(o->scheme) ||
	    strspn(origin, SCHEME_CHARS) != (size_t)(p - origin))
		return false;
	memcpy(o->scheme, origin, (size_t)(p - origin));
	o->scheme[p - origin] = '\0';
	h = p + 3;
	if (*h == '[') { /* an IPv6 literal */
		n = strspn(h + 1, IPV6_CHARS);
		if (n == 0 || h[1 + n] != ']')
			return false;
		end = h + n + 2;
	} else {
		end = h + strspn(h, HOST_CHARS);
	}
	if ((n = (size_t)(end - h)) == 0 || n >= sizeof(o->host))
		return false;
	memcpy(o->host, h, n);
	o->host[n] = '\0';
	/* An origin has no path, query, fragment or user: only an optional :port follows. */
	if (*end == ':') {
		unsigned long port = 0;
		size_t digits = strspn(end + 1, "0123456789");
		for (size_t i = 1; i <= digits && i <= PORT_DIGITS; i++)
			port = port * 10 + (unsigned long)(end[i] - '0');
		if (digits == 0 || digits > PORT_DIGITS || port == 0 || port > PORT_MAX)
			return false;
		end += 1 + digits;
	}
	return *end == '\0';
}

bool cm_host_is_ip(const char *host)
{
	if (host[0] == '[')
		return true;
	for (const char *p = host; *p; p++)
		if (!isdigit((unsigned char)*p) && *p != '.')
			return false;
	return true;
}

bool cm_host_is_loopback(const char *host)
{
	size_t n = strlen(host);
	return strcmp(host, "localhost") == 0 ||
	       (n > 10 && strcmp(host + n - 10, ".localhost") == 0) ||
	       strncmp(host, "127.", 4) == 0 || strcmp(host, "[::1]") == 0;
}

/* Which Public Suffix List the RP ID rule reads. */
typedef enum psl_source { PSL_LATEST, PSL_BUILTIN, PSL_NONE } psl_source;

bool cm_rp_id_suffix_ok(const char *host, const char *rp_id)
{
	size_t hn = strlen(host), rn = strlen(rp_id), dn;
	psl_ctx_t *latest;
	const psl_ctx_t *psl;
	const char *domain;
	psl_source source;
	bool ok;

	if (strcmp(host, rp_id) == 0)
		return true;
	if (rn == 0 || rn >= hn || host[hn - rn - 1] != '.' || strcmp(host + hn - rn, rp_id) != 0)
		return false;
	latest = psl_latest(NULL); /* owned here, freed below */
	psl = latest != NULL ? latest : psl_builtin();
	source = latest != NULL ? PSL_LATEST : psl != NULL ? PSL_BUILTIN : PSL_NONE;
	if (source == PSL_NONE)
		return false; /* without the list no suffix can be shown registrable */
	domain = psl_registrable_domain(psl, host);
	dn = domain != NULL ? strlen(domain) : 0;
	ok = domain != NULL && !psl_is_public_suffix(psl, rp_id) && rn >= dn &&
	     strcmp(rp_id + rn - dn, domain) == 0 && (rn == dn || rp_id[rn - dn - 1] == '.');
	psl_free(latest);
	return ok;
}
