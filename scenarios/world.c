#include "scenarios/world.h"

#include <jansson.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authenticator/page.h"
#include "authenticator/pc.h"
#include "scenarios/textcut.h"
#include "scenarios/usage.h"
#include "scenarios/world_pc.h"

#define MAX_ACTORS     8 /* users, phones, PCs, variables: each of a scenario's own */
#define SYM_MAX        32
#define ID_MAX         16  /* a 本人ID and its NUL */
#define MAX_RUN_IDS    16  /* card PKI 本人IDs a world stands in for */
#define MAX_MISSING    16  /* names left out with the setup steps that make them */
#define TRACE_SEEN_MAX 600 /* bytes of a screen's text one trace line shows */

typedef struct named_user {
	char sym[SYM_MAX];
	char id[ID_MAX]; /* the 本人ID the platform knows: unique per world */
	bool created;    /* the platform has it because this world made it */
} named_user;

/* A card PKI's 本人ID and the one this run's copy of the card carries. */
typedef struct run_id {
	char pki[ID_MAX];
	char run[ID_MAX];
} run_id;

typedef struct named_phone {
	char sym[SYM_MAX];
	au_phone phone;
	bool open;
} named_phone;

typedef struct named_pc {
	char sym[SYM_MAX];
	au_pc pc;
} named_pc;

/* A name a setup step left out would have made (no test control). */
typedef struct missing {
	char sym[SYM_MAX];
	char verb[SYM_MAX];
	int line;
} missing;

typedef struct named_var {
	char sym[SYM_MAX];
	char value[1024];
} named_var;

/* What the user saw last, per place. */
typedef struct seen {
	long status;
	char text[2400]; /* title and feedback text of a page; the exception; the prompts */
	char kind[64];   /* a page's kc-content class */
	bool any;
	bool blank;    /* a page that arrived and shows nothing (its body renders no text) */
	bool qr;       /* the phone's OS showed a QR code (sign in with another device) */
	char url[512]; /* the page's address, "" none */
	unsigned step; /* the step that showed it (trace) */
} seen;

struct sc_world {
	sc_world_config cfg;
	au_web *ca; /* the CA's own hand on test control: no cookies kept */
	named_user users[MAX_ACTORS];
	size_t n_users;
	named_phone phones[MAX_ACTORS];
	size_t n_phones;
	named_pc pcs[MAX_ACTORS];
	size_t n_pcs;
	named_var vars[MAX_ACTORS];
	size_t n_vars;
	seen phone_page, phone_error, phone_prompt, pc_page;
	seen pc_browser, pc_dialog, pc_viewer; /* the PC side (world_pc.c) */
	sc_pcx *pcx;
	run_id run_ids[MAX_RUN_IDS];
	size_t n_run_ids;
	unsigned step; /* steps run so far */
	bool setup;    /* the setup is running (sc_world_setup) */
	missing missing[MAX_MISSING];
	size_t n_missing;
	/* What a shared platform had before this world changed it (sc_world_cleanup). */
	json_t *networks_before; /* owned; NULL: untouched */
	bool clock_changed;
	json_int_t clock_before;
};

typedef sc_status (*step_fn)(sc_world *w, const sc_step *st, sc_outcome *out);

typedef struct verb {
	const char *name;
	const char *usage;
	const char *meaning;
	bool test_control;
	step_fn fn;
} verb;

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

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static const char *or_root(const char *s)
{
	return s ? s : "/";
}

/* ---- names ---- */

static named_user *user_of(sc_world *w, const char *sym)
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
static named_user *user_named(sc_world *w, const char *sym)
{
	named_user *u = user_of(w, sym);

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

static named_phone *phone_of(sc_world *w, const char *sym)
{
	for (size_t i = 0; sym && i < w->n_phones; i++)
		if (strcmp(w->phones[i].sym, sym) == 0)
			return &w->phones[i];
	return NULL;
}

static named_pc *pc_of(sc_world *w, const char *sym)
{
	for (size_t i = 0; sym && i < w->n_pcs; i++)
		if (strcmp(w->pcs[i].sym, sym) == 0)
			return &w->pcs[i];
	return NULL;
}

static named_var *var_of(sc_world *w, const char *sym, bool create)
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
static const char *value_of(sc_world *w, const char *text)
{
	named_var *v;

	if (text == NULL || text[0] != '$')
		return text;
	v = var_of(w, text + 1, false);
	return v ? v->value : NULL;
}

/* A URL as the platform printed it (its origin) mapped onto where it listens; a path joined to
 * base. */
static void url_of(sc_world *w, const char *ref, char *url, size_t size)
{
	size_t n = strlen(w->cfg.origin);

	if (ref[0] == '/')
		snprintf(url, size, "%s%s", w->cfg.base, ref);
	else if (strncmp(ref, w->cfg.origin, n) == 0 && (ref[n] == '/' || ref[n] == '\0'))
		snprintf(url, size, "%s%s", w->cfg.base, ref + n);
	else
		snprintf(url, size, "%s", ref);
}

/* ---- test control ---- */

json_t *sc_world_control(sc_world *w, const char *path, json_t *body, sc_outcome *out)
{
	char url[512];
	au_web_response r = {0};
	au_web_err e;
	json_t *answer = NULL;

	snprintf(url, sizeof(url), "%s/test-control/%s", w->cfg.base, path);
	e = au_web_post_json(w->ca, url, body, &r);
	json_decref(body);
	if (e != AU_WEB_OK) {
		sc_result(out, SC_ERROR, "test control %s: %s (%s)", path, au_web_strerr(e),
		          r.error);
	} else if ((answer = json_loads(r.body, 0, NULL)) == NULL ||
	           strcmp(or_empty(json_string_value(json_object_get(answer, "status"))), "ok") !=
	                   0) {
		sc_result(out, SC_ERROR, "test control %s: HTTP %ld %.300s", path, r.status,
		          r.body);
		json_decref(answer);
		answer = NULL;
	}
	au_web_response_reset(&r);
	return answer;
}

static json_t *control(sc_world *w, const char *path, json_t *body, sc_outcome *out)
{
	return sc_world_control(w, path, body, out);
}

static bool control_ok(sc_world *w, const char *path, json_t *body, sc_outcome *out)
{
	json_t *a = control(w, path, body, out);

	json_decref(a);
	return a != NULL;
}

static sc_status ca_user(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_user *u = user_named(w, sc_step_word(st, 0));
	bool disabled = sc_step_word(st, 1) && strcmp(sc_step_word(st, 1), "disabled") == 0;

	if (u == NULL)
		return sc_result(out, SC_ERROR, "ca.user needs a user name (at most %d users)",
		                 MAX_ACTORS);
	if (!control_ok(w, "users", json_pack("{s:s}", "name", u->id), out))
		return out->status;
	u->created = true;
	if (disabled && !control_ok(w, "users/enabled",
	                            json_pack("{s:s, s:b}", "name", u->id, "enabled", 0), out))
		return out->status;
	return SC_PASS;
}

static sc_status ca_enable(sc_world *w, const sc_step *st, sc_outcome *out, bool enabled)
{
	named_user *u = user_of(w, sc_step_word(st, 0));

	if (u == NULL)
		return sc_result(out, SC_ERROR, "unknown user %s", sc_or_none(sc_step_word(st, 0)));
	return control_ok(w, "users/enabled",
	                  json_pack("{s:s, s:b}", "name", u->id, "enabled", enabled), out)
	               ? SC_PASS
	               : out->status;
}

static sc_status ca_disable_step(sc_world *w, const sc_step *st, sc_outcome *out)
{
	return ca_enable(w, st, out, false);
}

static sc_status ca_enable_step(sc_world *w, const sc_step *st, sc_outcome *out)
{
	return ca_enable(w, st, out, true);
}

/* The user's devices as the CA lists them (owned array) or NULL. */
static json_t *devices_of(sc_world *w, named_user *u, sc_outcome *out)
{
	json_t *a = control(w, "users/credentials", json_pack("{s:s}", "name", u->id), out);
	json_t *list = json_incref(json_object_get(a, "credentials"));

	json_decref(a);
	if (a != NULL && !json_is_array(list))
		sc_result(out, SC_ERROR, "test control: credentials missing from the answer");
	return json_is_array(list) ? list : (json_decref(list), NULL);
}

static sc_status ca_device(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_user *u = user_of(w, sc_step_word(st, 0));
	const char *what = sc_step_word(st, 1);
	json_t *list, *c;
	size_t i;

	if (u == NULL || what == NULL ||
	    (strcmp(what, "disable") != 0 && strcmp(what, "enable") != 0 &&
	     strcmp(what, "delete") != 0))
		return sc_result(out, SC_ERROR, "ca.device USER disable|enable|delete");
	if ((list = devices_of(w, u, out)) == NULL)
		return out->status;
	json_array_foreach(list, i, c)
	{
		json_t *body = strcmp(what, "delete") == 0
		                       ? json_pack("{s:O, s:b}", "id", json_object_get(c, "id"),
		                                   "delete", 1)
		                       : json_pack("{s:O, s:b}", "id", json_object_get(c, "id"),
		                                   "enabled", strcmp(what, "enable") == 0);
		if (!control_ok(w, "credentials", body, out)) {
			json_decref(list);
			return out->status;
		}
	}
	json_decref(list);
	return SC_PASS;
}

static sc_status ca_qr(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_user *u = user_of(w, sc_step_word(st, 0));
	named_var *v = var_of(w, sc_step_get(st, "as"), true);
	const char *ttl = sc_step_get(st, "ttl");
	json_t *body, *a;
	const char *url;

	if (u == NULL || v == NULL)
		return sc_result(out, SC_ERROR, "ca.qr USER as=NAME [ttl=SECONDS]");
	body = json_pack("{s:s}", "user", u->id);
	if (ttl != NULL)
		json_object_set_new(body, "ttl_seconds", json_integer(atoll(ttl)));
	if ((a = control(w, "registration-qr", body, out)) == NULL)
		return out->status;
	url = json_string_value(json_object_get(a, "url"));
	if (url == NULL) {
		json_decref(a);
		return sc_result(out, SC_ERROR, "test control gave no QR url");
	}
	snprintf(v->value, sizeof(v->value), "%s", url);
	json_decref(a);
	return SC_PASS;
}

static sc_status clock_advance(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const char *min = sc_step_word(st, 0);
	char *end = NULL;
	double minutes = min ? strtod(min, &end) : -1;

	if (min == NULL || *end != '\0' || minutes <= 0 || minutes > 60 * 24 * 365)
		return sc_result(out, SC_ERROR, "clock.advance MINUTES (a positive number)");
	return sc_world_advance_clock(w, (json_int_t)(minutes * 60), out);
}

sc_status sc_world_advance_clock(sc_world *w, json_int_t seconds, sc_outcome *out)
{
	json_t *a = control(w, "clock", json_pack("{s:I}", "advance_seconds", seconds), out);

	if (a == NULL)
		return out->status;
	/* the offset before the first change: what a shared platform gets back at cleanup */
	if (!w->clock_changed && json_is_integer(json_object_get(a, "offset_seconds"))) {
		w->clock_before =
		        json_integer_value(json_object_get(a, "offset_seconds")) - seconds;
		w->clock_changed = true;
	}
	json_decref(a);
	return SC_PASS;
}

static sc_status net_forbid(sc_world *w, const sc_step *st, sc_outcome *out)
{
	json_t *nets = json_array();

	json_t *a;

	for (size_t i = 0; sc_step_word(st, i) != NULL; i++)
		json_array_append_new(nets, json_string(sc_step_word(st, i)));
	if ((a = control(w, "forbidden-networks", json_pack("{s:o}", "networks", nets), out)) ==
	    NULL)
		return out->status;
	if (w->networks_before == NULL && json_is_array(json_object_get(a, "previous")))
		w->networks_before = json_incref(json_object_get(a, "previous"));
	json_decref(a);
	return SC_PASS;
}

/* ---- phones ---- */

static named_phone *phone_step(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_phone *p = phone_of(w, sc_step_word(st, 0));

	if (p == NULL)
		sc_result(out, SC_ERROR, "unknown phone %s (phone.new first)",
		          sc_or_none(sc_step_word(st, 0)));
	return p;
}

/* key=value pairs of a step, except the ones named in skip, as phone settings. */
static sc_status apply_settings(named_phone *p, const sc_step *st, const char *skip,
                                sc_outcome *out)
{
	for (size_t i = 0; i < st->n; i++) {
		const char *why = NULL;
		if (st->key[i] == NULL || (skip && strcmp(st->key[i], skip) == 0))
			continue;
		if (au_phone_set(&p->phone, st->key[i], st->value[i], &why) != AU_OK)
			return sc_result(out, SC_ERROR, "setting %s=%s: %s", st->key[i],
			                 st->value[i], why ? why : "refused");
	}
	return SC_PASS;
}

static sc_status phone_new(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const char *sym = sc_step_word(st, 0), *persona = sc_step_get(st, "persona");
	char path[4096], why[600];
	named_phone *p;

	if (sym == NULL || persona == NULL || strlen(sym) >= SYM_MAX || phone_of(w, sym))
		return sc_result(out, SC_ERROR, "phone.new NAME persona=PERSONA (a new name)");
	if (w->n_phones == MAX_ACTORS)
		return sc_result(out, SC_ERROR, "at most %d phones", MAX_ACTORS);
	snprintf(path, sizeof(path), "%s/%s.device", w->cfg.workdir, sym);
	if (au_phone_new_device(w->cfg.phone_env, persona, w->cfg.attestation_dir, path, why,
	                        sizeof(why)) != AU_OK)
		return sc_result(out, SC_ERROR, "phone.new: %s", why);
	p = &w->phones[w->n_phones];
	if (au_phone_open(&p->phone, w->cfg.phone_env, path, NULL, why, sizeof(why)) != AU_OK) {
		au_phone_close(&p->phone);
		return sc_result(out, SC_ERROR, "phone.new: %s", why);
	}
	if (w->cfg.tls_ca != NULL && au_phone_trust_ca(&p->phone, w->cfg.tls_ca) != AU_OK) {
		au_phone_close(&p->phone);
		return sc_result(out, SC_ERROR, "phone.new: CA %s cannot be trusted",
		                 w->cfg.tls_ca);
	}
	snprintf(p->sym, sizeof(p->sym), "%s", sym);
	p->open = true;
	w->n_phones++;
	return apply_settings(p, st, "persona", out);
}

static sc_status phone_set(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_phone *p = phone_step(w, st, out);

	return p ? apply_settings(p, st, NULL, out) : out->status;
}

static sc_status phone_remedy(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_phone *p = phone_step(w, st, out);
	const char *action = sc_step_word(st, 1), *why = NULL;

	if (p == NULL)
		return out->status;
	if (action == NULL)
		return sc_result(out, SC_ERROR, "phone.remedy PHONE ACTION [ARG]");
	if (au_phone_remedy(&p->phone, action, sc_step_word(st, 2), &why) != AU_OK)
		return sc_result(out, SC_ERROR, "remedy %s: %s", action, why ? why : "failed");
	return SC_PASS;
}

/* Records what the phone's user saw at the end of a visit. */
static void saw_visit(sc_world *w, named_phone *p, const au_phone_visit *v)
{
	au_os *os = &p->phone.os;
	size_t n = 0;

	w->phone_page =
	        (seen){.status = v->status, .any = true, .blank = v->blank, .step = w->step};
	if (v->page != NULL)
		sc_text_copy(w->phone_page.url, sizeof(w->phone_page.url), au_page_url(v->page));
	snprintf(w->phone_page.text, sizeof(w->phone_page.text), "%.255s\n%.2047s", v->title,
	         v->net_error[0] ? v->net_error : v->text);
	snprintf(w->phone_page.kind, sizeof(w->phone_page.kind), "%s", v->kind);
	w->phone_error = (seen){.any = v->error[0] != '\0', .step = w->step};
	snprintf(w->phone_error.text, sizeof(w->phone_error.text), "%s", v->error);
	w->phone_prompt = (seen){
	        .any = os->n_prompts > 0, .qr = au_os_showed(os, "hybrid-qr"), .step = w->step};
	for (size_t i = 0; i < os->n_prompts && n < sizeof(w->phone_prompt.text) - 1; i++)
		n += (size_t)snprintf(w->phone_prompt.text + n, sizeof(w->phone_prompt.text) - n,
		                      "%s\n", os->prompts[i]);
}

typedef enum visit_kind { VISIT_URL, VISIT_BACK, VISIT_RELOAD, VISIT_RESUBMIT } visit_kind;

/* The phone opens url (VISIT_URL), goes back, or loads the page again, and goes on as its
 * user; what it saw is recorded. */
static sc_status browse(sc_world *w, named_phone *p, visit_kind kind, const char *url,
                        const au_phone_input *in, sc_outcome *out)
{
	au_phone_visit v = {0};
	au_phone_input with_origin = *in;
	au_err e;

	/* The phone names the page's origin as the platform's (a hosts-file mapping). */
	with_origin.origin = w->cfg.origin;
	au_os_begin(&p->phone.os, &p->phone.dev.settings, "", false, false);
	e = kind == VISIT_BACK       ? au_phone_back(&p->phone, &with_origin, &v)
	    : kind == VISIT_RELOAD   ? au_phone_reload(&p->phone, &with_origin, &v)
	    : kind == VISIT_RESUBMIT ? au_phone_resubmit(&p->phone, &with_origin, &v)
	                             : au_phone_visit_url(&p->phone, url, &with_origin, &v);
	saw_visit(w, p, &v);
	au_phone_save(&p->phone);
	au_phone_visit_reset(&v);
	if (e != AU_OK && e != AU_ERR_NETWORK)
		return sc_result(out, SC_ERROR, "%s: %s",
		                 url                    ? url
		                 : kind == VISIT_BACK   ? "Back"
		                 : kind == VISIT_RELOAD ? "reload"
		                                        : "resubmit",
		                 au_strerr(e));
	return SC_PASS;
}

static sc_status visit(sc_world *w, named_phone *p, const char *url, const au_phone_input *in,
                       sc_outcome *out)
{
	return browse(w, p, VISIT_URL, url, in, out);
}

/* The Back button, and the user goes on from the page shown again (2.20, 2.12). */
static sc_status phone_back(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_phone *p = phone_step(w, st, out);
	const char *who = sc_step_get(st, "username");
	named_user *u = user_of(w, who);
	au_phone_input in = {.label = sc_step_get(st, "label"), .username = u ? u->id : who};

	if (p == NULL)
		return out->status;
	if (p->phone.n_history < 2)
		return sc_result(out, SC_ERROR,
		                 "phone.back: the browser has no page to go back to");
	return browse(w, p, VISIT_BACK, NULL, &in, out);
}

/* The browser loads the page's URL again with GET (a restored tab) (2.20: a wrong request). */
static sc_status phone_reload(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_phone *p = phone_step(w, st, out);
	au_phone_input in = {0};

	if (p == NULL)
		return out->status;
	if (p->phone.n_history == 0)
		return sc_result(out, SC_ERROR, "phone.reload: the browser has shown no page yet");
	return browse(w, p, VISIT_RELOAD, NULL, &in, out);
}

/* The browser posts its last form again (a form sent twice, a retry) (2.20). */
static sc_status phone_resubmit(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_phone *p = phone_step(w, st, out);
	au_phone_input in = {0};

	if (p == NULL)
		return out->status;
	if (p->phone.post_url == NULL)
		return sc_result(out, SC_ERROR,
		                 "phone.resubmit: the browser has posted no form yet");
	return browse(w, p, VISIT_RESUBMIT, NULL, &in, out);
}

/* The platform's RP ID: the host of its origin. */
static void rp_id_of(const sc_world *w, char *rp, size_t size)
{
	const char *h = strstr(w->cfg.origin, "://");
	size_t n;

	h = h ? h + 3 : w->cfg.origin;
	n = strcspn(h, ":/");
	snprintf(rp, size, "%.*s", (int)(n < size ? n : size - 1), h);
}

/* The user deletes the platform's passkeys in the phone's password manager (iPhone:
 * Settings → Passwords), all of them or the user's. */
static sc_status phone_delete_passkey(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_phone *p = phone_step(w, st, out);
	const char *who = sc_step_word(st, 1);
	named_user *u = user_of(w, who);
	char rp[256];

	if (p == NULL)
		return out->status;
	if (who != NULL && u == NULL)
		return sc_result(out, SC_ERROR,
		                 "phone.delete-passkey PHONE [USER]: unknown user %s", who);
	rp_id_of(w, rp, sizeof(rp));
	if (au_phone_delete_passkeys(&p->phone, rp, u ? u->id : NULL) == 0)
		return sc_result(out, SC_ERROR,
		                 "phone.delete-passkey: the phone holds no such passkey");
	au_phone_save(&p->phone);
	return SC_PASS;
}

static sc_status phone_login(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_phone *p = phone_step(w, st, out);
	const char *who = sc_step_word(st, 1);
	named_user *u = user_of(w, who);
	char url[512];
	au_phone_input in = {.username = u ? u->id : who ? who : ""};

	if (p == NULL)
		return out->status;
	url_of(w, "/login", url, sizeof(url));
	return visit(w, p, url, &in, out);
}

static sc_status phone_open(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_phone *p = phone_step(w, st, out);
	const char *ref = value_of(w, sc_step_word(st, 1)), *who = sc_step_get(st, "username");
	named_user *u = user_of(w, who);
	au_phone_input in = {.label = sc_step_get(st, "label"), .username = u ? u->id : who};
	char url[2048];

	if (p == NULL)
		return out->status;
	if (ref == NULL || ref[0] == '\0')
		return sc_result(out, SC_ERROR, "phone.open PHONE URL|$VAR: no such URL");
	url_of(w, ref, url, sizeof(url));
	return visit(w, p, url, &in, out);
}

/* Setup's shortcut: the CA issues a registration QR and the phone registers with it. */
static sc_status phone_register(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_phone *p = phone_step(w, st, out);
	named_user *u = user_of(w, sc_step_word(st, 1));
	named_var *v = var_of(w, "_registration", true);
	au_phone_input in = {.label = sc_step_get(st, "label")};
	json_t *a;
	char url[2048];

	if (p == NULL)
		return out->status;
	if (u == NULL || v == NULL)
		return sc_result(out, SC_ERROR, "phone.register PHONE USER (ca.user first)");
	if ((a = control(w, "registration-qr", json_pack("{s:s}", "user", u->id), out)) == NULL)
		return out->status;
	url_of(w, or_root(json_string_value(json_object_get(a, "url"))), url, sizeof(url));
	json_decref(a);
	if (visit(w, p, url, &in, out) != SC_PASS)
		return out->status;
	if (strcmp(w->phone_page.kind, "done") != 0)
		return sc_result(out, SC_ERROR, "registration did not finish: %s",
		                 w->phone_page.text);
	return SC_PASS;
}

/* ---- PCs ---- */

static named_pc *pc_step(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_pc *c = pc_of(w, sc_step_word(st, 0));

	if (c == NULL)
		sc_result(out, SC_ERROR, "unknown PC %s (pc.new first)",
		          sc_or_none(sc_step_word(st, 0)));
	return c;
}

static sc_status saw_pc(sc_world *w, named_pc *c, bool ok, sc_outcome *out)
{
	w->pc_page = (seen){.status = c->pc.status, .any = true, .step = w->step};
	if (c->pc.page != NULL)
		sc_text_copy(w->pc_page.url, sizeof(w->pc_page.url), au_page_url(c->pc.page));
	snprintf(w->pc_page.text, sizeof(w->pc_page.text), "%.255s\n%.2047s", au_pc_title(&c->pc),
	         ok ? au_pc_text(&c->pc) : c->pc.error);
	snprintf(w->pc_page.kind, sizeof(w->pc_page.kind), "%s", au_pc_kind(&c->pc));
	return ok ? SC_PASS : sc_result(out, SC_FAIL, "PC: %s", c->pc.error);
}

static sc_status pc_new(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const char *sym = sc_step_word(st, 0);
	char jar[4096];
	named_pc *c;

	if (sym == NULL || strlen(sym) >= SYM_MAX || pc_of(w, sym) || w->n_pcs == MAX_ACTORS)
		return sc_result(out, SC_ERROR, "pc.new NAME (a new name, at most %d PCs)",
		                 MAX_ACTORS);
	c = &w->pcs[w->n_pcs];
	snprintf(jar, sizeof(jar), "%s/%s.cookies", w->cfg.workdir, sym);
	if (!au_pc_open(&c->pc, jar) ||
	    (w->cfg.tls_ca != NULL && au_web_set_ca_file(c->pc.web, w->cfg.tls_ca) != AU_WEB_OK)) {
		au_pc_close(&c->pc);
		return sc_result(out, SC_ERROR, "pc.new: cookie jar %s", jar);
	}
	snprintf(c->sym, sizeof(c->sym), "%s", sym);
	w->n_pcs++;
	return SC_PASS;
}

static sc_status pc_open(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_pc *c = pc_step(w, st, out);
	const char *ref = value_of(w, sc_step_word(st, 1));
	char url[2048];

	if (c == NULL)
		return out->status;
	if (ref == NULL)
		return sc_result(out, SC_ERROR, "pc.open PC PATH|URL");
	url_of(w, ref, url, sizeof(url));
	return saw_pc(w, c, au_pc_get(&c->pc, url), out);
}

/* Until the card login exists on the platform: test control marks the PC's session
 * card-authenticated. */
static sc_status pc_card_session(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_pc *c = pc_step(w, st, out);
	named_user *u = user_of(w, sc_step_word(st, 1));
	char url[512], body[128];

	if (c == NULL)
		return out->status;
	if (u == NULL)
		return sc_result(out, SC_ERROR, "pc.card-session PC USER");
	snprintf(url, sizeof(url), "%s/test-control/card-session", w->cfg.base);
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", u->id);
	if (!au_pc_post_json(&c->pc, url, body) || c->pc.status != 200)
		return sc_result(out, SC_ERROR, "card session: HTTP %ld %s", c->pc.status,
		                 c->pc.error);
	return SC_PASS;
}

static sc_status pc_submit(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_pc *c = pc_step(w, st, out);
	const char *form = sc_step_word(st, 1), *name = NULL, *value = NULL;

	if (c == NULL)
		return out->status;
	if (form == NULL)
		return sc_result(out, SC_ERROR, "pc.submit PC FORM [FIELD=VALUE]");
	for (size_t i = 0; i < st->n; i++)
		if (st->key[i] != NULL) {
			named_user *u = user_of(w, st->value[i]);
			name = st->key[i];
			value = u ? u->id : value_of(w, st->value[i]);
		}
	return saw_pc(w, c, au_pc_submit(&c->pc, form, name, value), out);
}

static sc_status pc_qr(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_pc *c = pc_step(w, st, out);
	named_var *v = var_of(w, sc_step_get(st, "as"), true);
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

static sc_status pc_wait(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_pc *c = pc_step(w, st, out);

	if (c == NULL)
		return out->status;
	/* The phone has acted already: the page's next poll sees it. */
	return saw_pc(w, c, au_pc_wait(&c->pc, 5, 100, NULL, 0), out);
}

/* ---- expectations ---- */

static const seen *seen_at(sc_world *w, const char *where)
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

static const seen *where_step(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const char *where = sc_step_word(st, 0);
	const seen *s = where ? seen_at(w, where) : NULL;

	if (s == NULL) {
		sc_result(out, SC_ERROR,
		          "where is phone.page, phone.error, phone.prompt, pc.page, pc.browser, "
		          "pc.dialog or pc.viewer");
		return NULL;
	}
	snprintf(out->where, sizeof(out->where), "%s", where);
	sc_text_copy(out->seen, sizeof(out->seen), s->any ? s->text : "(nothing shown yet)");
	return s;
}

/*
 * A catalogue line as this platform shows it: the manual's host replaced by the platform's
 * (owned); NULL when out of memory.
 */
static char *as_shown(const sc_world *w, const char *line)
{
	const char *from = w->cfg.host_from, *to = w->cfg.host_to, *hit;
	size_t nf, nt;
	char *shown;

	if (from == NULL || to == NULL || strcmp(from, to) == 0 || strstr(line, from) == NULL)
		return strdup(line);
	nf = strlen(from);
	nt = strlen(to);
	if ((shown = malloc(strlen(line) / nf * nt + strlen(line) + 1)) == NULL)
		return NULL;
	shown[0] = '\0';
	for (; (hit = strstr(line, from)) != NULL; line = hit + nf) {
		strncat(shown, line, (size_t)(hit - line));
		strcat(shown, to);
	}
	strcat(shown, line);
	return shown;
}

/* Whether the seen place shows the catalogue line (as this platform names itself); the
 * line is appended to expected. */
static bool shows_line(sc_world *w, const seen *s, const char *line, size_t i, sc_outcome *out)
{
	char *shown = as_shown(w, line);
	size_t len = strlen(out->expected);
	bool ok;

	if (shown == NULL)
		return false;
	if (len < sizeof(out->expected) - 1)
		sc_text_printf(out->expected + len, sizeof(out->expected) - len, "%s%s",
		               i ? " / " : "", shown);
	ok = s->any && w->cfg.shows(s->text, shown);
	free(shown);
	return ok;
}

static sc_status expect_message(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const seen *s = where_step(w, st, out);
	const char *entry = sc_step_get(st, "entry") ? sc_step_get(st, "entry") : w->cfg.entry;
	const char *const *lines;
	size_t n;
	bool all = true;

	if (s == NULL)
		return out->status;
	if (!w->cfg.message(w->cfg.message_ctx, entry, &lines, &n) || n == 0)
		return sc_result(out, SC_ERROR, "the %s catalogue has no message for entry %s",
		                 w->cfg.manual, entry);
	for (size_t i = 0; i < n; i++)
		all = shows_line(w, s, lines[i], i, out) && all;
	return all ? SC_PASS
	           : sc_result(out, SC_FAIL, "entry %s's message is not on the %s", entry,
	                       out->where);
}

/* The entry's message is not at WHERE (a remedy that takes a screen away, 2.13 r1). */
static sc_status expect_absent(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const seen *s = where_step(w, st, out);
	const char *entry = sc_step_get(st, "entry") ? sc_step_get(st, "entry") : w->cfg.entry;
	const char *const *lines;
	size_t n;
	bool any = false;

	if (s == NULL)
		return out->status;
	if (!w->cfg.message(w->cfg.message_ctx, entry, &lines, &n) || n == 0)
		return sc_result(out, SC_ERROR, "the %s catalogue has no message for entry %s",
		                 w->cfg.manual, entry);
	snprintf(out->expected, sizeof(out->expected), "not: ");
	for (size_t i = 0; i < n; i++)
		any = shows_line(w, s, lines[i], i, out) || any;
	return any ? sc_result(out, SC_FAIL, "entry %s's message is still on the %s", entry,
	                       out->where)
	           : SC_PASS;
}

/* Manual 2.16: the page came and the screen stays white (nothing rendered). */
static sc_status expect_blank(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const seen *s = where_step(w, st, out);

	if (s == NULL)
		return out->status;
	if (s != &w->phone_page && s != &w->pc_page)
		return sc_result(out, SC_ERROR, "expect.blank is for a page (phone.page, pc.page)");
	snprintf(out->expected, sizeof(out->expected),
	         "a blank screen (a page with nothing shown)");
	if (s->any && s->blank)
		return SC_PASS;
	return sc_result(out, SC_FAIL, "the %s shows something (HTTP %ld)", out->where, s->status);
}

/* Manual 2.17: the phone's OS shows a QR code (sign in with another device). */
static sc_status expect_qr(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const seen *s = where_step(w, st, out);

	if (s == NULL)
		return out->status;
	if (s != &w->phone_prompt)
		return sc_result(out, SC_ERROR, "expect.qr is for phone.prompt");
	snprintf(out->expected, sizeof(out->expected),
	         "a QR code on the phone (the OS: sign in with another device)");
	return s->any && s->qr ? SC_PASS
	                       : sc_result(out, SC_FAIL, "the phone's OS showed no QR code");
}

static sc_status expect_done(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const seen *s = where_step(w, st, out);

	if (s == NULL)
		return out->status;
	snprintf(out->expected, sizeof(out->expected), "a finished page (done or logged-in)");
	if (s->any && (strcmp(s->kind, "done") == 0 || strcmp(s->kind, "logged-in") == 0))
		return SC_PASS;
	return sc_result(out, SC_FAIL, "the %s is not a finished page (class \"%s\", HTTP %ld)",
	                 out->where, s->kind, s->status);
}

static sc_status expect_status(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const seen *s = where_step(w, st, out);
	const char *code = sc_step_word(st, 1);

	if (s == NULL)
		return out->status;
	if (code == NULL)
		return sc_result(out, SC_ERROR, "expect.status WHERE CODE");
	snprintf(out->expected, sizeof(out->expected), "HTTP %s", code);
	if (s->any && s->status == atol(code))
		return SC_PASS;
	return sc_result(out, SC_FAIL, "the %s came with HTTP %ld", out->where, s->status);
}

static sc_status expect_devices(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_user *u = user_of(w, sc_step_word(st, 0));
	const char *want = sc_step_word(st, 1);
	json_t *list, *c;
	size_t i, enabled = 0;

	if (u == NULL || want == NULL)
		return sc_result(out, SC_ERROR, "expect.devices USER COUNT");
	if ((list = devices_of(w, u, out)) == NULL)
		return out->status;
	json_array_foreach(list, i, c) enabled += json_is_true(json_object_get(c, "enabled"));
	json_decref(list);
	snprintf(out->where, sizeof(out->where), "ca.devices");
	snprintf(out->expected, sizeof(out->expected), "%s device(s) registered", want);
	snprintf(out->seen, sizeof(out->seen), "%zu", enabled);
	return enabled == (size_t)atol(want)
	               ? SC_PASS
	               : sc_result(out, SC_FAIL, "the CA lists %zu enabled device(s)", enabled);
}

/* ---- the vocabulary ---- */

static const verb vocabulary[] = {
        {"ca.user", "USER [disabled]", "the CA registers a user (a fresh 本人ID)", true, ca_user},
        {"ca.disable", "USER", "the CA disables the user", true, ca_disable_step},
        {"ca.enable", "USER", "the CA enables the user again", true, ca_enable_step},
        {"ca.device", "USER disable|enable|delete", "the CA acts on all the user's devices", true,
         ca_device},
        {"ca.qr", "USER as=VAR [ttl=SECONDS]", "the CA issues a registration QR (newer supersedes)",
         true, ca_qr},
        {"clock.advance", "MINUTES", "the platform's clock moves on", true, clock_advance},
        {"net.forbid", "[CIDR...]", "the platform refuses these source networks (none: allow all)",
         true, net_forbid},
        {"phone.new", "PHONE persona=NAME [SETTING=VALUE...]", "a new phone (device file, browser)",
         false, phone_new},
        {"phone.set", "PHONE SETTING=VALUE...", "the user changes a setting of the phone", false,
         phone_set},
        {"phone.remedy", "PHONE ACTION [ARG]", "a remedy of the manual's section 4", false,
         phone_remedy},
        {"phone.register", "PHONE USER [label=TEXT]", "setup: register the phone via a CA QR", true,
         phone_register},
        {"phone.login", "PHONE USER", "device-only FIDO login on the phone", false, phone_login},
        {"phone.open", "PHONE URL|$VAR [label=TEXT] [username=USER]",
         "the phone opens a URL (a scanned QR) and goes on as its user", false, phone_open},
        {"phone.back", "PHONE [label=TEXT] [username=USER]",
         "the Back button: the page before is shown again and the user goes on", false, phone_back},
        {"phone.reload", "PHONE", "the browser loads the current URL again with GET", false,
         phone_reload},
        {"phone.resubmit", "PHONE", "the browser posts its last form again (sent twice)", false,
         phone_resubmit},
        {"phone.delete-passkey", "PHONE [USER]",
         "the user deletes the platform's passkeys (of USER) on the phone", false,
         phone_delete_passkey},
        {"pc.new", "PC", "a new PC browser (empty cookie jar)", false, pc_new},
        {"pc.card-session", "PC USER", "test control: the PC's session is card-authenticated", true,
         pc_card_session},
        {"pc.open", "PC PATH|URL", "the PC opens a page", false, pc_open},
        {"pc.submit", "PC FORM [FIELD=VALUE]", "the PC's user fills a field and submits", false,
         pc_submit},
        {"pc.qr", "PC as=VAR", "reads the QR the PC shows", false, pc_qr},
        {"pc.wait", "PC", "the QR page's script learns the result and moves on", false, pc_wait},
        {"expect.message", "WHERE [entry=ID]", "WHERE shows the catalogue's message of the entry",
         false, expect_message},
        {"expect.absent", "WHERE [entry=ID]", "WHERE does not show the entry's message", false,
         expect_absent},
        {"expect.done", "WHERE", "WHERE shows a finished page (registered, logged in)", false,
         expect_done},
        {"expect.blank", "WHERE", "the page at WHERE came and shows nothing (a white screen)",
         false, expect_blank},
        {"expect.qr", "phone.prompt", "the phone's OS shows a QR code (another device)", false,
         expect_qr},
        {"expect.status", "WHERE CODE", "the page at WHERE came with this HTTP status", false,
         expect_status},
        {"expect.devices", "USER COUNT", "the CA lists COUNT enabled devices of the user", true,
         expect_devices},
};

#define N_VERBS (sizeof(vocabulary) / sizeof(vocabulary[0]))

static const verb *verb_of(const char *name)
{
	for (size_t i = 0; i < N_VERBS; i++)
		if (strcmp(vocabulary[i].name, name) == 0)
			return &vocabulary[i];
	return NULL;
}

bool sc_step_known(const char *name)
{
	return verb_of(name) != NULL || sc_pcx_known(name);
}

bool sc_step_check(const sc_step *st, char *why, size_t why_size)
{
	const verb *v = verb_of(st->verb);
	const char *usage = v ? v->usage : sc_pcx_usage(st->verb);

	if (usage == NULL) {
		snprintf(why, why_size, "unknown step %s", st->verb);
		return false;
	}
	return sc_usage_check(usage, st, why, why_size);
}

bool sc_step_changes_platform(const sc_step *st)
{
	const char *pin = sc_step_get(st, "pin_seconds");

	/* a card login with a PIN dialog of N seconds moves the platform's clock on by N */
	return strncmp(st->verb, "clock.", 6) == 0 || strcmp(st->verb, "net.forbid") == 0 ||
	       (pin != NULL && atol(pin) > 0);
}

bool sc_step_needs_test_control(const sc_step *st)
{
	const verb *v = verb_of(st->verb);
	return (v != NULL && v->test_control) || sc_pcx_needs_test_control(st->verb);
}

void sc_vocabulary_print(FILE *out)
{
	for (size_t i = 0; i < N_VERBS; i++)
		fprintf(out, "  %-15s %-40s %s%s\n", vocabulary[i].name, vocabulary[i].usage,
		        vocabulary[i].meaning, vocabulary[i].test_control ? " [test control]" : "");
	sc_pcx_vocabulary_print(out);
	fprintf(out, "  WHERE: phone.page phone.error phone.prompt pc.page\n");
}

sc_world *sc_world_new(const sc_world_config *cfg)
{
	sc_world *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->cfg = *cfg;
	if ((w->ca = au_web_new(NULL)) == NULL ||
	    (cfg->tls_ca != NULL && au_web_set_ca_file(w->ca, cfg->tls_ca) != AU_WEB_OK) ||
	    (w->pcx = sc_pcx_new(w, cfg)) == NULL) {
		sc_world_free(w);
		return NULL;
	}
	return w;
}

void sc_world_free(sc_world *w)
{
	if (w == NULL)
		return;
	for (size_t i = 0; i < w->n_phones; i++)
		au_phone_close(&w->phones[i].phone);
	for (size_t i = 0; i < w->n_pcs; i++)
		au_pc_close(&w->pcs[i].pc);
	sc_pcx_free(w->pcx);
	au_web_free(w->ca);
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

static sc_status run_step(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const verb *v = verb_of(st->verb);
	const missing *m = step_lacks(w, st);

	if (v == NULL && !sc_pcx_known(st->verb))
		return sc_result(out, SC_ERROR, "unknown step %s", st->verb);
	if (!w->cfg.test_control && sc_step_needs_test_control(st))
		return leave_out(w, st, out);
	if (m != NULL)
		return sc_result(out, SC_SKIP,
		                 "%s needs %s, which the setup's %s (line %d) makes through the "
		                 "platform's test control",
		                 st->verb, m->sym, m->verb, m->line);
	out->status = v != NULL ? v->fn(w, st, out) : sc_pcx_step(w->pcx, st, out);
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
		const char *v = value_of(w, st->value[i]);
		fprintf(f, " %s%s%s", st->key[i] ? st->key[i] : "", st->key[i] ? "=" : "",
		        v ? v : st->value[i]);
	}
	fprintf(f, " -> %s%s%s\n",
	        out->status == SC_PASS   ? "ok"
	        : out->status == SC_SKIP ? "skip"
	                                 : "FAILED",
	        out->detail[0] ? ": " : "", out->detail);
	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		const seen *s = seen_at(w, places[i]);
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
			control_ok(w, "users/enabled",
			           json_pack("{s:s, s:b}", "name", w->users[i].id, "enabled", 0),
			           &ignored);
	sc_pcx_cleanup(w->pcx);
	if (w->networks_before != NULL)
		control_ok(w, "forbidden-networks",
		           json_pack("{s:O}", "networks", w->networks_before), &ignored);
	if (w->clock_changed)
		control_ok(w, "clock", json_pack("{s:I}", "offset_seconds", w->clock_before),
		           &ignored);
}

void sc_world_user_created(sc_world *w, const char *sym)
{
	named_user *u = user_of(w, sym);

	if (u != NULL)
		u->created = true;
}

/* ---- hooks for the PC side (world_pc.c) ---- */

au_pc *sc_world_pc_browser(sc_world *w, const char *sym)
{
	named_pc *c = pc_of(w, sym);
	return c ? &c->pc : NULL;
}

void sc_world_saw(sc_world *w, const char *where, long status, const char *text, const char *kind)
{
	seen *s = (seen *)seen_at(w, where);

	if (s == NULL)
		return;
	*s = (seen){.status = status, .any = text != NULL, .step = w->step};
	snprintf(s->text, sizeof(s->text), "%s", text ? text : "");
	snprintf(s->kind, sizeof(s->kind), "%s", kind ? kind : "");
}

bool sc_world_name_user(sc_world *w, const char *sym, const char *id)
{
	named_user *u = user_of(w, sym);

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
	named_user *u = user_of(w, sym);
	return u ? u->id : NULL;
}
