/*
 * The OS prompts of the manual's smartphone entries, each under the
 * conditions its causes give (fixtures/manual/v2.16.json), produced by real
 * ceremonies through libfido2 and the simulated device; and the Android
 * screen-lock rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "authenticator/device/fido_glue.h"
#include "authenticator/phone/os.h"

#define ORIGIN "https://mahpki-auth.2nds.medis.or.jp"
#define RP_ID  "mahpki-auth.2nds.medis.or.jp"

typedef struct phone {
	au_device dev;
	au_ctap ctap;
	au_os os;
	au_hid *hid;
	fido_dev_t *fido;
	wa_clock clock;
} phone;

static void phone_open(phone *p, au_os_family family, int version, const char *const set[][2],
                       size_t n)
{
	const char *why;

	p->clock = wa_clock_fixed(1767225600);
	assert_int_equal(au_device_init(&p->dev, "test"), AU_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(au_os_set(family == AU_OS_ANDROID, &p->dev, set[i][0], set[i][1],
		                           &why, NULL),
		                 AU_OK);
	assert_int_equal(au_os_init(&p->os, KAGURA_OS_PROMPTS, family, version, NULL), AU_OK);
	au_ctap_init(&p->ctap, &p->dev, &p->clock, au_os_on_event, &p->os);
	assert_non_null(p->hid = au_hid_new(&p->ctap));
	assert_int_equal(au_fido_open(p->hid, &p->fido), FIDO_OK);
}

static void phone_close(phone *p)
{
	au_fido_close(&p->fido);
	au_hid_free(p->hid);
	au_os_free(&p->os);
	au_device_free(&p->dev);
}

static au_failure create(phone *p, const char *uv)
{
	au_client_result r;
	json_t *o = json_pack(
	        "{s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s}, s:[{s:s, s:i}], s:{s:s, s:s}}", "challenge",
	        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "rp", "id", RP_ID, "name", "HPKI",
	        "user", "id", "MTIzNDU", "name", "12345", "displayName", "12345",
	        "pubKeyCredParams", "type", "public-key", "alg", -7, "authenticatorSelection",
	        "residentKey", "required", "userVerification", uv);
	au_failure f;

	au_os_begin(&p->os, &p->dev.settings, RP_ID, false, false);
	if (au_os_before_create(&p->os)) {
		json_decref(o);
		return AU_FAIL_CANCELLED;
	}
	assert_int_equal(au_client_create(p->fido, o, ORIGIN, &r), AU_OK);
	f = r.failure;
	au_os_on_failure(&p->os, f);
	au_client_result_reset(&r);
	json_decref(o);
	return f;
}

static au_failure get(phone *p, bool allow_other)
{
	au_client_result r;
	json_t *o = json_pack("{s:s, s:s, s:s}", "challenge",
	                      "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8", "rpId", RP_ID,
	                      "userVerification", "required");
	au_failure f;

	if (allow_other)
		json_object_set_new(
		        o, "allowCredentials",
		        json_pack("[{s:s, s:s}]", "type", "public-key", "id", "b3RoZXI"));
	au_os_begin(&p->os, &p->dev.settings, RP_ID, true, allow_other);
	assert_int_equal(au_client_get(p->fido, o, ORIGIN, &r), AU_OK);
	f = r.failure;
	au_os_on_failure(&p->os, f);
	au_client_result_reset(&r);
	json_decref(o);
	return f;
}

static bool shown(const phone *p, const char *text)
{
	for (size_t i = 0; i < p->os.n_prompts; i++)
		if (strcmp(p->os.prompts[i], text) == 0)
			return true;
	return false;
}

/* 2.13: biometrics not enrolled, or failing again and again -> the Android screen lock. */
static void test_android_screen_lock(void **state)
{
	static const char *const none[][2] = {{"biometrics_enrolled", "false"}};
	static const char *const failing[][2] = {{"biometric_failures", "9"}};
	static const char *const fine[][2] = {{"biometrics_enrolled", "true"}};
	phone p;

	(void)state;
	phone_open(&p, AU_OS_ANDROID, 14, none, 1);
	assert_int_equal(create(&p, "required"), AU_FAIL_NONE);
	assert_true(shown(&p, "画面のロックを使用する"));
	phone_close(&p);
	phone_open(&p, AU_OS_ANDROID, 14, failing, 1);
	assert_int_equal(create(&p, "required"), AU_FAIL_NONE);
	assert_true(shown(&p, "画面のロックを使用する"));
	phone_close(&p);
	/* the remedy: biometrics enrolled and matching -> no fallback prompt */
	phone_open(&p, AU_OS_ANDROID, 14, fine, 1);
	assert_int_equal(create(&p, "required"), AU_FAIL_NONE);
	assert_false(shown(&p, "画面のロックを使用する"));
	phone_close(&p);
}

/* 2.14: the same causes on an iPhone -> パスコードで続ける. */
static void test_ios_passcode(void **state)
{
	static const char *const none[][2] = {{"biometrics_enrolled", "false"},
	                                      {"screen_lock", "passcode"}};
	phone p;

	(void)state;
	phone_open(&p, AU_OS_IOS, 17, none, 2);
	assert_int_equal(create(&p, "required"), AU_FAIL_NONE);
	assert_true(shown(&p, "パスコードで続ける"));
	assert_false(shown(&p, "画面のロックを使用する"));
	phone_close(&p);
}

/* 2.23 / 2.11 / 2.17: the server's key is not on this phone. */
static void test_no_passkey(void **state)
{
	phone p;

	(void)state;
	phone_open(&p, AU_OS_ANDROID, 14, NULL, 0);
	assert_int_equal(get(&p, true), AU_FAIL_NO_CREDENTIALS);
	assert_true(shown(&p, "利用可能なパスキーがありません"));
	/* Android's sheet offers another device, whose QR follows (2.17) */
	assert_true(au_os_showed(&p.os, "no-passkeys"));
	assert_true(au_os_showed(&p.os, "hybrid-qr"));
	assert_string_equal(p.os.prompt_ids[0], "no-passkeys");
	phone_close(&p);
	phone_open(&p, AU_OS_IOS, 17, NULL, 0);
	assert_int_equal(get(&p, true), AU_FAIL_NO_CREDENTIALS);
	assert_true(shown(&p, RP_ID " でセキュリティキーを使用する"));
	/* iOS 17 asks how to sign in first (2.12), then for the security key chosen (2.11) */
	assert_int_equal(p.os.n_prompts, 2);
	assert_string_equal(p.os.prompts[0], RP_ID " にサインインする方法を選択してください。");
	assert_false(au_os_showed(&p.os, "hybrid-qr"));
	phone_close(&p);
	phone_open(&p, AU_OS_IOS, 18, NULL, 0);
	assert_int_equal(get(&p, true), AU_FAIL_NO_CREDENTIALS);
	assert_true(shown(&p, "(QR code for signing in with another device)"));
	assert_true(au_os_showed(&p.os, "hybrid-qr"));
	assert_false(au_os_showed(&p.os, "use-security-key"));
	phone_close(&p);
}

/* 2.13 c3 / 2.14 c3: the user taps "use PIN" on the biometric prompt. */
static void test_use_pin(void **state)
{
	static const char *const pin[][2] = {{"use_pin", "true"}};
	static const char *const pin_refused[][2] = {{"use_pin", "true"},
	                                             {"passcode_fallback", "false"}};
	phone p;

	(void)state;
	phone_open(&p, AU_OS_ANDROID, 14, pin, 1);
	assert_int_equal(create(&p, "required"), AU_FAIL_NONE);
	assert_true(shown(&p, "指紋認証"));
	assert_true(shown(&p, "画面のロックを使用する"));
	phone_close(&p);
	phone_open(&p, AU_OS_IOS, 17, pin, 1);
	assert_int_equal(create(&p, "required"), AU_FAIL_NONE);
	assert_true(shown(&p, "パスコードで続ける"));
	phone_close(&p);
	phone_open(&p, AU_OS_ANDROID, 14, pin_refused, 2);
	assert_int_not_equal(create(&p, "required"), AU_FAIL_NONE);
	phone_close(&p);
}

/* 2.12: iPhone with the passcode off -> "…にサインインする方法を選択してください。" */
static void test_ios_passcode_off(void **state)
{
	static const char *const off[][2] = {{"screen_lock", "none"}};
	phone p;

	(void)state;
	phone_open(&p, AU_OS_IOS, 17, off, 1);
	assert_int_equal(create(&p, "required"), AU_FAIL_UV_UNAVAILABLE);
	assert_true(shown(&p, RP_ID " にサインインする方法を選択してください。"));
	phone_close(&p);
}

/* 2.21 and 2.22: iOS passkey settings stop the registration before the authenticator. */
static void test_ios_passkey_settings(void **state)
{
	static const char *const autofill_off[][2] = {{"autofill_passkeys", "false"}};
	static const char *const keychain_off[][2] = {{"icloud_keychain", "false"},
	                                              {"third_party_authenticator", "true"}};
	phone p;

	(void)state;
	phone_open(&p, AU_OS_IOS, 17, autofill_off, 1);
	assert_int_equal(create(&p, "required"), AU_FAIL_CANCELLED);
	assert_true(shown(&p, "パスキーを管理する方法を選択してください"));
	assert_int_equal(p.dev.n_credentials, 0);
	phone_close(&p);
	/* iOS 16 has no such setting: the same device registers */
	phone_open(&p, AU_OS_IOS, 16, autofill_off, 1);
	assert_int_equal(create(&p, "required"), AU_FAIL_NONE);
	phone_close(&p);
	phone_open(&p, AU_OS_IOS, 18, keychain_off, 2);
	assert_int_equal(create(&p, "required"), AU_FAIL_CANCELLED);
	assert_true(shown(&p, "Authenticator : パスキーを追加できませんでした"));
	phone_close(&p);
}

/* 2.21 c2 and 2.22: the providers of "use passwords and passkeys from" (iOS 17+). */
static void test_ios_passkey_providers(void **state)
{
	static const char *const none[][2] = {{"autofill_from_icloud", "false"}};
	static const char *const other[][2] = {{"autofill_from_icloud", "false"},
	                                       {"third_party_authenticator", "true"}};
	static const char *const both[][2] = {{"third_party_authenticator", "true"}};
	phone p;

	(void)state;
	/* no provider left: where to keep the passkey (2.21) */
	phone_open(&p, AU_OS_IOS, 18, none, 1);
	assert_int_equal(create(&p, "required"), AU_FAIL_CANCELLED);
	assert_true(au_os_showed(&p.os, "manage-passkeys"));
	phone_close(&p);
	/* only the other app: it takes over and fails (2.22) */
	phone_open(&p, AU_OS_IOS, 18, other, 2);
	assert_int_equal(create(&p, "required"), AU_FAIL_CANCELLED);
	assert_true(au_os_showed(&p.os, "authenticator-failed"));
	assert_false(au_os_showed(&p.os, "manage-passkeys"));
	phone_close(&p);
	/* iCloud Keychain on as a provider too: the passkey is made */
	phone_open(&p, AU_OS_IOS, 18, both, 1);
	assert_int_equal(create(&p, "required"), AU_FAIL_NONE);
	assert_int_equal(p.dev.n_credentials, 1);
	phone_close(&p);
}

/* Manual 2.6/2.23: on Android, a screen lock of none or swipe deletes the keys; restoring it does
 * not bring them back. */
static void test_android_lock_deletes_keys(void **state)
{
	phone p;
	const char *why;

	(void)state;
	phone_open(&p, AU_OS_ANDROID, 14, NULL, 0);
	assert_int_equal(create(&p, "required"), AU_FAIL_NONE);
	assert_int_equal(p.dev.n_credentials, 1);
	assert_int_equal(au_os_set(true, &p.dev, "screen_lock", "swipe", &why, NULL), AU_OK);
	assert_int_equal(p.dev.n_credentials, 0);
	assert_int_equal(au_os_set(true, &p.dev, "screen_lock", "pin", &why, NULL), AU_OK);
	assert_int_equal(p.dev.n_credentials, 0);
	assert_int_equal(get(&p, false), AU_FAIL_NO_CREDENTIALS);
	phone_close(&p);
	/* an iPhone keeps its passkeys when the passcode changes */
	phone_open(&p, AU_OS_IOS, 17, NULL, 0);
	assert_int_equal(create(&p, "required"), AU_FAIL_NONE);
	assert_int_equal(au_os_set(false, &p.dev, "screen_lock", "none", &why, NULL), AU_OK);
	assert_int_equal(p.dev.n_credentials, 1);
	phone_close(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_android_screen_lock),
	        cmocka_unit_test(test_ios_passcode),
	        cmocka_unit_test(test_no_passkey),
	        cmocka_unit_test(test_ios_passcode_off),
	        cmocka_unit_test(test_ios_passkey_settings),
	        cmocka_unit_test(test_ios_passkey_providers),
	        cmocka_unit_test(test_use_pin),
	        cmocka_unit_test(test_android_lock_deletes_keys),
	};

	fido_init(FIDO_DISABLE_U2F_FALLBACK);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
