/*
 * Browser + OS personas: who the simulated user is (iPhone Safari, Android
 * Chrome, ...), read from one JSON file per persona (fixtures/personas/), and
 * the DOMException that persona's real browser raises for each au_failure.
 * The strings are data so a QA engineer can correct them without a rebuild.
 */
#ifndef KAGURA_AUTHENTICATOR_PHONE_PERSONA_H
#define KAGURA_AUTHENTICATOR_PHONE_PERSONA_H

#include <stdbool.h>
#include <stddef.h>

#include "authenticator/device/device.h"
#include "authenticator/error.h"
#include "authenticator/phone/client.h"

#define AU_PERSONA_NAME_MAX   64 /* fits au_settings.persona */
#define AU_PERSONA_MAX_DEVICE 32 /* device defaults per persona */

typedef enum au_persona_os {
	AU_PERSONA_OS_IOS,
	AU_PERSONA_OS_ANDROID,
	AU_PERSONA_OS_WINDOWS,
	AU_PERSONA_OS_LINUX,
} au_persona_os;

typedef enum au_persona_engine {
	AU_PERSONA_ENGINE_CHROMIUM,
	AU_PERSONA_ENGINE_WEBKIT,
	AU_PERSONA_ENGINE_NONE, /* a browser without a WebAuthn implementation */
} au_persona_engine;

/* The exception a page sees; message may hold "{op}" (see au_persona_error). */
typedef struct au_persona_exception {
	char *name;    /* DOMException name, or "TypeError" */
	char *message; /* owned */
	char *source;  /* owned: where the text comes from */
} au_persona_exception;

/* One `kagura-authn device set KEY=VALUE` default of the persona's device. */
typedef struct au_persona_setting {
	char *key;   /* owned */
	char *value; /* owned */
} au_persona_setting;

typedef struct au_persona {
	char name[AU_PERSONA_NAME_MAX];
	au_persona_os os_family;
	char os_version[32];
	char browser_name[64];
	au_persona_engine engine;
	char browser_version[32];
	bool webauthn;                /* window.PublicKeyCredential exists */
	bool web_browser_entitlement; /* iOS: Apple's; Android: Play Services' FIDO2 API; null: true
	                               */
	au_failure icloud_keychain_off;   /* AU_FAIL_NONE: no effect */
	au_failure autofill_passkeys_off; /* AU_FAIL_NONE: no effect */
	bool lock_removal_deletes_credentials;
	size_t n_device;
	au_persona_setting device[AU_PERSONA_MAX_DEVICE];
	au_persona_exception errors[AU_FAIL__COUNT]; /* [AU_FAIL_NONE] stays empty */
	char why[256]; /* after a failed load: what was wrong, for the user */
} au_persona;

/*
 * Reads DIR/NAME.json. NAME must be [a-z0-9-] (no paths). On failure out owns
 * nothing and out->why says why: AU_ERR_PERSONA_UNKNOWN (no such persona or a
 * bad name), AU_ERR_PERSONA_FORMAT (bad JSON, missing/unknown/wrong-typed
 * member, missing failure class, bad device default), AU_ERR_IO, AU_ERR_NOMEM.
 */
au_err au_persona_load(const char *dir, const char *name, au_persona *out);
/* A deep copy of src into out (au_persona_free it); AU_ERR_NOMEM leaves out owning nothing. */
au_err au_persona_copy(const au_persona *src, au_persona *out);
void au_persona_free(au_persona *p);

/*
 * The exception for failure f during op ("create" or "get"), with "{op}"
 * expanded. AU_ERR_PERSONA_ARG for AU_FAIL_NONE, an unknown class or op, or a
 * buffer too small (the buffers then hold empty strings).
 */
au_err au_persona_error(const au_persona *p, au_failure f, const char *op, char *name,
                        size_t name_size, char *message, size_t message_size);

/* Where the text of f comes from (never NULL; "" when f has none). */
const char *au_persona_source(const au_persona *p, au_failure f);

/* Applies the persona's device defaults; why names the offending key. */
au_err au_persona_apply_device(const au_persona *p, au_device *dev, const char **why);

/* True when name is a syntactically valid persona name ([a-z0-9-], 1-63 chars). */
bool au_persona_name_valid(const char *name);

/* Calls cb with each persona name in DIR (sorted); cb returns false to stop. */
typedef bool (*au_persona_cb)(const char *name, void *arg);
au_err au_persona_list(const char *dir, au_persona_cb cb, void *arg);

const char *au_persona_os_name(au_persona_os f);
const char *au_persona_engine_name(au_persona_engine e);

#endif
