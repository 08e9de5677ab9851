/*
 * The browser's WebAuthn client, persona-independent: reads the options JSON,
 * checks origin and RP ID like a browser, builds clientDataJSON, drives the
 * authenticator through libfido2 and returns the W3C response JSON, or the
 * class of failure the persona then names as its DOMException.
 */
#ifndef KAGURA_AUTHENTICATOR_PHONE_CLIENT_H
#define KAGURA_AUTHENTICATOR_PHONE_CLIENT_H

#include <fido.h>
#include <jansson.h>

#include "authenticator/error.h"

/* Why a ceremony failed, before the persona turns it into a browser's words. */
typedef enum au_failure {
	AU_FAIL_NONE,
	AU_FAIL_NO_WEBAUTHN,      /* navigator.credentials is undefined */
	AU_FAIL_INSECURE_CONTEXT, /* not https, not localhost: no WebAuthn objects */
	AU_FAIL_INVALID_DOMAIN,   /* IP-literal or otherwise invalid effective domain */
	AU_FAIL_BAD_RP_ID,        /* RP ID not a registrable suffix of the origin's host */
	AU_FAIL_NO_ENTITLEMENT,   /* iOS app browser without the web-browser entitlement */
	AU_FAIL_CANCELLED,        /* the user declined */
	AU_FAIL_TIMEOUT,          /* nobody answered before the timeout */
	AU_FAIL_UV_FAILED,        /* user verification failed */
	AU_FAIL_UV_UNAVAILABLE,   /* UV required, no screen lock to verify with */
	AU_FAIL_EXCLUDED,         /* an excludeCredentials entry is on the device */
	AU_FAIL_NO_CREDENTIALS,   /* nothing on the device for this RP / allow list */
	AU_FAIL_NOT_SUPPORTED,    /* algorithm, option or storage the device cannot do */
	AU_FAIL_INVALID_RESPONSE, /* the authenticator's answer failed the browser's checks */
	AU_FAIL_UNKNOWN,          /* anything else from the credential manager */
	AU_FAIL__COUNT
} au_failure;

const char *au_failure_name(au_failure f);
/* From the name back ("cancelled" ...); AU_FAIL__COUNT when unknown. */
au_failure au_failure_from_name(const char *name);

typedef struct au_client_result {
	au_failure failure;
	char detail[160]; /* for logs: the CTAP status or the failed check */
	json_t *response; /* RegistrationResponseJSON / AuthenticationResponseJSON (owned) */
} au_client_result;

/* Secure context and RP ID rules of a browser; AU_FAIL_NONE when acceptable. */
au_failure au_client_check_origin(const char *origin, const char *rp_id);

/* navigator.credentials.create(): options is PublicKeyCredentialCreationOptionsJSON. */
au_err au_client_create(fido_dev_t *dev, const json_t *options, const char *origin,
                        au_client_result *out);
/* navigator.credentials.get(): options is PublicKeyCredentialRequestOptionsJSON. */
au_err au_client_get(fido_dev_t *dev, const json_t *options, const char *origin,
                     au_client_result *out);

void au_client_result_reset(au_client_result *r);

#endif
