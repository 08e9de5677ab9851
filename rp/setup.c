#include "rp/setup.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* An origin, "{port}" and all, longer than this is not one. */
#define RP_ORIGIN_MAX 512

#include "common/origin.h"
#include "rp/pages.h"
#include "rp/pending.h"
#include "rp/routes.h"
#include "rp/store.h"
#include "rp/write_queue.h"
#include "webauthn/cose_cache.h"

/* HMAC-SHA256 keyed with a fresh random key; NULL when OpenSSL fails. */
static EVP_MAC_CTX *user_mac_new(void)
{
	uint8_t key[32];
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
	        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
	        OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;

	EVP_MAC_free(mac); /* the context holds its own reference */
	if (ctx == NULL || RAND_bytes(key, sizeof(key)) != 1 ||
	    EVP_MAC_init(ctx, key, sizeof(key), params) != 1) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	OPENSSL_cleanse(key, sizeof(key));
	return ctx;
}

bool rp_app_init(rp_app *app, const rp_generation *generation)
{
	memset(app, 0, sizeof(*app));
	app->cfg.generation = generation;
	app->clock = wa_clock_system(0);
	app->routes = rp_platform_routes;
	app->n_routes = rp_platform_route_count;
	if ((app->user_mac = user_mac_new()) != NULL && wa_trust_init(&app->trust, 0) == WA_OK &&
	    (app->keys = wa_cose_cache_new(0)) != NULL &&
	    (app->pending = rp_pending_new(0, 0)) != NULL)
		return true;
	rp_app_release(app); /* what was made; the rest is still zero */
	return false;
}

void rp_app_release(rp_app *app)
{
	rp_write_queue_stop(&app->writes); /* commits what it holds, into the store */
	rp_store_close(app->store);
	rp_messages_free(app->msgs);
	wa_trust_reset(&app->trust);
	rp_cardcert_ctx_free(app->cards);
	wa_cose_cache_free(&app->keys);
	rp_pending_free(&app->pending);
	EVP_MAC_CTX_free(app->user_mac);
	app->user_mac = NULL;
	rp_pages_free(app->pages);
	app->pages = NULL;
	app->store = NULL;
	app->msgs = NULL;
	app->cards = NULL;
}

static bool has_upper(const char *text)
{
	for (; *text != '\0'; text++)
		if (*text >= 'A' && *text <= 'Z')
			return true;
	return false;
}

bool rp_origin_rp_id(const char *origin, const char *given, char *buf, size_t size, char *why,
                     size_t why_size)
{
	char concrete[RP_ORIGIN_MAX];
	const char *port = strstr(origin, "{port}");
	cm_origin o;
	int n = port == NULL ? snprintf(concrete, sizeof(concrete), "%s", origin)
	                     : snprintf(concrete, sizeof(concrete), "%.*s1%s", (int)(port - origin),
	                                origin, port + strlen("{port}"));

	if (n < 0 || (size_t)n >= sizeof(concrete) || !cm_origin_parse(concrete, &o) ||
	    (strcmp(o.scheme, "https") != 0 && strcmp(o.scheme, "http") != 0)) {
		snprintf(why, why_size, "origin %s is not http(s)://host[:port]", origin);
		return false;
	}
	/* A browser writes an origin's host, and so the RP ID it compares, in lower case. */
	if (has_upper(o.host) || (given != NULL && has_upper(given))) {
		snprintf(why, why_size, "origin %s and RP ID %s: a host is written in lower case",
		         origin, given != NULL ? given : o.host);
		return false;
	}
	if (given == NULL)
		given = o.host;
	if (!cm_rp_id_suffix_ok(o.host, given)) {
		snprintf(
		        why, why_size,
		        "RP ID %s is neither the host of origin %s nor a registrable domain suffix "
		        "of it",
		        given, origin);
		return false;
	}
	if ((size_t)snprintf(buf, size, "%s", given) >= size) {
		snprintf(why, why_size, "RP ID %s is too long", given);
		return false;
	}
	return true;
}

bool rp_temp_store_path(char *path, size_t size)
{
	const char *tmpdir = getenv("TMPDIR") && getenv("TMPDIR")[0] ? getenv("TMPDIR") : "/tmp";
	int fd;

	if ((size_t)snprintf(path, size, "%s/kagura-rp-XXXXXX", tmpdir) >= size ||
	    (fd = mkstemp(path)) < 0) {
		if (size > 0)
			path[0] = '\0';
		return false;
	}
	close(fd);
	unlink(path); /* SQLite creates it afresh */
	return true;
}

void rp_store_remove_files(const char *path)
{
	char companion[4200];

	unlink(path);
	snprintf(companion, sizeof(companion), "%.4000s-wal", path);
	unlink(companion);
	snprintf(companion, sizeof(companion), "%.4000s-shm", path);
	unlink(companion);
	snprintf(companion, sizeof(companion), "%.4000s%s", path, RP_STORE_OWNER_SUFFIX);
	unlink(companion);
}

bool rp_app_load_fixtures(rp_app *app, const char *fixtures_dir, char *why, size_t why_size)
{
	const char *fx = fixtures_dir                ? fixtures_dir
	                 : getenv("KAGURA_FIXTURES") ? getenv("KAGURA_FIXTURES")
	                                             : KAGURA_FIXTURES_DIR;
	char messages[4200], pages_dir[4200];

	snprintf(pages_dir, sizeof(pages_dir), "%.4000s/pages", fx);
	rp_pages_free(app->pages);
	if ((app->pages = rp_pages_new(pages_dir)) == NULL) {
		snprintf(why, why_size, "%s: out of memory or the path is too long", pages_dir);
		return false;
	}
	snprintf(messages, sizeof(messages), "%.4000s/messages/messages_v%s.properties", fx,
	         app->cfg.generation->name);
	return rp_messages_load(messages, &app->msgs, why, why_size) == RP_MSG_OK;
}

/* The fronts' URLs as the handlers read them (app->card_front); fronts NULL: none. */
typedef struct fronts_change {
	rp_app *app;
	rp_front **fronts;
} fronts_change;

static void publish_fronts(void *ctx)
{
	fronts_change *c = ctx;

	for (int m = 0; m < RP_CARD_FRONTS; m++)
		c->app->card_front[m] = c->fronts != NULL && c->fronts[m] != NULL
		                                ? rp_front_url(c->fronts[m])
		                                : NULL;
}

bool rp_card_fronts_start(rp_app *app, rp_http_server *srv, const rp_card_pki_files *pki,
                          const char *backend, rp_front *fronts[RP_CARD_FRONTS], char *why,
                          size_t why_size)
{
	unsigned char r[16];
	char secret[2 * sizeof(r) + 1], reason[256];

	if (RAND_bytes(r, sizeof(r)) != 1) {
		snprintf(why, why_size, "card front: no random secret");
		return false;
	}
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(secret + 2 * i, 3, "%02x", r[i]);
	if (!rp_http_trust_front(srv, secret)) {
		snprintf(why, why_size, "card front: %s",
		         srv == NULL ? "no server to stand before"
		                     : "the server trusts a front already");
		return false;
	}
	for (int m = RP_FRONT_TLS12; m <= RP_FRONT_TLS13; m++) {
		rp_front_opts fo = {.mode = (rp_front_mode)m,
		                    .cert_file = pki->tls_cert,
		                    .key_file = pki->tls_key,
		                    .client_ca_file = pki->client_ca,
		                    .backend = backend,
		                    .secret = secret,
		                    .crl_file = app->cfg.generation->fronts_check_crl ? pki->crls
		                                                                      : NULL};
		if (!rp_front_start(&fo, &fronts[m], reason, sizeof(reason))) {
			snprintf(why, why_size, "card front: %s", reason);
			rp_card_fronts_stop(app, srv, fronts);
			return false;
		}
	}
	fronts_change c = {app, fronts};
	rp_http_change_app(srv, publish_fronts, &c);
	return true;
}

void rp_card_fronts_stop(rp_app *app, rp_http_server *srv, rp_front *fronts[RP_CARD_FRONTS])
{
	fronts_change c = {app, NULL};

	/* No handler holds a front's URL once this returns: only then are the fronts freed. */
	rp_http_change_app(srv, publish_fronts, &c);
	for (int m = 0; m < RP_CARD_FRONTS; m++) {
		rp_front_stop(fronts[m]);
		fronts[m] = NULL;
	}
}
