#include "rp/platform.h"

#include "rp/setup.h"
#include "rp/test_control.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_BODY (64 * 1024) /* as `kagura-rp serve` */

struct rp_platform {
	rp_app app;
	rp_http_server *srv;
	char db[4096];
	char base[80];
	char listen[64];
	char origin[512];
	char rp_id[256];
	rp_card_pki_files pki;
	bool has_tls_ca;
	rp_front *front[RP_CARD_FRONTS]; /* RP_FRONT_TLS12, RP_FRONT_TLS13 */
};

static void say(char *why, size_t why_size, const char *what, const char *detail)
{
	if (why != NULL && why_size > 0)
		snprintf(why, why_size, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
}

/* p's server on a free loopback port: HTTPS with the options' files, the card PKI's in their
 * place, or plain HTTP. */
static rp_http_err serve(rp_platform *p, const rp_platform_options *opt, char *bound,
                         size_t bound_size)
{
	rp_http_tls tls = {opt->tls_cert, opt->tls_key, opt->client_ca};

	if (tls.cert_file == NULL && opt->card_pki != NULL)
		tls.cert_file = p->pki.tls_cert;
	if (tls.key_file == NULL && opt->card_pki != NULL)
		tls.key_file = p->pki.tls_key;
	if (tls.client_ca_file == NULL && opt->card_pki != NULL)
		tls.client_ca_file = p->pki.client_ca;
	rp_http_limits limits = opt->limits ? *opt->limits : (rp_http_limits){0};

	limits.held = true; /* rp_platform_start makes it ready once set up */
	return rp_http_start_limits("127.0.0.1:0", opt->https ? &tls : NULL, &limits, MAX_BODY,
	                            rp_app_handle, &p->app, opt->log, &p->srv, bound, bound_size);
}

rp_platform *rp_platform_start(const rp_platform_options *opt, char *why, size_t why_size)
{
	rp_platform *p = calloc(1, sizeof(*p));
	char bound[64], reason[640];
	const rp_generation *generation;
	rp_store_err se;
	rp_http_err he;

	if (p == NULL) {
		say(why, why_size, "out of memory", NULL);
		return NULL;
	}
	snprintf(p->origin, sizeof(p->origin), "%s",
	         opt->origin ? opt->origin : "https://mahpki-auth.2nds.medis.or.jp");
	if (!rp_origin_rp_id(p->origin, opt->rp_id, p->rp_id, sizeof(p->rp_id), reason,
	                     sizeof(reason))) {
		say(why, why_size, reason, NULL);
		free(p);
		return NULL;
	}
	generation = rp_generation_find(opt->manual ? opt->manual : RP_GENERATION_DEFAULT);
	if (generation == NULL) {
		say(why, why_size, "the manual generation is 2.16 or 1.04, not", opt->manual);
		free(p);
		return NULL;
	}
	if (!rp_app_init(&p->app, generation)) {
		say(why, why_size, "the app's trust store, caches or keys", "cannot be created");
		free(p);
		return NULL;
	}
	p->app.cfg.origin = p->origin;
	p->app.cfg.rp_id = p->rp_id;
	p->app.cfg.test_control = opt->test_control;
	/* Off unless asked: the API needs no login (rp/conformance.h). */
	p->app.cfg.conformance_api = opt->conformance_api;
	if (!rp_app_load_fixtures(&p->app, opt->fixtures_dir, reason, sizeof(reason))) {
		say(why, why_size, reason, NULL);
		goto fail;
	}
	if (!rp_temp_store_path(p->db, sizeof(p->db))) {
		say(why, why_size, "cannot create a temporary store", NULL);
		goto fail;
	}
	/* The store goes with the platform: nothing of it needs syncing. */
	reason[0] = '\0';
	if ((se = rp_store_open_ex(p->db, RP_STORE_OWNED | RP_STORE_THROWAWAY, reason,
	                           sizeof(reason), &p->app.store)) != RP_STORE_OK) {
		say(why, why_size, p->db, reason[0] ? reason : rp_store_strerr(se));
		goto fail;
	}
	if (opt->card_pki != NULL &&
	    !rp_card_pki_load(opt->card_pki, &p->app.cards, &p->pki, reason, sizeof(reason))) {
		say(why, why_size, "card PKI", reason);
		goto fail;
	}
	p->has_tls_ca = opt->https && opt->card_pki != NULL;
	if ((he = serve(p, opt, bound, sizeof(bound))) != RP_HTTP_OK) {
		say(why, why_size,
		    opt->https ? "cannot serve HTTPS on 127.0.0.1" : "cannot listen on 127.0.0.1",
		    rp_http_strerr(he));
		goto fail;
	}
	/* The front server's clock is the platform's (manual 3.17 measures with it). */
	rp_http_set_clock(p->srv, &p->app.clock);
	snprintf(p->base, sizeof(p->base), "%s://%s", opt->https ? "https" : "http", bound);
	snprintf(p->listen, sizeof(p->listen), "%s", bound);
	/* Held (serve above): no handler reads it until rp_http_ready below. */
	p->app.cfg.listen = p->listen; /* test control's own Host */
	/* Test control changes what every handler reads (clock, networks): it runs alone. */
	rp_http_run_alone(p->srv, RP_TEST_CONTROL_PREFIX);
	if (opt->https && opt->card_fronts &&
	    (opt->card_pki == NULL || !rp_card_fronts_start(&p->app, p->srv, &p->pki, bound,
	                                                    p->front, reason, sizeof(reason)))) {
		say(why, why_size, opt->card_pki ? reason : "card front: needs card_pki", NULL);
		goto fail;
	}
	rp_http_ready(p->srv);
	return p;
fail:
	rp_platform_stop(p);
	return NULL;
}

const char *rp_platform_base(const rp_platform *p)
{
	return p->base;
}

const char *rp_platform_tls_ca(const rp_platform *p)
{
	return p->has_tls_ca ? p->pki.tls_ca : NULL;
}

const char *rp_platform_front(const rp_platform *p, rp_front_mode mode)
{
	return p != NULL && (int)mode >= 0 && (int)mode < RP_CARD_FRONTS
	               ? rp_front_url(p->front[mode])
	               : NULL;
}

const char *rp_platform_origin(const rp_platform *p)
{
	return p->origin;
}

void rp_platform_stop(rp_platform *p)
{
	if (p == NULL)
		return;
	rp_card_fronts_stop(&p->app, p->srv, p->front);
	rp_http_stop(p->srv);
	rp_app_release(&p->app);
	if (p->db[0] != '\0')
		rp_store_remove_files(p->db);
	free(p);
}
