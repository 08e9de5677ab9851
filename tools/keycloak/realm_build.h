/*
 * The platform as a Keycloak realm representation (what `kc.sh start --import-realm`
 * reads): the classic two-step login, Username Form then WebAuthn Passwordless
 * Authenticator, with the passwordless policy of the platform (RP ID localhost, user
 * verification required, attestation none, ES256 and RS256, no passkey autofill), the
 * passwordless registration as a required action, the generation's locales and the
 * bundle's words as the realm's localization texts, and a public client to log in with.
 */
#ifndef KAGURA_TOOLS_KEYCLOAK_REALM_BUILD_H
#define KAGURA_TOOLS_KEYCLOAK_REALM_BUILD_H

#include <jansson.h>

#include "rp/messages.h"
#include "tools/keycloak/realm_error.h"
#include "tools/keycloak/realm_profile.h"

/* The bundle key whose text is the realm's display name (the heading of every page). */
#define KC_REALM_DISPLAY_NAME_KEY "kagura-platform-name"

/* The public client a browser logs in with, and where it may be sent back to. */
#define KC_REALM_CLIENT_ID "kagura-harness"

/* The realm for profile p with the texts of bundle; *out is the caller's (json_decref). */
kc_realm_err kc_realm_build(const kc_realm_profile *p, const rp_messages *bundle, json_t **out);

#endif
