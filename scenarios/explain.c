#include "scenarios/explain.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/textnorm.h"

#define MIN_SCORE 0.3

static char *fold(const char *s)
{
	char *out = NULL;

	return s && sc_textnorm(s, strlen(s), SC_TN_MATCH, &out, NULL) == SC_TN_OK ? out : NULL;
}

/* UTF-8 characters of s as offsets (at most max); their count. */
static size_t chars(const char *s, size_t *at, size_t max)
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
	size_t ia[512], ib[512];
	size_t na = chars(a, ia, 512), nb = chars(b, ib, 512), common = 0;
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

/* How well the report matches one line of the manual. */
static double line_score(const char *report, const char *line)
{
	char *l = fold(line);
	double s = 0.0;

	if (l != NULL && l[0] != '\0') {
		/* The whole message inside the report (a screenshot's text, an e-mail) is a hit. */
		if (strstr(report, l) != NULL)
			s = 1.0;
		else if (strlen(report) >= 6 && strstr(l, report) != NULL)
			s = 0.9; /* a fragment the user remembered */
		else
			s = dice(report, l);
	}
	free(l);
	return s;
}

static double entry_score(const sc_cat_entry *e, const char *report)
{
	double best = line_score(report, e->title);

	for (size_t i = 0; i < e->n_messages; i++) {
		double s = line_score(report, e->messages[i]);
		if (s > best)
			best = s;
	}
	for (size_t i = 0; i < e->n_screen; i++) {
		/* Other lines of the screen count less: they are not the error. */
		double s = 0.8 * line_score(report, e->screen[i]);
		if (s > best)
			best = s;
	}
	return best;
}

static int by_score(const void *a, const void *b)
{
	double d = ((const sc_match *)b)->score - ((const sc_match *)a)->score;
	return d > 0 ? 1 : d < 0 ? -1 : 0;
}

size_t sc_explain(const sc_catalogue *c, const char *text, sc_match *out, size_t max)
{
	char *report = fold(text);
	size_t n = sc_catalogue_count(c), kept = 0;
	sc_match *all;

	if (report == NULL || report[0] == '\0' || (all = calloc(n + 1, sizeof(*all))) == NULL) {
		free(report);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		all[i].entry = sc_catalogue_entry(c, i);
		all[i].score = entry_score(all[i].entry, report);
	}
	qsort(all, n, sizeof(*all), by_score);
	for (size_t i = 0; i < n && kept < max && all[i].score >= MIN_SCORE; i++)
		out[kept++] = all[i];
	free(all);
	free(report);
	return kept;
}
