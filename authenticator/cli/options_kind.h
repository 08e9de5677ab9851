/*
 * Which WebAuthn options dictionary a JSON document is, told by the members only one of them
 * has, so `create` given request options (or `get` creation options) is refused by name
 * instead of failing later on a missing member.
 */
#ifndef KAGURA_AUTHENTICATOR_CLI_OPTIONS_KIND_H
#define KAGURA_AUTHENTICATOR_CLI_OPTIONS_KIND_H

#include <jansson.h>

typedef enum au_options_kind {
	AU_OPTIONS_UNKNOWN,  /* neither's own members: let the ceremony judge it */
	AU_OPTIONS_CREATION, /* rp or user object, or pubKeyCredParams array */
	AU_OPTIONS_REQUEST,  /* none of those, and rpId or allowCredentials */
} au_options_kind;

au_options_kind au_options_kind_of(const json_t *options);

/* "PublicKeyCredentialCreationOptions", "PublicKeyCredentialRequestOptions" or "unknown". */
const char *au_options_kind_name(au_options_kind kind);

#endif
