/*
 * One Keycloak realm per generation of the error manual: its name, the locale its
 * bundle's words are in and the locales the login pages offer. The rest of the realm
 * (flow, WebAuthn policy, client) is the same for both generations (realm_build.c).
 */
#ifndef KAGURA_TOOLS_KEYCLOAK_REALM_PROFILE_H
#define KAGURA_TOOLS_KEYCLOAK_REALM_PROFILE_H

#include <stddef.h>

/* The most locales a realm offers (ja and en). */
#define KC_REALM_MAX_LOCALES 2

typedef struct kc_realm_profile {
	const char *manual;        /* "2.16": the generation, as --manual names it */
	const char *realm_name;    /* "kagura-v2.16": the realm, in /realms/{name}/ */
	const char *bundle_locale; /* the bundle's words become this locale's texts */
	const char *locales[KC_REALM_MAX_LOCALES]; /* offered on the login pages, default first */
	size_t locale_count;
} kc_realm_profile;

/* The profile of a generation ("2.16", "1.04"); NULL for any other text. */
const kc_realm_profile *kc_realm_profile_find(const char *manual);

#endif
