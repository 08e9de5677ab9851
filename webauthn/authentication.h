/* Authentication ceremony verification, W3C WebAuthn Level 3 §7.2. */
#ifndef KAGURA_WEBAUTHN_AUTHENTICATION_H
#define KAGURA_WEBAUTHN_AUTHENTICATION_H

#include "webauthn/ceremony.h"
#include "webauthn/credential.h"
#include "webauthn/response.h"

typedef struct wa_auth_options {
	wa_expect expect;
	const wa_blob *allow_credentials; /* allowCredentials ids; none = any */
	size_t n_allow_credentials;
	/* The user was identified before the ceremony (username given); otherwise the
	 * response must carry a userHandle naming the credential's owner. */
	bool user_identified;
	/* Accept a counter that did not increase (the RP's risk decision, §7.2). */
	bool allow_counter_regression;
} wa_auth_options;

/*
 * Verifies an assertion against the stored credential record cred. Only when
 * every step passes is cred updated (signCount, backupState, uvInitialized).
 * report may be NULL.
 */
wa_err wa_verify_authentication(const wa_auth_options *opt, const wa_auth_response *resp,
                                wa_credential *cred, wa_report *report);

#endif
