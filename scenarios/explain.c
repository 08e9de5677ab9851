#include "scenarios/explain.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/persona_texts.h"
#include "scenarios/textcut.h"
#include "scenarios/textnorm.h"
#include "webauthn/arraylen.h"

/* Marks where a sample value was cut out of a line; never a byte of folded text. */
#define HOLE  '\x01'
#define HOLES "\x01" /* HOLE as a strcspn set */

/* The shortest messages (Forbidden, パスコードで続ける) have 8 characters: that many name a page.
 */
#define LINE_FULL_CHARS 8.0
/* A dozen remembered characters name one message; fewer are words many share (認証, パスキー). */
#define FRAGMENT_FULL_CHARS 12.0
/* A fragment, however long, is less than the whole message. */
#define FRAGMENT_SCORE 0.9
/* A fragment in the messages of entries that differ names none of them (NotAllowedError:). */
#define SHARED_FRAGMENT_WEIGHT 0.7
/* Screen lines that are not the message (labels, buttons, page headers) are on other pages too. */
#define SCREEN_WEIGHT 0.6
/* The status of a documented page: sure of the page, not of its wording. */
#define STATUS_SCORE 0.85
/* Runs of x at least this long are placeholders ("ユーザーxxxxxxxとして"). */
#define PLACEHOLDER_X_RUN 3
/* A word this long mixing ASCII letters and digits is an ID (testc30382), not a word. */
#define ID_MIN_CHARS 6
/* The personas' folder under the fixtures, and room for its path. */
#define PERSONA_SUBDIR "personas"
#define PATH_SIZE      4096
/* Reason phrases a status is known by. */
#define STATUS_PHRASES 2
/* Bigram comparison looks at this many characters of each text (messages are shorter). */
#define DICE_MAX_CHARS 512

/* The HTTP statuses whose pages the manual documents, by code and reason phrase (RFC 9110 §15). */
static const struct status {
	const char *code;
	const char *phrases[STATUS_PHRASES];
} statuses[] = {
        {"401", {"unauthorized"}},
        {"403", {"forbidden"}},
        {"405", {"method not allowed"}},
        /* A proxy asking for credentials: the manual's page for it (3.10) reads Unauthorized. */
        {"407", {"proxy authentication required", "unauthorized"}},
};

static char *fold(const char *s)
{
	char *out = NULL;

	return s && sc_textnorm(s, strlen(s), SC_TN_MATCH, &out, NULL) == SC_TN_OK ? out : NULL;
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* True when s holds word, no ASCII letter or digit on either side (no 403 in TESTC40312). */
static bool has_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = strstr(s, word); p != NULL; p = strstr(p + 1, word))
		if ((p == s || !is_alnum(p[-1])) && !is_alnum(p[n]))
			return true;
	return false;
}

/* The statuses a folded text names, one bit per row of statuses. */
static unsigned statuses_named(const char *s)
{
	unsigned named = 0;

	for (size_t i = 0; i < KAGURA_LEN(statuses); i++) {
		bool hit = has_word(s, statuses[i].code);
		for (size_t k = 0; k < STATUS_PHRASES && statuses[i].phrases[k] != NULL; k++)
			hit = hit || has_word(s, statuses[i].phrases[k]);
		if (hit)
			named |= 1u << i;
	}
	return named;
}

/* Characters of s (UTF-8), holes not counted. */
static size_t chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80 && *s != HOLE;
	return n;
}

/* UTF-8 characters of s as offsets (at most max); their count. */
static size_t char_offsets(const char *s, size_t *at, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; s[i] != '\0' && n < max; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			at[n++] = i;
	return n;
}

/*
 * Dice's coefficient over character bigrams: robust to a user's partial or
 * slightly misremembered report; 1.0 for equal texts.
 */
static double dice(const char *a, const char *b)
{
	size_t ia[DICE_MAX_CHARS], ib[DICE_MAX_CHARS];
	size_t na = char_offsets(a, ia, DICE_MAX_CHARS), nb = char_offsets(b, ib, DICE_MAX_CHARS);
	size_t common = 0;
	bool *used;

	if (na < 2 || nb < 2)
		return na == nb && strcmp(a, b) == 0 ? 1.0 : 0.0;
	if ((used = calloc(nb, sizeof(bool))) == NULL)
		return 0.0;
	for (size_t i = 0; i + 1 < na; i++) {
		size_t la = (i + 2 < na ? ia[i + 2] : strlen(a)) - ia[i];
		for (size_t k = 0; k + 1 < nb; k++) {
			size_t lb = (k + 2 < nb ? ib[k + 2] : strlen(b)) - ib[k];
			if (!used[k] && la == lb && memcmp(a + ia[i], b + ib[k], la) == 0) {
				used[k] = true;
				common++;
				break;
			}
		}
	}
	free(used);
	return 2.0 * (double)common / (double)(na - 1 + nb - 1);
}

/* Replaces len bytes of s at at with one HOLE (adjacent holes merge). */
static void cut(char *s, size_t at, size_t len)
{
	bool after_hole = at > 0 && s[at - 1] == HOLE;

	if (after_hole) {
		memmove(s + at, s + at + len, strlen(s + at + len) + 1);
		return;
	}
	s[at] = HOLE;
	memmove(s + at + 1, s + at + len, strlen(s + at + len) + 1);
}

static bool is_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/*
 * Length of the host name at s[0..n), or 0: dot-separated labels ending in a country code or
 * com/net/org. Dotted names that are not hosts ('navigator.credentials.create',
 * 'com.apple.developer.web-browser') end otherwise.
 */
static size_t host_len(const char *s, size_t n)
{
	static const char *const generic[] = {"com", "net", "org"};
	size_t last, tld;

	while (n > 0 && (s[n - 1] == '.' || s[n - 1] == '-'))
		n--; /* a sentence's full stop */
	if (n == 0 || s[0] == '.' || memchr(s, '.', n) == NULL)
		return 0;
	for (size_t i = 1; i < n; i++)
		if (s[i] == '.' && s[i - 1] == '.')
			return 0;
	for (last = n; s[last - 1] != '.'; last--)
		;
	tld = n - last;
	for (size_t i = last; i < n; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return 0;
	if (tld == 2)
		return n;
	for (size_t i = 0; i < KAGURA_LEN(generic); i++)
		if (tld == strlen(generic[i]) && memcmp(s + last, generic[i], tld) == 0)
			return n;
	return 0;
}

/* Cuts the host names out of a folded line. */
static void cut_hosts(char *s)
{
	for (size_t i = 0; s[i] != '\0'; i++) {
		size_t run = 0, host;
		if (!is_host_char(s[i]) || (i > 0 && is_host_char(s[i - 1])))
			continue;
		while (is_host_char(s[i + run]))
			run++;
		if ((host = host_len(s + i, run)) > 0)
			cut(s, i, host);
	}
}

/* Cuts the runs of x that stand alone (not inside a word) out of a folded line. */
static void cut_x_runs(char *s)
{
	for (size_t i = 0; s[i] != '\0'; i++) {
		size_t x = 0;
		if (i > 0 && is_alnum(s[i - 1]))
			continue;
		while (s[i + x] == 'x')
			x++;
		if (x >= PLACEHOLDER_X_RUN && !is_alnum(s[i + x]))
			cut(s, i, x);
	}
}

/* A line of the manual, folded, with its variable parts replaced by holes; NULL when empty. */
static char *template_of(const sc_cat_entry *e, const char *line)
{
	char *t = fold(line);

	for (size_t i = 0; t != NULL && i < e->n_samples; i++) {
		char *sample = fold(e->samples[i].text), *at;
		while (sample != NULL && sample[0] != '\0' && (at = strstr(t, sample)) != NULL)
			cut(t, (size_t)(at - t), strlen(sample));
		free(sample);
	}
	if (t != NULL) {
		cut_hosts(t);
		cut_x_runs(t);
	}
	if (t != NULL && chars(t) == 0) {
		free(t);
		t = NULL;
	}
	return t;
}

/* The first place in s that starts with the n bytes at part; NULL if none. */
static const char *find_part(const char *s, const char *part, size_t n)
{
	for (; *s != '\0'; s++)
		if (strncmp(s, part, n) == 0)
			return s;
	return NULL;
}

/* True when every fixed part of the template is in the report, in order. */
static bool holds_all_parts(const char *report, const char *tmpl)
{
	while (*tmpl != '\0') {
		size_t n = strcspn(tmpl, HOLES);
		if (n > 0 && (report = find_part(report, tmpl, n)) == NULL)
			return false;
		report += n;
		tmpl += n + (tmpl[n] == HOLE);
	}
	return true;
}

/* Cuts the IDs (a word of ASCII letters and digits, both) out of a folded report. */
static void cut_ids(char *s)
{
	for (size_t i = 0; s[i] != '\0'; i++) {
		size_t n = 0, digits = 0;
		if (i > 0 && is_alnum(s[i - 1]))
			continue;
		for (; is_alnum(s[i + n]); n++)
			digits += s[i + n] >= '0' && s[i + n] <= '9';
		if (n >= ID_MIN_CHARS && digits > 0 && digits < n)
			cut(s, i, n);
	}
}

/* A copy of s without its holes; NULL when out of memory. */
static char *without_holes(const char *s)
{
	char *out = malloc(strlen(s) + 1);
	size_t n = 0;

	for (; out != NULL && *s != '\0'; s++)
		if (*s != HOLE)
			out[n++] = *s;
	if (out != NULL)
		out[n] = '\0';
	return out;
}

static double at_most_one(double x)
{
	return x < 1.0 ? x : 1.0;
}

static double max2(double a, double b)
{
	return a > b ? a : b;
}

/* The report as the lines are compared with it. */
typedef struct query {
	char *text;        /* folded */
	char *masked;      /* text without its values (host names, IDs, runs of x), holes dropped */
	unsigned statuses; /* the statuses it names */
	bool shared;       /* a fragment of the messages of entries that differ */
} query;

static bool query_init(query *q, const char *text)
{
	char *cut_text;

	*q = (query){.text = fold(text)};
	if (q->text == NULL || q->text[0] == '\0' || (cut_text = strdup(q->text)) == NULL)
		return false;
	cut_hosts(cut_text);
	cut_x_runs(cut_text);
	cut_ids(cut_text);
	q->masked = without_holes(cut_text);
	free(cut_text);
	q->statuses = statuses_named(q->text);
	return q->masked != NULL;
}

static void query_free(query *q)
{
	free(q->text);
	free(q->masked);
	*q = (query){0};
}

/* How well the report matches one line of the manual. */
static double line_score(const sc_cat_entry *e, const query *q, const char *line)
{
	char *tmpl = template_of(e, line), *fixed;
	double s = 0.0;

	if (tmpl == NULL || (fixed = without_holes(tmpl)) == NULL) {
		free(tmpl);
		return 0.0;
	}
	/* The whole message inside the report (a screenshot's text, an e-mail) is a hit. */
	if (holds_all_parts(q->text, tmpl))
		s = max2(dice(q->text, fixed), at_most_one((double)chars(tmpl) / LINE_FULL_CHARS));
	/*
	 * A fragment the user remembered (never one spanning a value) counts by its length: its
	 * bigrams would rate a common phrase high in a short message.
	 */
	else if (strstr(tmpl, q->text) != NULL)
		s = FRAGMENT_SCORE * at_most_one((double)chars(q->text) / FRAGMENT_FULL_CHARS) *
		    (q->shared ? SHARED_FRAGMENT_WEIGHT : 1.0);
	/* A line with values is compared with the report's text around its own values. */
	else
		s = dice(strchr(tmpl, HOLE) != NULL ? q->masked : q->text, fixed);
	free(fixed);
	free(tmpl);
	return s;
}

/* The statuses the entry's title and message lines name. */
static unsigned entry_statuses(const sc_cat_entry *e)
{
	char *title = fold(e->title);
	unsigned named = title != NULL ? statuses_named(title) : 0;

	free(title);
	for (size_t i = 0; i < e->n_messages; i++) {
		char *m = fold(e->messages[i]);
		named |= m != NULL ? statuses_named(m) : 0;
		free(m);
	}
	return named;
}

static double entry_score(const sc_cat_entry *e, const query *q)
{
	double best = line_score(e, q, e->title);

	for (size_t i = 0; i < e->n_messages; i++)
		best = max2(best, line_score(e, q, e->messages[i]));
	for (size_t i = 0; i < e->n_screen; i++)
		best = max2(best, SCREEN_WEIGHT * line_score(e, q, e->screen[i]));
	if ((q->statuses & entry_statuses(e)) != 0)
		best = max2(best, STATUS_SCORE);
	return best;
}

/* The entry's first title or message line that holds the report as a fragment; NULL if none. */
static char *fragment_line(const sc_cat_entry *e, const query *q)
{
	for (size_t i = 0; i <= e->n_messages; i++) {
		char *t = template_of(e, i == 0 ? e->title : e->messages[i - 1]);
		if (t != NULL && strstr(t, q->text) != NULL)
			return t;
		free(t);
	}
	return NULL;
}

/* True when the report is a fragment of two entries whose lines differ (not 2.15 and 3.6). */
static bool fragment_shared(const sc_catalogue *c, const query *q)
{
	char *first = NULL;
	bool shared = false;

	for (size_t i = 0; i < sc_catalogue_count(c) && !shared; i++) {
		char *line = fragment_line(sc_catalogue_entry(c, i), q);
		if (first == NULL) {
			first = line;
			continue;
		}
		shared = line != NULL && strcmp(line, first) != 0;
		free(line);
	}
	free(first);
	return shared;
}

static bool query_of(query *q, const sc_catalogue *c, const char *text)
{
	if (!query_init(q, text))
		return false;
	q->shared = fragment_shared(c, q);
	return true;
}

double sc_explain_score(const sc_catalogue *c, const sc_cat_entry *e, const char *text)
{
	query q;
	double s = query_of(&q, c, text) ? entry_score(e, &q) : 0.0;

	query_free(&q);
	return s;
}

/* A match and the entry's place in the manual, which orders equal scores. */
typedef struct ranked {
	sc_match m;
	size_t order;
} ranked;

static int by_score(const void *a, const void *b)
{
	const ranked *x = a, *y = b;

	if (x->m.score != y->m.score)
		return x->m.score < y->m.score ? 1 : -1;
	return x->order < y->order ? -1 : x->order > y->order;
}

size_t sc_explain(const sc_catalogue *c, const char *text, sc_match *out, size_t max)
{
	size_t n = sc_catalogue_count(c), kept = 0;
	ranked *all = NULL;
	query q;

	if (query_of(&q, c, text) && (all = calloc(n + 1, sizeof(*all))) != NULL) {
		for (size_t i = 0; i < n; i++) {
			all[i].m.entry = sc_catalogue_entry(c, i);
			all[i].m.score = entry_score(all[i].m.entry, &q);
			all[i].order = i;
		}
		qsort(all, n, sizeof(*all), by_score);
		for (size_t i = 0; i < n && kept < max && all[i].m.score >= SC_EXPLAIN_FLOOR; i++)
			out[kept++] = all[i].m;
	}
	free(all);
	query_free(&q);
	return kept;
}

bool sc_explain_is_exception(const sc_cat_entry *e)
{
	for (size_t i = 0; i < e->n_messages; i++)
		if (sc_persona_text_is_exception(e->messages[i]))
			return true;
	return false;
}

int sc_explain_personas(const char *fixtures_dir, const char *text, char *names, size_t names_size,
                        char *why, size_t why_size)
{
	char dir[PATH_SIZE];

	if (!sc_text_printf(dir, sizeof(dir), "%s/%s", fixtures_dir, PERSONA_SUBDIR)) {
		names[0] = '\0';
		sc_text_copy(why, why_size, "the fixtures folder's path is too long");
		return -1;
	}
	return sc_persona_texts_showing(dir, text, names, names_size, why, why_size);
}
