#include "authenticator/phone/persona_shelf.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SHELF_MAX 64 /* fixtures/personas has a dozen; past this, personas are read each time */

struct au_persona_shelf {
	pthread_mutex_t lock; /* guards n and the entries being added */
	au_persona kept[SHELF_MAX];
	char *dirs[SHELF_MAX]; /* owned: the folder kept[i] was read from */
	size_t n;
};

au_persona_shelf *au_persona_shelf_new(void)
{
	au_persona_shelf *s = calloc(1, sizeof(*s));

	if (s != NULL && pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

void au_persona_shelf_free(au_persona_shelf *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++) {
		au_persona_free(&s->kept[i]);
		free(s->dirs[i]);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
}

au_err au_persona_get(au_persona_shelf *s, const char *dir, const char *name, au_persona *out)
{
	au_err e;

	if (s == NULL || dir == NULL || name == NULL)
		return au_persona_load(dir, name, out);
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->kept[i].name, name) == 0 && strcmp(s->dirs[i], dir) == 0) {
			e = au_persona_copy(&s->kept[i], out);
			pthread_mutex_unlock(&s->lock);
			return e;
		}
	e = au_persona_load(dir, name, out);
	if (e == AU_OK && s->n < SHELF_MAX && (s->dirs[s->n] = strdup(dir)) != NULL) {
		if (au_persona_copy(out, &s->kept[s->n]) == AU_OK)
			s->n++;
		else
			free(s->dirs[s->n]);
	}
	pthread_mutex_unlock(&s->lock);
	return e;
}
