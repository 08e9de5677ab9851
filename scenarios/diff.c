/* The differential report (diff.h): the mock's and Keycloak's JSON reports, cause by cause. */
#include "scenarios/diff.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of a text a table cell shows: what was expected, what was seen, why it failed. */
#define CELL_EXPECTED_MAX 90
#define CELL_SEEN_MAX     120
#define CELL_DETAIL_MAX   90
#define CELL_LABEL_MAX    120
/* Distinct skip reasons the summary counts. */
#define MAX_REASONS 32
#define NOTE_MAX    600

static const char diff_usage[] =
        "usage: kagura-scenarios diff MOCK.json KEYCLOAK.json [--notes FILE] [--check]\n"
        "  MOCK.json, KEYCLOAK.json: `kagura-scenarios run --format json` of the mock platform\n"
        "  and of a Keycloak target; --notes: MANUAL<TAB>ENTRY<TAB>CAUSE<TAB>LABEL<TAB>decision\n"
        "  lines; --check: exit 1 when a cause fails on Keycloak with no decision recorded, or\n"
        "  is skipped there without a reason.\n";

static bool entry_shaped(const json_t *e)
{
	return json_is_object(e) && json_is_string(json_object_get(e, "id")) &&
	       json_is_array(json_object_get(e, "causes"));
}

/* A manual's object as the JSON report writes it (scenarios/report.c): a string manual and an
 * array entries, each entry an object with a string id and an array causes; false with why
 * naming the JSON path at fault (at: the object's, "$[1]"). */
static bool manual_shaped(const json_t *m, const char *at, char *why, size_t size)
{
	const json_t *entries = json_object_get(m, "entries");

	if (!json_is_object(m) || !json_is_string(json_object_get(m, "manual")) ||
	    !json_is_array(entries)) {
		snprintf(why, size, "%s: not an object with a string manual and an array entries",
		         at);
		return false;
	}
	for (size_t i = 0; i < json_array_size(entries); i++)
		if (!entry_shaped(json_array_get(entries, i))) {
			snprintf(why, size,
			         "%s.entries[%zu]: not an object with a string id and an array "
			         "causes",
			         at, i);
			return false;
		}
	return true;
}

/* Whether doc (an object or an array: jansson loads nothing else) is a run's JSON report: one
 * manual's object, or an array of them. */
static bool report_shaped(const json_t *doc, char *why, size_t size)
{
	size_t i;
	json_t *m;

	if (json_is_object(doc))
		return manual_shaped(doc, "$", why, size);
	json_array_foreach(doc, i, m)
	{
		char at[32];
		snprintf(at, sizeof(at), "$[%zu]", i);
		if (!manual_shaped(m, at, why, size))
			return false;
	}
	return true;
}

/* The manuals of a report: its array, or its one manual's object as an array (owned). */
static json_t *manuals_of(const char *path, const sc_cmd_env *env)
{
	json_error_t err;
	json_t *doc = json_load_file(path, 0, &err), *list;
	char why[200];

	if (doc == NULL) {
		fprintf(env->err, "kagura-scenarios diff: %s:%d: %s\n", path, err.line, err.text);
		return NULL;
	}
	if (!report_shaped(doc, why, sizeof(why))) {
		fprintf(env->err, "kagura-scenarios diff: %s: not a run's JSON report (%s)\n", path,
		        why);
		json_decref(doc);
		return NULL;
	}
	if (json_is_array(doc))
		return doc;
	list = json_array();
	json_array_append_new(list, doc);
	return list;
}

static const char *str(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "";
}

static const json_t *find_by(const json_t *list, const char *key, const char *value)
{
	size_t i;
	json_t *x;

	json_array_foreach(list, i, x) if (strcmp(str(x, key), value) == 0) return x;
	return NULL;
}

/* The nth block (0-based) of an entry with this cause id and label. */
static const json_t *find_cause(const json_t *entry, const json_t *like, size_t nth)
{
	size_t i, seen = 0;
	json_t *c;

	json_array_foreach(json_object_get(entry, "causes"), i, c)
	{
		if (strcmp(str(c, "cause"), str(like, "cause")) == 0 &&
		    strcmp(str(c, "label"), str(like, "label")) == 0 && seen++ == nth)
			return c;
	}
	return NULL;
}

/* Text for a Markdown cell: line breaks as " / ", | escaped, at most max bytes (cut at a UTF-8
 * boundary). */
static void cell(FILE *out, const char *text, size_t max)
{
	size_t n = 0;

	for (const char *p = text; *p != '\0'; p++) {
		if (n >= max && ((unsigned char)*p & 0xC0) != 0x80) {
			fputs("…", out);
			return;
		}
		if (*p == '\n' || *p == '\r' || *p == '\t') {
			if (n > 0 && p[1] != '\0')
				fputs(" / ", out);
		} else if (*p == '|') {
			fputs("\\|", out);
		} else {
			fputc(*p, out);
		}
		n++;
	}
}

/* What a cause showed: its outcome and the text judged, a page's title left out (its first
 * line, the same on every page of a platform), and on a failure why. */
static void outcome_cell(FILE *out, const json_t *c)
{
	const char *seen = str(c, "seen"), *detail = str(c, "detail");
	const char *body = strchr(seen, '\n');

	if (body != NULL && body[1] != '\0')
		seen = body + 1;
	fprintf(out, "**%s** ", str(c, "status"));
	if (seen[0] != '\0')
		cell(out, seen, CELL_SEEN_MAX);
	if (strcmp(str(c, "status"), "pass") != 0 && detail[0] != '\0') {
		fputs(seen[0] ? " — " : "", out);
		cell(out, detail, CELL_DETAIL_MAX);
	}
}

typedef struct diff_note {
	char manual[8], entry[16], cause[16];
	char label[256]; /* the cause block's label: an entry's blocks of one cause differ */
	char text[NOTE_MAX];
	bool used; /* a difference of this run has it */
} diff_note;

typedef struct notes {
	diff_note *items; /* owned */
	size_t n;
} notes;

/* MANUAL<TAB>ENTRY<TAB>CAUSE<TAB>LABEL<TAB>decision lines; false with the line at fault on
 * stderr. */
static bool notes_load(const char *path, notes *ns, const sc_cmd_env *env)
{
	FILE *f = fopen(path, "r");
	char line[NOTE_MAX + 64];
	int lineno = 0;

	ns->items = NULL;
	ns->n = 0;
	if (f == NULL) {
		fprintf(env->err, "kagura-scenarios diff: --notes %s cannot be read\n", path);
		return false;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *fields[5] = {line}, *p = line;
		size_t k = 1;
		diff_note *grown;
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		while (k < 5 && (p = strchr(p, '\t')) != NULL) {
			*p++ = '\0';
			fields[k++] = p;
		}
		if (k < 5 || (grown = realloc(ns->items, (ns->n + 1) * sizeof(*grown))) == NULL) {
			fprintf(env->err,
			        "kagura-scenarios diff: %s:%d: not "
			        "MANUAL<TAB>ENTRY<TAB>CAUSE<TAB>LABEL<TAB>text\n",
			        path, lineno);
			fclose(f);
			free(ns->items);
			ns->items = NULL;
			return false;
		}
		ns->items = grown;
		diff_note *x = &ns->items[ns->n++];
		snprintf(x->manual, sizeof(x->manual), "%.7s", fields[0]);
		snprintf(x->entry, sizeof(x->entry), "%.15s", fields[1]);
		snprintf(x->cause, sizeof(x->cause), "%.15s", fields[2]);
		snprintf(x->label, sizeof(x->label), "%.255s", fields[3]);
		snprintf(x->text, sizeof(x->text), "%.599s", fields[4]);
		x->used = false;
	}
	fclose(f);
	return true;
}

static const char *note_of(const notes *ns, const char *manual, const char *entry,
                           const json_t *cause)
{
	for (size_t i = 0; i < ns->n; i++) {
		diff_note *x = &ns->items[i];
		if (strcmp(x->manual, manual) == 0 && strcmp(x->entry, entry) == 0 &&
		    strcmp(x->cause, str(cause, "cause")) == 0 &&
		    strcmp(x->label, str(cause, "label")) == 0) {
			x->used = true;
			return x->text;
		}
	}
	return NULL;
}

typedef struct reason_count {
	char text[200];
	size_t n;
} reason_count;

typedef struct tally {
	size_t both, agree, differ, skipped;
	size_t undecided, unexplained; /* Keycloak failures without a decision; silent skips */
	FILE *err;                     /* where those are named */
	reason_count reasons[MAX_REASONS];
	size_t n_reasons;
} tally;

static void count_reason(tally *t, const char *why)
{
	char text[200];
	const char *reason = why;

	/* "setup, line N: verb: why" counts by why: the steps differ, the reason is the
	 * platform's */
	for (const char *p = strstr(why, ": "); p != NULL; p = strstr(p + 2, ": "))
		reason = p + 2;
	snprintf(text, sizeof(text), "%s", reason);
	for (size_t i = 0; i < t->n_reasons; i++)
		if (strcmp(t->reasons[i].text, text) == 0) {
			t->reasons[i].n++;
			return;
		}
	if (t->n_reasons < MAX_REASONS)
		t->reasons[t->n_reasons++] = (reason_count){.n = 1};
	snprintf(t->reasons[t->n_reasons - 1].text, sizeof(t->reasons[0].text), "%s", text);
}

/* One row per cause block of the mock's entry that Keycloak ran; skips tallied. */
static void diff_entry(FILE *out, const char *manual, const json_t *mock_entry,
                       const json_t *kc_entry, const notes *ns, tally *t)
{
	const char *entry = str(mock_entry, "id");
	size_t i;
	json_t *mc;

	json_array_foreach(json_object_get(mock_entry, "causes"), i, mc)
	{
		size_t nth = 0;
		const json_t *kc;
		const char *decision;
		bool agree;
		for (size_t k = 0; k < i; k++) {
			const json_t *prev =
			        json_array_get(json_object_get(mock_entry, "causes"), k);
			nth += strcmp(str(prev, "cause"), str(mc, "cause")) == 0 &&
			       strcmp(str(prev, "label"), str(mc, "label")) == 0;
		}
		kc = kc_entry ? find_cause(kc_entry, mc, nth) : NULL;
		if (kc == NULL || strcmp(str(kc, "status"), "skip") == 0) {
			t->skipped++;
			count_reason(t, kc ? str(kc, "detail") : "not in Keycloak's report");
			if (kc != NULL && str(kc, "detail")[0] == '\0') {
				t->unexplained++;
				fprintf(t->err,
				        "kagura-scenarios diff: manual %s entry %s %s (%s): "
				        "skipped on Keycloak "
				        "with no reason\n",
				        manual, entry, str(mc, "cause"), str(mc, "label"));
			}
			continue;
		}
		t->both++;
		agree = strcmp(str(kc, "status"), str(mc, "status")) == 0;
		agree ? t->agree++ : t->differ++;
		decision = !agree || strcmp(str(kc, "status"), "pass") != 0
		                   ? note_of(ns, manual, entry, mc)
		                   : NULL;
		if (strcmp(str(kc, "status"), "pass") != 0 && decision == NULL) {
			t->undecided++;
			fprintf(t->err,
			        "kagura-scenarios diff: manual %s entry %s %s (%s): %s on Keycloak "
			        "with no "
			        "decision recorded: %s\n",
			        manual, entry, str(mc, "cause"), str(mc, "label"),
			        str(kc, "status"), str(kc, "detail"));
		}
		fprintf(out, "| %s | %s %s | ", manual, entry, str(mc, "cause"));
		cell(out, str(mc, "label"), CELL_LABEL_MAX);
		fputs(" | ", out);
		cell(out, str(mc, "expected"), CELL_EXPECTED_MAX);
		fputs(" | ", out);
		outcome_cell(out, mc);
		fputs(" | ", out);
		outcome_cell(out, kc);
		fprintf(out, " | %s | ", agree ? "same" : "**differs**");
		cell(out, decision ? decision : agree ? "" : "(no decision recorded)", NOTE_MAX);
		fputs(" |\n", out);
	}
}

int sc_diff_cmd(int argc, char **argv, const sc_cmd_env *env)
{
	const char *paths[2] = {NULL, NULL}, *notes_path = NULL;
	bool check = false;
	int rc = 0;
	json_t *mock = NULL, *kc = NULL, *m;
	notes ns = {0};
	tally t = {.err = env->err};
	size_t n_paths = 0, i;

	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--notes") == 0 && a + 1 < argc)
			notes_path = argv[++a];
		else if (strcmp(argv[a], "--check") == 0)
			check = true;
		else if (strcmp(argv[a], "--help") == 0) {
			fputs(diff_usage, env->out);
			return 0;
		} else if (argv[a][0] != '-' && n_paths < 2)
			paths[n_paths++] = argv[a];
		else {
			fprintf(env->err, "kagura-scenarios diff: unexpected %s\n%s", argv[a],
			        diff_usage);
			return 2;
		}
	}
	if (n_paths != 2) {
		fputs(diff_usage, env->err);
		return 2;
	}
	if ((notes_path && !notes_load(notes_path, &ns, env)) ||
	    (mock = manuals_of(paths[0], env)) == NULL ||
	    (kc = manuals_of(paths[1], env)) == NULL) {
		json_decref(mock);
		free(ns.items);
		return 2;
	}
	fputs("| manual | entry, cause | cause | expected | mock platform | Keycloak | outcome | "
	      "decision |\n|---|---|---|---|---|---|---|---|\n",
	      env->out);
	json_array_foreach(mock, i, m)
	{
		const char *manual = str(m, "manual");
		const json_t *km = find_by(kc, "manual", manual);
		size_t k;
		json_t *e;
		json_array_foreach(json_object_get(m, "entries"), k, e) diff_entry(
		        env->out, manual, e,
		        km ? find_by(json_object_get(km, "entries"), "id", str(e, "id")) : NULL,
		        &ns, &t);
	}
	fprintf(env->out,
	        "\n%zu causes ran on both: %zu with the same outcome, %zu different. %zu did not "
	        "run on Keycloak:\n\n| causes | why Keycloak skipped them |\n|---|---|\n",
	        t.both, t.agree, t.differ, t.skipped);
	for (size_t r = 0; r < t.n_reasons; r++) {
		fprintf(env->out, "| %zu | ", t.reasons[r].n);
		cell(env->out, t.reasons[r].text, sizeof(t.reasons[r].text));
		fputs(" |\n", env->out);
	}
	for (size_t k = 0; k < ns.n; k++)
		if (!ns.items[k].used)
			fprintf(env->err,
			        "kagura-scenarios diff: note for manual %s entry %s %s (%s) "
			        "matches no "
			        "cause that fails on Keycloak\n",
			        ns.items[k].manual, ns.items[k].entry, ns.items[k].cause,
			        ns.items[k].label);
	if (check && (t.undecided > 0 || t.unexplained > 0)) {
		fprintf(env->err,
		        "kagura-scenarios diff: %zu Keycloak failure(s) with no decision, %zu "
		        "skip(s) "
		        "with no reason\n",
		        t.undecided, t.unexplained);
		rc = 1;
	}
	json_decref(mock);
	json_decref(kc);
	free(ns.items);
	return rc;
}
