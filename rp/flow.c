#include "rp/flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp/credmap.h"
#include "rp/pages.h"
#include "rp/verifier_why.h"
#include "webauthn/authentication.h"
#include "webauthn/b64url.h"

/* The get() timeout the WebAuthn login pages pass. */
#define GET_TIMEOUT_MS (3 * 60 * 1000)

void rp_flow_page(rp_app *app, rp_http_response *resp, int status, const char *tpl,
                  const char *const vars[][2], size_t n)
{
	wa_buf html;

	wa_buf_init(&html, RP_HTML_MAX);
	if (!rp_page_render(app->pages_dir, tpl, vars, n, &html) || wa_buf_err(&html) != WA_OK) {
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

void rp_flow_message_html(rp_app *app, rp_http_response *resp, int status, const char *title_key,
                          const char *kind, const char *message_html)
{
	const char *vars[][2] = {
	        {"title", rp_msg(app, title_key)}, {"kind", kind}, {"message", message_html}};
	RP_FLOW_PAGE(app, resp, status, "message.html", vars);
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
	if (key == NULL)
		return wa_buf_err(out);
	wa_buf_adds(out, "<div class=\"alert-error\"><span id=\"kc-feedback-text\">");
	rp_html_lines(out, raw, (const char *const[]){rp_msg(app, key)}, 1);
	return wa_buf_adds(out, "</span></div>");
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

json_t *rp_flow_request_options(const rp_app *app, const char *challenge, const rp_cred *creds,
                                size_t n)
{
	json_t *allow = json_array();

	for (size_t i = 0; i < n; i++) {
		char *id;
		if (!creds[i].enabled)
			continue;
		id = wa_b64url_encode(creds[i].id.ptr, creds[i].id.len);
		json_array_append_new(allow,
		                      json_pack("{s:s, s:s?}", "type", "public-key", "id", id));
		free(id);
	}
	return json_pack("{s:s, s:s, s:o, s:s, s:i}", "challenge", challenge, "rpId",
	                 app->cfg.rp_id, "allowCredentials", allow, "userVerification", "required",
	                 "timeout", GET_TIMEOUT_MS);
}

void rp_flow_webauthn_page(rp_app *app, rp_http_response *resp, const char *opts_text,
                           const char *action)
{
	const char *vars[][2] = {{"title", rp_msg(app, "webauthn-login-title")},
	                         {"options", opts_text},
	                         {"unsupported", rp_msg(app, "webauthn-unsupported-browser-text")},
	                         {"action", action}};
	RP_FLOW_PAGE(app, resp, 200, "webauthn-authenticate.html", vars);
}

void rp_flow_webauthn_refused(rp_app *app, rp_http_response *resp, const char *error)
{
	const char *unsupported = "webauthn-unsupported-browser-text";

	rp_flow_error(app, resp, 400, "webauthn-error-title",
	              error != NULL && strcmp(error, rp_msg(app, unsupported)) == 0
	                      ? unsupported
	                      : "webauthn-error-api-get");
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
	wa_report report = {0};
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
	                             ar.user_handle.len, &rec)) != WA_OK ||
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
