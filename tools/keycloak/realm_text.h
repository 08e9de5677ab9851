/*
 * A bundle's text as a Keycloak localization text and back. Keycloak formats every
 * message with java.text.MessageFormat, where an apostrophe starts a quoted run, so a
 * literal ' is written ''. The bundles write apostrophes literally and have only
 * {0}..{9} placeholders (fixtures/messages/README.md), which MessageFormat reads as is.
 */
#ifndef KAGURA_TOOLS_KEYCLOAK_REALM_TEXT_H
#define KAGURA_TOOLS_KEYCLOAK_REALM_TEXT_H

#include "tools/keycloak/realm_error.h"

/* The localization text of a bundle value; *out is the caller's (free()). */
kc_realm_err kc_realm_text_from_bundle(const char *bundle_value, char **out);

/* The bundle value a localization text stands for; KC_REALM_ERR_TEXT_QUOTE for a lone
 * apostrophe (MessageFormat would swallow it). *out is the caller's (free()). */
kc_realm_err kc_realm_text_to_bundle(const char *localization_text, char **out);

#endif
