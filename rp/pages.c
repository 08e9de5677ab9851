#include "rp/pages.h"

#include <pthread.h>
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

/* A template file as read, kept for the next page. */
typedef struct template
{
	char name[128];
	char *text; /* owned */
}
template;

struct rp_pages {
	char dir[4096];
	pthread_mutex_t lock; /* guards n and the entries being added; a kept text never changes */
	template *kept;       /* owned, n of cap */
	size_t n, cap;
};

rp_pages *rp_pages_new(const char *dir)
{
	rp_pages *p = calloc(1, sizeof(*p));

	if (p == NULL || dir == NULL || strlen(dir) >= sizeof(p->dir) ||
	    pthread_mutex_init(&p->lock, NULL) != 0) {
		free(p);
		return NULL;
	}
	memcpy(p->dir, dir, strlen(dir) + 1);
	return p;
}

void rp_pages_free(rp_pages *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->kept[i].text);
	free(p->kept);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* The text of dir/name (borrowed from pages, kept until rp_pages_free); NULL when name leaves
 * dir or the file cannot be read. A failed read is not kept. */
static const char *read_template(rp_pages *pages, const char *name, size_t name_len)
{
	char path[4096];
	const char *why, *found = NULL;
	char *text;
	size_t len;

	/* Template names are the pages' own; still, no path may leave dir. */
	if (name_len == 0 || name_len >= sizeof(((template *)NULL)->name) ||
	    memchr(name, '/', name_len) != NULL ||
	    snprintf(path, sizeof(path), "%s/%.*s", pages->dir, (int)name_len, name) >=
	            (int)sizeof(path))
		return NULL;
	pthread_mutex_lock(&pages->lock);
	for (size_t i = 0; found == NULL && i < pages->n; i++)
		if (strncmp(pages->kept[i].name, name, name_len) == 0 &&
		    pages->kept[i].name[name_len] == '\0')
			found = pages->kept[i].text;
	if (found == NULL && pages->n == pages->cap) {
		size_t cap = pages->cap ? 2 * pages->cap : 32;
		template *grown = realloc(pages->kept, cap * sizeof(*grown));
		if (grown != NULL) {
			pages->kept = grown;
			pages->cap = cap;
		}
	}
	if (found == NULL && pages->n < pages->cap &&
	    (text = rp_read_file(path, TEMPLATE_MAX, &len, &why)) != NULL) {
		template *t = &pages->kept[pages->n++];
		memcpy(t->name, name, name_len);
		t->name[name_len] = '\0';
		t->text = text;
		found = text;
	}
	pthread_mutex_unlock(&pages->lock);
	return found;
}

/* Whether a shared file is a piece of page (rendered with the page's values) or a script or
 * stylesheet (inserted as it is: its braces are the language's, not the template's). */
static bool is_html_part(const char *name, size_t len)
{
	static const char ext[] = ".html";

	return len >= sizeof(ext) - 1 &&
	       memcmp(name + len - (sizeof(ext) - 1), ext, sizeof(ext) - 1) == 0;
}

static bool render_text(rp_pages *pages, const char *tpl, const char *const vars[][2], size_t n,
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
			const char *text = read_template(pages, file, len);
			ok = text != NULL;
			if (ok && is_html_part(file, len))
				ok = depth < RP_PARTIAL_DEPTH_MAX &&
				     render_text(pages, text, vars, n, out, depth + 1);
			else if (ok)
				wa_buf_adds(out, text);
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

bool rp_pages_render(rp_pages *pages, const char *name, const char *const vars[][2], size_t n,
                     wa_buf *out)
{
	const char *tpl = read_template(pages, name, strlen(name));

	return tpl != NULL && render_text(pages, tpl, vars, n, out, 0);
}

bool rp_page_render(const char *dir, const char *name, const char *const vars[][2], size_t n,
                    wa_buf *out)
{
	rp_pages *pages = rp_pages_new(dir);
	bool ok = pages != NULL && rp_pages_render(pages, name, vars, n, out);

	rp_pages_free(pages);
	return ok;
}
