/* The W3C JSON forms of a credential: RegistrationResponseJSON / AuthenticationResponseJSON. */
#ifndef KAGURA_WEBAUTHN_RESPONSE_H
#define KAGURA_WEBAUTHN_RESPONSE_H

#include <jansson.h>
#include <stdbool.h>

#include "webauthn/blob.h"

#define WA_TRANSPORTS_MAX 8

typedef struct wa_reg_response {
	wa_blob raw_id; /* decoded id (rawId must agree when present) */
	wa_blob client_data_json;
	wa_blob attestation_object;
	size_t n_transports;
	char *transports[WA_TRANSPORTS_MAX];
} wa_reg_response;

typedef struct wa_auth_response {
	wa_blob raw_id;
	wa_blob client_data_json;
	wa_blob authenticator_data;
	wa_blob signature;
	bool has_user_handle;
	wa_blob user_handle;
} wa_auth_response;

/* From JSON text or a parsed object; each member checked for presence, type and base64url. */
wa_err wa_reg_response_parse(const char *text, size_t len, wa_reg_response *out);
wa_err wa_reg_response_from_json(const json_t *obj, wa_reg_response *out);
void wa_reg_response_reset(wa_reg_response *r);

/* From the base64url fields a Keycloak-style form posts (credentialId, clientDataJSON,
 * authenticatorData, signature, userHandle); NULL means absent. */
wa_err wa_auth_response_from_fields(const char *id, const char *client_data_json,
                                    const char *authenticator_data, const char *signature,
                                    const char *user_handle, wa_auth_response *out);
wa_err wa_auth_response_parse(const char *text, size_t len, wa_auth_response *out);
wa_err wa_auth_response_from_json(const json_t *obj, wa_auth_response *out);
void wa_auth_response_reset(wa_auth_response *r);

/* The JSON forms, for producers (the simulator and tests). */
json_t *wa_reg_response_to_json(const wa_reg_response *r);
json_t *wa_auth_response_to_json(const wa_auth_response *r);

#endif
