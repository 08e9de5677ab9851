#include "scenarios/target.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authenticator/web/page.h"
#include "authenticator/web/web.h"
#include "common/origin.h"
#include "scenarios/textcut.h"

KAGURA_XT_ACCESSOR(sc_target_strerr, sc_target_err, SC_TARGET_ERROR_TABLE, KAGURA_XT_FIELD1,
                   SC_TARGET_ERR__COUNT, "unknown error")

/* The manual generations there are: what a platform serves, what its realms are named after
 * (NAME-vMANUAL). */
static const char *const realm_manuals[SC_TARGET_MAX_REALMS] = {"2.16", "1.04"};
/* Bytes of a value the target reported that a message quotes (longer ones are cut). */
#define SHOWN_VALUE_MAX 80
/* The realm name a Keycloak server URL stands for (its realms kagura-v2.16, kagura-v1.04). */
#define DEFAULT_REALM_PREFIX "kagura"

const char *sc_target_kind_name(sc_target_kind kind)
{
	return kind == SC_TARGET_KIND_MOCK       ? "mock"
	       : kind == SC_TARGET_KIND_KEYCLOAK ? "keycloak"
	                                         : "auto";
}

bool sc_target_kind_parse(const char *text, sc_target_kind *kind)
{
	if (strcmp(text, "mock") == 0)
		*kind = SC_TARGET_KIND_MOCK;
	else if (strcmp(text, "keycloak") == 0)
		*kind = SC_TARGET_KIND_KEYCLOAK;
	else
		return false;
	return true;
}

void sc_target_host_of(const char *url, char *host, size_t size)
{
	const char *h = strstr(url, "://");
	size_t n;

	h = h ? h + 3 : url;
	if (*h == '[') /* an IPv6 literal keeps its brackets */
		n = strcspn(h, "]") + 1;
	else
		n = strcspn(h, ":/?#");
	snprintf(host, size, "%.*s", (int)(n < size ? n : size - 1), h);
}

bool sc_target_origin_valid(const char *origin)
{
	cm_origin o;

	return cm_origin_parse(origin, &o) &&
	       (strcmp(o.scheme, "http") == 0 || strcmp(o.scheme, "https") == 0);
}

/* "scheme://host[:port]" of a URL. */
static void origin_of(const char *url, char *origin, size_t size)
{
	const char *h = strstr(url, "://");
	size_t n = h ? (size_t)(h + 3 - url) + strcspn(h + 3, "/?#") : strlen(url);

	snprintf(origin, size, "%.*s", (int)(n < size ? n : size - 1), url);
}

static sc_target_err transport_failure(au_web_err e, const au_web_response *r, const char *url,
                                       char *why, size_t size)
{
	bool tls = e == AU_WEB_ERR_TLS_HANDSHAKE || e == AU_WEB_ERR_TLS_SERVER_CERT ||
	           e == AU_WEB_ERR_TLS_CONFIG;

	snprintf(why, size, "%s: %s: %s%s%s%s", url, tls ? "TLS failed" : "cannot be reached",
	         au_web_strerr(e), r->error[0] ? " (" : "", r->error, r->error[0] ? ")" : "");
	if (e == AU_WEB_ERR_TLS_SERVER_CERT && strlen(why) + 60 < size)
		strcat(why, "; give the CA that issued its certificate with --ca-file PEM");
	return tls ? SC_TARGET_ERR_TLS : SC_TARGET_ERR_UNREACHABLE;
}

/* A login page at url: HTTP 200 and Keycloak's username form. */
static sc_target_err check_login_page(au_web *web, const char *url, const char *base, char *why,
                                      size_t size)
{
	au_web_response r = {0};
	au_web_err e;
	au_page *page = NULL;
	au_form *form;
	sc_target_err result = SC_TARGET_OK;

	if ((e = au_web_get(web, url, &r)) != AU_WEB_OK) {
		result = transport_failure(e, &r, url, why, size);
	} else if (r.status != 200 || au_page_parse(r.body, r.body_len, url, &page) != AU_WEB_OK ||
	           (form = au_page_form(page, "kc-form-login")) == NULL ||
	           au_form_value(form, "username") == NULL) {
		snprintf(why, size,
		         "%s is not a KAGURA platform: GET %s answered HTTP %ld without the login "
		         "form (kc-form-login with a username field)",
		         base, url, r.status);
		result = SC_TARGET_ERR_NOT_PLATFORM;
	}
	au_page_free(page);
	au_web_response_reset(&r);
	return result;
}

/* The mock's login page: GET /login. */
static sc_target_err check_login(au_web *web, const char *base, char *why, size_t size)
{
	char url[1024];

	snprintf(url, sizeof(url), "%s/login", base);
	return check_login_page(web, url, base, why, size);
}

static void copy_string(const json_t *doc, const char *key, char *out, size_t size)
{
	const char *v = json_string_value(json_object_get(doc, key));

	if (v != NULL)
		snprintf(out, size, "%s", v);
}

/* What the target reported as name, for a message: "manual '2.17'" (a string), "manual 5"
 * (anything else as its JSON), "no manual"; ASCII only (nothing a server sends can steer a
 * terminal), cut short. */
static void reported(const char *name, const json_t *v, char *text, size_t size)
{
	char *json = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	int n = json ? (int)strlen(json) : 0;

	if (json == NULL)
		snprintf(text, size, "no %s", name);
	else if (json_is_string(v)) /* its JSON without the quotes */
		sc_text_printf(text, size, "%s '%.*s'", name, n - 2, json + 1);
	else
		sc_text_printf(text, size, "%s %s", name, json);
	free(json);
}

static bool known_manual(const char *manual)
{
	for (size_t i = 0; manual != NULL && i < SC_TARGET_MAX_REALMS; i++)
		if (strcmp(manual, realm_manuals[i]) == 0)
			return true;
	return false;
}

/*
 * What test control's info says, checked before the run takes it: the manual a generation there
 * is, the origin an http(s) origin. A target that answers otherwise is no KAGURA platform, and
 * the run would otherwise run nothing, or everything, against the wrong origin.
 */
static sc_target_err info_checked(const char *base, const json_t *info, char *why, size_t size)
{
	const json_t *manual = json_object_get(info, "manual");
	const json_t *origin = json_object_get(info, "origin");
	char shown[SHOWN_VALUE_MAX + 32];

	if (!known_manual(json_string_value(manual))) {
		reported("manual", manual, shown, sizeof(shown));
		snprintf(why, size,
		         "%s is not a KAGURA platform: test control reports %s (a platform serves "
		         "manual %s or %s)",
		         base, shown, realm_manuals[0], realm_manuals[1]);
		return SC_TARGET_ERR_NOT_PLATFORM;
	}
	if (!json_is_string(origin) || !sc_target_origin_valid(json_string_value(origin))) {
		reported("origin", origin, shown, sizeof(shown));
		snprintf(why, size,
		         "%s is not a KAGURA platform: test control reports %s (an origin is "
		         "http(s)://host[:port], no path)",
		         base, shown);
		return SC_TARGET_ERR_NOT_PLATFORM;
	}
	return SC_TARGET_OK;
}

/* The info test control answered (r, HTTP 200) into out, once checked. */
static sc_target_err read_info(const char *base, const au_web_response *r, sc_target_info *out,
                               char *why, size_t size)
{
	json_error_t err;
	json_t *info = json_loadb(r->body ? r->body : "", r->body_len, 0, &err);
	sc_target_err result;

	if (!json_is_object(info)) {
		snprintf(why, size,
		         "%s is not a KAGURA platform: test control's info is not a JSON object "
		         "(%s)",
		         base, info ? "another JSON value" : err.text);
		json_decref(info);
		return SC_TARGET_ERR_NOT_PLATFORM;
	}
	if ((result = info_checked(base, info, why, size)) == SC_TARGET_OK) {
		copy_string(info, "origin", out->origin, sizeof(out->origin));
		copy_string(info, "manual", out->manual, sizeof(out->manual));
		out->card_login = json_is_true(json_object_get(info, "card_login"));
		copy_string(json_object_get(info, "card_fronts"), "tls1.2", out->card_front[0],
		            sizeof(out->card_front[0]));
		copy_string(json_object_get(info, "card_fronts"), "tls1.3", out->card_front[1],
		            sizeof(out->card_front[1]));
		out->test_control = true;
	}
	json_decref(info);
	return result;
}

/* POST /test-control/info: the platform's origin, manual and card login. */
static sc_target_err check_control(au_web *web, const char *base, sc_target_info *out, char *why,
                                   size_t size)
{
	char url[1024];
	au_web_response r = {0};
	json_t *body = json_object();
	au_web_err e;
	sc_target_err result;

	if (body == NULL)
		return SC_TARGET_ERR_NOMEM;
	snprintf(url, sizeof(url), "%s/test-control/info", base);
	e = au_web_post_json(web, url, body, &r);
	json_decref(body);
	if (e != AU_WEB_OK) {
		result = transport_failure(e, &r, url, why, size);
	} else if (r.status != 200) {
		snprintf(why, size,
		         "%s serves no test control: POST %s answered HTTP %ld (start it with "
		         "--test-control, or run without --test-control)",
		         base, url, r.status);
		result = SC_TARGET_ERR_NO_TEST_CONTROL;
	} else {
		result = read_info(base, &r, out, why, size);
	}
	au_web_response_reset(&r);
	return result;
}

/* The manual a realm's name says (NAME-v2.16 → "2.16"), "" none. */
static void manual_of_realm(const char *realm, char *manual, size_t size)
{
	const char *v = strrchr(realm, 'v');

	manual[0] = '\0';
	for (size_t i = 0; v != NULL && v > realm && v[-1] == '-' && i < SC_TARGET_MAX_REALMS; i++)
		if (strcmp(v + 1, realm_manuals[i]) == 0)
			snprintf(manual, size, "%s", realm_manuals[i]);
}

/* Whether the realm answers its OpenID configuration (a Keycloak realm that exists). */
static sc_target_err realm_exists(au_web *web, const char *server, const char *realm, bool *yes,
                                  char *why, size_t size)
{
	char url[1024];
	au_web_response r = {0};
	au_web_err e;
	json_t *doc = NULL;

	snprintf(url, sizeof(url), "%s/realms/%s/.well-known/openid-configuration", server, realm);
	if ((e = au_web_get(web, url, &r)) != AU_WEB_OK) {
		sc_target_err result = transport_failure(e, &r, url, why, size);
		au_web_response_reset(&r);
		return result;
	}
	*yes = r.status == 200 && (doc = json_loads(r.body, 0, NULL)) != NULL &&
	       json_string_value(json_object_get(doc, "authorization_endpoint")) != NULL;
	json_decref(doc);
	au_web_response_reset(&r);
	return SC_TARGET_OK;
}

/* A realm's login page: the auth endpoint with the harness's client shows the username form. */
static sc_target_err check_realm_login(au_web *web, const char *server, sc_target_realm *realm,
                                       char *why, size_t size)
{
	char callback[640];
	CURL *esc = curl_easy_init();
	char *enc;

	snprintf(realm->done_url, sizeof(realm->done_url), "%s%s", server,
	         SC_KEYCLOAK_CALLBACK_PATH);
	snprintf(callback, sizeof(callback), "%s", realm->done_url);
	enc = esc ? curl_easy_escape(esc, callback, 0) : NULL;
	if (enc == NULL) {
		curl_easy_cleanup(esc);
		return SC_TARGET_ERR_NOMEM;
	}
	snprintf(realm->login_url, sizeof(realm->login_url),
	         "%s/realms/%s/protocol/openid-connect/auth?client_id=%s&response_type=code&"
	         "scope=openid&redirect_uri=%s",
	         server, realm->name, SC_KEYCLOAK_CLIENT, enc);
	curl_free(enc);
	curl_easy_cleanup(esc);
	return check_login_page(web, realm->login_url, server, why, size);
}

static sc_target_err add_realm(au_web *web, const char *server, const char *name,
                               sc_target_info *out, char *why, size_t size)
{
	sc_target_realm *r = &out->realms[out->n_realms];
	sc_target_err e;

	snprintf(r->name, sizeof(r->name), "%s", name);
	manual_of_realm(name, r->manual, sizeof(r->manual));
	if ((e = check_realm_login(web, server, r, why, size)) == SC_TARGET_OK)
		out->n_realms++;
	return e;
}

/* A Keycloak server (scheme://host:port) and the realm name the URL gives. */
static void split_keycloak_url(const char *url, char *server, size_t server_size, char *realm,
                               size_t realm_size)
{
	const char *at = strstr(url, "/realms/");

	if (at == NULL) {
		origin_of(url, server, server_size);
		snprintf(realm, realm_size, "%s", DEFAULT_REALM_PREFIX);
		return;
	}
	snprintf(server, server_size, "%.*s", (int)(at - url), url);
	at += strlen("/realms/");
	snprintf(realm, realm_size, "%.*s", (int)strcspn(at, "/?#"), at);
}

/* The Keycloak target: its realm, or the realms of both manuals named after it. */
static sc_target_err probe_keycloak(au_web *web, const char *url, sc_target_info *out, char *why,
                                    size_t size)
{
	char realm[128], name[160];
	bool yes = false;
	sc_target_err e;

	out->kind = SC_TARGET_KIND_KEYCLOAK;
	split_keycloak_url(url, out->server, sizeof(out->server), realm, sizeof(realm));
	if ((e = realm_exists(web, out->server, realm, &yes, why, size)) != SC_TARGET_OK)
		return e;
	if (yes)
		return add_realm(web, out->server, realm, out, why, size);
	for (size_t i = 0; i < SC_TARGET_MAX_REALMS; i++) {
		snprintf(name, sizeof(name), "%s-v%s", realm, realm_manuals[i]);
		if ((e = realm_exists(web, out->server, name, &yes, why, size)) != SC_TARGET_OK)
			return e;
		if (yes && (e = add_realm(web, out->server, name, out, why, size)) != SC_TARGET_OK)
			return e;
	}
	if (out->n_realms == 0) {
		snprintf(why, size,
		         "%s is not a Keycloak with the platform's realms: neither %s nor %s-v%s, "
		         "%s-v%s answer %s/realms/NAME/.well-known/openid-configuration",
		         url, realm, realm, realm_manuals[0], realm, realm_manuals[1], out->server);
		return SC_TARGET_ERR_NO_REALM;
	}
	return SC_TARGET_OK;
}

const sc_target_realm *sc_target_realm_of(const sc_target_info *info, const char *manual)
{
	for (size_t i = 0; i < info->n_realms; i++)
		if (strcmp(info->realms[i].manual, manual) == 0)
			return &info->realms[i];
	return NULL;
}

sc_target_err sc_target_probe(const char *url, sc_target_kind kind, const char *ca_file,
                              bool test_control, const char *origin, sc_target_info *out, char *why,
                              size_t why_size)
{
	char base[1024];
	au_web *web;
	sc_target_err e;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		snprintf(why, why_size, "--target is an http(s) URL, not %s", url);
		return SC_TARGET_ERR_URL;
	}
	snprintf(base, sizeof(base), "%s", url);
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		base[--n] = '\0';
	if ((web = au_web_new(NULL)) == NULL)
		return SC_TARGET_ERR_NOMEM;
	au_web_set_timeout_ms(web, SC_TARGET_PROBE_TIMEOUT_MS);
	if (ca_file != NULL && au_web_set_ca_file(web, ca_file) != AU_WEB_OK) {
		snprintf(why, why_size, "--ca-file %s cannot be read", ca_file);
		au_web_free(web);
		return SC_TARGET_ERR_TLS;
	}
	if (kind == SC_TARGET_KIND_AUTO && strstr(base, "/realms/") != NULL)
		kind = SC_TARGET_KIND_KEYCLOAK;
	if (kind == SC_TARGET_KIND_KEYCLOAK) {
		e = probe_keycloak(web, base, out, why, why_size);
	} else {
		out->kind = SC_TARGET_KIND_MOCK;
		e = check_login(web, base, why, why_size);
		if (e == SC_TARGET_ERR_NOT_PLATFORM && kind == SC_TARGET_KIND_AUTO) {
			char mock_why[1024];
			snprintf(mock_why, sizeof(mock_why), "%s", why);
			memset(out, 0, sizeof(*out));
			if ((e = probe_keycloak(web, base, out, why, why_size)) != SC_TARGET_OK) {
				/* neither: the mock's reason is the one a person expects */
				snprintf(why, why_size, "%s", mock_why);
				e = SC_TARGET_ERR_NOT_PLATFORM;
			}
		}
		if (e == SC_TARGET_OK && out->kind == SC_TARGET_KIND_MOCK && test_control)
			e = check_control(web, base, out, why, why_size);
	}
	au_web_free(web);
	if (e != SC_TARGET_OK)
		return e;
	if (origin != NULL)
		snprintf(out->origin, sizeof(out->origin), "%s", origin);
	else if (out->origin[0] == '\0')
		origin_of(out->kind == SC_TARGET_KIND_KEYCLOAK ? out->server : base, out->origin,
		          sizeof(out->origin));
	sc_target_host_of(out->origin, out->host, sizeof(out->host));
	return SC_TARGET_OK;
}
