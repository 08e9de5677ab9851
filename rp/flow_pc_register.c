/*
 * Device registration started on the PC after card login (user manual
 * 5.2(b)/(c)): the PC shows a QR valid 10 minutes, polls until the phone has
 * registered, and shows the result. A reload shows a new QR and the old one
 * dies, but the whole registration must end 10 minutes after the first QR;
 * a failed or cancelled registration, or one past that window, is manual
 * 3.22 on the PC (a phone that finished late has still stored its device).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp/flow_register.h"
#include "rp/poll.h"
#include "rp/pages.h"
#include "rp/qr.h"
#include "rp/token.h"

typedef struct pc_state {
	time_t first; /* when this session showed its first QR */
	char qr[RP_QR_TOKEN_MAX + 1];
} pc_state;

static bool get_state(rp_app *app, const rp_session *s, pc_state *out)
{
	rp_record r;
	json_t *doc;
	const char *qr;
	bool ok = false;

	memset(out, 0, sizeof(*out));
	if (rp_store_record_get(app->store, RP_PC_REG_RECORD, s->id, wa_clock_now(&app->clock),
	                        &r) != RP_STORE_OK)
		return false;
	doc = json_loads(r.value, 0, NULL);
	qr = json_string_value(json_object_get(doc, "qr"));
	if (qr != NULL && strlen(qr) < sizeof(out->qr) &&
	    json_is_integer(json_object_get(doc, "first"))) {
		strcpy(out->qr, qr);
		out->first = (time_t)json_integer_value(json_object_get(doc, "first"));
		ok = true;
	}
	json_decref(doc);
	rp_record_reset(&r);
	return ok;
}

static bool put_state(rp_app *app, const rp_session *s, const pc_state *ps)
{
	json_t *doc = json_pack("{s:I, s:s}", "first", (json_int_t)ps->first, "qr", ps->qr);
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	bool ok = text != NULL &&
	          rp_store_record_put(app->store, RP_PC_REG_RECORD, s->id, text,
	                              wa_clock_now(&app->clock), s->expires) == RP_STORE_OK;

	free(text);
	json_decref(doc);
	return ok;
}

/* The card-authenticated PC session; false when an error page was written. */
static bool pc_session(rp_app *app, const rp_http_request *req, rp_http_response *resp,
                       rp_session *s)
{
	if (!rp_flow_session(app, req, resp, s))
		return false;
	/* Only a card login opens device registration (its own flow marks the session). */
	if (s->step != RP_STEP_CARD_AUTHENTICATED || s->user_id == 0) {
		rp_flow_error(app, resp, 400, "errorTitle", "invalidCodeMessage");
		return false;
	}
	return true;
}

/* What the page's script sees: a phone still awaited past the window is expired. */
static rp_poll pc_result(rp_app *app, const pc_state *ps, const rp_qr *qr)
{
	rp_poll shown = rp_poll_of(qr->state);

	if (shown == RP_POLL_WAITING && wa_clock_now(&app->clock) >= ps->first + RP_PC_QR_LIFETIME)
		return RP_POLL_EXPIRED;
	return shown;
}

/* The session's current QR and its state; false when it has none. */
static bool current(rp_app *app, const rp_session *s, pc_state *ps, rp_qr *qr)
{
	return get_state(app, s, ps) && rp_store_qr_get(app->store, ps->qr, qr) == RP_STORE_OK;
}

static void show_result(rp_app *app, rp_http_response *resp, rp_poll shown)
{
	if (shown == RP_POLL_DONE)
		rp_flow_done(app, resp, "done", "kagura-process-finished");
	else
		rp_register_failed_pc(app, resp); /* 3.22 */
}

/* ---- GET /device-registration: the QR page ---- */

static void get_qr_page(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;
	pc_state ps;
	rp_qr qr, old;
	time_t now = wa_clock_now(&app->clock);
	char url[256], poll_url[128], cancel[128];
	wa_buf svg = WA_BUF_INIT(RP_HTML_MAX);
	rp_poll shown;

	if (!pc_session(app, req, resp, &s))
		return;
	if (current(app, &s, &ps, &old)) {
		shown = pc_result(app, &ps, &old);
		if (shown != RP_POLL_WAITING && old.state != RP_QR_WAITING) {
			show_result(app, resp,
			            shown); /* the phone has answered: a reload shows it */
			return;
		}
		if (now >= ps.first + RP_PC_QR_LIFETIME) {
			rp_register_failed_pc(app, resp); /* 3.22: 10 minutes since the first QR */
			return;
		}
	} else {
		ps.first = now;
	}
	memset(&qr, 0, sizeof(qr));
	qr.kind = RP_QR_PC_REGISTRATION;
	qr.state = RP_QR_WAITING;
	snprintf(qr.session_id, sizeof(qr.session_id), "%s", s.id);
	qr.user_id = s.user_id;
	qr.issued = now;
	qr.expires = now + RP_PC_QR_LIFETIME;
	if (!rp_random_token(RP_QR_TOKEN_BYTES, qr.token, sizeof(qr.token)) ||
	    rp_store_qr_issue(app->store, &qr) != RP_STORE_OK) {
		rp_flow_500(resp);
		return;
	}
	/* A reload replaces the QR on screen: the older one no longer registers. */
	if (ps.qr[0] != '\0' && old.state == RP_QR_WAITING)
		rp_store_qr_set_state(app->store, ps.qr, RP_QR_SUPERSEDED);
	snprintf(ps.qr, sizeof(ps.qr), "%s", qr.token);
	snprintf(poll_url, sizeof(poll_url), "/device-registration/status?qr=%s", qr.token);
	if (!put_state(app, &s, &ps) || !rp_register_url(app, qr.token, url, sizeof(url)) ||
	    !rp_flow_action_url(app, &s, "/device-registration/cancel", "pc-reg-cancel", cancel,
	                        sizeof(cancel)) ||
	    !rp_qr_svg(url, &svg)) {
		rp_flow_500(resp);
		wa_buf_free(&svg);
		return;
	}
	const char *vars[][2] = {{"title", rp_msg(app, "webauthn-registration-title")},
	                         {"qr_url", url},
	                         {"poll_url", poll_url},
	                         {"next_url", "/device-registration/result"},
	                         {"qr_svg", wa_buf_str(&svg)},
	                         {"cancel_action", cancel},
	                         {"cancel_label", rp_msg(app, "doCancel")}};
	RP_FLOW_PAGE(app, resp, 200, "device-registration.html", vars);
	rp_http_response_header(resp, "Cache-Control", "no-store");
	wa_buf_free(&svg);
}

/* ---- GET /device-registration/status?qr=TOKEN: what the page's script polls ---- */

static void get_status(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;
	pc_state ps;
	rp_qr qr;
	const char *token = rp_http_query(req, "qr");

	if (rp_session_of(app, req, resp, false, &s) != RP_SESSION_FOUND ||
	    !get_state(app, &s, &ps) || token == NULL ||
	    rp_store_qr_get(app->store, token, &qr) != RP_STORE_OK ||
	    strcmp(qr.session_id, s.id) != 0 || qr.kind != RP_QR_PC_REGISTRATION) {
		/* Not this browser's QR: nothing to wait for. */
		rp_poll_answer(resp, 404, RP_POLL_EXPIRED);
		return;
	}
	rp_poll_answer(resp, 200, pc_result(app, &ps, &qr));
}

/* ---- GET /device-registration/result: where the script goes once the phone answered ---- */

static void get_result(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;
	pc_state ps;
	rp_qr qr;
	rp_poll shown;

	if (!pc_session(app, req, resp, &s))
		return;
	if (!current(app, &s, &ps, &qr)) {
		rp_register_failed_pc(app, resp);
		return;
	}
	shown = pc_result(app, &ps, &qr);
	if (shown == RP_POLL_WAITING) {
		/* Too early: the QR page again (the same QR stays valid until a reload). */
		rp_http_response_text(resp, 303, "text/plain; charset=utf-8", "See Other\n");
		rp_http_response_header(resp, "Location", "/device-registration");
		return;
	}
	show_result(app, resp, shown);
}

/* ---- POST /device-registration/cancel ---- */

static void post_cancel(rp_app *app, const rp_http_request *req, rp_http_response *resp)
{
	rp_session s;
	rp_form f;
	pc_state ps;
	rp_qr qr;

	if (!rp_flow_enter_form(app, req, resp, "pc-reg-cancel", &s, &f))
		return;
	if (!current(app, &s, &ps, &qr)) {
		rp_register_failed_pc(app, resp);
	} else {
		/* A phone that already finished keeps its result: cancel comes too late. */
		if (qr.state == RP_QR_WAITING &&
		    rp_store_qr_set_state(app->store, qr.token, RP_QR_CANCELLED) == RP_STORE_OK)
			qr.state = RP_QR_CANCELLED;
		show_result(app, resp, pc_result(app, &ps, &qr));
	}
	rp_form_free(&f);
}

static const rp_route routes[] = {
        {"GET", "/device-registration", get_qr_page, RP_ROUTE_PLATFORM},
        {"GET", "/device-registration/status", get_status, RP_ROUTE_PLATFORM},
        {"GET", "/device-registration/result", get_result, RP_ROUTE_PLATFORM},
        {"POST", "/device-registration/cancel", post_cancel, RP_ROUTE_PLATFORM},
};

const rp_route_table rp_pc_register_table = RP_ROUTE_TABLE(routes, NULL, rp_flow_405);
