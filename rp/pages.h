/* HTML pages from the templates in fixtures/pages/ (see its README). */
#ifndef KAGURA_RP_PAGES_H
#define KAGURA_RP_PAGES_H

#include <stdbool.h>
#include <stddef.h>

#include "webauthn/buf.h"

#define RP_HTML_MAX (1024 * 1024) /* the largest page or fragment the platform builds */

/* Appends text to out with &, <, >, " and ' escaped for HTML text and attributes. */
wa_err rp_html_escape(const char *text, wa_buf *out);
/* Appends text for a JavaScript string literal in a script element: quotes, backslash, <, >, &
 * and control characters as \uXXXX. */
wa_err rp_js_escape(const char *text, wa_buf *out);
/* Appends the texts as the lines of one message, joined by <br/>: escaped, or (raw) as the
 * bundle has them when its values are HTML fragments. */
wa_err rp_html_lines(wa_buf *out, bool raw, const char *const lines[], size_t n);

/*
 * Renders DIR/NAME with vars ({name, value} pairs) into out: {{name}} escaped for HTML, {{{name}}}
 * raw, {{js name}} escaped for a script's string literal;
 * an unknown name renders empty; {{> FILE}} the file DIR/FILE: a .html file rendered with the
 * same vars (a shared head or layout), any other (a script, a stylesheet) as it is. False also
 * when a shared file is missing or the .html files include each other too deep. False when the
 * template cannot be read; a memory or size failure is out's own (wa_buf_err).
 */
bool rp_page_render(const char *dir, const char *name, const char *const vars[][2], size_t n,
                    wa_buf *out);

/* The templates of one directory, each file read on its first use and kept (as Keycloak's theme
 * cache does: an edited template shows after a restart). Shared by a platform's threads. */
typedef struct rp_pages rp_pages;

rp_pages *rp_pages_new(const char *dir); /* NULL: out of memory or dir too long */
void rp_pages_free(rp_pages *p);
/* rp_page_render with pages' directory and its kept files. */
bool rp_pages_render(rp_pages *pages, const char *name, const char *const vars[][2], size_t n,
                     wa_buf *out);

#endif
