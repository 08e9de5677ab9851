/*
 * What the user saw at the end of a cause or remedy block, kept for the visual report
 * (kagura-scenarios run --format html): each place's text as the expectations read it, and the
 * page as served where the place is a browser's page.
 */
#ifndef KAGURA_SCENARIOS_SCREENS_H
#define KAGURA_SCENARIOS_SCREENS_H

#include <stdbool.h>
#include <stddef.h>

#include "scenarios/world.h"

/* The places a scenario reads (expect.* where=...), in the order a report shows them. */
typedef enum sc_place {
	SC_PLACE_PHONE_PAGE,
	SC_PLACE_PHONE_ERROR,
	SC_PLACE_PHONE_PROMPT,
	SC_PLACE_PC_PAGE,
	SC_PLACE_PC_BROWSER,
	SC_PLACE_PC_DIALOG,
	SC_PLACE_PC_VIEWER,
	SC_PLACES
} sc_place;

/* "phone.page", ...: the name scenario files use. */
const char *sc_place_name(sc_place place);
/* Whether the place is a page a browser renders (it has HTML), not a dialog or a prompt. */
bool sc_place_is_page(sc_place place);
/* Whether the place is on the phone (else the PC). */
bool sc_place_on_phone(sc_place place);

/* One place's screen. Every pointer is owned by the view (sc_screens_reset frees them). */
typedef struct sc_view {
	bool shown; /* something was shown there */
	long status;
	bool blank; /* a page that arrived and renders nothing */
	char *text; /* title and text, the exception, the prompts */
	char *url;  /* "" none */
	char *html; /* the page as served; NULL: not a page, or no page arrived */
	size_t html_len;
} sc_view;

typedef struct sc_screens {
	char block[16];   /* "c1", "r2": the block's id */
	bool remedy;      /* a remedy block (after the cause at index cause) */
	size_t cause;     /* index into sc_entry_result.causes */
	sc_status status; /* the block's */
	long ms;          /* the block's steps, setup excluded */
	sc_view views[SC_PLACES];
} sc_screens;

/* Frees the views' texts and pages; the screens stay valid (nothing shown). */
void sc_screens_reset(sc_screens *s);

/* A view of text, url and page (copies; NULL: none); false when memory runs out. */
bool sc_view_set(sc_view *v, long status, bool blank, const char *text, const char *url,
                 const char *html, size_t html_len);

#endif
