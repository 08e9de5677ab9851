/*
 * Checks a realm file against its generation's bundle, key by key: every bundle key has
 * a localization text in the bundle's locale that says exactly the bundle's words, the
 * realm has no text the bundle lacks, and the display name is the bundle's platform name.
 */
#ifndef KAGURA_TOOLS_KEYCLOAK_REALM_CHECK_H
#define KAGURA_TOOLS_KEYCLOAK_REALM_CHECK_H

#include <jansson.h>
#include <stdio.h>

#include "rp/messages.h"
#include "tools/keycloak/realm_error.h"
#include "tools/keycloak/realm_profile.h"

/* Writes one line per difference to report ("KEY: what"); returns the first difference's
 * error, KC_REALM_OK when the realm holds exactly the bundle's texts. */
kc_realm_err kc_realm_check(const kc_realm_profile *p, const rp_messages *bundle,
                            const json_t *realm, FILE *report);

#endif
