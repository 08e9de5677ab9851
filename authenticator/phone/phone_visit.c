/* The phone's browser on the platform's pages, as its user goes through them. */
#include "authenticator/phone/phone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authenticator/phone/keycloak_form.h"
#include "authenticator/phone/phone_impl.h"
#include "authenticator/web/keycloak_page.h"

#define VISIT_MAX_PAGES 8 /* a user gives up long before; stops a page loop */

void au_phone_visit_reset(au_phone_visit *v)
{
	au_page_free(v->page);
	memset(v, 0, sizeof(*v));
}

void au_phone_jar_path(const au_phone *p, char *jar, size_t size)
{
	if (strcmp(au_phone_browser_name(p), p->dev.settings.persona) == 0)
		snprintf(jar, size, "%s.cookies", p->device_path);
	else
		snprintf(jar, size, "%s.%s.cookies", p->device_path, au_phone_browser_name(p));
}

static au_err open_browser(au_phone *p, au_phone_visit *out)
{
	char jar[sizeof(p->device_path) + 96];

	if (p->web != NULL)
		return AU_OK;
	/* The browser's site data lives beside the device file ("clear site data" removes it). */
	au_phone_jar_path(p, jar, sizeof(jar));
	if ((p->web = au_web_new(jar)) == NULL) {
		snprintf(out->net_error, sizeof(out->net_error),
		         "%.200s: cookie jar cannot be read", jar);
		return AU_ERR_IO;
	}
	au_web_set_cookies(p->web, p->dev.settings.cookies);
	if (au_web_set_source_address(p->web, p->dev.settings.source_address) != AU_WEB_OK) {
		snprintf(out->net_error, sizeof(out->net_error), "source address %s refused",
		         p->dev.settings.source_address);
		return AU_ERR_SETTING_VALUE;
	}
	if (p->ca_file[0] != '\0' && au_web_set_ca_file(p->web, p->ca_file) != AU_WEB_OK) {
		snprintf(out->net_error, sizeof(out->net_error), "%.200s: CA cannot be read",
		         p->ca_file);
		return AU_ERR_IO;
	}
	return AU_OK;
}

au_err au_phone_trust_ca(au_phone *p, const char *ca_file)
{
	if (ca_file != NULL && strlen(ca_file) >= sizeof(p->ca_file))
		return AU_ERR_SETTING_VALUE;
	snprintf(p->ca_file, sizeof(p->ca_file), "%s", ca_file ? ca_file : "");
	au_phone_close_browser(p);
	return AU_OK;
}

void au_phone_close_browser(au_phone *p)
{
	au_web_free(p->web);
	p->web = NULL;
}

/* Shows html (of url, with status) as the current page. */
static au_err show_page(const char *html, size_t len, const char *url, long status,
                        au_phone_visit *out)
{
	au_page_free(out->page);
	out->page = NULL;
	out->status = status;
	if (au_page_parse(html, len, url, &out->page) != AU_WEB_OK) {
		snprintf(out->net_error, sizeof(out->net_error), "%.200s: the page cannot be read",
		         url);
		return AU_ERR_NETWORK;
	}
	return AU_OK;
}

/* Takes the answer as the current page; AU_ERR_NETWORK on a transport failure. */
static au_err take_page(au_phone *p, au_web_err e, au_web_response *r, au_phone_visit *out)
{
	au_page_free(out->page);
	out->page = NULL;
	if (e != AU_WEB_OK) {
		snprintf(out->net_error, sizeof(out->net_error), "%.80s (%.200s)", au_web_strerr(e),
		         r->error);
		return AU_ERR_NETWORK;
	}
	au_phone_history_push(p, r->url, r->body, r->body_len, r->status);
	return show_page(r->body, r->body_len, r->url, r->status, out);
}

/* scheme://host[:port] of url, as the browser names the page's origin. */
static void origin_of(const char *url, char *origin, size_t size)
{
	const char *p = strstr(url, "://");
	size_t n = p ? (size_t)(p + 3 - url) + strcspn(p + 3, "/?#") : 0;

	if (n >= size)
		n = 0;
	memcpy(origin, url, n);
	origin[n] = '\0';
}

/*
 * What a WebAuthn page's script does once its button is pressed: no PublicKeyCredential →
 * post its unsupported-browser text (errmsg); otherwise run the ceremony with the parameters
 * the script holds and post Keycloak's fields, or only error = "Name: message".
 */
static au_err run_script(au_phone *p, au_page *page, au_form *f, bool create,
                         const au_phone_input *in, au_phone_visit *out)
{
	au_phone_ceremony c = {0};
	char origin[512];
	json_t *opts = NULL, *fields;
	const char *key, *missing = NULL;
	json_t *v;
	au_kc_err ke;
	au_err e;

	if (au_phone_browser_precheck(&p->browser, &p->dev.settings) == AU_FAIL_NO_WEBAUTHN) {
		const char *text = au_page_script_value(page, "errmsg");
		snprintf(out->error, sizeof(out->error), "%s", text ? text : "");
		au_form_set(f, "error", out->error);
		return AU_OK;
	}
	ke = create ? au_kc_creation_options(page, &opts, &missing)
	            : au_kc_request_options(page, &opts, &missing);
	if (ke != AU_KC_OK) {
		snprintf(out->net_error, sizeof(out->net_error), "%.160s: %.80s%s%.40s",
		         au_page_url(page), au_kc_strerr(ke), missing ? ": " : "",
		         missing ? missing : "");
		return ke == AU_KC_ERR_NOMEM ? AU_ERR_NOMEM : AU_ERR_OPTIONS_JSON;
	}
	if (in->origin != NULL)
		snprintf(origin, sizeof(origin), "%s", in->origin);
	else
		origin_of(au_page_url(page), origin, sizeof(origin));
	e = au_phone_ceremony_run(p, create, opts, origin, &c);
	json_decref(opts);
	if (e != AU_OK) {
		snprintf(out->net_error, sizeof(out->net_error), "%.180s: WebAuthn options: %.80s",
		         au_page_url(page), au_strerr(e));
		return e;
	}
	out->ceremonies++;
	if (c.failure != AU_FAIL_NONE) {
		snprintf(out->error, sizeof(out->error), "%s", c.error);
		au_form_set(f, "error", c.error);
		au_phone_ceremony_reset(&c);
		return AU_OK;
	}
	/* Keycloak asks the label with window.prompt; Cancel keeps the page's default. */
	const char *label = in->label ? in->label : au_page_script_value(page, "initLabel");
	fields = au_keycloak_form(c.response, create ? (label ? label : "") : NULL);
	json_object_foreach(fields, key, v) au_form_set(f, key, json_string_value(v));
	json_decref(fields);
	au_phone_ceremony_reset(&c);
	return AU_OK;
}

/*
 * Whether the platform's page scripts run in this browser: JavaScript on, and
 * neither a content blocker / filtering app nor the carrier's filtering service
 * stopping the platform's hosts (manual 2.16). The phone only ever visits the
 * platform, so "the platform's hosts" is every page it loads.
 */
static bool scripts_run(const au_phone *p)
{
	const au_settings *s = &p->dev.settings;

	return s->javascript && !s->content_blocker && !s->carrier_filter;
}

static void describe(au_phone_visit *out)
{
	const char *title, *text, *kind;

	if (out->page == NULL)
		return;
	title = au_page_title(out->page);
	text = au_page_feedback(out->page);
	kind = au_page_attr(out->page, "kc-content", "class");
	snprintf(out->title, sizeof(out->title), "%s", title ? title : "");
	snprintf(out->text, sizeof(out->text), "%s", text ? text : au_page_text(out->page));
	snprintf(out->kind, sizeof(out->kind), "%s", kind ? kind : "");
	/* What is on the screen: the body as rendered (the title is the tab's, not the page's).
	 * A page whose script never ran shows what it holds outside the script's reach. */
	out->blank = out->net_error[0] == '\0' && au_page_text(out->page)[0] == '\0';
}

/* From the current page on as a user would: the Username form filled and sent, a WebAuthn
 * page's button pressed; each kind of page at most once, so a page that comes back with an
 * error ends the visit. Error pages are read, not acted on (Try again is the user's choice). */
static au_err go_on(au_phone *p, const au_phone_input *in, au_err e, au_phone_visit *out)
{
	static const au_phone_input none = {0};
	bool done[AU_KC_PAGE__COUNT] = {false};
	au_web_response r = {0};

	if (in == NULL)
		in = &none;
	for (int step = 0; e == AU_OK && step < VISIT_MAX_PAGES; step++) {
		au_kc_page kind = au_kc_page_of(out->page);
		au_form *f = au_kc_page_form(out->page, kind);

		if (kind != AU_KC_PAGE_USERNAME && kind != AU_KC_PAGE_WEBAUTHN_AUTHENTICATE &&
		    kind != AU_KC_PAGE_WEBAUTHN_REGISTER)
			break;
		/* No button, nothing to press; without its scripts a page's button does nothing. */
		if (done[kind] || f == NULL || au_kc_page_button(out->page, kind) == NULL ||
		    (!scripts_run(p) && au_page_has_script(out->page)))
			break;
		done[kind] = true;
		if (kind == AU_KC_PAGE_USERNAME && in->username != NULL)
			au_form_set(f, "username", in->username);
		else if (kind != AU_KC_PAGE_USERNAME &&
		         (e = run_script(p, out->page, f, kind == AU_KC_PAGE_WEBAUTHN_REGISTER, in,
		                         out)) != AU_OK)
			break;
		au_web_response_reset(&r);
		au_phone_post_remember(p, f);
		/* Keycloak's login form disables its button on submit: no submitter is sent. */
		e = take_page(p, au_form_submit(p->web, f, NULL, &r), &r, out);
	}
	au_web_response_reset(&r);
	describe(out);
	return e;
}

/* Loads url (a GET, or the browser's last form posted again when post), takes the answer as
 * the current page and goes on from it as the user. */
static au_err load(au_phone *p, const char *url, bool post, const au_phone_input *in,
                   au_phone_visit *out)
{
	au_web_response r = {0};
	au_err e;

	if ((e = open_browser(p, out)) != AU_OK)
		return e;
	e = take_page(p,
	              post ? au_web_post_form(p->web, url, (const char *const(*)[2])p->post,
	                                      p->n_post, &r)
	                   : au_web_get(p->web, url, &r),
	              &r, out);
	au_web_response_reset(&r);
	return go_on(p, in, e, out);
}

au_err au_phone_visit_url(au_phone *p, const char *url, const au_phone_input *in,
                          au_phone_visit *out)
{
	memset(out, 0, sizeof(*out));
	return load(p, url, false, in, out);
}

au_err au_phone_back(au_phone *p, const au_phone_input *in, au_phone_visit *out)
{
	au_phone_page *prev;
	au_err e;

	memset(out, 0, sizeof(*out));
	if (p->n_history < 2) {
		snprintf(out->net_error, sizeof(out->net_error), "no page to go back to");
		return AU_ERR_NO_HISTORY;
	}
	if ((e = open_browser(p, out)) != AU_OK)
		return e;
	/* The current page leaves the history; the one before is shown again as it came. */
	au_phone_history_pop(p);
	prev = &p->history[p->n_history - 1];
	e = show_page(prev->html, prev->len, prev->url, prev->status, out);
	return go_on(p, in, e, out);
}

au_err au_phone_resubmit(au_phone *p, const au_phone_input *in, au_phone_visit *out)
{
	memset(out, 0, sizeof(*out));
	if (p->post_url == NULL) {
		snprintf(out->net_error, sizeof(out->net_error), "no form posted yet");
		return AU_ERR_NO_HISTORY;
	}
	return load(p, p->post_url, true, in, out);
}

au_err au_phone_reload(au_phone *p, const au_phone_input *in, au_phone_visit *out)
{
	char *url;
	au_err e;

	memset(out, 0, sizeof(*out));
	if (p->n_history == 0) {
		snprintf(out->net_error, sizeof(out->net_error), "no page to load again");
		return AU_ERR_NO_HISTORY;
	}
	if ((url = strdup(p->history[p->n_history - 1].url)) == NULL)
		return AU_ERR_NOMEM;
	e = au_phone_visit_url(p, url, in, out);
	free(url);
	return e;
}
