#include "scenarios/persona_texts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authenticator/phone/persona.h"
#include "scenarios/textcut.h"
#include "scenarios/textnorm.h"
#include "webauthn/arraylen.h"

/* Exception names end so (NotAllowedError, TypeError); folded, they are lower case. */
#define EXCEPTION_SUFFIX        "Error: "
#define EXCEPTION_SUFFIX_FOLDED "error:"
/* Room for one exception's name and its expanded message. */
#define EXCEPTION_MAX 1024

/* What "{op}" in a persona's message stands for. */
static const char *const ops[] = {"create", "get"};

static bool is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool sc_persona_text_is_exception(const char *line)
{
	const char *end = line != NULL ? strstr(line, EXCEPTION_SUFFIX) : NULL;

	if (end == NULL || end == line || line[0] < 'A' || line[0] > 'Z')
		return false;
	for (const char *p = line; p < end; p++)
		if (!is_letter(*p))
			return false;
	return true;
}

static char *fold(const char *s)
{
	char *out = NULL;

	return sc_textnorm(s, strlen(s), SC_TN_MATCH, &out, NULL) == SC_TN_OK ? out : NULL;
}

/* The folded report from its first exception name on ("notallowederror: …"), or all of it. */
static const char *exception_part(const char *report)
{
	const char *start = strstr(report, EXCEPTION_SUFFIX_FOLDED);

	if (start == NULL)
		return report;
	while (start > report && is_letter(start[-1]))
		start--;
	return start;
}

typedef struct search {
	const char *dir;
	const char *reported; /* folded */
	char *names;
	size_t names_size;
	int count;
	char *why;
	size_t why_size;
} search;

/* True when the persona raises, for some failure and operation, the reported text. */
static bool persona_shows(const au_persona *p, const char *reported)
{
	for (int f = AU_FAIL_NONE + 1; f < AU_FAIL__COUNT; f++) {
		for (size_t o = 0; o < KAGURA_LEN(ops); o++) {
			char name[EXCEPTION_MAX], message[EXCEPTION_MAX],
			        text[2 * EXCEPTION_MAX + 2];
			char *folded;
			bool hit;
			if (au_persona_error(p, (au_failure)f, ops[o], name, sizeof(name), message,
			                     sizeof(message)) != AU_OK)
				continue;
			snprintf(text, sizeof(text), "%s: %s", name, message);
			if ((folded = fold(text)) == NULL)
				continue;
			hit = strstr(folded, reported) != NULL || strstr(reported, folded) != NULL;
			free(folded);
			if (hit)
				return true;
		}
	}
	return false;
}

static bool visit(const char *name, void *arg)
{
	search *s = arg;
	au_persona p = {0};
	au_err err = au_persona_load(s->dir, name, &p);

	if (err != AU_OK) {
		sc_text_printf(s->why, s->why_size, "%s/%s.json: %s", s->dir, name,
		               p.why[0] ? p.why : au_strerr(err));
		s->count = -1;
		return false;
	}
	if (persona_shows(&p, s->reported)) {
		size_t used = strlen(s->names);
		sc_text_printf(s->names + used, s->names_size - used, "%s%s",
		               s->count > 0 ? ", " : "", name);
		s->count++;
	}
	au_persona_free(&p);
	return true;
}

int sc_persona_texts_showing(const char *dir, const char *report, char *names, size_t names_size,
                             char *why, size_t why_size)
{
	char *folded = report != NULL ? fold(report) : NULL;
	search s = {.dir = dir,
	            .names = names,
	            .names_size = names_size,
	            .why = why,
	            .why_size = why_size};
	au_err err;

	names[0] = '\0';
	if (folded == NULL) {
		sc_text_copy(why, why_size, "the report is not UTF-8 text");
		return -1;
	}
	s.reported = exception_part(folded);
	if (s.reported[0] == '\0') {
		free(folded);
		return 0; /* nothing reported: no text to show */
	}
	if ((err = au_persona_list(dir, visit, &s)) != AU_OK && s.count >= 0) {
		sc_text_printf(why, why_size, "%s: %s", dir, au_strerr(err));
		s.count = -1;
	}
	free(folded);
	return s.count;
}
