/*
 * The phone's OS between the browser and the authenticator: the prompts the
 * user sees (from the device's settings and what the device did), settings
 * with OS side effects, and the remedy actions of the manual's section 4.
 */
#ifndef KAGURA_AUTHENTICATOR_PHONE_OS_H
#define KAGURA_AUTHENTICATOR_PHONE_OS_H

#include <jansson.h>
#include <stdbool.h>

#include "authenticator/device/ctap2.h"
#include "authenticator/device/device.h"
#include "authenticator/phone/client.h"
#include "authenticator/phone/eventlog.h"

typedef enum au_os_family {
	AU_OS_IOS,
	AU_OS_ANDROID,
	AU_OS_DESKTOP,
} au_os_family;

#define AU_OS_MAX_PROMPTS 8

typedef struct au_os {
	au_os_family family;
	int version;      /* major OS version (iOS 17, 18 ...) */
	json_t *texts;    /* prompt texts for this family (owned reference) */
	au_eventlog *log; /* may be NULL */
	/* The OS has iOS 17's \"AutoFill Passwords and Passkeys\" setting (manual 2.21);
	 * au_os_init guesses it from family and version, a persona file says it. */
	bool autofill_setting;
	char rp_id[256]; /* the RP the current ceremony is for */
	bool get;        /* the current ceremony is navigator.credentials.get */
	bool allow_list; /* ... with a non-empty allowCredentials */
	const au_settings *settings;
	size_t n_prompts;
	char prompts[AU_OS_MAX_PROMPTS][256];   /* shown during the current ceremony, in order */
	char prompt_ids[AU_OS_MAX_PROMPTS][32]; /* their ids in prompts.json ("hybrid-qr" ...) */
} au_os;

au_os_family au_os_family_from_name(const char *name, bool *ok);

/* Loads the prompt texts (fixtures/os/prompts.json) for family. */
au_err au_os_init(au_os *os, const char *prompts_file, au_os_family family, int version,
                  au_eventlog *log);
void au_os_free(au_os *os);

/* Whether the current ceremony showed prompt id (a key of prompts.json). */
bool au_os_showed(const au_os *os, const char *id);

/* A ceremony begins: clears the prompt list. */
void au_os_begin(au_os *os, const au_settings *s, const char *rp_id, bool get, bool allow_list);

/* Before the authenticator is reached on create(): a prompt the OS shows instead
 * of creating a passkey (2.21, 2.22); true when the ceremony ends there (cancelled).
 * iOS 17+ with AutoFill off, or with no passkey provider left on: where to keep the
 * passkey (2.21). Another authenticator app as the provider while iCloud Keychain is
 * off (or not a provider): that app takes over and fails (2.22). */
bool au_os_before_create(au_os *os);

/* A ceremony the browser refused before the device was asked: what the OS shows then. */
void au_os_on_failure(au_os *os, au_failure failure);

/* The device's events turned into what the user sees (au_event_fn). */
void au_os_on_event(void *os, au_event_kind kind, const char *detail);

/*
 * `device set` with the OS's side effects: where lock_removal_deletes (Android),
 * a screen lock of none or swipe deletes the passkeys, and restoring the lock
 * does not bring them back.
 */
au_err au_os_set(bool lock_removal_deletes, au_device *dev, const char *key, const char *value,
                 const char **why, au_eventlog *log);

#endif
