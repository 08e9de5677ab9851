#include "authenticator/cli/options_kind.h"

au_options_kind au_options_kind_of(const json_t *options)
{
	/* W3C WebAuthn L3 §5.4 (creation) and §5.5 (request): members the other lacks. */
	if (json_is_object(json_object_get(options, "rp")) ||
	    json_is_object(json_object_get(options, "user")) ||
	    json_is_array(json_object_get(options, "pubKeyCredParams")))
		return AU_OPTIONS_CREATION;
	if (json_object_get(options, "rpId") != NULL ||
	    json_object_get(options, "allowCredentials") != NULL)
		return AU_OPTIONS_REQUEST;
	return AU_OPTIONS_UNKNOWN;
}

const char *au_options_kind_name(au_options_kind kind)
{
	switch (kind) {
	case AU_OPTIONS_CREATION:
		return "PublicKeyCredentialCreationOptions";
	case AU_OPTIONS_REQUEST:
		return "PublicKeyCredentialRequestOptions";
	case AU_OPTIONS_UNKNOWN:
		break;
	}
	return "unknown";
}
