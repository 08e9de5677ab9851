#include "tools/keycloak/realm_error.h"

KAGURA_XT_ACCESSOR(kc_realm_strerr, kc_realm_err, KC_REALM_ERROR_TABLE, KAGURA_XT_FIELD1,
                   KC_REALM_ERR__COUNT, "unknown error")
KAGURA_XT_ACCESSOR(kc_realm_errname, kc_realm_err, KC_REALM_ERROR_TABLE, KAGURA_XT_NAME,
                   KC_REALM_ERR__COUNT, "KC_REALM_ERR_UNKNOWN")
