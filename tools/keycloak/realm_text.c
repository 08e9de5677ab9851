#include "tools/keycloak/realm_text.h"

#include <stdlib.h>
#include <string.h>

kc_realm_err kc_realm_text_from_bundle(const char *bundle_value, char **out)
{
	size_t quotes = 0;
	*out = NULL;
	for (const char *p = bundle_value; *p != '\0'; p++)
		quotes += *p == '\'';
	char *text = malloc(strlen(bundle_value) + quotes + 1);
	if (text == NULL)
		return KC_REALM_ERR_NOMEM;
	char *w = text;
	for (const char *p = bundle_value; *p != '\0'; p++) {
		*w++ = *p;
		if (*p == '\'')
			*w++ = '\'';
	}
	*w = '\0';
	*out = text;
	return KC_REALM_OK;
}

kc_realm_err kc_realm_text_to_bundle(const char *localization_text, char **out)
{
	*out = NULL;
	char *value = malloc(strlen(localization_text) + 1);
	if (value == NULL)
		return KC_REALM_ERR_NOMEM;
	char *w = value;
	for (const char *p = localization_text; *p != '\0'; p++) {
		if (*p == '\'') {
			if (p[1] != '\'') {
				free(value);
				return KC_REALM_ERR_TEXT_QUOTE;
			}
			p++;
		}
		*w++ = *p;
	}
	*w = '\0';
	*out = value;
	return KC_REALM_OK;
}
