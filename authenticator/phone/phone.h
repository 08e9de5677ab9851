/*
 * The simulated phone as one object: its authenticator (device file, libfido2
 * over in-memory CTAPHID), its OS, and its browser (persona, cookie jar beside
 * the device file). It runs WebAuthn ceremonies the way the persona's browser
 * does, and visits the platform's pages the way a user does: it fills the
 * Username, runs the pages' WebAuthn scripts, answers the label prompt, and
 * stops at the first page that asks nothing more.
 */
#ifndef KAGURA_AUTHENTICATOR_PHONE_PHONE_H
#define KAGURA_AUTHENTICATOR_PHONE_PHONE_H

#include <stdio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "authenticator/device/ctaphid.h"
#include "authenticator/device/device.h"
#include "authenticator/phone/attest_batch.h"
#include "authenticator/phone/client.h"
#include "authenticator/phone/eventlog.h"
#include "authenticator/phone/os.h"
#include "authenticator/phone/persona.h"
#include "authenticator/phone/persona_shelf.h"
#include "authenticator/web/page.h"
#include "authenticator/web/web.h"
#include "webauthn/clock.h"

typedef struct au_phone_env {
	const char *persona_dir;    /* fixtures/personas */
	au_persona_shelf *personas; /* NULL: each persona read from persona_dir when needed */
	const char *prompts_file;   /* fixtures/os/prompts.json */
	const wa_clock *clock;
} au_phone_env;

#define AU_PHONE_HISTORY 8 /* pages the browser can go back to */

/* A page in the browser's history, as it came (Back shows it again without asking). */
typedef struct au_phone_page {
	char *url;  /* owned */
	char *html; /* owned, NUL-terminated past len */
	size_t len;
	long status;
} au_phone_page;

typedef struct au_phone {
	char device_path[4096];
	char persona_dir[4096];
	au_persona_shelf *personas; /* the env's (borrowed) */
	char prompts_file[4096];
	au_device dev;
	au_persona persona; /* the phone: its OS, the OS's prompts and rules */
	au_persona browser; /* the default browser a QR scan opens (settings.default_browser) */
	au_eventlog log;
	FILE *log_file;
	au_os os;
	au_ctap ctap;
	au_hid *hid;
	fido_dev_t *fido;
	au_web *web; /* the browser profile, opened by the first visit */
	/* A CA certificate (PEM file) the phone trusts besides the system's: a platform's test
	 * PKI installed as a profile; "" none. */
	char ca_file[4096];
	bool changed; /* a ceremony changed the device: au_phone_save writes it */
	au_phone_page history[AU_PHONE_HISTORY]; /* oldest first; the last is on screen */
	size_t n_history;
	char *post_url;   /* the last form the browser posted: where (owned), */
	char *(*post)[2]; /* its fields (owned), */
	size_t n_post;    /* how many */
} au_phone;

/*
 * Writes a new device file for persona: the persona's device defaults and an
 * attestation identity from attestation_dir (ca.pem, ca.key). Replaces path.
 */
au_err au_phone_new_device(const au_phone_env *env, const char *persona,
                           const char *attestation_dir, const char *path, char *why,
                           size_t why_size);

/* The test attestation CA that signs new phones' attestation certificates. */
typedef struct au_attest_ca {
	X509 *cert;                 /* owned */
	EVP_PKEY *key;              /* owned */
	au_attest_batches *batches; /* owned: the identities its phones share per AAGUID */
} au_attest_ca;

/* Reads dir/ca.pem and dir/ca.key into ca (au_attest_ca_reset frees them). */
au_err au_attest_ca_load(const char *dir, au_attest_ca *ca, char *why, size_t why_size);
void au_attest_ca_reset(au_attest_ca *ca);
/* A new device at path as au_phone_new_device makes one (with ca already read), then
 * au_phone_open of it, without reading it back (au_phone_close p also on failure). */
au_err au_phone_create(au_phone *p, const au_phone_env *env, const char *persona,
                       const au_attest_ca *ca, const char *path, char *why, size_t why_size);

/* The phone trusts the CA in ca_file (NULL: only the system's) from its next page on. */
au_err au_phone_trust_ca(au_phone *p, const char *ca_file);

/*
 * Whether settings name personas a phone opens with, as au_phone_open and the remedy
 * set-default-browser check them: a persona of persona_dir, and a default browser of its OS
 * family. Otherwise *key and *value name the setting at fault ("persona" or "default_browser",
 * its value in s) and why says what is wrong with it.
 */
au_err au_phone_check_personas(const au_phone_env *env, const au_settings *s, const char **key,
                               const char **value, char *why, size_t why_size);

/*
 * Opens device_path with its persona (the phone) and the persona of its default
 * browser; why (may be NULL) names what failed. Each browser keeps its own site
 * data: DEVICE.cookies for the phone's own browser, DEVICE.BROWSER.cookies for another.
 * event_log (NULL: none) is appended to; AU_ERR_EVENT_LOG, before anything is written, when it
 * is the device file, its lock or one of its temporaries (au_device_file_kin).
 */
au_err au_phone_open(au_phone *p, const au_phone_env *env, const char *device_path,
                     const char *event_log, char *why, size_t why_size);
/* As au_phone_open with the file's device already in memory: dev moves into p (it is left
 * empty, also on failure). */
au_err au_phone_open_device(au_phone *p, const au_phone_env *env, const char *device_path,
                            au_device *dev, const char *event_log, char *why, size_t why_size);
/* Frees everything; writes nothing (au_phone_save does). */
void au_phone_close(au_phone *p);
/* Writes the device file when a ceremony changed it, and the cookie jar. */
au_err au_phone_save(au_phone *p);

/* What navigator.credentials.create/get gave the page. */
typedef struct au_phone_ceremony {
	au_failure failure; /* AU_FAIL_NONE: response holds the credential */
	char error[600];    /* the DOMException as the page stringifies it: "Name: message" */
	char detail[160];   /* for logs: the CTAP status or the failed check */
	json_t *response;   /* RegistrationResponseJSON / AuthenticationResponseJSON (owned) */
} au_phone_ceremony;

/*
 * One ceremony as the default browser runs it: the browser's own refusals,
 * the OS's, then libfido2. AU_OK whether or not the ceremony failed (see
 * out->failure); an error only for malformed options or origin.
 */
au_err au_phone_ceremony_run(au_phone *p, bool create, const json_t *options, const char *origin,
                             au_phone_ceremony *out);
void au_phone_ceremony_reset(au_phone_ceremony *c);

/* What the user types when a page asks. */
typedef struct au_phone_input {
	const char *username; /* the Username / 本人ID field; NULL keeps what the page filled in */
	const char *label;    /* the answer to the label prompt; NULL keeps the page's default */
	const char *origin;   /* the page's origin as the browser names it; NULL: the URL's own */
} au_phone_input;

/* Where a visit ended. */
typedef struct au_phone_visit {
	long status;         /* HTTP status of the last page */
	char title[256];     /* its <title> */
	char text[2048];     /* Keycloak's feedback text, else the page's visible text */
	char kind[64];       /* class of kc-content ("logged-in", "done", "alert-error"), "" none */
	char error[600];     /* what a page script posted as error, "" none */
	unsigned ceremonies; /* WebAuthn ceremonies the page scripts ran */
	char net_error[300]; /* a transport failure, "" none */
	bool blank;          /* the last page arrived and shows nothing at all (2.16) */
	au_page *page;       /* the last page (owned; NULL after a transport failure) */
} au_phone_visit;

/*
 * Opens url and goes on as a user would (each form at most once, so a page
 * that comes back with an error ends the visit). AU_ERR_NETWORK when a page
 * could not be loaded (out->net_error says why).
 */
au_err au_phone_visit_url(au_phone *p, const char *url, const au_phone_input *in,
                          au_phone_visit *out);
void au_phone_visit_reset(au_phone_visit *v);

/*
 * The Back button: the browser shows the page before the current one again, as
 * it came (a page restored from history runs its scripts again), and the user
 * goes on from there as in au_phone_visit_url. AU_ERR_NO_HISTORY when there
 * is no page to go back to.
 */
au_err au_phone_back(au_phone *p, const au_phone_input *in, au_phone_visit *out);
/*
 * The browser posts its last form again, the same fields to the same URL (a
 * form sent twice, a retry), and the user goes on. AU_ERR_NO_HISTORY when the
 * browser has posted nothing yet.
 */
au_err au_phone_resubmit(au_phone *p, const au_phone_input *in, au_phone_visit *out);
/*
 * The browser loads the current page's URL again with GET (a restored tab, or
 * a reload that does not post the form again), and the user goes on. AU_ERR_NO_HISTORY
 * when the browser has shown no page yet.
 */
au_err au_phone_reload(au_phone *p, const au_phone_input *in, au_phone_visit *out);

/* The user deletes passkeys in the OS's password manager: those for rp_id, and of
 * user_name when not NULL. Returns how many went. */
size_t au_phone_delete_passkeys(au_phone *p, const char *rp_id, const char *user_name);

/*
 * A device setting as the user changes it (OS side effects included, e.g. Android's
 * screen-lock rule); why (may be NULL) names a bad value. default_browser loads that
 * browser (a persona of the same OS family) with its FIDO2 capabilities: on Android
 * each browser brings its own FIDO2 stack (protocol, algorithms, resident keys,
 * attestation, AAGUID, backup flags, as its persona's device defaults say).
 */
au_err au_phone_set(au_phone *p, const char *key, const char *value, const char **why);
/*
 * A remedy of the manual (clear-site-data, enable-icloud-keychain, ...; see
 * au_phone_remedies). update PERSONA: the OS brought up to that persona's (same
 * family, the built-in browser with it, the new platform authenticator's
 * capabilities). restart-browser: the browser is closed and opened again (its
 * session cookies are gone). unfilter-platform-hosts: the platform's hosts are
 * taken off the filtering app's and the carrier's lists.
 */
au_err au_phone_remedy(au_phone *p, const char *action, const char *arg, const char **why);
/* Every remedy's name and the manual section describing it. */
void au_phone_remedies(void (*fn)(const char *name, const char *manual, void *arg), void *arg);

#endif
