/*
 * Device registration on the phone (user manual 5.2): the phone opens the URL
 * a registration QR encodes (one the CA issued, or the PC's after card login),
 * finds its 本人ID filled in from the QR, runs navigator.credentials.create
 * with user verification, answers the label prompt and ends on
 * "処理が終了しました". The documented outcomes: unsupported browser (2.2),
 * registration error (2.3), cookies missing (2.15), another user in this
 * browser (2.18), an unusable QR (2.19), a replayed form and the unfilled
 * 本人ID (2.20, the 405 page at the very end).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp/credmap.h"
#include "rp/flow_register.h"
#include "rp/pages.h"
#include "rp/token.h"
#include "rp/verifier_why.h"
#include "webauthn/b64url.h"
#include "webauthn/utf8.h"
#include "webauthn/registration.h"

/* records kind of the phone session's registration: {"qr", "id_ok", "until"} */
#define PHONE_REG_RECORD "phone-registration"
/* The create() timeout the page passes; the challenge lives as long. */
#define CREATE_TIMEOUT_S 300
/* Keycloak's keys: the browser's error posted back (2.3), a credential the platform refused. */
#define BROWSER_ERROR_KEY "webauthn-error-register-verification"
#define REFUSED_KEY       "webauthn-error-registration"
/* Longest browser error shown back (v1.04 2.3 prints it): a DOMException text is far shorter. */
#define ERROR_SHOWN_MAX 600

static const int64_t wanted_algs[] = {WA_COSE_ES256, WA_COSE_RS256, WA_COSE_EDDSA};

/* ---- shared with the PC pages ---- */

bool rp_register_url(const rp_app *app, const char *token, char *url, size_t size)
{
	return (size_t)snprintf(url, size, "%s/registration?qr=%s", app->cfg.origin, token) < size;
}

bool rp_pc_register_deadline(rp_app *app, const char *session_id, time_t *deadline)
{
	rp_record r;
	json_t *doc;
	bool ok = false;

	if (session_id[0] == '\0' ||
	    rp_store_record_get(app->store, RP_PC_REG_RECORD, session_id, wa_clock_now(&app->clock),
	                        &r) != RP_STORE_OK)
		return false;
	doc = json_loads(r.value, 0, NULL);
	if (json_is_integer(json_object_get(doc, "first"))) {
		*deadline = (time_t)json_integer_value(json_object_get(doc, "first")) +
		            RP_PC_QR_LIFETIME;
		ok = true;
	}
	json_decref(doc);
	rp_record_reset(&r);
	return ok;
}

/* Two bundle texts as one banner of two lines. */
static void two_lines(rp_app *app, rp_http_response *resp, int status, const char *title_key,
                      const char *first_key, const char *second_key)
{
	const char *lines[] = {rp_msg(app, first_key), rp_msg(app, second_key)};

	rp_flow_lines(app, resp, status, title_key, false, lines, KAGURA_LEN(lines));
}

void rp_register_invalid_qr(rp_app *app, rp_http_response *resp)
{
	/* v1.04 has no 2.19: the old platform answered with Keycloak's invalid-code page. */
	if (!app->cfg.generation->has_invalid_qr_page)
		rp_flow_error(app, resp, 400, "errorTitle", "invalidCodeMessage");
	else
		two_lines(app, resp, 400, "kagura-platform-name",
		          "kagura-invalid-access-or-expired-url", "kagura-contact-issuing-ca");
}

void rp_register_failed_pc(rp_app *app, rp_http_response *resp)
{
	if (!app->cfg.generation->has_pc_failure_page)
		rp_flow_error(app, resp, 400, "errorTitle", "invalidCodeMessage");
	else
		two_lines(app, resp, 400, "kagura-platform-name", "kagura-fido-registration-failed",
		          "kagura-close-screen");
}

/* ---- the QR the phone opened ---- */

typedef enum qr_verdict { QR_USABLE, QR_FINISHED, QR_INVALID } qr_verdict;

/*
 * What a registration QR allows. expiry: judged only when the phone reads it
 * (manual 2.19: "read after 10 minutes"); later steps only ask whether a newer
 * QR or another phone took it over.
 */
static qr_verdict judge_qr(rp_app *app, const char *token, bool expiry, rp_qr *qr, rp_user *u)
{
	time_t now = wa_clock_now(&app->clock);

	if (token == NULL || rp_store_qr_get(app->store, token, qr) != RP_STORE_OK ||
	    (qr->kind != RP_QR_CA_REGISTRATION && qr->kind != RP_QR_PC_REGISTRATION) ||
	    rp_store_user_by_id(app->store, qr->user_id, u) != RP_STORE_OK)
		return QR_INVALID;
	if (expiry && now >= qr->expires)
		return QR_INVALID;
	/* Manual 2.20 remedy: a registration already done skips its pages and ends. */
	if (qr->consumed && !qr->superseded && (qr->state == RP_QR_DONE || qr->state == RP_QR_LATE))
		return QR_FINISHED;
	if (qr->consumed || qr->superseded)
		return QR_INVALID;
	/* A PC QR whose PC page gave up (cancel, failure, reload) is dead. */
	if (qr->kind == RP_QR_PC_REGISTRATION && qr->state != RP_QR_WAITING)
		return QR_INVALID;
	return QR_USABLE;
}

/* The PC learns that the phone failed (3.22); a CA QR stays usable for a retry. */
static void pc_failed(rp_app *app, const rp_qr *qr)
{
	if (qr->kind == RP_QR_PC_REGISTRATION && qr->state == RP_QR_WAITING)
		rp_store_qr_set_state(app->store, qr->token, RP_QR_FAILED);
}

/* ---- the phone session's registration record ---- */

static bool put_state(rp_app *app, const rp_session *s, const char *token, bool id_ok, time_t until)
{
	json_t *doc = json_pack("{s:s, s:b, s:I}", "qr", token, "id_ok", id_ok, "until",
	                        (json_int_t)until);
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	bool ok = text != NULL &&
	          rp_store_record_put(app->store, PHONE_REG_RECORD, s->id, text,
	                              wa_clock_now(&app->clock), s->expires) == RP_STORE_OK;

	free(text);
	json_decref(doc);
	return ok;
}

typedef struct phone_state {
	char qr[RP_QR_TOKEN_MAX + 1];
	bool id_ok;
	time_t until;
} phone_state;

/* The record of the session, taken (single use) or only read. */
static bool get_state(rp_app *app, const rp_session *s, bool take, phone_state *out)
{
	rp_record r;
	json_t *doc;
	const char *qr;
	rp_store_err e = take ? rp_store_record_take(app->store, PHONE_REG_RECORD, s->id,
	                                             wa_clock_now(&app->clock), &r)
	                      : rp_store_record_get(app->store, PHONE_REG_RECORD, s->id,
	                                            wa_clock_now(&app->clock), &r);
	bool ok = false;

	memset(out, 0, sizeof(*out));
	if (e != RP_STORE_OK)
		return false;
	doc = json_loads(r.value, 0, NULL);
	qr = json_string_value(json_object_get(doc, "qr"));
	if (qr != NULL && strlen(qr) < sizeof(out->qr)) {
		strcpy(out->qr, qr);
		out->id_ok = json_is_true(json_object_get(doc, "id_ok"));
		out->until = (time_t)json_integer_value(json_object_get(doc, "until"));
		ok = true;
	}
	json_decref(doc);
	rp_record_reset(&r);
	return ok;
}

/* ---- GET /registration?qr=TOKEN ---- */

/* 2.18: this browser finished a login or registration of another user. */
static bool other_user(rp_app *app, rp_http_response *resp, const rp_session *s, const rp_user *u)
{
	rp_user other;
	char text[512];
	wa_buf name = WA_BUF_INIT(RP_HTML_MAX);
	const char *args[1];
	bool shown = false;

	/* v1.04 has no 2.18 (and no text for it): the old platform did not check. */
	if (!app->cfg.generation->checks_other_user || s->user_id == 0 || s->user_id == u->id ||
	    (s->step != RP_STEP_AUTHENTICATED && s->step != RP_STEP_REGISTERED) ||
	    rp_store_user_by_id(app->store, s->user_id, &other) != RP_STORE_OK)
		return false;
	rp_html_escape(other.name, &name);
	args[0] = wa_buf_str(&name);
	if (rp_messages_format(app->msgs, "differentUserAuthenticated", args, 1, text,
	                       sizeof(text)) == RP_MSG_OK) {
		rp_flow_message_html(app, resp, 400, "errorTitle", "alert-error", text);
		shown = true;
	}
	wa_buf_free(&name);
	return shown;
}

static void get_registration(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_qr qr;
	rp_user u;
	rp_session s;
	char url[128];

	switch (judge_qr(app, rp_http_query(req, "qr"), true, &qr, &u)) {
	case QR_INVALID:
		rp_register_invalid_qr(app, resp);
		return;
	case QR_FINISHED:
		rp_flow_done(app, resp, "done", "kagura-process-finished");
		return;
	case QR_USABLE:
		break;
	}
	if (!u.enabled) {
		rp_flow_error(app, resp, 400, "errorTitle", "accountDisabledMessage");
		return;
	}
	if (!rp_session_usable(rp_session_of(app, req, resp, true, &s))) {
		rp_flow_500(resp);
		return;
	}
	if (other_user(app, resp, &s, &u))
		return;
	if (!put_state(app, &s, qr.token, false, 0) ||
	    !rp_flow_action_url(app, &s, "/registration-actions/username", "reg-username", url,
	                        sizeof(url))) {
		rp_flow_500(resp);
		return;
	}
	/* The 本人ID comes from the QR; the user only confirms it. */
	const char *vars[][2] = {{"title", rp_msg(app, "webauthn-registration-title")},
	                         {"feedback", ""},
	                         {"action", url},
	                         {"username_label", rp_msg(app, "username")},
	                         {"username", u.name},
	                         {"submit_label", rp_msg(app, "doSubmit")}};
	RP_FLOW_PAGE(app, resp, 200, "login.html", vars);
}

/* ---- POST /registration-actions/username ---- */

/*
 * Keycloak's webauthn-register page for user u (credentials creds, each excluded): a new
 * challenge saved with the session, the parameters in the page's module script, create()
 * only once the user presses registerWebAuthn. id_ok: the 本人ID posted was the QR's.
 */
static void register_page(rp_app *app, rp_http_response *resp, rp_session *s, const rp_qr *qr,
                          const rp_user *u, bool id_ok)
{
	rp_cred *creds = NULL;
	size_t n = 0;
	char url[128], timeout[16], *uid = NULL;
	wa_buf algs = WA_BUF_INIT(RP_HTML_MAX), exclude = WA_BUF_INIT(RP_HTML_MAX);
	time_t now = wa_clock_now(&app->clock);

	if (rp_store_cred_list(app->store, u->id, &creds, &n) != RP_STORE_OK ||
	    !rp_random_token(RP_CHALLENGE_BYTES, s->challenge, sizeof(s->challenge)) ||
	    (uid = wa_b64url_encode(u->handle, sizeof(u->handle))) == NULL) {
		rp_flow_500(resp);
		goto out;
	}
	/* Keycloak's lists: the COSE algorithms each with a comma, the excluded ids comma-joined.
	 */
	for (size_t i = 0; i < KAGURA_LEN(wanted_algs); i++)
		wa_buf_addf(&algs, "%lld,", (long long)wanted_algs[i]);
	for (size_t i = 0; i < n; i++) {
		char *id = wa_b64url_encode(creds[i].id.ptr, creds[i].id.len);
		if (id == NULL)
			break;
		wa_buf_addf(&exclude, "%s%s", i ? "," : "", id);
		free(id);
	}
	snprintf(timeout, sizeof(timeout), "%d", CREATE_TIMEOUT_S);
	s->user_id = u->id;
	s->step = RP_STEP_REGISTERING;
	if (wa_buf_err(&algs) != WA_OK || wa_buf_err(&exclude) != WA_OK ||
	    !rp_session_save(app, s) ||
	    !put_state(app, s, qr->token, id_ok, now + CREATE_TIMEOUT_S) ||
	    !rp_flow_action_url(app, s, "/registration-actions/register", "reg-register", url,
	                        sizeof(url))) {
		rp_flow_500(resp);
		goto out;
	}
	const char *vars[][2] = {{"title", rp_msg(app, "webauthn-registration-title")},
	                         {"hidden", "hidden"},
	                         {"action", url},
	                         {"button_label", rp_msg(app, "doRegister")},
	                         {"challenge", s->challenge},
	                         {"user_id", uid},
	                         {"username", u->name},
	                         {"signature_algorithms", wa_buf_str(&algs)},
	                         {"rp_name", rp_msg(app, "kagura-platform-name")},
	                         {"rp_id", app->cfg.rp_id},
	                         {"attestation", "none"},
	                         {"attachment", "not specified"},
	                         {"require_resident_key", "Yes"},
	                         {"user_verification", "required"},
	                         {"create_timeout", timeout},
	                         {"exclude_ids", wa_buf_str(&exclude)},
	                         {"label_default", app->cfg.generation->label_default},
	                         {"label_prompt", app->cfg.generation->label_prompt},
	                         {"unsupported", rp_msg(app, "webauthn-unsupported-browser-text")}};
	RP_FLOW_PAGE(app, resp, 200, "webauthn-register.html", vars);
out:
	free(uid);
	wa_buf_free(&algs);
	wa_buf_free(&exclude);
	rp_cred_list_free(&creds, n);
}

static void post_username(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;
	rp_form f;
	phone_state ps;
	rp_qr qr;
	rp_user u;
	const char *name;

	if (!rp_flow_enter_form(app, req, resp, "reg-username", &s, &f))
		return;
	if (!get_state(app, &s, false, &ps) || judge_qr(app, ps.qr, false, &qr, &u) != QR_USABLE) {
		rp_register_invalid_qr(app, resp);
		goto out;
	}
	/* An ID other than the QR's (Android: not filled in) fails only at the very end (2.20). */
	name = rp_form_get(&f, "username");
	register_page(app, resp, &s, &qr, &u, name != NULL && strcmp(name, u.name) == 0);
out:
	rp_form_free(&f);
}

/* ---- POST /registration-actions/register ---- */

/* At most max bytes of text, cut at a UTF-8 character boundary. */
static void utf8_cut(const char *text, size_t max, char *out)
{
	size_t n = strnlen(text, max);

	if (n == max)
		while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
			n--;
	memcpy(out, text, n);
	out[n] = '\0';
}

/*
 * Whether a device label may be stored: valid UTF-8 of at most RP_LABEL_MAX bytes without
 * control characters (C0, DEL, C1). What the CA's listing and every page show must be text:
 * a label that is not would make the credential unlistable (JSON holds only UTF-8).
 */
static bool label_ok(const char *label)
{
	size_t n = strlen(label);

	if (n > RP_LABEL_MAX || !wa_utf8_valid((const uint8_t *)label, n))
		return false;
	for (const unsigned char *p = (const unsigned char *)label; *p != '\0'; p++)
		/* U+0080..U+009F are C2 80..C2 9F in valid UTF-8. */
		if (*p < 0x20 || *p == 0x7F || (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F))
			return false;
	return true;
}

/*
 * Keycloak's webauthn-error page with message_html and Try again: the QR's registration state
 * is put back, so the retry finds it (a PC QR the failure closed is 2.19 then).
 */
static void error_page(rp_app *app, rp_http_response *resp, rp_session *s, const phone_state *ps,
                       const char *message_html)
{
	char retry[128];
	bool can_retry = put_state(app, s, ps->qr, ps->id_ok, ps->until) &&
	                 rp_flow_action_url(app, s, "/registration-actions/register",
	                                    "reg-register", retry, sizeof(retry));

	rp_flow_webauthn_error(app, resp, 400, message_html, can_retry ? retry : NULL);
}

/*
 * The bundle's key with {0} = detail: webauthn-error-register-verification with the error the
 * browser raised (2.3; where 2.4 to 2.9 are read), webauthn-error-registration with why the
 * platform refused the credential (Keycloak: the verifier's exception).
 */
static void register_error(rp_app *app, rp_http_response *resp, rp_session *s,
                           const phone_state *ps, const char *key, const char *detail)
{
	char cut[ERROR_SHOWN_MAX + 1], text[4 * ERROR_SHOWN_MAX];
	wa_buf esc = WA_BUF_INIT(RP_HTML_MAX);
	const char *args[1];

	utf8_cut(detail, ERROR_SHOWN_MAX, cut);
	rp_html_escape(cut, &esc);
	args[0] = wa_buf_str(&esc);
	if (rp_messages_format(app->msgs, key, args, 1, text, sizeof(text)) != RP_MSG_OK)
		snprintf(text, sizeof(text), "%s", wa_buf_str(&esc));
	error_page(app, resp, s, ps, text);
	wa_buf_free(&esc);
}

/* 2.2: the unsupported-browser text alone. */
static void unsupported_error(rp_app *app, rp_http_response *resp, rp_session *s,
                              const phone_state *ps)
{
	wa_buf esc = WA_BUF_INIT(RP_HTML_MAX);

	if (rp_html_escape(rp_msg(app, "webauthn-unsupported-browser-text"), &esc) != WA_OK)
		rp_flow_500(resp);
	else
		error_page(app, resp, s, ps, wa_buf_str(&esc));
	wa_buf_free(&esc);
}

/* Keycloak's form fields as the W3C RegistrationResponseJSON the verifier reads. */
static wa_err response_from_form(const rp_form *f, wa_reg_response *out)
{
	const char *tr = rp_form_get(f, "transports");
	json_t *list = json_array(), *doc;
	char buf[256], *save = NULL;
	wa_err err;

	if (tr != NULL && strlen(tr) < sizeof(buf)) {
		strcpy(buf, tr);
		for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
			json_array_append_new(list, json_string(t));
	}
	doc = json_pack("{s:s?, s:s?, s:s, s:{s:s?, s:s?, s:o}}", "id",
	                rp_form_get(f, "publicKeyCredentialId"), "rawId",
	                rp_form_get(f, "publicKeyCredentialId"), "type", "public-key", "response",
	                "clientDataJSON", rp_form_get(f, "clientDataJSON"), "attestationObject",
	                rp_form_get(f, "attestationObject"), "transports", list);
	if (doc == NULL)
		return WA_ERR_RESP_RESPONSE_MISSING;
	err = wa_reg_response_from_json(doc, out);
	json_decref(doc);
	return err;
}

static void post_register(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;
	rp_form f;
	phone_state ps;
	rp_qr qr;
	rp_user u;
	rp_cred rec = {0};
	rp_cred_check check = {.store = app->store};
	wa_reg_response r = {0};
	wa_credential cred = {0};
	wa_blob chal = {0};
	wa_trust trust;
	const char *error, *label;
	rp_qr_state state = RP_QR_DONE;
	char challenge[sizeof(s.challenge)];
	time_t now = wa_clock_now(&app->clock), deadline;
	rp_store_err se;
	wa_err err;

	if (!rp_flow_enter_form(app, req, resp, "reg-register", &s, &f))
		return;
	if (rp_flow_is_retry(&f)) {
		/* Try again: the page once more for the QR still held, a new challenge. */
		if (!get_state(app, &s, false, &ps) ||
		    judge_qr(app, ps.qr, false, &qr, &u) != QR_USABLE || u.id != s.user_id)
			rp_register_invalid_qr(app, resp);
		else
			register_page(app, resp, &s, &qr, &u, ps.id_ok);
		goto out;
	}
	/* The challenge is single use: whatever follows, this session's is spent. */
	snprintf(challenge, sizeof(challenge), "%s", s.challenge);
	s.challenge[0] = '\0';
	s.step = RP_STEP_NEW;
	if (!get_state(app, &s, true, &ps) || !rp_session_save(app, &s) ||
	    judge_qr(app, ps.qr, false, &qr, &u) != QR_USABLE || u.id != s.user_id) {
		rp_register_invalid_qr(app, resp);
		goto out;
	}
	error = rp_form_get(&f, "error");
	if (error != NULL && error[0] != '\0') {
		pc_failed(app, &qr);
		if (strcmp(error, rp_msg(app, "webauthn-unsupported-browser-text")) == 0)
			unsupported_error(app, resp, &s, &ps); /* 2.2 */
		else
			register_error(app, resp, &s, &ps, BROWSER_ERROR_KEY, error); /* 2.3 */
		goto out;
	}
	if (!ps.id_ok) {
		pc_failed(app, &qr);
		rp_flow_405(app, req, resp);
		goto out;
	}
	/* Cancelling the prompt keeps the default label (Keycloak's script). */
	label = rp_form_get(&f, "authenticatorLabel");
	if (label == NULL || label[0] == '\0')
		label = app->cfg.generation->label_default;
	if (!label_ok(label)) {
		char why[128];
		snprintf(why, sizeof(why), "the device label is not UTF-8 text of at most %d bytes",
		         RP_LABEL_MAX);
		rp_http_response_why(resp, "%s: %s", __func__, why);
		pc_failed(app, &qr);
		register_error(app, resp, &s, &ps, REFUSED_KEY, why);
		goto out;
	}
	trust = app->trust;
	trust.at = now;
	wa_reg_options opt = {
	        .algs = wanted_algs,
	        .n_algs = KAGURA_LEN(wanted_algs),
	        .trust = &trust,
	        .is_registered = rp_cred_check_registered,
	        .is_registered_ctx = &check,
	};
	if (now >= ps.until)
		err = WA_ERR_CDATA_CHALLENGE; /* the page waited past its timeout */
	else if ((err = wa_b64url_decode(challenge, strlen(challenge), &chal)) == WA_OK &&
	         (err = response_from_form(&f, &r)) == WA_OK) {
		opt.expect = rp_app_expect(app, &chal, true);
		err = wa_verify_registration(&opt, &r, &cred, NULL);
	}
	/* A store that could not tell whether the id is taken registers nothing. */
	if (check.err != RP_STORE_OK) {
		rp_http_response_why(resp, "%s: store: %s", __func__, rp_store_strerr(check.err));
		rp_flow_500(resp);
		goto out;
	}
	if (err != WA_OK) {
		char detail[sizeof(resp->why)];
		rp_verifier_why(detail, sizeof(detail), err, NULL);
		rp_http_response_why(resp, "%s: %s", __func__, detail);
		pc_failed(app, &qr);
		register_error(app, resp, &s, &ps, REFUSED_KEY, detail);
		goto out;
	}
	if (rp_cred_from_record(&cred, u.id, label, now, app->keys, &rec) != WA_OK) {
		rp_flow_500(resp);
		goto out;
	}
	/* A PC registration finished after its window is stored, but the PC shows 3.22. */
	if (qr.kind == RP_QR_PC_REGISTRATION &&
	    (!rp_pc_register_deadline(app, qr.session_id, &deadline) || now >= deadline))
		state = RP_QR_LATE;
	se = rp_store_qr_register(app->store, qr.token, &rec, state);
	if (se == RP_STORE_NOT_FOUND) {
		rp_register_invalid_qr(app, resp);
		goto out;
	}
	if (se == RP_STORE_EXISTS) {
		pc_failed(app, &qr);
		register_error(app, resp, &s, &ps, REFUSED_KEY, "WA_ERR_CRED_ID_REGISTERED");
		goto out;
	}
	if (se != RP_STORE_OK) {
		rp_flow_500(resp);
		goto out;
	}
	/*
	 * This browser now holds the user (a later QR of another user is 2.18), under a new session
	 * id (session fixation). The device is stored whatever happens to the session.
	 */
	s.step = RP_STEP_REGISTERED;
	if (!rp_session_renew(app, resp, &s))
		rp_http_response_why(resp, "%s: the session could not be renewed", __func__);
	rp_flow_done(app, resp, "done", "kagura-process-finished");
out:
	rp_cred_reset(&rec);
	wa_blob_reset(&chal);
	wa_credential_reset(&cred);
	wa_reg_response_reset(&r);
	rp_form_free(&f);
}

static const rp_route routes[] = {
        {"GET", "/registration", get_registration, RP_ROUTE_PLATFORM},
        {"POST", "/registration-actions/username", post_username, RP_ROUTE_PLATFORM},
        {"POST", "/registration-actions/register", post_register, RP_ROUTE_PLATFORM},
};

const rp_route_table rp_register_table = RP_ROUTE_TABLE(routes, NULL, rp_flow_405);
