/*
 * Personas (authenticator/persona.c): every persona file loads, and for every
 * persona x failure class x operation the exception equals the browser's real
 * words, written out here from docs/browser-errors.md (the browsers' source
 * and the Chromium measurements) and the error manual — a second source, never
 * the files.
 * Malformed copies (missing class, wrong type, bad JSON, "../" names ...) must
 * give a clear error and no crash or leak. A device's persona and default browser are checked
 * against the files as opening a phone checks them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>
#include <jansson.h>

#include "authenticator/phone/persona.h"
#include "authenticator/phone/persona_shelf.h"
#include "authenticator/phone/phone.h"

#ifndef KAGURA_PERSONA_DIR
#error "KAGURA_PERSONA_DIR must name fixtures/personas"
#endif

/* ---- the expected words, typed from the references ---- */

/* Chromium, AuthenticatorStatusToDOMException (and measured: docs/browser-errors.md). */
#define CH_NA                                                                         \
	"NotAllowedError", "The operation either timed out or was not allowed. See: " \
	                   "https://www.w3.org/TR/webauthn-2/#sctn-privacy-considerations-client."
#define CH_NA_2019                                                                    \
	"NotAllowedError", "The operation either timed out or was not allowed. See: " \
	                   "https://w3c.github.io/webauthn/#sec-assertion-privacy."
#define CH_DOMAIN "SecurityError", "This is an invalid domain."
#define CH_RPID_FETCH                                                                             \
	"SecurityError", "The relying party ID is not a registrable domain suffix of, nor equal " \
	                 "to the current domain. Subsequently, an attempt to fetch the "          \
	                 ".well-known/webauthn resource of the claimed RP ID failed."
#define CH_RPID                                                                                   \
	"SecurityError", "The relying party ID is not a registrable domain suffix of, nor equal " \
	                 "to the current domain."
#define CH_EXCLUDED                                                                               \
	"InvalidStateError", "The user attempted to register an authenticator that contains one " \
	                     "of the credentials already registered with the relying party."
/* Manual 2.9: straight quotes, as Android users saw it. */
#define CH_UV_ANDROID                                                                            \
	"NotSupportedError", "The specified 'userVerification' requirement cannot be fulfilled " \
	                     "by this device unless the device is secured with a screen lock."
#define CH_UNKNOWN \
	"NotReadableError", "An unknown error occurred while talking to the credential manager."
/* Chromium's Android statuses (AuthenticatorStatusToDOMException; the 2019 file has the same). */
#define CH_ALG                                                                          \
	"NotSupportedError",                                                            \
	        "None of the algorithms specified in `pubKeyCredParams` are supported " \
	        "by this device."
#define CH_RK                                                                                  \
	"NotSupportedError", "Resident credentials or empty 'allowCredentials' lists are not " \
	                     "supported at this time."
#define CH_ANDROID_NS                                                                            \
	"NotSupportedError", "Either the device has received unexpected request parameters, or " \
	                     "the device cannot support this request."
/* Blink: the options' conversion fails (credentials_container.cc). */
#define CH_BAD_PARAMS "NotSupportedError", "Required parameters missing in `options.publicKey`."
/* Measured case f; the 2019 Blink gave InvalidStateError. */
#define CH_PENDING      "OperationError", "A request is already pending."
#define CH_PENDING_2019 "InvalidStateError", "A request is already pending."
/* Blink rejects with signal.reason: AbortSignal's default reason. */
#define CH_ABORT      "AbortError", "signal is aborted without reason"
#define CH_ABORT_2019 "AbortError", "Request has been aborted."
/* Manual v1.04 2.4: misspelled. */
#define CH_UNKNOWN_OCCURED \
	"NotReadableError", "An unknown error occured while talking to the credential manager."

/* Measured case h: V8's TypeError when navigator.credentials is undefined; the pre-2021 wording. */
#define V8_TYPE(op)     "TypeError", "Cannot read properties of undefined (reading '" op "')"
#define V8_TYPE_OLD(op) "TypeError", "Cannot read property '" op "' of undefined"

/* WebKit. */
#define JSC_TYPE(op) \
	"TypeError", "undefined is not an object (evaluating 'navigator.credentials." op "')"
#define WK_DOMAIN "SecurityError", "The effective domain of the document is not a valid domain."
#define WK_RPID                                                                                    \
	"SecurityError", "The provided RP ID is not a registrable domain suffix of the effective " \
	                 "domain of the document."
#define WK_ENTITLEMENT(op)                                                                \
	"NotAllowedError", "The 'navigator.credentials." op "' API is only permitted in " \
	                   "applications with the 'com.apple.developer.web-browser' entitlement."
#define WK_CANCELLED "NotAllowedError", "This request has been cancelled by the user."
#define WK_TIMEOUT   "NotAllowedError", "Operation timed out."
#define WK_EXCLUDED                                                                                \
	"InvalidStateError", "At least one credential matches an entry of the excludeCredentials " \
	                     "list in the platform attached authenticator."
#define WK_FAILED      "NotAllowedError", "Operation failed."
#define WK_BAD_PARAMS  "TypeError", "Type error"
#define WK_NEW_REQUEST "NotAllowedError", "This request has been cancelled by a new request."
#define WK_ABORT       "AbortError", "Aborted by AbortSignal."

typedef struct expect {
	const char *persona;
	au_failure failure;
	const char *name_create, *message_create; /* navigator.credentials.create() */
	const char *name_get, *message_get;       /* navigator.credentials.get() */
} expect;

/* One row per op-independent exception; OPS() for the ones that name the operation. */
#define SAME(...) __VA_ARGS__, __VA_ARGS__
#define OPS(mac)  mac("create"), mac("get")

/* clang-format off */
/*
 * Chromium: everything but an excluded credential collapses to NotAllowedError, except the
 * exceptions of a phone without screen lock (uv), of unknown failures (unknown) and, on Android,
 * of what the device cannot do (alg, rk, ns).
 */
#define CHROMIUM(p, uv, unknown, alg, rk, ns)         \
	{p, AU_FAIL_NO_WEBAUTHN, OPS(V8_TYPE)},       \
	{p, AU_FAIL_INSECURE_CONTEXT, OPS(V8_TYPE)},  \
	{p, AU_FAIL_INVALID_DOMAIN, SAME(CH_DOMAIN)}, \
	{p, AU_FAIL_BAD_RP_ID, SAME(CH_RPID_FETCH)},  \
	{p, AU_FAIL_NO_ENTITLEMENT, SAME(CH_NA)},     \
	{p, AU_FAIL_CANCELLED, SAME(CH_NA)},          \
	{p, AU_FAIL_TIMEOUT, SAME(CH_NA)},            \
	{p, AU_FAIL_UV_FAILED, SAME(CH_NA)},          \
	{p, AU_FAIL_UV_UNAVAILABLE, SAME(uv)},        \
	{p, AU_FAIL_EXCLUDED, SAME(CH_EXCLUDED)},     \
	{p, AU_FAIL_NO_CREDENTIALS, SAME(CH_NA)},     \
	{p, AU_FAIL_NOT_SUPPORTED, SAME(ns)},         \
	{p, AU_FAIL_INVALID_RESPONSE, SAME(CH_NA)},   \
	{p, AU_FAIL_UNKNOWN, SAME(unknown)},          \
	{p, AU_FAIL_NO_ALGORITHM, SAME(alg)},         \
	{p, AU_FAIL_NO_RESIDENT_KEYS, SAME(rk)},      \
	{p, AU_FAIL_BAD_PARAMS, SAME(CH_BAD_PARAMS)}, \
	{p, AU_FAIL_PENDING, SAME(CH_PENDING)},       \
	{p, AU_FAIL_ABORTED, SAME(CH_ABORT)}

/* The classes an authenticator's answer decides (those before it: the page's and browser's), all
 * with the same exception x. */
#define AUTHENTICATOR_CLASSES(p, x)       \
	{p, AU_FAIL_NO_ENTITLEMENT, x},   \
	{p, AU_FAIL_CANCELLED, x},        \
	{p, AU_FAIL_TIMEOUT, x},          \
	{p, AU_FAIL_UV_FAILED, x},        \
	{p, AU_FAIL_UV_UNAVAILABLE, x},   \
	{p, AU_FAIL_EXCLUDED, x},         \
	{p, AU_FAIL_NO_CREDENTIALS, x},   \
	{p, AU_FAIL_NOT_SUPPORTED, x},    \
	{p, AU_FAIL_INVALID_RESPONSE, x}, \
	{p, AU_FAIL_UNKNOWN, x},          \
	{p, AU_FAIL_NO_ALGORITHM, x},     \
	{p, AU_FAIL_NO_RESIDENT_KEYS, x}, \
	{p, AU_FAIL_PENDING, x}

/* Desktop Chromium: NotAllowedError for those too. */
#define DESKTOP_CHROMIUM(p) CHROMIUM(p, CH_NA, CH_NA, CH_NA, CH_NA, CH_NA)

/*
 * Android Chrome: manual 2.9 for a phone without screen lock, 2.4 for unknown failures, the
 * NotSupportedErrors of Chromium's Android code.
 */
#define ANDROID_CHROME(p) CHROMIUM(p, CH_UV_ANDROID, CH_UNKNOWN, CH_ALG, CH_RK, CH_ANDROID_NS)

/* Safari on iPhone: WebKit's words and the manual's (2.3 cancelled, 2.5 failed). */
#define IOS_SAFARI(p)                                     \
	{p, AU_FAIL_NO_WEBAUTHN, OPS(JSC_TYPE)},          \
	{p, AU_FAIL_INSECURE_CONTEXT, OPS(JSC_TYPE)},     \
	{p, AU_FAIL_INVALID_DOMAIN, SAME(WK_DOMAIN)},     \
	{p, AU_FAIL_BAD_RP_ID, SAME(WK_RPID)},            \
	{p, AU_FAIL_NO_ENTITLEMENT, OPS(WK_ENTITLEMENT)}, \
	{p, AU_FAIL_CANCELLED, SAME(WK_CANCELLED)},       \
	{p, AU_FAIL_TIMEOUT, SAME(WK_TIMEOUT)},           \
	{p, AU_FAIL_UV_FAILED, SAME(WK_CANCELLED)},       \
	{p, AU_FAIL_UV_UNAVAILABLE, SAME(WK_CANCELLED)},  \
	{p, AU_FAIL_EXCLUDED, SAME(WK_EXCLUDED)},         \
	{p, AU_FAIL_NO_CREDENTIALS, SAME(WK_CANCELLED)},  \
	{p, AU_FAIL_NOT_SUPPORTED, SAME(WK_FAILED)},      \
	{p, AU_FAIL_INVALID_RESPONSE, SAME(WK_FAILED)},   \
	{p, AU_FAIL_UNKNOWN, SAME(WK_FAILED)},            \
	{p, AU_FAIL_NO_ALGORITHM, SAME(WK_FAILED)},       \
	{p, AU_FAIL_NO_RESIDENT_KEYS, SAME(WK_FAILED)},   \
	{p, AU_FAIL_BAD_PARAMS, SAME(WK_BAD_PARAMS)},     \
	{p, AU_FAIL_PENDING, SAME(WK_NEW_REQUEST)},       \
	{p, AU_FAIL_ABORTED, SAME(WK_ABORT)}

/* clang-format on */

static const expect table[] = {
        IOS_SAFARI("ios17-safari"),
        IOS_SAFARI("ios18-safari"),

        /* An app browser without the entitlement: refused before any authenticator is asked. */
        {"ios-thirdparty-browser", AU_FAIL_NO_WEBAUTHN, OPS(JSC_TYPE)},
        {"ios-thirdparty-browser", AU_FAIL_INSECURE_CONTEXT, OPS(JSC_TYPE)},
        {"ios-thirdparty-browser", AU_FAIL_INVALID_DOMAIN, SAME(WK_DOMAIN)},
        {"ios-thirdparty-browser", AU_FAIL_BAD_RP_ID, SAME(WK_RPID)},
        {"ios-thirdparty-browser", AU_FAIL_BAD_PARAMS, SAME(WK_BAD_PARAMS)},
        {"ios-thirdparty-browser", AU_FAIL_ABORTED, SAME(WK_ABORT)},
        AUTHENTICATOR_CLASSES("ios-thirdparty-browser", OPS(WK_ENTITLEMENT)),

        ANDROID_CHROME("android-chrome"),
        ANDROID_CHROME("android-chrome-without-screen-lock"),
        /* Refused by Play Services' FIDO2 API (no-entitlement): Chromium's NotAllowedError. */
        ANDROID_CHROME("android-chromium-unprivileged"),

        /* Older Chromium on Android: 2019 strings, the manual's "occured" (also after UV). */
        {"android-chrome-old", AU_FAIL_NO_WEBAUTHN, OPS(V8_TYPE_OLD)},
        {"android-chrome-old", AU_FAIL_INSECURE_CONTEXT, OPS(V8_TYPE_OLD)},
        {"android-chrome-old", AU_FAIL_INVALID_DOMAIN, SAME(CH_DOMAIN)},
        {"android-chrome-old", AU_FAIL_BAD_RP_ID, SAME(CH_RPID)},
        {"android-chrome-old", AU_FAIL_NO_ENTITLEMENT, SAME(CH_NA_2019)},
        {"android-chrome-old", AU_FAIL_CANCELLED, SAME(CH_NA_2019)},
        {"android-chrome-old", AU_FAIL_TIMEOUT, SAME(CH_NA_2019)},
        {"android-chrome-old", AU_FAIL_UV_FAILED, SAME(CH_UNKNOWN_OCCURED)},
        {"android-chrome-old", AU_FAIL_UV_UNAVAILABLE, SAME(CH_UV_ANDROID)},
        {"android-chrome-old", AU_FAIL_EXCLUDED, SAME(CH_EXCLUDED)},
        {"android-chrome-old", AU_FAIL_NO_CREDENTIALS, SAME(CH_NA_2019)},
        {"android-chrome-old", AU_FAIL_NOT_SUPPORTED, SAME(CH_ANDROID_NS)},
        {"android-chrome-old", AU_FAIL_INVALID_RESPONSE, SAME(CH_NA_2019)},
        {"android-chrome-old", AU_FAIL_UNKNOWN, SAME(CH_UNKNOWN_OCCURED)},
        {"android-chrome-old", AU_FAIL_NO_ALGORITHM, SAME(CH_ALG)},
        {"android-chrome-old", AU_FAIL_NO_RESIDENT_KEYS, SAME(CH_RK)},
        {"android-chrome-old", AU_FAIL_BAD_PARAMS, SAME(CH_BAD_PARAMS)},
        {"android-chrome-old", AU_FAIL_PENDING, SAME(CH_PENDING_2019)},
        {"android-chrome-old", AU_FAIL_ABORTED, SAME(CH_ABORT_2019)},

        DESKTOP_CHROMIUM("desktop-chrome"),
        DESKTOP_CHROMIUM("desktop-edge"),

        /* No WebAuthn at all: every call throws on the undefined navigator.credentials. */
        {"no-webauthn", AU_FAIL_NO_WEBAUTHN, OPS(V8_TYPE_OLD)},
        {"no-webauthn", AU_FAIL_INSECURE_CONTEXT, OPS(V8_TYPE_OLD)},
        {"no-webauthn", AU_FAIL_INVALID_DOMAIN, OPS(V8_TYPE_OLD)},
        {"no-webauthn", AU_FAIL_BAD_RP_ID, OPS(V8_TYPE_OLD)},
        {"no-webauthn", AU_FAIL_BAD_PARAMS, OPS(V8_TYPE_OLD)},
        {"no-webauthn", AU_FAIL_ABORTED, OPS(V8_TYPE_OLD)},
        AUTHENTICATOR_CLASSES("no-webauthn", OPS(V8_TYPE_OLD)),
};

#define N_TABLE (sizeof(table) / sizeof(table[0]))

static const char *const personas[] = {
        "android-chrome",
        "android-chrome-old",
        "android-chrome-without-screen-lock",
        "android-chromium-unprivileged",
        "desktop-chrome",
        "desktop-edge",
        "ios-thirdparty-browser",
        "ios17-safari",
        "ios18-safari",
        "no-webauthn",
};

#define N_PERSONAS (sizeof(personas) / sizeof(personas[0]))

/* ---- the table against the files ---- */

static void test_table_covers_every_class(void **state)
{
	(void)state;
	/* The table itself must name each persona x class exactly once. */
	for (size_t i = 0; i < N_PERSONAS; i++)
		for (int f = AU_FAIL_NONE + 1; f < AU_FAIL__COUNT; f++) {
			int n = 0;
			for (size_t j = 0; j < N_TABLE; j++)
				n += strcmp(table[j].persona, personas[i]) == 0 &&
				     table[j].failure == (au_failure)f;
			if (n != 1)
				fail_msg("%s x %s: %d rows", personas[i],
				         au_failure_name((au_failure)f), n);
		}
	assert_int_equal(N_TABLE, N_PERSONAS * (AU_FAIL__COUNT - 1));
}

static void test_every_persona_loads(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_PERSONAS; i++) {
		au_persona p;
		au_err err = au_persona_load(KAGURA_PERSONA_DIR, personas[i], &p);
		if (err != AU_OK)
			fail_msg("%s: %s: %s", personas[i], au_errname(err), p.why);
		assert_string_equal(p.name, personas[i]);
		assert_string_equal(p.why, "");
		for (int f = AU_FAIL_NONE + 1; f < AU_FAIL__COUNT; f++)
			assert_true(strlen(au_persona_source(&p, (au_failure)f)) > 0);
		au_persona_free(&p);
	}
}

static void test_exceptions_match_references(void **state)
{
	au_persona p;
	const char *loaded = NULL;
	char name[64], message[512];
	int mismatches = 0;

	(void)state;
	memset(&p, 0, sizeof(p));
	for (size_t i = 0; i < N_TABLE; i++) {
		const expect *e = &table[i];
		if (loaded == NULL || strcmp(loaded, e->persona) != 0) {
			au_persona_free(&p);
			assert_int_equal(au_persona_load(KAGURA_PERSONA_DIR, e->persona, &p),
			                 AU_OK);
			loaded = e->persona;
		}
		for (int op = 0; op < 2; op++) {
			const char *want_name = op == 0 ? e->name_create : e->name_get;
			const char *want_msg = op == 0 ? e->message_create : e->message_get;
			au_err err = au_persona_error(&p, e->failure, op == 0 ? "create" : "get",
			                              name, sizeof(name), message, sizeof(message));
			if (err != AU_OK || strcmp(name, want_name) != 0 ||
			    strcmp(message, want_msg) != 0) {
				print_error("%s x %s (%s): got %s \"%s\"\n  want %s \"%s\"\n",
				            e->persona, au_failure_name(e->failure),
				            op == 0 ? "create" : "get", name, message, want_name,
				            want_msg);
				mismatches++;
			}
		}
	}
	au_persona_free(&p);
	assert_int_equal(mismatches, 0);
}

/* The knobs the OS and browser layers read, from the brief and the manual. */
static void test_persona_knobs(void **state)
{
	static const struct {
		const char *name;
		au_persona_os os;
		au_persona_engine engine;
		bool webauthn, entitlement;
		au_failure keychain_off, autofill_off;
		bool lock_removal_deletes;
	} want[] = {
	        {"ios17-safari", AU_PERSONA_OS_IOS, AU_PERSONA_ENGINE_WEBKIT, true, true,
	         AU_FAIL_NO_WEBAUTHN, AU_FAIL_CANCELLED, false},
	        {"ios18-safari", AU_PERSONA_OS_IOS, AU_PERSONA_ENGINE_WEBKIT, true, true,
	         AU_FAIL_UNKNOWN, AU_FAIL_CANCELLED, false},
	        {"ios-thirdparty-browser", AU_PERSONA_OS_IOS, AU_PERSONA_ENGINE_WEBKIT, true, false,
	         AU_FAIL_NO_ENTITLEMENT, AU_FAIL_NONE, false},
	        {"android-chrome", AU_PERSONA_OS_ANDROID, AU_PERSONA_ENGINE_CHROMIUM, true, true,
	         AU_FAIL_NONE, AU_FAIL_NONE, true},
	        {"android-chrome-without-screen-lock", AU_PERSONA_OS_ANDROID,
	         AU_PERSONA_ENGINE_CHROMIUM, true, true, AU_FAIL_NONE, AU_FAIL_NONE, true},
	        {"android-chrome-old", AU_PERSONA_OS_ANDROID, AU_PERSONA_ENGINE_CHROMIUM, true,
	         true, AU_FAIL_NONE, AU_FAIL_NONE, true},
	        {"desktop-chrome", AU_PERSONA_OS_LINUX, AU_PERSONA_ENGINE_CHROMIUM, true, true,
	         AU_FAIL_NONE, AU_FAIL_NONE, false},
	        {"desktop-edge", AU_PERSONA_OS_WINDOWS, AU_PERSONA_ENGINE_CHROMIUM, true, true,
	         AU_FAIL_NONE, AU_FAIL_NONE, false},
	        {"no-webauthn", AU_PERSONA_OS_ANDROID, AU_PERSONA_ENGINE_NONE, false, true,
	         AU_FAIL_NONE, AU_FAIL_NONE, true},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		au_persona p;
		assert_int_equal(au_persona_load(KAGURA_PERSONA_DIR, want[i].name, &p), AU_OK);
		assert_int_equal(p.os_family, want[i].os);
		assert_int_equal(p.engine, want[i].engine);
		assert_int_equal(p.webauthn, want[i].webauthn);
		assert_int_equal(p.web_browser_entitlement, want[i].entitlement);
		assert_int_equal(p.icloud_keychain_off, want[i].keychain_off);
		assert_int_equal(p.autofill_passkeys_off, want[i].autofill_off);
		assert_int_equal(p.lock_removal_deletes_credentials, want[i].lock_removal_deletes);
		au_persona_free(&p);
	}
}

/* Device defaults reach a device through `device set`; the screen-lock persona has none. */
static void test_device_defaults(void **state)
{
	au_device *dev = calloc(1, sizeof(*dev));
	const char *why = NULL;
	au_persona p;

	(void)state;
	assert_non_null(dev);
	assert_int_equal(
	        au_persona_load(KAGURA_PERSONA_DIR, "android-chrome-without-screen-lock", &p),
	        AU_OK);
	assert_int_equal(au_device_init(dev, p.name), AU_OK);
	assert_int_equal(dev->settings.screen_lock, AU_LOCK_PIN); /* device.c's default */
	assert_int_equal(au_persona_apply_device(&p, dev, &why), AU_OK);
	assert_int_equal(dev->settings.screen_lock, AU_LOCK_NONE);
	assert_false(au_device_has_secure_lock(&dev->settings));
	au_device_free(dev);
	au_persona_free(&p);

	assert_int_equal(au_persona_load(KAGURA_PERSONA_DIR, "ios17-safari", &p), AU_OK);
	assert_int_equal(au_device_init(dev, p.name), AU_OK);
	assert_int_equal(au_persona_apply_device(&p, dev, &why), AU_OK);
	assert_int_equal(dev->settings.screen_lock, AU_LOCK_PASSCODE);
	assert_true(dev->settings.backup_eligible);
	assert_int_equal(dev->settings.counter, AU_COUNTER_NONE);
	au_device_free(dev);
	au_persona_free(&p);
	free(dev);
}

static bool collect(const char *name, void *arg)
{
	json_t *list = arg;
	json_array_append_new(list, json_string(name));
	return true;
}

static void test_list(void **state)
{
	json_t *list = json_array();

	(void)state;
	assert_int_equal(au_persona_list(KAGURA_PERSONA_DIR, collect, list), AU_OK);
	assert_int_equal(json_array_size(list), N_PERSONAS);
	for (size_t i = 0; i < N_PERSONAS; i++) /* sorted, like personas[] */
		assert_string_equal(json_string_value(json_array_get(list, i)), personas[i]);
	json_decref(list);
	assert_int_equal(au_persona_list("/nonexistent-kagura-dir", collect, NULL), AU_ERR_IO);
}

/* ---- lookups the caller gets wrong ---- */

static void test_error_arguments(void **state)
{
	/* a class that is none, past the last, an operation that is none */
	static const struct {
		au_failure failure;
		const char *op;
	} bad[] = {
	        {AU_FAIL_NONE, "create"},
	        {AU_FAIL__COUNT, "create"},
	        {AU_FAIL_CANCELLED, "put"},
	        {AU_FAIL_CANCELLED, NULL},
	};
	char name[64], message[512], tiny[8];
	au_persona p;

	(void)state;
	assert_int_equal(au_persona_load(KAGURA_PERSONA_DIR, "ios17-safari", &p), AU_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (au_persona_error(&p, bad[i].failure, bad[i].op, name, sizeof(name), message,
		                     sizeof(message)) != AU_ERR_PERSONA_ARG)
			fail_msg("class %d, op %s: not AU_ERR_PERSONA_ARG", bad[i].failure,
			         bad[i].op ? bad[i].op : "NULL");
	/* Too small: an error and empty strings, never a truncated message on a page. */
	assert_int_equal(au_persona_error(&p, AU_FAIL_NO_ENTITLEMENT, "get", name, sizeof(name),
	                                  tiny, sizeof(tiny)),
	                 AU_ERR_PERSONA_ARG);
	assert_string_equal(tiny, "");
	assert_int_equal(au_persona_error(&p, AU_FAIL_NO_ENTITLEMENT, "get", tiny, 4, message,
	                                  sizeof(message)),
	                 AU_ERR_PERSONA_ARG);
	assert_int_equal(au_persona_error(&p, AU_FAIL_CANCELLED, "get", name, sizeof(name), message,
	                                  sizeof(message)),
	                 AU_OK);
	au_persona_free(&p);
	au_persona_free(&p); /* freeing twice is harmless */
	assert_string_equal(au_persona_source(NULL, AU_FAIL_CANCELLED), "");
}

/* ---- malformed persona files: temporary copies of a real one, then broken ---- */

typedef struct tmpdir {
	char path[64];
} tmpdir;

static int tmp_setup(void **state)
{
	tmpdir *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	strcpy(t->path, "/tmp/kagura-persona-XXXXXX");
	if (mkdtemp(t->path) == NULL) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int tmp_teardown(void **state)
{
	tmpdir *t = *state;
	char file[128];
	static const char *const names[] = {"p", "other", "dir", NULL};

	for (int i = 0; names[i] != NULL; i++) {
		snprintf(file, sizeof(file), "%s/%s.json", t->path, names[i]);
		if (unlink(file) != 0)
			rmdir(file);
	}
	rmdir(t->path);
	free(t);
	return 0;
}

static json_t *real_persona(void)
{
	json_error_t jerr;
	json_t *root = json_load_file(KAGURA_PERSONA_DIR "/ios17-safari.json", 0, &jerr);

	assert_non_null(root);
	/* The copy is persona "p": its file name. */
	json_object_set_new(root, "name", json_string("p"));
	return root;
}

static void write_text(const tmpdir *t, const char *name, const char *text)
{
	char file[128];
	FILE *f;

	snprintf(file, sizeof(file), "%s/%s.json", t->path, name);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void write_json(const tmpdir *t, json_t *root)
{
	char *text = json_dumps(root, JSON_INDENT(2));

	assert_non_null(text);
	write_text(t, "p", text);
	free(text);
	json_decref(root);
}

/* The member at a dotted path of root ("errors.timeout"); NULL when a part is missing. */
static json_t *member(json_t *root, const char *path, char *last, size_t size)
{
	char buf[128], *dot, *part = buf;

	snprintf(buf, sizeof(buf), "%s", path);
	while ((dot = strchr(part, '.')) != NULL) {
		*dot = '\0';
		root = json_object_get(root, part);
		part = dot + 1;
	}
	snprintf(last, size, "%s", part);
	return root;
}

/* Loads persona "p" from the temporary directory; the reason must mention `needle`. */
static void expect_load(const tmpdir *t, const char *name, au_err want, const char *needle)
{
	au_persona p;
	au_err err = au_persona_load(t->path, name, &p);

	if (err != want || strstr(p.why, needle) == NULL)
		fail_msg("load %s: got %s \"%s\", want %s mentioning \"%s\"", name, au_errname(err),
		         p.why, au_errname(want), needle);
	/* A failed load leaves nothing to free, only the reason. */
	assert_string_equal(p.name, "");
	assert_null(p.errors[AU_FAIL_CANCELLED].message);
	assert_int_equal(p.n_device, 0);
	au_persona_free(&p);
}

/*
 * A broken copy of the real persona: the member at a dotted path set to a JSON value, to a copy
 * of another member ("@path"), or removed (value NULL); or, without a member, the file's whole
 * text. Loading it fails with AU_ERR_PERSONA_FORMAT and a reason mentioning needle.
 */
typedef struct mutation {
	const char *member, *value, *needle;
} mutation;

static void expect_mutations(const tmpdir *t, const mutation *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_t *root = real_persona(), *obj, *value = NULL;
		char key[128], from[128];

		if (m[i].member == NULL) {
			json_decref(root);
			write_text(t, "p", m[i].value);
			expect_load(t, "p", AU_ERR_PERSONA_FORMAT, m[i].needle);
			continue;
		}
		assert_non_null(obj = member(root, m[i].member, key, sizeof(key)));
		if (m[i].value != NULL && m[i].value[0] == '@')
			value = json_incref(json_object_get(
			        member(root, m[i].value + 1, from, sizeof(from)), from));
		else if (m[i].value != NULL)
			value = json_loads(m[i].value, JSON_DECODE_ANY, NULL);
		if (m[i].value == NULL)
			json_object_del(obj, key);
		else
			assert_int_equal(json_object_set_new(obj, key, value), 0);
		write_json(t, root);
		expect_load(t, "p", AU_ERR_PERSONA_FORMAT, m[i].needle);
	}
}

#define EXPECT_MUTATIONS(t, m) expect_mutations(t, m, sizeof(m) / sizeof(m[0]))

static void test_copy_loads(void **state)
{
	tmpdir *t = *state;
	au_persona p;

	write_json(t, real_persona());
	assert_int_equal(au_persona_load(t->path, "p", &p), AU_OK);
	au_persona_free(&p);
}

/* Two personas hold the same data, string for string. */
static void assert_same_persona(const au_persona *a, const au_persona *b)
{
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->os_family, b->os_family);
	assert_string_equal(a->os_version, b->os_version);
	assert_string_equal(a->browser_name, b->browser_name);
	assert_string_equal(a->browser_version, b->browser_version);
	assert_int_equal(a->engine, b->engine);
	assert_int_equal(a->webauthn, b->webauthn);
	assert_int_equal(a->web_browser_entitlement, b->web_browser_entitlement);
	assert_int_equal(a->icloud_keychain_off, b->icloud_keychain_off);
	assert_int_equal(a->autofill_passkeys_off, b->autofill_passkeys_off);
	assert_int_equal(a->lock_removal_deletes_credentials, b->lock_removal_deletes_credentials);
	assert_int_equal(a->n_device, b->n_device);
	for (size_t i = 0; i < a->n_device; i++) {
		assert_string_equal(a->device[i].key, b->device[i].key);
		assert_string_equal(a->device[i].value, b->device[i].value);
		assert_ptr_not_equal(a->device[i].key, b->device[i].key);
	}
	for (int f = AU_FAIL_NONE + 1; f < AU_FAIL__COUNT; f++) {
		assert_string_equal(a->errors[f].name, b->errors[f].name);
		assert_string_equal(a->errors[f].message, b->errors[f].message);
		assert_ptr_not_equal(a->errors[f].message, b->errors[f].message);
		assert_string_equal(a->errors[f].source, b->errors[f].source);
		assert_ptr_not_equal(a->errors[f].source, b->errors[f].source);
	}
}

/* The shelf gives what a load gives, reads a file once, and keeps no failure. */
static void test_shelf(void **state)
{
	tmpdir *t = *state;
	au_persona_shelf *shelf = au_persona_shelf_new();
	au_persona loaded, first, again;
	char file[128];
	json_t *other;
	char *text;

	assert_non_null(shelf);
	write_json(t, real_persona());
	assert_int_equal(au_persona_load(t->path, "p", &loaded), AU_OK);
	assert_int_equal(au_persona_get(shelf, t->path, "p", &first), AU_OK);
	assert_same_persona(&loaded, &first);
	/* Read once: the file gone, the shelf still has it (a load does not). */
	snprintf(file, sizeof(file), "%s/p.json", t->path);
	assert_int_equal(unlink(file), 0);
	assert_int_equal(au_persona_get(shelf, t->path, "p", &again), AU_OK);
	assert_same_persona(&first, &again);
	au_persona_free(&again);
	assert_int_equal(au_persona_get(NULL, t->path, "p", &again), AU_ERR_PERSONA_UNKNOWN);
	/* A failure is not kept: the file written after it is read on the next ask. */
	assert_int_equal(au_persona_get(shelf, t->path, "other", &again), AU_ERR_PERSONA_UNKNOWN);
	assert_non_null(strstr(again.why, "no persona"));
	assert_non_null(other = real_persona());
	assert_int_equal(json_object_set_new(other, "name", json_string("other")), 0);
	assert_non_null(text = json_dumps(other, JSON_INDENT(2)));
	write_text(t, "other", text);
	free(text);
	json_decref(other);
	assert_int_equal(au_persona_get(shelf, t->path, "other", &again), AU_OK);
	assert_string_equal(again.name, "other");
	au_persona_free(&again);
	/* Each folder is kept apart: "p" kept from one is not another's "p". */
	assert_int_equal(au_persona_get(shelf, KAGURA_PERSONA_DIR, "p", &again),
	                 AU_ERR_PERSONA_UNKNOWN);
	assert_int_equal(au_persona_get(shelf, KAGURA_PERSONA_DIR, "ios17-safari", &again), AU_OK);
	assert_string_equal(again.name, "ios17-safari");
	au_persona_free(&again);
	au_persona_free(&loaded);
	au_persona_free(&first);
	au_persona_shelf_free(shelf);
}

#define SHELF_THREADS 4
#define SHELF_ASKS    200

typedef struct shelf_asker {
	au_persona_shelf *shelf;
	const char *dir;
	int failures;
} shelf_asker;

static void *ask_shelf(void *arg)
{
	shelf_asker *a = arg;
	static const char *const names[] = {"ios17-safari", "android-chrome-old"};

	for (int i = 0; i < SHELF_ASKS; i++) {
		au_persona p;
		const char *name = names[i % 2];
		if (au_persona_get(a->shelf, a->dir, name, &p) != AU_OK ||
		    strcmp(p.name, name) != 0)
			a->failures++;
		au_persona_free(&p);
	}
	return NULL;
}

/* Worker threads of a run ask one shelf at once (the sanitizer build checks the locking). */
static void test_shelf_threads(void **state)
{
	au_persona_shelf *shelf = au_persona_shelf_new();
	pthread_t th[SHELF_THREADS];
	shelf_asker a[SHELF_THREADS];
	(void)state;

	assert_non_null(shelf);
	for (int i = 0; i < SHELF_THREADS; i++) {
		a[i] = (shelf_asker){shelf, KAGURA_PERSONA_DIR, 0};
		assert_int_equal(pthread_create(&th[i], NULL, ask_shelf, &a[i]), 0);
	}
	for (int i = 0; i < SHELF_THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(a[i].failures, 0);
	}
	au_persona_shelf_free(shelf);
}

static void test_missing_class(void **state)
{
	static const mutation m[] = {
	        {"errors.uv-unavailable", NULL, "no entry for failure class \"uv-unavailable\""},
	};

	EXPECT_MUTATIONS(*state, m);
}

static void test_unknown_class(void **state)
{
	static const mutation m[] = {
	        {"errors.canceled", "@errors.cancelled", "\"canceled\" is not a failure class"},
	        {"errors.none", "@errors.cancelled", "\"none\" is not a failure class"},
	};

	EXPECT_MUTATIONS(*state, m);
}

static void test_wrong_types(void **state)
{
	static const mutation m[] = {
	        {"webauthn", "\"yes\"", "webauthn must be true or false"},
	        {"errors.timeout.message", "42", "errors.timeout.message must be a non-empty"},
	        {"errors.excluded", "\"oops\"", "errors.excluded must be an object"},
	        {"device.biometrics_enrolled", "true",
	         "device.biometrics_enrolled must be a string"},
	        {"errors", "[]", "errors must be an object"},
	        {"os.family", "\"symbian\"", "os.family"},
	        {NULL, "[1, 2, 3]", "must be an object"},
	};

	EXPECT_MUTATIONS(*state, m);
}

static void test_bad_values(void **state)
{
	static const mutation m[] = {
	        {"device.screen_lock", "\"face\"", "device.screen_lock=\"face\""},
	        {"device.screen_lok", "\"pin\"", "unknown device setting"},
	        {"behaviour.icloud_keychain_off", "\"gone\"", "unknown failure class \"gone\""},
	        {"webauth", "true", "unknown member \"webauth\""},
	        {"errors.timeout.message", "\"navigator.credentials.{operation} timed out\"",
	         "only placeholder is {op}"},
	        {"errors.timeout.name", "\"Not Allowed\"", "is not an exception name"},
	        {"web_browser_entitlement", "null", "web_browser_entitlement"},
	        {"name", "\"ios17-safari\"", "differs from the file name"},
	        {"behaviour", NULL, "behaviour is missing"},
	};

	EXPECT_MUTATIONS(*state, m);
}

static void test_bad_json(void **state)
{
	static const mutation m[] = {
	        {NULL, "{\"name\": \"p\",\n \"os\": {\"family\": \"ios\"\n",
	         "p.json is not valid JSON: line"},
	        {NULL, "", "not valid JSON"},
	        {NULL, "{\"name\": \"p\", \"name\": \"p\"}", "duplicate"},
	};

	EXPECT_MUTATIONS(*state, m);
}

static void test_bad_names(void **state)
{
	static const struct {
		const char *name;
		au_err err;
		const char *needle;
	} cases[] = {
	        {"../p", AU_ERR_PERSONA_UNKNOWN, "is not a persona name"},
	        {"dir.json/../p", AU_ERR_PERSONA_UNKNOWN, "is not a persona name"},
	        {"/etc/passwd", AU_ERR_PERSONA_UNKNOWN, "is not a persona name"},
	        {"P", AU_ERR_PERSONA_UNKNOWN, "is not a persona name"},
	        {"", AU_ERR_PERSONA_UNKNOWN, "is not a persona name"},
	        {NULL, AU_ERR_PERSONA_UNKNOWN, "is not a persona name"},
	        {"ios17-safari", AU_ERR_PERSONA_UNKNOWN, "no persona \"ios17-safari\""},
	        {"dir", AU_ERR_PERSONA_FORMAT, "not a regular file"},
	};
	tmpdir *t = *state;
	char sub[96];

	/* A valid persona one directory up must stay out of reach. */
	write_json(t, real_persona());
	snprintf(sub, sizeof(sub), "%s/dir.json", t->path);
	assert_int_equal(mkdir(sub, 0700), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_load(t, cases[i].name, cases[i].err, cases[i].needle);
	assert_false(au_persona_name_valid("a-very-long-persona-name-that-goes-on-and-on-and-on-"
	                                   "past-64-chars"));
	assert_true(au_persona_name_valid("ios18-safari"));
	assert_false(au_persona_name_valid("ios18_safari"));
}

/* The personas a device's settings name, checked as opening the phone checks them: `device set`
 * refuses a persona or default browser the phone could not open with. */
static void test_check_personas(void **state)
{
	static const struct {
		const char *persona, *browser;
		au_err err;
		const char *key, *needle;
	} cases[] = {
	        {"android-chrome", "android-chrome", AU_OK, NULL, NULL},
	        {"android-chrome", "android-chrome-old", AU_OK, NULL, NULL},
	        {"nope", "android-chrome", AU_ERR_PERSONA_UNKNOWN, "persona",
	         "no persona \"nope\""},
	        {"../../../etc/passwd", "android-chrome", AU_ERR_PERSONA_UNKNOWN, "persona",
	         "is not a persona name"},
	        {"android-chrome", "nope", AU_ERR_PERSONA_UNKNOWN, "default_browser",
	         "no persona \"nope\""},
	        {"android-chrome", "ios17-safari", AU_ERR_SETTING_VALUE, "default_browser",
	         "another OS family"},
	};
	au_phone_env env = {.persona_dir = KAGURA_PERSONA_DIR};
	const char *key, *value;
	char why[400];
	au_settings s;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&s, 0, sizeof(s));
		snprintf(s.persona, sizeof(s.persona), "%s", cases[i].persona);
		snprintf(s.default_browser, sizeof(s.default_browser), "%s", cases[i].browser);
		why[0] = '\0';
		assert_int_equal(au_phone_check_personas(&env, &s, &key, &value, why, sizeof(why)),
		                 cases[i].err);
		if (cases[i].err == AU_OK)
			continue;
		assert_string_equal(key, cases[i].key);
		assert_string_equal(value, strcmp(key, "persona") == 0 ? cases[i].persona
		                                                       : cases[i].browser);
		assert_non_null(strstr(why, cases[i].needle));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_table_covers_every_class),
	        cmocka_unit_test(test_every_persona_loads),
	        cmocka_unit_test(test_exceptions_match_references),
	        cmocka_unit_test(test_persona_knobs),
	        cmocka_unit_test(test_device_defaults),
	        cmocka_unit_test(test_list),
	        cmocka_unit_test(test_error_arguments),
	        cmocka_unit_test_setup_teardown(test_copy_loads, tmp_setup, tmp_teardown),
	        cmocka_unit_test_setup_teardown(test_shelf, tmp_setup, tmp_teardown),
	        cmocka_unit_test(test_shelf_threads),
	        cmocka_unit_test_setup_teardown(test_missing_class, tmp_setup, tmp_teardown),
	        cmocka_unit_test_setup_teardown(test_unknown_class, tmp_setup, tmp_teardown),
	        cmocka_unit_test_setup_teardown(test_wrong_types, tmp_setup, tmp_teardown),
	        cmocka_unit_test_setup_teardown(test_bad_values, tmp_setup, tmp_teardown),
	        cmocka_unit_test_setup_teardown(test_bad_json, tmp_setup, tmp_teardown),
	        cmocka_unit_test_setup_teardown(test_bad_names, tmp_setup, tmp_teardown),
	        cmocka_unit_test(test_check_personas),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
