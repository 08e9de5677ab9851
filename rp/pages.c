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

bool rp_page_render(const char *dir, const char *name, const char *const vars[][2], size_t n,
                    wa_blob *out)
{
	char path[4096];
	const char *why;
	size_t len;
	char *tpl;
	bool ok = true;

	/* Template names are the server's own constants; still, no path may leave dir. */
	if (strchr(name, '/') != NULL ||
	    snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return false;
	if ((tpl = rp_read_file(path, TEMPLATE_MAX, &len, &why)) == NULL)
		return false;
	for (const char *p = tpl; *p != '\0' && ok;) {
		const char *open = strstr(p, "{{"), *close;
		bool raw;
		if (open == NULL) {
			ok = wa_blob_append(out, p, strlen(p)) == WA_OK;
			break;
		}
		raw = open[2] == '{';
		close = strstr(open, raw ? "}}}" : "}}");
		if (close == NULL) {
			ok = wa_blob_append(out, p, strlen(p)) == WA_OK;
			break;
		}
		ok = wa_blob_append(out, p, (size_t)(open - p)) == WA_OK;
		const char *key = open + (raw ? 3 : 2);
		const char *value = lookup(vars, n, key, (size_t)(close - key));
		if (ok)
			ok = raw ? wa_blob_append(out, value, strlen(value)) == WA_OK
			         : rp_html_escape(value, out);
		p = close + (raw ? 3 : 2);
	}
	free(tpl);
	return ok;
}
