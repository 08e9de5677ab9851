#include "authenticator/phone/persona_shelf.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SHELF_MAX 64 /* fixtures/personas has a dozen; past this, personas are read each time */

struct au_persona_shelf {
	char *dir;            /* owned */
	pthread_mutex_t lock; /* guards n and the entries being added */
	au_persona kept[SHELF_MAX];
	size_t n;
};

au_persona_shelf *au_persona_shelf_new(const char *dir)
{
	au_persona_shelf *s = calloc(1, sizeof(*s));

	if (s == NULL || dir == NULL || (s->dir = strdup(dir)) == NULL ||
	    pthread_mutex_init(&s->lock, NULL) != 0) {
		if (s != NULL)
			free(s->dir);
		free(s);
		return NULL;
	}
	return s;
}

void au_persona_shelf_free(au_persona_shelf *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		au_persona_free(&s->kept[i]);
	pthread_mutex_destroy(&s->lock);
	free(s->dir);
	free(s);
}

au_err au_persona_get(au_persona_shelf *s, const char *dir, const char *name, au_persona *out)
{
	au_err e;

	if (s == NULL || dir == NULL || strcmp(dir, s->dir) != 0)
		return au_persona_load(dir, name, out);
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; name != NULL && i < s->n; i++)
		if (strcmp(s->kept[i].name, name) == 0) {
			e = au_persona_copy(&s->kept[i], out);
			pthread_mutex_unlock(&s->lock);
			return e;
		}
	e = au_persona_load(s->dir, name, out);
	if (e == AU_OK && s->n < SHELF_MAX && au_persona_copy(out, &s->kept[s->n]) == AU_OK)
		s->n++;
	pthread_mutex_unlock(&s->lock);
	return e;
}
