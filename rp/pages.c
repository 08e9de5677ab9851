#include "rp/pages.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp/readfile.h"

#define TEMPLATE_MAX (256 * 1024)
/* Shared pieces of page may include others; a file that includes itself stops here. */
#define RP_PARTIAL_DEPTH_MAX 4
/* {{js name}}: the value inside a script's string literal. */
#define JS_PREFIX "js "

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

wa_err rp_js_escape(const char *text, wa_buf *out)
{
	for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
		/* Quotes and backslash would end the string; <, > and & could end the script
		 * element or read as markup; control characters are not allowed in a literal. */
		if (*p < 0x20 || *p == '"' || *p == '\'' || *p == '\\' || *p == '<' || *p == '>' ||
		    *p == '&' || *p == 0x7F) {
			char esc[8];
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			wa_buf_adds(out, esc);
		} else {
			wa_buf_add(out, (const char *)p, 1);
		}
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

/* Whether a shared file is a piece of page (rendered with the page's values) or a script or
 * stylesheet (inserted as it is: its braces are the language's, not the template's). */
static bool is_html_part(const char *name, size_t len)
{
	static const char ext[] = ".html";

	return len >= sizeof(ext) - 1 &&
	       memcmp(name + len - (sizeof(ext) - 1), ext, sizeof(ext) - 1) == 0;
}

static bool render_text(const char *dir, const char *tpl, const char *const vars[][2], size_t n,
                        wa_buf *out, unsigned depth)
{
	bool ok = true;

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
			/* {{> file}}: a file shared by several pages (the head, a script). */
			const char *file = open + 3;
			while (*file == ' ')
				file++;
			size_t len = (size_t)(close - file);
			char *text = read_template(dir, file, len);
			ok = text != NULL;
			if (ok && is_html_part(file, len))
				ok = depth < RP_PARTIAL_DEPTH_MAX &&
				     render_text(dir, text, vars, n, out, depth + 1);
			else if (ok)
				wa_buf_adds(out, text);
			free(text);
		} else {
			const char *key = open + (raw ? 3 : 2);
			bool js = !raw && strncmp(key, JS_PREFIX, sizeof(JS_PREFIX) - 1) == 0;
			if (js)
				key += sizeof(JS_PREFIX) - 1;
			const char *value = lookup(vars, n, key, (size_t)(close - key));
			if (raw)
				wa_buf_adds(out, value);
			else if (js)
				rp_js_escape(value, out);
			else
				rp_html_escape(value, out);
		}
		p = close + (raw ? 3 : 2);
	}
	return ok;
}

bool rp_page_render(const char *dir, const char *name, const char *const vars[][2], size_t n,
                    wa_buf *out)
{
	char *tpl = read_template(dir, name, strlen(name));
	bool ok = tpl != NULL && render_text(dir, tpl, vars, n, out, 0);

	free(tpl);
	return ok;
}
