#include "rp/flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp/credmap.h"
#include "rp/pages.h"
#include "rp/verifier_why.h"
#include "webauthn/authentication.h"
#include "webauthn/b64url.h"

/* The get() timeout the WebAuthn login pages pass (Keycloak: createTimeout, seconds). */
#define GET_TIMEOUT_S (3 * 60)

/* Values every page has besides its own: the header's platform name. */
#define COMMON_VARS 1
/* The most values one page is given (the WebAuthn registration page has the most). */
#define PAGE_VARS_MAX 32

void rp_flow_page(rp_app *app, rp_http_response *resp, int status, const char *tpl,
                  const char *const vars[][2], size_t n)
{
	const char *all[PAGE_VARS_MAX + COMMON_VARS][2];
	wa_buf html;

	/* The page's own values first: the renderer takes the first of a name. */
	if (n > PAGE_VARS_MAX) {
		rp_http_response_text(resp, 500, "text/plain; charset=utf-8", "500 page values\n");
		return;
	}
	memcpy(all, vars, n * sizeof(*all));
	all[n][0] = "platform";
	all[n][1] = rp_msg(app, "kagura-platform-name");
	wa_buf_init(&html, RP_HTML_MAX);
	if (!rp_pages_render(app->pages, tpl, all, n + COMMON_VARS, &html) ||
	    wa_buf_err(&html) != WA_OK) {
		rp_http_response_text(resp, 500, "text/plain; charset=utf-8",
		                      wa_buf_err(&html) != WA_OK ? "500 page too large\n"
		                                                 : "500 page template missing\n");
		wa_buf_free(&html);
		return;
	}
	resp->status = status;
	snprintf(resp->content_type, sizeof(resp->content_type), RP_HTML);
	wa_buf_to_blob(&html, &resp->body);
}

/* Keycloak's message banner (template.ftl): alert-TYPE and the text in class kc-feedback-text. */
static wa_err banner(wa_buf *out, bool error, const char *message_html)
{
	wa_buf_adds(out,
	            error ? "<div class=\"alert-error pf-c-alert pf-m-inline pf-m-danger\">"
	                  : "<div class=\"alert-success pf-c-alert pf-m-inline pf-m-success\">");
	wa_buf_adds(out, "<span class=\"pf-c-alert__title kc-feedback-text\">");
	wa_buf_adds(out, message_html);
	return wa_buf_adds(out, "</span></div>");
}

void rp_flow_message_html(rp_app *app, rp_http_response *resp, int status, const char *title_key,
                          const char *kind, const char *message_html)
{
	wa_buf fb = WA_BUF_INIT(RP_HTML_MAX);

	if (banner(&fb, strcmp(kind, "alert-error") == 0, message_html) != WA_OK) {
		wa_buf_free(&fb);
		rp_flow_500(resp);
		return;
	}
	const char *vars[][2] = {
	        {"title", rp_msg(app, title_key)}, {"kind", kind}, {"feedback", wa_buf_str(&fb)}};
	RP_FLOW_PAGE(app, resp, status, "message.html", vars);
	wa_buf_free(&fb);
}

void rp_flow_message_buf(rp_app *app, rp_http_response *resp, int status, const char *title_key,
                         const char *kind, wa_buf *html)
{
	if (wa_buf_err(html) != WA_OK)
		rp_flow_500(resp);
	else
		rp_flow_message_html(app, resp, status, title_key, kind, wa_buf_str(html));
	wa_buf_free(html);
}

void rp_flow_lines(rp_app *app, rp_http_response *resp, int status, const char *title_key, bool raw,
                   const char *const lines[], size_t n)
{
	wa_buf html;

	wa_buf_init(&html, RP_HTML_MAX);
	rp_html_lines(&html, raw, lines, n);
	rp_flow_message_buf(app, resp, status, title_key, "alert-error", &html);
}

wa_err rp_flow_feedback(const rp_app *app, const char *key, bool raw, wa_buf *out)
{
	wa_buf text = WA_BUF_INIT(RP_HTML_MAX);
	wa_err err;

	if (key == NULL)
		return wa_buf_err(out);
	rp_html_lines(&text, raw, (const char *const[]){rp_msg(app, key)}, 1);
	err = wa_buf_err(&text) != WA_OK ? wa_buf_err(&text) : banner(out, true, wa_buf_str(&text));
	wa_buf_free(&text);
	return err;
}

void rp_flow_error_text(rp_app *app, rp_http_response *resp, int status, const char *title_key,
                        const char *text)
{
	rp_flow_lines(app, resp, status, title_key, false, &text, 1);
}

void rp_flow_error(rp_app *app, rp_http_response *resp, int status, const char *title_key,
                   const char *message_key)
{
	rp_flow_error_text(app, resp, status, title_key, rp_msg(app, message_key));
}

void rp_flow_done(rp_app *app, rp_http_response *resp, const char *kind, const char *message_key)
{
	wa_buf html;

	wa_buf_init(&html, RP_HTML_MAX);
	rp_html_escape(rp_msg(app, message_key), &html);
	rp_flow_message_buf(app, resp, 200, "kagura-platform-name", kind, &html);
}

void rp_flow_405(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	char when[64], line1[160], line2[160];
	time_t now = wa_clock_now(&app->clock);
	struct tm tm;
	const char *a1[] = {when}, *a2[] = {req->remote};
	wa_buf html;

	wa_buf_init(&html, RP_HTML_MAX);
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y/%-m/%-d %H:%M:%S", &tm);
	if (rp_messages_format(app->msgs, "kagura-error-occurred-at", a1, 1, line1,
	                       sizeof(line1)) != RP_MSG_OK)
		line1[0] = '\0';
	if (rp_messages_format(app->msgs, "kagura-error-access-from", a2, 1, line2,
	                       sizeof(line2)) != RP_MSG_OK)
		line2[0] = '\0';
	/* v1.04 had only the container's heading; v2.16's page carries the sentence and details. */
	if (app->cfg.generation->has_405_sentence) {
		const char *lines[] = {rp_msg(app, "kagura-405-message"), line1, line2,
		                       rp_msg(app, "kagura-error-footer")};
		rp_html_lines(&html, false, lines, KAGURA_LEN(lines));
	}
	rp_flow_message_buf(app, resp, 405, "kagura-405-title", "alert-error", &html);
	rp_http_response_header(resp, "Allow", "POST");
}

void rp_flow_no_cookie(rp_app *app, rp_http_response *resp)
{
	rp_flow_error(app, resp, 400, "errorTitle", app->cfg.generation->no_cookie_key);
}

void rp_flow_500(rp_http_response *resp)
{
	rp_http_response_text(resp, 500, "text/plain; charset=utf-8", "500 store error\n");
}

bool rp_flow_session(rp_app *app, const rp_http_request *req, rp_http_response *resp, rp_session *s)
{
	switch (rp_session_of(app, req, resp, false, s)) {
	case RP_SESSION_FOUND:
		break;
	case RP_SESSION_NO_COOKIE:
		rp_flow_no_cookie(app, resp);
		return false;
	case RP_SESSION_EXPIRED:
		rp_flow_error(app, resp, 400, "errorTitle", "invalidCodeMessage");
		return false;
	default:
		rp_flow_500(resp);
		return false;
	}
	return true;
}

bool rp_flow_enter(rp_app *app, const rp_http_request *req, rp_http_response *resp,
                   const char *action, rp_session *s)
{
	if (!rp_flow_session(app, req, resp, s))
		return false;
	if (!rp_session_take_code(app, s, action, rp_http_query(req, "session_code"))) {
		rp_flow_405(app, req, resp);
		return false;
	}
	return true;
}

bool rp_flow_enter_form(rp_app *app, const rp_http_request *req, rp_http_response *resp,
                        const char *action, rp_session *s, rp_form *f)
{
	memset(f, 0, sizeof(*f));
	if (!rp_flow_enter(app, req, resp, action, s))
		return false;
	if (!rp_form_parse(req->body, req->body_len, f)) {
		rp_flow_405(app, req, resp);
		return false;
	}
	return true;
}

bool rp_flow_action_url(rp_app *app, const rp_session *s, const char *path, const char *action,
                        char *url, size_t size)
{
	char code[RP_CODE_MAX + 1];

	if (!rp_session_issue_code(app, s, action, code, sizeof(code)))
		return false;
	return (size_t)snprintf(url, size, "%s?session_code=%s", path, code) < size;
}

void rp_flow_webauthn_page(rp_app *app, rp_http_response *resp, const rp_flow_get *get)
{
	wa_buf ids = WA_BUF_INIT(RP_HTML_MAX);
	char timeout[16];

	/* authn_select: one authn_use_chk per enabled credential, as Keycloak lists them. */
	for (size_t i = 0; get->user_identified && i < get->n; i++) {
		char *id;
		if (!get->creds[i].enabled)
			continue;
		if ((id = wa_b64url_encode(get->creds[i].id.ptr, get->creds[i].id.len)) == NULL)
			break;
		wa_buf_adds(&ids, "<input type=\"hidden\" name=\"authn_use_chk\" value=\"");
		rp_html_escape(id, &ids);
		wa_buf_adds(&ids, "\">\n");
		free(id);
	}
	snprintf(timeout, sizeof(timeout), "%d", GET_TIMEOUT_S);
	if (wa_buf_err(&ids) != WA_OK) {
		wa_buf_free(&ids);
		rp_flow_500(resp);
		return;
	}
	const char *vars[][2] = {{"title", rp_msg(app, "webauthn-login-title")},
	                         {"hidden", "hidden"},
	                         {"action", get->action},
	                         {"authn_use", wa_buf_str(&ids)},
	                         {"button_label", rp_msg(app, "webauthn-doAuthenticate")},
	                         {"user_identified", get->user_identified ? "true" : "false"},
	                         {"challenge", get->challenge},
	                         {"user_verification", "required"},
	                         {"rp_id", app->cfg.rp_id},
	                         {"create_timeout", timeout},
	                         {"unsupported", rp_msg(app, "webauthn-unsupported-browser-text")}};
	RP_FLOW_PAGE(app, resp, 200, "webauthn-authenticate.html", vars);
	wa_buf_free(&ids);
}

void rp_flow_webauthn_error(rp_app *app, rp_http_response *resp, int status,
                            const char *message_html, const char *retry_action)
{
	wa_buf fb = WA_BUF_INIT(RP_HTML_MAX);

	if (retry_action == NULL) {
		rp_flow_message_html(app, resp, status, "webauthn-error-title", "alert-error",
		                     message_html);
		return;
	}
	if (banner(&fb, true, message_html) != WA_OK) {
		wa_buf_free(&fb);
		rp_flow_500(resp);
		return;
	}
	const char *vars[][2] = {{"title", rp_msg(app, "webauthn-error-title")},
	                         {"kind", "alert-error"},
	                         {"feedback", wa_buf_str(&fb)},
	                         {"action", retry_action},
	                         {"execution", "webauthn"},
	                         {"try_again", rp_msg(app, "doTryAgain")}};
	RP_FLOW_PAGE(app, resp, status, "webauthn-error.html", vars);
	wa_buf_free(&fb);
}

void rp_flow_webauthn_refused(rp_app *app, rp_http_response *resp, const char *error,
                              const char *retry_action)
{
	const char *unsupported = "webauthn-unsupported-browser-text";
	const char *key = error != NULL && strcmp(error, rp_msg(app, unsupported)) == 0
	                          ? unsupported
	                          : "webauthn-error-api-get";
	wa_buf text = WA_BUF_INIT(RP_HTML_MAX);

	rp_html_escape(rp_msg(app, key), &text);
	if (wa_buf_err(&text) != WA_OK)
		rp_flow_500(resp);
	else
		rp_flow_webauthn_error(app, resp, 400, wa_buf_str(&text), retry_action);
	wa_buf_free(&text);
}

bool rp_flow_is_retry(const rp_form *f)
{
	const char *retry = rp_form_get(f, "isSetRetry");

	return retry != NULL && retry[0] != '\0';
}

/* err as the outcome, and why on resp's log line. */
static wa_err assertion_failed(rp_http_response *resp, wa_err err, const char *detail)
{
	char why[sizeof(resp->why)];

	rp_verifier_why(why, sizeof(why), err, detail);
	rp_http_response_why(resp, "rp_flow_verify_assertion: %s", why);
	return err;
}

/* A store failure while verifying: the platform's own, not the response's. */
static wa_err store_failed(rp_http_response *resp, rp_store_err e)
{
	return assertion_failed(resp, WA_ERR_INTERNAL, rp_store_strerr(e));
}

wa_err rp_flow_verify_assertion(rp_app *app, rp_http_response *resp, const rp_form *f,
                                int64_t user_id, const char *challenge)
{
	rp_user u;
	rp_cred cred = {0};
	wa_credential rec = {0};
	wa_auth_response ar = {0};
	wa_report report = {.failures_only = true}; /* the message reads the failed step alone */
	wa_blob chal = {0};
	rp_store_err e;
	wa_err err;

	if ((err = wa_auth_response_from_fields(
	             rp_form_get(f, "credentialId"), rp_form_get(f, "clientDataJSON"),
	             rp_form_get(f, "authenticatorData"), rp_form_get(f, "signature"),
	             rp_form_get(f, "userHandle"), &ar)) != WA_OK) {
		err = assertion_failed(resp, err, NULL);
		goto out;
	}
	e = rp_store_cred_by_id(app->store, ar.raw_id.ptr, ar.raw_id.len, &cred);
	if (e == RP_STORE_NOT_FOUND || e == RP_STORE_INVALID) {
		err = assertion_failed(resp, WA_ERR_CRED_UNKNOWN, NULL);
		goto out;
	}
	if (e != RP_STORE_OK) {
		err = store_failed(resp, e);
		goto out;
	}
	if (cred.user_id != user_id || !cred.enabled) {
		err = assertion_failed(resp, WA_ERR_CRED_NOT_ALLOWED,
		                       cred.enabled ? "another user's" : "disabled");
		goto out;
	}
	/* A returned userHandle must name the user being signed in (§7.2). */
	if (ar.has_user_handle) {
		e = rp_store_user_by_handle(app->store, ar.user_handle.ptr, ar.user_handle.len, &u);
		if (e != RP_STORE_OK && e != RP_STORE_NOT_FOUND && e != RP_STORE_INVALID) {
			err = store_failed(resp, e);
			goto out;
		}
		if (e != RP_STORE_OK || u.id != user_id) {
			err = assertion_failed(resp, WA_ERR_USER_HANDLE, NULL);
			goto out;
		}
	}
	if ((err = rp_cred_to_record(&cred, ar.has_user_handle ? ar.user_handle.ptr : NULL,
	                             ar.user_handle.len, app->keys, &rec)) != WA_OK ||
	    (err = wa_b64url_decode(challenge, strlen(challenge), &chal)) != WA_OK) {
		err = assertion_failed(resp, err, NULL);
		goto out;
	}
	wa_auth_options opt = {
	        .expect = rp_app_expect(app, &chal, true),
	        .user_identified = true,
	};
	if ((err = wa_verify_authentication(&opt, &ar, &rec, &report)) != WA_OK) {
		err = assertion_failed(resp, err, rp_verifier_detail(&report, err));
		goto out;
	}
	if ((e = rp_store_cred_update_use(app->store, rec.id.ptr, rec.id.len, rec.sign_count,
	                                  rec.backup_state)) != RP_STORE_OK)
		err = store_failed(resp, e);
out:
	wa_blob_reset(&chal);
	wa_credential_reset(&rec);
	wa_auth_response_reset(&ar);
	rp_cred_reset(&cred);
	return err;
}
