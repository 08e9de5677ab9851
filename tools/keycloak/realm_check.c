#include "tools/keycloak/realm_check.h"

#include <stdlib.h>
#include <string.h>

#include "tools/keycloak/realm_build.h"
#include "tools/keycloak/realm_text.h"

/* Keeps the first error of a run of checks, so every difference is reported. */
static void note(kc_realm_err *first, kc_realm_err err)
{
	if (*first == KC_REALM_OK)
		*first = err;
}

static kc_realm_err check_key(const rp_messages *bundle, const char *key, const json_t *texts,
                              FILE *report)
{
	const char *want = rp_messages_get(bundle, key);
	const char *text = json_string_value(json_object_get(texts, key));
	if (text == NULL) {
		fprintf(report, "%s: %s\n", key, kc_realm_strerr(KC_REALM_ERR_TEXT_MISSING));
		return KC_REALM_ERR_TEXT_MISSING;
	}
	char *got = NULL;
	kc_realm_err err = kc_realm_text_to_bundle(text, &got);
	if (err == KC_REALM_OK && strcmp(got, want) != 0)
		err = KC_REALM_ERR_TEXT_DIFFERS;
	if (err == KC_REALM_ERR_TEXT_DIFFERS)
		fprintf(report, "%s: %s: realm \"%s\", bundle \"%s\"\n", key, kc_realm_strerr(err),
		        got, want);
	else if (err)
		fprintf(report, "%s: %s: \"%s\"\n", key, kc_realm_strerr(err), text);
	free(got);
	return err;
}

kc_realm_err kc_realm_check(const kc_realm_profile *p, const rp_messages *bundle,
                            const json_t *realm, FILE *report)
{
	const json_t *texts =
	        json_object_get(json_object_get(realm, "localizationTexts"), p->bundle_locale);
	if (!json_is_object(texts)) {
		fprintf(report, "localizationTexts.%s: %s\n", p->bundle_locale,
		        kc_realm_strerr(KC_REALM_ERR_REALM_JSON));
		return KC_REALM_ERR_REALM_JSON;
	}
	kc_realm_err first = KC_REALM_OK;
	for (size_t i = 0; i < rp_messages_count(bundle); i++) {
		kc_realm_err err = check_key(bundle, rp_messages_key(bundle, i), texts, report);
		if (err)
			note(&first, err);
	}
	const char *key;
	const json_t *value;
	json_object_foreach((json_t *)texts, key, value)
	{
		if (rp_messages_get(bundle, key) == NULL) {
			fprintf(report, "%s: %s\n", key, kc_realm_strerr(KC_REALM_ERR_TEXT_EXTRA));
			note(&first, KC_REALM_ERR_TEXT_EXTRA);
		}
	}
	const char *name = json_string_value(json_object_get(realm, "displayName"));
	const char *want = rp_messages_get(bundle, KC_REALM_DISPLAY_NAME_KEY);
	if (name == NULL || want == NULL || strcmp(name, want) != 0) {
		fprintf(report, "displayName: %s: realm \"%s\", bundle %s \"%s\"\n",
		        kc_realm_strerr(KC_REALM_ERR_TEXT_DIFFERS), name ? name : "(none)",
		        KC_REALM_DISPLAY_NAME_KEY, want ? want : "(none)");
		note(&first, KC_REALM_ERR_TEXT_DIFFERS);
	}
	return first;
}
