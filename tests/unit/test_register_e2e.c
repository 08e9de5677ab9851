/*
 * Device registration from the PC, end to end with both simulated browsers:
 * the PC (authenticator/pc/pc.c) opens the QR page after a card session and waits
 * as its script does; the phone (authenticator/phone/phone*.c) opens the QR's URL and
 * registers. Done, the phone failing (3.22), and Cancel on the PC (3.22, then
 * 2.19 for the phone), on the embedded platform of manual 2.16.
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

typedef struct fixture {
	rp_platform *rp;
	char dir[64];
	char device[128];
	wa_clock clock;
	au_phone_env env;
} fixture;

static int setup(void **state)
{
	return E2E_SETUP_216(state, fixture, ORIGIN, "rege2e");
}

static int teardown(void **state)
{
	fixture *f = *state;

	return e2e_free(f, f->rp, f->dir);
}

/* The PC after a card login of name: the QR page on screen. */
static void pc_qr_page(fixture *f, au_pc *pc, const char *name)
{
	char u[256], body[128];

	assert_int_equal(au_pc_open(pc, NULL), AU_OK);
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
	e2e_url(f->rp, "/test-control/users", u, sizeof(u));
	assert_int_equal(au_pc_post_json(pc, u, body), AU_OK);
	e2e_url(f->rp, "/test-control/card-session", u, sizeof(u));
	assert_int_equal(au_pc_post_json(pc, u, body), AU_OK);
	e2e_url(f->rp, "/device-registration", u, sizeof(u));
	assert_int_equal(au_pc_get(pc, u), AU_OK);
	assert_int_equal(pc->status, 200);
	assert_non_null(au_pc_qr_url(pc));
	assert_true(strncmp(au_pc_qr_url(pc), ORIGIN "/registration?qr=",
	                    sizeof(ORIGIN "/registration?qr=") - 1) == 0);
}

/* A new phone of persona reads the QR (its origin mapped onto the loopback server). */
static void phone_reads(fixture *f, const char *persona, const char *setting, const char *qr,
                        au_phone_visit *v)
{
	au_phone p;
	char u[512], why[256];
	const char *bad;
	au_phone_input in = {.origin = ORIGIN};

	snprintf(f->device, sizeof(f->device), "%s/%s.json", f->dir, persona);
	assert_int_equal(au_phone_new_device(&f->env, persona, KAGURA_ATTESTATION_DIR, f->device,
	                                     why, sizeof(why)),
	                 AU_OK);
	assert_int_equal(au_phone_open(&p, &f->env, f->device, NULL, why, sizeof(why)), AU_OK);
	if (setting != NULL)
		assert_int_equal(au_phone_set(&p, "presence", setting, &bad), AU_OK);
	snprintf(u, sizeof(u), "%s%s", rp_platform_base(f->rp), qr + strlen(ORIGIN));
	assert_int_equal(au_phone_visit_url(&p, u, &in, v), AU_OK);
	au_phone_close(&p);
}

static void test_done(void **state)
{
	fixture *f = *state;
	au_pc pc;
	au_phone_visit v = {0};
	char seen[16];

	pc_qr_page(f, &pc, "3000000001");
	phone_reads(f, "android-chrome", NULL, au_pc_qr_url(&pc), &v);
	assert_string_equal(v.kind, "done");
	assert_int_equal(v.ceremonies, 1);
	au_phone_visit_reset(&v);
	assert_int_equal(au_pc_wait(&pc, 5, 10, seen, sizeof(seen)), AU_OK);
	assert_string_equal(seen, "done");
	assert_string_equal(au_pc_kind(&pc), "done");
	assert_non_null(strstr(au_pc_text(&pc), "処理が終了しました"));
	au_pc_close(&pc);
}

static void test_phone_fails(void **state)
{
	fixture *f = *state;
	au_pc pc;
	au_phone_visit v = {0};
	char seen[16];

	pc_qr_page(f, &pc, "3000000002");
	phone_reads(f, "ios17-safari", "decline", au_pc_qr_url(&pc), &v);
	assert_string_equal(v.kind, "alert-error");
	assert_non_null(strstr(v.text, "セキュリティーキーの登録結果が無効です。"));
	au_phone_visit_reset(&v);
	assert_int_equal(au_pc_wait(&pc, 5, 10, seen, sizeof(seen)), AU_OK);
	assert_string_equal(seen, "failed");
	assert_string_equal(au_pc_kind(&pc), "alert-error");
	assert_non_null(strstr(au_pc_text(&pc), "FIDO認証情報の登録ができませんでした"));
	au_pc_close(&pc);
}

static void test_cancel(void **state)
{
	fixture *f = *state;
	au_pc pc;
	au_phone_visit v = {0};
	char qr[256];

	pc_qr_page(f, &pc, "3000000003");
	snprintf(qr, sizeof(qr), "%s", au_pc_qr_url(&pc));
	assert_int_equal(au_pc_submit(&pc, "kagura-qr-cancel", NULL, NULL), AU_OK);
	assert_string_equal(au_pc_kind(&pc), "alert-error");
	assert_non_null(strstr(au_pc_text(&pc), "画面を閉じてください"));
	phone_reads(f, "android-chrome", NULL, qr, &v);
	assert_string_equal(v.kind, "alert-error");
	assert_non_null(strstr(
	        v.text, "無効なアクセス、または、URLの有効期限切れにより処理を中断します。"));
	assert_int_equal(v.ceremonies, 0);
	au_phone_visit_reset(&v);
	au_pc_close(&pc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_done, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_phone_fails, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
