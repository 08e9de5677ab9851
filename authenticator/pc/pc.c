#include "authenticator/pc/pc.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Leaves why for err; returns err. */
static au_err bad(au_pc *pc, au_err err, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static au_err bad(au_pc *pc, au_err err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pc->why, sizeof(pc->why), fmt, ap);
	va_end(ap);
	return err;
}

au_err au_pc_open(au_pc *pc, const char *cookie_jar)
{
	memset(pc, 0, sizeof(*pc));
	if ((pc->web = au_web_new(cookie_jar)) != NULL)
		return AU_OK;
	/* au_web_new fails on memory, or on a jar it cannot read */
	return cookie_jar == NULL ? bad(pc, AU_ERR_NOMEM, "out of memory")
	                          : bad(pc, AU_ERR_BROWSER_FILE,
	                                "%.200s: cookie jar cannot be read", cookie_jar);
}

void au_pc_close(au_pc *pc)
{
	au_page_free(pc->page);
	au_web_free(pc->web);
	memset(pc, 0, sizeof(*pc));
}

/* A file setting au_web refused. */
static au_err file_refused(au_web_err e)
{
	return e == AU_WEB_ERR_NOMEM ? AU_ERR_NOMEM
	       : e == AU_WEB_ERR_ARG ? AU_ERR_ARG
	                             : AU_ERR_BROWSER_FILE;
}

au_err au_pc_set_card(au_pc *pc, const char *cert_pem, const char *key_pem)
{
	au_web_err e;

	pc->why[0] = '\0';
	if (cert_pem == NULL) {
		au_web_clear_client_cert(pc->web);
		return AU_OK;
	}
	if ((e = au_web_set_client_cert_files(pc->web, cert_pem, key_pem, NULL)) != AU_WEB_OK)
		return bad(pc, file_refused(e), "card %.200s: %.80s", cert_pem, au_web_strerr(e));
	return AU_OK;
}

au_err au_pc_set_server_ca(au_pc *pc, const char *server_ca)
{
	au_web_err e;

	pc->why[0] = '\0';
	if ((e = au_web_set_ca_file(pc->web, server_ca)) != AU_WEB_OK)
		return bad(pc, file_refused(e), "CA %.200s: %.80s",
		           server_ca ? server_ca : "(system)", au_web_strerr(e));
	return AU_OK;
}

au_err au_pc_show(au_pc *pc, au_web_err e, const au_web_response *r)
{
	au_page_free(pc->page);
	pc->page = NULL;
	pc->status = r->status;
	pc->why[0] = '\0';
	if (e != AU_WEB_OK)
		return bad(pc, AU_ERR_NETWORK, "%.80s (%.200s)", au_web_strerr(e), r->error);
	if (au_page_parse(r->body ? r->body : "", r->body ? r->body_len : 0, r->url, &pc->page) !=
	    AU_WEB_OK)
		return bad(pc, AU_ERR_NETWORK, "%.200s: the page cannot be read",
		           r->url ? r->url : "");
	return AU_OK;
}

/* Shows the answer au_web gave, and lets it go. */
static au_err show(au_pc *pc, au_web_err e, au_web_response *r)
{
	au_err err = au_pc_show(pc, e, r);

	au_web_response_reset(r);
	return err;
}

au_err au_pc_get(au_pc *pc, const char *url)
{
	au_web_response r = {0};

	return show(pc, au_web_get(pc->web, url, &r), &r);
}

au_err au_pc_post_json(au_pc *pc, const char *url, const char *json)
{
	au_web_response r = {0};
	json_t *body = json_loads(json, 0, NULL);
	au_err err;

	if (body == NULL)
		return bad(pc, AU_ERR_ARG, "not JSON: %.200s", json ? json : "(null)");
	err = show(pc, au_web_post_json(pc->web, url, body, &r), &r);
	json_decref(body);
	return err;
}

au_err au_pc_submit(au_pc *pc, const char *form_id, const char *name, const char *value)
{
	au_web_response r = {0};
	au_form *f = pc->page ? au_page_form(pc->page, form_id) : NULL;
	au_web_err e;

	if (f == NULL)
		return bad(pc, AU_ERR_NO_FORM, "the page has no form %.64s", form_id);
	if (name != NULL && (e = au_form_set(f, name, value ? value : "")) != AU_WEB_OK)
		return bad(pc, e == AU_WEB_ERR_NOMEM ? AU_ERR_NOMEM : AU_ERR_ARG,
		           "form %.64s refused %.64s", form_id, name);
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

/* One poll: the state the platform reports into state. */
static au_err poll_once(au_pc *pc, const char *url, char *state, size_t size)
{
	au_web_response r = {0};
	au_web_err e = au_web_get(pc->web, url, &r);
	json_t *doc = e == AU_WEB_OK ? json_loads(r.body, 0, NULL) : NULL;
	const char *s = json_string_value(json_object_get(doc, "state"));
	au_err err = AU_OK;

	if (e != AU_WEB_OK)
		err = bad(pc, AU_ERR_NETWORK, "%.80s (%.200s)", au_web_strerr(e), r.error);
	else if (s == NULL || strlen(s) >= size)
		err = bad(pc, AU_ERR_QR_POLL, "poll %.200s: no state in the answer", url);
	else
		strcpy(state, s);
	json_decref(doc);
	au_web_response_reset(&r);
	return err;
}

au_err au_pc_wait(au_pc *pc, int max_polls, int interval_ms, char *state, size_t state_size)
{
	char seen[16] = "", *poll = NULL, *next = NULL;
	au_err err = AU_OK;

	pc->why[0] = '\0';
	if (pc->page != NULL) {
		poll = au_page_resolve(pc->page, au_page_data(pc->page, "kagura-qr", "poll-url"));
		next = au_page_resolve(pc->page, au_page_data(pc->page, "kagura-qr", "next-url"));
	}
	if (poll == NULL || next == NULL) {
		err = bad(pc, AU_ERR_NO_QR, "the page shows no QR to wait on");
		goto out;
	}
	for (int i = 0; i < max_polls; i++) {
		if (i > 0)
			sleep_ms(interval_ms);
		if ((err = poll_once(pc, poll, seen, sizeof(seen))) != AU_OK)
			goto out;
		if (strcmp(seen, "waiting") != 0)
			break;
	}
	if (strcmp(seen, "waiting") == 0) {
		err = bad(pc, AU_ERR_QR_WAITING, "still waiting after %d polls", max_polls);
		goto out;
	}
	err = au_pc_get(pc, next);
out:
	if (state != NULL && state_size > 0)
		snprintf(state, state_size, "%s", seen);
	free(poll);
	free(next);
	return err;
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
