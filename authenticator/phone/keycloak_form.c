#include "authenticator/phone/keycloak_form.h"

#include <stdio.h>
#include <string.h>

static const char *member(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

json_t *au_keycloak_form(const json_t *response, const char *label)
{
	const json_t *r = json_object_get(response, "response");
	const json_t *tr = json_object_get(r, "transports"), *t;
	char transports[128] = "";
	size_t i, n = 0;

	if (!json_is_object(r))
		return NULL;
	if (json_object_get(r, "attestationObject") != NULL) {
		json_array_foreach(tr, i, t)
		{
			int w = snprintf(transports + n, sizeof(transports) - n, "%s%s",
			                 i ? "," : "",
			                 json_string_value(t) ? json_string_value(t) : "");
			if (w < 0 || (size_t)w >= sizeof(transports) - n)
				break;
			n += (size_t)w;
		}
		return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "clientDataJSON",
		                 member(r, "clientDataJSON"), "attestationObject",
		                 member(r, "attestationObject"), "publicKeyCredentialId",
		                 member(response, "rawId"), "authenticatorLabel",
		                 label ? label : "", "transports", transports, "error", "");
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "clientDataJSON",
	                 member(r, "clientDataJSON"), "authenticatorData",
	                 member(r, "authenticatorData"), "signature", member(r, "signature"),
	                 "credentialId", member(response, "rawId"), "userHandle",
	                 member(r, "userHandle"), "error", "");
}

json_t *au_keycloak_form_error(const char *name, const char *message)
{
	char text[512];

	snprintf(text, sizeof(text), "%s: %s", name, message);
	return json_pack("{s:s}", "error", text);
}
