#include "scenarios/usage.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_KEYS 16 /* named keys one usage line admits */
#define WORD_MAX 64

typedef struct usage_spec {
	size_t min_words, max_words; /* positional words; max SIZE_MAX: repeats */
	bool any_key;                /* an upper-case key: any key=value */
	size_t n_keys;
	char keys[MAX_KEYS][WORD_MAX];
	bool required[MAX_KEYS];
} usage_spec;

static bool upper_name(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isupper((unsigned char)s[i]) && s[i] != '_')
			return false;
	return n > 0;
}

/* One usage word (brackets removed) into the spec. */
static void add_word(usage_spec *u, const char *w, bool optional)
{
	size_t len = strlen(w);
	bool repeats = len > 3 && strcmp(w + len - 3, "...") == 0;
	const char *eq = strchr(w, '=');

	if (eq == NULL) {
		if (!optional)
			u->min_words++;
		u->max_words = repeats || u->max_words == SIZE_MAX ? SIZE_MAX : u->max_words + 1;
		return;
	}
	/* "a=|b=|c=" or "name=VALUE": each alternative's name up to its "=" */
	for (const char *p = w; p != NULL && *p != '\0';) {
		size_t n = strcspn(p, "=");
		if (upper_name(p, n)) {
			u->any_key = true;
		} else if (u->n_keys < MAX_KEYS && n < WORD_MAX) {
			snprintf(u->keys[u->n_keys], WORD_MAX, "%.*s", (int)n, p);
			u->required[u->n_keys++] = !optional && strchr(w, '|') == NULL;
		}
		p = strstr(p + n, "|");
		if (p == NULL || strchr(p + 1, '=') == NULL)
			break;
		p++;
	}
}

static void parse(const char *usage, usage_spec *u)
{
	memset(u, 0, sizeof(*u));
	for (const char *p = usage; *p != '\0';) {
		char w[WORD_MAX * 4];
		size_t n;
		bool optional;

		p += strspn(p, " ");
		n = strcspn(p, " ");
		if (n == 0)
			break;
		snprintf(w, sizeof(w), "%.*s", (int)(n < sizeof(w) ? n : sizeof(w) - 1), p);
		p += n;
		optional = w[0] == '[';
		if (optional) {
			size_t len = strlen(w);
			memmove(w, w + 1, len);
			while ((len = strlen(w)) > 0 && w[len - 1] == ']')
				w[len - 1] = '\0';
		}
		add_word(u, w, optional);
	}
}

static bool key_known(const usage_spec *u, const char *key)
{
	for (size_t i = 0; i < u->n_keys; i++)
		if (strcmp(u->keys[i], key) == 0)
			return true;
	return u->any_key;
}

bool sc_usage_check(const char *usage, const sc_step *st, char *why, size_t why_size)
{
	usage_spec u;
	size_t words = 0;
	char ignored[1];

	if (why == NULL || why_size == 0) {
		why = ignored;
		why_size = sizeof(ignored);
	}
	parse(usage, &u);
	for (size_t i = 0; i < st->n; i++) {
		if (st->key[i] == NULL) {
			words++;
		} else if (!key_known(&u, st->key[i])) {
			snprintf(why, why_size, "%s has no %s= (usage: %s %s)", st->verb,
			         st->key[i], st->verb, usage);
			return false;
		}
	}
	if (words < u.min_words || words > u.max_words) {
		char range[64];
		if (u.max_words == SIZE_MAX)
			snprintf(range, sizeof(range), "at least %zu", u.min_words);
		else if (u.min_words == u.max_words)
			snprintf(range, sizeof(range), "%zu", u.min_words);
		else
			snprintf(range, sizeof(range), "%zu to %zu", u.min_words, u.max_words);
		snprintf(why, why_size, "%s takes %s word%s, not %zu (usage: %s %s)", st->verb,
		         range, u.max_words == 1 ? "" : "s", words, st->verb, usage);
		return false;
	}
	for (size_t k = 0; k < u.n_keys; k++)
		if (u.required[k] && sc_step_get(st, u.keys[k]) == NULL) {
			snprintf(why, why_size, "%s needs %s= (usage: %s %s)", st->verb, u.keys[k],
			         st->verb, usage);
			return false;
		}
	return true;
}
