/* HTML pages from the templates in fixtures/pages/ (see its README). */
#ifndef KAGURA_RP_PAGES_H
#define KAGURA_RP_PAGES_H

#include <stdbool.h>
#include <stddef.h>

#include "webauthn/blob.h"

/* Appends text to out with &, <, >, " and ' escaped for HTML text and attributes. */
bool rp_html_escape(const char *text, wa_blob *out);

/*
 * Renders DIR/NAME with vars ({name, value} pairs): {{name}} escaped,
 * {{{name}}} raw; an unknown name renders empty. False when the template
 * cannot be read or memory runs out.
 */
bool rp_page_render(const char *dir, const char *name, const char *const vars[][2], size_t n,
                    wa_blob *out);

#endif
