/*
 * rp/messages: both bundles load; every key the flows use is in the v2.16 bundle;
 * every value equals the text typed below from the error manuals (Ver. 2.16 and
 * Ver. 1.04), a second source, never the bundle files; no bundle holds a key this
 * table does not know (so nothing reaches a page untested); keys of entries new in
 * v2.16 are absent from v1.04. Then the format itself: placeholders, escapes and
 * every malformed file refused with the right error and line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rp/generation.h"
#include "rp/messages.h"
#include "webauthn/arraylen.h"

#ifndef KAGURA_MESSAGES_DIR
#error "KAGURA_MESSAGES_DIR must name fixtures/messages"
#endif

#define V216 KAGURA_MESSAGES_DIR "/messages_v2.16.properties"
#define V104 KAGURA_MESSAGES_DIR "/messages_v1.04.properties"

/* ---- the expected words ---- */

/*
 * One row per key the flows use. v216 / v104: the text the page shows, typed from
 * the manual (NULL: the key must be absent from that generation). arg: when set,
 * the text is rp_messages_format(key, {arg}) rather than the raw value, and the
 * expected text is the manual's sample with that argument in place. Rows marked
 * KC are texts no manual entry prints (Keycloak JA / EN, see the README).
 */
typedef struct row {
	const char *key;
	const char *v216;
	const char *v104;
	const char *arg;
} row;

/* v1.04 2.3: what Safari posts back, shown as the whole message. */
#define SAFARI_CANCEL "NotAllowedError: This request has been cancelled by the user."

static const row rows[] = {
        /* page chrome */
        {"kagura-platform-name", "HPKIセカンド電子証明書管理・認証プラットフォーム",
         "HPKIセカンド電子証明書管理・認証プラットフォーム", NULL},
        {"loginAccountTitle", "アカウントにログイン", "Sign in to your account" /* KC */, NULL},
        {"username", "Username", "Username" /* KC */, NULL},
        {"doLogIn", "ログイン", "Sign In" /* KC */, NULL},
        {"doSubmit", "送信", "Submit" /* KC */, NULL},
        {"doCancel", "キャンセル" /* KC */, "Cancel" /* KC */, NULL},
        {"kagura-process-finished", "処理が終了しました", "処理が終了しました", NULL},
        {"kagura-device-auth-start", "モバイルデバイス認証を開始します。",
         "モバイルデバイス認証を開始します。", NULL},
        {"kagura-enter-username", "Usernameを入力してください。", "Usernameを入力してください。",
         NULL},
        {"kagura-jpki-registration-site", "マイナンバーカード登録サイト", NULL, NULL},
        {"kagura-user-id-line", "本人ID : testc30382", NULL, "testc30382"},
        {"kagura-jpki-swap-card",
         "カードドライバに挿入するカードをHPKIカードからマイナンバーカードに差し替えてください。",
         NULL, NULL},
        {"kagura-jpki-set-card",
         "◆マイナンバーカードがICカードリーダーにセットされている状態で"
         "下のボタンをクリックしてください。◆",
         NULL, NULL},
        {"kagura-jpki-register-button", "マイナンバーカードを登録", NULL, NULL},
        {"webauthn-registration-title", "セキュリティーキーの登録" /* KC */,
         "Security Key Registration" /* KC */, NULL},
        {"webauthn-login-title", "セキュリティーキー・ログイン" /* KC */,
         "Security Key login" /* KC */, NULL},
        {"webauthn-error-title", "セキュリティーキー・エラー" /* KC */,
         "Security Key Error" /* KC */, NULL},
        {"doTryAgain", "再試行してください" /* KC */, "Try again" /* KC */, NULL},
        {"webauthn-doAuthenticate", "Sign in with Security Key" /* KC EN */,
         "Sign in with Security Key" /* KC */, NULL},
        {"doRegister", "登録" /* KC */, "Register" /* KC */, NULL},
        {"errorTitle", "申し訳ございません" /* KC */, "We are sorry...", NULL},
        /* smartphone entries */
        {"accountDisabledMessage", "アカウントが無効です。管理者に連絡してください。",
         "Account is disabled, contact your administrator.", NULL},
        {"webauthn-unsupported-browser-text", "WebAuthn is not Supported by this browser.",
         "WebAuthn is not Supported by this browser.", NULL},
        /* v2.16 shows Keycloak's line and, under it, the browser's error (as Keycloak EN: where
         * 2.4 to 2.9 are read); v1.04 shows only the browser's error. */
        {"webauthn-error-register-verification",
         "セキュリティーキーの登録結果が無効です。<br/> " SAFARI_CANCEL, SAFARI_CANCEL,
         SAFARI_CANCEL},
        /* Keycloak's text when the platform refuses the credential (no manual entry). */
        {"webauthn-error-registration", "セキュリティーキーを登録できませんでした。" /* KC */,
         "Failed to register your Security key.<br/> WA_ERR_CDATA_CHALLENGE" /* KC */,
         "WA_ERR_CDATA_CHALLENGE"},
        {"webauthn-error-api-get", "セキュリティーキーによる認証に失敗しました。",
         "failed to authenticate by the Security key.", NULL},
        {"kagura-forbidden-title", "403 Forbidden", "403 Forbidden", NULL},
        {"cookieNotFoundMessage", "Cookie が見つかりません。", NULL, NULL},
        {"differentUserAuthenticated",
         "すでにこのセッションで異なるユーザーxxxxxxxとして認証されています。", NULL, "xxxxxxx"},
        {"kagura-invalid-access-or-expired-url",
         "無効なアクセス、または、URLの有効期限切れにより処理を中断します。", NULL, NULL},
        {"kagura-contact-issuing-ca", "発行した認証局にお問い合わせください。", NULL, NULL},
        {"kagura-405-title", "405 Method Not Allowed", "HTTP ステータス 405-Method Not Allowed",
         NULL},
        {"kagura-405-message", "許可されていないメソッドを使用しようしました", NULL, NULL},
        {"kagura-error-occurred-at", "発生日時: 2024/4/24 14:20:46 MA-T-T", NULL,
         "2024/4/24 14:20:46 MA-T-T"},
        /* The manual's sample shows no address after "アクセス元:". */
        {"kagura-error-access-from", "アクセス元: 192.0.2.10", NULL, "192.0.2.10"},
        {"kagura-error-footer", "by HPKI-KAGURA", NULL, NULL},
        /* v1.04 shows Keycloak's EN text, never the bare key. */
        {"credentialSetupRequired", "ログインできません。クレデンシャルのセットアップが必要です。",
         "Cannot login, credential setup required." /* KC */, NULL},
        {"expiredActionMessage", "アクションは期限切れです。今すぐログインしてください。" /* KC */,
         "Action expired. Please continue with login now." /* KC */, NULL},
        {"invalidCodeMessage",
         "エラーが発生しました。アプリケーションを介して再度ログインしてください。" /* KC */,
         "An error occurred, please login again through your application.", NULL},
        /* PC entries */
        {"kagura-cert-user-disabled", "HPKI(JPKI)証明書のユーザが無効となっています。",
         "該当のユーザが無効となっています。", NULL},
        {"kagura-unexpected-error", "予期せぬエラーが発生しました。", NULL, NULL},
        {"kagura-user-not-registered",
         "該当のユーザが登録されていません。<br/>操作をやり直してください",
         "該当のユーザが登録されていません", NULL},
        {"kagura-device-auth-info-not-registered",
         "デバイス認証に必要なユーザ情報が登録されていません。",
         "デバイス認証に必要な情報が登録されていません。", NULL},
        {"kagura-device-auth-error", "デバイス認証でエラーが発生しました。",
         "デバイス認証でエラーが発生しました。", NULL},
        {"kagura-user-info-unavailable", "ユーザ情報の取得ができませんでした。", NULL, NULL},
        {"kagura-device-not-registered", "認証用デバイスが未登録です", NULL, NULL},
        {"kagura-error-code", "エラーコード:JPKIHREGERR003", NULL, "JPKIHREGERR003"},
        {"kagura-jpki-card-registered-to-another-user",
         "登録対象のマイナンバーカードの証明書は、別のユーザが登録済です。"
         "HPKI証明書を発行した認証局にお問い合わせください。",
         NULL, NULL},
        {"kagura-close-page", "ページを閉じてください。", NULL, NULL},
        {"kagura-apache-forbidden-heading", "Forbidden", NULL, NULL},
        {"kagura-apache-forbidden-text", "You don't have permission to access this resource.", NULL,
         NULL},
        {"kagura-apache-forbidden-errordocument",
         "Additionally, a 403 Forbidden error was encountered while trying to use an "
         "ErrorDocument to handle the request.",
         NULL, NULL},
        {"kagura-cert-revoked", "HPKI(JPKI)証明書が失効しています。", NULL, NULL},
        {"kagura-cert-auth-error", "HPKI(JPKI)認証でエラーが発生しました。", NULL, NULL},
        {"kagura-jpki-no-linked-user", "マイナンバーカードに紐づくユーザが存在しません。", NULL,
         NULL},
        {"kagura-fido-registration-failed", "FIDO認証情報の登録ができませんでした", NULL, NULL},
        {"kagura-close-screen", "画面を閉じてください", NULL, NULL},
};

#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

static const row *row_of(const char *key)
{
	for (size_t i = 0; i < N_ROWS; i++)
		if (strcmp(rows[i].key, key) == 0)
			return &rows[i];
	return NULL;
}

static rp_messages *load_ok(const char *path)
{
	rp_messages *m = NULL;
	char why[512];
	rp_msg_err err = rp_messages_load(path, &m, why, sizeof(why));

	if (err != RP_MSG_OK)
		fail_msg("%s: %s (%s)", path, rp_msg_errname(err), why);
	return m;
}

/* The text the page would show for a row in one generation. */
static void check_text(const rp_messages *m, const row *r, const char *want, const char *gen)
{
	char buf[1024];
	const char *got;

	if (want == NULL) {
		if (rp_messages_get(m, r->key) != NULL)
			fail_msg("%s: %s should be absent (new in v2.16), holds \"%s\"", gen,
			         r->key, rp_messages_get(m, r->key));
		assert_int_equal(rp_messages_format(m, r->key, NULL, 0, buf, sizeof(buf)),
		                 RP_MSG_ERR_NO_KEY);
		return;
	}
	if (r->arg != NULL) {
		const char *args[1] = {r->arg};
		rp_msg_err err = rp_messages_format(m, r->key, args, 1, buf, sizeof(buf));
		if (err != RP_MSG_OK)
			fail_msg("%s: %s: %s", gen, r->key, rp_msg_errname(err));
		got = buf;
	} else {
		if ((got = rp_messages_get(m, r->key)) == NULL)
			fail_msg("%s: %s missing", gen, r->key);
		/* A value without placeholders formats to itself. */
		assert_int_equal(rp_messages_format(m, r->key, NULL, 0, buf, sizeof(buf)),
		                 RP_MSG_OK);
		assert_string_equal(buf, got);
	}
	if (strcmp(got, want) != 0)
		fail_msg("%s: %s\n  bundle: \"%s\"\n  manual: \"%s\"", gen, r->key, got, want);
}

/* ---- the bundles against the manual ---- */

static void test_v216_matches_manual(void **state)
{
	rp_messages *m = load_ok(V216);

	(void)state;
	for (size_t i = 0; i < N_ROWS; i++) {
		/* v2.16 is the superset: every key a flow uses is there. */
		assert_non_null(rows[i].v216);
		check_text(m, &rows[i], rows[i].v216, "v2.16");
	}
	rp_messages_free(m);
}

static void test_v104_matches_manual(void **state)
{
	rp_messages *m = load_ok(V104);

	(void)state;
	for (size_t i = 0; i < N_ROWS; i++)
		check_text(m, &rows[i], rows[i].v104, "v1.04");
	rp_messages_free(m);
}

/* A key no row knows would reach a page unchecked: refuse it. */
static void test_no_untested_keys(void **state)
{
	const char *paths[] = {V216, V104};

	(void)state;
	for (size_t p = 0; p < 2; p++) {
		rp_messages *m = load_ok(paths[p]);
		size_t want = 0;

		for (size_t i = 0; i < rp_messages_count(m); i++) {
			const char *key = rp_messages_key(m, i);
			if (row_of(key) == NULL)
				fail_msg("%s: key %s is not in the test's table", paths[p], key);
			if (i > 0)
				assert_true(strcmp(rp_messages_key(m, i - 1), key) < 0);
		}
		for (size_t i = 0; i < N_ROWS; i++)
			want += (p == 0 ? rows[i].v216 : rows[i].v104) != NULL;
		assert_int_equal(rp_messages_count(m), want);
		assert_null(rp_messages_key(m, rp_messages_count(m)));
		rp_messages_free(m);
	}
}

/* ---- the generation profiles against their bundles ---- */

/* A flag of the profile says the bundle has the page's key; a key it names is in the bundle. */
static void check_profile(const rp_generation *g, const char *path)
{
	rp_messages *m = load_ok(path);
	const struct {
		bool has;
		const char *key;
	} pages[] = {
	        {g->has_405_sentence, "kagura-405-message"},
	        {g->checks_other_user, "differentUserAuthenticated"},
	        {g->has_invalid_qr_page, "kagura-invalid-access-or-expired-url"},
	        {g->has_pc_failure_page, "kagura-fido-registration-failed"},
	        {g->has_forbidden_page, "kagura-apache-forbidden-heading"},
	        {g->has_card_error_pages, "kagura-cert-revoked"},
	        {g->jpki, "kagura-jpki-no-linked-user"},
	};
	const char *keys[] = {g->no_cookie_key, g->empty_name_key, g->unknown_user_key,
	                      g->never_registered_key, g->card_user_unknown_key};

	for (size_t i = 0; i < KAGURA_LEN(pages); i++)
		if (pages[i].has != (rp_messages_get(m, pages[i].key) != NULL))
			fail_msg("%s: the profile says %s, the bundle %s %s", g->name,
			         pages[i].has ? "yes" : "no", pages[i].has ? "lacks" : "has",
			         pages[i].key);
	for (size_t i = 0; i < KAGURA_LEN(keys); i++)
		if (rp_messages_get(m, keys[i]) == NULL)
			fail_msg("%s: the profile names %s, not in the bundle", g->name, keys[i]);
	rp_messages_free(m);
}

static void test_generation_profiles(void **state)
{
	(void)state;
	check_profile(rp_generation_find("2.16"), V216);
	check_profile(rp_generation_find("1.04"), V104);
	assert_ptr_equal(rp_generation_find(RP_GENERATION_DEFAULT), rp_generation_find("2.16"));
	assert_null(rp_generation_find("2.17"));
	assert_null(rp_generation_find(NULL));
}

/* ---- the format, from memory ---- */

static rp_messages *parse_ok(const char *text)
{
	rp_messages *m = NULL;
	char why[256];
	rp_msg_err err = rp_messages_parse(text, strlen(text), "mem", &m, why, sizeof(why));

	if (err != RP_MSG_OK)
		fail_msg("%s (%s)", rp_msg_errname(err), why);
	return m;
}

static void test_format(void **state)
{
	rp_messages *m = parse_ok("one=a{0}b\n"
	                          "swap={1}-{0}\n"
	                          "twice={0}{0}\n"
	                          "ten={0}{1}{2}{3}{4}{5}{6}{7}{8}{9}\n"
	                          "plain=日本語\n"
	                          "empty=\n");
	const char *ab[] = {"A", "B"};
	const char *digits[] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
	const char *tricky[] = {"{1}", "<b>"};
	const char *null_arg[] = {NULL};
	char buf[64];

	(void)state;
	assert_int_equal(rp_messages_format(m, "one", ab, 1, buf, sizeof(buf)), RP_MSG_OK);
	assert_string_equal(buf, "aAb");
	assert_int_equal(rp_messages_format(m, "swap", ab, 2, buf, sizeof(buf)), RP_MSG_OK);
	assert_string_equal(buf, "B-A");
	assert_int_equal(rp_messages_format(m, "twice", ab, 2, buf, sizeof(buf)), RP_MSG_OK);
	assert_string_equal(buf, "AA");
	assert_int_equal(rp_messages_format(m, "ten", digits, 10, buf, sizeof(buf)), RP_MSG_OK);
	assert_string_equal(buf, "0123456789");
	/* Arguments are inserted verbatim: never expanded again, never escaped. */
	assert_int_equal(rp_messages_format(m, "swap", tricky, 2, buf, sizeof(buf)), RP_MSG_OK);
	assert_string_equal(buf, "<b>-{1}");
	assert_int_equal(rp_messages_format(m, "plain", ab, 2, buf, sizeof(buf)), RP_MSG_OK);
	assert_string_equal(buf, "日本語");
	assert_int_equal(rp_messages_format(m, "empty", NULL, 0, buf, sizeof(buf)), RP_MSG_OK);
	assert_string_equal(buf, "");

	/* Missing arguments. */
	strcpy(buf, "junk");
	assert_int_equal(rp_messages_format(m, "swap", ab, 1, buf, sizeof(buf)),
	                 RP_MSG_ERR_FORMAT_ARG);
	assert_string_equal(buf, "");
	assert_int_equal(rp_messages_format(m, "one", NULL, 0, buf, sizeof(buf)),
	                 RP_MSG_ERR_FORMAT_ARG);
	assert_int_equal(rp_messages_format(m, "one", null_arg, 1, buf, sizeof(buf)),
	                 RP_MSG_ERR_FORMAT_ARG);

	/* Buffer: "aAb" needs 4 bytes. */
	assert_int_equal(rp_messages_format(m, "one", ab, 1, buf, 4), RP_MSG_OK);
	assert_string_equal(buf, "aAb");
	strcpy(buf, "junk");
	assert_int_equal(rp_messages_format(m, "one", ab, 1, buf, 3), RP_MSG_ERR_SPACE);
	assert_string_equal(buf, "");
	assert_int_equal(rp_messages_format(m, "plain", NULL, 0, buf, 9), RP_MSG_ERR_SPACE);
	assert_int_equal(rp_messages_format(m, "plain", NULL, 0, buf, 10), RP_MSG_OK);

	/* Caller errors. */
	assert_int_equal(rp_messages_format(m, "nope", ab, 2, buf, sizeof(buf)), RP_MSG_ERR_NO_KEY);
	assert_int_equal(rp_messages_format(m, "one", NULL, 1, buf, sizeof(buf)), RP_MSG_ERR_ARG);
	assert_int_equal(rp_messages_format(m, "one", ab, 1, NULL, 8), RP_MSG_ERR_ARG);
	assert_int_equal(rp_messages_format(m, "one", ab, 1, buf, 0), RP_MSG_ERR_ARG);
	assert_int_equal(rp_messages_format(NULL, "one", ab, 1, buf, sizeof(buf)), RP_MSG_ERR_ARG);
	assert_int_equal(rp_messages_format(m, NULL, ab, 1, buf, sizeof(buf)), RP_MSG_ERR_ARG);
	assert_null(rp_messages_get(m, NULL));
	assert_null(rp_messages_get(NULL, "one"));
	assert_null(rp_messages_get(m, "on"));
	assert_int_equal(rp_messages_count(NULL), 0);
	assert_null(rp_messages_key(NULL, 0));
	rp_messages_free(m);
	rp_messages_free(NULL);
}

static void test_accepted_forms(void **state)
{
	/* BOM, CRLF, comments, blank lines of spaces, escapes, no final newline. */
	rp_messages *m = parse_ok("\xEF\xBB\xBF# comment\r\n"
	                          "a=1\r\n"
	                          "   \t\n"
	                          "#x=not a key\n"
	                          "esc=\\\\ \\= \\: \\# \\! \\n\\t\\u30a2\\u30A2\\uD83D\\uDE00\n"
	                          "spaces=\\ in the middle \\ \n"
	                          "inner=a\tb  c\n"
	                          "empty=\n"
	                          "Key.with_all-chars9=x=y\n"
	                          "last=no newline");

	(void)state;
	assert_int_equal(rp_messages_count(m), 7);
	assert_string_equal(rp_messages_get(m, "a"), "1");
	assert_null(rp_messages_get(m, "#x"));
	assert_null(rp_messages_get(m, "x"));
	assert_string_equal(rp_messages_get(m, "esc"), "\\ = : # ! \n\tアア\xF0\x9F\x98\x80");
	assert_string_equal(rp_messages_get(m, "spaces"), " in the middle  ");
	assert_string_equal(rp_messages_get(m, "inner"), "a\tb  c");
	assert_string_equal(rp_messages_get(m, "empty"), "");
	assert_string_equal(rp_messages_get(m, "Key.with_all-chars9"), "x=y");
	assert_string_equal(rp_messages_get(m, "last"), "no newline");
	/* Byte order, which bsearch relies on. */
	assert_string_equal(rp_messages_key(m, 0), "Key.with_all-chars9");
	rp_messages_free(m);

	/* An empty bundle is a bundle. */
	assert_int_equal(rp_messages_parse(NULL, 0, "mem", &m, NULL, 0), RP_MSG_OK);
	assert_int_equal(rp_messages_count(m), 0);
	assert_null(rp_messages_get(m, "a"));
	rp_messages_free(m);
}

/* ---- malformed files: the right error, on the right line ---- */

typedef struct tmpdir {
	char path[64];
	char file[128];
} tmpdir;

static int tmp_setup(void **state)
{
	tmpdir *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	strcpy(t->path, "/tmp/kagura-messages-XXXXXX");
	if (mkdtemp(t->path) == NULL) {
		free(t);
		return -1;
	}
	snprintf(t->file, sizeof(t->file), "%s/messages_test.properties", t->path);
	*state = t;
	return 0;
}

static int tmp_teardown(void **state)
{
	tmpdir *t = *state;

	unlink(t->file);
	rmdir(t->path);
	free(t);
	return 0;
}

static void write_bytes(const char *path, const char *bytes, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void write_text(const char *path, const char *text)
{
	write_bytes(path, text, strlen(text));
}

typedef struct bad {
	const char *what;
	const char *text; /* NUL-terminated unless len is set */
	size_t len;
	rp_msg_err err;
	size_t line;
} bad;

static const bad bads[] = {
        {"duplicate key", "a=1\nb=2\na=3\n", 0, RP_MSG_ERR_DUPLICATE, 3},
        {"duplicate, earliest repeat reported", "z=1\na=1\nz=2\na=2\n", 0, RP_MSG_ERR_DUPLICATE, 3},
        {"duplicate, equal values", "# c\nk=v\nk=v\n", 0, RP_MSG_ERR_DUPLICATE, 3},
        {"missing '='", "a=1\njustakey\n", 0, RP_MSG_ERR_NO_EQUALS, 2},
        {"missing '=' at EOF", "a=1\n\nkey", 0, RP_MSG_ERR_NO_EQUALS, 3},
        {"Java ':' separator", "a:1\n", 0, RP_MSG_ERR_KEY, 1},
        {"empty key", "a=1\n=value\n", 0, RP_MSG_ERR_KEY, 2},
        {"bad key character", "k!ey=v\n", 0, RP_MSG_ERR_KEY, 1},
        {"non-ASCII key", "キー=v\n", 0, RP_MSG_ERR_KEY, 1},
        {"space before '='", "a=1\nkey =v\n", 0, RP_MSG_ERR_WHITESPACE, 2},
        {"space after '='", "key= v\n", 0, RP_MSG_ERR_WHITESPACE, 1},
        {"trailing space", "a=1\nb=2\nkey=v \n", 0, RP_MSG_ERR_WHITESPACE, 3},
        {"trailing tab before CRLF", "key=v\t\r\n", 0, RP_MSG_ERR_WHITESPACE, 1},
        {"indented entry (continuation)", "a=1\n  b=2\n", 0, RP_MSG_ERR_WHITESPACE, 2},
        {"indented comment", "\t# c\n", 0, RP_MSG_ERR_WHITESPACE, 1},
        {"unknown escape", "a=1\nb=x\\xy\n", 0, RP_MSG_ERR_ESCAPE, 2},
        {"continuation backslash", "a=first \\\n  second\n", 0, RP_MSG_ERR_ESCAPE, 1},
        {"short \\u", "a=\\u30\n", 0, RP_MSG_ERR_ESCAPE, 1},
        {"non-hex \\u", "a=\\u30G2\n", 0, RP_MSG_ERR_ESCAPE, 1},
        {"\\u0000", "a=x\\u0000y\n", 0, RP_MSG_ERR_ESCAPE, 1},
        {"lone high surrogate", "a=\\uD83D\n", 0, RP_MSG_ERR_ESCAPE, 1},
        {"high surrogate + BMP", "a=\\uD83D\\u0041\n", 0, RP_MSG_ERR_ESCAPE, 1},
        {"lone low surrogate", "a=\\uDE00\n", 0, RP_MSG_ERR_ESCAPE, 1},
        {"backslash before UTF-8", "a=\\ア\n", 0, RP_MSG_ERR_ESCAPE, 1},
        {"invalid UTF-8", "a=1\nb=2\nc=\xC3\x28\n", 0, RP_MSG_ERR_UTF8, 3},
        {"overlong UTF-8", "a=\xC0\xAF\n", 0, RP_MSG_ERR_UTF8, 1},
        {"UTF-8 surrogate", "a=1\nb=\xED\xA0\x80\n", 0, RP_MSG_ERR_UTF8, 2},
        {"above U+10FFFF", "a=\xF4\x90\x80\x80\n", 0, RP_MSG_ERR_UTF8, 1},
        {"truncated at EOF", "a=1\nb=\xE3\x81", 0, RP_MSG_ERR_UTF8, 2},
        {"Latin-1 file", "a=caf\xE9\n", 0, RP_MSG_ERR_UTF8, 1},
        {"invalid UTF-8 in a comment", "# \xFF\na=1\n", 0, RP_MSG_ERR_UTF8, 1},
        {"control character", "a=1\nb=x\x01y\n", 0, RP_MSG_ERR_CONTROL, 2},
        {"lone CR", "a=x\ry\n", 0, RP_MSG_ERR_CONTROL, 1},
        {"NUL byte", "a=1\nb=x\0y\n", 10, RP_MSG_ERR_CONTROL, 2},
        {"DEL", "a=\x7F\n", 0, RP_MSG_ERR_CONTROL, 1},
        {"letter placeholder", "a=1\nb={O}\n", 0, RP_MSG_ERR_PLACEHOLDER, 2},
        {"unclosed placeholder", "a={0\n", 0, RP_MSG_ERR_PLACEHOLDER, 1},
        {"two-digit placeholder", "a={10}\n", 0, RP_MSG_ERR_PLACEHOLDER, 1},
        {"stray '}'", "a=x}\n", 0, RP_MSG_ERR_PLACEHOLDER, 1},
        {"MessageFormat quoting", "a=''{0''}\n", 0, RP_MSG_ERR_PLACEHOLDER, 1},
        {"escaped brace is still a brace", "a=\\u007B\n", 0, RP_MSG_ERR_PLACEHOLDER, 1},
};

static void test_malformed_files(void **state)
{
	tmpdir *t = *state;

	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const bad *b = &bads[i];
		size_t len = b->len ? b->len : strlen(b->text);
		rp_messages *m = (rp_messages *)(void *)&i; /* garbage that must come back NULL */
		char why[512], where[192];
		rp_msg_err err;

		write_bytes(t->file, b->text, len);
		err = rp_messages_load(t->file, &m, why, sizeof(why));
		if (err != b->err)
			fail_msg("%s: got %s (%s), want %s", b->what, rp_msg_errname(err), why,
			         rp_msg_errname(b->err));
		assert_null(m);
		/* The user is told where: "PATH:LINE: ". */
		snprintf(where, sizeof(where), "%s:%zu: ", t->file, b->line);
		if (strncmp(why, where, strlen(where)) != 0)
			fail_msg("%s: why \"%s\" does not start with \"%s\"", b->what, why, where);
		assert_non_null(strstr(why, rp_msg_strerr(b->err)));

		/* The same bytes from memory give the same verdict. */
		err = rp_messages_parse(b->text, len, "mem", &m, NULL, 0);
		assert_int_equal(err, b->err);
		assert_null(m);
	}
}

static void test_duplicate_names_first_line(void **state)
{
	tmpdir *t = *state;
	rp_messages *m;
	char why[512];

	write_text(t->file, "# c\nerrorTitle=x\n\nerrorTitle=y\n");
	assert_int_equal(rp_messages_load(t->file, &m, why, sizeof(why)), RP_MSG_ERR_DUPLICATE);
	assert_non_null(strstr(why, ":4: "));
	assert_non_null(strstr(why, "'errorTitle' (first on line 2)"));
}

static void test_file_errors(void **state)
{
	tmpdir *t = *state;
	rp_messages *m;
	char why[512], small[8];
	char *big;

	/* Missing file, a directory: IO, and the path is named. */
	assert_int_equal(rp_messages_load("/nonexistent/messages.properties", &m, why, sizeof(why)),
	                 RP_MSG_ERR_IO);
	assert_null(m);
	assert_non_null(strstr(why, "/nonexistent/messages.properties: "));
	assert_int_equal(rp_messages_load(t->path, &m, why, sizeof(why)), RP_MSG_ERR_IO);
	assert_null(m);

	/* One byte over the limit (a comment, otherwise valid). */
	big = malloc(RP_MESSAGES_MAX_FILE + 1);
	assert_non_null(big);
	memset(big, 'x', RP_MESSAGES_MAX_FILE + 1);
	big[0] = '#';
	write_bytes(t->file, big, RP_MESSAGES_MAX_FILE + 1);
	assert_int_equal(rp_messages_load(t->file, &m, why, sizeof(why)), RP_MSG_ERR_TOO_LARGE);
	assert_null(m);
	/* Exactly the limit loads. */
	write_bytes(t->file, big, RP_MESSAGES_MAX_FILE);
	assert_int_equal(rp_messages_load(t->file, &m, why, sizeof(why)), RP_MSG_OK);
	assert_int_equal(rp_messages_count(m), 0);
	rp_messages_free(m);
	free(big);

	/* A small why buffer is truncated, never overrun; NULL why is fine. */
	write_text(t->file, "a=1\na=2\n");
	assert_int_equal(rp_messages_load(t->file, &m, small, sizeof(small)), RP_MSG_ERR_DUPLICATE);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(rp_messages_load(t->file, &m, NULL, 0), RP_MSG_ERR_DUPLICATE);

	/* Caller errors. */
	assert_int_equal(rp_messages_load(NULL, &m, why, sizeof(why)), RP_MSG_ERR_ARG);
	assert_int_equal(rp_messages_load(t->file, NULL, why, sizeof(why)), RP_MSG_ERR_ARG);
	assert_int_equal(rp_messages_parse(NULL, 3, "mem", &m, why, sizeof(why)), RP_MSG_ERR_ARG);
}

static void test_error_names(void **state)
{
	(void)state;
	for (int e = 0; e < RP_MSG_ERR__COUNT; e++) {
		assert_non_null(rp_msg_strerr((rp_msg_err)e));
		assert_true(strncmp(rp_msg_errname((rp_msg_err)e), "RP_MSG_", 7) == 0);
		for (int f = 0; f < e; f++)
			assert_true(strcmp(rp_msg_strerr((rp_msg_err)e),
			                   rp_msg_strerr((rp_msg_err)f)) != 0);
	}
	assert_string_equal(rp_msg_errname(RP_MSG_ERR_DUPLICATE), "RP_MSG_ERR_DUPLICATE");
	assert_string_equal(rp_msg_strerr(RP_MSG_ERR__COUNT), "unknown error");
	assert_string_equal(rp_msg_errname((rp_msg_err)-1), "RP_MSG_ERR_UNKNOWN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_v216_matches_manual),
	        cmocka_unit_test(test_v104_matches_manual),
	        cmocka_unit_test(test_no_untested_keys),
	        cmocka_unit_test(test_generation_profiles),
	        cmocka_unit_test(test_format),
	        cmocka_unit_test(test_accepted_forms),
	        cmocka_unit_test_setup_teardown(test_malformed_files, tmp_setup, tmp_teardown),
	        cmocka_unit_test_setup_teardown(test_duplicate_names_first_line, tmp_setup,
	                                        tmp_teardown),
	        cmocka_unit_test_setup_teardown(test_file_errors, tmp_setup, tmp_teardown),
	        cmocka_unit_test(test_error_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
