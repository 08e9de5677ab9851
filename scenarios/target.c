#include "scenarios/target.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "authenticator/web/page.h"
#include "authenticator/web/web.h"

KAGURA_XT_ACCESSOR(sc_target_strerr, sc_target_err, SC_TARGET_ERROR_TABLE, KAGURA_XT_FIELD1,
                   SC_TARGET_ERR__COUNT, "unknown error")

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

/* The login page: HTTP 200 and Keycloak's username form. */
static sc_target_err check_login(au_web *web, const char *base, char *why, size_t size)
{
	char url[1024];
	au_web_response r = {0};
	au_web_err e;
	au_page *page = NULL;
	au_form *form;
	sc_target_err result = SC_TARGET_OK;

	snprintf(url, sizeof(url), "%s/login", base);
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

static void copy_string(const json_t *doc, const char *key, char *out, size_t size)
{
	const char *v = json_string_value(json_object_get(doc, key));

	if (v != NULL)
		snprintf(out, size, "%s", v);
}

/* POST /test-control/info: the platform's origin, manual and card login. */
static sc_target_err check_control(au_web *web, const char *base, sc_target_info *out, char *why,
                                   size_t size)
{
	char url[1024];
	au_web_response r = {0};
	json_t *body = json_object(), *answer = NULL;
	au_web_err e;
	sc_target_err result = SC_TARGET_OK;

	if (body == NULL)
		return SC_TARGET_ERR_NOMEM;
	snprintf(url, sizeof(url), "%s/test-control/info", base);
	e = au_web_post_json(web, url, body, &r);
	json_decref(body);
	if (e != AU_WEB_OK) {
		result = transport_failure(e, &r, url, why, size);
	} else if (r.status != 200 || (answer = json_loads(r.body, 0, NULL)) == NULL ||
	           json_string_value(json_object_get(answer, "origin")) == NULL) {
		snprintf(why, size,
		         "%s serves no test control: POST %s answered HTTP %ld (start it with "
		         "--test-control, or run without --test-control)",
		         base, url, r.status);
		result = SC_TARGET_ERR_NO_TEST_CONTROL;
	} else {
		copy_string(answer, "origin", out->origin, sizeof(out->origin));
		copy_string(answer, "manual", out->manual, sizeof(out->manual));
		out->card_login = json_is_true(json_object_get(answer, "card_login"));
		copy_string(json_object_get(answer, "card_fronts"), "tls1.2", out->card_front[0],
		            sizeof(out->card_front[0]));
		copy_string(json_object_get(answer, "card_fronts"), "tls1.3", out->card_front[1],
		            sizeof(out->card_front[1]));
		out->test_control = true;
	}
	json_decref(answer);
	au_web_response_reset(&r);
	return result;
}

sc_target_err sc_target_probe(const char *url, const char *ca_file, bool test_control,
                              const char *origin, sc_target_info *out, char *why, size_t why_size)
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
	e = check_login(web, base, why, why_size);
	if (e == SC_TARGET_OK && test_control)
		e = check_control(web, base, out, why, why_size);
	au_web_free(web);
	if (e != SC_TARGET_OK)
		return e;
	if (origin != NULL)
		snprintf(out->origin, sizeof(out->origin), "%s", origin);
	else if (out->origin[0] == '\0')
		origin_of(base, out->origin, sizeof(out->origin));
	sc_target_host_of(out->origin, out->host, sizeof(out->host));
	return SC_TARGET_OK;
}
