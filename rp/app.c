#include "rp/app.h"

#include <arpa/inet.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "rp/flow.h"
#include "rp/flow_card.h"
#include "rp/test_control.h"
#include "webauthn/b64url.h"

bool rp_network_parse(const char *cidr, rp_network *out)
{
	char addr[32];
	const char *slash = strchr(cidr, '/');
	struct in_addr in;
	char *end;
	long bits = 32;

	if (slash == NULL)
		slash = cidr + strlen(cidr);
	else if ((bits = strtol(slash + 1, &end, 10)) < 0 || bits > 32 || *end != '\0' ||
	         slash[1] == '\0')
		return false;
	if ((size_t)(slash - cidr) >= sizeof(addr))
		return false;
	memcpy(addr, cidr, (size_t)(slash - cidr));
	addr[slash - cidr] = '\0';
	if (inet_pton(AF_INET, addr, &in) != 1)
		return false;
	out->mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
	out->addr = ntohl(in.s_addr) & out->mask;
	return true;
}

bool rp_network_contains(const rp_network *n, const char *ip)
{
	struct in_addr in;

	return ip != NULL && inet_pton(AF_INET, ip, &in) == 1 &&
	       (ntohl(in.s_addr) & n->mask) == n->addr;
}

bool rp_random_token(size_t bytes, char *out, size_t size)
{
	uint8_t buf[64];
	char *text;
	bool ok;

	if (bytes > sizeof(buf) || RAND_bytes(buf, (int)bytes) != 1 ||
	    (text = wa_b64url_encode(buf, bytes)) == NULL)
		return false;
	ok = strlen(text) < size;
	if (ok)
		strcpy(out, text);
	free(text);
	return ok;
}

void rp_fail_json(rp_http_response *resp, int status, const char *message)
{
	rp_http_response_json(resp, status,
	                      json_pack("{s:s, s:s}", "status", "failed", "errorMessage",
	                                message && message[0] ? message : "failed"));
}

const char *rp_msg(const rp_app *app, const char *key)
{
	const char *text = app->msgs ? rp_messages_get(app->msgs, key) : NULL;
	return text ? text : key;
}

/* The platform's network policy (manual 2.10): the front server answers 403. */
static bool forbidden(const rp_app *app, const char *remote)
{
	for (size_t i = 0; i < app->cfg.n_forbidden; i++)
		if (rp_network_contains(&app->cfg.forbidden[i], remote))
			return true;
	return false;
}

typedef struct table {
	const rp_route *routes;
	size_t n;
} table;

/* The JSON APIs (FIDO conformance, test control) answer programs, not a user's browser. */
static bool json_api(const char *path)
{
	return strncmp(path, "/attestation/", 13) == 0 || strncmp(path, "/assertion/", 11) == 0 ||
	       strncmp(path, RP_TEST_CONTROL_PREFIX, strlen(RP_TEST_CONTROL_PREFIX)) == 0;
}

void rp_app_handle(void *ctx, const rp_http_request *req, rp_http_response *resp)
{
	rp_app *app = ctx;
	const table tables[] = {
	        {rp_register_routes, rp_register_route_count},
	        {rp_pc_register_routes, rp_pc_register_route_count},
	        {rp_conformance_routes, rp_conformance_route_count},
	        {rp_login_routes, rp_login_route_count},
	        {rp_device_auth_routes, rp_device_auth_route_count},
	        {rp_test_control_routes, rp_test_control_route_count},
	        {rp_card_routes, rp_card_route_count},
	};
	bool path_known = false;

	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (size_t i = 0; i < tables[t].n; i++) {
			const rp_route *r = &tables[t].routes[i];
			if (r->test_control && !app->cfg.test_control)
				continue;
			if (strcmp(r->path, req->path) != 0)
				continue;
			/* Test control sits behind no network policy: it is the harness's own hand.
			 */
			if (!r->test_control && forbidden(app, req->remote)) {
				/* The card endpoints' front server answers with its own page
				 * (3.17). */
				if (rp_card_path(req->path) && rp_card_forbidden_page(app, resp))
					return;
				rp_http_response_text(
				        resp, 403, "text/html; charset=utf-8",
				        "<!DOCTYPE html>\n<html><head><title>403 "
				        "Forbidden</title></head>"
				        "<body><h1>403 Forbidden</h1></body></html>\n");
				return;
			}
			path_known = true;
			if (strcmp(r->method, req->method) == 0) {
				r->fn(app, req, resp);
				return;
			}
		}
	}
	if (path_known && json_api(req->path)) {
		rp_http_response_header(resp, "Allow", "POST");
		rp_http_response_text(resp, 405, "text/plain; charset=utf-8",
		                      "405 Method Not Allowed\n");
		return;
	}
	/* A page's step asked with the wrong method: the platform's one 405 page (manual 2.20). */
	if (path_known) {
		rp_flow_405(app, req, resp);
		return;
	}
	rp_http_response_text(resp, 404, "text/plain; charset=utf-8", "404 Not Found\n");
}
