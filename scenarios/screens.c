/* The kept screens of a block: names of the places, copies owned by the view. */
#include "scenarios/screens.h"

#include <stdlib.h>
#include <string.h>

static const char *const place_names[SC_PLACES] = {
        [SC_PLACE_PHONE_PAGE] = "phone.page",     [SC_PLACE_PHONE_ERROR] = "phone.error",
        [SC_PLACE_PHONE_PROMPT] = "phone.prompt", [SC_PLACE_PC_PAGE] = "pc.page",
        [SC_PLACE_PC_BROWSER] = "pc.browser",     [SC_PLACE_PC_DIALOG] = "pc.dialog",
        [SC_PLACE_PC_VIEWER] = "pc.viewer",
};

const char *sc_place_name(sc_place place)
{
	return place < SC_PLACES ? place_names[place] : "?";
}

bool sc_place_is_page(sc_place place)
{
	return place == SC_PLACE_PHONE_PAGE || place == SC_PLACE_PC_PAGE;
}

bool sc_place_on_phone(sc_place place)
{
	return place <= SC_PLACE_PHONE_PROMPT;
}

static void view_reset(sc_view *v)
{
	free(v->text);
	free(v->url);
	free(v->html);
	memset(v, 0, sizeof(*v));
}

void sc_screens_reset(sc_screens *s)
{
	for (size_t i = 0; i < SC_PLACES; i++)
		view_reset(&s->views[i]);
}

bool sc_view_set(sc_view *v, long status, bool blank, const char *text, const char *url,
                 const char *html, size_t html_len)
{
	view_reset(v);
	v->shown = true;
	v->status = status;
	v->blank = blank;
	v->text = strdup(text ? text : "");
	v->url = strdup(url ? url : "");
	if (html != NULL && (v->html = malloc(html_len + 1)) != NULL) {
		memcpy(v->html, html, html_len);
		v->html[html_len] = '\0';
		v->html_len = html_len;
	}
	if (v->text == NULL || v->url == NULL || (html != NULL && v->html == NULL)) {
		view_reset(v);
		return false;
	}
	return true;
}
