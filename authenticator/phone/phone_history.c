/* The phone's browser history: the pages it can show again, the last form it posted. */
#include "authenticator/phone/phone.h"

#include <stdlib.h>
#include <string.h>

#include "authenticator/phone/phone_impl.h"

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

void au_phone_post_remember(au_phone *p, const au_form *f)
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

void au_phone_history_push(au_phone *p, const char *url, const char *html, size_t len, long status)
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

void au_phone_history_pop(au_phone *p)
{
	p->n_history--;
	free(p->history[p->n_history].url);
	free(p->history[p->n_history].html);
	memset(&p->history[p->n_history], 0, sizeof(p->history[0]));
}

void au_phone_history_forget(au_phone *p)
{
	history_clear(p);
	post_clear(p);
}
