/*
 * Keycloak's login pages as a browser meets them (docs/keycloak.md, "Pages"): which page it
 * is, by the ids Keycloak's templates give (login-username, webauthn-authenticate,
 * webauthn-register, webauthn-error, login-page-expired, error), and what the WebAuthn pages'
 * scripts hand to navigator.credentials once their button is pressed, read from the literals
 * of the page's script the way Keycloak writes them. The mock platform's pages and a real
 * Keycloak's are read by this one reader.
 */
#ifndef KAGURA_AUTHENTICATOR_WEB_KEYCLOAK_PAGE_H
#define KAGURA_AUTHENTICATOR_WEB_KEYCLOAK_PAGE_H

#include <jansson.h>

#include "authenticator/web/page.h"

#define AU_KC_ERROR_TABLE(X)                                                       \
	X(AU_KC_OK, "success")                                                     \
	X(AU_KC_ERR_NOMEM, "out of memory")                                        \
	X(AU_KC_ERR_NOT_WEBAUTHN, "the page is not a WebAuthn page of Keycloak's") \
	X(AU_KC_ERR_PARAM, "a parameter of the page's script is missing or malformed")

typedef enum au_kc_err {
#define AU_KC_ERROR_ENUM(name, msg) name,
	AU_KC_ERROR_TABLE(AU_KC_ERROR_ENUM)
#undef AU_KC_ERROR_ENUM
	        AU_KC_ERR__COUNT
} au_kc_err;

const char *au_kc_strerr(au_kc_err err);

typedef enum au_kc_page {
	AU_KC_PAGE_OTHER,
	AU_KC_PAGE_USERNAME,              /* form kc-form-login with username, button kc-login */
	AU_KC_PAGE_WEBAUTHN_AUTHENTICATE, /* form webauth, button authenticateWebAuthnButton */
	AU_KC_PAGE_WEBAUTHN_REGISTER,     /* form register, button registerWebAuthn(AIA) */
	AU_KC_PAGE_WEBAUTHN_ERROR,        /* form kc-error-credential-form, button kc-try-again */
	AU_KC_PAGE_EXPIRED,               /* login-page-expired: loginRestartLink */
	AU_KC_PAGE_ERROR,                 /* error.ftl: kc-error-message */
	AU_KC_PAGE__COUNT
} au_kc_page;

const char *au_kc_page_name(au_kc_page kind);
au_kc_page au_kc_page_of(au_page *p);
/* The button a user presses on that page (its id); NULL when the page has none there. */
const char *au_kc_page_button(au_page *p, au_kc_page kind);
/* The form that button sends; NULL when absent. */
au_form *au_kc_page_form(au_page *p, au_kc_page kind);

/*
 * What the page's script passes to navigator.credentials.get() or create(), as
 * PublicKeyCredentialRequestOptionsJSON or PublicKeyCredentialCreationOptionsJSON (binary
 * members base64url): "not specified" leaves a member out, createTimeout (seconds) becomes
 * timeout (ms), allowCredentials comes from the authn_select form's authn_use_chk when the
 * user is identified. *out is the caller's (json_decref); *missing names the parameter at
 * fault on AU_KC_ERR_PARAM.
 */
au_kc_err au_kc_request_options(au_page *p, json_t **out, const char **missing);
au_kc_err au_kc_creation_options(const au_page *p, json_t **out, const char **missing);

#endif
