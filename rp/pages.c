#include "rp/pages.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp/readfile.h"

#define TEMPLATE_MAX (256 * 1024)

bool rp_html_escape(const char *text, wa_blob *out)
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
		if ((rep ? wa_blob_append(out, rep, strlen(rep)) : wa_blob_append(out, p, 1)) !=
		    WA_OK)
			return false;
	}
	return true;
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
                    wa_blob *out)
{
	char *tpl = read_template(dir, name, strlen(name));
	bool ok = tpl != NULL;

	for (const char *p = tpl; ok && *p != '\0';) {
		const char *open = strstr(p, "{{"), *close;
		bool raw, partial;
		if (open == NULL) {
			ok = wa_blob_append(out, p, strlen(p)) == WA_OK;
			break;
		}
		raw = open[2] == '{';
		partial = open[2] == '>';
		close = strstr(open, raw ? "}}}" : "}}");
		if (close == NULL) {
			ok = wa_blob_append(out, p, strlen(p)) == WA_OK;
			break;
		}
		ok = wa_blob_append(out, p, (size_t)(open - p)) == WA_OK;
		if (ok && partial) {
			/* {{> file}}: a file shared by several pages (a script), as it is. */
			const char *file = open + 3;
			while (*file == ' ')
				file++;
			char *text = read_template(dir, file, (size_t)(close - file));
			ok = text != NULL && wa_blob_append(out, text, strlen(text)) == WA_OK;
			free(text);
		} else if (ok) {
			const char *key = open + (raw ? 3 : 2);
			const char *value = lookup(vars, n, key, (size_t)(close - key));
			ok = raw ? wa_blob_append(out, value, strlen(value)) == WA_OK
			         : rp_html_escape(value, out);
		}
		p = close + (raw ? 3 : 2);
	}
	free(tpl);
	return ok;
}
