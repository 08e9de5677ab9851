/*
 * A request's framing as a proxy in front might read it (RFC 9112 §6.1, §6.3, §3.2):
 * libmicrohttpd itself refuses an HTTP/1.1 request without Host (strict mode) and a
 * Content-Length that is not a number; it would take the first of two Content-Lengths, and
 * Transfer-Encoding over Content-Length, where a proxy may have read the other. A card-login
 * front's headers (rp/front.h) come once each: the server reads the first.
 */
#ifndef KAGURA_RP_HTTP_FRAMING_H
#define KAGURA_RP_HTTP_FRAMING_H

#include <microhttpd.h>

/* Why the request's headers frame it ambiguously, with the status to answer (400, or 501 for
 * a transfer coding other than chunked), or declare a body over max_body (413: refused on its
 * headers, so that none of it is asked for or read); NULL when the framing is sound. */
const char *rp_http_framing_fault(struct MHD_Connection *conn, const char *version, size_t max_body,
                                  int *status);

#endif
