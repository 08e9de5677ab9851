#include "authenticator/phone.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "authenticator/attest.h"
#include "authenticator/fido_glue.h"
#include "authenticator/keycloak_form.h"

#define VISIT_MAX_PAGES 8 /* a user gives up long before; stops a page loop */

static void set_why(char *why, size_t size, const char *what, const char *detail)
{
	if (why != NULL && size > 0)
		snprintf(why, size, "%s: %s", what, detail);
}

static au_os_family os_family(const au_persona *p)
{
	return p->os_family == AU_PERSONA_OS_IOS       ? AU_OS_IOS
	       : p->os_family == AU_PERSONA_OS_ANDROID ? AU_OS_ANDROID
	                                               : AU_OS_DESKTOP;
}

/* The persona name of the default browser: the phone's own when none is set. */
static const char *browser_name(const au_phone *p)
{
	return p->dev.settings.default_browser[0] ? p->dev.settings.default_browser
	                                          : p->dev.settings.persona;
}

/* Loads the default browser's persona into p->browser (replacing it only on success). */
static au_err load_browser(au_phone *p, const char *name, const char **why)
{
	au_persona b;
	au_err e = au_persona_load(p->persona_dir, name, &b);

	*why = NULL;
	if (e != AU_OK) {
		*why = "no such browser persona";
		return e == AU_ERR_PERSONA_UNKNOWN ? AU_ERR_SETTING_VALUE : e;
	}
	if (b.os_family != p->persona.os_family) {
		au_persona_free(&b);
		*why = "a browser of another OS family than the phone's";
		return AU_ERR_SETTING_VALUE;
	}
	au_persona_free(&p->browser);
	p->browser = b;
	return AU_OK;
}

au_err au_phone_open(au_phone *p, const au_phone_env *env, const char *device_path,
                     const char *event_log, char *why, size_t why_size)
{
	const char *bad;
	au_err e;

	memset(p, 0, sizeof(*p));
	if (strlen(device_path) >= sizeof(p->device_path) ||
	    strlen(env->persona_dir) >= sizeof(p->persona_dir) ||
	    strlen(env->prompts_file) >= sizeof(p->prompts_file)) {
		set_why(why, why_size, "device file", "path too long");
		return AU_ERR_IO;
	}
	strcpy(p->device_path, device_path);
	strcpy(p->persona_dir, env->persona_dir);
	strcpy(p->prompts_file, env->prompts_file);
	if ((e = au_device_load(&p->dev, device_path)) != AU_OK) {
		set_why(why, why_size, device_path, au_strerr(e));
		return e;
	}
	if ((e = au_persona_load(env->persona_dir, p->dev.settings.persona, &p->persona)) !=
	    AU_OK) {
		set_why(why, why_size, p->dev.settings.persona,
		        p->persona.why[0] ? p->persona.why : au_strerr(e));
		return e;
	}
	if ((e = load_browser(p, browser_name(p), &bad)) != AU_OK) {
		set_why(why, why_size, browser_name(p), bad);
		return e;
	}
	if (event_log != NULL && (p->log_file = fopen(event_log, "a")) == NULL) {
		set_why(why, why_size, event_log, "event log cannot be opened");
		return AU_ERR_IO;
	}
	p->log = (au_eventlog){.out = p->log_file, .clock = env->clock};
	if ((e = au_os_init(&p->os, env->prompts_file, os_family(&p->persona),
	                    atoi(p->persona.os_version), &p->log)) != AU_OK) {
		set_why(why, why_size, env->prompts_file, au_strerr(e));
		return e;
	}
	/* The persona file, not the OS version, says whether AutoFill can block passkeys. */
	p->os.autofill_setting = p->persona.autofill_passkeys_off != AU_FAIL_NONE;
	au_ctap_init(&p->ctap, &p->dev, env->clock, au_os_on_event, &p->os);
	if ((p->hid = au_hid_new(&p->ctap)) == NULL || au_fido_open(p->hid, &p->fido) != FIDO_OK) {
		set_why(why, why_size, device_path, "the simulated authenticator did not open");
		return AU_ERR_INTERNAL;
	}
	return AU_OK;
}

static void history_clear(au_phone *p)
{
	for (size_t i = 0; i < p->n_history; i++) {
		free(p->history[i].url);
		free(p->history[i].html);
	}
	memset(p->history, 0, sizeof(p->history));
	p->n_history = 0;
}

static void post_clear(au_phone *p)
{
	for (size_t i = 0; i < p->n_post; i++) {
		free(p->post[i][0]);
		free(p->post[i][1]);
	}
	free(p->post);
	free(p->post_url);
	p->post = NULL;
	p->post_url = NULL;
	p->n_post = 0;
}

/* Remembers what form f posts (the browser can send it again). */
static void post_remember(au_phone *p, const au_form *f)
{
	const char *(*fields)[2] = NULL;
	size_t n = 0;

	post_clear(p);
	if (f->action == NULL || strcmp(f->method, "post") != 0 ||
	    au_form_entries(f, NULL, &fields, &n) != AU_WEB_OK)
		return;
	if ((p->post_url = strdup(f->action)) == NULL ||
	    (p->post = calloc(n ? n : 1, sizeof(*p->post))) == NULL) {
		free(fields);
		post_clear(p);
		return;
	}
	for (; p->n_post < n; p->n_post++) {
		p->post[p->n_post][0] = strdup(fields[p->n_post][0]);
		p->post[p->n_post][1] = strdup(fields[p->n_post][1] ? fields[p->n_post][1] : "");
		if (p->post[p->n_post][0] == NULL || p->post[p->n_post][1] == NULL) {
			p->n_post++;
			free(fields);
			post_clear(p);
			return;
		}
	}
	free(fields);
}

void au_phone_close(au_phone *p)
{
	post_clear(p);
	history_clear(p);
	au_web_free(p->web);
	au_fido_close(&p->fido);
	au_hid_free(p->hid);
	au_os_free(&p->os);
	if (p->log_file != NULL)
		fclose(p->log_file);
	au_persona_free(&p->browser);
	au_persona_free(&p->persona);
	au_device_free(&p->dev);
	memset(p, 0, sizeof(*p));
}

au_err au_phone_save(au_phone *p)
{
	au_err e = AU_OK;

	if (p->changed && (e = au_device_save(&p->dev, p->device_path)) == AU_OK)
		p->changed = false;
	if (p->web != NULL && au_web_save(p->web) != AU_WEB_OK && e == AU_OK)
		e = AU_ERR_IO;
	return e;
}

/* The browser's own refusals before any authenticator is asked. AU_FAIL_NO_WEBAUTHN: the
 * page finds no PublicKeyCredential (no WebAuthn, or iOS 17 with iCloud Keychain off). */
static au_failure browser_precheck(const au_persona *p, const au_settings *s)
{
	if (!p->webauthn)
		return AU_FAIL_NO_WEBAUTHN;
	if (p->os_family == AU_PERSONA_OS_IOS && !p->web_browser_entitlement)
		return AU_FAIL_NO_ENTITLEMENT;
	/* With another authenticator app as the passkey provider, that app takes the ceremony
	 * whatever iCloud Keychain is: the OS decides (au_os_before_create, manual 2.22). */
	if (!s->icloud_keychain && !s->third_party_authenticator &&
	    p->icloud_keychain_off != AU_FAIL_NONE)
		return p->icloud_keychain_off;
	return AU_FAIL_NONE;
}

static void fail(au_phone *p, au_failure f, const char *detail, const char *op,
                 au_phone_ceremony *out)
{
	char name[64], message[512];

	out->failure = f;
	snprintf(out->detail, sizeof(out->detail), "%s", detail);
	au_os_on_failure(&p->os, f);
	if (au_persona_error(&p->browser, f, op, name, sizeof(name), message, sizeof(message)) !=
	    AU_OK) {
		snprintf(name, sizeof(name), "%s", "Error");
		snprintf(message, sizeof(message), "%s", au_failure_name(f));
	}
	snprintf(out->error, sizeof(out->error), "%s: %s", name, message);
	au_eventlog_write(&p->log, "browser", au_failure_name(f), detail);
	au_eventlog_write(&p->log, "browser", "exception", out->error);
}

au_err au_phone_ceremony_run(au_phone *p, bool create, const json_t *options, const char *origin,
                             au_phone_ceremony *out)
{
	const char *op = create ? "create" : "get";
	const char *rp =
	        create ? json_string_value(json_object_get(json_object_get(options, "rp"), "id"))
	               : json_string_value(json_object_get(options, "rpId"));
	const json_t *allow = json_object_get(options, "allowCredentials");
	au_client_result res = {0};
	au_failure f;
	au_err e;

	memset(out, 0, sizeof(*out));
	au_os_begin(&p->os, &p->dev.settings, rp, !create, json_array_size(allow) > 0);
	if ((f = browser_precheck(&p->browser, &p->dev.settings)) != AU_FAIL_NONE) {
		fail(p, f, "refused by the browser", op, out);
		return AU_OK;
	}
	if (create && au_os_before_create(&p->os)) {
		fail(p, AU_FAIL_CANCELLED, "the OS did not create a passkey", op, out);
		return AU_OK;
	}
	e = create ? au_client_create(p->fido, options, origin, &res)
	           : au_client_get(p->fido, options, origin, &res);
	if (e != AU_OK) {
		au_client_result_reset(&res);
		return e;
	}
	if (res.failure != AU_FAIL_NONE) {
		fail(p, res.failure, res.detail, op, out);
	} else {
		out->response = res.response;
		res.response = NULL;
		p->changed = true;
		au_eventlog_write(&p->log, "browser", create ? "credential-created" : "assertion",
		                  origin);
	}
	au_client_result_reset(&res);
	return AU_OK;
}

void au_phone_ceremony_reset(au_phone_ceremony *c)
{
	json_decref(c->response);
	memset(c, 0, sizeof(*c));
}

/* ---- visiting pages ---- */

void au_phone_visit_reset(au_phone_visit *v)
{
	au_page_free(v->page);
	memset(v, 0, sizeof(*v));
}

/* Where the current browser keeps its site data: each browser app its own. */
static void jar_path(const au_phone *p, char *jar, size_t size)
{
	if (strcmp(browser_name(p), p->dev.settings.persona) == 0)
		snprintf(jar, size, "%s.cookies", p->device_path);
	else
		snprintf(jar, size, "%s.%s.cookies", p->device_path, browser_name(p));
}

static void close_browser(au_phone *p);

static au_err open_browser(au_phone *p, au_phone_visit *out)
{
	char jar[sizeof(p->device_path) + 96];

	if (p->web != NULL)
		return AU_OK;
	/* The browser's site data lives beside the device file ("clear site data" removes it). */
	jar_path(p, jar, sizeof(jar));
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
	close_browser(p);
	return AU_OK;
}

/* The browser closes (its site data written); the next visit opens it again. */
static void close_browser(au_phone *p)
{
	au_web_free(p->web);
	p->web = NULL;
}

/* A page as it came, on top of the history (the oldest goes when it is full). */
static void history_push(au_phone *p, const char *url, const char *html, size_t len, long status)
{
	au_phone_page pg = {.url = strdup(url ? url : ""),
	                    .html = malloc(len + 1),
	                    .len = len,
	                    .status = status};

	if (pg.url == NULL || pg.html == NULL) {
		free(pg.url);
		free(pg.html);
		return;
	}
	memcpy(pg.html, html, len);
	pg.html[len] = '\0';
	if (p->n_history == AU_PHONE_HISTORY) {
		free(p->history[0].url);
		free(p->history[0].html);
		memmove(&p->history[0], &p->history[1], (AU_PHONE_HISTORY - 1) * sizeof(pg));
		p->n_history--;
	}
	p->history[p->n_history++] = pg;
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
	history_push(p, r->url, r->body, r->body_len, r->status);
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
 * What the platform's WebAuthn page script does: no PublicKeyCredential →
 * post the unsupported-browser text; otherwise run the ceremony and post
 * Keycloak's fields, or only error = "Name: message".
 */
static au_err run_script(au_phone *p, au_page *page, au_form *f, bool create,
                         const au_phone_input *in, au_phone_visit *out)
{
	const char *options = au_page_data(page, "kc-webauthn-options", "webauthn-options");
	au_phone_ceremony c = {0};
	char origin[512];
	json_t *opts, *fields;
	const char *key;
	json_t *v;
	au_err e;

	if (browser_precheck(&p->browser, &p->dev.settings) == AU_FAIL_NO_WEBAUTHN) {
		const char *text = au_page_data(page, "kc-webauthn-options", "unsupported");
		snprintf(out->error, sizeof(out->error), "%s", text ? text : "");
		au_form_set(f, "error", out->error);
		return AU_OK;
	}
	if ((opts = json_loads(options ? options : "", 0, NULL)) == NULL) {
		snprintf(out->net_error, sizeof(out->net_error), "%.200s: no WebAuthn options",
		         au_page_url(page));
		return AU_ERR_OPTIONS_JSON;
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
	const char *label =
	        in->label ? in->label : au_page_data(page, "kc-webauthn-options", "label-default");
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

/* From the current page on as a user would: each form at most once, so a page that comes
 * back with an error ends the visit. */
static au_err go_on(au_phone *p, const au_phone_input *in, au_err e, au_phone_visit *out)
{
	static const au_phone_input none = {0};
	static const char *const forms[] = {"kc-form-login", "webauth", "register"};
	bool done[3] = {false, false, false};
	au_web_response r = {0};

	if (in == NULL)
		in = &none;
	for (int step = 0; e == AU_OK && step < VISIT_MAX_PAGES; step++) {
		au_form *f = NULL;
		size_t k;

		/* Without its scripts nothing on the page runs: the user sees it as it came. */
		if (!scripts_run(p) && au_page_has_script(out->page))
			break;
		for (k = 0; k < 3 && f == NULL; k++)
			if (!done[k] && (f = au_page_form(out->page, forms[k])) != NULL)
				break;
		if (f == NULL)
			break;
		done[k] = true;
		if (k == 0 && in->username != NULL)
			au_form_set(f, "username", in->username);
		else if (k > 0 && (e = run_script(p, out->page, f, k == 2, in, out)) != AU_OK)
			break;
		au_web_response_reset(&r);
		post_remember(p, f);
		e = take_page(p, au_form_submit(p->web, f, NULL, &r), &r, out);
	}
	au_web_response_reset(&r);
	describe(out);
	return e;
}

au_err au_phone_visit_url(au_phone *p, const char *url, const au_phone_input *in,
                          au_phone_visit *out)
{
	au_web_response r = {0};
	au_err e;

	memset(out, 0, sizeof(*out));
	if ((e = open_browser(p, out)) != AU_OK)
		return e;
	e = take_page(p, au_web_get(p->web, url, &r), &r, out);
	au_web_response_reset(&r);
	return go_on(p, in, e, out);
}

au_err au_phone_back(au_phone *p, const au_phone_input *in, au_phone_visit *out)
{
	au_phone_page *prev;
	au_err e;

	memset(out, 0, sizeof(*out));
	if (p->n_history < 2) {
		snprintf(out->net_error, sizeof(out->net_error), "no page to go back to");
		return AU_ERR_SETTING_VALUE;
	}
	if ((e = open_browser(p, out)) != AU_OK)
		return e;
	/* The current page leaves the history; the one before is shown again as it came. */
	p->n_history--;
	free(p->history[p->n_history].url);
	free(p->history[p->n_history].html);
	memset(&p->history[p->n_history], 0, sizeof(p->history[0]));
	prev = &p->history[p->n_history - 1];
	e = show_page(prev->html, prev->len, prev->url, prev->status, out);
	return go_on(p, in, e, out);
}

au_err au_phone_resubmit(au_phone *p, const au_phone_input *in, au_phone_visit *out)
{
	au_web_response r = {0};
	au_err e;

	memset(out, 0, sizeof(*out));
	if (p->post_url == NULL) {
		snprintf(out->net_error, sizeof(out->net_error), "no form posted yet");
		return AU_ERR_SETTING_VALUE;
	}
	if ((e = open_browser(p, out)) != AU_OK)
		return e;
	e = take_page(p,
	              au_web_post_form(p->web, p->post_url, (const char *const(*)[2])p->post,
	                               p->n_post, &r),
	              &r, out);
	au_web_response_reset(&r);
	return go_on(p, in, e, out);
}

au_err au_phone_reload(au_phone *p, const au_phone_input *in, au_phone_visit *out)
{
	char *url;
	au_err e;

	memset(out, 0, sizeof(*out));
	if (p->n_history == 0) {
		snprintf(out->net_error, sizeof(out->net_error), "no page to load again");
		return AU_ERR_SETTING_VALUE;
	}
	if ((url = strdup(p->history[p->n_history - 1].url)) == NULL)
		return AU_ERR_NOMEM;
	e = au_phone_visit_url(p, url, in, out);
	free(url);
	return e;
}

size_t au_phone_delete_passkeys(au_phone *p, const char *rp_id, const char *user_name)
{
	size_t gone = 0;

	for (size_t i = p->dev.n_credentials; i-- > 0;) {
		const au_credential *c = &p->dev.credentials[i];
		if (strcmp(c->rp_id, rp_id) != 0 ||
		    (user_name != NULL && strcmp(c->user_name, user_name) != 0))
			continue;
		au_device_remove_credential(&p->dev, i);
		gone++;
	}
	if (gone > 0) {
		p->changed = true;
		au_eventlog_write(&p->log, "os", "passkeys-deleted", rp_id);
	}
	return gone;
}

/* ---- a new phone ---- */

static au_err load_ca(const char *dir, X509 **cert, EVP_PKEY **key, char *why, size_t size)
{
	char path[4096];
	FILE *f;

	*cert = NULL;
	*key = NULL;
	snprintf(path, sizeof(path), "%s/ca.pem", dir);
	if ((f = fopen(path, "r")) != NULL) {
		*cert = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/ca.key", dir);
	if (*cert != NULL && (f = fopen(path, "r")) != NULL) {
		*key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (*cert == NULL || *key == NULL) {
		X509_free(*cert);
		EVP_PKEY_free(*key);
		set_why(why, size, dir, "attestation CA: no readable ca.pem and ca.key");
		return AU_ERR_IO;
	}
	return AU_OK;
}

au_err au_phone_new_device(const au_phone_env *env, const char *persona,
                           const char *attestation_dir, const char *path, char *why,
                           size_t why_size)
{
	au_persona p;
	au_device dev;
	X509 *ca = NULL;
	EVP_PKEY *ca_key = NULL;
	const char *bad = NULL;
	au_err e;

	if ((e = au_persona_load(env->persona_dir, persona, &p)) != AU_OK) {
		set_why(why, why_size, persona, p.why[0] ? p.why : au_strerr(e));
		return e;
	}
	au_device_init(&dev, persona);
	e = au_persona_apply_device(&p, &dev, &bad);
	au_persona_free(&p);
	if (e != AU_OK) {
		set_why(why, why_size, "persona device default", bad ? bad : au_strerr(e));
	} else if ((e = load_ca(attestation_dir, &ca, &ca_key, why, why_size)) == AU_OK) {
		e = au_attest_identity_create(&dev, ca, ca_key, wa_clock_now(env->clock));
		if (e == AU_OK)
			e = au_device_save(&dev, path);
		if (e != AU_OK)
			set_why(why, why_size, path, au_strerr(e));
	}
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	au_device_free(&dev);
	return e;
}

/* ---- the manual's remedies on this phone ---- */

typedef struct remedy {
	const char *name;
	const char *manual;         /* where the manual describes it */
	const char *settings[3][2]; /* KEY=VALUE applied, "" value = the ARG */
} remedy;

static const remedy remedies[] = {
        {"clear-site-data", "4.1", {{NULL, NULL}}},
        {"report-versions", "4.4", {{NULL, NULL}}},
        {"enable-icloud-keychain",
         "4.5",
         {{"icloud_keychain", "true"},
          {"autofill_passkeys", "true"},
          {"autofill_from_icloud", "true"}}},
        {"enrol-biometrics",
         "2.13/2.14",
         {{"biometrics_enrolled", "true"}, {"biometric_failures", "0"}}},
        {"set-screen-lock", "2.9/2.12", {{"screen_lock", ""}}},
        {"set-default-browser", "4.3", {{"default_browser", ""}}},
        {"allow-cookies", "2.15", {{"cookies", "true"}}},
        {"enable-javascript", "2.16", {{"javascript", "true"}}},
        {"unfilter-platform-hosts",
         "2.16",
         {{"content_blocker", "false"}, {"carrier_filter", "false"}}},
        {"restart-browser", "2.20", {{NULL, NULL}}},
        {"update", "2.2/2.3 (OS update)", {{NULL, NULL}}},
};

void au_phone_remedies(void (*fn)(const char *name, const char *manual, void *arg), void *arg)
{
	for (size_t i = 0; i < sizeof(remedies) / sizeof(remedies[0]); i++)
		fn(remedies[i].name, remedies[i].manual, arg);
}

/* 4.1: the browser's site data is its cookie jar, kept beside the device file; its
 * history goes with it. */
static au_err clear_site_data(au_phone *p)
{
	char jar[sizeof(p->device_path) + 96];

	close_browser(p); /* writes the jar: removed below */
	history_clear(p);
	post_clear(p);
	jar_path(p, jar, sizeof(jar));
	return remove(jar) == 0 || errno == ENOENT ? AU_OK : AU_ERR_IO;
}

/*
 * The browser is closed and opened again: cookies without an expiry (session
 * cookies, the platform's own) do not survive it. The jar is Netscape's format,
 * one cookie a line, the fifth field its expiry (0: the session's).
 */
static au_err restart_browser(au_phone *p)
{
	char jar[sizeof(p->device_path) + 96], tmp[sizeof(jar) + 8], line[8192];
	FILE *in, *out;
	bool ok = true;

	close_browser(p);
	history_clear(p);
	post_clear(p);
	jar_path(p, jar, sizeof(jar));
	if ((in = fopen(jar, "r")) == NULL)
		return errno == ENOENT ? AU_OK : AU_ERR_IO;
	snprintf(tmp, sizeof(tmp), "%s.tmp", jar);
	if ((out = fopen(tmp, "w")) == NULL) {
		fclose(in);
		return AU_ERR_IO;
	}
	while (fgets(line, sizeof(line), in) != NULL) {
		const char *f = line;
		bool session;
		/* "#HttpOnly_" lines are cookies; other '#' lines and empty ones are kept. */
		if ((line[0] == '#' && strncmp(line, "#HttpOnly_", 10) != 0) || line[0] == '\n') {
			ok = ok && fputs(line, out) >= 0;
			continue;
		}
		for (int i = 0; i < 4 && f != NULL; i++)
			if ((f = strchr(f, '\t')) != NULL)
				f++;
		session = f != NULL && f[0] == '0' && f[1] == '\t';
		if (!session)
			ok = ok && fputs(line, out) >= 0;
	}
	fclose(in);
	ok = fclose(out) == 0 && ok;
	if (!ok || rename(tmp, jar) != 0) {
		remove(tmp);
		return AU_ERR_IO;
	}
	return AU_OK;
}

/* The keys of a persona's device defaults that are its FIDO2 stack's, not the user's. */
static bool capability_key(const char *key)
{
	static const char *const keys[] = {"protocol",        "aaguid",        "algorithms",
	                                   "attestation",     "resident_keys", "counter",
	                                   "backup_eligible", "backup_state",  "key_store_size"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i], key) == 0)
			return true;
	return false;
}

static au_err apply_capabilities(au_phone *p, const au_persona *from, const char **why)
{
	for (size_t i = 0; i < from->n_device; i++) {
		au_err e;
		if (!capability_key(from->device[i].key))
			continue;
		if ((e = au_device_set(&p->dev, from->device[i].key, from->device[i].value, why)) !=
		    AU_OK)
			return e;
	}
	return AU_OK;
}

/* The default browser becomes name: its persona, its FIDO2 capabilities, its own site data. */
static au_err switch_browser(au_phone *p, const char *name, const char **why)
{
	au_settings before = p->dev.settings;
	au_err e;

	if ((e = load_browser(p, name, why)) != AU_OK)
		return e;
	if ((e = au_device_set(&p->dev, "default_browser", name, why)) != AU_OK ||
	    (e = apply_capabilities(p, &p->browser, why)) != AU_OK) {
		const char *ignored;
		p->dev.settings = before;
		load_browser(p, browser_name(p), &ignored);
		return e;
	}
	close_browser(p);
	history_clear(p);
	post_clear(p);
	p->changed = true;
	return AU_OK;
}

/* The OS updated to persona name's (same family, not older): the phone's OS and its prompts,
 * its built-in browser when that is the default, its platform authenticator's capabilities. */
static au_err update_os(au_phone *p, const char *name, const char **why)
{
	au_persona next;
	char old[AU_PERSONA_NAME_MAX];
	bool builtin_default = strcmp(browser_name(p), p->dev.settings.persona) == 0;
	au_err e;

	if (name == NULL) {
		*why = "this remedy needs the persona the OS is updated to";
		return AU_ERR_SETTING_VALUE;
	}
	if ((e = au_persona_load(p->persona_dir, name, &next)) != AU_OK) {
		*why = "no such persona";
		return AU_ERR_SETTING_VALUE;
	}
	if (next.os_family != p->persona.os_family ||
	    atof(next.os_version) < atof(p->persona.os_version)) {
		au_persona_free(&next);
		*why = "an update stays on the phone's OS family and never goes back";
		return AU_ERR_SETTING_VALUE;
	}
	snprintf(old, sizeof(old), "%s", p->dev.settings.persona);
	au_persona_free(&p->persona);
	p->persona = next;
	if ((e = au_device_set(&p->dev, "persona", name, why)) != AU_OK ||
	    (e = apply_capabilities(p, &p->persona, why)) != AU_OK)
		return e;
	au_os_free(&p->os);
	if ((e = au_os_init(&p->os, p->prompts_file, os_family(&p->persona),
	                    atoi(p->persona.os_version), &p->log)) != AU_OK)
		return e;
	p->os.autofill_setting = p->persona.autofill_passkeys_off != AU_FAIL_NONE;
	p->changed = true;
	/* The built-in browser is updated with the OS; another default browser stays. */
	if (builtin_default || strcmp(p->dev.settings.default_browser, old) == 0)
		return switch_browser(p, name, why);
	return AU_OK;
}

au_err au_phone_remedy(au_phone *p, const char *action, const char *arg, const char **why)
{
	*why = NULL;
	if (strcmp(action, "clear-site-data") == 0)
		return clear_site_data(p);
	if (strcmp(action, "report-versions") == 0)
		return AU_OK;
	if (strcmp(action, "restart-browser") == 0)
		return restart_browser(p);
	if (strcmp(action, "update") == 0)
		return update_os(p, arg, why);
	for (size_t i = 0; i < sizeof(remedies) / sizeof(remedies[0]); i++) {
		if (strcmp(remedies[i].name, action) != 0)
			continue;
		for (size_t k = 0; k < 3 && remedies[i].settings[k][0] != NULL; k++) {
			const char *value = remedies[i].settings[k][1];
			au_err e;
			if (value[0] == '\0') {
				/* The default screen lock is the OS's own secret: a passcode on
				 * iOS, a PIN elsewhere. */
				if (arg == NULL &&
				    strcmp(remedies[i].settings[k][0], "screen_lock") == 0)
					arg = p->persona.os_family == AU_PERSONA_OS_IOS ? "passcode"
					                                                : "pin";
				if (arg == NULL) {
					*why = "this remedy needs an argument";
					return AU_ERR_SETTING_VALUE;
				}
				value = arg;
			}
			if ((e = au_phone_set(p, remedies[i].settings[k][0], value, why)) != AU_OK)
				return e;
		}
		return AU_OK;
	}
	*why = "unknown remedy";
	return AU_ERR_SETTING_UNKNOWN;
}

au_err au_phone_set(au_phone *p, const char *key, const char *value, const char **why)
{
	au_err e;

	*why = NULL;
	if (strcmp(key, "persona") == 0) {
		*why = "a phone is one persona: the remedy \"update\" changes its OS";
		return AU_ERR_SETTING_VALUE;
	}
	if (strcmp(key, "default_browser") == 0)
		return switch_browser(p, value, why);
	e = au_os_set(p->persona.lock_removal_deletes_credentials, &p->dev, key, value, why, NULL);
	if (e == AU_OK) {
		p->changed = true;
		/* Browser settings apply to the next request. */
		if (p->web != NULL) {
			au_web_set_cookies(p->web, p->dev.settings.cookies);
			au_web_set_source_address(p->web, p->dev.settings.source_address);
		}
	}
	return e;
}
