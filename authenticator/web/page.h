/*
 * The simulated browser's reading half: a platform page parsed with libxml2's
 * forgiving HTML parser into what the harness looks at — the title, the
 * Keycloak message hooks (kc-feedback-text, alert-error; docs/keycloak.md,
 * "Error page and message hooks"), the visible text, the forms with their
 * hidden inputs, and data-* attributes. Any bytes are accepted: a page that is
 * not HTML is a page with little on it, never an error.
 *
 * Pages are read as UTF-8 whatever they declare (the platform's pages are);
 * every string handed out is UTF-8 and owned by the page (or its form).
 */
#ifndef KAGURA_AUTHENTICATOR_WEB_PAGE_H
#define KAGURA_AUTHENTICATOR_WEB_PAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "authenticator/web/web.h"

typedef struct au_form_input {
	char *tag;   /* "input", "button", "select" or "textarea" */
	char *type;  /* lower-case; an input without type is "text", a button "submit" */
	char *name;  /* "" when the control has none */
	char *id;    /* NULL when none */
	char *value; /* value attribute; a select's selected option; a textarea's text */
	bool checked;
	bool disabled;
} au_form_input;

typedef struct au_form {
	char *id;         /* NULL when none */
	char *method;     /* "get" or "post" (HTML: anything else is get) */
	char *action_raw; /* the attribute as written, NULL when absent */
	char *action;     /* absolute (against the page URL and <base>); NULL: cannot be resolved */
	size_t n_inputs;
	au_form_input *inputs; /* in document order */
} au_form;

typedef struct au_page au_page;

/*
 * Parses len bytes (NUL bytes included, read as spaces) of a page fetched from
 * base_url (may be NULL: relative actions then stay unresolved). An empty body
 * gives an empty page. Errors: AU_WEB_ERR_ARG, AU_WEB_ERR_NOMEM,
 * AU_WEB_ERR_TOO_LARGE (over INT_MAX bytes, libxml2's limit).
 */
au_web_err au_page_parse(const char *html, size_t len, const char *base_url, au_page **out);
void au_page_free(au_page *p);

/* The document's URL as given, or NULL. */
const char *au_page_url(const au_page *p);
/* The bytes the page was parsed from, as served (NUL-terminated; *len gets their count). */
const char *au_page_html(const au_page *p, size_t *len);
/* <title>, whitespace-normalised; "" when none. */
const char *au_page_title(const au_page *p);
/*
 * Keycloak's message: the element with id kc-feedback-text (older themes),
 * else the first with class kc-feedback-text (keycloak.v2); NULL when neither.
 */
const char *au_page_feedback(const au_page *p);
/* The text of every element with class alert-error, joined by a space; NULL when none. */
const char *au_page_alert_error(const au_page *p);
/*
 * What a user reads: the body's text as a script-running browser shows it —
 * no script, style, noscript, template, <head>, [hidden] or inline
 * display:none; buttons' values included; block elements and <br> separate
 * words. Whitespace-normalised: runs of ASCII whitespace and U+00A0 are one
 * space, none at either end.
 */
const char *au_page_text(const au_page *p);
/* Any <script> (inline or src): a page without one shows nothing more to a browser without JS. */
bool au_page_has_script(const au_page *p);

/*
 * A value the page's inline scripts write as a literal: "name : 'x'", "name: \"x\"" (Keycloak's
 * module scripts, quoted either way by version) or "let name = ..." (older inline scripts). A
 * string comes decoded (\uXXXX, \', ...), a number or true/false as written, an array as its
 * inside ("-7,-257,"); an expression there is skipped. The first literal for name; NULL when
 * none.
 */
const char *au_page_script_value(const au_page *p, const char *name);

/* By element id (the first when ids repeat); NULL when the element or attribute is absent. */
const char *au_page_attr(const au_page *p, const char *id, const char *name);
/* data-NAME: au_page_data(p, "kc-webauthn", "webauthn-options") reads data-webauthn-options. */
const char *au_page_data(const au_page *p, const char *id, const char *name);
/* ref (a link or data-*-url) resolved against the page's base, owned (free()); NULL when
 * impossible. */
char *au_page_resolve(const au_page *p, const char *ref);
/* The visible text of that element, normalised as au_page_text. */
const char *au_page_text_by_id(const au_page *p, const char *id);

size_t au_page_n_forms(const au_page *p);
au_form *au_page_form_at(au_page *p, size_t i);
/* The form with that id; id NULL: the first form. NULL when none. */
au_form *au_page_form(au_page *p, const char *id);

/* The value of the first control with that name; NULL when none. */
const char *au_form_value(const au_form *f, const char *name);
/*
 * What the page's script does before submitting: sets the first control with
 * that name (a checkbox or radio is also checked), or adds a hidden input.
 */
au_web_err au_form_set(au_form *f, const char *name, const char *value);
/*
 * HTML's entry list: named, enabled controls; checked checkboxes/radios only
 * (value "on" by default); of the buttons only the submitter's (matched by
 * name; NULL: none). *fields is one allocation the caller frees; its strings
 * stay the form's.
 */
au_web_err au_form_entries(const au_form *f, const char *submitter, const char *(**fields)[2],
                           size_t *n);
/* Submits like a browser: post → au_web_post_form, get → the entries as the action's query. */
au_web_err au_form_submit(au_web *web, const au_form *f, const char *submitter,
                          au_web_response *out);

#endif
