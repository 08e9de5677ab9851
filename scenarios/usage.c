#include "scenarios/usage.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "scenarios/number.h"

#define MAX_KEYS      16 /* named keys one usage line admits */
#define MAX_POSITIONS 16 /* positional words one usage line names */
#define WORD_MAX      64

typedef struct usage_spec {
	size_t min_words, max_words; /* positional words; max SIZE_MAX: repeats */
	bool any_key;                /* an upper-case key: any key=value */
	size_t n_keys;
	char keys[MAX_KEYS][WORD_MAX];
	char values[MAX_KEYS][WORD_MAX]; /* what a key's value may be: "N|no", "SECONDS" */
	bool required[MAX_KEYS];
	size_t n_positions;
	char positions[MAX_POSITIONS][WORD_MAX]; /* what each positional word may be: "COUNT" */
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
		if (u->n_positions < MAX_POSITIONS)
			snprintf(u->positions[u->n_positions++], WORD_MAX, "%.*s",
			         (int)(len - (repeats ? 3 : 0)), w);
		return;
	}
	/* "a=|b=|c=" or "name=VALUE": each alternative's name up to its "=" */
	for (const char *p = w; p != NULL && *p != '\0';) {
		size_t n = strcspn(p, "=");
		const char *next = strstr(p + n, "|");
		bool last = next == NULL || strchr(next + 1, '=') == NULL;
		if (upper_name(p, n)) {
			u->any_key = true;
		} else if (u->n_keys < MAX_KEYS && n < WORD_MAX) {
			const char *value = p[n] == '=' ? p + n + 1 : p + n;
			snprintf(u->keys[u->n_keys], WORD_MAX, "%.*s", (int)n, p);
			snprintf(u->values[u->n_keys], WORD_MAX, "%.*s",
			         (int)(last ? strlen(value) : (size_t)(next - value)), value);
			u->required[u->n_keys++] = !optional && strchr(w, '|') == NULL;
		}
		if (last)
			break;
		p = next + 1;
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

/* What the i-th positional word may be ("COUNT", "URL|$VAR"); NULL when the usage says nothing. */
static const char *position_spec(const usage_spec *u, size_t i)
{
	if (i < u->n_positions)
		return u->positions[i];
	/* the words a repeating last one admits ("CIDR...") */
	return u->max_words == SIZE_MAX && u->n_positions > 0 ? u->positions[u->n_positions - 1]
	                                                      : NULL;
}

static const char *key_spec(const usage_spec *u, const char *key)
{
	for (size_t i = 0; i < u->n_keys; i++)
		if (strcmp(u->keys[i], key) == 0)
			return u->values[i];
	return NULL;
}

/*
 * Whether word fits spec where spec admits a number ("COUNT", "N|no"): one of its literal
 * alternatives, or a number of the kind its placeholder names. Places that admit no number are
 * not looked at here. On a misfit *kind and *e say why.
 */
static bool number_fits(const char *spec, const char *word, sc_number_kind *kind, sc_number_err *e)
{
	bool numeric = false;
	uint64_t ignored;

	for (const char *p = spec; p != NULL && *p != '\0';) {
		size_t n = strcspn(p, "|");
		char alt[WORD_MAX];
		sc_number_kind k;
		snprintf(alt, sizeof(alt), "%.*s", (int)n, p);
		if (sc_number_kind_of(alt, &k)) {
			numeric = true;
			*kind = k;
		} else if (strcmp(alt, word) == 0) {
			return true;
		}
		p = p[n] == '|' ? p + n + 1 : NULL;
	}
	return !numeric || (*e = sc_number_of(word, *kind, &ignored)) == SC_NUMBER_OK;
}

/* A step's word against what its place in usage admits (spec NULL: nothing); why on a misfit. */
static bool word_fits(const char *verb, const char *usage, const char *spec, const char *word,
                      char *why, size_t why_size)
{
	sc_number_kind kind = SC_NUMBER_N;
	sc_number_err e = SC_NUMBER_NOT_A_NUMBER;
	char range[128];

	if (spec == NULL || number_fits(spec, word, &kind, &e))
		return true;
	sc_number_kind_text(kind, range, sizeof(range));
	snprintf(why, why_size, "%s %s (%s; usage: %s %s)", word[0] ? word : "\"\"",
	         sc_number_strerr(e), range, verb, usage);
	return false;
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
			if (!word_fits(st->verb, usage, position_spec(&u, words++), st->value[i],
			               why, why_size))
				return false;
		} else if (!key_known(&u, st->key[i])) {
			snprintf(why, why_size, "%s has no %s= (usage: %s %s)", st->verb,
			         st->key[i], st->verb, usage);
			return false;
		} else if (!word_fits(st->verb, usage, key_spec(&u, st->key[i]), st->value[i], why,
		                      why_size)) {
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
