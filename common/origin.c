#include "common/origin.h"

#include <ctype.h>
#include <libpsl.h>
#include <stddef.h>
#include <string.h>

bool cm_origin_parse(const char *origin, cm_origin *o)
{
	const char *p = strstr(origin, "://"), *h, *end;
	size_t n;

	if (p == NULL || (size_t)(p - origin) >= sizeof(o->scheme))
		return false;
	memcpy(o->scheme, origin, (size_t)(p - origin));
	o->scheme[p - origin] = '\0';
	h = p + 3;
	if (*h == '[') /* IPv6 literal */
		end = strchr(h, ']') ? strchr(h, ']') + 1 : NULL;
	else
		end = h + strcspn(h, ":/");
	if (end == NULL || (n = (size_t)(end - h)) == 0 || n >= sizeof(o->host))
		return false;
	memcpy(o->host, h, n);
	o->host[n] = '\0';
	/* An origin has no path: only an optional :port may follow the host. */
	if (*end == ':') {
		for (end++; isdigit((unsigned char)*end); end++)
			;
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
