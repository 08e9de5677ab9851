/*
 * scenarios/catalogue and scenarios/textnorm. Both manual catalogues load and hold
 * exactly the entries of their manual's table of contents (48 and 26), in its
 * order. Every text they quote is found in the manual's text file where it
 * belongs, compared after SC_TN_CHECK on both sides: the title at the entry's
 * heading, toc_title on the entry's table-of-contents line, message lines on the
 * screen part of the entry (or its table-of-contents line), screen lines on the
 * screen part, causes between [原因] and [対策], remedies after [対策]. Mutations
 * prove a changed character (or a misplaced text) is reported. Then since and
 * previous against v1.04, cross-references, malformed catalogues refused with
 * their JSON path (never a crash), and the normaliser's cases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "scenarios/catalogue.h"
#include "scenarios/textnorm.h"
#include "webauthn/hash.h"

#ifndef KAGURA_MANUAL_DIR
#error "KAGURA_MANUAL_DIR must name fixtures/manual"
#endif

#define V216 KAGURA_MANUAL_DIR "/v2.16.json"
#define V104 KAGURA_MANUAL_DIR "/v1.04.json"

/* ---- helpers ---- */

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	*len = 0;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)size + 1)) != NULL) {
		if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
			free(buf);
			buf = NULL;
		} else {
			buf[size] = '\0';
			*len = (size_t)size;
		}
	}
	fclose(f);
	return buf;
}

/* Not inlined: GCC's dangling-pointer analysis takes the result for the address of out. */
static __attribute__((noinline)) char *norm(const char *s, size_t len, unsigned flags)
{
	char *out = NULL;

	assert_int_equal(sc_textnorm(s, len, flags, &out, NULL), SC_TN_OK);
	return out;
}

static char *norm_str(const char *s, unsigned flags)
{
	return norm(s, strlen(s), flags);
}

static sc_catalogue *load(const char *path)
{
	sc_catalogue *c = NULL;
	char why[512];
	sc_cat_err e = sc_catalogue_load(path, &c, why, sizeof(why));

	if (e != SC_CAT_OK)
		print_error("%s\n", why);
	assert_int_equal(e, SC_CAT_OK);
	return c;
}

/* ---- the manual's text file: lines, table of contents, body ---- */

#define MAX_LINES 4000
#define MAX_TOC   128
#define NONE      SIZE_MAX

typedef struct toc_item {
	char id[8];   /* "2.11", "4", "4.1" */
	size_t first; /* line of the number */
	size_t col;   /* byte where its text starts on that line */
	size_t end;   /* one past its last (continuation) line */
} toc_item;

typedef struct manual {
	const char *name; /* "v2.16" */
	char *text;
	size_t len;
	size_t n_lines;
	size_t start[MAX_LINES + 1]; /* line i is text[start[i] .. start[i + 1]) */
	size_t body;                 /* first line after the table of contents */
	size_t n_toc;
	toc_item toc[MAX_TOC];
} manual;

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *line_at(const manual *m, size_t i, size_t *len)
{
	size_t a = m->start[i], b = m->start[i + 1];

	if (b > a && m->text[b - 1] == '\n')
		b--;
	*len = b - a;
	return m->text + a;
}

static bool line_has(const manual *m, size_t i, const char *needle)
{
	size_t len;
	const char *s = line_at(m, i, &len);
	char buf[2048];

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return strstr(buf, needle) != NULL;
}

/* SC_TN_CHECK of lines [a, b). */
static char *zone(const manual *m, size_t a, size_t b)
{
	return norm(m->text + m->start[a], m->start[b] - m->start[a], SC_TN_CHECK);
}

/*
 * A table-of-contents number: "2.1", "2.10", "4.1.", "4"; the text file's
 * "3.1 1." and "2.1 0." (a space before the last digit) are 3.11 and 2.10.
 */
static bool toc_number(const char *s, size_t n, char id[8], size_t *used)
{
	size_t i = 0, k = 0;

	if (n == 0 || !is_digit(s[0]))
		return false;
	id[k++] = s[i++];
	if (i + 1 < n && s[i] == '.' && is_digit(s[i + 1])) {
		id[k++] = s[i++];
		while (i < n && is_digit(s[i]) && k < 6)
			id[k++] = s[i++];
		while (i + 2 < n && s[i] == ' ' && is_digit(s[i + 1])) {
			size_t j = i + 1;
			while (j < n && is_digit(s[j]))
				j++;
			if (j >= n || s[j] != '.')
				break;
			for (i++; i < j && k < 6; i++)
				id[k++] = s[i];
		}
		if (i < n && s[i] == '.')
			i++;
	}
	if (i < n && s[i] != ' ' && s[i] != '\t')
		return false;
	id[k] = '\0';
	*used = i;
	return true;
}

static void parse_toc(manual *m)
{
	size_t i, contents = NONE;

	for (i = 0; i < m->n_lines && contents == NONE; i++)
		if (line_has(m, i, "CONTENTS"))
			contents = i;
	assert_int_not_equal(contents, NONE);
	m->body = NONE;
	for (i = contents + 1; i < m->n_lines && m->body == NONE; i++)
		if (line_has(m, i, "はじめに") && !line_has(m, i, "\t"))
			m->body = i;
	assert_int_not_equal(m->body, NONE);
	for (i = contents + 1; i < m->body; i++) {
		size_t len, p = 0, used;
		const char *s = line_at(m, i, &len);
		char id[8];

		while (p < len && (s[p] == ' ' || s[p] == '\t' || s[p] == '$'))
			p++;
		if (p == len)
			continue;
		if (toc_number(s + p, len - p, id, &used)) {
			toc_item *t;
			assert_true(m->n_toc < MAX_TOC);
			t = &m->toc[m->n_toc++];
			strcpy(t->id, id);
			t->first = i;
			t->col = p + used;
			while (t->col < len && (s[t->col] == ' ' || s[t->col] == '\t'))
				t->col++;
			t->end = i + 1;
		} else if (m->n_toc > 0) {
			m->toc[m->n_toc - 1].end = i + 1; /* a wrapped table-of-contents line */
		}
	}
}

static manual *manual_open(const char *catalogue_path, const sc_catalogue *c, const char *name)
{
	manual *m = calloc(1, sizeof(*m));
	char path[512];
	const char *slash = strrchr(catalogue_path, '/');
	size_t i;

	assert_non_null(m);
	snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - catalogue_path), catalogue_path,
	         sc_catalogue_source_file(c));
	m->name = name;
	m->text = read_file(path, &m->len);
	assert_non_null(m->text);
	m->start[0] = 0;
	for (i = 0; i < m->len; i++) {
		if (m->text[i] == '\n') {
			assert_true(m->n_lines < MAX_LINES);
			m->start[++m->n_lines] = i + 1;
		}
	}
	if (m->start[m->n_lines] < m->len) /* a last line without '\n' */
		m->start[++m->n_lines] = m->len;
	parse_toc(m);
	return m;
}

static void manual_close(manual *m)
{
	if (m != NULL)
		free(m->text);
	free(m);
}

static const toc_item *toc_find(const manual *m, const char *id)
{
	size_t i;

	for (i = 0; i < m->n_toc; i++)
		if (strcmp(m->toc[i].id, id) == 0)
			return &m->toc[i];
	return NULL;
}

static char *toc_zone(const manual *m, const toc_item *t)
{
	size_t a = m->start[t->first] + t->col, b = m->start[t->end];

	return norm(m->text + a, b - a, SC_TN_CHECK);
}

/*
 * Line i is the heading of entry id with this title: after the converter's markup,
 * the id's digits (with the file's stray dots and spaces between them: "2.1.1.",
 * "2.1 4.", "2 . 4 ."), then the title.
 */
static bool heading_match(const manual *m, size_t i, const char *id, const char *title_norm)
{
	size_t len, k;
	const char *raw = line_at(m, i, &len), *p, *d;
	char *s, *rest;
	bool ok = false;

	s = norm(raw, len, SC_TN_MARKUP);
	p = s;
	while (*p == ' ' || *p == '\t')
		p++;
	for (d = id, k = 0; *d != '\0'; d++) {
		if (*d == '.')
			continue;
		if (k++ > 0)
			while (*p == ' ' || *p == '.' || *p == '\t')
				p++;
		if (*p != *d)
			goto out;
		p++;
	}
	while (*p == ' ' || *p == '.' || *p == '\t')
		p++;
	rest = norm_str(p, SC_TN_CHECK);
	ok = strncmp(rest, title_norm, strlen(title_norm)) == 0;
	free(rest);
out:
	free(s);
	return ok;
}

/* ---- the check: every quoted text where it belongs ---- */

typedef struct report {
	char text[8192];
	size_t len;
	size_t problems;
} report;

static void problem(report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(report *r, const char *fmt, ...)
{
	size_t room = sizeof(r->text) - r->len;
	va_list ap;
	int n;

	r->problems++;
	if (room < 2)
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->text + r->len, room - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	r->len += (size_t)n < room - 1 ? (size_t)n : room - 2;
	r->text[r->len++] = '\n';
	r->text[r->len] = '\0';
}

/* needle (SC_TN_CHECK) is in one of the zones (NULL zones are skipped). */
static bool found(const char *needle, const char *z1, const char *z2)
{
	char *n = norm_str(needle, SC_TN_CHECK);
	bool ok = (z1 != NULL && strstr(z1, n) != NULL) || (z2 != NULL && strstr(z2, n) != NULL);

	free(n);
	return ok;
}

static void check_items(report *r, const manual *m, const sc_cat_entry *e, const char *what,
                        const sc_cat_item *items, size_t n, const char *z)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!found(items[i].text, z, NULL))
			problem(r, "%s %s %s %s: \"%s\" is not in the entry's %s", m->name, e->id,
			        what, items[i].id, items[i].text,
			        strcmp(what, "causes") == 0 ? "[原因] part" : "[対策] part");
}

/* Where one entry's texts belong in the manual, each SC_TN_CHECK-normalised. */
typedef struct zones {
	size_t head;   /* the heading line; NONE when no line is the title's heading */
	char *display; /* heading up to [原因]: title and screen; NULL when unknown */
	char *causes;  /* [原因] up to [対策] */
	char *remedies; /* [対策] (or [原因] where the file has no [対策]) up to the next entry */
	char *toc;      /* its table-of-contents line(s); NULL when absent */
} zones;

static void zones_free(zones *z, size_t n)
{
	size_t i;

	for (i = 0; z != NULL && i < n; i++) {
		free(z[i].display);
		free(z[i].causes);
		free(z[i].remedies);
		free(z[i].toc);
	}
	free(z);
}

/*
 * Finds each entry's heading (in catalogue order, each after the one before),
 * then its parts: an entry runs to the next heading found, the last one to the
 * manual's section 4. Missing headings and [原因] markers are problems.
 */
static zones *locate(const sc_catalogue *c, const manual *m, report *r)
{
	size_t n = sc_catalogue_count(c), i, k, l, from = m->body, sec4 = NONE, last = NONE;
	zones *z = calloc(n, sizeof(*z));

	assert_non_null(z);
	for (i = 0; i < n; i++) {
		const sc_cat_entry *e = sc_catalogue_entry(c, i);
		const toc_item *t = toc_find(m, e->id);
		char *title = norm_str(e->title, SC_TN_CHECK);

		z[i].head = NONE;
		z[i].toc = t != NULL ? toc_zone(m, t) : NULL;
		for (l = from; l < m->n_lines && z[i].head == NONE; l++)
			if (heading_match(m, l, e->id, title))
				z[i].head = l;
		if (z[i].head == NONE)
			problem(r, "%s %s title: \"%s\" is not the heading of entry %s", m->name,
			        e->id, e->title, e->id);
		else
			from = last = z[i].head + 1;
		free(title);
	}
	for (l = last == NONE ? m->body : last; l < m->n_lines && sec4 == NONE; l++) {
		size_t len;
		const char *raw = line_at(m, l, &len);
		char *s = norm(raw, len, SC_TN_MARKUP);
		if (strncmp(s, "4 ", 2) == 0 && strstr(s, "各種設定") != NULL)
			sec4 = l;
		free(s);
	}
	for (i = 0; i < n; i++) {
		size_t end = sec4 == NONE ? m->n_lines : sec4, causes = NONE, remedies = NONE;

		if (z[i].head == NONE)
			continue;
		for (k = i + 1; k < n; k++) {
			if (z[k].head != NONE) {
				end = z[k].head;
				break;
			}
		}
		for (l = z[i].head + 1; l < end && causes == NONE; l++)
			if (line_has(m, l, "[原因]"))
				causes = l;
		for (l = causes == NONE ? end : causes + 1; l < end && remedies == NONE; l++)
			if (line_has(m, l, "[対策]"))
				remedies = l;
		if (causes == NONE) {
			problem(r, "%s %s: no [原因] in the entry", m->name,
			        sc_catalogue_entry(c, i)->id);
			continue;
		}
		z[i].display = zone(m, z[i].head, causes);
		z[i].causes = zone(m, causes, remedies == NONE ? end : remedies);
		z[i].remedies = zone(m, remedies == NONE ? causes : remedies, end);
	}
	return z;
}

static void check_entry(const sc_cat_entry *e, const zones *z, const manual *m, report *r)
{
	size_t k;

	if (e->toc_title != NULL && !found(e->toc_title, z->toc, NULL))
		problem(r, "%s %s toc_title: \"%s\" is not on its table-of-contents line", m->name,
		        e->id, e->toc_title);
	if (z->display == NULL)
		return; /* already reported: no heading or no [原因] */
	for (k = 0; k < e->n_messages; k++)
		if (!found(e->messages[k], z->display, z->toc))
			problem(r,
			        "%s %s messages[%zu]: \"%s\" is not on its screen or "
			        "table-of-contents line",
			        m->name, e->id, k, e->messages[k]);
	for (k = 0; k < e->n_screen; k++)
		if (!found(e->screen[k], z->display, NULL))
			problem(r, "%s %s screen[%zu]: \"%s\" is not on its screen", m->name, e->id,
			        k, e->screen[k]);
	check_items(r, m, e, "causes", e->causes, e->n_causes, z->causes);
	check_items(r, m, e, "remedies", e->remedies, e->n_remedies, z->remedies);
}

static size_t check_catalogue(const sc_catalogue *c, const manual *m, report *r)
{
	size_t i, n = sc_catalogue_count(c);
	zones *z;

	memset(r, 0, sizeof(*r));
	z = locate(c, m, r);
	for (i = 0; i < n; i++)
		check_entry(sc_catalogue_entry(c, i), &z[i], m, r);
	zones_free(z, n);
	return r->problems;
}

/* ---- the catalogues as loaded ---- */

static void check_shape(const char *path, const char *manual_name, size_t count)
{
	sc_catalogue *c = load(path);
	size_t i;

	assert_string_equal(sc_catalogue_manual(c), manual_name);
	assert_int_equal(sc_catalogue_count(c), count);
	for (i = 0; i < count; i++) {
		const sc_cat_entry *e = sc_catalogue_entry(c, i);
		/* Both manuals: section 2 is the smartphone, section 3 the PC. */
		assert_true(strcmp(e->section, "2") == 0 || strcmp(e->section, "3") == 0);
		assert_int_equal(e->platform,
		                 strcmp(e->section, "2") == 0 ? SC_CAT_SMARTPHONE : SC_CAT_PC);
		assert_true(e->n_causes > 0 && e->n_remedies > 0);
	}
	assert_null(sc_catalogue_entry(c, count));
	sc_catalogue_free(c);
}

static void test_v216_loads(void **state)
{
	(void)state;
	check_shape(V216, "2.16", 48);
}

static void test_v104_loads(void **state)
{
	(void)state;
	check_shape(V104, "1.04", 26);
}

/* The entries are those of the manual's table of contents (sections 2 and 3), in its order. */
static void check_toc(const char *path, const char *name, size_t n2, size_t n3)
{
	sc_catalogue *c = load(path);
	manual *m = manual_open(path, c, name);
	size_t i, k = 0, sec2 = 0, sec3 = 0;

	for (i = 0; i < m->n_toc; i++) {
		const char *id = m->toc[i].id;
		const sc_cat_entry *e;

		if (strncmp(id, "2.", 2) != 0 && strncmp(id, "3.", 2) != 0)
			continue;
		sec2 += id[0] == '2';
		sec3 += id[0] == '3';
		e = sc_catalogue_entry(c, k++);
		if (e == NULL || strcmp(e->id, id) != 0)
			fail_msg("%s: table of contents has %s where the catalogue has %s", name,
			         id, e != NULL ? e->id : "nothing");
		assert_non_null(sc_catalogue_find(c, id));
	}
	assert_int_equal(sec2, n2);
	assert_int_equal(sec3, n3);
	assert_int_equal(k, sc_catalogue_count(c));
	manual_close(m);
	sc_catalogue_free(c);
}

static void test_v216_toc(void **state)
{
	(void)state;
	check_toc(V216, "v2.16", 24, 24);
}

static void test_v104_toc(void **state)
{
	(void)state;
	check_toc(V104, "v1.04", 17, 9);
}

/* The committed text file is the one the catalogue was transcribed from. */
static void check_source_hash(const char *path)
{
	sc_catalogue *c = load(path);
	char src[512], hex[65];
	const char *slash = strrchr(path, '/');
	uint8_t md[WA_SHA256_LEN];
	size_t len, i;
	char *text;

	snprintf(src, sizeof(src), "%.*s/%s", (int)(slash - path), path,
	         sc_catalogue_source_file(c));
	assert_non_null(text = read_file(src, &len));
	wa_sha256(text, len, md);
	for (i = 0; i < sizeof(md); i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(hex, sc_catalogue_source_sha256(c));
	free(text);
	sc_catalogue_free(c);
}

static void test_source_hashes(void **state)
{
	(void)state;
	check_source_hash(V216);
	check_source_hash(V104);
}

static void check_texts(const char *path, const char *name)
{
	sc_catalogue *c = load(path);
	manual *m = manual_open(path, c, name);
	report *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	if (check_catalogue(c, m, r) != 0)
		fail_msg("%zu texts not found in the manual:\n%s", r->problems, r->text);
	free(r);
	manual_close(m);
	sc_catalogue_free(c);
}

static void test_v216_texts_in_manual(void **state)
{
	(void)state;
	check_texts(V216, "v2.16");
}

static void test_v104_texts_in_manual(void **state)
{
	(void)state;
	check_texts(V104, "v1.04");
}

/* ---- the check can fail ---- */

/* json_t string at "entries[<id>].<field>[<index>]" style navigation. */
static json_t *entry_json(json_t *root, const char *id)
{
	json_t *entries = json_object_get(root, "entries"), *e;
	size_t i;

	json_array_foreach(entries, i, e)
	{
		if (strcmp(json_string_value(json_object_get(e, "id")), id) == 0)
			return e;
	}
	fail_msg("no entry %s", id);
	return NULL;
}

static json_t *item_json(json_t *entry, const char *list, const char *id)
{
	json_t *items = json_object_get(entry, list), *it;
	size_t i;

	json_array_foreach(items, i, it)
	{
		if (strcmp(json_string_value(json_object_get(it, "id")), id) == 0)
			return it;
	}
	fail_msg("no item %s", id);
	return NULL;
}

/* s with its cp-th code point replaced by its neighbour (same UTF-8 length). */
static char *change_one_char(const char *s, size_t cp)
{
	char *t = strdup(s);
	size_t i = 0, k = 0;

	assert_non_null(t);
	for (; t[i] != '\0'; k++) {
		size_t n = 1;
		while ((t[i + n] & 0xC0) == 0x80)
			n++;
		if (k == cp) {
			unsigned char *last = (unsigned char *)&t[i + n - 1];
			if (n == 1)
				*last = *last == 'z' ? 'y' : (unsigned char)(*last + 1);
			else
				*last = *last < 0xBF ? (unsigned char)(*last + 1)
				                     : (unsigned char)(*last - 1);
			return t;
		}
		i += n;
	}
	fail_msg("string has fewer than %zu characters", cp + 1);
	return t;
}

static void set_string(json_t *obj, const char *key, const char *value)
{
	assert_int_equal(json_object_set_new(obj, key, json_string(value)), 0);
}

static void set_array_string(json_t *arr, size_t i, const char *value)
{
	assert_int_equal(json_array_set_new(arr, i, json_string(value)), 0);
}

/* The check's report for a catalogue given as a jansson tree. */
static size_t check_tree(json_t *root, const char *path, const char *name, report *r,
                         const char *manual_override, size_t override_len)
{
	char *text = json_dumps(root, JSON_COMPACT);
	sc_catalogue *c = NULL;
	char why[512];
	manual *m;
	size_t problems;

	assert_non_null(text);
	if (sc_catalogue_parse(text, strlen(text), "mutated", &c, why, sizeof(why)) != SC_CAT_OK)
		fail_msg("%s", why);
	m = manual_open(path, c, name);
	if (manual_override != NULL) {
		free(m->text);
		m->text = malloc(override_len + 1);
		assert_non_null(m->text);
		memcpy(m->text, manual_override, override_len + 1);
	}
	problems = check_catalogue(c, m, r);
	manual_close(m);
	sc_catalogue_free(c);
	free(text);
	return problems;
}

typedef struct mutation {
	const char *entry;
	const char *list;  /* "title", "toc_title", "messages", "screen", "causes", "remedies" */
	const char *which; /* item id, or index for messages/screen */
	size_t cp;         /* code point to change; SIZE_MAX: text comes from replacement */
	const char *replacement;
	const char *expect; /* in the report */
} mutation;

static void apply(json_t *root, const mutation *mu)
{
	json_t *e = entry_json(root, mu->entry), *target;
	const char *key = "text";
	json_t *holder;
	char *changed;

	if (strcmp(mu->list, "title") == 0 || strcmp(mu->list, "toc_title") == 0) {
		holder = e, key = mu->list;
	} else if (strcmp(mu->list, "messages") == 0 || strcmp(mu->list, "screen") == 0) {
		json_t *arr = json_object_get(e, mu->list);
		size_t i = (size_t)atoi(mu->which);
		target = json_array_get(arr, i);
		changed = mu->replacement != NULL
		                  ? strdup(mu->replacement)
		                  : change_one_char(json_string_value(target), mu->cp);
		set_array_string(arr, i, changed);
		free(changed);
		return;
	} else {
		holder = item_json(e, mu->list, mu->which);
	}
	target = json_object_get(holder, key);
	changed = mu->replacement != NULL ? strdup(mu->replacement)
	                                  : change_one_char(json_string_value(target), mu->cp);
	set_string(holder, key, changed);
	free(changed);
}

static void run_mutations(const char *path, const char *name, const mutation *mus, size_t n)
{
	json_error_t jerr;
	report *r = calloc(1, sizeof(*r));
	size_t i;

	assert_non_null(r);
	for (i = 0; i < n; i++) {
		json_t *root = json_load_file(path, 0, &jerr);
		assert_non_null(root);
		apply(root, &mus[i]);
		/*
		 * Exactly the mutated text is reported. A changed title also loses the
		 * entry's heading, so the entry before it may report its own texts too
		 * (its part of the manual now runs on): the title is reported first.
		 */
		size_t problems = check_tree(root, path, name, r, NULL, 0);
		bool title = strcmp(mus[i].list, "title") == 0;
		if (problems == 0 || (!title && problems != 1) ||
		    strncmp(r->text, mus[i].expect, strlen(mus[i].expect)) != 0)
			fail_msg("mutation %zu (%s %s %s): expected a first problem naming \"%s\", "
			         "got "
			         "%zu:\n%s",
			         i, mus[i].entry, mus[i].list, mus[i].which ? mus[i].which : "",
			         mus[i].expect, r->problems, r->text);
		json_decref(root);
	}
	free(r);
}

static void test_check_catches_changed_character(void **state)
{
	static const mutation v216[] = {
	        /* a title: one character of セキュリティキーによる認証に失敗しました。 */
	        {"2.6", "title", NULL, 3, NULL, "v2.16 2.6 title"},
	        {"3.17", "title", NULL, 0, NULL, "v2.16 3.17 title"},
	        {"2.11", "toc_title", NULL, 40, NULL, "v2.16 2.11 toc_title"},
	        {"3.17", "messages", "1", 10, NULL, "v2.16 3.17 messages[1]"},
	        {"2.20", "messages", "1", 12, NULL, "v2.16 2.20 messages[1]"},
	        {"2.20", "screen", "4", 3, NULL, "v2.16 2.20 screen[4]"},
	        {"2.3", "causes", "c2", 2, NULL, "v2.16 2.3 causes c2"},
	        {"3.1", "remedies", "r6", 30, NULL, "v2.16 3.1 remedies r6"},
	        /* a changed space: between ASCII and kana the check keeps spacing */
	        {"2.15", "messages", "0", SIZE_MAX, "Cookieが見つかりません。",
	         "v2.16 2.15 messages[0]"},
	        /* another entry's cause, and this entry's remedy filed as a cause */
	        {"2.7", "causes", "c1", SIZE_MAX, "ブラウザが FIDO2 をサポートしていない。",
	         "v2.16 2.7 causes c1"},
	        {"2.10", "causes", "c1", SIZE_MAX,
	         "VPN サービスを経由してインターネット接続を行っている場合、VPN "
	         "接続を切ったうえで直接アクセスを行うようにしてください。",
	         "v2.16 2.10 causes c1"},
	};
	static const mutation v104[] = {
	        /* the file's OCR 〈ださい must stay as the file has it */
	        {"2.1", "remedies", "r1", SIZE_MAX,
	         "各認証局に本人 ID(医籍登録番号、薬剤師登録番号等)を連絡の上、"
	         "ユーザ登録がされているか問い合わせしてください。",
	         "v1.04 2.1 remedies r1"},
	        {"2.4", "title", NULL, 45, NULL, "v1.04 2.4 title"},
	};
	(void)state;
	run_mutations(V216, "v2.16", v216, sizeof(v216) / sizeof(v216[0]));
	run_mutations(V104, "v1.04", v104, sizeof(v104) / sizeof(v104[0]));
}

/* The other side: one character changed in the manual's heading is reported too. */
static void test_check_catches_changed_manual(void **state)
{
	const char *heading = "### 3.9. デバイス認証でエラーが発生しました。";
	json_error_t jerr;
	json_t *root = json_load_file(V216, 0, &jerr);
	size_t len;
	char src[512], *text, *at, *changed;
	report *r = calloc(1, sizeof(*r));

	(void)state;
	assert_non_null(root);
	assert_non_null(r);
	snprintf(src, sizeof(src), "%s/source/error-manual-v2.16.txt", KAGURA_MANUAL_DIR);
	assert_non_null(text = read_file(src, &len));
	assert_non_null(at = strstr(text, heading));
	changed = change_one_char(heading, 12);
	memcpy(at, changed, strlen(changed));
	assert_int_equal(check_tree(root, V216, "v2.16", r, text, len), 1);
	assert_non_null(strstr(r->text, "v2.16 3.9 title"));
	free(changed);
	free(text);
	free(r);
	json_decref(root);
}

/* Every quoted text, changed at its first, middle and last character, is no longer found. */
static size_t n_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static size_t expect_gone(const char *name, const char *id, const char *what, const char *text,
                          const char *z1, const char *z2)
{
	size_t n = n_chars(text), pos[3] = {0, n / 2, n - 1}, k;

	for (k = 0; k < 3; k++) {
		char *t = change_one_char(text, pos[k]);
		if (found(t, z1, z2))
			fail_msg("%s %s %s: \"%s\" changed to \"%s\" is still found", name, id,
			         what, text, t);
		free(t);
	}
	return 3;
}

static void check_every_text(const char *path, const char *name, size_t at_least)
{
	sc_catalogue *c = load(path);
	manual *m = manual_open(path, c, name);
	report *r = calloc(1, sizeof(*r));
	size_t i, k, tried = 0;
	zones *z;

	assert_non_null(r);
	z = locate(c, m, r);
	assert_int_equal(r->problems, 0);
	for (i = 0; i < sc_catalogue_count(c); i++) {
		const sc_cat_entry *e = sc_catalogue_entry(c, i);
		size_t n = n_chars(e->title), pos[3] = {0, n / 2, n - 1};
		char what[32];

		for (k = 0; k < 3; k++, tried++) {
			char *t = change_one_char(e->title, pos[k]), *tn = norm_str(t, SC_TN_CHECK);
			if (heading_match(m, z[i].head, e->id, tn))
				fail_msg("%s %s title changed to \"%s\" still matches its heading",
				         name, e->id, t);
			free(t);
			free(tn);
		}
		if (e->toc_title != NULL)
			tried +=
			        expect_gone(name, e->id, "toc_title", e->toc_title, z[i].toc, NULL);
		for (k = 0; k < e->n_messages; k++)
			tried += expect_gone(name, e->id, "message", e->messages[k], z[i].display,
			                     z[i].toc);
		for (k = 0; k < e->n_screen; k++)
			tried += expect_gone(name, e->id, "screen", e->screen[k], z[i].display,
			                     NULL);
		for (k = 0; k < e->n_causes; k++) {
			snprintf(what, sizeof(what), "causes %s", e->causes[k].id);
			tried += expect_gone(name, e->id, what, e->causes[k].text, z[i].causes,
			                     NULL);
		}
		for (k = 0; k < e->n_remedies; k++) {
			snprintf(what, sizeof(what), "remedies %s", e->remedies[k].id);
			tried += expect_gone(name, e->id, what, e->remedies[k].text, z[i].remedies,
			                     NULL);
		}
	}
	assert_true(tried >= at_least);
	zones_free(z, sc_catalogue_count(c));
	free(r);
	manual_close(m);
	sc_catalogue_free(c);
}

static void test_every_text_mutation_caught(void **state)
{
	(void)state;
	check_every_text(V216, "v2.16", 1200); /* 401 texts */
	check_every_text(V104, "v1.04", 570);  /* 193 texts */
}

/* ---- since and previous against v1.04 ---- */

static bool same_texts(const char *a, const char *b)
{
	char *x = norm_str(a, SC_TN_MATCH), *y = norm_str(b, SC_TN_MATCH);
	bool same = strcmp(x, y) == 0;

	free(x);
	free(y);
	return same;
}

static bool same_items(const sc_cat_item *a, size_t na, const sc_cat_item *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (a[i].kind != b[i].kind || !same_texts(a[i].text, b[i].text))
			return false;
	return true;
}

static bool same_entry(const sc_cat_entry *a, const sc_cat_entry *b)
{
	size_t i;

	if (a->n_messages != b->n_messages)
		return false;
	for (i = 0; i < a->n_messages; i++)
		if (!same_texts(a->messages[i], b->messages[i]))
			return false;
	return same_items(a->causes, a->n_causes, b->causes, b->n_causes) &&
	       same_items(a->remedies, a->n_remedies, b->remedies, b->n_remedies);
}

static void test_since_previous(void **state)
{
	sc_catalogue *c = load(V216), *p = load(V104);
	size_t i, counts[4] = {0}, *used;
	char why[256];

	(void)state;
	assert_string_equal(sc_catalogue_previous_manual(c), "1.04");
	assert_null(sc_catalogue_previous_manual(p));
	assert_int_equal(sc_catalogue_link(c, p, why, sizeof(why)), SC_CAT_OK);
	assert_int_equal(sc_catalogue_link(p, c, why, sizeof(why)), SC_CAT_ERR_LINK);
	assert_non_null(used = calloc(sc_catalogue_count(p), sizeof(*used)));
	for (i = 0; i < sc_catalogue_count(c); i++) {
		const sc_cat_entry *e = sc_catalogue_entry(c, i), *q;
		size_t k;

		counts[e->since]++;
		if (e->since == SC_CAT_SINCE_NEW) {
			assert_null(e->previous);
			continue;
		}
		assert_non_null(q = sc_catalogue_find(p, e->previous));
		for (k = 0; sc_catalogue_entry(p, k) != q; k++)
			;
		used[k]++;
		if ((e->since == SC_CAT_SINCE_SAME) != same_entry(e, q))
			fail_msg("v2.16 %s is \"%s\" but its texts %s those of v1.04 %s", e->id,
			         sc_cat_since_name(e->since),
			         same_entry(e, q) ? "equal" : "differ from", q->id);
	}
	/* every v1.04 entry continues in exactly one v2.16 entry */
	for (i = 0; i < sc_catalogue_count(p); i++)
		if (used[i] != 1)
			fail_msg("v1.04 %s is the previous of %zu v2.16 entries",
			         sc_catalogue_entry(p, i)->id, used[i]);
	assert_int_equal(counts[SC_CAT_SINCE_NEW], 22);
	assert_int_equal(counts[SC_CAT_SINCE_CHANGED], 20);
	assert_int_equal(counts[SC_CAT_SINCE_SAME], 6);
	assert_int_equal(counts[SC_CAT_SINCE_NONE], 0);
	for (i = 0; i < sc_catalogue_count(p); i++)
		assert_int_equal(sc_catalogue_entry(p, i)->since, SC_CAT_SINCE_NONE);
	free(used);
	sc_catalogue_free(c);
	sc_catalogue_free(p);
}

/* ---- cross-references ---- */

/* A ref's words in the text: "4.1", "5.2(b)", "2.4". */
static const char *anchor(const char *ref)
{
	return strncmp(ref, "user-manual:", 12) == 0 ? ref + 12 : ref;
}

static bool has_section_mention(const char *t, const char *sec)
{
	const char *p;

	for (p = strstr(t, sec); p != NULL; p = strstr(p + 1, sec)) {
		bool before = p > t && (is_digit(p[-1]) || p[-1] == '.');
		bool after = is_digit(p[strlen(sec)]) || p[strlen(sec)] == '(';
		if (!before && !after)
			return true;
	}
	return false;
}

static bool declares(const sc_cat_item *it, const char *ref)
{
	size_t i;

	for (i = 0; i < it->n_refs; i++)
		if (strcmp(it->refs[i], ref) == 0)
			return true;
	return false;
}

static void check_refs_in(const char *path, const char *name)
{
	static const char *const known[][2] = {
	        {"4.1", "4.1"},
	        {"4.2", "4.2"},
	        {"4.3", "4.3"},
	        {"4.4", "4.4"},
	        {"4.5", "4.5"},
	        {"4.6", "4.6"},
	        {"5.2(b)", "user-manual:5.2(b)"},
	        {"5.2(c)", "user-manual:5.2(c)"},
	        {"「2.4.", "user-manual:2.4"},
	};
	sc_catalogue *c = load(path);
	manual *m = manual_open(path, c, name);
	size_t i, l, k, r, total = 0;

	for (i = 0; i < sc_catalogue_count(c); i++) {
		const sc_cat_entry *e = sc_catalogue_entry(c, i);
		const sc_cat_item *lists[2] = {e->causes, e->remedies};
		size_t counts[2] = {e->n_causes, e->n_remedies};

		for (l = 0; l < 2; l++) {
			for (k = 0; k < counts[l]; k++) {
				const sc_cat_item *it = &lists[l][k];
				char *t = norm_str(it->text, SC_TN_MATCH);

				for (r = 0; r < it->n_refs; r++) {
					char *a = norm_str(anchor(it->refs[r]), SC_TN_MATCH);
					if (strstr(t, a) == NULL)
						fail_msg("%s %s %s: ref %s is not in its text",
						         name, e->id, it->id, it->refs[r]);
					if (strncmp(it->refs[r], "user-manual:", 12) != 0 &&
					    toc_find(m, it->refs[r]) == NULL)
						fail_msg("%s %s %s: ref %s is no section of the "
						         "manual",
						         name, e->id, it->id, it->refs[r]);
					free(a);
					total++;
				}
				for (r = 0; r < sizeof(known) / sizeof(known[0]); r++) {
					bool mentioned =
					        strncmp(known[r][0], "4.", 2) == 0
					                ? has_section_mention(t, known[r][0])
					                : strstr(t, known[r][0]) != NULL;
					if (mentioned && !declares(it, known[r][1]))
						fail_msg("%s %s %s mentions %s without the ref %s",
						         name, e->id, it->id, known[r][0],
						         known[r][1]);
				}
				free(t);
			}
		}
	}
	assert_true(total > 0);
	manual_close(m);
	sc_catalogue_free(c);
}

static void test_refs(void **state)
{
	(void)state;
	check_refs_in(V216, "v2.16");
	check_refs_in(V104, "v1.04");
}

/* ---- lookup and iteration ---- */

static void test_lookup(void **state)
{
	sc_catalogue *c = load(V216);
	const sc_cat_entry *e;
	const sc_cat_item *it;
	size_t i;

	(void)state;
	assert_non_null(e = sc_catalogue_find(c, "3.17"));
	assert_string_equal(e->title, "Forbidden");
	assert_int_equal(e->n_messages, 3);
	assert_string_equal(e->messages[1], "You don't have permission to access this resource.");
	assert_int_equal(e->shown_by, SC_CAT_BY_PLATFORM);
	assert_non_null(e = sc_catalogue_find(c, "2.20"));
	assert_string_equal(e->messages[1], "許可されていないメソッドを使用しようしました");
	assert_string_equal(e->previous, "2.10");
	assert_non_null(it = sc_cat_entry_item(e, "r2"));
	assert_string_equal(it->parent, "r1");
	assert_int_equal(it->kind, SC_CAT_ITEM);
	assert_non_null(it = sc_cat_entry_item(e, "r4"));
	assert_int_equal(it->kind, SC_CAT_NOTE);
	assert_int_equal(it->n_refs, 1);
	assert_string_equal(it->refs[0], "4.1");
	assert_null(sc_cat_entry_item(e, "r9"));
	assert_null(sc_cat_entry_item(e, "x1"));
	assert_null(sc_cat_entry_item(NULL, "r1"));
	assert_non_null(e = sc_catalogue_find(c, "2.6"));
	assert_string_equal(e->messages[0], "セキュリティーキーによる認証に失敗しました。");
	assert_string_equal(e->title, "セキュリティキーによる認証に失敗しました。");
	assert_int_equal(e->n_refs, 3);
	assert_string_equal(e->refs[2], "user-manual:5.2(c)");
	assert_non_null(e = sc_catalogue_find(c, "2.16"));
	assert_int_equal(e->n_messages, 0);
	assert_non_null(e = sc_catalogue_find(c, "2.18"));
	assert_int_equal(e->n_samples, 1);
	assert_string_equal(e->samples[0].text, "xxxxxxx");
	assert_null(sc_catalogue_find(c, "2.25"));
	assert_null(sc_catalogue_find(c, ""));
	assert_null(sc_catalogue_find(c, NULL));
	assert_null(sc_catalogue_find(NULL, "2.1"));
	assert_null(sc_catalogue_entry(NULL, 0));
	assert_int_equal(sc_catalogue_count(NULL), 0);
	/* iteration is the manual's order, and find agrees with it */
	for (i = 0; i < sc_catalogue_count(c); i++)
		assert_ptr_equal(sc_catalogue_find(c, sc_catalogue_entry(c, i)->id),
		                 sc_catalogue_entry(c, i));
	assert_string_equal(sc_catalogue_entry(c, 0)->id, "2.1");
	assert_string_equal(sc_catalogue_entry(c, 47)->id, "3.24");
	assert_string_equal(sc_cat_platform_name(SC_CAT_PC), "pc");
	assert_string_equal(sc_cat_shown_by_name(SC_CAT_BY_OS), "os");
	assert_string_equal(sc_cat_since_name(SC_CAT_SINCE_SAME), "same");
	assert_string_equal(sc_cat_kind_name(SC_CAT_LEAD), "lead");
	assert_string_equal(sc_cat_errname(SC_CAT_ERR_DUPLICATE), "SC_CAT_ERR_DUPLICATE");
	assert_string_equal(sc_cat_strerr((sc_cat_err)999), "unknown error");
	sc_catalogue_free(c);
	sc_catalogue_free(NULL);
}

/* ---- malformed catalogues ---- */

#define ENTRY0                                                                                     \
	"{\"id\":\"2.1\",\"section\":\"2\",\"platform\":\"smartphone\",\"shown_by\":\"platform\"," \
	"\"title\":\"T\",\"toc_title\":null,\"messages\":[\"M x\"],\"causes\":[{\"id\":\"c1\","    \
	"\"kind\":\"item\",\"text\":\"C\"},{\"id\":\"c2\",\"kind\":\"note\",\"text\":\"D\"}],"     \
	"\"remedies\":[{\"id\":\"r1\",\"kind\":\"item\",\"text\":\"R\",\"refs\":[\"4.1\"]}],"      \
	"\"refs\":[\"4.1\"],\"since\":\"same\",\"previous\":\"2.1\"}"

#define BASE                                                                                 \
	"{\"format\":\"kagura-manual-catalogue/1\",\"manual\":\"2.16\",\"previous_manual\":" \
	"\"1.04\",\"source\":{\"file\":\"source/m.txt\",\"sha256\":"                         \
	"\"00000000000000000000000000000000000000000000000000000000000000ff\"},"             \
	"\"entries\":[" ENTRY0 "]}"

#define DELETE "<delete>"

typedef struct bad_case {
	const char *path;  /* "entries.0.causes.1.text" (dots; numbers index arrays), or NULL */
	const char *value; /* JSON text, DELETE, or (path NULL) the whole file */
	sc_cat_err err;
	const char *why; /* in the error message */
} bad_case;

/* Sets (or deletes) the member at path; an index one past the end appends. */
static void set_at(json_t *root, const char *path, const char *value)
{
	char buf[128], *save = NULL, *tok, *next;
	json_t *cur = root, *v = NULL;
	json_error_t jerr;

	if (strcmp(value, DELETE) != 0)
		assert_non_null(v = json_loads(value, JSON_DECODE_ANY, &jerr));
	snprintf(buf, sizeof(buf), "%s", path);
	tok = strtok_r(buf, ".", &save);
	while (tok != NULL) {
		next = strtok_r(NULL, ".", &save);
		if (next == NULL)
			break;
		cur = json_is_array(cur) ? json_array_get(cur, (size_t)atoi(tok))
		                         : json_object_get(cur, tok);
		assert_non_null(cur);
		tok = next;
	}
	if (json_is_array(cur)) {
		size_t i = (size_t)atoi(tok);
		if (v == NULL)
			assert_int_equal(json_array_remove(cur, i), 0);
		else if (i == json_array_size(cur))
			assert_int_equal(json_array_append_new(cur, v), 0);
		else
			assert_int_equal(json_array_set_new(cur, i, v), 0);
	} else if (v == NULL) {
		assert_int_equal(json_object_del(cur, tok), 0);
	} else {
		assert_int_equal(json_object_set_new(cur, tok, v), 0);
	}
}

static void expect_refused(const char *text, size_t len, const bad_case *bc)
{
	sc_catalogue *c = (sc_catalogue *)1;
	char why[512] = "untouched";
	sc_cat_err e = sc_catalogue_parse(text, len, "bad.json", &c, why, sizeof(why));

	if (e != bc->err || strstr(why, bc->why) == NULL)
		fail_msg("%s = %.60s: expected %s with \"%s\", got %s: %s",
		         bc->path ? bc->path : "(file)", bc->value, sc_cat_errname(bc->err),
		         bc->why, sc_cat_errname(e), why);
	assert_null(c);
}

static void test_bad_catalogues(void **state)
{
	static const bad_case cases[] = {
	        /* not JSON, or not the right JSON */
	        {NULL, "{\"format\":\"kagura-manual-catalogue/1\",\"manual\":\"2.1",
	         SC_CAT_ERR_JSON, "bad.json:1:"},
	        {NULL, "", SC_CAT_ERR_JSON, "not well-formed JSON"},
	        {NULL, "{} trailing", SC_CAT_ERR_JSON, "not well-formed JSON"},
	        {NULL, "{\"format\":1,\"format\":2}", SC_CAT_ERR_JSON, "duplicate"},
	        {NULL, "{\"t\":\"\xff\"}", SC_CAT_ERR_JSON, "not well-formed JSON"},
	        {NULL, "{\"t\":\"a\\u0000b\"}", SC_CAT_ERR_JSON, "not well-formed JSON"},
	        {NULL, "[]", SC_CAT_ERR_TYPE, "expected an object at the top, got an array"},
	        /* top level */
	        {"format", "\"kagura-manual-catalogue/2\"", SC_CAT_ERR_VALUE, "format: value"},
	        {"manual", "\"v2\"", SC_CAT_ERR_VALUE, "manual: value not allowed"},
	        {"previous_manual", "\"2.16\"", SC_CAT_ERR_VALUE, "previous_manual"},
	        {"source.sha256", DELETE, SC_CAT_ERR_MISSING, "bad.json: source.sha256: required"},
	        {"source.sha256", "\"ABC\"", SC_CAT_ERR_VALUE, "source.sha256"},
	        {"source.file", "\"../etc/passwd\"", SC_CAT_ERR_VALUE, "source.file"},
	        {"source.file", "\"/etc/passwd\"", SC_CAT_ERR_VALUE, "source.file"},
	        {"extra", "1", SC_CAT_ERR_UNKNOWN_MEMBER, "bad.json: extra: member not in"},
	        {"entries", "[]", SC_CAT_ERR_EMPTY, "entries: empty"},
	        {"entries", "{}", SC_CAT_ERR_TYPE, "entries: wrong JSON type: expected an array"},
	        {"entries.0", "7", SC_CAT_ERR_TYPE, "entries[0]: wrong JSON type"},
	        /* an entry's members */
	        {"entries.0.id", "21", SC_CAT_ERR_TYPE,
	         "entries[0].id: wrong JSON type: expected a string, got an integer"},
	        {"entries.0.id", "\"2.01\"", SC_CAT_ERR_VALUE, "entries[0].id"},
	        {"entries.0.id", "\"2-1\"", SC_CAT_ERR_VALUE, "not an entry id"},
	        {"entries.0.section", "\"3\"", SC_CAT_ERR_VALUE, "entries[0].section"},
	        {"entries.0.platform", "\"tablet\"", SC_CAT_ERR_VALUE,
	         "entries[0].platform: value not allowed here: \"tablet\" is not one of "
	         "smartphone, pc"},
	        {"entries.0.shown_by", "\"printer\"", SC_CAT_ERR_VALUE, "entries[0].shown_by"},
	        {"entries.0.title", DELETE, SC_CAT_ERR_MISSING,
	         "entries[0].title: required member"},
	        {"entries.0.title", "\"\"", SC_CAT_ERR_EMPTY, "entries[0].title"},
	        {"entries.0.title", "\" T\"", SC_CAT_ERR_TEXT, "white space"},
	        {"entries.0.title", "\"T\\u3000\"", SC_CAT_ERR_TEXT, "white space"},
	        {"entries.0.title", "\"a\\u0001b\"", SC_CAT_ERR_TEXT, "control character"},
	        {"entries.0.title", "\"a\\u0085b\"", SC_CAT_ERR_TEXT, "control character"},
	        {"entries.0.title", "\"a\\tb\"", SC_CAT_ERR_TEXT, "control character"},
	        {"entries.0.toc_title", "7", SC_CAT_ERR_TYPE, "entries[0].toc_title"},
	        {"entries.0.toc_title", DELETE, SC_CAT_ERR_MISSING, "entries[0].toc_title"},
	        {"entries.0.messages", "\"M\"", SC_CAT_ERR_TYPE, "entries[0].messages: wrong"},
	        {"entries.0.messages.0", "\"a\\nb\"", SC_CAT_ERR_TEXT,
	         "entries[0].messages[0]: control character, misplaced line break"},
	        {"entries.0.screen", "[]", SC_CAT_ERR_EMPTY, "entries[0].screen"},
	        {"entries.0.unknown", "true", SC_CAT_ERR_UNKNOWN_MEMBER, "entries[0].unknown"},
	        {"entries.1", "{\"id\":\"2.1\"}", SC_CAT_ERR_MISSING, "entries[1].section"},
	        {"entries.1", ENTRY0, SC_CAT_ERR_DUPLICATE,
	         "entries[1].id: id used twice: \"2.1\" is also entries[0]"},
	        /* causes and remedies */
	        {"entries.0.causes", "[]", SC_CAT_ERR_EMPTY, "entries[0].causes: empty"},
	        {"entries.0.causes.0.text", "5", SC_CAT_ERR_TYPE, "entries[0].causes[0].text"},
	        {"entries.0.causes.0.text", "\"a\\n\\nb\"", SC_CAT_ERR_TEXT,
	         "entries[0].causes[0].text"},
	        {"entries.0.causes.0.text", "\"a \\nb\"", SC_CAT_ERR_TEXT, "line break"},
	        {"entries.0.causes.0.text", "\"a\\n\"", SC_CAT_ERR_TEXT, "line break"},
	        {"entries.0.causes.0.kind", "\"bullet\"", SC_CAT_ERR_VALUE,
	         "\"bullet\" is not one of item, lead, note"},
	        {"entries.0.causes.0.id", "\"r1\"", SC_CAT_ERR_VALUE, "entries[0].causes[0].id"},
	        {"entries.0.causes.1.id", "\"c1\"", SC_CAT_ERR_DUPLICATE,
	         "entries[0].causes[1].id: id used twice: \"c1\" is also [0]"},
	        {"entries.0.causes.0.parent", "\"c2\"", SC_CAT_ERR_LINK,
	         "entries[0].causes[0].parent"},
	        {"entries.0.causes.1.parent", "\"c9\"", SC_CAT_ERR_LINK, "earlier cause"},
	        {"entries.0.causes.1.parent", "\"c2\"", SC_CAT_ERR_LINK, "earlier cause"},
	        {"entries.0.causes.0.extra", "1", SC_CAT_ERR_UNKNOWN_MEMBER,
	         "entries[0].causes[0].extra"},
	        {"entries.0.remedies.0.refs", "[\"chapter 4\"]", SC_CAT_ERR_VALUE,
	         "entries[0].remedies[0].refs[0]"},
	        {"entries.0.remedies.0.refs", "[\"4.1\",\"4.1\"]", SC_CAT_ERR_DUPLICATE,
	         "entries[0].remedies[0].refs[1]"},
	        {"entries.0.remedies.0.refs", "[]", SC_CAT_ERR_EMPTY, "refs"},
	        {"entries.0.remedies", DELETE, SC_CAT_ERR_MISSING, "entries[0].remedies"},
	        {"entries.0.refs", "[]", SC_CAT_ERR_LINK,
	         "entries[0].refs: inconsistent with another part of the catalogue: must list "
	         "the causes' and remedies' refs in order of first use: [\"4.1\"]"},
	        {"entries.0.refs", "[\"4.1\",\"4.2\"]", SC_CAT_ERR_LINK, "entries[0].refs"},
	        /* samples, since, previous */
	        {"entries.0.samples", "[{\"text\":\"zz\",\"stands_for\":\"s\"}]", SC_CAT_ERR_LINK,
	         "entries[0].samples[0].text"},
	        {"entries.0.samples", "[{\"text\":\"x\"}]", SC_CAT_ERR_MISSING,
	         "entries[0].samples[0].stands_for"},
	        {"entries.0.since", "\"new\"", SC_CAT_ERR_LINK, "needs previous null"},
	        {"entries.0.previous", "null", SC_CAT_ERR_LINK, "entries[0].previous"},
	        {"entries.0.previous", "\"two\"", SC_CAT_ERR_VALUE, "entries[0].previous"},
	        {"entries.0.since", DELETE, SC_CAT_ERR_MISSING, "entries[0].since"},
	        {"entries.0.since", "\"old\"", SC_CAT_ERR_VALUE,
	         "is not one of new, changed, same"},
	        {"previous_manual", "null", SC_CAT_ERR_UNKNOWN_MEMBER,
	         "entries[0].since: member not in the schema: \"since\" needs a previous_manual"},
	        {"entries.0.remarks", "[1]", SC_CAT_ERR_TYPE, "entries[0].remarks[0]"},
	};
	char *big;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const bad_case *bc = &cases[i];

		if (bc->path == NULL) {
			expect_refused(bc->value, strlen(bc->value), bc);
		} else {
			json_error_t jerr;
			json_t *root = json_loads(BASE, 0, &jerr);
			char *text;

			assert_non_null(root);
			set_at(root, bc->path, bc->value);
			assert_non_null(text = json_dumps(root, JSON_COMPACT));
			expect_refused(text, strlen(text), bc);
			free(text);
			json_decref(root);
		}
	}
	/* the base itself is fine: every refusal above is the mutation's */
	{
		sc_catalogue *c = NULL;
		assert_int_equal(sc_catalogue_parse(BASE, strlen(BASE), "base", &c, NULL, 0),
		                 SC_CAT_OK);
		sc_catalogue_free(c);
	}
	/* a huge string, too many entries, a file over the limit, deep nesting */
	{
		json_error_t jerr;
		json_t *root = json_loads(BASE, 0, &jerr), *entries;
		char *text, *s = malloc(SC_CAT_MAX_TEXT + 2);
		bad_case bc = {"entries.0.title", "(4097 bytes)", SC_CAT_ERR_TOO_LONG,
		               "entries[0].title: longer than the schema allows: 4097 bytes"};

		assert_non_null(s);
		memset(s, 'x', SC_CAT_MAX_TEXT + 1);
		s[SC_CAT_MAX_TEXT + 1] = '\0';
		set_string(json_array_get(json_object_get(root, "entries"), 0), "title", s);
		assert_non_null(text = json_dumps(root, JSON_COMPACT));
		expect_refused(text, strlen(text), &bc);
		free(text);
		free(s);
		entries = json_object_get(root, "entries");
		while (json_array_size(entries) <= SC_CAT_MAX_ENTRIES)
			json_array_append_new(entries, json_deep_copy(json_array_get(entries, 0)));
		assert_non_null(text = json_dumps(root, JSON_COMPACT));
		bc = (bad_case){
		        "entries", "(257 entries)", SC_CAT_ERR_TOO_LONG,
		        "entries: longer than the schema allows: 257 elements, at most 256"};
		expect_refused(text, strlen(text), &bc);
		free(text);
		json_decref(root);
	}
	big = malloc(SC_CAT_MAX_FILE + 1);
	assert_non_null(big);
	memset(big, ' ', SC_CAT_MAX_FILE + 1);
	{
		bad_case bc = {NULL, "(4 MiB + 1)", SC_CAT_ERR_TOO_LARGE, "4 MiB"};
		expect_refused(big, SC_CAT_MAX_FILE + 1, &bc);
	}
	memset(big, '[', 100000);
	{
		bad_case bc = {NULL, "(100000 '[')", SC_CAT_ERR_JSON, "not well-formed JSON"};
		expect_refused(big, 100000, &bc);
	}
	free(big);
	/* caller errors */
	{
		sc_catalogue *c = NULL;
		char why[128];
		assert_int_equal(sc_catalogue_parse(NULL, 0, "x", &c, why, sizeof(why)),
		                 SC_CAT_ERR_ARG);
		assert_int_equal(
		        sc_catalogue_parse(BASE, strlen(BASE), "x", NULL, why, sizeof(why)),
		        SC_CAT_ERR_ARG);
		assert_int_equal(sc_catalogue_load(NULL, &c, why, sizeof(why)), SC_CAT_ERR_ARG);
		assert_int_equal(sc_catalogue_link(NULL, NULL, why, sizeof(why)), SC_CAT_ERR_ARG);
	}
}

static void test_bad_files(void **state)
{
	char dir[] = "/tmp/kagura-catalogue-XXXXXX", path[64], why[256], block[4096];
	sc_catalogue *c = NULL;
	FILE *f;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/missing.json", dir);
	assert_int_equal(sc_catalogue_load(path, &c, why, sizeof(why)), SC_CAT_ERR_IO);
	assert_non_null(strstr(why, "missing.json: catalogue file cannot be read"));
	assert_null(c);
	snprintf(path, sizeof(path), "%s/big.json", dir);
	assert_non_null(f = fopen(path, "wb"));
	memset(block, ' ', sizeof(block));
	for (i = 0; i <= SC_CAT_MAX_FILE / sizeof(block); i++)
		assert_int_equal(fwrite(block, 1, sizeof(block), f), sizeof(block));
	fclose(f);
	assert_int_equal(sc_catalogue_load(path, &c, why, sizeof(why)), SC_CAT_ERR_TOO_LARGE);
	assert_null(c);
	unlink(path);
	snprintf(path, sizeof(path), "%s/ok.json", dir);
	assert_non_null(f = fopen(path, "wb"));
	fputs(BASE, f);
	fclose(f);
	assert_int_equal(sc_catalogue_load(path, &c, why, sizeof(why)), SC_CAT_OK);
	assert_string_equal(sc_catalogue_source_file(c), "source/m.txt");
	sc_catalogue_free(c);
	unlink(path);
	snprintf(path, sizeof(path), "%s/", dir); /* a directory is not a catalogue */
	assert_int_not_equal(sc_catalogue_load(path, &c, why, sizeof(why)), SC_CAT_OK);
	assert_null(c);
	rmdir(dir);
}

/* Every truncation and many byte changes of the real catalogue: an error or a catalogue, never a
 * crash. */
static void test_mangled_real_catalogue(void **state)
{
	size_t len, i, refused = 0;
	char *text = read_file(V216, &len), *copy;
	uint32_t seed = 12345;

	(void)state;
	assert_non_null(text);
	assert_non_null(copy = malloc(len + 1));
	/* every cut before the closing brace leaves JSON that is not a complete object */
	for (i = 0; i + 2 < len; i += 37) {
		sc_catalogue *c = NULL;
		sc_cat_err e = sc_catalogue_parse(text, i, "cut", &c, NULL, 0);
		assert_int_not_equal(e, SC_CAT_OK);
		assert_null(c);
		refused++;
	}
	assert_true(refused > 1000);
	for (i = 0; i < 3000; i++) {
		sc_catalogue *c = NULL;
		char why[256];
		size_t at;
		sc_cat_err e;

		memcpy(copy, text, len + 1);
		seed = seed * 1103515245u + 12345u;
		at = (seed >> 8) % len;
		seed = seed * 1103515245u + 12345u;
		copy[at] = (char)(seed >> 16);
		e = sc_catalogue_parse(copy, len, "flip", &c, why, sizeof(why));
		assert_true((e == SC_CAT_OK) == (c != NULL));
		assert_true(e == SC_CAT_OK || why[0] != '\0');
		sc_catalogue_free(c);
	}
	free(copy);
	free(text);
}

/* ---- the normaliser ---- */

typedef struct tn_case {
	const char *in;
	unsigned flags;
	const char *out;
} tn_case;

static void test_textnorm(void **state)
{
	static const tn_case cases[] = {
	        /* the check: converter markup, line breaks, PDF wrap spaces; nothing else */
	        {"許可されていないメソッドを使用  \nしようしました", SC_TN_CHECK,
	         "許可されていないメソッドを使用しようしました"},
	        {"- ・当該ユーザが無効\n  - ・FIDO 鍵\n\n \n- ※注", SC_TN_CHECK,
	         "・当該ユーザが無効・FIDO 鍵※注"},
	        {"### **[原因]**", SC_TN_CHECK, "[原因]"},
	        {"2.11. <u>403 Forbidden</u>", SC_TN_CHECK, "2.11. 403 Forbidden"},
	        {"<https://maadc-auth.2nds.medis.or.jp/>  \n<https://x.example/>", SC_TN_CHECK,
	         "https://maadc-auth.2nds.medis.or.jp/https://x.example/"},
	        {"<b>not a link</b> a<https://broken example>", SC_TN_CHECK,
	         "<b>not a link</b> a<https://broken example>"},
	        {"問い合わせして 〈ださい。", SC_TN_CHECK, "問い合わせして〈ださい。"},
	        {"Cookie が見つかりません。", SC_TN_CHECK, "Cookie が見つかりません。"},
	        {"なります。 HPKI カード", SC_TN_CHECK, "なります。 HPKI カード"},
	        {"目  次", SC_TN_CHECK, "目  次"},
	        {"a\r\nb\rc", SC_TN_CHECK, "abc"},
	        {"####### seven", SC_TN_CHECK, "####### seven"},
	        {"-no space", SC_TN_CHECK, "-no space"},
	        {"  indented", SC_TN_CHECK, "  indented"},
	        {"セキュリティーキー", SC_TN_CHECK, "セキュリティーキー"},
	        {"ＡＢＣ", SC_TN_CHECK, "ＡＢＣ"},
	        /* matching: width */
	        {"Ｃｏｏｋｉｅ　が見つかりません。", SC_TN_MATCH, "cookieが見つかりません。"},
	        {"ｾｷｭﾘﾃｨｰｷｰの登録結果が無効です｡", SC_TN_MATCH,
	         "セキュリティキの登録結果が無効です。"},
	        {"ﾊﾟｽｺｰﾄﾞで続ける", SC_TN_WIDTH, "パスコードで続ける"},
	        {"ｶﾞｷﾞｸﾞｹﾞｺﾞﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟｳﾞ", SC_TN_WIDTH, "ガギグゲゴパピプペポヴ"},
	        {"ｱﾞ", SC_TN_WIDTH, "ア\u3099"},
	        {"ﾞ", SC_TN_WIDTH, "\u3099"},
	        {"ハ\u309Aスコート\u3099", SC_TN_WIDTH, "パスコード"},
	        {"か\u3099う\u3099ワ\u3099ゝ\u3099", SC_TN_WIDTH, "がゔヷゞ"},
	        {"①②⑩⑳", SC_TN_WIDTH, "121020"},
	        {"５．２（ｂ）", SC_TN_WIDTH, "5.2(b)"},
	        /* matching: long vowels and dashes */
	        {"セキュリティーキー", SC_TN_MATCH, "セキュリティキ"},
	        {"セキュリティキー", SC_TN_MATCH, "セキュリティキ"},
	        {"セキュリティ－キ―", SC_TN_MATCH, "セキュリティキ"},
	        {"ユーザー", SC_TN_DASH, "ユザ"},
	        {"405－Method", SC_TN_MATCH, "405-method"},
	        {"405—Method – x", SC_TN_DASH, "405-Method - x"},
	        {"HPKI-KAGURA", SC_TN_DASH, "HPKI-KAGURA"},
	        /* matching: spacing, quotes, case */
	        {"  NotAllowedError:   Operation\tfailed. ", SC_TN_MATCH,
	         "notallowederror:operation failed."},
	        {"You don’t have permission", SC_TN_MATCH, "you don't have permission"},
	        {"“quoted” ‘x’", SC_TN_QUOTES, "\"quoted\" 'x'"},
	        {"本人 ID", SC_TN_SPACE, "本人ID"},
	        {"5.2 (b)", SC_TN_SPACE, "5.2(b)"},
	        {"a\u200Bb\uFEFF c", SC_TN_SPACE, "ab c"},
	        {"x\u00A0y\u2003z", SC_TN_SPACE, "x y z"},
	        {"", SC_TN_MATCH, ""},
	        {"plain", 0, "plain"},
	        {"\U0001F600 emoji", SC_TN_MATCH, "\U0001F600emoji"},
	};
	static const struct {
		const char *in;
		size_t len;
	} bad[] = {
	        {"\xff", 1},
	        {"\xc0\xaf", 2},
	        {"\xe0\x80\xaf", 3},
	        {"\xed\xa0\x80", 3},
	        {"\xf4\x90\x80\x80", 4},
	        {"\xe3\x81", 2},
	        {"a\0b", 3},
	        {"\x80", 1},
	};
	size_t i;
	char *out = (char *)1;
	size_t len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sc_tn_err e =
		        sc_textnorm(cases[i].in, strlen(cases[i].in), cases[i].flags, &out, &len);
		if (e != SC_TN_OK || strcmp(out, cases[i].out) != 0 || len != strlen(out))
			fail_msg("case %zu: \"%s\" (flags %#x) gave \"%s\" (%s), expected \"%s\"",
			         i, cases[i].in, cases[i].flags, e == SC_TN_OK ? out : "",
			         sc_tn_errname(e), cases[i].out);
		free(out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		out = (char *)1;
		assert_int_equal(sc_textnorm(bad[i].in, bad[i].len, SC_TN_MATCH, &out, NULL),
		                 SC_TN_ERR_TEXT);
		assert_null(out);
	}
	assert_int_equal(sc_textnorm("a", 1, 0x100, &out, NULL), SC_TN_ERR_ARG);
	assert_int_equal(sc_textnorm(NULL, 1, 0, &out, NULL), SC_TN_ERR_ARG);
	assert_int_equal(sc_textnorm("a", 1, 0, NULL, NULL), SC_TN_ERR_ARG);
	assert_int_equal(sc_textnorm(NULL, 0, SC_TN_MATCH, &out, NULL), SC_TN_OK);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(sc_textnorm("a", SC_TN_MAX_INPUT + 1, 0, &out, NULL), SC_TN_ERR_TOO_LARGE);
	assert_string_equal(sc_tn_errname(SC_TN_ERR_TEXT), "SC_TN_ERR_TEXT");
	assert_string_equal(sc_tn_strerr((sc_tn_err)99), "unknown error");
}

/* The manual's own variants meet under SC_TN_MATCH, which explain relies on. */
static void test_textnorm_manual_variants(void **state)
{
	static const char *const pairs[][2] = {
	        {"セキュリティーキーの登録結果が無効です。",
	         "セキュリティキーの登録結果が無効です。"},
	        {"mahpki-auth.2nds.medis.or.jp でセキュリティーキーを使用する",
	         "mahpki-auth.2nds.medis.or.jp でセキュリティキーを使用する"},
	        {"すでにこのセッションで異なるユーザーxxxxxxx として認証されています。",
	         "すでにこのセッションで異なるユーザーxxxxxxxとして認証されています。"},
	        {"（画面が真っ白または真っ黒になる）", "(画面が真っ白または真っ黒になる)"},
	        {"FIDO 認証情報の登録ができませんでした", "FIDO認証情報の登録ができませんでした"},
	        {"当該ユーザが無効になっている（削除されている）。",
	         "当該ユーザが無効になっている(削除されている)。"},
	        {"利用者マニュアルの「5.2 (b) HPKI", "利用者マニュアルの「5.2（b）HPKI"},
	        {"NOTALLOWEDERROR: OPERATION FAILED.", "NotAllowedError: Operation failed."},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		char *a = norm_str(pairs[i][0], SC_TN_MATCH),
		     *b = norm_str(pairs[i][1], SC_TN_MATCH);
		if (strcmp(a, b) != 0)
			fail_msg("\"%s\" -> \"%s\" but \"%s\" -> \"%s\"", pairs[i][0], a,
			         pairs[i][1], b);
		free(a);
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_v216_loads),
	        cmocka_unit_test(test_v104_loads),
	        cmocka_unit_test(test_v216_toc),
	        cmocka_unit_test(test_v104_toc),
	        cmocka_unit_test(test_source_hashes),
	        cmocka_unit_test(test_v216_texts_in_manual),
	        cmocka_unit_test(test_v104_texts_in_manual),
	        cmocka_unit_test(test_check_catches_changed_character),
	        cmocka_unit_test(test_check_catches_changed_manual),
	        cmocka_unit_test(test_every_text_mutation_caught),
	        cmocka_unit_test(test_since_previous),
	        cmocka_unit_test(test_refs),
	        cmocka_unit_test(test_lookup),
	        cmocka_unit_test(test_bad_catalogues),
	        cmocka_unit_test(test_bad_files),
	        cmocka_unit_test(test_mangled_real_catalogue),
	        cmocka_unit_test(test_textnorm),
	        cmocka_unit_test(test_textnorm_manual_variants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
