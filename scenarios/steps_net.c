/* The network on the way: the platform's forbidden networks, proxies on the PC's path, the
 * card-login front servers. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/world_impl.h"

sc_status step_net_forbid(sc_world *w, const sc_step *st, sc_outcome *out)
{
	json_t *nets = json_array();

	json_t *a;

	for (size_t i = 0; sc_step_word(st, i) != NULL; i++)
		json_array_append_new(nets, json_string(sc_step_word(st, i)));
	if ((a = sc_world_control(w, SC_CTL_FORBIDDEN_NETWORKS,
	                          json_pack("{s:o}", "networks", nets), out)) == NULL)
		return out->status;
	if (w->networks_before == NULL && json_is_array(json_object_get(a, "previous")))
		w->networks_before = json_incref(json_object_get(a, "previous"));
	json_decref(a);
	return SC_PASS;
}

/* The browser's proxy setting as the PC has it now. */
sc_status world_apply_proxy(sc_pc *s, sc_outcome *out)
{
	au_pc *pc = &s->pc;
	au_web_err e =
	        s->proxy == NULL ? au_web_set_proxy(pc->web, NULL, NULL, NULL)
	        : s->proxy_credentials
	                ? au_web_set_proxy(pc->web, au_proxy_url(s->proxy), "pcuser", "pcpass")
	                : au_web_set_proxy(pc->web, au_proxy_url(s->proxy), NULL, NULL);
	return e == AU_WEB_OK ? SC_PASS : sc_result(out, SC_ERROR, "proxy: %s", au_web_strerr(e));
}

sc_status step_net_proxy(sc_world *w, const sc_step *st, sc_outcome *out)
{
	au_pc *pc;
	sc_pc *s = world_pc_side(w, st, &pc, out);
	const char *kind = sc_step_get(st, "kind");
	char why[256], cert[4096], key[4096], ca[4096];
	au_proxy_opts o = {.user = "pcuser", .password = "pcpass"};

	if (s == NULL)
		return out->status;
	if (kind == NULL)
		return sc_result(out, SC_ERROR,
		                 "net.proxy PC kind=tunnel|auth|inspect|inspect-first|none");
	au_proxy_stop(s->proxy);
	s->proxy = NULL;
	s->proxy_credentials = world_yes(sc_step_get(st, "credentials"));
	if (strcmp(kind, "none") == 0)
		return world_apply_proxy(s, out);
	if (strcmp(kind, "tunnel") == 0)
		o.mode = AU_PROXY_TUNNEL;
	else if (strcmp(kind, "auth") == 0)
		o.mode = AU_PROXY_AUTH;
	else if ((strcmp(kind, "inspect") == 0 || strcmp(kind, "inspect-first") == 0) &&
	         w->cfg.pki_dir != NULL) {
		/* it shows the PC a certificate the PC trusts (the platform's CA stands in for the
		 * proxy's own, installed by the PC's administrator) */
		o.mode = strcmp(kind, "inspect") == 0 ? AU_PROXY_INSPECT : AU_PROXY_INSPECT_FIRST;
		snprintf(cert, sizeof(cert), "%s/tls/server.pem", w->cfg.pki_dir);
		snprintf(key, sizeof(key), "%s/tls/server.key", w->cfg.pki_dir);
		snprintf(ca, sizeof(ca), "%s/tls/server-ca.pem", w->cfg.pki_dir);
		o.cert_file = cert;
		o.key_file = key;
		o.upstream_ca_file = ca;
	} else
		return sc_result(out, SC_ERROR,
		                 "net.proxy PC kind=tunnel|auth|inspect|inspect-first|none");
	if (!au_proxy_start(&o, &s->proxy, why, sizeof(why)))
		return sc_result(out, SC_ERROR, "proxy: %s", why);
	return world_apply_proxy(s, out);
}

sc_status step_net_front(sc_world *w, const sc_step *st, sc_outcome *out)
{
	sc_pc *s = world_pc_side(w, st, NULL, out);
	const char *which = sc_step_word(st, 1);

	if (s == NULL)
		return out->status;
	if (which != NULL && strcmp(which, "none") == 0) {
		s->front = -1;
		return SC_PASS;
	}
	s->front = which == NULL                  ? -2
	           : strcmp(which, "tls1.2") == 0 ? 0
	           : strcmp(which, "tls1.3") == 0 ? 1
	                                          : -2;
	if (s->front == -2) {
		s->front = -1;
		return sc_result(out, SC_ERROR, "net.front PC tls1.2|tls1.3|none");
	}
	if (w->cfg.card_front[s->front] == NULL)
		return sc_result(out, SC_SKIP,
		                 "the platform's card-login front servers are not reachable here "
		                 "(the embedded platform has them)");
	return SC_PASS;
}

sc_status step_net_proxy_credentials(sc_world *w, const sc_step *st, sc_outcome *out)
{
	sc_pc *s = world_pc_side(w, st, NULL, out);

	if (s == NULL)
		return out->status;
	s->proxy_credentials = true;
	return world_apply_proxy(s, out);
}
