/* The hidden form fields Keycloak's WebAuthn pages post (docs/keycloak.md). */
#ifndef KAGURA_AUTHENTICATOR_PHONE_KEYCLOAK_FORM_H
#define KAGURA_AUTHENTICATOR_PHONE_KEYCLOAK_FORM_H

#include <jansson.h>

/*
 * From a RegistrationResponseJSON: clientDataJSON, attestationObject,
 * publicKeyCredentialId, authenticatorLabel, transports (comma-joined), error "".
 * From an AuthenticationResponseJSON: clientDataJSON, authenticatorData,
 * signature, credentialId, userHandle, error "". NULL when response is neither.
 */
json_t *au_keycloak_form(const json_t *response, const char *label);
/* A failed ceremony posts only error = "Name: message". */
json_t *au_keycloak_form_error(const char *name, const char *message);

#endif
