#include "rp/form.h"

#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

/* Decodes one form component in place; false on a broken %XX or a %00 (it would cut the text). */
static bool decode(char *s)
{
	char *w = s;

	for (char *r = s; *r != '\0'; r++) {
		if (*r == '+') {
			*w++ = ' ';
		} else if (*r == '%') {
			int hi = hexval(r[1]), lo = hi < 0 ? -1 : hexval(r[2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return false;
			*w++ = (char)(hi << 4 | lo);
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return true;
}

void rp_form_free(rp_form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->name[i]);
		free(f->value[i]);
	}
	f->n = 0;
}

bool rp_form_parse(const uint8_t *body, size_t len, rp_form *f)
{
	char *copy = strndup((const char *)body, len), *save = NULL, *pair;
	bool ok = copy != NULL && strlen(copy) == len;

	memset(f, 0, sizeof(*f));
	for (pair = ok ? strtok_r(copy, "&", &save) : NULL; ok && pair;
	     pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '=');
		if (f->n == RP_FORM_MAX) {
			ok = false;
			break;
		}
		if (eq != NULL)
			*eq = '\0';
		f->name[f->n] = strdup(pair);
		f->value[f->n] = strdup(eq ? eq + 1 : "");
		f->n++;
		ok = f->name[f->n - 1] && f->value[f->n - 1] && decode(f->name[f->n - 1]) &&
		     decode(f->value[f->n - 1]);
	}
	free(copy);
	if (!ok)
		rp_form_free(f);
	return ok;
}

const char *rp_form_get(const rp_form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0)
			return f->value[i];
	return NULL;
}
