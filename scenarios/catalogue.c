#include "scenarios/catalogue.h"
#include "webauthn/arraylen.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SC_CAT_ERROR KAGURA_XT_ROW
static const kagura_xt_row sc_cat_errors[SC_CAT_ERR__COUNT] = {
#include "scenarios/catalogue_error.def"
};
KAGURA_XT_GETTER(sc_cat_strerr, sc_cat_err, sc_cat_errors, field1, "unknown error")
KAGURA_XT_GETTER(sc_cat_errname, sc_cat_err, sc_cat_errors, name, "SC_CAT_ERR_UNKNOWN")

/* Spellings in the file, indexed by the enums. */
static const char *const platform_names[] = {"smartphone", "pc", NULL};
static const char *const shown_by_names[] = {"platform", "browser", "os", "card", "network", NULL};
static const char *const since_names[] = {"", "new", "changed", "same", NULL};
static const char *const kind_names[] = {"item", "lead", "note", NULL};

static const char *name_of(const char *const *names, size_t count, unsigned v)
{
	return v < count ? names[v] : "?";
}

const char *sc_cat_platform_name(sc_cat_platform p)
{
	return name_of(platform_names, 2, (unsigned)p);
}

const char *sc_cat_shown_by_name(sc_cat_shown_by s)
{
	return name_of(shown_by_names, 5, (unsigned)s);
}

const char *sc_cat_since_name(sc_cat_since s)
{
	return s == SC_CAT_SINCE_NONE ? "none" : name_of(since_names, 4, (unsigned)s);
}

const char *sc_cat_kind_name(sc_cat_kind k)
{
	return name_of(kind_names, 3, (unsigned)k);
}

struct sc_catalogue {
	json_t *root; /* owns every string the entries point to */
	const char *manual;
	const char *previous_manual; /* NULL */
	const char *platform_host;   /* the host the manual's screens name; NULL */
	const char *source_file;
	const char *source_sha256;
	sc_cat_entry *entries;
	size_t n;
};

/* ---- errors: "NAME: PATH: message: detail", PATH the JSON path being read ---- */

typedef struct ctx {
	const char *name;
	char *why;
	size_t why_size;
	char path[256];
	size_t path_len;
	const sc_catalogue *cat; /* for rules that depend on the top level */
} ctx;

static size_t path_push(ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends a segment to the path; returns the length to restore with path_pop. */
static size_t path_push(ctx *x, const char *fmt, ...)
{
	size_t mark = x->path_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(x->path + mark, sizeof(x->path) - mark, fmt, ap);
	va_end(ap);
	if (n > 0)
		x->path_len =
		        mark + (size_t)n < sizeof(x->path) ? mark + (size_t)n : sizeof(x->path) - 1;
	return mark;
}

static void path_pop(ctx *x, size_t mark)
{
	x->path_len = mark;
	x->path[mark] = '\0';
}

static sc_cat_err vfail(ctx *x, sc_cat_err err, const char *fmt, va_list ap)
{
	char detail[300] = "";

	if (fmt != NULL)
		vsnprintf(detail, sizeof(detail), fmt, ap);
	if (x->why == NULL || x->why_size == 0)
		return err;
	/* "entries[3].id", not ".entries[3].id": members are pushed with their dot */
	snprintf(x->why, x->why_size, "%s: %s%s%s%s%s", x->name,
	         x->path[0] == '.' ? x->path + 1 : x->path, x->path_len > 0 ? ": " : "",
	         sc_cat_strerr(err), detail[0] ? ": " : "", detail);
	return err;
}

__attribute__((format(printf, 3, 4))) static sc_cat_err fail(ctx *x, sc_cat_err err,
                                                             const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err = vfail(x, err, fmt, ap);
	va_end(ap);
	return err;
}

/* fail, said of the member key of the object at the path. */
__attribute__((format(printf, 4, 5))) static sc_cat_err
fail_at(ctx *x, const char *key, sc_cat_err err, const char *fmt, ...)
{
	size_t mark = path_push(x, ".%s", key);
	va_list ap;

	va_start(ap, fmt);
	err = vfail(x, err, fmt, ap);
	va_end(ap);
	path_pop(x, mark);
	return err;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "a value";
}

/* ---- members ---- */

static bool in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static sc_cat_err check_members(ctx *x, const json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v)
	{
		if (!in_list(key, allowed))
			return fail_at(x, key, SC_CAT_ERR_UNKNOWN_MEMBER, "\"%s\"", key);
	}
	return SC_CAT_OK;
}

/* The member key of obj in *v (NULL when absent and optional). Pushes ".key" on the path. */
static sc_cat_err member(ctx *x, const json_t *obj, const char *key, bool required, json_t **v,
                         size_t *mark)
{
	*v = json_object_get(obj, key);
	*mark = path_push(x, ".%s", key);
	if (*v == NULL && required)
		return fail(x, SC_CAT_ERR_MISSING, NULL);
	return SC_CAT_OK;
}

/* ---- strings ---- */

enum { TEXT_LINE, TEXT_MULTILINE };

/* White space at byte i: ASCII space, tab, line break, or U+3000. */
static bool is_ws_at(const char *s, size_t i, size_t len)
{
	if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')
		return true;
	return i + 3 <= len && memcmp(s + i, "\xE3\x80\x80", 3) == 0;
}

/* Ends with white space: ASCII, or U+3000 as its last three bytes. */
static bool ends_with_ws(const char *s, size_t len)
{
	if (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n')
		return true;
	return len >= 3 && memcmp(s + len - 3, "\xE3\x80\x80", 3) == 0;
}

static sc_cat_err check_text(ctx *x, const json_t *v, int how, const char **out)
{
	const char *s;
	size_t len, i;

	if (!json_is_string(v))
		return fail(x, SC_CAT_ERR_TYPE, "expected a string, got %s", type_name(v));
	s = json_string_value(v);
	len = json_string_length(v);
	if (len == 0)
		return fail(x, SC_CAT_ERR_EMPTY, "empty string");
	if (len > SC_CAT_MAX_TEXT)
		return fail(x, SC_CAT_ERR_TOO_LONG, "%zu bytes, at most %u", len, SC_CAT_MAX_TEXT);
	if (strlen(s) != len)
		return fail(x, SC_CAT_ERR_TEXT, "NUL character");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n') {
			if (how != TEXT_MULTILINE)
				return fail(x, SC_CAT_ERR_TEXT,
				            "line break at byte %zu: one string per screen line",
				            i);
			if (i == 0 || i + 1 == len || is_ws_at(s, i + 1, len) || ends_with_ws(s, i))
				return fail(x, SC_CAT_ERR_TEXT,
				            "line break at byte %zu next to white space or an end",
				            i);
			continue;
		}
		if (c < 0x20 || c == 0x7F ||
		    (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
		     (unsigned char)s[i + 1] <= 0x9F))
			return fail(x, SC_CAT_ERR_TEXT, "control character at byte %zu", i);
	}
	if (is_ws_at(s, 0, len) || ends_with_ws(s, len))
		return fail(x, SC_CAT_ERR_TEXT, "white space at the start or end");
	*out = s;
	return SC_CAT_OK;
}

static sc_cat_err get_text(ctx *x, const json_t *obj, const char *key, bool required, int how,
                           const char **out)
{
	json_t *v;
	size_t mark;
	sc_cat_err e;

	*out = NULL;
	if ((e = member(x, obj, key, required, &v, &mark)) == SC_CAT_OK && v != NULL)
		e = check_text(x, v, how, out);
	path_pop(x, mark);
	return e;
}

/* A text, or NULL for JSON null. */
static sc_cat_err get_text_or_null(ctx *x, const json_t *obj, const char *key, const char **out)
{
	json_t *v;
	size_t mark;
	sc_cat_err e;

	*out = NULL;
	if ((e = member(x, obj, key, true, &v, &mark)) == SC_CAT_OK && !json_is_null(v))
		e = check_text(x, v, TEXT_LINE, out);
	path_pop(x, mark);
	return e;
}

static sc_cat_err get_enum(ctx *x, const json_t *obj, const char *key, const char *const *names,
                           int first, int *out)
{
	json_t *v;
	size_t mark;
	sc_cat_err e;
	const char *s;
	int i;

	if ((e = member(x, obj, key, true, &v, &mark)) != SC_CAT_OK)
		goto out;
	if ((e = check_text(x, v, TEXT_LINE, &s)) != SC_CAT_OK)
		goto out;
	for (i = first; names[i] != NULL; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			goto out;
		}
	}
	{
		char list[128] = "";
		for (i = first; names[i] != NULL; i++) {
			strncat(list, i > first ? ", " : "", sizeof(list) - strlen(list) - 1);
			strncat(list, names[i], sizeof(list) - strlen(list) - 1);
		}
		e = fail(x, SC_CAT_ERR_VALUE, "\"%s\" is not one of %s", s, list);
	}
out:
	path_pop(x, mark);
	return e;
}

/* ---- syntax of ids ---- */

static bool digits(const char **p, size_t max, bool lead_zero_ok)
{
	size_t n = 0;

	if (!lead_zero_ok && **p == '0')
		return false;
	while (**p >= '0' && **p <= '9' && n < max)
		(*p)++, n++;
	return n > 0 && !(**p >= '0' && **p <= '9');
}

/* "2.11": section and number, 1-2 digits each, no leading zero. */
static bool is_entry_id(const char *s)
{
	return digits(&s, 2, false) && *s++ == '.' && digits(&s, 2, false) && *s == '\0';
}

/* "2.16", "1.04". */
static bool is_version(const char *s)
{
	return digits(&s, 3, true) && *s++ == '.' && digits(&s, 3, true) && *s == '\0';
}

/* "c1".."c999" (prefix 'c') or "r1".. (prefix 'r'). */
static bool is_item_id(const char *s, char prefix)
{
	return *s++ == prefix && digits(&s, 3, false) && *s == '\0';
}

/* "4.1" (this manual's section), "user-manual:5.2(b)", "user-manual:2.4". */
static bool is_ref(const char *s)
{
	if (strncmp(s, "user-manual:", 12) == 0)
		s += 12;
	if (!digits(&s, 3, false))
		return false;
	while (*s == '.') {
		s++;
		if (!digits(&s, 3, false))
			return false;
	}
	if (s[0] == '(' && s[1] >= 'a' && s[1] <= 'z' && s[2] == ')')
		s += 3;
	return *s == '\0';
}

static bool is_sha256_hex(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++, n++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return n == 64;
}

/* A relative path inside the catalogue's folder: [A-Za-z0-9._/-], no "..", no leading '/'. */
static bool is_relative_path(const char *s)
{
	const char *seg = s;

	if (*s == '/' || strlen(s) > 255)
		return false;
	for (; *s != '\0'; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-' || c == '/'))
			return false;
		if (c == '/') {
			if (s == seg || (s - seg == 2 && seg[0] == '.' && seg[1] == '.'))
				return false;
			seg = s + 1;
		}
	}
	return *seg != '\0' && strcmp(seg, "..") != 0;
}

/* ---- lists ---- */

static sc_cat_err get_array(ctx *x, const json_t *v, bool allow_empty, size_t max)
{
	if (!json_is_array(v))
		return fail(x, SC_CAT_ERR_TYPE, "expected an array, got %s", type_name(v));
	if (json_array_size(v) == 0 && !allow_empty)
		return fail(x, SC_CAT_ERR_EMPTY, "empty array (omit an optional member instead)");
	if (json_array_size(v) > max)
		return fail(x, SC_CAT_ERR_TOO_LONG, "%zu elements, at most %zu", json_array_size(v),
		            max);
	return SC_CAT_OK;
}

/* Loads element i of an array, el (the path ends in "[i]"), into elems[i]. */
typedef sc_cat_err (*element_loader)(ctx *x, const json_t *el, void *elems, size_t i,
                                     const void *arg);

/* An array's elements in zeroed room for them all, which the caller frees; n of them loaded. */
typedef struct loaded {
	void *elems; /* NULL for an absent member or an empty array */
	size_t n;    /* on an error, the last one is the one that failed */
} loaded;

/* The array member key of obj, checked as get_array checks it, each element loaded by load
 * (given arg); on an error out holds what was loaded so far, for the caller to free. */
static sc_cat_err load_array(ctx *x, const json_t *obj, const char *key, bool required,
                             bool allow_empty, size_t max, size_t elem_size, element_loader load,
                             const void *arg, loaded *out)
{
	json_t *v, *el;
	size_t mark, i;
	sc_cat_err e;

	*out = (loaded){NULL, 0};
	if ((e = member(x, obj, key, required, &v, &mark)) != SC_CAT_OK || v == NULL)
		goto out;
	if ((e = get_array(x, v, allow_empty, max)) != SC_CAT_OK)
		goto out;
	if (json_array_size(v) > 0 &&
	    (out->elems = calloc(json_array_size(v), elem_size)) == NULL) {
		e = fail(x, SC_CAT_ERR_NOMEM, NULL);
		goto out;
	}
	json_array_foreach(v, i, el)
	{
		size_t m2 = path_push(x, "[%zu]", i);

		out->n = i + 1;
		e = load(x, el, out->elems, i, arg);
		path_pop(x, m2);
		if (e != SC_CAT_OK)
			goto out;
	}
out:
	path_pop(x, mark);
	return e;
}

/* One text of an array of texts; a ref (*is_refs) must be a section or a user-manual ref, once. */
static sc_cat_err load_text(ctx *x, const json_t *el, void *elems, size_t i, const void *is_refs)
{
	const char **list = elems;
	bool refs = *(const bool *)is_refs;
	sc_cat_err e = check_text(x, el, TEXT_LINE, &list[i]);

	if (e == SC_CAT_OK && refs && !is_ref(list[i]))
		e = fail(x, SC_CAT_ERR_VALUE,
		         "\"%s\" is not a section (\"4.1\") or \"user-manual:5.2(b)\"", list[i]);
	for (size_t k = 0; e == SC_CAT_OK && refs && k < i; k++)
		if (strcmp(list[k], list[i]) == 0)
			e = fail(x, SC_CAT_ERR_DUPLICATE, "\"%s\" is also [%zu]", list[i], k);
	return e;
}

/* An array of texts; *out (owned by the caller) is NULL when the member is absent or empty. */
static sc_cat_err get_texts(ctx *x, const json_t *obj, const char *key, bool required,
                            bool allow_empty, bool is_refs, const char *const **out, size_t *n)
{
	loaded texts;
	sc_cat_err e = load_array(x, obj, key, required, allow_empty, SC_CAT_MAX_LIST,
	                          sizeof(const char *), load_text, &is_refs, &texts);

	if (e != SC_CAT_OK) {
		free(texts.elems);
		texts = (loaded){NULL, 0};
	}
	*out = texts.elems;
	*n = texts.n;
	return e;
}

/* ---- causes and remedies ---- */

static void items_free(sc_cat_item *items, size_t n)
{
	size_t i;

	if (items == NULL)
		return;
	for (i = 0; i < n; i++)
		free((void *)items[i].refs);
	free(items);
}

/* Cause or remedy i; *prefix_arg is 'c' for a cause, 'r' for a remedy. */
static sc_cat_err load_item(ctx *x, const json_t *o, void *elems, size_t i, const void *prefix_arg)
{
	static const char *const members[] = {"id", "kind", "text", "parent", "refs", NULL};
	const char prefix = *(const char *)prefix_arg;
	sc_cat_item *items = elems;
	sc_cat_item *it = &items[i];
	const char *list_name = prefix == 'c' ? "cause" : "remedy";
	sc_cat_err e;
	size_t k;
	int kind = 0;

	if (!json_is_object(o))
		return fail(x, SC_CAT_ERR_TYPE, "expected an object, got %s", type_name(o));
	if ((e = check_members(x, o, members)) != SC_CAT_OK)
		return e;
	if ((e = get_text(x, o, "id", true, TEXT_LINE, &it->id)) != SC_CAT_OK)
		return e;
	if (!is_item_id(it->id, prefix))
		return fail_at(x, "id", SC_CAT_ERR_VALUE,
		               "\"%s\" is not a %s id (\"%c1\", \"%c2\", …)", it->id, list_name,
		               prefix, prefix);
	for (k = 0; k < i; k++) {
		if (strcmp(items[k].id, it->id) == 0)
			return fail_at(x, "id", SC_CAT_ERR_DUPLICATE, "\"%s\" is also [%zu]",
			               it->id, k);
	}
	if ((e = get_enum(x, o, "kind", kind_names, 0, &kind)) != SC_CAT_OK)
		return e;
	it->kind = (sc_cat_kind)kind;
	if ((e = get_text(x, o, "text", true, TEXT_MULTILINE, &it->text)) != SC_CAT_OK)
		return e;
	if ((e = get_text(x, o, "parent", false, TEXT_LINE, &it->parent)) != SC_CAT_OK)
		return e;
	if (it->parent != NULL) {
		/* Only an earlier item may be a parent: no cycles, and the manual's order. */
		for (k = 0; k < i && strcmp(items[k].id, it->parent) != 0; k++)
			;
		if (k == i)
			return fail_at(x, "parent", SC_CAT_ERR_LINK,
			               "\"%s\" is not the id of an earlier %s", it->parent,
			               list_name);
	}
	return get_texts(x, o, "refs", false, false, true, &it->refs, &it->n_refs);
}

static sc_cat_err load_items(ctx *x, const json_t *entry, const char *key, char prefix,
                             const sc_cat_item **out, size_t *n)
{
	loaded items;
	sc_cat_err e = load_array(x, entry, key, true, false, SC_CAT_MAX_LIST, sizeof(sc_cat_item),
	                          load_item, &prefix, &items);

	if (e != SC_CAT_OK) {
		items_free(items.elems, items.n);
		items = (loaded){NULL, 0};
	}
	*out = items.elems;
	*n = items.n;
	return e;
}

/* ---- entries ---- */

static void entry_free(sc_cat_entry *e)
{
	free((void *)e->messages);
	free((void *)e->screen);
	free((void *)e->samples);
	items_free((sc_cat_item *)e->causes, e->n_causes);
	items_free((sc_cat_item *)e->remedies, e->n_remedies);
	free((void *)e->refs);
	free((void *)e->remarks);
}

static bool in_lines(const char *needle, const char *const *lines, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strstr(lines[i], needle) != NULL)
			return true;
	return false;
}

/* Sample i of an entry (en): its text stands in one of the entry's message or screen lines. */
static sc_cat_err load_sample(ctx *x, const json_t *el, void *elems, size_t i, const void *en)
{
	static const char *const members[] = {"text", "stands_for", NULL};
	const sc_cat_entry *entry = en;
	sc_cat_sample *sample = &((sc_cat_sample *)elems)[i];
	sc_cat_err e = SC_CAT_OK;

	if (!json_is_object(el))
		e = fail(x, SC_CAT_ERR_TYPE, "expected an object, got %s", type_name(el));
	if (e == SC_CAT_OK)
		e = check_members(x, el, members);
	if (e == SC_CAT_OK)
		e = get_text(x, el, "text", true, TEXT_LINE, &sample->text);
	if (e == SC_CAT_OK)
		e = get_text(x, el, "stands_for", true, TEXT_LINE, &sample->stands_for);
	if (e == SC_CAT_OK && !in_lines(sample->text, entry->messages, entry->n_messages) &&
	    !in_lines(sample->text, entry->screen, entry->n_screen)) {
		e = fail_at(x, "text", SC_CAT_ERR_LINK, "\"%s\" is in no message or screen line",
		            sample->text);
	}
	return e;
}

static sc_cat_err load_samples(ctx *x, const json_t *entry, sc_cat_entry *out)
{
	loaded samples;
	sc_cat_err e = load_array(x, entry, "samples", false, false, SC_CAT_MAX_LIST,
	                          sizeof(sc_cat_sample), load_sample, out, &samples);

	out->samples = samples.elems; /* freed with the entry, loaded or not */
	out->n_samples = samples.n;
	return e;
}

/* The entry's refs must be its items' refs, each once, in order of first use. */
static sc_cat_err check_entry_refs(ctx *x, const sc_cat_entry *en)
{
	const sc_cat_item *lists[2] = {en->causes, en->remedies};
	size_t counts[2] = {en->n_causes, en->n_remedies};
	const char *expected[SC_CAT_MAX_LIST * 2];
	size_t n = 0, l, i, r, k;
	bool same;

	for (l = 0; l < 2; l++) {
		for (i = 0; i < counts[l]; i++) {
			for (r = 0; r < lists[l][i].n_refs; r++) {
				const char *ref = lists[l][i].refs[r];
				for (k = 0; k < n && strcmp(expected[k], ref) != 0; k++)
					;
				if (k == n && n < KAGURA_LEN(expected))
					expected[n++] = ref;
			}
		}
	}
	same = n == en->n_refs;
	for (k = 0; same && k < n; k++)
		same = strcmp(expected[k], en->refs[k]) == 0;
	if (!same) {
		char list[200] = "";

		for (k = 0; k < n; k++) {
			strncat(list, k > 0 ? ", \"" : "\"", sizeof(list) - strlen(list) - 1);
			strncat(list, expected[k], sizeof(list) - strlen(list) - 1);
			strncat(list, "\"", sizeof(list) - strlen(list) - 1);
		}
		return fail_at(
		        x, "refs", SC_CAT_ERR_LINK,
		        "must list the causes' and remedies' refs in order of first use: [%s]",
		        list);
	}
	return SC_CAT_OK;
}

static sc_cat_err load_since(ctx *x, const json_t *o, sc_cat_entry *en)
{
	sc_cat_err e;
	int since = 0;
	size_t mark;

	if (x->cat->previous_manual == NULL) {
		const char *key = json_object_get(o, "since") != NULL ? "since" : "previous";
		if (json_object_get(o, key) == NULL)
			return SC_CAT_OK;
		return fail_at(x, key, SC_CAT_ERR_UNKNOWN_MEMBER,
		               "\"%s\" needs a previous_manual at the top level", key);
	}
	if ((e = get_enum(x, o, "since", since_names, 1, &since)) != SC_CAT_OK)
		return e;
	en->since = (sc_cat_since)since;
	if ((e = get_text_or_null(x, o, "previous", &en->previous)) != SC_CAT_OK)
		return e;
	mark = path_push(x, ".previous");
	if (en->previous != NULL && !is_entry_id(en->previous))
		e = fail(x, SC_CAT_ERR_VALUE, "\"%s\" is not an entry id (\"2.11\")", en->previous);
	else if (en->since == SC_CAT_SINCE_NEW && en->previous != NULL)
		e = fail(x, SC_CAT_ERR_LINK, "since \"new\" needs previous null");
	else if (en->since != SC_CAT_SINCE_NEW && en->previous == NULL)
		e = fail(x, SC_CAT_ERR_LINK, "since \"%s\" needs the previous manual's entry id",
		         since_names[en->since]);
	path_pop(x, mark);
	return e;
}

static sc_cat_err load_entry(ctx *x, const json_t *o, sc_cat_entry *en)
{
	static const char *const members[] = {"id",      "section",   "platform", "shown_by",
	                                      "title",   "toc_title", "messages", "screen",
	                                      "samples", "causes",    "remedies", "refs",
	                                      "since",   "previous",  "remarks",  NULL};
	sc_cat_err e;
	int v = 0;
	size_t sec_len;

	if (!json_is_object(o))
		return fail(x, SC_CAT_ERR_TYPE, "expected an object, got %s", type_name(o));
	if ((e = check_members(x, o, members)) != SC_CAT_OK)
		return e;
	if ((e = get_text(x, o, "id", true, TEXT_LINE, &en->id)) != SC_CAT_OK)
		return e;
	if (!is_entry_id(en->id))
		return fail_at(x, "id", SC_CAT_ERR_VALUE, "\"%s\" is not an entry id (\"2.11\")",
		               en->id);
	if ((e = get_text(x, o, "section", true, TEXT_LINE, &en->section)) != SC_CAT_OK)
		return e;
	sec_len = strcspn(en->id, ".");
	if (strlen(en->section) != sec_len || strncmp(en->section, en->id, sec_len) != 0)
		return fail_at(x, "section", SC_CAT_ERR_VALUE,
		               "\"%s\" is not the section of id \"%s\"", en->section, en->id);
	if ((e = get_enum(x, o, "platform", platform_names, 0, &v)) != SC_CAT_OK)
		return e;
	en->platform = (sc_cat_platform)v;
	if ((e = get_enum(x, o, "shown_by", shown_by_names, 0, &v)) != SC_CAT_OK)
		return e;
	en->shown_by = (sc_cat_shown_by)v;
	if ((e = get_text(x, o, "title", true, TEXT_LINE, &en->title)) != SC_CAT_OK ||
	    (e = get_text_or_null(x, o, "toc_title", &en->toc_title)) != SC_CAT_OK ||
	    (e = get_texts(x, o, "messages", true, true, false, &en->messages, &en->n_messages)) !=
	            SC_CAT_OK ||
	    (e = get_texts(x, o, "screen", false, false, false, &en->screen, &en->n_screen)) !=
	            SC_CAT_OK ||
	    (e = load_samples(x, o, en)) != SC_CAT_OK ||
	    (e = load_items(x, o, "causes", 'c', &en->causes, &en->n_causes)) != SC_CAT_OK ||
	    (e = load_items(x, o, "remedies", 'r', &en->remedies, &en->n_remedies)) != SC_CAT_OK ||
	    (e = get_texts(x, o, "refs", true, true, true, &en->refs, &en->n_refs)) != SC_CAT_OK ||
	    (e = check_entry_refs(x, en)) != SC_CAT_OK || (e = load_since(x, o, en)) != SC_CAT_OK)
		return e;
	return get_texts(x, o, "remarks", false, false, false, &en->remarks, &en->n_remarks);
}

/* Entry i, with an id of its own. */
static sc_cat_err load_entry_at(ctx *x, const json_t *el, void *elems, size_t i, const void *arg)
{
	sc_cat_entry *entries = elems;
	sc_cat_err e = load_entry(x, el, &entries[i]);

	(void)arg;
	for (size_t k = 0; e == SC_CAT_OK && k < i; k++) {
		if (strcmp(entries[k].id, entries[i].id) == 0) {
			e = fail_at(x, "id", SC_CAT_ERR_DUPLICATE, "\"%s\" is also entries[%zu]",
			            entries[i].id, k);
		}
	}
	return e;
}

static sc_cat_err load_entries(ctx *x, const json_t *root, sc_catalogue *c)
{
	loaded entries;
	sc_cat_err e = load_array(x, root, "entries", true, false, SC_CAT_MAX_ENTRIES,
	                          sizeof(sc_cat_entry), load_entry_at, NULL, &entries);

	c->entries = entries.elems; /* a partly loaded entry is freed with the catalogue */
	c->n = entries.n;
	return e;
}

static sc_cat_err load_source(ctx *x, const json_t *root, sc_catalogue *c)
{
	static const char *const members[] = {"file", "sha256", NULL};
	json_t *v;
	size_t mark;
	sc_cat_err e;

	if ((e = member(x, root, "source", true, &v, &mark)) != SC_CAT_OK)
		goto out;
	if (!json_is_object(v)) {
		e = fail(x, SC_CAT_ERR_TYPE, "expected an object, got %s", type_name(v));
		goto out;
	}
	if ((e = check_members(x, v, members)) != SC_CAT_OK ||
	    (e = get_text(x, v, "file", true, TEXT_LINE, &c->source_file)) != SC_CAT_OK ||
	    (e = get_text(x, v, "sha256", true, TEXT_LINE, &c->source_sha256)) != SC_CAT_OK)
		goto out;
	if (!is_relative_path(c->source_file)) {
		e = fail_at(x, "file", SC_CAT_ERR_VALUE,
		            "\"%s\" is not a relative path inside the catalogue's folder",
		            c->source_file);
	} else if (!is_sha256_hex(c->source_sha256)) {
		e = fail_at(x, "sha256", SC_CAT_ERR_VALUE, "not 64 lower-case hex digits");
	}
out:
	path_pop(x, mark);
	return e;
}

static sc_cat_err load_root(ctx *x, const json_t *root, sc_catalogue *c)
{
	static const char *const members[] = {
	        "format", "manual", "previous_manual", "source", "platform_host", "entries", NULL};
	const char *format;
	sc_cat_err e;

	if (!json_is_object(root))
		return fail(x, SC_CAT_ERR_TYPE, "expected an object at the top, got %s",
		            type_name(root));
	if ((e = check_members(x, root, members)) != SC_CAT_OK ||
	    (e = get_text(x, root, "format", true, TEXT_LINE, &format)) != SC_CAT_OK)
		return e;
	if (strcmp(format, SC_CAT_FORMAT) != 0)
		return fail_at(x, "format", SC_CAT_ERR_VALUE, "\"%s\", expected \"%s\"", format,
		               SC_CAT_FORMAT);
	if ((e = get_text(x, root, "manual", true, TEXT_LINE, &c->manual)) != SC_CAT_OK)
		return e;
	if (!is_version(c->manual))
		return fail_at(x, "manual", SC_CAT_ERR_VALUE, "\"%s\" is not a version (\"2.16\")",
		               c->manual);
	if ((e = get_text_or_null(x, root, "previous_manual", &c->previous_manual)) != SC_CAT_OK)
		return e;
	if (c->previous_manual != NULL &&
	    (!is_version(c->previous_manual) || strcmp(c->previous_manual, c->manual) == 0))
		return fail_at(x, "previous_manual", SC_CAT_ERR_VALUE,
		               "\"%s\" is not a version other than \"%s\"", c->previous_manual,
		               c->manual);
	/* optional: a catalogue without it compares host-naming messages as they are */
	if ((json_object_get(root, "platform_host") != NULL &&
	     (e = get_text_or_null(x, root, "platform_host", &c->platform_host)) != SC_CAT_OK) ||
	    (e = load_source(x, root, c)) != SC_CAT_OK)
		return e;
	return load_entries(x, root, c);
}

/* ---- public ---- */

void sc_catalogue_free(sc_catalogue *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		entry_free(&c->entries[i]);
	free(c->entries);
	json_decref(c->root);
	free(c);
}

sc_cat_err sc_catalogue_parse(const char *text, size_t len, const char *name, sc_catalogue **out,
                              char *why, size_t why_size)
{
	ctx x = {.name = name != NULL ? name : "<catalogue>", .why = why, .why_size = why_size};
	json_error_t jerr;
	sc_catalogue *c;
	sc_cat_err e;

	if (why != NULL && why_size > 0)
		why[0] = '\0';
	if (out == NULL)
		return fail(&x, SC_CAT_ERR_ARG, "no place for the result");
	*out = NULL;
	if (text == NULL)
		return fail(&x, SC_CAT_ERR_ARG, "no text");
	if (len > SC_CAT_MAX_FILE)
		return fail(&x, SC_CAT_ERR_TOO_LARGE, "%zu bytes", len);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return fail(&x, SC_CAT_ERR_NOMEM, NULL);
	x.cat = c;
	/* Duplicate members are refused: with two "text"s, which one did the author mean? */
	c->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (c->root == NULL) {
		if (why != NULL && why_size > 0)
			snprintf(why, why_size, "%s:%d:%d: %s: %s", x.name, jerr.line, jerr.column,
			         sc_cat_strerr(SC_CAT_ERR_JSON), jerr.text);
		free(c);
		return SC_CAT_ERR_JSON;
	}
	if ((e = load_root(&x, c->root, c)) != SC_CAT_OK) {
		sc_catalogue_free(c);
		return e;
	}
	*out = c;
	return SC_CAT_OK;
}

sc_cat_err sc_catalogue_load(const char *path, sc_catalogue **out, char *why, size_t why_size)
{
	ctx x = {.name = path != NULL ? path : "<catalogue>", .why = why, .why_size = why_size};
	char *buf;
	size_t len = 0, got;
	FILE *f;
	sc_cat_err e;

	if (out == NULL || path == NULL)
		return fail(&x, SC_CAT_ERR_ARG, "no path or no place for the result");
	*out = NULL;
	if ((f = fopen(path, "rb")) == NULL)
		return fail(&x, SC_CAT_ERR_IO, "%s", strerror(errno));
	/* One byte over the limit tells "too large" apart from "exactly at the limit". */
	if ((buf = malloc(SC_CAT_MAX_FILE + 1)) == NULL) {
		fclose(f);
		return fail(&x, SC_CAT_ERR_NOMEM, NULL);
	}
	while ((got = fread(buf + len, 1, SC_CAT_MAX_FILE + 1 - len, f)) > 0 &&
	       len + got <= SC_CAT_MAX_FILE)
		len += got;
	if (ferror(f)) {
		e = fail(&x, SC_CAT_ERR_IO, "read error");
	} else if (got > 0) {
		e = fail(&x, SC_CAT_ERR_TOO_LARGE, "more than %u bytes", SC_CAT_MAX_FILE);
	} else {
		e = sc_catalogue_parse(buf, len, path, out, why, why_size);
	}
	fclose(f);
	free(buf);
	return e;
}

const char *sc_catalogue_manual(const sc_catalogue *c)
{
	return c != NULL ? c->manual : NULL;
}

const char *sc_catalogue_platform_host(const sc_catalogue *c)
{
	return c->platform_host;
}

const char *sc_catalogue_previous_manual(const sc_catalogue *c)
{
	return c != NULL ? c->previous_manual : NULL;
}

const char *sc_catalogue_source_file(const sc_catalogue *c)
{
	return c != NULL ? c->source_file : NULL;
}

const char *sc_catalogue_source_sha256(const sc_catalogue *c)
{
	return c != NULL ? c->source_sha256 : NULL;
}

size_t sc_catalogue_count(const sc_catalogue *c)
{
	return c != NULL ? c->n : 0;
}

const sc_cat_entry *sc_catalogue_entry(const sc_catalogue *c, size_t i)
{
	return c != NULL && i < c->n ? &c->entries[i] : NULL;
}

/* A linear scan: at most SC_CAT_MAX_ENTRIES, looked up a few times per scenario. */
const sc_cat_entry *sc_catalogue_find(const sc_catalogue *c, const char *id)
{
	size_t i;

	if (c == NULL || id == NULL)
		return NULL;
	for (i = 0; i < c->n; i++)
		if (strcmp(c->entries[i].id, id) == 0)
			return &c->entries[i];
	return NULL;
}

const sc_cat_item *sc_cat_entry_item(const sc_cat_entry *e, const char *id)
{
	const sc_cat_item *list;
	size_t n, i;

	if (e == NULL || id == NULL)
		return NULL;
	if (id[0] == 'c')
		list = e->causes, n = e->n_causes;
	else if (id[0] == 'r')
		list = e->remedies, n = e->n_remedies;
	else
		return NULL;
	for (i = 0; i < n; i++)
		if (strcmp(list[i].id, id) == 0)
			return &list[i];
	return NULL;
}

sc_cat_err sc_catalogue_link(const sc_catalogue *c, const sc_catalogue *prev, char *why,
                             size_t why_size)
{
	ctx x = {.name = c != NULL ? c->manual : "<catalogue>", .why = why, .why_size = why_size};
	size_t i;

	if (why != NULL && why_size > 0)
		why[0] = '\0';
	if (c == NULL || prev == NULL)
		return fail(&x, SC_CAT_ERR_ARG, "no catalogue");
	if (c->previous_manual == NULL || strcmp(c->previous_manual, prev->manual) != 0)
		return fail(&x, SC_CAT_ERR_LINK, "previous_manual is %s%s%s, not \"%s\"",
		            c->previous_manual ? "\"" : "",
		            c->previous_manual ? c->previous_manual : "null",
		            c->previous_manual ? "\"" : "", prev->manual);
	for (i = 0; i < c->n; i++) {
		const char *p = c->entries[i].previous;
		if (p != NULL && sc_catalogue_find(prev, p) == NULL) {
			size_t mark = path_push(&x, "entries[%zu].previous", i);
			sc_cat_err e = fail(&x, SC_CAT_ERR_NOT_FOUND, "%s has no entry \"%s\"",
			                    prev->manual, p);
			path_pop(&x, mark);
			return e;
		}
	}
	return SC_CAT_OK;
}
