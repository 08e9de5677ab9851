/* application/x-www-form-urlencoded bodies, as the platform's pages post them. */
#ifndef KAGURA_RP_FORM_H
#define KAGURA_RP_FORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RP_FORM_MAX 32 /* fields per form: Keycloak's largest form has fewer than ten */

typedef struct rp_form {
	size_t n;
	char *name[RP_FORM_MAX];
	char *value[RP_FORM_MAX];
} rp_form;

/* Parses body; false (f left empty) on a broken %XX, a NUL byte (raw or %00) or too many fields. */
bool rp_form_parse(const uint8_t *body, size_t len, rp_form *f);
/* The first value of name, or NULL. */
const char *rp_form_get(const rp_form *f, const char *name);
void rp_form_free(rp_form *f);

#endif
