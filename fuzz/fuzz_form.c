/* application/x-www-form-urlencoded bodies as the platform's pages post them: rp_form_parse, and
 * the look-ups its flows make (Keycloak's WebAuthn form fields). */
#include "rp/form.h"
#include "webauthn/arraylen.h"

#include "fuzz.h"

static const char *const fields[] = {"username",
                                     "clientDataJSON",
                                     "authenticatorData",
                                     "signature",
                                     "userHandle",
                                     "publicKeyCredentialId",
                                     "attestationObject",
                                     "transports",
                                     "authenticatorLabel",
                                     "error",
                                     "token"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rp_form form;

	if (!rp_form_parse(data, size, &form))
		return 0;
	for (size_t i = 0; i < KAGURA_LEN(fields); i++)
		(void)rp_form_get(&form, fields[i]);
	rp_form_free(&form);
	return 0;
}
