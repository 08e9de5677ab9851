/*
 * The world a scenario acts on: its named users, phones, PCs and values, what each screen shows,
 * the CA's hand on test control, and the running of one step (its handler from the vocabulary,
 * what test control the platform lacks, the trace). The steps themselves are in steps_*.c.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/world_impl.h"
#include <openssl/rand.h>
#include <stdarg.h>

#include "authenticator/web/page.h"
#include "scenarios/screens.h"
#include "scenarios/textcut.h"
#include "webauthn/arraylen.h"

#ifndef KAGURA_PC_FIXTURES_DIR
#define KAGURA_PC_FIXTURES_DIR "fixtures"
#endif

sc_status sc_result(sc_outcome *out, sc_status s, const char *fmt, ...)
{
	va_list ap;

	out->status = s;
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(out->detail, sizeof(out->detail), fmt, ap);
		va_end(ap);
	}
	return s;
}

const char *sc_or_none(const char *s)
{
	return s ? s : "(none)";
}

const char *world_or_empty(const char *s)
{
	return s ? s : "";
}

bool world_yes(const char *v)
{
	return v != NULL &&
	       (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

bool world_number(const char *word, sc_number_kind kind, uint64_t *value, sc_outcome *out)
{
	char why[160];

	if (sc_number_word(word, kind, value, why, sizeof(why)))
		return true;
	sc_result(out, SC_ERROR, "%s", why);
	return false;
}

sc_status world_set_switches(const sc_step *st, const world_switch *switches, size_t n,
                             const char *usage, sc_outcome *out)
{
	for (size_t i = 0; i < st->n; i++) {
		size_t k = 0;

		if (st->key[i] == NULL)
			continue;
		while (k < n && strcmp(st->key[i], switches[k].key) != 0)
			k++;
		if (k == n)
			return sc_result(out, SC_ERROR, "%s", usage);
		if (switches[k].field != NULL)
			*switches[k].field = world_yes(st->value[i]);
	}
	return SC_PASS;
}

sc_status world_view_card_cert(sc_world *w, const sc_step *st, sc_outcome *out,
                               au_certview_result *r, const char **text)
{
	sc_pc *s = world_pc_side(w, st, NULL, out);

	if (s == NULL)
		return out->status;
	return au_pc_view_card_cert(&s->certs, &s->reader, time(NULL), r, text) ? SC_PASS : SC_FAIL;
}

/* ---- names ---- */

named_user *world_user(sc_world *w, const char *sym)
{
	for (size_t i = 0; sym && i < w->n_users; i++)
		if (strcmp(w->users[i].sym, sym) == 0)
			return &w->users[i];
	return NULL;
}

/* A fresh 本人ID: ten random digits, 医籍登録番号-like, never starting with 0 (so no tool
 * strips it); unique to the run, so runs on one platform never meet. */
static bool fresh_id(char id[ID_MAX])
{
	uint8_t r[8];
	uint64_t v = 0;

	if (RAND_bytes(r, sizeof(r)) != 1)
		return false;
	for (size_t i = 0; i < sizeof(r); i++)
		v = v << 8 | r[i];
	snprintf(id, ID_MAX, "%010llu", (unsigned long long)(1000000000ull + v % 9000000000ull));
	return true;
}

/* A user symbol's 本人ID, made up the first time. */
named_user *world_user_new(sc_world *w, const char *sym)
{
	named_user *u = world_user(w, sym);

	if (u != NULL || sym == NULL || strlen(sym) >= SYM_MAX || w->n_users == MAX_ACTORS)
		return u;
	u = &w->users[w->n_users];
	if (!fresh_id(u->id))
		return NULL;
	snprintf(u->sym, sizeof(u->sym), "%s", sym);
	w->n_users++;
	return u;
}

const char *sc_world_run_id(sc_world *w, const char *pki_id)
{
	run_id *r;

	for (size_t i = 0; pki_id && i < w->n_run_ids; i++)
		if (strcmp(w->run_ids[i].pki, pki_id) == 0)
			return w->run_ids[i].run;
	if (pki_id == NULL || strlen(pki_id) >= ID_MAX || w->n_run_ids == MAX_RUN_IDS)
		return NULL;
	r = &w->run_ids[w->n_run_ids];
	if (!fresh_id(r->run))
		return NULL;
	snprintf(r->pki, sizeof(r->pki), "%s", pki_id);
	w->n_run_ids++;
	return r->run;
}

/* ---- phones ---- */

named_phone *world_phone(sc_world *w, const char *sym)
{
	for (size_t i = 0; sym && i < w->n_phones; i++)
		if (strcmp(w->phones[i].sym, sym) == 0)
			return &w->phones[i];
	return NULL;
}

named_phone *world_phone_step(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_phone *p = world_phone(w, sc_step_word(st, 0));

	if (p == NULL)
		sc_result(out, SC_ERROR, "unknown phone %s (phone.new first)",
		          sc_or_none(sc_step_word(st, 0)));
	return p;
}

/* ---- PCs ---- */

sc_pc *world_pc(sc_world *w, const char *sym)
{
	for (size_t i = 0; sym && i < w->n_pcs; i++)
		if (strcmp(w->pcs[i].sym, sym) == 0)
			return &w->pcs[i];
	return NULL;
}

sc_pc *world_pc_step(sc_world *w, const sc_step *st, sc_outcome *out)
{
	sc_pc *c = world_pc(w, sc_step_word(st, 0));

	if (c == NULL)
		sc_result(out, SC_ERROR, "unknown PC %s (pc.new first)",
		          sc_or_none(sc_step_word(st, 0)));
	return c;
}

sc_pc *world_pc_side(sc_world *w, const sc_step *st, au_pc **browser, sc_outcome *out)
{
	sc_pc *c = world_pc_step(w, st, out);

	if (c != NULL && browser != NULL)
		*browser = &c->pc;
	return c;
}

named_var *world_var(sc_world *w, const char *sym, bool create)
{
	for (size_t i = 0; sym && i < w->n_vars; i++)
		if (strcmp(w->vars[i].sym, sym) == 0)
			return &w->vars[i];
	if (!create || sym == NULL || strlen(sym) >= SYM_MAX || w->n_vars == MAX_ACTORS)
		return NULL;
	snprintf(w->vars[w->n_vars].sym, SYM_MAX, "%s", sym);
	return &w->vars[w->n_vars++];
}

/* "$qr" → the variable's value; anything else as written. */
const char *world_value(sc_world *w, const char *text)
{
	named_var *v;

	if (text == NULL || text[0] != '$')
		return text;
	v = world_var(w, text + 1, false);
	return v ? v->value : NULL;
}

/* A URL as the platform printed it (its origin) mapped onto where it listens; a path joined to
 * base. */
void world_url(sc_world *w, const char *ref, char *url, size_t size)
{
	size_t n = strlen(w->cfg.origin);

	if (ref[0] == '/')
		snprintf(url, size, "%s%s", w->cfg.base, ref);
	else if (strncmp(ref, w->cfg.origin, n) == 0 && (ref[n] == '/' || ref[n] == '\0'))
		snprintf(url, size, "%s%s", w->cfg.base, ref + n);
	else
		snprintf(url, size, "%s", ref);
}

/* The platform's RP ID: the host of its origin. */
void world_rp_id(const sc_world *w, char *rp, size_t size)
{
	const char *h = strstr(w->cfg.origin, "://");
	size_t n;

	h = h ? h + 3 : w->cfg.origin;
	n = strcspn(h, ":/");
	snprintf(rp, size, "%.*s", (int)(n < size ? n : size - 1), h);
}

/* ---- test control ---- */

json_t *sc_world_control(sc_world *w, sc_control_op op, json_t *body, sc_outcome *out)
{
	char why[600];
	json_t *answer = NULL;
	sc_control_err e;

	if (w->control == NULL) {
		json_decref(body);
		sc_result(out, SC_ERROR, "%s: the platform serves no test control",
		          sc_control_op_path(op));
		return NULL;
	}
	e = sc_control_call(w->control, op, body, &answer, why, sizeof(why));
	if (e == SC_CONTROL_ERR_UNSUPPORTED)
		sc_result(out, SC_SKIP, "%s", why);
	else if (e != SC_CONTROL_OK)
		sc_result(out, SC_ERROR, "%s", why);
	return answer;
}

bool world_control_ok(sc_world *w, sc_control_op op, json_t *body, sc_outcome *out)
{
	json_t *a = sc_world_control(w, op, body, out);

	json_decref(a);
	return a != NULL;
}

bool world_is_keycloak(const sc_world *w)
{
	return w->cfg.login_url != NULL;
}

/* ---- expectations ---- */

seen *world_seen(sc_world *w, const char *where)
{
	return strcmp(where, "phone.page") == 0     ? &w->phone_page
	       : strcmp(where, "phone.error") == 0  ? &w->phone_error
	       : strcmp(where, "phone.prompt") == 0 ? &w->phone_prompt
	       : strcmp(where, "pc.page") == 0      ? &w->pc_page
	       : strcmp(where, "pc.browser") == 0   ? &w->pc_browser
	       : strcmp(where, "pc.dialog") == 0    ? &w->pc_dialog
	       : strcmp(where, "pc.viewer") == 0    ? &w->pc_viewer
	                                            : NULL;
}

void world_keep_page(sc_world *w, served_page *kept, const au_page *page)
{
	const char *html;
	size_t len;

	free(kept->html);
	*kept = (served_page){0};
	if (!w->cfg.keep_pages || page == NULL)
		return;
	html = au_page_html(page, &len);
	if ((kept->html = malloc(len + 1)) == NULL)
		return; /* the report shows the page's text without its picture */
	memcpy(kept->html, html, len + 1);
	kept->len = len;
}

/* The place's seen screen into a view, with the page behind it (NULL none). */
static bool view_of(sc_view *v, const seen *s, const served_page *page)
{
	if (!s->any)
		return true;
	return sc_view_set(v, s->status, s->blank, s->text, s->url, page ? page->html : NULL,
	                   page ? page->len : 0);
}

unsigned sc_world_steps(const sc_world *w)
{
	return w->step;
}

bool sc_world_screens(sc_world *w, unsigned mark, sc_screens *out)
{
	const served_page *pages[SC_PLACES] = {
	        [SC_PLACE_PHONE_PAGE] = &w->phone_served, [SC_PLACE_PC_PAGE] = &w->pc_served};
	bool ok = true, changed = false;

	for (size_t i = 0; i < SC_PLACES; i++) {
		const seen *s = world_seen(w, sc_place_name((sc_place)i));
		changed = changed || (s->any && s->step > mark);
	}
	for (size_t i = 0; i < SC_PLACES; i++) {
		const seen *s = world_seen(w, sc_place_name((sc_place)i));
		if (!changed || s->step > mark)
			ok = view_of(&out->views[i], s, pages[i]) && ok;
	}
	return ok;
}

sc_status world_saw_pc(sc_world *w, sc_pc *c, au_err e, sc_outcome *out)
{
	world_keep_page(w, &w->pc_served, c->pc.page);
	w->pc_page = (seen){.status = c->pc.status, .any = true, .step = w->step};
	if (c->pc.page != NULL)
		sc_text_copy(w->pc_page.url, sizeof(w->pc_page.url), au_page_url(c->pc.page));
	snprintf(w->pc_page.text, sizeof(w->pc_page.text), "%.255s\n%.2047s", au_pc_title(&c->pc),
	         e == AU_OK ? au_pc_text(&c->pc) : c->pc.why);
	snprintf(w->pc_page.kind, sizeof(w->pc_page.kind), "%s", au_pc_kind(&c->pc));
	return e == AU_OK ? SC_PASS : sc_result(out, SC_FAIL, "PC: %s", c->pc.why);
}

/* The user's devices as the CA lists them (owned array) or NULL. */
json_t *world_devices(sc_world *w, named_user *u, sc_outcome *out)
{
	json_t *a = sc_world_control(w, SC_CTL_USER_CREDENTIALS, json_pack("{s:s}", "name", u->id),
	                             out);
	json_t *list = json_incref(json_object_get(a, "credentials"));

	json_decref(a);
	if (a != NULL && !json_is_array(list))
		sc_result(out, SC_ERROR, "test control: credentials missing from the answer");
	return json_is_array(list) ? list : (json_decref(list), NULL);
}

au_pcb_table *sc_world_pc_pages_load(const char *fixtures_dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/pc/browsers.json",
	         fixtures_dir ? fixtures_dir : KAGURA_PC_FIXTURES_DIR);
	return au_pcb_load(path, NULL, 0);
}

sc_world *sc_world_new(const sc_world_config *cfg)
{
	sc_world *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->cfg = *cfg;
	w->control = cfg->control;
	if (w->control == NULL && cfg->test_control) {
		if ((w->own_control = sc_control_mock_new(cfg->base, cfg->tls_ca)) == NULL) {
			sc_world_free(w);
			return NULL;
		}
		w->control = w->own_control;
	}
	if (cfg->pc_pages == NULL)
		w->own_pages = sc_world_pc_pages_load(cfg->fixtures_dir);
	w->pages = cfg->pc_pages ? cfg->pc_pages : w->own_pages;
	return w;
}

void sc_world_free(sc_world *w)
{
	if (w == NULL)
		return;
	for (size_t i = 0; i < w->n_phones; i++)
		au_phone_close(&w->phones[i].phone);
	for (size_t i = 0; i < w->n_pcs; i++) {
		au_pc_close(&w->pcs[i].pc);
		au_proxy_stop(w->pcs[i].proxy);
		au_pc_certs_clear(&w->pcs[i].certs);
	}
	for (size_t i = 0; i < w->n_cards; i++)
		au_card_free(w->cards[i]);
	au_pcb_free(w->own_pages);
	free(w->phone_served.html);
	free(w->pc_served.html);
	sc_control_free(w->own_control);
	json_decref(w->networks_before);
	free(w);
}

/* The symbol a step's word or value names: "$qr" names qr. */
static const char *symbol_of(const char *word)
{
	return word != NULL && word[0] == '$' ? word + 1 : word;
}

static const missing *missing_of(const sc_world *w, const char *sym)
{
	for (size_t i = 0; sym != NULL && i < w->n_missing; i++)
		if (strcmp(w->missing[i].sym, sym) == 0)
			return &w->missing[i];
	return NULL;
}

/* The first thing the step names that the world lacks (made by a step skipped), or NULL. */
static const missing *step_lacks(const sc_world *w, const sc_step *st)
{
	const missing *m = NULL;

	for (size_t i = 0; m == NULL && i < st->n; i++)
		m = missing_of(w, symbol_of(st->value[i]));
	return m;
}

/*
 * Without test control, a setup step that needs it is left out and what it names (users,
 * phones, QRs) is missing from the world: a cause that never uses them still runs, one that
 * does is skipped at the step that names them. A setup step that changes the whole platform
 * (its clock, its networks) cannot be left out: the setup, and so every cause, is skipped.
 */
static sc_status leave_out(sc_world *w, const sc_step *st, sc_outcome *out)
{
	if (!w->setup || sc_step_changes_platform(st))
		return sc_result(out, SC_SKIP, "%s needs the platform's test control", st->verb);
	for (size_t i = 0; i < st->n && w->n_missing < MAX_MISSING; i++) {
		const char *sym = symbol_of(st->value[i]);
		if (strlen(sym) >= SYM_MAX || missing_of(w, sym) != NULL)
			continue;
		missing *m = &w->missing[w->n_missing++];
		snprintf(m->sym, sizeof(m->sym), "%s", sym);
		snprintf(m->verb, sizeof(m->verb), "%s", st->verb);
		m->line = st->line;
	}
	return sc_result(out, SC_PASS, "left out: %s needs the platform's test control", st->verb);
}

/* The platform pages a step opens by path, and what of the platform's own each is. */
static const struct {
	const char *path;
	sc_capability cap;
} platform_pages[] = {
        {"/device-auth", SC_CAP_CROSS_DEVICE},         /* cross-device QR login */
        {"/device-registration", SC_CAP_CROSS_DEVICE}, /* the PC's registration QR */
        {"/jpki-registration", SC_CAP_MY_NUMBER},      /* My Number card linking */
        {"/registration", SC_CAP_CA_QR},               /* a CA QR's URL */
};

/* What a step needs of the platform's own (its verb's needs, the page it opens by path). */
static unsigned step_capabilities(const sc_step *st, const sc_verb *v)
{
	unsigned caps = v->needs >> SC_NEEDS_CAPS_SHIFT;
	const char *where = sc_step_word(st, 1);

	if (where != NULL && where[0] == '/' &&
	    (strcmp(st->verb, "pc.open") == 0 || strcmp(st->verb, "phone.open") == 0))
		for (size_t i = 0; i < KAGURA_LEN(platform_pages); i++)
			if (strncmp(where, platform_pages[i].path,
			            strlen(platform_pages[i].path)) == 0)
				caps |= platform_pages[i].cap;
	return caps;
}

/* Why the platform cannot take the step (its control lacks what the step needs), NULL when
 * it can. */
static const char *step_lacks_capability(const sc_world *w, const sc_step *st, const sc_verb *v)
{
	const char *why = NULL;

	if (w->control != NULL)
		sc_control_lacks(w->control, step_capabilities(st, v), &why);
	return why;
}

static sc_status run_step(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const sc_verb *v = sc_verb_of(st->verb);
	const missing *m = step_lacks(w, st);
	const char *lacks_why;

	if (v == NULL)
		return sc_result(out, SC_ERROR, "unknown step %s", st->verb);
	if (!w->cfg.test_control && (v->needs & SC_NEEDS_TEST_CONTROL))
		return leave_out(w, st, out);
	if (m != NULL)
		return sc_result(out, SC_SKIP,
		                 "%s needs %s, which the setup's %s (line %d) makes through the "
		                 "platform's test control",
		                 st->verb, m->sym, m->verb, m->line);
	if ((lacks_why = step_lacks_capability(w, st, v)) != NULL)
		return sc_result(out, SC_SKIP, "%s: %s", st->verb, lacks_why);
	if ((v->needs & SC_NEEDS_CARD_PKI) && w->cfg.tls_ca == NULL)
		return sc_result(out, SC_SKIP,
		                 "%s needs the platform over HTTPS with the card PKI (a target: "
		                 "--ca-file, and the platform started with --card-pki)",
		                 st->verb);
	out->status = v->fn(w, st, out);
	return out->status;
}

void sc_world_setup(sc_world *w, bool setup)
{
	w->setup = setup;
}

/* One line of a screen's text for the trace: line breaks as " / ", bounded. */
static void trace_text(FILE *f, const char *text)
{
	char line[TRACE_SEEN_MAX];

	sc_text_copy(line, sizeof(line), text);
	for (char *p = line; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = p[1] == '\0' ? ' ' : '/';
	fputs(line, f);
}

/* The step as written (with $variables as their values), its result, and every place whose
 * screen it changed. */
static void trace_step(sc_world *w, const sc_step *st, const sc_outcome *out)
{
	static const char *const places[] = {"phone.page", "phone.error", "phone.prompt", "pc.page",
	                                     "pc.browser", "pc.dialog",   "pc.viewer"};
	FILE *f = w->cfg.trace;

	fprintf(f, "  line %d: %s", st->line, st->verb);
	for (size_t i = 0; i < st->n; i++) {
		const char *v = world_value(w, st->value[i]);
		fprintf(f, " %s%s%s", st->key[i] ? st->key[i] : "", st->key[i] ? "=" : "",
		        v ? v : st->value[i]);
	}
	fprintf(f, " -> %s%s%s\n",
	        out->status == SC_PASS   ? "ok"
	        : out->status == SC_SKIP ? "skip"
	                                 : "FAILED",
	        out->detail[0] ? ": " : "", out->detail);
	for (size_t i = 0; i < KAGURA_LEN(places); i++) {
		const seen *s = world_seen(w, places[i]);
		if (s->step != w->step || !s->any)
			continue;
		fprintf(f, "      %s", places[i]);
		if (s->status != 0)
			fprintf(f, " HTTP %ld", s->status);
		if (s->url[0] != '\0')
			fprintf(f, " %s", s->url);
		fputs(": ", f);
		trace_text(f, s->blank ? "(blank: nothing rendered)" : s->text);
		fputc('\n', f);
	}
}

sc_status sc_world_step(sc_world *w, const sc_step *st, sc_outcome *out)
{
	memset(out, 0, sizeof(*out));
	out->line = st->line;
	w->step++;
	out->status = run_step(w, st, out);
	if (w->cfg.trace != NULL)
		trace_step(w, st, out);
	return out->status;
}

void sc_world_cleanup(sc_world *w)
{
	sc_outcome ignored;

	if (!w->cfg.shared || !w->cfg.test_control)
		return;
	for (size_t i = 0; i < w->n_users; i++)
		if (w->users[i].created)
			world_control_ok(
			        w, SC_CTL_USER_ENABLED,
			        json_pack("{s:s, s:b}", "name", w->users[i].id, "enabled", 0),
			        &ignored);
	for (size_t i = 0; i < w->n_links; i++)
		world_control_ok(w, SC_CTL_JPKI_LINK,
		                 json_pack("{s:s, s:b}", "fingerprint", w->links[i], "delete", 1),
		                 &ignored);
	if (w->networks_before != NULL)
		world_control_ok(w, SC_CTL_FORBIDDEN_NETWORKS,
		                 json_pack("{s:O}", "networks", w->networks_before), &ignored);
	if (w->clock_changed)
		world_control_ok(w, SC_CTL_CLOCK,
		                 json_pack("{s:I}", "offset_seconds", w->clock_before), &ignored);
}

void sc_world_user_created(sc_world *w, const char *sym)
{
	named_user *u = world_user(w, sym);

	if (u != NULL)
		u->created = true;
}

void sc_world_saw(sc_world *w, const char *where, long status, const char *text, const char *kind)
{
	seen *s = world_seen(w, where);

	if (s == NULL)
		return;
	*s = (seen){.status = status, .any = text != NULL, .step = w->step};
	snprintf(s->text, sizeof(s->text), "%s", text ? text : "");
	snprintf(s->kind, sizeof(s->kind), "%s", kind ? kind : "");
}

bool sc_world_name_user(sc_world *w, const char *sym, const char *id)
{
	named_user *u = world_user(w, sym);

	if (u != NULL)
		return strcmp(u->id, id) == 0;
	if (sym == NULL || strlen(sym) >= SYM_MAX || strlen(id) >= sizeof(u->id) ||
	    w->n_users == MAX_ACTORS)
		return false;
	u = &w->users[w->n_users++];
	snprintf(u->sym, sizeof(u->sym), "%s", sym);
	snprintf(u->id, sizeof(u->id), "%s", id);
	return true;
}

const char *sc_world_user_id(sc_world *w, const char *sym)
{
	named_user *u = world_user(w, sym);
	return u ? u->id : NULL;
}

const char *sc_world_stand_in(const sc_world *w)
{
	return w->stand_in;
}
