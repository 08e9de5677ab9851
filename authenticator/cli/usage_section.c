#include "authenticator/cli/usage_section.h"

#include <string.h>

#define FIRST_PREFIX "usage: "
#define NEXT_PREFIX  "       " /* as wide as FIRST_PREFIX: continuations stay aligned */

bool au_usage_asked(int argc, char *const *argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

/* True when the synopsis words at s (up to end) begin with words[0..n). */
static bool starts_with_words(const char *s, const char *end, char *const *words, int n)
{
	for (int i = 0; i < n; i++) {
		size_t len = strlen(words[i]);
		while (s < end && *s == ' ')
			s++;
		if ((size_t)(end - s) < len || memcmp(s, words[i], len) != 0 ||
		    (s + len < end && s[len] != ' '))
			return false;
		s += len;
	}
	return true;
}

/* Prints what words[0..n) selects; returns how many synopses that is (0: nothing printed). */
static int print_section(FILE *out, const char *text, const char *program, char *const *words,
                         int n)
{
	size_t plen = strlen(program);
	bool selected = false;
	int count = 0;

	for (const char *line = text; *line != '\0';) {
		const char *end = strchr(line, '\n'), *rest = line;
		if (end == NULL)
			end = line + strlen(line);
		if (strncmp(rest, FIRST_PREFIX, strlen(FIRST_PREFIX)) == 0)
			rest += strlen(FIRST_PREFIX);
		while (rest < end && *rest == ' ')
			rest++;
		if ((size_t)(end - rest) > plen && memcmp(rest, program, plen) == 0 &&
		    rest[plen] == ' ') {
			selected = starts_with_words(rest + plen, end, words, n);
			if (selected)
				fprintf(out, "%s%.*s\n", count++ ? NEXT_PREFIX : FIRST_PREFIX,
				        (int)(end - rest), rest);
		} else if (rest != line ? selected : count > 0) {
			/* An indented continuation of a selected synopsis, or a note. */
			fprintf(out, "%.*s\n", (int)(end - line), line);
		}
		line = *end != '\0' ? end + 1 : end;
	}
	return count;
}

bool au_usage_print_for(FILE *out, const char *text, const char *program, int argc,
                        char *const *argv)
{
	int n = 0;

	while (1 + n < argc && argv[1 + n][0] != '-')
		n++;
	if (n == 0) {
		fputs(text, out);
		return true;
	}
	/* Trailing words may be arguments (a FILE): the longest match names the command. */
	for (; n > 0; n--)
		if (print_section(out, text, program, argv + 1, n) > 0)
			return true;
	return false;
}
