/*
 * The W3C response JSON the platform's endpoints take (RegistrationResponseJSON,
 * AuthenticationResponseJSON) and the credential record JSON the verifier reads back: every
 * input goes through the three readers.
 */
#include <jansson.h>

#include "webauthn/credential.h"
#include "webauthn/response.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wa_reg_response reg = {0};
	wa_auth_response auth = {0};
	wa_credential cred = {0};
	json_t *root;

	if (wa_reg_response_parse((const char *)data, size, &reg) == WA_OK)
		wa_reg_response_reset(&reg);
	if (wa_auth_response_parse((const char *)data, size, &auth) == WA_OK)
		wa_auth_response_reset(&auth);
	/* The verifier reads records as verify_cmd.c does: duplicates refused, then the record. */
	if ((root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL)) != NULL) {
		if (wa_credential_from_json(root, &cred) == WA_OK)
			wa_credential_reset(&cred);
		json_decref(root);
	}
	return 0;
}
