/* The PCs: their browsers, card logins over mutual TLS, the JPKI client, the certificate
 * viewer. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authenticator/pc/cardtls.h"
#include "scenarios/world_impl.h"
#include "webauthn/arraylen.h"

sc_status step_pc_new(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const char *sym = sc_step_word(st, 0);
	char jar[4096];
	sc_pc *c;

	if (sym == NULL || strlen(sym) >= SYM_MAX || world_pc(w, sym) || w->n_pcs == MAX_ACTORS)
		return sc_result(out, SC_ERROR, "pc.new NAME (a new name, at most %d PCs)",
		                 MAX_ACTORS);
	c = &w->pcs[w->n_pcs];
	memset(c, 0, sizeof(*c));
	/* the PC's surroundings: an empty reader, the JPKI client on it, Chrome, no proxy */
	au_reader_init(&c->reader);
	au_jpki_init(&c->jpki, &c->reader);
	snprintf(c->browser, sizeof(c->browser), "chrome");
	c->front = -1;
	snprintf(jar, sizeof(jar), "%s/%s.cookies", w->cfg.workdir, sym);
	if (au_pc_open(&c->pc, jar) != AU_OK ||
	    (w->cfg.tls_ca != NULL && au_pc_set_server_ca(&c->pc, w->cfg.tls_ca) != AU_OK)) {
		au_pc_close(&c->pc);
		return sc_result(out, SC_ERROR, "pc.new: cookie jar %s", jar);
	}
	snprintf(c->sym, sizeof(c->sym), "%s", sym);
	w->n_pcs++;
	return SC_PASS;
}

sc_status step_pc_open(sc_world *w, const sc_step *st, sc_outcome *out)
{
	sc_pc *c = world_pc_step(w, st, out);
	const char *ref = world_value(w, sc_step_word(st, 1));
	char url[2048];

	if (c == NULL)
		return out->status;
	if (ref == NULL)
		return sc_result(out, SC_ERROR, "pc.open PC PATH|URL");
	world_url(w, ref, url, sizeof(url));
	return world_saw_pc(w, c, au_pc_get(&c->pc, url), out);
}

sc_status step_pc_submit(sc_world *w, const sc_step *st, sc_outcome *out)
{
	sc_pc *c = world_pc_step(w, st, out);
	const char *form = sc_step_word(st, 1), *name = NULL, *value = NULL;

	if (c == NULL)
		return out->status;
	if (form == NULL)
		return sc_result(out, SC_ERROR, "pc.submit PC FORM [FIELD=VALUE]");
	for (size_t i = 0; i < st->n; i++)
		if (st->key[i] != NULL) {
			named_user *u = world_user(w, st->value[i]);
			name = st->key[i];
			value = u ? u->id : world_value(w, st->value[i]);
		}
	return world_saw_pc(w, c, au_pc_submit(&c->pc, form, name, value), out);
}

sc_status step_pc_qr(sc_world *w, const sc_step *st, sc_outcome *out)
{
	sc_pc *c = world_pc_step(w, st, out);
	named_var *v = world_var(w, sc_step_get(st, "as"), true);
	const char *url;

	if (c == NULL)
		return out->status;
	if (v == NULL)
		return sc_result(out, SC_ERROR, "pc.qr PC as=NAME");
	if ((url = au_pc_qr_url(&c->pc)) == NULL)
		return sc_result(out, SC_FAIL, "the PC shows no QR: %s", au_pc_text(&c->pc));
	snprintf(v->value, sizeof(v->value), "%s", url);
	return SC_PASS;
}

sc_status step_pc_wait(sc_world *w, const sc_step *st, sc_outcome *out)
{
	sc_pc *c = world_pc_step(w, st, out);

	if (c == NULL)
		return out->status;
	/* The phone has acted already: the page's next poll sees it. */
	return world_saw_pc(w, c, au_pc_wait(&c->pc, 5, 100, NULL, 0), out);
}

sc_status step_pc_browser_make(sc_world *w, const sc_step *st, sc_outcome *out)
{
	sc_pc *s = world_pc_side(w, st, NULL, out);
	const char *make = sc_step_word(st, 1);

	if (s == NULL)
		return out->status;
	if (make == NULL || !au_pcb_knows_browser(w->pages, make))
		return sc_result(out, SC_ERROR, "pc.browser PC chrome|edge|chrome-old|edge-old");
	snprintf(s->browser, sizeof(s->browser), "%s", make);
	return SC_PASS;
}

/* ---- card logins ---- */

/* The PC's page from an HTTP answer (r->body from r->url), as the browser shows it. */
static void show_page(sc_world *w, au_pc *pc, const au_web_response *r)
{
	char text[2400];
	au_err e = au_pc_show(pc, AU_WEB_OK, r);

	world_keep_page(w, &w->pc_served, pc->page);
	sc_world_saw(w, "pc.page", pc->status, NULL, NULL); /* reset, then the page's own text */
	snprintf(text, sizeof(text), "%.255s\n%.2047s", au_pc_title(pc),
	         e == AU_OK ? au_pc_text(pc) : pc->why);
	sc_world_saw(w, "pc.page", pc->status, text, au_pc_kind(pc));
	sc_world_saw(w, "pc.browser", 0, NULL, NULL);
}

/* A navigation that failed below HTTP: the browser's own error page. */
static void show_failure(sc_world *w, sc_pc *s, au_pc *pc, const char *shown_url,
                         const au_web_response *r, au_web_err e)
{
	au_pcb_page page;
	char text[512];

	au_pc_show(pc, e, r); /* AU_ERR_NETWORK: no page, why names the failure */
	world_keep_page(w, &w->pc_served, NULL);
	if (w->pages != NULL && au_pcb_error_page(w->pages, s->browser, shown_url, r, &page))
		snprintf(text, sizeof(text), "%s\n%s", page.heading, page.net_error);
	else
		snprintf(text, sizeof(text), "(%s: no page of the manual) %s",
		         au_pcb_class_name(au_pcb_classify(r)), pc->why);
	sc_world_saw(w, "pc.browser", r->status, text, "browser-error");
	sc_world_saw(w, "pc.page", r->status, text, "browser-error");
}

typedef struct late {
	sc_world *w;
	unsigned seconds;
	sc_outcome *out;
	bool ok;
} late;

/* Between the certificate choice and the PIN: the platform's clock moves on. */
static bool pin_pause(void *arg)
{
	late *l = arg;

	l->ok = sc_world_advance_clock(l->w, (json_int_t)l->seconds, l->out) == SC_PASS;
	return l->ok;
}

static const char *login_path(const char *kind)
{
	return kind == NULL                         ? NULL
	       : strcmp(kind, "hpki") == 0          ? "/card-login/hpki"
	       : strcmp(kind, "jpki") == 0          ? "/card-login/jpki"
	       : strcmp(kind, "jpki-register") == 0 ? "/card-login/jpki-register"
	                                            : NULL;
}

/* GET path with the card the reader gives (and the PIN after pin seconds); shows the result. */
static sc_status card_get(sc_world *w, sc_pc *s, au_pc *pc, const char *path,
                          const au_pin_user *user, sc_outcome *out)
{
	char url[1024], shown[1024];
	au_card_login login;
	au_card_err ce;

	snprintf(url, sizeof(url), "%s%s",
	         s->front >= 0 ? w->cfg.card_front[s->front] : w->cfg.base, path);
	snprintf(shown, sizeof(shown), "%s%s", w->cfg.origin, path);
	if ((ce = au_card_present(&s->reader, user, pc->web, &login)) != AU_CARD_OK)
		return sc_result(out, SC_ERROR, "card: %s", au_card_strerr(ce));
	if (login.cert_presented && user->pin_seconds > 0) {
		/* handshake (the certificate chosen), the PIN dialog, then the request */
		late l = {.w = w, .seconds = user->pin_seconds, .out = out};
		au_cardtls_opts o = {.ca_file = w->cfg.tls_ca,
		                     .proxy = s->proxy ? au_proxy_url(s->proxy) : NULL,
		                     .between = pin_pause,
		                     .arg = &l};
		au_cardtls_result r = {0};
		au_web_response wr = {0};
		const au_card *card = s->reader.card; /* the one the reader just gave */

		if (au_cardtls_get(url, card, &o, &r) == AU_WEB_OK) {
			wr = (au_web_response){.status = r.status,
			                       .body = r.body,
			                       .body_len = r.body_len,
			                       .url = url};
			show_page(w, pc, &wr);
		} else if (!l.ok && r.handshake_done) {
			au_cardtls_result_free(&r);
			return out->status;
		} else {
			au_cardtls_as_response(&r, url, &wr);
			show_failure(w, s, pc, shown, &wr, r.err);
		}
		au_cardtls_result_free(&r);
		return SC_PASS;
	}
	{
		au_web_response r = {0};
		au_web_err e = au_web_get(pc->web, url, &r);
		if (e == AU_WEB_OK)
			show_page(w, pc, &r);
		else
			show_failure(w, s, pc, shown, &r, e);
		au_web_response_reset(&r);
	}
	return SC_PASS;
}

sc_status step_pc_card_login(sc_world *w, const sc_step *st, sc_outcome *out)
{
	au_pc *pc;
	sc_pc *s = world_pc_side(w, st, &pc, out);
	const char *path = login_path(sc_step_word(st, 1));
	const char *pin = sc_step_get(st, "pin_seconds");
	uint64_t pin_seconds = 0;
	au_pin_user user = {.cancel_picker = world_yes(sc_step_get(st, "cancel"))};

	if (s == NULL)
		return out->status;
	if (pin != NULL && !world_number(pin, SC_NUMBER_N, &pin_seconds, out))
		return out->status;
	user.pin_seconds = (unsigned)pin_seconds;
	if (path == NULL)
		return sc_result(
		        out, SC_ERROR,
		        "pc.card-login PC hpki|jpki|jpki-register [pin_seconds=N] [cancel=yes]");
	return card_get(w, s, pc, path, &user, out);
}

/* Manual 4.1 and closing the browser: cookies and cache gone, the next start is a new one. */
sc_status step_pc_restart(sc_world *w, const sc_step *st, sc_outcome *out)
{
	au_pc *pc;
	sc_pc *s = world_pc_side(w, st, &pc, out);

	if (s == NULL)
		return out->status;
	au_pc_close(pc);
	if (au_pc_open(pc, NULL) != AU_OK ||
	    (w->cfg.tls_ca != NULL && au_pc_set_server_ca(pc, w->cfg.tls_ca) != AU_OK))
		return sc_result(out, SC_ERROR, "the browser does not start again");
	/* the JPKI client's dialogs close with the browser */
	while (s->jpki.running > 0)
		au_jpki_close(&s->jpki);
	return world_apply_proxy(s, out);
}

/* ---- the certificate viewer ---- */

sc_status step_pc_install_ca(sc_world *w, const sc_step *st, sc_outcome *out)
{
	sc_pc *s = world_pc_side(w, st, NULL, out);
	const char *which = sc_step_word(st, 1);
	char path[4096];

	if (s == NULL)
		return out->status;
	if (which == NULL || w->cfg.pki_dir == NULL)
		return sc_result(out, SC_ERROR, "pc.install-ca PC none|roots-only|old|current");
	au_pc_certs_clear(&s->certs);
	if (strcmp(which, "none") == 0)
		return SC_PASS;
	snprintf(path, sizeof(path), "%s/pc/installed-%s.pem", w->cfg.pki_dir, which);
	return au_pc_certs_install_file(&s->certs, path)
	               ? SC_PASS
	               : sc_result(out, SC_ERROR, "pc.install-ca: %s", path);
}

sc_status step_pc_viewer(sc_world *w, const sc_step *st, sc_outcome *out)
{
	au_certview_result r;
	const char *text = NULL;
	sc_status viewed = world_view_card_cert(w, st, out, &r, &text);

	if (viewed == SC_FAIL)
		return sc_result(out, SC_FAIL,
		                 "the viewer cannot open the card (the reader reads none)");
	if (viewed != SC_PASS)
		return viewed;
	sc_world_saw(w, "pc.viewer", 0, text ? text : "",
	             r.verdict == AU_CERTVIEW_OK ? "verified" : "not-verified");
	return SC_PASS;
}

/* ---- the JPKI client ---- */

sc_status step_jpki_extension(sc_world *w, const sc_step *st, sc_outcome *out)
{
	sc_pc *s = world_pc_side(w, st, NULL, out);

	if (s == NULL)
		return out->status;
	const world_switch switches[] = {
	        {"installed", &s->jpki.extension_installed},
	        {"enabled", &s->jpki.extension_enabled},
	};
	return world_set_switches(st, switches, KAGURA_LEN(switches),
	                          "jpki.extension PC installed=yes|no enabled=yes|no", out);
}

/* The user clicks 「マイナンバーカードを登録」; register: the PIN is entered and the page goes
 * on (the card's registration), else the client's dialog is left open. */
static sc_status click_register(sc_world *w, const sc_step *st, sc_outcome *out, bool reg)
{
	au_pc *pc;
	sc_pc *s = world_pc_side(w, st, &pc, out);
	au_jpki_result r;

	if (s == NULL)
		return out->status;
	r = au_jpki_click_register(&s->jpki);
	sc_world_saw(w, "pc.dialog", 0, au_jpki_message(r.outcome),
	             au_jpki_message(r.outcome) ? "dialog" : NULL);
	if (r.outcome == AU_JPKI_NOTHING) {
		s->idle_clicks++;
		s->page_at_click = pc->page;
		return SC_PASS;
	}
	s->idle_clicks = 0;
	if (r.outcome != AU_JPKI_OK || !reg)
		return SC_PASS;
	{
		au_pin_user user = {0};
		sc_status st2 = card_get(w, s, pc, "/card-login/jpki-register", &user, out);
		au_jpki_close(&s->jpki);
		return st2;
	}
}

sc_status step_jpki_click(sc_world *w, const sc_step *st, sc_outcome *out)
{
	return click_register(w, st, out, false);
}

sc_status step_jpki_register(sc_world *w, const sc_step *st, sc_outcome *out)
{
	return click_register(w, st, out, true);
}

sc_status step_jpki_close(sc_world *w, const sc_step *st, sc_outcome *out)
{
	sc_pc *s = world_pc_side(w, st, NULL, out);

	if (s == NULL)
		return out->status;
	au_jpki_close(&s->jpki);
	sc_world_saw(w, "pc.dialog", 0, NULL, NULL);
	return SC_PASS;
}
