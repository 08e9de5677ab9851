/*
 * The simulated phone's platform authenticator and its user: settings,
 * credentials and the attestation identity, persisted in a device file so
 * "another phone" and "the key was deleted" are real states.
 */
#ifndef KAGURA_AUTHENTICATOR_DEVICE_DEVICE_H
#define KAGURA_AUTHENTICATOR_DEVICE_DEVICE_H

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "authenticator/error.h"
#include "webauthn/blob.h"

typedef enum au_presence {
	AU_PRESENCE_CONSENT, /* the user touches / confirms */
	AU_PRESENCE_DECLINE, /* the user cancels the prompt */
	AU_PRESENCE_TIMEOUT, /* the user never answers */
} au_presence;

typedef enum au_screen_lock {
	AU_LOCK_NONE,
	AU_LOCK_SWIPE,
	AU_LOCK_PATTERN,
	AU_LOCK_PIN,
	AU_LOCK_PASSWORD,
	AU_LOCK_PASSCODE, /* iPhone */
} au_screen_lock;

typedef enum au_attestation {
	AU_ATT_NONE,
	AU_ATT_PACKED_SELF,
	AU_ATT_PACKED,
	AU_ATT_FIDO_U2F,
} au_attestation;

typedef enum au_protocol {
	AU_PROTOCOL_CTAP2, /* a FIDO2 platform authenticator */
	AU_PROTOCOL_U2F,   /* a CTAP1/U2F security key: CTAPHID_MSG only */
} au_protocol;

typedef enum au_counter_mode {
	AU_COUNTER_PER_CREDENTIAL, /* starts at 1, +1 per assertion */
	AU_COUNTER_NONE,           /* always 0, like synced passkeys */
} au_counter_mode;

#define AU_MAX_ALGS        4
#define AU_MAX_CREDENTIALS 64
#define AU_MAX_NAME        128

typedef struct au_settings {
	char persona[64];
	au_protocol protocol;
	uint8_t aaguid[16];
	int64_t algs[AU_MAX_ALGS]; /* supported, in preference order */
	size_t n_algs;
	au_attestation attestation;
	bool resident_keys;
	au_counter_mode counter;
	bool backup_eligible;
	bool backup_state;
	int key_store_size; /* resident credentials the device can hold */
	/* the user and the device's protection */
	au_presence presence;
	au_screen_lock screen_lock;
	bool biometrics_enrolled;
	int biometric_failures; /* attempts that fail before the biometric matches */
	bool passcode_fallback; /* the user enters the device PIN/passcode when biometrics fail */
	bool use_pin; /* the user taps "PIN を使用" instead of the biometric (2.13/2.14) */
	bool icloud_keychain;      /* iPhone: iCloud Keychain on */
	bool autofill_passkeys;    /* iOS 17+: AutoFill Passwords and Passkeys on */
	bool autofill_from_icloud; /* iOS 17+: "Use passkeys from" lists iCloud Keychain (2.21) */
	bool third_party_authenticator; /* another authenticator app is installed */
	char default_browser[64];
	/* the browser and the network it is on */
	bool cookies;         /* false: "block all cookies" */
	bool javascript;      /* false: page scripts do not run */
	bool content_blocker; /* a filtering app / content blocker stops the platform's scripts */
	bool carrier_filter;  /* the carrier's filtering service stops the platform's scripts */
	char source_address[48]; /* "" the default route, else the address requests leave from */
	/* fault injection, Chromium's vocabulary */
	bool bogus_signature;
	bool clear_uv;
	bool clear_up;
	bool unsolicited_extension;
	int delay_ms;
	int override_command; /* CTAP2 command whose status is forced; -1 none */
	int override_status;
} au_settings;

typedef struct au_credential {
	wa_blob id;
	char rp_id[256];
	wa_blob user_id;
	char user_name[AU_MAX_NAME];
	char display_name[AU_MAX_NAME];
	EVP_PKEY *key;
	wa_blob key_der; /* key as the device file holds it: read or encoded once, then kept */
	int64_t alg;
	uint32_t counter;
	bool resident;
	time_t created;
} au_credential;

typedef struct au_device {
	au_settings settings;
	size_t n_credentials;
	au_credential credentials[AU_MAX_CREDENTIALS];
	/* attestation identity for packed/fido-u2f: key and chain (leaf first) */
	EVP_PKEY *att_key;
	wa_blob att_key_der; /* as key_der; emptied whenever att_key changes */
	STACK_OF(X509) * att_chain;
} au_device;

/* A new device with the defaults (ES256, fmt none, resident keys, counter per credential). */
au_err au_device_init(au_device *dev, const char *persona);
void au_device_free(au_device *dev);

/*
 * Load / save the device file (JSON, mode 0600, written to a temporary, synced and renamed). A
 * save waits for the file's lock (device_lock.h); a load takes it only when it is free, and a
 * read-modify-write holds it around both itself (they nest in it).
 */
au_err au_device_load(au_device *dev, const char *path);
au_err au_device_save(au_device *dev, const char *path);
/* key's DER as the device file holds it, into der once (an empty der: encoded now; kept after:
 * OpenSSL 3 sets up an encoder for every i2d). AU_ERR_NOMEM when it cannot be encoded. */
au_err au_device_key_der(EVP_PKEY *key, wa_blob *der);

/* KEY=VALUE on the settings (the names of `kagura-authn device set`); why gets a reason. */
au_err au_device_set(au_device *dev, const char *key, const char *value, const char **why);
/* The settings as a JSON object, and the names with their accepted values. */
json_t *au_settings_to_json(const au_settings *s);
void au_settings_help(FILE *out);

/* Credential management the OS does. */
au_credential *au_device_add_credential(au_device *dev);
void au_device_remove_credential(au_device *dev, size_t index);
void au_device_clear_credentials(au_device *dev);

/* UV is possible at all: a screen lock that is a real secret (PIN, pattern, password, passcode). */
bool au_device_has_secure_lock(const au_settings *s);

#endif
