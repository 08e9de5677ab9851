/* The one reader of Keycloak's pages: kinds, buttons, and the options the WebAuthn pages' scripts
 * hand to the browser, from Keycloak 26's module scripts (single- or double-quoted), Keycloak
 * 15's inline script, and the mock platform's own templates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "authenticator/web/keycloak_page.h"
#include "rp/pages.h"

static au_page *parse(const char *html)
{
	au_page *p = NULL;

	assert_int_equal(au_page_parse(html, strlen(html), "https://kc.example/realms/r/x", &p),
	                 AU_WEB_OK);
	return p;
}

static json_t *member(json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	return json_object_get(o, path);
}

/* Keycloak 26.0's keycloak.v2 webauthn-authenticate page, shortened; QUOTE is ' or ". */
#define AUTHENTICATE(QUOTE, IDENTIFIED)                                                           \
	"<form id=\"webauth\" action=\"/realms/r/login-actions/authenticate?session_code=c\" "    \
	"method=\"post\" hidden=\"hidden\"><input type=\"hidden\" id=\"clientDataJSON\" "         \
	"name=\"clientDataJSON\"/><input type=\"hidden\" id=\"error\" name=\"error\"/></form>"    \
	"<form id=\"authn_select\" hidden=\"hidden\"><input type=\"hidden\" "                     \
	"name=\"authn_use_chk\" value=\"AAEC\"/><input type=\"hidden\" name=\"authn_use_chk\" "   \
	"value=\"AwQF\"/></form><button id=\"authenticateWebAuthnButton\">Sign in</button>"       \
	"<script type=\"module\">import { authenticateByWebAuthn } from \"/js/w.js\";\n"          \
	"const authButton = document.getElementById('authenticateWebAuthnButton');\n"             \
	"authButton.addEventListener(\"click\", function() { const input = {\n"                   \
	"isUserIdentified : " IDENTIFIED ",\n challenge : " QUOTE "Y2hhbGxlbmdl" QUOTE ",\n"      \
	"userVerification : " QUOTE "required" QUOTE ",\n rpId : " QUOTE "kc.example" QUOTE ",\n" \
	"createTimeout : 30,\n errmsg : \"WebAuthn isn\\u0027t supported \\\"here\\\".\"\n};\n"   \
	"authenticateByWebAuthn(input); }, { once: true });</script>"

static void test_authenticate_page(void **state)
{
	const char *pages[] = {AUTHENTICATE("'", "true"), AUTHENTICATE("\"", "true")};
	const char *missing;
	json_t *o;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		au_page *p = parse(pages[i]);

		assert_int_equal(au_kc_page_of(p), AU_KC_PAGE_WEBAUTHN_AUTHENTICATE);
		assert_string_equal(au_kc_page_button(p, AU_KC_PAGE_WEBAUTHN_AUTHENTICATE),
		                    "authenticateWebAuthnButton");
		assert_string_equal(au_page_script_value(p, "errmsg"),
		                    "WebAuthn isn't supported \"here\".");
		assert_int_equal(au_kc_request_options(p, &o, &missing), AU_KC_OK);
		assert_string_equal(json_string_value(member(o, "challenge")), "Y2hhbGxlbmdl");
		assert_string_equal(json_string_value(member(o, "rpId")), "kc.example");
		assert_string_equal(json_string_value(member(o, "userVerification")), "required");
		assert_int_equal(json_integer_value(member(o, "timeout")), 30000);
		assert_int_equal(json_array_size(member(o, "allowCredentials")), 2);
		assert_string_equal(
		        json_string_value(json_object_get(
		                json_array_get(member(o, "allowCredentials"), 1), "id")),
		        "AwQF");
		json_decref(o);
		au_page_free(p);
	}
	/* A user not identified yet: get() without allowCredentials, whatever the form lists. */
	au_page *p = parse(AUTHENTICATE("'", "false"));
	assert_int_equal(au_kc_request_options(p, &o, &missing), AU_KC_OK);
	assert_int_equal(json_array_size(member(o, "allowCredentials")), 0);
	json_decref(o);
	au_page_free(p);
}

static void test_register_page_kc15(void **state)
{
	/* Keycloak 15's inline script: "let name = \"value\";", the label prompt hard-coded. */
	static const char html[] =
	        "<form id=\"register\" action=\"/a\" method=\"post\"><input type=\"hidden\" "
	        "id=\"error\" name=\"error\"/></form><script>function registerSecurityKey() {\n"
	        "let challenge = \"Y2g\";\nlet userid = \"dWlk\";\nlet username = \"1234567890\";\n"
	        "let signatureAlgorithms = \"-7,-257\";\nlet rpEntityName = \"keycloak\";\n"
	        "let rpId = \"kc.example\";\nlet attestationConveyancePreference = \"not "
	        "specified\";\nlet authenticatorAttachment = \"platform\";\nlet requireResidentKey "
	        "= \"Yes\";\nlet userVerificationRequirement = \"required\";\nlet createTimeout = "
	        "0;\nlet excludeCredentialIds = \"AAA,BBB\";\n}</script><input type=\"submit\" "
	        "id=\"registerWebAuthnAIA\" value=\"Register\" onclick=\"registerSecurityKey()\"/>";
	au_page *p = parse(html);
	const char *missing;
	json_t *o;

	(void)state;
	assert_int_equal(au_kc_page_of(p), AU_KC_PAGE_WEBAUTHN_REGISTER);
	assert_string_equal(au_kc_page_button(p, AU_KC_PAGE_WEBAUTHN_REGISTER),
	                    "registerWebAuthnAIA");
	assert_int_equal(au_kc_creation_options(p, &o, &missing), AU_KC_OK);
	assert_string_equal(json_string_value(member(o, "user.displayName")), "1234567890");
	assert_string_equal(json_string_value(member(o, "rp.name")), "keycloak");
	assert_int_equal(json_array_size(member(o, "pubKeyCredParams")), 2);
	assert_int_equal(json_integer_value(json_object_get(
	                         json_array_get(member(o, "pubKeyCredParams"), 1), "alg")),
	                 -257);
	assert_string_equal(json_string_value(member(o, "authenticatorSelection.residentKey")),
	                    "required");
	assert_string_equal(
	        json_string_value(member(o, "authenticatorSelection.authenticatorAttachment")),
	        "platform");
	assert_null(member(o, "attestation")); /* "not specified" leaves it out */
	assert_null(member(o, "timeout"));     /* 0: no timeout */
	assert_int_equal(json_array_size(member(o, "excludeCredentials")), 2);
	json_decref(o);
	au_page_free(p);
}

static void test_kinds_and_faults(void **state)
{
	static const struct {
		const char *html;
		au_kc_page kind;
	} cases[] = {
	        {"<form id=\"kc-form-login\" method=\"post\" action=\"/a\"><input "
	         "name=\"username\">"
	         "<input id=\"kc-login\" type=\"submit\"></form>",
	         AU_KC_PAGE_USERNAME},
	        {"<form id=\"kc-error-credential-form\" method=\"post\" action=\"/a\"></form>"
	         "<input id=\"kc-try-again\" type=\"button\" value=\"Try again\">",
	         AU_KC_PAGE_WEBAUTHN_ERROR},
	        {"<p id=\"instruction1\"><a id=\"loginRestartLink\" href=\"/r\">Click here</a></p>",
	         AU_KC_PAGE_EXPIRED},
	        {"<div id=\"kc-error-message\"><p class=\"instruction\">x</p></div>",
	         AU_KC_PAGE_ERROR},
	        {"<p>nothing of Keycloak's</p>", AU_KC_PAGE_OTHER},
	};
	const char *missing;
	json_t *o;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		au_page *p = parse(cases[i].html);
		assert_int_equal(au_kc_page_of(p), cases[i].kind);
		assert_int_equal(au_kc_request_options(p, &o, &missing), AU_KC_ERR_NOT_WEBAUTHN);
		assert_null(o);
		au_page_free(p);
	}
	/* A parameter written as an expression is no value: the fault names it. */
	au_page *p = parse("<form id=\"webauth\"></form><input id=\"authenticateWebAuthnButton\">"
	                   "<script>const input = {challenge : makeOne(), rpId : 'x'};</script>");
	assert_int_equal(au_kc_request_options(p, &o, &missing), AU_KC_ERR_PARAM);
	assert_string_equal(missing, "challenge");
	assert_string_equal(au_kc_strerr(AU_KC_ERR_PARAM),
	                    "a parameter of the page's script is missing or malformed");
	au_page_free(p);
}

/* The mock platform's template, rendered as the server does, read by the same reader. */
static void test_mock_template(void **state)
{
	const char *vars[][2] = {
	        {"action", "/registration-actions/register?session_code=c"},
	        {"challenge", "Y2g"},
	        {"user_id", "dWlk"},
	        {"username", "1234567890"},
	        {"signature_algorithms", "-7,-257,-8,"},
	        {"rp_name", "HPKI"},
	        {"rp_id", "localhost"},
	        {"attestation", "none"},
	        {"attachment", "not specified"},
	        {"require_resident_key", "Yes"},
	        {"user_verification", "required"},
	        {"create_timeout", "300"},
	        {"exclude_ids", ""},
	        {"label_default", "Passkey (Default Label)"},
	        {"label_prompt", "Please input your registered authenticator's label"},
	        {"unsupported", "WebAuthn is not Supported by this browser."}};
	wa_buf html = WA_BUF_INIT(RP_HTML_MAX);
	const char *missing;
	json_t *o;

	(void)state;
	assert_true(rp_page_render(KAGURA_PAGES_DIR, "webauthn-register.html", vars, 16, &html));
	au_page *p = parse(wa_buf_str(&html));
	assert_int_equal(au_kc_page_of(p), AU_KC_PAGE_WEBAUTHN_REGISTER);
	assert_string_equal(au_kc_page_button(p, AU_KC_PAGE_WEBAUTHN_REGISTER), "registerWebAuthn");
	assert_int_equal(au_kc_creation_options(p, &o, &missing), AU_KC_OK);
	assert_int_equal(json_array_size(member(o, "pubKeyCredParams")), 3);
	assert_int_equal(json_integer_value(member(o, "timeout")), 300000);
	assert_string_equal(json_string_value(member(o, "attestation")), "none");
	assert_null(member(o, "authenticatorSelection.authenticatorAttachment"));
	/* The apostrophe travels as \u0027 inside the script and comes back as itself. */
	assert_string_equal(au_page_script_value(p, "initLabelPrompt"),
	                    "Please input your registered authenticator's label");
	/* Hidden until the script runs (manual 2.16): a browser without JS shows nothing. */
	assert_string_equal(au_page_text(p), "");
	json_decref(o);
	au_page_free(p);
	wa_buf_free(&html);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_authenticate_page),
	        cmocka_unit_test(test_register_page_kc15),
	        cmocka_unit_test(test_kinds_and_faults),
	        cmocka_unit_test(test_mock_template),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
