/*
 * Errors of kagura-realm, the tool that writes the platform's Keycloak realms
 * (fixtures/keycloak/realm-v*.json) from the message bundles and checks them.
 */
#ifndef KAGURA_TOOLS_KEYCLOAK_REALM_ERROR_H
#define KAGURA_TOOLS_KEYCLOAK_REALM_ERROR_H

#include "webauthn/xtable.h"

#define KC_REALM_ERROR_TABLE(X)                                                                  \
	X(KC_REALM_OK, "success")                                                                \
	X(KC_REALM_ERR_NOMEM, "out of memory")                                                   \
	X(KC_REALM_ERR_NO_GENERATION, "no such manual generation (2.16 or 1.04)")                \
	X(KC_REALM_ERR_BUNDLE, "the message bundle cannot be loaded")                            \
	X(KC_REALM_ERR_BUNDLE_KEY_MISSING, "a key the realm needs is absent from the bundle")    \
	X(KC_REALM_ERR_REALM_JSON, "the realm file is not a JSON object that can be read")       \
	X(KC_REALM_ERR_TEXT_MISSING, "a bundle key has no localization text in the realm")       \
	X(KC_REALM_ERR_TEXT_DIFFERS, "a localization text differs from the bundle's text")       \
	X(KC_REALM_ERR_TEXT_EXTRA, "the realm has a localization text the bundle does not have") \
	X(KC_REALM_ERR_TEXT_QUOTE, "a lone apostrophe in a localization text (MessageFormat)")   \
	X(KC_REALM_ERR_WRITE, "the realm file cannot be written")

typedef enum kc_realm_err { KC_REALM_ERROR_TABLE(KAGURA_XT_ENUM) KC_REALM_ERR__COUNT } kc_realm_err;

/* Human message for an error code; never NULL. */
const char *kc_realm_strerr(kc_realm_err err);
/* Symbolic name ("KC_REALM_ERR_TEXT_DIFFERS"); never NULL. */
const char *kc_realm_errname(kc_realm_err err);

#endif
