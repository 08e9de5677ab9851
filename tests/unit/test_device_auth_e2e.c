/*
 * Cross-device authentication end to end with both simulated browsers, on the
 * embedded platform of each manual generation: the PC (authenticator/pc/pc.c)
 * fills the Username page and waits as the QR page's script does; the phone
 * (authenticator/phone/phone*.c) opens the QR's URL and answers navigator.credentials.get.
 * Logged in, then 3.9 on a second logon; another phone (2.6, PC 3.9); Cancel
 * (3.9) then starting again; the QR read after 10 minutes (2.19, PC 3.9);
 * the Username page's errors (3.7, 3.8, 3.12; v1.04 3.6, 3.7).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "authenticator/pc/pc.h"
#include "authenticator/phone/phone.h"
#include "rp/platform.h"
#include "tests/support/e2e.h"

#define ORIGIN "https://mahpki-auth.example.jp"

/* What each generation shows, typed from the manuals (not read from the bundles). */
typedef struct texts {
	const char *manual;
	const char *empty[2]; /* 3.7 (v1.04 3.7): one or two lines */
	const char *unknown;  /* 3.8 (v1.04 3.6) */
	const char *gone;     /* 3.8 (v1.04 3.7): devices disabled or deleted */
	const char *never;    /* 3.12 (v1.04 3.7) */
	const char *invalid;  /* 2.19 (v1.04: Keycloak's invalid-code text) */
	const char *failed;   /* 2.6 */
} texts;

static const texts v216 = {
        .manual = "2.16",
        .empty = {"該当のユーザが登録されていません。", "操作をやり直してください"},
        .unknown = "デバイス認証に必要なユーザ情報が登録されていません。",
        .gone = "デバイス認証に必要なユーザ情報が登録されていません。",
        .never = "認証用デバイスが未登録です",
        .invalid = "無効なアクセス、または、URLの有効期限切れにより処理を中断します。",
        .failed = "セキュリティーキーによる認証に失敗しました。",
};
static const texts v104 = {
        .manual = "1.04",
        .empty = {"デバイス認証に必要な情報が登録されていません。", NULL},
        .unknown = "該当のユーザが登録されていません",
        .gone = "デバイス認証に必要な情報が登録されていません。",
        .never = "デバイス認証に必要な情報が登録されていません。",
        .invalid = "An error occurred, please login again through your application.",
        .failed = "failed to authenticate by the Security key.",
};
static const char error_39[] = "デバイス認証でエラーが発生しました。";

typedef struct fixture {
	const texts *t;
	rp_platform *rp;
	char dir[64];
	wa_clock clock;
	au_phone_env env;
} fixture;

/* The test's initial state: the texts of its manual. */
static int setup(void **state)
{
	const texts *t = *state;
	fixture *f = calloc(1, sizeof(*f));
	rp_platform_options opt = {.manual = t->manual, .origin = ORIGIN, .test_control = true};

	if (f == NULL)
		return -1;
	*state = f;
	f->t = t;
	return e2e_start(&opt, "dauth", f->dir, sizeof(f->dir), &f->rp, &f->clock, &f->env) ? 0
	                                                                                    : -1;
}

static int teardown(void **state)
{
	fixture *f = *state;

	return e2e_free(f, f->rp, f->dir);
}

/* A test-control call; the JSON answer (owned) when status is 200. */
static json_t *control(const fixture *f, const char *path, const char *body)
{
	au_web *web = au_web_new(NULL);
	au_web_response r = {0};
	json_t *in = json_loads(body, 0, NULL), *out = NULL;
	char u[256];

	assert_non_null(web);
	assert_non_null(in);
	e2e_url(f->rp, path, u, sizeof(u));
	assert_int_equal(au_web_post_json(web, u, in, &r), AU_WEB_OK);
	if (r.status == 200)
		out = json_loads(r.body, 0, NULL);
	au_web_response_reset(&r);
	json_decref(in);
	au_web_free(web);
	return out;
}

static void new_user(const fixture *f, const char *name)
{
	char body[128];

	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
	json_decref(control(f, "/test-control/users", body));
}

/* The phone device (a new one of android-chrome when missing) opens qr on the loopback server. */
static void phone_opens(const fixture *f, const char *device, const char *qr, const char *username,
                        au_phone_visit *v)
{
	au_phone p;
	char u[512], path[160], why[256];
	au_phone_input in = {.origin = ORIGIN, .username = username};

	snprintf(path, sizeof(path), "%s/%s", f->dir, device);
	if (access(path, F_OK) != 0)
		assert_int_equal(au_phone_new_device(&f->env, "android-chrome",
		                                     KAGURA_ATTESTATION_DIR, path, why,
		                                     sizeof(why)),
		                 AU_OK);
	assert_int_equal(au_phone_open(&p, &f->env, path, NULL, why, sizeof(why)), AU_OK);
	assert_true(strncmp(qr, ORIGIN, strlen(ORIGIN)) == 0);
	snprintf(u, sizeof(u), "%s%s", rp_platform_base(f->rp), qr + strlen(ORIGIN));
	assert_int_equal(au_phone_visit_url(&p, u, &in, v), AU_OK);
	assert_int_equal(au_phone_save(&p), AU_OK);
	au_phone_close(&p);
}

/* The CA registers name and its phone registers from the CA's QR. */
static void registered(const fixture *f, const char *name, const char *device)
{
	char body[128];
	json_t *qr;
	au_phone_visit v = {0};

	new_user(f, name);
	snprintf(body, sizeof(body), "{\"user\":\"%s\",\"ttl_seconds\":600}", name);
	qr = control(f, "/test-control/registration-qr", body);
	assert_non_null(qr);
	phone_opens(f, device, json_string_value(json_object_get(qr, "url")), name, &v);
	assert_string_equal(v.kind, "done");
	au_phone_visit_reset(&v);
	json_decref(qr);
}

/* The PC opens the device-authentication page and sends name: the page that answers. */
static void pc_sends(const fixture *f, au_pc *pc, const char *name)
{
	char u[256];

	e2e_url(f->rp, "/device-auth", u, sizeof(u));
	assert_int_equal(au_pc_get(pc, u), AU_OK);
	assert_int_equal(pc->status, 200);
	assert_non_null(strstr(au_pc_text(pc), "モバイルデバイス認証を開始します。"));
	assert_int_equal(au_pc_submit(pc, "kc-form-login", "username", name), AU_OK);
}

static void assert_has(const char *text, const char *part)
{
	if (part != NULL && strstr(text, part) == NULL)
		fail_msg("'%s' not in '%s'", part, text);
}

static void test_logged_in_then_39(void **state)
{
	fixture *f = *state;
	au_pc pc, fresh;
	au_phone_visit v = {0};
	char seen[16], u[256];

	registered(f, "4000000001", "phone.json");
	assert_int_equal(au_pc_open(&pc, NULL), AU_OK);
	pc_sends(f, &pc, "4000000001");
	assert_non_null(au_pc_qr_url(&pc));
	phone_opens(f, "phone.json", au_pc_qr_url(&pc), NULL, &v);
	assert_string_equal(v.kind, "done");
	assert_int_equal(v.ceremonies, 1);
	assert_has(v.text, "処理が終了しました");
	au_phone_visit_reset(&v);
	assert_int_equal(au_pc_wait(&pc, 5, 10, seen, sizeof(seen)), AU_OK);
	assert_string_equal(seen, "done");
	assert_string_equal(au_pc_kind(&pc), "logged-in");

	/* 3.9: logging on again in the same browser; a restarted browser logs on. */
	e2e_url(f->rp, "/device-auth", u, sizeof(u));
	assert_int_equal(au_pc_get(&pc, u), AU_OK);
	assert_string_equal(au_pc_kind(&pc), "alert-error");
	assert_has(au_pc_text(&pc), error_39);
	au_pc_close(&pc);
	assert_int_equal(au_pc_open(&fresh, NULL), AU_OK);
	pc_sends(f, &fresh, "4000000001");
	phone_opens(f, "phone.json", au_pc_qr_url(&fresh), NULL, &v);
	assert_string_equal(v.kind, "done");
	au_phone_visit_reset(&v);
	assert_int_equal(au_pc_wait(&fresh, 5, 10, seen, sizeof(seen)), AU_OK);
	assert_string_equal(au_pc_kind(&fresh), "logged-in");
	au_pc_close(&fresh);
}

static void test_another_phone(void **state)
{
	fixture *f = *state;
	au_pc pc;
	au_phone_visit v = {0};
	char seen[16];

	registered(f, "4000000002", "phone.json");
	assert_int_equal(au_pc_open(&pc, NULL), AU_OK);
	pc_sends(f, &pc, "4000000002");
	phone_opens(f, "other.json", au_pc_qr_url(&pc), NULL, &v);
	assert_string_equal(v.kind, "alert-error");
	assert_has(v.text, f->t->failed);
	au_phone_visit_reset(&v);
	assert_int_equal(au_pc_wait(&pc, 5, 10, seen, sizeof(seen)), AU_OK);
	assert_string_equal(seen, "failed");
	assert_has(au_pc_text(&pc), error_39);
	au_pc_close(&pc);
}

static void test_cancel_then_again(void **state)
{
	fixture *f = *state;
	au_pc pc;
	au_phone_visit v = {0};
	char seen[16], qr[256];

	registered(f, "4000000003", "phone.json");
	assert_int_equal(au_pc_open(&pc, NULL), AU_OK);
	pc_sends(f, &pc, "4000000003");
	snprintf(qr, sizeof(qr), "%s", au_pc_qr_url(&pc));
	assert_int_equal(au_pc_submit(&pc, "kagura-qr-cancel", NULL, NULL), AU_OK);
	assert_has(au_pc_text(&pc), error_39);
	phone_opens(f, "phone.json", qr, NULL, &v);
	assert_has(v.text, f->t->invalid);
	assert_int_equal(v.ceremonies, 0);
	au_phone_visit_reset(&v);
	/* Nothing to do after Cancel: the same browser starts again and logs on. */
	pc_sends(f, &pc, "4000000003");
	phone_opens(f, "phone.json", au_pc_qr_url(&pc), NULL, &v);
	assert_string_equal(v.kind, "done");
	au_phone_visit_reset(&v);
	assert_int_equal(au_pc_wait(&pc, 5, 10, seen, sizeof(seen)), AU_OK);
	assert_string_equal(au_pc_kind(&pc), "logged-in");
	au_pc_close(&pc);
}

static void test_qr_after_10_minutes(void **state)
{
	fixture *f = *state;
	au_pc pc;
	au_phone_visit v = {0};
	char seen[16];

	registered(f, "4000000004", "phone.json");
	assert_int_equal(au_pc_open(&pc, NULL), AU_OK);
	pc_sends(f, &pc, "4000000004");
	json_decref(control(f, "/test-control/clock", "{\"advance_seconds\":600}"));
	phone_opens(f, "phone.json", au_pc_qr_url(&pc), NULL, &v);
	assert_string_equal(v.kind, "alert-error");
	assert_has(v.text, f->t->invalid);
	assert_int_equal(v.ceremonies, 0);
	au_phone_visit_reset(&v);
	assert_int_equal(au_pc_wait(&pc, 5, 10, seen, sizeof(seen)), AU_OK);
	assert_string_equal(seen, "expired");
	assert_has(au_pc_text(&pc), error_39);
	au_pc_close(&pc);
}

static void test_username_errors(void **state)
{
	fixture *f = *state;
	au_pc pc;
	char body[160];
	json_t *creds;

	assert_int_equal(au_pc_open(&pc, NULL), AU_OK);
	pc_sends(f, &pc, "");
	assert_has(au_pc_text(&pc), f->t->empty[0]);
	assert_has(au_pc_text(&pc), f->t->empty[1]);
	assert_int_equal(au_pc_submit(&pc, "kc-form-login", "username", "4999999999"), AU_OK);
	assert_has(au_pc_text(&pc), f->t->unknown);
	new_user(f, "4000000005");
	assert_int_equal(au_pc_submit(&pc, "kc-form-login", "username", "4000000005"), AU_OK);
	assert_has(au_pc_text(&pc), f->t->never);
	/* Registered, then deleted by the CA: 3.8, not 3.12. */
	registered(f, "4000000006", "phone.json");
	creds = control(f, "/test-control/users/credentials", "{\"name\":\"4000000006\"}");
	assert_non_null(creds);
	snprintf(body, sizeof(body), "{\"id\":\"%s\",\"delete\":true}",
	         json_string_value(json_object_get(
	                 json_array_get(json_object_get(creds, "credentials"), 0), "id")));
	json_decref(creds);
	json_decref(control(f, "/test-control/credentials", body));
	assert_int_equal(au_pc_submit(&pc, "kc-form-login", "username", "4000000006"), AU_OK);
	assert_has(au_pc_text(&pc), f->t->gone);
	if (strcmp(f->t->manual, "2.16") == 0)
		assert_null(strstr(au_pc_text(&pc), f->t->never));
	assert_null(au_pc_qr_url(&pc));
	au_pc_close(&pc);
}

int main(void)
{
	/* every test on a platform of each manual */
	static const struct CMUnitTest each[] = {
	        cmocka_unit_test(test_logged_in_then_39),
	        cmocka_unit_test(test_another_phone),
	        cmocka_unit_test(test_cancel_then_again),
	        cmocka_unit_test(test_qr_after_10_minutes),
	        cmocka_unit_test(test_username_errors),
	};
	static const texts *const manuals[] = {&v216, &v104};
	enum { N_EACH = sizeof(each) / sizeof(each[0]), N_MANUALS = 2 };
	struct CMUnitTest tests[N_EACH * N_MANUALS];

	for (size_t m = 0; m < N_MANUALS; m++)
		for (size_t i = 0; i < N_EACH; i++)
			tests[m * N_EACH + i] =
			        (struct CMUnitTest){.name = each[i].name,
			                            .test_func = each[i].test_func,
			                            .setup_func = setup,
			                            .teardown_func = teardown,
			                            .initial_state = (void *)manuals[m]};
	return _cmocka_run_group_tests("device_auth_e2e", tests, N_EACH * N_MANUALS, NULL, NULL);
}
