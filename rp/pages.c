#include "rp/pages.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp/readfile.h"

#define TEMPLATE_MAX (256 * 1024)

wa_err rp_html_escape(const char *text, wa_buf *out)
{
	for (const char *p = text; *p != '\0'; p++) {
		const char *rep = NULL;
		switch (*p) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			break;
		}
		if (rep != NULL)
			wa_buf_adds(out, rep);
		else
			wa_buf_add(out, p, 1);
	}
	return wa_buf_err(out);
}

wa_err rp_html_lines(wa_buf *out, bool raw, const char *const lines[], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			wa_buf_adds(out, "<br/>");
		if (raw)
			wa_buf_adds(out, lines[i]);
		else
			rp_html_escape(lines[i], out);
	}
	return wa_buf_err(out);
}

static const char *lookup(const char *const vars[][2], size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(vars[i][0]) == len && memcmp(vars[i][0], name, len) == 0)
			return vars[i][1] ? vars[i][1] : "";
	return "";
}

/* dir/name into a fresh string; NULL when name leaves dir or the file cannot be read. */
static char *read_template(const char *dir, const char *name, size_t name_len)
{
	char path[4096];
	const char *why;
	size_t len;

	/* Template names are the pages' own; still, no path may leave dir. */
	if (name_len == 0 || memchr(name, '/', name_len) != NULL ||
	    snprintf(path, sizeof(path), "%s/%.*s", dir, (int)name_len, name) >= (int)sizeof(path))
		return NULL;
	return rp_read_file(path, TEMPLATE_MAX, &len, &why);
}

bool rp_page_render(const char *dir, const char *name, const char *const vars[][2], size_t n,
                    wa_buf *out)
{
	char *tpl = read_template(dir, name, strlen(name));
	bool ok = tpl != NULL;

	for (const char *p = tpl; ok && *p != '\0';) {
		const char *open = strstr(p, "{{"), *close;
		bool raw, partial;
		if (open == NULL || (close = strstr(open, open[2] == '{' ? "}}}" : "}}")) == NULL) {
			wa_buf_adds(out, p);
			break;
		}
		raw = open[2] == '{';
		partial = open[2] == '>';
		wa_buf_add(out, p, (size_t)(open - p));
		if (partial) {
			/* {{> file}}: a file shared by several pages (a script), as it is. */
			const char *file = open + 3;
			while (*file == ' ')
				file++;
			char *text = read_template(dir, file, (size_t)(close - file));
			ok = text != NULL;
			wa_buf_adds(out, text);
			free(text);
		} else {
			const char *key = open + (raw ? 3 : 2);
			const char *value = lookup(vars, n, key, (size_t)(close - key));
			if (raw)
				wa_buf_adds(out, value);
			else
				rp_html_escape(value, out);
		}
		p = close + (raw ? 3 : 2);
	}
	free(tpl);
	return ok;
}
