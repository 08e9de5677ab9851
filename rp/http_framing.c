#include "rp/http_framing.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rp/front.h"

typedef struct framing {
	unsigned content_length, transfer_encoding, host, front_secret, front_chain;
	bool lengths_differ;
	const char *length, *coding;
} framing;

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
	framing *f = cls;

	(void)kind;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		if (f->content_length++ > 0 && strcmp(f->length, value ? value : "") != 0)
			f->lengths_differ = true;
		f->length = value ? value : "";
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		f->transfer_encoding++;
		f->coding = value ? value : "";
	} else if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0) {
		f->host++;
	} else if (strcasecmp(key, RP_FRONT_SECRET_HEADER) == 0) {
		f->front_secret++;
	} else if (strcasecmp(key, RP_FRONT_CHAIN_HEADER) == 0) {
		f->front_chain++;
	}
	return MHD_YES;
}

const char *rp_http_framing_fault(struct MHD_Connection *conn, const char *version, size_t max_body,
                                  int *status)
{
	framing f = {0};

	*status = 400;
	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_framing, &f);
	if (f.lengths_differ)
		return "two different Content-Length values";
	if (f.content_length > 0 && f.transfer_encoding > 0)
		return "both Content-Length and Transfer-Encoding";
	if (f.transfer_encoding > 1)
		return "Transfer-Encoding more than once";
	if (f.transfer_encoding == 1 && strcasecmp(f.coding, "chunked") != 0) {
		*status = 501;
		return "a transfer coding other than chunked alone";
	}
	if (f.host > 1)
		return "more than one Host";
	if (f.host == 0 && strcmp(version, MHD_HTTP_VERSION_1_1) == 0)
		return "HTTP/1.1 without Host";
	/* The server reads the first of each: a second one is a client's, smuggled past a front. */
	if (f.front_secret > 1 || f.front_chain > 1)
		return "a card-login front's header more than once";
	/* libmicrohttpd refused a length that is not a number; one past the range is too large. */
	if (f.content_length > 0) {
		char *end;
		unsigned long long n;
		errno = 0;
		n = strtoull(f.length, &end, 10);
		if (end != f.length && (errno != 0 || n > max_body)) {
			*status = 413;
			return "a body declared over the limit";
		}
	}
	return NULL;
}
