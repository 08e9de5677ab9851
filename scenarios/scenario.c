#include "scenarios/scenario.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/regular_file.h"

#define MAX_FILE     (256 * 1024)
#define MAX_LINE     4096
#define MAX_STEPS    256 /* per block */
#define MAX_CAUSES   32
#define MAX_REMEDIES 16 /* per cause */

#define SC_ERROR KAGURA_XT_ROW
static const kagura_xt_row sc_errors[SC_ERR__COUNT] = {
#include "scenarios/scenario_error.def"
};
KAGURA_XT_GETTER(sc_strerr, sc_err, sc_errors, field1, "unknown error")

typedef struct parser {
	const char *name;
	int line;
	char *why;
	size_t why_size;
} parser;

static sc_err fail(parser *p, sc_err e, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->why == NULL || p->why_size == 0)
		return e;
	n = snprintf(p->why, p->why_size, "%s:%d: ", p->name, p->line);
	if (n >= 0 && (size_t)n < p->why_size) {
		va_start(ap, fmt);
		vsnprintf(p->why + n, p->why_size - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return e;
}

static void step_free(sc_step *st)
{
	free(st->verb);
	for (size_t i = 0; i < st->n; i++) {
		free(st->key[i]);
		free(st->value[i]);
	}
}

static void block_free(sc_block *b)
{
	free(b->id);
	free(b->label);
	for (size_t i = 0; i < b->n_steps; i++)
		step_free(&b->steps[i]);
	free(b->steps);
	memset(b, 0, sizeof(*b));
}

void sc_scenario_free(sc_scenario *s)
{
	free(s->path);
	free(s->entry);
	free(s->title);
	for (size_t i = 0; i < s->n_manuals; i++) {
		free(s->manual[i]);
		free(s->entry_in[i]);
	}
	block_free(&s->setup);
	for (size_t i = 0; i < s->n_causes; i++) {
		block_free(&s->causes[i].block);
		for (size_t k = 0; k < s->causes[i].n_remedies; k++)
			block_free(&s->causes[i].remedies[k]);
		free(s->causes[i].remedies);
	}
	free(s->causes);
	memset(s, 0, sizeof(*s));
}

/*
 * The next word of *cur into a fresh string: bare up to whitespace, or
 * "quoted" with \" and \\ escapes. 1 a word, 0 end of line, -1 syntax error.
 */
static int next_word(const char **cur, char **out)
{
	const char *s = *cur;
	char *w, *o;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '#')
		return 0;
	if ((w = malloc(strlen(s) + 1)) == NULL)
		return -1;
	o = w;
	while (*s != '\0' && *s != ' ' && *s != '\t') {
		if (*s == '"') {
			for (s++; *s != '"'; s++) {
				if (*s == '\0') {
					free(w);
					return -1;
				}
				if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
					s++;
				*o++ = *s;
			}
			s++;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	*cur = s;
	*out = w;
	return 1;
}

/* key=value when the part before '=' is a plain name; the value stays quoted-decoded. */
static bool split_key(char *word, char **key, char **value)
{
	size_t n = strspn(word, "abcdefghijklmnopqrstuvwxyz0123456789_-.");

	if (n == 0 || word[n] != '=')
		return false;
	*key = strndup(word, n);
	*value = strdup(word + n + 1);
	return true;
}

static sc_err parse_step(parser *p, const char *text, sc_step *st)
{
	const char *cur = text;
	char *word;
	int r;

	memset(st, 0, sizeof(*st));
	st->line = p->line;
	if (next_word(&cur, &st->verb) != 1)
		return fail(p, SC_ERR_SYNTAX, "a step needs a verb");
	while ((r = next_word(&cur, &word)) == 1) {
		char *key = NULL, *value = NULL;
		if (st->n == SC_MAX_ARGS) {
			free(word);
			return fail(p, SC_ERR_TOO_LARGE, "more than %d words in one step",
			            SC_MAX_ARGS);
		}
		if (split_key(word, &key, &value)) {
			free(word);
			if (key == NULL || value == NULL) {
				free(key);
				free(value);
				return fail(p, SC_ERR_NOMEM, "out of memory");
			}
			st->key[st->n] = key;
			st->value[st->n] = value;
		} else {
			st->value[st->n] = word;
		}
		st->n++;
	}
	if (r < 0)
		return fail(p, SC_ERR_SYNTAX, "unterminated quote");
	return SC_OK;
}

static sc_err add_step(parser *p, sc_block *b, const char *text)
{
	sc_step *grown;
	sc_err e;

	if (b->n_steps == MAX_STEPS)
		return fail(p, SC_ERR_TOO_LARGE, "more than %d steps in one block", MAX_STEPS);
	if ((grown = realloc(b->steps, (b->n_steps + 1) * sizeof(*grown))) == NULL)
		return fail(p, SC_ERR_NOMEM, "out of memory");
	b->steps = grown;
	if ((e = parse_step(p, text, &b->steps[b->n_steps])) != SC_OK) {
		step_free(&b->steps[b->n_steps]);
		return e;
	}
	b->n_steps++;
	return SC_OK;
}

/* "cause c1 free text": the id and the label. */
static sc_err open_block(parser *p, const char *rest, sc_block *b)
{
	const char *cur = rest;

	memset(b, 0, sizeof(*b));
	b->line = p->line;
	if (next_word(&cur, &b->id) != 1)
		return fail(p, SC_ERR_SYNTAX, "a cause or remedy needs its catalogue id");
	while (*cur == ' ' || *cur == '\t')
		cur++;
	if ((b->label = strdup(cur)) == NULL)
		return fail(p, SC_ERR_NOMEM, "out of memory");
	return SC_OK;
}

/* "manual 2.16 1.04=2.11": each manual, with the entry's id there when it differs. */
static sc_err parse_manuals(parser *p, const char *rest, sc_scenario *s)
{
	const char *cur = rest;
	char *word;
	int r;

	while ((r = next_word(&cur, &word)) == 1) {
		char *eq = strchr(word, '=');
		if (s->n_manuals == SC_MAX_MANUALS) {
			free(word);
			return fail(p, SC_ERR_SYNTAX, "at most %d manuals", SC_MAX_MANUALS);
		}
		if (eq != NULL)
			*eq = '\0';
		if (strcmp(word, "2.16") != 0 && strcmp(word, "1.04") != 0) {
			sc_err e = fail(p, SC_ERR_SYNTAX, "manual is 2.16 or 1.04, not %s", word);
			free(word);
			return e;
		}
		s->manual[s->n_manuals] = strdup(word);
		s->entry_in[s->n_manuals] = eq ? strdup(eq + 1) : NULL;
		s->n_manuals++;
		free(word);
		if (s->manual[s->n_manuals - 1] == NULL ||
		    (eq != NULL && s->entry_in[s->n_manuals - 1] == NULL))
			return fail(p, SC_ERR_NOMEM, "out of memory");
	}
	if (r < 0 || s->n_manuals == 0)
		return fail(p, SC_ERR_SYNTAX, "manual needs 2.16 and/or 1.04");
	return SC_OK;
}

static sc_err set_text(parser *p, char **field, const char *rest, const char *what)
{
	if (*field != NULL)
		return fail(p, SC_ERR_SYNTAX, "%s given twice", what);
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (*rest == '\0')
		return fail(p, SC_ERR_SYNTAX, "%s needs a value", what);
	if ((*field = strdup(rest)) == NULL)
		return fail(p, SC_ERR_NOMEM, "out of memory");
	/* Trailing blanks are nobody's intent. */
	for (size_t n = strlen(*field);
	     n > 0 && ((*field)[n - 1] == ' ' || (*field)[n - 1] == '\t'); n--)
		(*field)[n - 1] = '\0';
	return SC_OK;
}

static bool keyword(const char *line, const char *kw, const char **rest)
{
	size_t n = strlen(kw);

	if (strncmp(line, kw, n) != 0 || (line[n] != '\0' && line[n] != ' ' && line[n] != '\t'))
		return false;
	*rest = line + n;
	return true;
}

static sc_err parse_line(parser *p, sc_scenario *s, sc_block **cur, char *line)
{
	const char *rest;
	sc_err e;

	if (line[0] == ' ' || line[0] == '\t') {
		if (*cur == NULL)
			return fail(p, SC_ERR_SYNTAX, "a step outside setup, cause or remedy");
		return add_step(p, *cur, line);
	}
	if (keyword(line, "entry", &rest)) {
		s->entry_line = p->line;
		return set_text(p, &s->entry, rest, "entry");
	}
	if (keyword(line, "title", &rest))
		return set_text(p, &s->title, rest, "title");
	if (keyword(line, "manual", &rest)) {
		if (s->n_manuals > 0)
			return fail(p, SC_ERR_SYNTAX, "manual given twice");
		s->manual_line = p->line;
		return parse_manuals(p, rest, s);
	}
	if (keyword(line, "setup", &rest)) {
		if (s->setup.line != 0 || s->n_causes > 0)
			return fail(p, SC_ERR_SYNTAX, "one setup, before the causes");
		s->setup.line = p->line;
		*cur = &s->setup;
		return SC_OK;
	}
	if (keyword(line, "cause", &rest)) {
		sc_cause *grown;
		if (s->n_causes == MAX_CAUSES)
			return fail(p, SC_ERR_TOO_LARGE, "more than %d causes", MAX_CAUSES);
		if ((grown = realloc(s->causes, (s->n_causes + 1) * sizeof(*grown))) == NULL)
			return fail(p, SC_ERR_NOMEM, "out of memory");
		s->causes = grown;
		memset(&s->causes[s->n_causes], 0, sizeof(sc_cause));
		e = open_block(p, rest, &s->causes[s->n_causes].block);
		*cur = &s->causes[s->n_causes].block;
		s->n_causes++;
		return e;
	}
	if (keyword(line, "remedy", &rest)) {
		sc_cause *c = s->n_causes ? &s->causes[s->n_causes - 1] : NULL;
		sc_block *grown;
		if (c == NULL)
			return fail(p, SC_ERR_SYNTAX, "a remedy follows the cause it remedies");
		if (c->n_remedies == MAX_REMEDIES)
			return fail(p, SC_ERR_TOO_LARGE, "more than %d remedies for one cause",
			            MAX_REMEDIES);
		if ((grown = realloc(c->remedies, (c->n_remedies + 1) * sizeof(*grown))) == NULL)
			return fail(p, SC_ERR_NOMEM, "out of memory");
		c->remedies = grown;
		memset(&c->remedies[c->n_remedies], 0, sizeof(sc_block));
		e = open_block(p, rest, &c->remedies[c->n_remedies]);
		*cur = &c->remedies[c->n_remedies];
		c->n_remedies++;
		return e;
	}
	return fail(p, SC_ERR_SYNTAX,
	            "unknown keyword (entry, manual, title, setup, cause, remedy; "
	            "steps are indented)");
}

sc_err sc_scenario_parse(const char *name, const char *text, size_t len, sc_scenario *out,
                         char *why, size_t why_size)
{
	parser p = {.name = name, .why = why, .why_size = why_size};
	sc_block *cur = NULL;
	sc_err e = SC_OK;
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	if (len > MAX_FILE)
		return fail(&p, SC_ERR_TOO_LARGE, "larger than %d bytes", MAX_FILE);
	if (memchr(text, '\0', len) != NULL)
		return fail(&p, SC_ERR_SYNTAX, "a NUL byte: not a text file");
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		p.line = 1;
		return fail(&p, SC_ERR_SYNTAX,
		            "starts with a UTF-8 byte order mark: save it without");
	}
	if ((out->path = strdup(name)) == NULL)
		return SC_ERR_NOMEM;
	while (e == SC_OK && pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = (nl ? (size_t)(nl - text) : len) - pos;
		char line[MAX_LINE];
		const char *first;

		p.line++;
		if (n >= sizeof(line)) {
			e = fail(&p, SC_ERR_TOO_LARGE, "line longer than %d bytes", MAX_LINE - 1);
			break;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		first = line + strspn(line, " \t");
		if (*first == '\0' || *first == '#')
			continue;
		e = parse_line(&p, out, &cur, line);
	}
	if (e == SC_OK && out->entry == NULL)
		e = fail(&p, SC_ERR_SYNTAX, "no entry line");
	else if (e == SC_OK && out->n_manuals == 0)
		e = fail(&p, SC_ERR_SYNTAX, "no manual line");
	else if (e == SC_OK && out->n_causes == 0)
		e = fail(&p, SC_ERR_SYNTAX, "no cause: a scenario provokes at least one");
	if (e != SC_OK) {
		sc_scenario_free(out);
		return e;
	}
	for (size_t i = 0; i < out->n_manuals; i++)
		if (out->entry_in[i] == NULL && (out->entry_in[i] = strdup(out->entry)) == NULL)
			e = SC_ERR_NOMEM;
	if (e != SC_OK)
		sc_scenario_free(out);
	return e;
}

sc_err sc_scenario_load(const char *path, sc_scenario *out, char *why, size_t why_size)
{
	FILE *f;
	char *buf;
	size_t n;
	sc_err e;
	cm_file_err fe = cm_file_open_regular(path, &f);

	memset(out, 0, sizeof(*out));
	if (fe != CM_FILE_OK) {
		if (why != NULL && why_size > 0)
			snprintf(why, why_size, "%s: %s%s%s", path,
			         fe == CM_FILE_OPEN ? "cannot be read" : cm_file_strerr(fe),
			         fe == CM_FILE_OPEN ? ": " : "",
			         fe == CM_FILE_OPEN ? strerror(errno) : "");
		return SC_ERR_IO;
	}
	if ((buf = malloc(MAX_FILE + 1)) == NULL) {
		fclose(f);
		return SC_ERR_NOMEM;
	}
	n = fread(buf, 1, MAX_FILE + 1, f);
	fclose(f);
	e = sc_scenario_parse(path, buf, n, out, why, why_size);
	free(buf);
	return e;
}

const char *sc_scenario_entry_in(const sc_scenario *s, const char *manual)
{
	for (size_t i = 0; i < s->n_manuals; i++)
		if (strcmp(s->manual[i], manual) == 0)
			return s->entry_in[i];
	return NULL;
}

const char *sc_step_get(const sc_step *st, const char *key)
{
	for (size_t i = 0; i < st->n; i++)
		if (st->key[i] != NULL && strcmp(st->key[i], key) == 0)
			return st->value[i];
	return NULL;
}

const char *sc_step_word(const sc_step *st, size_t i)
{
	for (size_t k = 0; k < st->n; k++)
		if (st->key[k] == NULL && i-- == 0)
			return st->value[k];
	return NULL;
}
