/* The phones: a new one, its settings and remedies, and what its user does in its browser. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/keyring.h"
#include "scenarios/textcut.h"
#include "scenarios/world_impl.h"

static const char *or_root(const char *s)
{
	return s ? s : "/";
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

sc_status step_phone_new(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const char *sym = sc_step_word(st, 0), *persona = sc_step_get(st, "persona");
	char path[4096], why[600];
	named_phone *p;

	if (sym == NULL || persona == NULL || strlen(sym) >= SYM_MAX || world_phone(w, sym))
		return sc_result(out, SC_ERROR, "phone.new NAME persona=PERSONA (a new name)");
	if (w->n_phones == MAX_ACTORS)
		return sc_result(out, SC_ERROR, "at most %d phones", MAX_ACTORS);
	snprintf(path, sizeof(path), "%s/%s.device", w->cfg.workdir, sym);
	p = &w->phones[w->n_phones];
	if (au_phone_create(&p->phone, w->cfg.phone_env, persona,
	                    sc_keyring_attestation(w->cfg.keys), path, why, sizeof(why)) != AU_OK) {
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

sc_status step_phone_set(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_phone *p = world_phone_step(w, st, out);

	return p ? apply_settings(p, st, NULL, out) : out->status;
}

sc_status step_phone_remedy(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_phone *p = world_phone_step(w, st, out);
	const char *action = sc_step_word(st, 1), *why = NULL;

	if (p == NULL)
		return out->status;
	if (action == NULL)
		return sc_result(out, SC_ERROR, "phone.remedy PHONE ACTION [ARG]");
	if (au_phone_remedy(&p->phone, action, sc_step_word(st, 2), &why) != AU_OK)
		return sc_result(out, SC_ERROR, "remedy %s: %s", action, why ? why : "failed");
	return SC_PASS;
}

/* Whether the page is where a Keycloak login ends: the client's redirect URI with a code. */
static bool keycloak_logged_in(const sc_world *w, const au_page *page)
{
	const char *url = page ? au_page_url(page) : NULL;
	size_t n = w->cfg.done_url ? strlen(w->cfg.done_url) : 0;

	return n > 0 && url != NULL && strncmp(url, w->cfg.done_url, n) == 0 &&
	       (strstr(url + n, "?code=") != NULL || strstr(url + n, "&code=") != NULL);
}

/* Keycloak's execute-actions links go on from an info page ("Click here to proceed") whose
 * link is the same action path with the session's own token. */
#define KEYCLOAK_ACTION_TOKEN_PATH "/login-actions/action-token?key="

/* Whether the page is where a Keycloak required action (a passkey registered) ends: the info
 * page (info.ftl, #kc-info-message) answering the action's post, with no action to go on to. */
static bool keycloak_action_done(const sc_world *w, const au_page *page)
{
	size_t len = 0;
	const char *url = page ? au_page_url(page) : NULL;
	const char *html = page ? au_page_html(page, &len) : NULL;

	return w->cfg.done_url != NULL && url != NULL && html != NULL &&
	       strstr(url, "/login-actions/required-action") != NULL &&
	       au_page_attr(page, "kc-info-message", "id") != NULL &&
	       strstr(html, KEYCLOAK_ACTION_TOKEN_PATH) == NULL;
}

/* Records what the phone's user saw at the end of a visit. */
static void saw_visit(sc_world *w, named_phone *p, const au_phone_visit *v)
{
	au_os *os = &p->phone.os;
	size_t n = 0;

	world_keep_page(w, &w->phone_served, v->page);
	w->phone_page =
	        (seen){.status = v->status, .any = true, .blank = v->blank, .step = w->step};
	if (v->page != NULL)
		sc_text_copy(w->phone_page.url, sizeof(w->phone_page.url), au_page_url(v->page));
	snprintf(w->phone_page.text, sizeof(w->phone_page.text), "%.255s\n%.2047s", v->title,
	         v->net_error[0] ? v->net_error : v->text);
	snprintf(w->phone_page.kind, sizeof(w->phone_page.kind), "%s",
	         keycloak_logged_in(w, v->page)     ? "logged-in"
	         : keycloak_action_done(w, v->page) ? "done"
	                                            : v->kind);
	w->phone_error = (seen){.any = v->error[0] != '\0', .step = w->step};
	snprintf(w->phone_error.text, sizeof(w->phone_error.text), "%s", v->error);
	w->phone_prompt = (seen){
	        .any = os->n_prompts > 0, .qr = au_os_showed(os, "hybrid-qr"), .step = w->step};
	for (size_t i = 0; i < os->n_prompts && n < sizeof(w->phone_prompt.text) - 1; i++)
		n += (size_t)snprintf(w->phone_prompt.text + n, sizeof(w->phone_prompt.text) - n,
		                      "%s\n", os->prompts[i]);
}

typedef enum visit_kind { VISIT_URL, VISIT_BACK, VISIT_RELOAD, VISIT_RESUBMIT } visit_kind;

/* The page's "proceed" link to an action token (&amp; undone), "" none. */
static void keycloak_proceed_link(const au_page *page, char *url, size_t size)
{
	size_t len = 0;
	const char *html = page ? au_page_html(page, &len) : NULL;
	const char *at = html ? strstr(html, KEYCLOAK_ACTION_TOKEN_PATH) : NULL;
	const char *start = at, *end;
	size_t n = 0;

	url[0] = '\0';
	while (start != NULL && start > html && start[-1] != '"')
		start--;
	if (start == NULL || start == html || strncmp(start, "http", 4) != 0)
		return;
	end = start + strcspn(start, "\"");
	for (const char *c = start; c < end && n + 1 < size; c++) {
		url[n++] = *c;
		if (strncmp(c, "&amp;", 5) == 0)
			c += 4;
	}
	url[n] = '\0';
}

/* The phone opens url (VISIT_URL), goes back, or loads the page again, and goes on as its
 * user; what it saw is recorded, and (proceed not NULL) the link an info page offers to go
 * on with an action. */
static sc_status browse_page(sc_world *w, named_phone *p, visit_kind kind, const char *url,
                             const au_phone_input *in, char *proceed, size_t proceed_size,
                             sc_outcome *out)
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
	if (proceed != NULL)
		keycloak_proceed_link(v.page, proceed, proceed_size);
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

static sc_status browse(sc_world *w, named_phone *p, visit_kind kind, const char *url,
                        const au_phone_input *in, sc_outcome *out)
{
	return browse_page(w, p, kind, url, in, NULL, 0, out);
}

static sc_status visit(sc_world *w, named_phone *p, const char *url, const au_phone_input *in,
                       sc_outcome *out)
{
	char proceed[4096];

	if (!world_is_keycloak(w))
		return browse(w, p, VISIT_URL, url, in, out);
	/* Keycloak: a mailed action link first shows an info page; its user clicks "proceed" */
	if (browse_page(w, p, VISIT_URL, url, in, proceed, sizeof(proceed), out) != SC_PASS)
		return out->status;
	return proceed[0] != '\0' ? browse(w, p, VISIT_URL, proceed, in, out) : SC_PASS;
}

/* The Back button, and the user goes on from the page shown again (2.20, 2.12). */
sc_status step_phone_back(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_phone *p = world_phone_step(w, st, out);
	const char *who = sc_step_get(st, "username");
	named_user *u = world_user(w, who);
	au_phone_input in = {.label = sc_step_get(st, "label"), .username = u ? u->id : who};

	if (p == NULL)
		return out->status;
	if (p->phone.n_history < 2)
		return sc_result(out, SC_ERROR,
		                 "phone.back: the browser has no page to go back to");
	return browse(w, p, VISIT_BACK, NULL, &in, out);
}

/* The browser loads the page's URL again with GET (a restored tab) (2.20: a wrong request). */
sc_status step_phone_reload(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_phone *p = world_phone_step(w, st, out);
	au_phone_input in = {0};

	if (p == NULL)
		return out->status;
	if (p->phone.n_history == 0)
		return sc_result(out, SC_ERROR, "phone.reload: the browser has shown no page yet");
	return browse(w, p, VISIT_RELOAD, NULL, &in, out);
}

/* The browser posts its last form again (a form sent twice, a retry) (2.20). */
sc_status step_phone_resubmit(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_phone *p = world_phone_step(w, st, out);
	au_phone_input in = {0};

	if (p == NULL)
		return out->status;
	if (p->phone.post_url == NULL)
		return sc_result(out, SC_ERROR,
		                 "phone.resubmit: the browser has posted no form yet");
	return browse(w, p, VISIT_RESUBMIT, NULL, &in, out);
}

/* The user deletes the platform's passkeys in the phone's password manager (iPhone:
 * Settings → Passwords), all of them or the user's. */
sc_status step_phone_delete_passkey(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_phone *p = world_phone_step(w, st, out);
	const char *who = sc_step_word(st, 1);
	named_user *u = world_user(w, who);
	char rp[256];

	if (p == NULL)
		return out->status;
	if (who != NULL && u == NULL)
		return sc_result(out, SC_ERROR,
		                 "phone.delete-passkey PHONE [USER]: unknown user %s", who);
	world_rp_id(w, rp, sizeof(rp));
	if (au_phone_delete_passkeys(&p->phone, rp, u ? u->id : NULL) == 0)
		return sc_result(out, SC_ERROR,
		                 "phone.delete-passkey: the phone holds no such passkey");
	au_phone_save(&p->phone);
	return SC_PASS;
}

sc_status step_phone_login(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_phone *p = world_phone_step(w, st, out);
	const char *who = sc_step_word(st, 1);
	named_user *u = world_user(w, who);
	char url[2048];
	au_phone_input in = {.username = u ? u->id : who ? who : ""};

	if (p == NULL)
		return out->status;
	if (w->cfg.login_url != NULL)
		snprintf(url, sizeof(url), "%s", w->cfg.login_url);
	else
		world_url(w, "/login", url, sizeof(url));
	return visit(w, p, url, &in, out);
}

sc_status step_phone_open(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_phone *p = world_phone_step(w, st, out);
	const char *ref = world_value(w, sc_step_word(st, 1)), *who = sc_step_get(st, "username");
	named_user *u = world_user(w, who);
	au_phone_input in = {.label = sc_step_get(st, "label"), .username = u ? u->id : who};
	char url[4096];

	if (p == NULL)
		return out->status;
	if (ref == NULL || ref[0] == '\0')
		return sc_result(out, SC_ERROR, "phone.open PHONE URL|$VAR: no such URL");
	world_url(w, ref, url, sizeof(url));
	return visit(w, p, url, &in, out);
}

/* Keycloak: the user opens the execute-actions link the administrator mailed, proceeds from
 * its info page, and registers on the required action's page; done when the CA lists one
 * more passkey of the user. */
static sc_status keycloak_register(sc_world *w, named_phone *p, named_user *u, const char *url,
                                   const au_phone_input *in, sc_outcome *out)
{
	json_t *before, *after;
	size_t had;

	if ((before = world_devices(w, u, out)) == NULL)
		return out->status;
	had = json_array_size(before);
	json_decref(before);
	if (visit(w, p, url, in, out) != SC_PASS)
		return out->status;
	if ((after = world_devices(w, u, out)) == NULL)
		return out->status;
	if (json_array_size(after) <= had) {
		json_decref(after);
		return sc_result(out, SC_ERROR, "registration did not finish: %s",
		                 w->phone_page.text);
	}
	json_decref(after);
	return SC_PASS;
}

/* Setup's shortcut: the CA has the user set up the phone (the mock: a registration QR; a
 * Keycloak: the mailed execute-actions link) and the phone registers with it. */
sc_status step_phone_register(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_phone *p = world_phone_step(w, st, out);
	named_user *u = world_user(w, sc_step_word(st, 1));
	named_var *v = world_var(w, "_registration", true);
	au_phone_input in = {.label = sc_step_get(st, "label")};
	json_t *a;
	char url[4096];

	if (p == NULL)
		return out->status;
	if (u == NULL || v == NULL)
		return sc_result(out, SC_ERROR, "phone.register PHONE USER (ca.user first)");
	if ((a = sc_world_control(w, SC_CTL_DEVICE_SETUP_LINK, json_pack("{s:s}", "user", u->id),
	                          out)) == NULL)
		return out->status;
	world_url(w, or_root(json_string_value(json_object_get(a, "url"))), url, sizeof(url));
	json_decref(a);
	/* Keycloak refuses a second passkey of a user under a label the user already has
	 * ("Device already exists with the same name"): each phone's user names it after it. */
	if (world_is_keycloak(w) && in.label == NULL)
		in.label = p->sym;
	if (world_is_keycloak(w))
		return keycloak_register(w, p, u, url, &in, out);
	if (visit(w, p, url, &in, out) != SC_PASS)
		return out->status;
	if (strcmp(w->phone_page.kind, "done") != 0)
		return sc_result(out, SC_ERROR, "registration did not finish: %s",
		                 w->phone_page.text);
	return SC_PASS;
}
