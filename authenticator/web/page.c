#include "authenticator/web/page.h"
#include "webauthn/arraylen.h"

#include <curl/curl.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Strings made on demand by the by-id accessors, freed with the page. */
typedef struct kept {
	struct kept *next;
	char s[];
} kept;

typedef struct arena {
	kept *head;
} arena;

struct au_page {
	xmlDoc *doc; /* NULL for an empty page; kept for the by-id lookups */
	char *url;
	char *base; /* against which actions resolve: url, or its <base href> */
	char *title, *feedback, *alert, *text;
	bool script;
	char *scripts; /* every inline script's text as written, one after another */
	char *html;    /* the bytes as served, NUL-terminated past html_len */
	size_t html_len;
	au_form *forms;
	size_t n_forms;
	/* A pointer, so the const accessors can still add to it. */
	arena *kept;
};

/* ---- tree walking ---- */

/* Return true to go into n's children. */
typedef bool (*visit_fn)(xmlNode *n, void *ud);
typedef void (*leave_fn)(xmlNode *n, void *ud);

/*
 * Pre-order over root's subtree without recursion: hostile pages nest
 * elements hundreds of thousands deep, and the C stack would not last.
 * leave runs after a node's subtree (or at once when it was not entered).
 */
static void walk(xmlNode *root, visit_fn visit, leave_fn leave, void *ud)
{
	xmlNode *n = root;

	while (n != NULL) {
		if (visit(n, ud) && n->children != NULL) {
			n = n->children;
			continue;
		}
		if (leave)
			leave(n, ud);
		while (n != root && n->next == NULL) {
			n = n->parent;
			if (leave)
				leave(n, ud);
		}
		if (n == root)
			break;
		n = n->next;
	}
}

static bool is_element(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->name != NULL &&
	       (name == NULL || strcasecmp((const char *)n->name, name) == 0);
}

/*
 * An attribute's value, borrowed from the tree; "" for a bare attribute
 * (hidden, checked), NULL when absent. libxml2's HTML parser stores each
 * value as one text node.
 */
static const char *attr(const xmlNode *n, const char *name)
{
	const xmlAttr *a;

	if (n->type != XML_ELEMENT_NODE)
		return NULL;
	for (a = n->properties; a != NULL; a = a->next) {
		if (a->name == NULL || strcasecmp((const char *)a->name, name) != 0)
			continue;
		if (a->children != NULL && a->children->type == XML_TEXT_NODE &&
		    a->children->content != NULL)
			return (const char *)a->children->content;
		return "";
	}
	return NULL;
}

static bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* class="a b c" contains the token? */
static bool has_class(const xmlNode *n, const char *token)
{
	const char *c = attr(n, "class");
	size_t tl = strlen(token);

	while (c != NULL && *c) {
		size_t l = 0;

		while (is_ws((unsigned char)*c))
			c++;
		while (c[l] && !is_ws((unsigned char)c[l]))
			l++;
		if (l == tl && strncmp(c, token, l) == 0)
			return true;
		c += l;
	}
	return false;
}

/* ---- normalised text ---- */

typedef struct textbuf {
	char *ptr;
	size_t len, cap;
	bool space; /* a space is owed before the next visible character */
	bool oom;
} textbuf;

static void tb_put(textbuf *t, char c)
{
	if (t->oom)
		return;
	if (t->len + 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		char *p = realloc(t->ptr, cap);

		if (p == NULL) {
			t->oom = true;
			return;
		}
		t->ptr = p;
		t->cap = cap;
	}
	t->ptr[t->len++] = c;
	t->ptr[t->len] = '\0';
}

/* A word boundary: one space before the next text, none at the start. */
static void tb_sep(textbuf *t)
{
	if (t->len > 0)
		t->space = true;
}

static void tb_add(textbuf *t, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (p != NULL && *p) {
		/* U+00A0 counts as a space: tests compare words, not layout. */
		if (is_ws(*p) || (p[0] == 0xC2 && p[1] == 0xA0)) {
			tb_sep(t);
			p += *p == 0xC2 ? 2 : 1;
			continue;
		}
		if (t->space) {
			tb_put(t, ' ');
			t->space = false;
		}
		tb_put(t, (char)*p++);
	}
}

/* The buffer as an owned string ("" when empty); NULL when out of memory. */
static char *tb_take(textbuf *t)
{
	char *s;

	if (t->oom) {
		free(t->ptr);
		return NULL;
	}
	s = t->ptr ? t->ptr : strdup("");
	memset(t, 0, sizeof(*t));
	return s;
}

/* Elements that do not break a line: everything else separates words. */
static bool is_inline(const char *name)
{
	static const char *const names[] = {
	        "a",      "abbr", "b",   "bdi",  "bdo",  "big",   "button", "cite",
	        "code",   "data", "dfn", "em",   "font", "i",     "img",    "kbd",
	        "label",  "mark", "q",   "s",    "samp", "small", "span",   "strike",
	        "strong", "sub",  "sup", "time", "tt",   "u",     "var",    "wbr",
	};

	for (size_t i = 0; i < KAGURA_LEN(names); i++)
		if (strcasecmp(name, names[i]) == 0)
			return true;
	return false;
}

/* style="... display : none ..." (any case, any spacing). */
static bool styled_hidden(const char *style)
{
	static const char want[] = "display:none";
	const char *p;

	for (p = style; p != NULL && *p; p++) {
		const char *q = p;
		size_t i = 0;

		while (*q && want[i]) {
			if (is_ws((unsigned char)*q) && i > 0) {
				q++;
				continue;
			}
			if ((*q | 0x20) != want[i] && *q != want[i])
				break;
			q++;
			i++;
		}
		if (want[i] == '\0')
			return true;
	}
	return false;
}

typedef struct text_walk {
	textbuf *tb;
	const xmlNode *root;
	bool raw; /* every text node, visible or not (<title>) */
} text_walk;

static bool text_visit(xmlNode *n, void *ud)
{
	text_walk *w = ud;
	static const char *const unseen[] = {"script", "style", "noscript", "template",
	                                     "head",   "title", "iframe",   "object"};
	const char *name, *type, *style;

	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
		tb_add(w->tb, (const char *)n->content);
		return false;
	}
	if (n->type == XML_HTML_DOCUMENT_NODE || n->type == XML_DOCUMENT_NODE)
		return true;
	if (n->type != XML_ELEMENT_NODE || n->name == NULL)
		return false;
	if (w->raw || n == w->root)
		return true;
	name = (const char *)n->name;
	for (size_t i = 0; i < KAGURA_LEN(unseen); i++)
		if (strcasecmp(name, unseen[i]) == 0)
			return false;
	if (attr(n, "hidden") != NULL || ((style = attr(n, "style")) && styled_hidden(style)))
		return false;
	if (strcasecmp(name, "br") == 0) {
		tb_sep(w->tb);
		return false;
	}
	if (strcasecmp(name, "input") == 0) {
		/* A button drawn from an input shows its value ("Try again"). */
		type = attr(n, "type");
		if (type && (strcasecmp(type, "submit") == 0 || strcasecmp(type, "button") == 0 ||
		             strcasecmp(type, "reset") == 0)) {
			tb_sep(w->tb);
			tb_add(w->tb, attr(n, "value"));
			tb_sep(w->tb);
		}
		return false;
	}
	if (!is_inline(name) || strcasecmp(name, "button") == 0)
		tb_sep(w->tb);
	return true;
}

static void text_leave(xmlNode *n, void *ud)
{
	text_walk *w = ud;

	if (n->type == XML_ELEMENT_NODE && n->name != NULL &&
	    (!is_inline((const char *)n->name) || strcasecmp((const char *)n->name, "button") == 0))
		tb_sep(w->tb);
}

/* Normalised text of n's subtree (n itself always entered); NULL when out of memory. */
static char *text_of(xmlNode *n, bool raw)
{
	textbuf tb = {0};
	text_walk w = {&tb, n, raw};

	if (n != NULL)
		walk(n, text_visit, text_leave, &w);
	return tb_take(&tb);
}

/* ---- URLs ---- */

/* ref resolved against base (may be NULL) as an owned string; NULL when impossible. */
static char *resolve(const char *base, const char *ref)
{
	CURLU *u = curl_url();
	char *got = NULL, *out = NULL, *trimmed;
	size_t len;
	bool ok;

	if (u == NULL)
		return NULL;
	/* HTML strips ASCII whitespace around URL attributes before parsing them. */
	while (is_ws((unsigned char)*ref))
		ref++;
	len = strlen(ref);
	while (len > 0 && is_ws((unsigned char)ref[len - 1]))
		len--;
	if ((trimmed = strndup(ref, len)) == NULL) {
		curl_url_cleanup(u);
		return NULL;
	}
	ok = base == NULL || curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK;
	/* A relative reference against the URL held: RFC 3986 §5.2. */
	ok = ok && curl_url_set(u, CURLUPART_URL, trimmed, 0) == CURLUE_OK &&
	     curl_url_get(u, CURLUPART_URL, &got, 0) == CURLUE_OK;
	if (ok)
		out = strdup(got);
	curl_free(got);
	free(trimmed);
	curl_url_cleanup(u);
	return out;
}

char *au_page_resolve(const au_page *p, const char *ref)
{
	return ref == NULL ? NULL : resolve(p->base, ref);
}

/* ---- forms ---- */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void input_reset(au_form_input *in)
{
	free(in->tag);
	free(in->type);
	free(in->name);
	free(in->id);
	free(in->value);
	memset(in, 0, sizeof(*in));
}

static void form_reset(au_form *f)
{
	for (size_t i = 0; i < f->n_inputs; i++)
		input_reset(&f->inputs[i]);
	free(f->inputs);
	free(f->id);
	free(f->method);
	free(f->action_raw);
	free(f->action);
	memset(f, 0, sizeof(*f));
}

static au_form_input *form_grow(au_form *f)
{
	au_form_input *p = realloc(f->inputs, (f->n_inputs + 1) * sizeof(*p));

	if (p == NULL)
		return NULL;
	f->inputs = p;
	memset(&p[f->n_inputs], 0, sizeof(*p));
	return &p[f->n_inputs++];
}

/* An option's value: its value attribute, else its text, stripped and collapsed. */
static char *option_value(xmlNode *opt)
{
	const char *v = attr(opt, "value");

	return v ? strdup(v) : text_of(opt, true);
}

typedef struct option_walk {
	xmlNode *first, *selected;
} option_walk;

static bool option_visit(xmlNode *n, void *ud)
{
	option_walk *w = ud;

	if (is_element(n, "option")) {
		if (w->first == NULL)
			w->first = n;
		if (w->selected == NULL && attr(n, "selected") != NULL)
			w->selected = n;
		return false;
	}
	return true;
}

static char *select_value(xmlNode *sel)
{
	option_walk w = {NULL, NULL};

	walk(sel, option_visit, NULL, &w);
	if (w.selected || w.first)
		return option_value(w.selected ? w.selected : w.first);
	return strdup("");
}

static char *textarea_value(xmlNode *n)
{
	xmlChar *c = xmlNodeGetContent(n);
	char *s;

	if (c == NULL)
		return strdup("");
	s = strdup((const char *)c);
	xmlFree(c);
	return s;
}

typedef struct form_walk {
	au_form *form;
	const xmlNode *root;
	bool oom;
} form_walk;

static bool form_visit(xmlNode *n, void *ud)
{
	form_walk *w = ud;
	const char *name, *type;
	au_form_input *in;
	bool is_select, is_textarea;

	if (n->type == XML_HTML_DOCUMENT_NODE || n == w->root)
		return true;
	if (n->type != XML_ELEMENT_NODE || n->name == NULL || w->oom)
		return false;
	name = (const char *)n->name;
	/* A nested form's controls are its own. */
	if (strcasecmp(name, "form") == 0)
		return false;
	is_select = strcasecmp(name, "select") == 0;
	is_textarea = strcasecmp(name, "textarea") == 0;
	if (!is_select && !is_textarea && strcasecmp(name, "input") != 0 &&
	    strcasecmp(name, "button") != 0)
		return true;
	if ((in = form_grow(w->form)) == NULL) {
		w->oom = true;
		return false;
	}
	type = attr(n, "type");
	if (is_select || is_textarea)
		type = name;
	else if (type == NULL || *type == '\0')
		type = strcasecmp(name, "button") == 0 ? "submit" : "text";
	in->tag = strdup(name);
	in->type = strdup(type);
	for (char *p = in->type; p && *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	in->name = strdup(attr(n, "name") ? attr(n, "name") : "");
	in->id = dup_or_null(attr(n, "id"));
	if (is_select)
		in->value = select_value(n);
	else if (is_textarea)
		in->value = textarea_value(n);
	else
		in->value = strdup(attr(n, "value") ? attr(n, "value") : "");
	in->checked = attr(n, "checked") != NULL;
	in->disabled = attr(n, "disabled") != NULL;
	if (in->tag == NULL || in->type == NULL || in->name == NULL || in->value == NULL ||
	    (attr(n, "id") != NULL && in->id == NULL))
		w->oom = true;
	/* A select's options and a textarea's text are its value, not more controls. */
	return !is_select && !is_textarea;
}

static bool form_read(xmlNode *n, const char *base, au_form *f)
{
	form_walk w = {f, n, false};
	const char *method = attr(n, "method"), *action = attr(n, "action"), *id = attr(n, "id");

	memset(f, 0, sizeof(*f));
	f->method = strdup(method && strcasecmp(method, "post") == 0 ? "post" : "get");
	f->id = dup_or_null(id);
	f->action_raw = dup_or_null(action);
	if (f->method == NULL || (id && f->id == NULL) || (action && f->action_raw == NULL))
		return false;
	/* No action, or an empty one, submits to the document's own URL. */
	if (action == NULL || *action == '\0')
		f->action = base ? strdup(base) : NULL;
	else
		f->action = resolve(base, action);
	walk(n, form_visit, NULL, &w);
	return !w.oom;
}

/* ---- the page ---- */

typedef struct scan {
	au_page *page;
	textbuf scripts; /* raw: a script's spacing is kept */
	xmlNode *title, *feedback_id, *feedback_class, *base;
	xmlNode *in_alert; /* the alert-error element being inside of, else NULL */
	textbuf alert;
	bool any_alert;
	xmlNode **forms;
	size_t n_forms, cap_forms;
	bool oom;
} scan;

static bool scan_visit(xmlNode *n, void *ud)
{
	scan *s = ud;
	const char *id;

	if (n->type == XML_HTML_DOCUMENT_NODE || n->type == XML_DOCUMENT_NODE)
		return true;
	if (n->type != XML_ELEMENT_NODE || n->name == NULL)
		return false;
	if (s->title == NULL && is_element(n, "title"))
		s->title = n;
	if (s->base == NULL && is_element(n, "base") && attr(n, "href") != NULL)
		s->base = n;
	if (is_element(n, "script")) {
		xmlChar *code = xmlNodeGetContent(n);

		s->page->script = true;
		for (const char *c = (const char *)code; c != NULL && *c; c++)
			tb_put(&s->scripts, *c);
		tb_put(&s->scripts, '\n');
		xmlFree(code);
		if (s->scripts.oom)
			s->oom = true;
		return false;
	}
	if (s->feedback_id == NULL && (id = attr(n, "id")) && strcmp(id, "kc-feedback-text") == 0)
		s->feedback_id = n;
	if (s->feedback_class == NULL && has_class(n, "kc-feedback-text"))
		s->feedback_class = n;
	/* Outermost only: an alert inside an alert would say everything twice. */
	if (s->in_alert == NULL && has_class(n, "alert-error")) {
		char *t = text_of(n, false);

		s->in_alert = n;
		s->any_alert = true;
		if (t == NULL)
			s->oom = true;
		else if (*t) {
			tb_sep(&s->alert);
			tb_add(&s->alert, t);
		}
		free(t);
	}
	if (is_element(n, "form")) {
		if (s->n_forms == s->cap_forms) {
			size_t cap = s->cap_forms ? s->cap_forms * 2 : 4;
			xmlNode **p = realloc(s->forms, cap * sizeof(*p));

			if (p == NULL) {
				s->oom = true;
				return false;
			}
			s->forms = p;
			s->cap_forms = cap;
		}
		s->forms[s->n_forms++] = n;
	}
	return true;
}

static void scan_leave(xmlNode *n, void *ud)
{
	scan *s = ud;

	if (n == s->in_alert)
		s->in_alert = NULL;
}

static void arena_free(arena *a)
{
	kept *k, *next;

	if (a == NULL)
		return;
	for (k = a->head; k != NULL; k = next) {
		next = k->next;
		free(k);
	}
	free(a);
}

/* Keeps a copy of s for the page's lifetime. */
static const char *keep(const au_page *p, const char *s)
{
	size_t len = strlen(s);
	kept *k = malloc(sizeof(*k) + len + 1);

	if (k == NULL)
		return NULL;
	memcpy(k->s, s, len + 1);
	k->next = p->kept->head;
	p->kept->head = k;
	return k->s;
}

void au_page_free(au_page *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n_forms; i++)
		form_reset(&p->forms[i]);
	free(p->forms);
	free(p->url);
	free(p->base);
	free(p->title);
	free(p->feedback);
	free(p->alert);
	free(p->text);
	free(p->scripts);
	free(p->html);
	arena_free(p->kept);
	xmlFreeDoc(p->doc);
	free(p);
}

static au_web_err page_fill(au_page *p)
{
	scan s;
	xmlNode *root = (xmlNode *)p->doc;

	memset(&s, 0, sizeof(s));
	s.page = p;
	if (root != NULL)
		walk(root, scan_visit, scan_leave, &s);
	if (s.oom || (p->scripts = tb_take(&s.scripts)) == NULL) {
		free(s.alert.ptr);
		free(s.scripts.ptr);
		free(s.forms);
		return AU_WEB_ERR_NOMEM;
	}
	/* <base href> changes what relative URLs on the page mean. */
	if (s.base != NULL) {
		char *b = resolve(p->url, attr(s.base, "href"));

		if (b != NULL) {
			free(p->base);
			p->base = b;
		}
	}
	p->alert = s.any_alert ? tb_take(&s.alert) : NULL;
	free(s.alert.ptr);
	p->title = text_of(s.title, true);
	if (s.feedback_id || s.feedback_class)
		p->feedback = text_of(s.feedback_id ? s.feedback_id : s.feedback_class, false);
	p->text = text_of(root, false);
	if ((s.any_alert && p->alert == NULL) || p->title == NULL || p->text == NULL ||
	    ((s.feedback_id || s.feedback_class) && p->feedback == NULL)) {
		free(s.forms);
		return AU_WEB_ERR_NOMEM;
	}
	if (s.n_forms > 0 && (p->forms = calloc(s.n_forms, sizeof(*p->forms))) == NULL) {
		free(s.forms);
		return AU_WEB_ERR_NOMEM;
	}
	for (size_t i = 0; i < s.n_forms; i++) {
		p->n_forms = i + 1;
		if (!form_read(s.forms[i], p->base, &p->forms[i])) {
			free(s.forms);
			return AU_WEB_ERR_NOMEM;
		}
	}
	free(s.forms);
	return AU_WEB_OK;
}

au_web_err au_page_parse(const char *html, size_t len, const char *base_url, au_page **out)
{
	au_page *p;
	au_web_err err;

	if (out == NULL)
		return AU_WEB_ERR_ARG;
	*out = NULL;
	if (html == NULL && len > 0)
		return AU_WEB_ERR_ARG;
	if (len > INT_MAX)
		return AU_WEB_ERR_TOO_LARGE;
	if ((p = calloc(1, sizeof(*p))) == NULL || (p->kept = calloc(1, sizeof(*p->kept))) == NULL)
		goto nomem;
	if (base_url != NULL &&
	    ((p->url = strdup(base_url)) == NULL || (p->base = strdup(base_url)) == NULL))
		goto nomem;
	if ((p->html = malloc(len + 1)) == NULL)
		goto nomem;
	if (len > 0)
		memcpy(p->html, html, len);
	p->html[len] = '\0';
	p->html_len = len;
	/*
	 * UTF-8 given, not guessed: without it libxml2 takes an undeclared page
	 * for ISO-8859-1 and Japanese text turns to mojibake. NULL for an empty
	 * body (or one libxml2 finds nothing in) is a blank page.
	 */
	if (len > 0)
		p->doc = htmlReadMemory(html, (int)len, base_url, "UTF-8",
		                        HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
		                                HTML_PARSE_NONET);
	if ((err = page_fill(p)) != AU_WEB_OK) {
		au_page_free(p);
		return err;
	}
	*out = p;
	return AU_WEB_OK;
nomem:
	au_page_free(p);
	return AU_WEB_ERR_NOMEM;
}

const char *au_page_url(const au_page *p)
{
	return p->url;
}

const char *au_page_html(const au_page *p, size_t *len)
{
	*len = p->html_len;
	return p->html;
}

const char *au_page_title(const au_page *p)
{
	return p->title;
}

const char *au_page_feedback(const au_page *p)
{
	return p->feedback;
}

const char *au_page_alert_error(const au_page *p)
{
	return p->alert;
}

const char *au_page_text(const au_page *p)
{
	return p->text;
}

bool au_page_has_script(const au_page *p)
{
	return p->script;
}

/* ---- values in the page's scripts ---- */

static bool is_ident(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || c == '.' || c >= 0x80;
}

/* Appends code point cp as UTF-8 (a lone surrogate as U+FFFD, as a browser shows it). */
static void put_utf8(textbuf *t, unsigned long cp)
{
	if (cp >= 0xD800 && cp <= 0xDFFF)
		cp = 0xFFFD;
	if (cp < 0x80) {
		tb_put(t, (char)cp);
	} else if (cp < 0x800) {
		tb_put(t, (char)(0xC0 | (cp >> 6)));
		tb_put(t, (char)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		tb_put(t, (char)(0xE0 | (cp >> 12)));
		tb_put(t, (char)(0x80 | ((cp >> 6) & 0x3F)));
		tb_put(t, (char)(0x80 | (cp & 0x3F)));
	} else {
		tb_put(t, (char)(0xF0 | (cp >> 18)));
		tb_put(t, (char)(0x80 | ((cp >> 12) & 0x3F)));
		tb_put(t, (char)(0x80 | ((cp >> 6) & 0x3F)));
		tb_put(t, (char)(0x80 | (cp & 0x3F)));
	}
}

/* n hex digits at p (all there); -1 when not. */
static long hex_at(const char *p, int n)
{
	long v = 0;

	for (int i = 0; i < n; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
		        : c >= 'a' && c <= 'f' ? c - 'a' + 10
		        : c >= 'A' && c <= 'F' ? c - 'A' + 10
		                               : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* The string literal at p (p at its quote) decoded into t; the character after it, or NULL
 * when it never ends. */
static const char *js_string(const char *p, textbuf *t)
{
	char quote = *p++;

	while (*p && *p != quote && *p != '\n') {
		long cp;

		if (*p != '\\') {
			tb_put(t, *p++);
			continue;
		}
		p++;
		switch (*p) {
		case 'n':
			tb_put(t, '\n');
			p++;
			break;
		case 't':
			tb_put(t, '\t');
			p++;
			break;
		case 'r':
			tb_put(t, '\r');
			p++;
			break;
		case 'x':
			if ((cp = hex_at(p + 1, 2)) < 0)
				return NULL;
			put_utf8(t, (unsigned long)cp);
			p += 3;
			break;
		case 'u':
			if ((cp = hex_at(p + 1, 4)) < 0)
				return NULL;
			p += 5;
			/* A surrogate pair written as two escapes is one character. */
			if (cp >= 0xD800 && cp <= 0xDBFF && p[0] == '\\' && p[1] == 'u') {
				long lo = hex_at(p + 2, 4);
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					p += 6;
				}
			}
			put_utf8(t, (unsigned long)cp);
			break;
		case '\0':
			return NULL;
		default:
			tb_put(t, *p++);
			break;
		}
	}
	return *p == quote ? p + 1 : NULL;
}

/*
 * The literal after "name :" or "name =" at p: a string (decoded), a number, true, false, or
 * an array's inside as written; NULL when what follows is not a literal (an expression).
 */
static char *literal_at(const char *p)
{
	textbuf t = {0};
	size_t n;

	while (is_ws((unsigned char)*p))
		p++;
	if (*p == '\'' || *p == '"') {
		if (js_string(p, &t) == NULL) {
			free(t.ptr);
			return NULL;
		}
		return tb_take(&t);
	}
	if (*p == '[') {
		n = strcspn(p + 1, "]\n");
		return p[1 + n] == ']' ? strndup(p + 1, n) : NULL;
	}
	n = strspn(p, "-+.0123456789eE");
	if (n == 0 && (strncmp(p, "true", 4) == 0 || strncmp(p, "false", 5) == 0))
		n = p[0] == 't' ? 4 : 5;
	if (n == 0 || is_ident((unsigned char)p[n]) || p[n] == '(')
		return NULL;
	return strndup(p, n);
}

const char *au_page_script_value(const au_page *p, const char *name)
{
	size_t len = name ? strlen(name) : 0;

	for (const char *at = p->scripts; len > 0 && at != NULL && (at = strstr(at, name)) != NULL;
	     at += len) {
		const char *q = at + len;
		char *v;
		const char *k;

		if ((at > p->scripts && is_ident((unsigned char)at[-1])) ||
		    is_ident((unsigned char)*q))
			continue;
		while (is_ws((unsigned char)*q))
			q++;
		if ((*q != ':' && *q != '=') || q[1] == '=')
			continue;
		if ((v = literal_at(q + 1)) == NULL)
			continue;
		k = keep(p, v);
		free(v);
		return k;
	}
	return NULL;
}

typedef struct id_walk {
	const char *id;
	xmlNode *found;
} id_walk;

static bool id_visit(xmlNode *n, void *ud)
{
	id_walk *w = ud;
	const char *id;

	if (w->found != NULL)
		return false;
	if (n->type == XML_ELEMENT_NODE && (id = attr(n, "id")) != NULL && strcmp(id, w->id) == 0) {
		w->found = n;
		return false;
	}
	return n->type == XML_ELEMENT_NODE || n->type == XML_HTML_DOCUMENT_NODE ||
	       n->type == XML_DOCUMENT_NODE;
}

static xmlNode *by_id(const au_page *p, const char *id)
{
	id_walk w = {id, NULL};

	if (p->doc != NULL && id != NULL)
		walk((xmlNode *)p->doc, id_visit, NULL, &w);
	return w.found;
}

const char *au_page_attr(const au_page *p, const char *id, const char *name)
{
	xmlNode *n = by_id(p, id);
	const char *v = n && name ? attr(n, name) : NULL;

	/* Borrowed from the tree, which lives as long as the page. */
	return v;
}

const char *au_page_data(const au_page *p, const char *id, const char *name)
{
	char full[128];

	if (name == NULL || snprintf(full, sizeof(full), "data-%s", name) >= (int)sizeof(full))
		return NULL;
	return au_page_attr(p, id, full);
}

const char *au_page_text_by_id(const au_page *p, const char *id)
{
	xmlNode *n = by_id(p, id);
	char *t;
	const char *k;

	if (n == NULL || (t = text_of(n, false)) == NULL)
		return NULL;
	k = keep(p, t);
	free(t);
	return k;
}

size_t au_page_n_forms(const au_page *p)
{
	return p->n_forms;
}

au_form *au_page_form_at(au_page *p, size_t i)
{
	return i < p->n_forms ? &p->forms[i] : NULL;
}

au_form *au_page_form(au_page *p, const char *id)
{
	for (size_t i = 0; i < p->n_forms; i++)
		if (id == NULL || (p->forms[i].id && strcmp(p->forms[i].id, id) == 0))
			return &p->forms[i];
	return NULL;
}

/* ---- filling and submitting ---- */

static au_form_input *find_input(const au_form *f, const char *name)
{
	for (size_t i = 0; f != NULL && name != NULL && i < f->n_inputs; i++)
		if (strcmp(f->inputs[i].name, name) == 0)
			return &f->inputs[i];
	return NULL;
}

const char *au_form_value(const au_form *f, const char *name)
{
	au_form_input *in = find_input(f, name);

	return in ? in->value : NULL;
}

au_web_err au_form_set(au_form *f, const char *name, const char *value)
{
	au_form_input *in;
	char *v;

	if (f == NULL || name == NULL || *name == '\0')
		return AU_WEB_ERR_ARG;
	if ((v = strdup(value ? value : "")) == NULL)
		return AU_WEB_ERR_NOMEM;
	if ((in = find_input(f, name)) != NULL) {
		free(in->value);
		in->value = v;
		in->checked = true;
		return AU_WEB_OK;
	}
	if ((in = form_grow(f)) == NULL) {
		free(v);
		return AU_WEB_ERR_NOMEM;
	}
	in->value = v;
	in->tag = strdup("input");
	in->type = strdup("hidden");
	in->name = strdup(name);
	if (in->tag == NULL || in->type == NULL || in->name == NULL) {
		input_reset(in);
		f->n_inputs--;
		return AU_WEB_ERR_NOMEM;
	}
	return AU_WEB_OK;
}

static bool is_button(const au_form_input *in)
{
	return strcmp(in->type, "submit") == 0 || strcmp(in->type, "button") == 0 ||
	       strcmp(in->type, "reset") == 0 || strcmp(in->type, "image") == 0;
}

au_web_err au_form_entries(const au_form *f, const char *submitter, const char *(**fields)[2],
                           size_t *n)
{
	const char *(*list)[2];
	size_t count = 0;

	if (f == NULL || fields == NULL || n == NULL)
		return AU_WEB_ERR_ARG;
	*fields = NULL;
	*n = 0;
	if ((list = malloc((f->n_inputs ? f->n_inputs : 1) * sizeof(*list))) == NULL)
		return AU_WEB_ERR_NOMEM;
	for (size_t i = 0; i < f->n_inputs; i++) {
		const au_form_input *in = &f->inputs[i];
		bool check = strcmp(in->type, "checkbox") == 0 || strcmp(in->type, "radio") == 0;

		if (in->name[0] == '\0' || in->disabled || strcmp(in->type, "file") == 0)
			continue;
		if (check && !in->checked)
			continue;
		/* Of the buttons only the one pressed is sent, and only a submit button. */
		if (is_button(in) && (submitter == NULL || strcmp(in->type, "submit") != 0 ||
		                      strcmp(in->name, submitter) != 0))
			continue;
		list[count][0] = in->name;
		list[count][1] = check && in->value[0] == '\0' ? "on" : in->value;
		count++;
	}
	*fields = list;
	*n = count;
	return AU_WEB_OK;
}

/*
 * A GET form: the entries replace the action's query, the fragment goes, and
 * "?" stays even with no entries, as in browsers. Plain string work: setting
 * CURLUPART_QUERY would lower-case the %XX the encoder wrote.
 */
static char *get_url(const char *action, const char *query)
{
	size_t keep = strcspn(action, "?#"), qlen = strlen(query);
	char *out = malloc(keep + 1 + qlen + 1);

	if (out == NULL)
		return NULL;
	memcpy(out, action, keep);
	out[keep] = '?';
	memcpy(out + keep + 1, query, qlen + 1);
	return out;
}

au_web_err au_form_submit(au_web *web, const au_form *f, const char *submitter,
                          au_web_response *out)
{
	const char *(*fields)[2] = NULL;
	size_t n = 0;
	au_web_err err;
	char *query, *url;

	if (f == NULL || f->action == NULL) {
		au_web_response_reset(out);
		return out->err = f == NULL ? AU_WEB_ERR_ARG : AU_WEB_ERR_URL;
	}
	if ((err = au_form_entries(f, submitter, &fields, &n)) != AU_WEB_OK) {
		au_web_response_reset(out);
		return out->err = err;
	}
	if (strcmp(f->method, "post") == 0) {
		err = au_web_post_form(web, f->action, (const char *const(*)[2])fields, n, out);
		free(fields);
		return err;
	}
	query = au_web_form_encode((const char *const(*)[2])fields, n);
	free(fields);
	url = query ? get_url(f->action, query) : NULL;
	free(query);
	if (url == NULL) {
		au_web_response_reset(out);
		return out->err = AU_WEB_ERR_NOMEM;
	}
	err = au_web_get(web, url, out);
	free(url);
	return err;
}
