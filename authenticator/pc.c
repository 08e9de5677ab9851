#include "authenticator/pc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool au_pc_open(au_pc *pc, const char *cookie_jar)
{
	memset(pc, 0, sizeof(*pc));
	return (pc->web = au_web_new(cookie_jar)) != NULL;
}

void au_pc_close(au_pc *pc)
{
	au_page_free(pc->page);
	au_web_free(pc->web);
	memset(pc, 0, sizeof(*pc));
}

bool au_pc_set_card(au_pc *pc, const char *cert_pem, const char *key_pem)
{
	au_web_err e;

	pc->error[0] = '\0';
	if (cert_pem == NULL) {
		au_web_clear_client_cert(pc->web);
		return true;
	}
	if ((e = au_web_set_client_cert_files(pc->web, cert_pem, key_pem, NULL)) != AU_WEB_OK) {
		snprintf(pc->error, sizeof(pc->error), "card %.200s: %.80s", cert_pem,
		         au_web_strerr(e));
		return false;
	}
	return true;
}

bool au_pc_set_server_ca(au_pc *pc, const char *server_ca)
{
	au_web_err e;

	pc->error[0] = '\0';
	if ((e = au_web_set_ca_file(pc->web, server_ca)) != AU_WEB_OK) {
		snprintf(pc->error, sizeof(pc->error), "CA %.200s: %.80s",
		         server_ca ? server_ca : "(system)", au_web_strerr(e));
		return false;
	}
	return true;
}

/* Shows the answer; false (pc->error) on a transport failure or an unreadable page. */
static bool show(au_pc *pc, au_web_err e, au_web_response *r)
{
	bool ok = false;

	au_page_free(pc->page);
	pc->page = NULL;
	pc->status = r->status;
	pc->error[0] = '\0';
	if (e != AU_WEB_OK)
		snprintf(pc->error, sizeof(pc->error), "%.80s (%.200s)", au_web_strerr(e),
		         r->error);
	else if (au_page_parse(r->body, r->body_len, r->url, &pc->page) != AU_WEB_OK)
		snprintf(pc->error, sizeof(pc->error), "%.200s: the page cannot be read", r->url);
	else
		ok = true;
	au_web_response_reset(r);
	return ok;
}

bool au_pc_get(au_pc *pc, const char *url)
{
	au_web_response r = {0};

	return show(pc, au_web_get(pc->web, url, &r), &r);
}

bool au_pc_post_json(au_pc *pc, const char *url, const char *json)
{
	au_web_response r = {0};
	json_t *body = json_loads(json, 0, NULL);
	bool ok;

	if (body == NULL) {
		snprintf(pc->error, sizeof(pc->error), "not JSON: %.200s", json);
		return false;
	}
	ok = show(pc, au_web_post_json(pc->web, url, body, &r), &r);
	json_decref(body);
	return ok;
}

bool au_pc_submit(au_pc *pc, const char *form_id, const char *name, const char *value)
{
	au_web_response r = {0};
	au_form *f = pc->page ? au_page_form(pc->page, form_id) : NULL;

	if (f == NULL) {
		snprintf(pc->error, sizeof(pc->error), "the page has no form %.64s", form_id);
		return false;
	}
	if (name != NULL && au_form_set(f, name, value ? value : "") != AU_WEB_OK) {
		snprintf(pc->error, sizeof(pc->error), "form %.64s refused %.64s", form_id, name);
		return false;
	}
	return show(pc, au_form_submit(pc->web, f, NULL, &r), &r);
}

const char *au_pc_qr_url(const au_pc *pc)
{
	return pc->page ? au_page_data(pc->page, "kagura-qr", "qr-url") : NULL;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (ms > 0 && nanosleep(&ts, &ts) != 0)
		;
}

/* One poll: the state the platform reports, "" when the answer is not the contract's JSON. */
static bool poll_once(au_pc *pc, const char *url, char *state, size_t size)
{
	au_web_response r = {0};
	au_web_err e = au_web_get(pc->web, url, &r);
	json_t *doc = e == AU_WEB_OK ? json_loads(r.body, 0, NULL) : NULL;
	const char *s = json_string_value(json_object_get(doc, "state"));
	bool ok = s != NULL && strlen(s) < size;

	if (e != AU_WEB_OK)
		snprintf(pc->error, sizeof(pc->error), "%.80s (%.200s)", au_web_strerr(e), r.error);
	else if (!ok)
		snprintf(pc->error, sizeof(pc->error), "poll %.200s: no state in the answer", url);
	if (ok)
		strcpy(state, s);
	json_decref(doc);
	au_web_response_reset(&r);
	return ok;
}

bool au_pc_wait(au_pc *pc, int max_polls, int interval_ms, char *state, size_t state_size)
{
	char seen[16] = "", *poll = NULL, *next = NULL;
	bool ok = false;

	if (pc->page != NULL) {
		poll = au_page_resolve(pc->page, au_page_data(pc->page, "kagura-qr", "poll-url"));
		next = au_page_resolve(pc->page, au_page_data(pc->page, "kagura-qr", "next-url"));
	}
	if (poll == NULL || next == NULL) {
		snprintf(pc->error, sizeof(pc->error), "the page shows no QR to wait on");
		goto out;
	}
	for (int i = 0; i < max_polls; i++) {
		if (i > 0)
			sleep_ms(interval_ms);
		if (!poll_once(pc, poll, seen, sizeof(seen)))
			goto out;
		if (strcmp(seen, "waiting") != 0)
			break;
	}
	if (strcmp(seen, "waiting") == 0) {
		snprintf(pc->error, sizeof(pc->error), "still waiting after %d polls", max_polls);
		goto out;
	}
	ok = au_pc_get(pc, next);
out:
	if (state != NULL && state_size > 0)
		snprintf(state, state_size, "%s", seen);
	free(poll);
	free(next);
	return ok;
}

const char *au_pc_title(const au_pc *pc)
{
	const char *t = pc->page ? au_page_title(pc->page) : NULL;
	return t ? t : "";
}

const char *au_pc_text(const au_pc *pc)
{
	const char *t;

	if (pc->page == NULL)
		return "";
	t = au_page_feedback(pc->page);
	return t ? t : au_page_text(pc->page);
}

const char *au_pc_kind(const au_pc *pc)
{
	const char *k = pc->page ? au_page_attr(pc->page, "kc-content", "class") : NULL;
	return k ? k : "";
}
