#include "tools/keycloak/realm_build.h"

#include <stdlib.h>

#include "tools/keycloak/realm_text.h"

/* The top-level flow bound as the realm's browser flow, and its forms subflow. */
#define BROWSER_FLOW_ALIAS "kagura browser"
#define FORMS_FLOW_ALIAS   "kagura browser forms"

/* Provider ids from Keycloak's factories (CookieAuthenticatorFactory, UsernameFormFactory,
 * WebAuthnPasswordlessAuthenticatorFactory, WebAuthnPasswordlessRegisterFactory). */
#define COOKIE_AUTHENTICATOR         "auth-cookie"
#define USERNAME_FORM_AUTHENTICATOR  "auth-username-form"
#define PASSWORDLESS_AUTHENTICATOR   "webauthn-authenticator-passwordless"
#define PASSWORDLESS_REGISTER_ACTION "webauthn-register-passwordless"

/* Execution order inside a flow: Keycloak sorts executions by priority. */
#define FIRST_PRIORITY  10
#define SECOND_PRIORITY 20
/* Where Keycloak's own default realm puts this required action in the list. */
#define REGISTER_ACTION_PRIORITY 80

/* The platform's WebAuthn policy (docs/keycloak.md, "The realms"). */
#define WEBAUTHN_RP_ENTITY_NAME "keycloak" /* Keycloak's default: no screen shows KAGURA's */
#define WEBAUTHN_RP_ID          "localhost"
#define WEBAUTHN_NOT_SPECIFIED  "not specified"
#define WEBAUTHN_NO_TIMEOUT     0 /* 0 = the browser's own timeout */

static json_t *execution(const char *authenticator, int priority)
{
	return json_pack("{s:s, s:s, s:i, s:b, s:b}", "authenticator", authenticator, "requirement",
	                 "REQUIRED", "priority", priority, "authenticatorFlow", 0,
	                 "userSetupAllowed", 0);
}

static json_t *authentication_flows(void)
{
	json_t *cookie = json_pack("{s:s, s:s, s:i, s:b, s:b}", "authenticator",
	                           COOKIE_AUTHENTICATOR, "requirement", "ALTERNATIVE", "priority",
	                           FIRST_PRIORITY, "authenticatorFlow", 0, "userSetupAllowed", 0);
	json_t *forms = json_pack("{s:s, s:s, s:i, s:b, s:b}", "flowAlias", FORMS_FLOW_ALIAS,
	                          "requirement", "ALTERNATIVE", "priority", SECOND_PRIORITY,
	                          "authenticatorFlow", 1, "userSetupAllowed", 0);
	return json_pack(
	        "[{s:s, s:s, s:s, s:b, s:b, s:[oo]}, {s:s, s:s, s:s, s:b, s:b, s:[oo]}]", "alias",
	        BROWSER_FLOW_ALIAS, "description",
	        "Browser login: the SSO cookie, else the platform's two-step forms", "providerId",
	        "basic-flow", "topLevel", 1, "builtIn", 0, "authenticationExecutions", cookie,
	        forms, "alias", FORMS_FLOW_ALIAS, "description",
	        "Username (the HPKI ID), then the user's passkey with user verification",
	        "providerId", "basic-flow", "topLevel", 0, "builtIn", 0, "authenticationExecutions",
	        execution(USERNAME_FORM_AUTHENTICATOR, FIRST_PRIORITY),
	        execution(PASSWORDLESS_AUTHENTICATOR, SECOND_PRIORITY));
}

/* Enabled, not a default action: the passwordless authenticator asks for it itself when a
 * user who has no passkey yet reaches it (docs/keycloak.md: manual 2.24). */
static json_t *required_actions(void)
{
	return json_pack("[{s:s, s:s, s:s, s:b, s:b, s:i, s:{}}]", "alias",
	                 PASSWORDLESS_REGISTER_ACTION, "name", "Webauthn Register Passwordless",
	                 "providerId", PASSWORDLESS_REGISTER_ACTION, "enabled", 1, "defaultAction",
	                 0, "priority", REGISTER_ACTION_PRIORITY, "config");
}

static json_t *clients(void)
{
	return json_pack("[{s:s, s:s, s:s, s:b, s:b, s:s, s:b, s:b, s:b, s:b, s:[ss], s:[s]}]",
	                 "clientId", KC_REALM_CLIENT_ID, "name", "kagura-harness", "description",
	                 "The harness's browser logs in here (loopback redirects)", "enabled", 1,
	                 "publicClient", 1, "protocol", "openid-connect", "standardFlowEnabled", 1,
	                 "implicitFlowEnabled", 0, "directAccessGrantsEnabled", 0,
	                 "serviceAccountsEnabled", 0, "redirectUris", "http://localhost/*",
	                 "http://127.0.0.1/*", "webOrigins", "+");
}

static kc_realm_err set(json_t *obj, const char *key, json_t *value)
{
	return value != NULL && json_object_set_new(obj, key, value) == 0 ? KC_REALM_OK
	                                                                  : KC_REALM_ERR_NOMEM;
}

static kc_realm_err add_webauthn_policy(json_t *realm)
{
	json_t *policy = json_pack(
	        "{s:s, s:[ss], s:s, s:s, s:s, s:s, s:s, s:i, s:b, s:[], s:[], s:b}",
	        "webAuthnPolicyPasswordlessRpEntityName", WEBAUTHN_RP_ENTITY_NAME,
	        "webAuthnPolicyPasswordlessSignatureAlgorithms", "ES256", "RS256",
	        "webAuthnPolicyPasswordlessRpId", WEBAUTHN_RP_ID,
	        "webAuthnPolicyPasswordlessAttestationConveyancePreference", "none",
	        "webAuthnPolicyPasswordlessAuthenticatorAttachment", WEBAUTHN_NOT_SPECIFIED,
	        /* a discoverable credential, as the platform's registration page asks
	         * (manual 2.3: a phone that cannot keep a passkey fails there) */
	        "webAuthnPolicyPasswordlessRequireResidentKey", "Yes",
	        "webAuthnPolicyPasswordlessUserVerificationRequirement", "required",
	        "webAuthnPolicyPasswordlessCreateTimeout", WEBAUTHN_NO_TIMEOUT,
	        "webAuthnPolicyPasswordlessAvoidSameAuthenticatorRegister", 0,
	        "webAuthnPolicyPasswordlessAcceptableAaguids",
	        "webAuthnPolicyPasswordlessExtraOrigins",
	        /* Passkeys (conditional UI on the username form) off: the classic two steps. */
	        "webAuthnPolicyPasswordlessPasskeysEnabled", 0);
	if (policy == NULL)
		return KC_REALM_ERR_NOMEM;
	int rc = json_object_update(realm, policy);
	json_decref(policy);
	return rc == 0 ? KC_REALM_OK : KC_REALM_ERR_NOMEM;
}

static kc_realm_err add_locales(json_t *realm, const kc_realm_profile *p)
{
	json_t *locales = json_array();
	kc_realm_err err = locales != NULL ? KC_REALM_OK : KC_REALM_ERR_NOMEM;
	for (size_t i = 0; !err && i < p->locale_count; i++)
		if (json_array_append_new(locales, json_string(p->locales[i])) != 0)
			err = KC_REALM_ERR_NOMEM;
	if (!err)
		err = set(realm, "internationalizationEnabled", json_true());
	if (!err) {
		err = set(realm, "supportedLocales", locales);
		locales = NULL;
	}
	if (!err)
		err = set(realm, "defaultLocale", json_string(p->locales[0]));
	json_decref(locales);
	return err;
}

/* Every key of the bundle, in the bundle's (byte) order, as the bundle locale's texts. */
static kc_realm_err add_localization_texts(json_t *realm, const kc_realm_profile *p,
                                           const rp_messages *bundle)
{
	json_t *texts = json_object();
	kc_realm_err err = texts != NULL ? KC_REALM_OK : KC_REALM_ERR_NOMEM;
	for (size_t i = 0; !err && i < rp_messages_count(bundle); i++) {
		const char *key = rp_messages_key(bundle, i);
		char *text = NULL;
		err = kc_realm_text_from_bundle(rp_messages_get(bundle, key), &text);
		if (!err)
			err = set(texts, key, json_string(text));
		free(text);
	}
	if (!err) {
		err = set(realm, "localizationTexts", json_pack("{s:o}", p->bundle_locale, texts));
		texts = NULL;
	}
	json_decref(texts);
	return err;
}

kc_realm_err kc_realm_build(const kc_realm_profile *p, const rp_messages *bundle, json_t **out)
{
	*out = NULL;
	const char *display_name = rp_messages_get(bundle, KC_REALM_DISPLAY_NAME_KEY);
	if (display_name == NULL)
		return KC_REALM_ERR_BUNDLE_KEY_MISSING;

	/* Logins are by username (the HPKI ID), never by e-mail: the form's label is then
	 * the bundle's "username" text, as the manual's 2.1 screen shows it. */
	json_t *realm = json_pack("{s:s, s:s, s:s, s:b, s:s, s:b, s:b, s:b, s:b, s:b, s:s}",
	                          "realm", p->realm_name, "displayName", display_name,
	                          "displayNameHtml", display_name, "enabled", 1, "sslRequired",
	                          "external", "registrationAllowed", 0, "loginWithEmailAllowed", 0,
	                          "duplicateEmailsAllowed", 0, "resetPasswordAllowed", 0,
	                          "rememberMe", 0, "browserFlow", BROWSER_FLOW_ALIAS);
	kc_realm_err err = realm != NULL ? KC_REALM_OK : KC_REALM_ERR_NOMEM;
	if (!err)
		err = add_locales(realm, p);
	if (!err)
		err = add_webauthn_policy(realm);
	if (!err)
		err = set(realm, "authenticationFlows", authentication_flows());
	if (!err)
		err = set(realm, "requiredActions", required_actions());
	if (!err)
		err = set(realm, "clients", clients());
	if (!err)
		err = add_localization_texts(realm, p, bundle);
	if (err) {
		json_decref(realm);
		return err;
	}
	*out = realm;
	return KC_REALM_OK;
}
