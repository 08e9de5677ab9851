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
	AU_FAIL_NOT_SUPPORTED,    /* an option or storage the device cannot do */
	AU_FAIL_INVALID_RESPONSE, /* the authenticator's answer failed the browser's checks */
	AU_FAIL_UNKNOWN,          /* anything else from the credential manager */
	AU_FAIL_NO_ALGORITHM,     /* none of pubKeyCredParams' algorithms is the device's */
	AU_FAIL_NO_RESIDENT_KEYS, /* residentKey required, the device keeps no passkeys */
	AU_FAIL_BAD_PARAMS,       /* pubKeyCredParams lists no type the browser knows */
	AU_FAIL_PENDING,          /* the frame's earlier request is still pending */
	AU_FAIL_ABORTED,          /* the page's AbortSignal was aborted */
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

/*
 * Secure context and RP ID rules of a browser; AU_FAIL_NONE when acceptable. The RP ID must
 * equal the origin's host or be a registrable domain suffix of it (the Public Suffix List,
 * libpsl): never a public suffix such as co.jp.
 */
au_failure au_client_check_origin(const char *origin, const char *rp_id);

/* The frame's one WebAuthn request (a browser runs one at a time per frame). */
typedef enum au_request_state { AU_REQUEST_IDLE, AU_REQUEST_PENDING } au_request_state;
/* The AbortSignal the page passed with the call (options.signal). */
typedef enum au_abort_signal { AU_SIGNAL_NONE, AU_SIGNAL_ABORTED } au_abort_signal;

/* A page's browsing context as the WebAuthn calls see it; zero is an idle frame. */
typedef struct au_frame {
	au_request_state request; /* PENDING while a call runs: another call fails at once */
	au_abort_signal signal;   /* ABORTED: the call ends with AbortError, its result dropped */
} au_frame;

/* navigator.credentials.create(): options is PublicKeyCredentialCreationOptionsJSON. */
au_err au_client_create(fido_dev_t *dev, const json_t *options, const char *origin,
                        au_client_result *out);
/* navigator.credentials.get(): options is PublicKeyCredentialRequestOptionsJSON. */
au_err au_client_get(fido_dev_t *dev, const json_t *options, const char *origin,
                     au_client_result *out);
/* The same calls made from frame (the calls above use an idle frame of their own). */
au_err au_client_create_in(au_frame *frame, fido_dev_t *dev, const json_t *options,
                           const char *origin, au_client_result *out);
au_err au_client_get_in(au_frame *frame, fido_dev_t *dev, const json_t *options, const char *origin,
                        au_client_result *out);

void au_client_result_reset(au_client_result *r);

#endif
