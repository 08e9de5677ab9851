/*
 * Web origins and RP IDs as browsers read them, for both sides: the phone's browser checks a
 * page's origin against the RP ID it asks for (authenticator/phone/client.c), and the platform
 * refuses to start with an origin and RP ID no browser would accept together (rp/serve_cmd.c).
 */
#ifndef KAGURA_COMMON_ORIGIN_H
#define KAGURA_COMMON_ORIGIN_H

#include <stdbool.h>

typedef struct cm_origin {
	char scheme[8];
	char host[256]; /* an IPv6 literal keeps its brackets */
} cm_origin;

/* scheme://host[:port] and nothing more: a lower-case scheme, a host of letters, digits, dots,
 * hyphens and underscores or a bracketed IPv6 literal, a port from 1 to 65535; no path, query, fragment or
 * user. False otherwise. */
bool cm_origin_parse(const char *origin, cm_origin *out);
/* An IPv4 or bracketed IPv6 literal: browsers allow no RP ID on one. */
bool cm_host_is_ip(const char *host);
/* A host where http is a secure context (W3C Secure Contexts §3.2): localhost, 127/8, [::1]. */
bool cm_host_is_loopback(const char *host);
/*
 * HTML's "is a registrable domain suffix of or is equal to": rp_id is host, or a dot-separated
 * suffix of it that is no public suffix and not inside host's public suffix, i.e. it ends with
 * host's registrable domain. libpsl's newest list (Debian's publicsuffix, else its built-in).
 */
bool cm_rp_id_suffix_ok(const char *host, const char *rp_id);

#endif
