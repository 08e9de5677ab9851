#include "rp/flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp/pages.h"
#include "webauthn/b64url.h"
#include "webauthn/authentication.h"

void rp_flow_page(rp_app *app, rp_http_response *resp, int status, const char *tpl,
                  const char *const vars[][2], size_t n)
{
	wa_blob html = {0};

	if (!rp_page_render(app->pages_dir, tpl, vars, n, &html)) {
		rp_http_response_text(resp, 500, "text/plain; charset=utf-8",
		                      "500 page template missing\n");
		wa_blob_reset(&html);
		return;
	}
	resp->status = status;
	snprintf(resp->content_type, sizeof(resp->content_type), RP_HTML);
	wa_blob_reset(&resp->body);
	resp->body = html;
}

void rp_flow_message_html(rp_app *app, rp_http_response *resp, int status, const char *title_key,
                          const char *kind, const char *message_html)
{
	const char *vars[][2] = {
	        {"title", rp_msg(app, title_key)}, {"kind", kind}, {"message", message_html}};
	rp_flow_page(app, resp, status, "message.html", vars, 3);
}

void rp_flow_error_text(rp_app *app, rp_http_response *resp, int status, const char *title_key,
                        const char *text)
{
	wa_blob html = {0};

	rp_html_escape(text, &html);
	wa_blob_append(&html, "", 1);
	rp_flow_message_html(app, resp, status, title_key, "alert-error", (const char *)html.ptr);
	wa_blob_reset(&html);
}

void rp_flow_error(rp_app *app, rp_http_response *resp, int status, const char *title_key,
                   const char *message_key)
{
	rp_flow_error_text(app, resp, status, title_key, rp_msg(app, message_key));
}

void rp_flow_done(rp_app *app, rp_http_response *resp, const char *kind, const char *message_key)
{
	wa_blob html = {0};

	rp_html_escape(rp_msg(app, message_key), &html);
	wa_blob_append(&html, "", 1);
	rp_flow_message_html(app, resp, 200, "kagura-platform-name", kind, (const char *)html.ptr);
	wa_blob_reset(&html);
}

void rp_flow_405(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	char when[64], line1[160], line2[160];
	time_t now = wa_clock_now(&app->clock);
	struct tm tm;
	const char *a1[] = {when}, *a2[] = {req->remote};
	wa_blob html = {0};

	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y/%-m/%-d %H:%M:%S", &tm);
	if (rp_messages_format(app->msgs, "kagura-error-occurred-at", a1, 1, line1,
	                       sizeof(line1)) != RP_MSG_OK)
		line1[0] = '\0';
	if (rp_messages_format(app->msgs, "kagura-error-access-from", a2, 1, line2,
	                       sizeof(line2)) != RP_MSG_OK)
		line2[0] = '\0';
	/* v1.04 had only the container's heading; v2.16's page carries the sentence and details. */
	if (rp_messages_get(app->msgs, "kagura-405-message") != NULL) {
		rp_html_escape(rp_msg(app, "kagura-405-message"), &html);
		wa_blob_append(&html, "<br/>", 5);
		rp_html_escape(line1, &html);
		wa_blob_append(&html, "<br/>", 5);
		rp_html_escape(line2, &html);
		wa_blob_append(&html, "<br/>", 5);
		rp_html_escape(rp_msg(app, "kagura-error-footer"), &html);
	}
	wa_blob_append(&html, "", 1);
	rp_flow_message_html(app, resp, 405, "kagura-405-title", "alert-error",
	                     (const char *)html.ptr);
	rp_http_response_header(resp, "Allow", "POST");
	wa_blob_reset(&html);
}

void rp_flow_no_cookie(rp_app *app, rp_http_response *resp)
{
	if (rp_messages_get(app->msgs, "cookieNotFoundMessage") != NULL)
		rp_flow_error(app, resp, 400, "errorTitle", "cookieNotFoundMessage");
	else
		rp_flow_error(app, resp, 400, "errorTitle", "invalidCodeMessage");
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

bool rp_flow_record(const rp_cred *c, const wa_blob *owner, wa_credential *rec)
{
	memset(rec, 0, sizeof(*rec));
	if (wa_blob_set(&rec->id, c->id.ptr, c->id.len) != WA_OK ||
	    wa_credential_set_public_key(rec, c->public_key.ptr, c->public_key.len) != WA_OK ||
	    (owner != NULL && wa_blob_set(&rec->user_handle, owner->ptr, owner->len) != WA_OK)) {
		wa_credential_reset(rec);
		return false;
	}
	rec->sign_count = c->sign_count;
	rec->backup_eligible = c->backup_eligible;
	rec->backup_state = c->backup_state;
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
	                 "timeout", 180000);
}

bool rp_flow_verify_assertion(rp_app *app, const rp_form *f, int64_t user_id, const char *challenge)
{
	rp_user u;
	rp_cred cred = {0};
	wa_credential rec = {0};
	wa_auth_response ar = {0};
	wa_blob chal = {0};
	const char *origins[] = {app->cfg.origin};
	bool ok = false;

	if (wa_auth_response_from_fields(
	            rp_form_get(f, "credentialId"), rp_form_get(f, "clientDataJSON"),
	            rp_form_get(f, "authenticatorData"), rp_form_get(f, "signature"),
	            rp_form_get(f, "userHandle"), &ar) != WA_OK ||
	    rp_store_cred_by_id(app->store, ar.raw_id.ptr, ar.raw_id.len, &cred) != RP_STORE_OK ||
	    cred.user_id != user_id || !cred.enabled)
		goto out;
	/* A returned userHandle must name the user being signed in (§7.2). */
	if (ar.has_user_handle && (rp_store_user_by_handle(app->store, ar.user_handle.ptr,
	                                                   ar.user_handle.len, &u) != RP_STORE_OK ||
	                           u.id != user_id))
		goto out;
	if (!rp_flow_record(&cred, ar.has_user_handle ? &ar.user_handle : NULL, &rec) ||
	    wa_b64url_decode(challenge, strlen(challenge), &chal) != WA_OK)
		goto out;
	wa_auth_options opt = {
	        .expect = {.challenge = chal.ptr,
	                   .challenge_len = chal.len,
	                   .origins = origins,
	                   .n_origins = 1,
	                   .rp_id = app->cfg.rp_id,
	                   .require_uv = true},
	        .user_identified = true,
	};
	if (wa_verify_authentication(&opt, &ar, &rec, NULL) != WA_OK)
		goto out;
	ok = rp_store_cred_update_use(app->store, rec.id.ptr, rec.id.len, rec.sign_count,
	                              rec.backup_state) == RP_STORE_OK;
out:
	wa_blob_reset(&chal);
	wa_credential_reset(&rec);
	wa_auth_response_reset(&ar);
	rp_cred_reset(&cred);
	return ok;
}
