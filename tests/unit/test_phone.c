/*
 * The simulated phone's browser on the embedded platform (manual 2.16): the
 * default browser as a persona of its own (2.7, 2.2), the pages a browser that
 * runs no script of the platform shows (2.16), Back, a form posted twice and a
 * GET on a step (2.20), a browser restart, passkeys deleted by the user (2.6,
 * 2.17), an OS update (2.2 r2), and iOS 17 with iCloud Keychain off (2.2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "authenticator/phone/phone.h"
#include "rp/platform.h"
#include "tests/support/e2e.h"

#define ORIGIN "https://mahpki-auth.example.jp"
#define RP_ID  "mahpki-auth.example.jp"

#define UNSUPPORTED "WebAuthn is not Supported by this browser."

typedef struct fixture {
	rp_platform *rp;
	char dir[64];
	wa_clock clock;
	au_phone_env env;
	au_phone phone;
	bool open;
	char device[128];
} fixture;

static int setup(void **state)
{
	return E2E_SETUP_216(state, fixture, ORIGIN, "phone");
}

static int teardown(void **state)
{
	fixture *f = *state;

	if (f->open)
		au_phone_close(&f->phone);
	return e2e_free(f, f->rp, f->dir);
}

/* POSTs body to test control; the answer's member key (owned) or NULL. */
static char *control(fixture *f, const char *path, json_t *body, const char *key)
{
	au_web *web = au_web_new(NULL);
	au_web_response r = {0};
	char url[256];
	json_t *a;
	char *value = NULL;

	assert_non_null(web);
	snprintf(url, sizeof(url), "%s/test-control/%s", rp_platform_base(f->rp), path);
	assert_int_equal(au_web_post_json(web, url, body, &r), AU_WEB_OK);
	assert_int_equal(r.status, 200);
	a = json_loads(r.body, 0, NULL);
	if (key != NULL && json_string_value(json_object_get(a, key)) != NULL)
		value = strdup(json_string_value(json_object_get(a, key)));
	json_decref(a);
	json_decref(body);
	au_web_response_reset(&r);
	au_web_free(web);
	return value;
}

/* A user of the CA and a registration QR for it: the URL the phone opens (on the loopback). */
static void ca_qr(fixture *f, const char *name, char *url, size_t size)
{
	char *qr;

	free(control(f, "users", json_pack("{s:s}", "name", name), NULL));
	qr = control(f, "registration-qr", json_pack("{s:s}", "user", name), "url");
	assert_non_null(qr);
	assert_true(strncmp(qr, ORIGIN, strlen(ORIGIN)) == 0);
	snprintf(url, size, "%s%s", rp_platform_base(f->rp), qr + strlen(ORIGIN));
	free(qr);
}

static void new_phone(fixture *f, const char *persona)
{
	char why[256];

	snprintf(f->device, sizeof(f->device), "%s/phone.json", f->dir);
	assert_int_equal(au_phone_new_device(&f->env, persona, KAGURA_ATTESTATION_DIR, f->device,
	                                     why, sizeof(why)),
	                 AU_OK);
	assert_int_equal(au_phone_open(&f->phone, &f->env, f->device, NULL, why, sizeof(why)),
	                 AU_OK);
	f->open = true;
}

static void set(fixture *f, const char *key, const char *value)
{
	const char *why;

	assert_int_equal(au_phone_set(&f->phone, key, value, &why), AU_OK);
}

static void remedy(fixture *f, const char *action, const char *arg)
{
	const char *why;

	assert_int_equal(au_phone_remedy(&f->phone, action, arg, &why), AU_OK);
}

/* The phone opens url (the Username filled in as username when not NULL). */
static void visit(fixture *f, const char *url, const char *username, au_phone_visit *v)
{
	au_phone_input in = {.origin = ORIGIN, .username = username};

	au_phone_visit_reset(v);
	assert_int_equal(au_phone_visit_url(&f->phone, url, &in, v), AU_OK);
}

/* The CA's QR for user name (its URL into qr) opened by the phone: registered, "done". */
static void registers(fixture *f, const char *name, char *qr, size_t size, au_phone_visit *v)
{
	ca_qr(f, name, qr, size);
	visit(f, qr, NULL, v);
	assert_string_equal(v->kind, "done");
}

static void login(fixture *f, const char *name, au_phone_visit *v)
{
	char url[256];

	snprintf(url, sizeof(url), "%s/login", rp_platform_base(f->rp));
	visit(f, url, name, v);
}

static bool file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* 2.7: the QR opens the default browser; its persona raises its own errors. */
static void test_default_browser(void **state)
{
	fixture *f = *state;
	au_phone_visit v = {0};
	char qr[512], jar[256];
	const char *why;

	new_phone(f, "ios18-safari");
	ca_qr(f, "4000000001", qr, sizeof(qr));
	set(f, "default_browser", "ios-thirdparty-browser");
	assert_string_equal(f->phone.browser.name, "ios-thirdparty-browser");
	assert_string_equal(f->phone.persona.name, "ios18-safari");
	/* a browser of another OS is refused, and the phone keeps its browser */
	assert_int_equal(au_phone_set(&f->phone, "default_browser", "android-chrome", &why),
	                 AU_ERR_SETTING_VALUE);
	assert_non_null(why);
	assert_int_equal(au_phone_set(&f->phone, "default_browser", "no-such-browser", &why),
	                 AU_ERR_SETTING_VALUE);
	assert_string_equal(f->phone.browser.name, "ios-thirdparty-browser");
	assert_int_equal(au_phone_set(&f->phone, "persona", "android-chrome", &why),
	                 AU_ERR_SETTING_VALUE);
	visit(f, qr, NULL, &v);
	assert_non_null(strstr(v.error, "'navigator.credentials.create' API is only permitted"));
	assert_string_equal(v.kind, "alert-error");
	assert_int_equal(au_phone_save(&f->phone), AU_OK);
	snprintf(jar, sizeof(jar), "%s.ios-thirdparty-browser.cookies", f->device);
	assert_true(file_exists(jar)); /* the in-app browser's own site data */
	remedy(f, "set-default-browser", "ios18-safari");
	visit(f, qr, NULL, &v);
	assert_string_equal(v.kind, "done");
	assert_string_equal(v.error, "");
	assert_int_equal(au_phone_save(&f->phone), AU_OK);
	snprintf(jar, sizeof(jar), "%s.cookies", f->device);
	assert_true(file_exists(jar));
	au_phone_visit_reset(&v);
}

/* 2.16: without the platform's scripts the WebAuthn page shows nothing. */
static void test_blank_page(void **state)
{
	fixture *f = *state;
	au_phone_visit v = {0};
	char qr[512];

	new_phone(f, "android-chrome");
	registers(f, "4000000002", qr, sizeof(qr), &v);
	assert_false(v.blank);
	set(f, "javascript", "false");
	login(f, "4000000002", &v);
	assert_true(v.blank);
	assert_int_equal(v.ceremonies, 0);
	assert_int_equal(v.status, 200);
	assert_string_equal(v.text, "");
	set(f, "javascript", "true");
	set(f, "content_blocker", "true");
	login(f, "4000000002", &v);
	assert_true(v.blank);
	set(f, "content_blocker", "false");
	set(f, "carrier_filter", "true");
	login(f, "4000000002", &v);
	assert_true(v.blank);
	remedy(f, "unfilter-platform-hosts", NULL);
	login(f, "4000000002", &v);
	assert_false(v.blank);
	assert_string_equal(v.kind, "logged-in");
	/* a page without a script is no blank page: the Username form works without JavaScript */
	set(f, "javascript", "false");
	visit(f, qr, NULL, &v);
	assert_false(v.blank);
	au_phone_visit_reset(&v);
}

/* 2.20 and 2.12: Back runs the page before again; a form posted twice; a GET on a step. */
static void test_back_resubmit_reload(void **state)
{
	fixture *f = *state;
	au_phone_visit v = {0};
	au_phone_input in = {.origin = ORIGIN};
	wa_blob first = {0};
	char qr[512];

	new_phone(f, "ios17-safari");
	assert_int_equal(au_phone_back(&f->phone, &in, &v), AU_ERR_NO_HISTORY);
	assert_int_equal(au_phone_resubmit(&f->phone, &in, &v), AU_ERR_NO_HISTORY);
	assert_int_equal(au_phone_reload(&f->phone, &in, &v), AU_ERR_NO_HISTORY);
	registers(f, "4000000003", qr, sizeof(qr), &v);
	assert_int_equal(f->phone.dev.n_credentials, 1);
	wa_blob_set(&first, f->phone.dev.credentials[0].id.ptr, f->phone.dev.credentials[0].id.len);
	/* Back: the registration page runs again, iOS replaces the passkey, the step is spent */
	au_phone_visit_reset(&v);
	assert_int_equal(au_phone_back(&f->phone, &in, &v), AU_OK);
	assert_int_equal(v.status, 405);
	assert_int_equal(v.ceremonies, 1);
	assert_int_equal(f->phone.dev.n_credentials, 1);
	assert_false(wa_blob_eq(&f->phone.dev.credentials[0].id, first.ptr, first.len));
	wa_blob_reset(&first);
	/* the key the platform holds is no longer on the phone */
	login(f, "4000000003", &v);
	assert_string_equal(v.kind, "alert-error");
	/* the last form posted again */
	au_phone_visit_reset(&v);
	assert_int_equal(au_phone_resubmit(&f->phone, &in, &v), AU_OK);
	assert_int_equal(v.status, 405);
	/* the current page's URL with GET */
	visit(f, qr, NULL, &v);
	au_phone_visit_reset(&v);
	assert_int_equal(au_phone_reload(&f->phone, &in, &v), AU_OK);
	assert_int_equal(v.status, 200); /* a GET page: the same page again */
	login(f, "4000000003", &v);
	au_phone_visit_reset(&v);
	assert_int_equal(au_phone_reload(&f->phone, &in, &v), AU_OK);
	assert_int_equal(v.status, 405); /* the login's last step takes only POST */
	au_phone_visit_reset(&v);
}

/* The cookies of a jar file: how many, and how many of them the session's (expiry 0). */
static void jar_count(const char *jar, size_t *cookies, size_t *session)
{
	char line[1024];
	FILE *in = fopen(jar, "r");

	*cookies = *session = 0;
	assert_non_null(in);
	while (fgets(line, sizeof(line), in) != NULL) {
		if (line[0] == '\n' || (line[0] == '#' && strncmp(line, "#HttpOnly_", 10) != 0))
			continue;
		(*cookies)++;
		*session += strstr(line, "\t0\t") != NULL;
	}
	fclose(in);
}

/* Session cookies do not survive a browser restart; other cookies do. */
static void test_restart_browser(void **state)
{
	fixture *f = *state;
	au_phone_visit v = {0};
	char jar[256];
	size_t cookies, session;
	FILE *out;

	new_phone(f, "android-chrome");
	snprintf(jar, sizeof(jar), "%s.cookies", f->device);
	assert_non_null(out = fopen(jar, "w"));
	fputs("127.0.0.1\tFALSE\t/\tFALSE\t4102444800\tkept\t1\n", out);
	fclose(out);
	login(f, "4000000009", &v); /* an unknown user: the platform still starts a session */
	assert_int_equal(au_phone_save(&f->phone), AU_OK);
	jar_count(jar, &cookies, &session);
	assert_true(session >= 1);
	assert_int_equal(cookies, session + 1);
	remedy(f, "restart-browser", NULL);
	jar_count(jar, &cookies, &session);
	assert_int_equal(cookies, 1);
	assert_int_equal(session, 0);
	assert_int_equal(f->phone.n_history, 0);
	au_phone_visit_reset(&v);
}

/* The user deletes passkeys in the phone's password manager. */
static void test_delete_passkeys(void **state)
{
	fixture *f = *state;
	au_phone_visit v = {0};
	char qr[512];

	new_phone(f, "ios18-safari");
	registers(f, "4000000004", qr, sizeof(qr), &v);
	assert_int_equal(au_phone_delete_passkeys(&f->phone, "other.example", NULL), 0);
	assert_int_equal(au_phone_delete_passkeys(&f->phone, RP_ID, "someone-else"), 0);
	assert_int_equal(au_phone_delete_passkeys(&f->phone, RP_ID, "4000000004"), 1);
	assert_int_equal(f->phone.dev.n_credentials, 0);
	/* 2.17: iOS 18 then offers the QR for another device */
	login(f, "4000000004", &v);
	assert_true(au_os_showed(&f->phone.os, "hybrid-qr"));
	assert_string_equal(v.kind, "alert-error");
	au_phone_visit_reset(&v);
}

/* 2.2: no WebAuthn on Android 6; the OS updated, its browser with it. */
static void test_update(void **state)
{
	fixture *f = *state;
	au_phone_visit v = {0};
	char qr[512];
	const char *why;

	new_phone(f, "no-webauthn");
	ca_qr(f, "4000000005", qr, sizeof(qr));
	visit(f, qr, NULL, &v);
	assert_string_equal(v.error, UNSUPPORTED);
	assert_int_equal(v.ceremonies, 0);
	assert_int_equal(au_phone_remedy(&f->phone, "update", "ios18-safari", &why),
	                 AU_ERR_SETTING_VALUE);
	assert_int_equal(au_phone_remedy(&f->phone, "update", NULL, &why), AU_ERR_SETTING_VALUE);
	remedy(f, "update", "android-chrome");
	assert_string_equal(f->phone.persona.name, "android-chrome");
	assert_string_equal(f->phone.browser.name, "android-chrome");
	assert_string_equal(f->phone.dev.settings.persona, "android-chrome");
	assert_int_equal(f->phone.os.version, 14);
	/* an update never goes back */
	assert_int_equal(au_phone_remedy(&f->phone, "update", "android-chrome-old", &why),
	                 AU_ERR_SETTING_VALUE);
	visit(f, qr, NULL, &v);
	assert_string_equal(v.kind, "done");
	/* what the phone became is in its device file */
	assert_int_equal(au_phone_save(&f->phone), AU_OK);
	au_phone_close(&f->phone);
	f->open = false;
	assert_int_equal(au_phone_open(&f->phone, &f->env, f->device, NULL, NULL, 0), AU_OK);
	f->open = true;
	assert_string_equal(f->phone.persona.name, "android-chrome");
	au_phone_visit_reset(&v);
}

/* 2.2 c2 (iOS 17): iCloud Keychain off, Safari shows the page no PublicKeyCredential. */
static void test_ios17_keychain_off(void **state)
{
	fixture *f = *state;
	au_phone_visit v = {0};
	char qr[512];

	new_phone(f, "ios17-safari");
	set(f, "icloud_keychain", "false");
	ca_qr(f, "4000000006", qr, sizeof(qr));
	visit(f, qr, NULL, &v);
	assert_string_equal(v.error, UNSUPPORTED);
	assert_non_null(strstr(v.text, UNSUPPORTED));
	/* with another authenticator app, that app takes the registration over (2.22) */
	set(f, "third_party_authenticator", "true");
	visit(f, qr, NULL, &v);
	assert_true(au_os_showed(&f->phone.os, "authenticator-failed"));
	assert_string_equal(v.error,
	                    "NotAllowedError: This request has been cancelled by the user.");
	remedy(f, "enable-icloud-keychain", NULL);
	visit(f, qr, NULL, &v);
	assert_string_equal(v.kind, "done");
	au_phone_visit_reset(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_default_browser, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_blank_page, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_back_resubmit_reload, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_restart_browser, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_delete_passkeys, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_update, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_ios17_keychain_off, setup, teardown),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
