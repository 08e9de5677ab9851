#include "authenticator/web/keycloak_page.h"

#include <stdlib.h>
#include <string.h>

#include "webauthn/arraylen.h"

/* Keycloak's "leave it to the browser" value of a policy setting. */
#define NOT_SPECIFIED "not specified"
/* Keycloak's timeouts are seconds; WebAuthn's milliseconds. */
#define MS_PER_S 1000

static const char *const messages[] = {
#define AU_KC_ERROR_MSG(name, msg) [name] = msg,
        AU_KC_ERROR_TABLE(AU_KC_ERROR_MSG)
#undef AU_KC_ERROR_MSG
};

const char *au_kc_strerr(au_kc_err err)
{
	return (unsigned)err < AU_KC_ERR__COUNT ? messages[err] : "unknown error";
}

/* Per kind: its name, the form and the buttons (either) that tell it. */
static const struct {
	const char *name, *form, *buttons[2];
} pages[AU_KC_PAGE__COUNT] = {
        [AU_KC_PAGE_OTHER] = {"other", NULL, {NULL, NULL}},
        [AU_KC_PAGE_USERNAME] = {"login-username", "kc-form-login", {"kc-login", NULL}},
        [AU_KC_PAGE_WEBAUTHN_AUTHENTICATE] = {"webauthn-authenticate",
                                              "webauth",
                                              {"authenticateWebAuthnButton", NULL}},
        [AU_KC_PAGE_WEBAUTHN_REGISTER] = {"webauthn-register",
                                          "register",
                                          {"registerWebAuthn", "registerWebAuthnAIA"}},
        [AU_KC_PAGE_WEBAUTHN_ERROR] = {"webauthn-error",
                                       "kc-error-credential-form",
                                       {"kc-try-again", NULL}},
        [AU_KC_PAGE_EXPIRED] = {"login-page-expired", NULL, {"loginRestartLink", NULL}},
        [AU_KC_PAGE_ERROR] = {"error", NULL, {"kc-error-message", NULL}},
};

const char *au_kc_page_name(au_kc_page kind)
{
	return (unsigned)kind < AU_KC_PAGE__COUNT ? pages[kind].name : "unknown";
}

const char *au_kc_page_button(au_page *p, au_kc_page kind)
{
	if ((unsigned)kind >= AU_KC_PAGE__COUNT)
		return NULL;
	for (size_t i = 0; i < KAGURA_LEN(pages[kind].buttons); i++)
		if (pages[kind].buttons[i] != NULL &&
		    au_page_attr(p, pages[kind].buttons[i], "id") != NULL)
			return pages[kind].buttons[i];
	return NULL;
}

au_form *au_kc_page_form(au_page *p, au_kc_page kind)
{
	return (unsigned)kind < AU_KC_PAGE__COUNT && pages[kind].form != NULL
	               ? au_page_form(p, pages[kind].form)
	               : NULL;
}

au_kc_page au_kc_page_of(au_page *p)
{
	for (au_kc_page k = AU_KC_PAGE_USERNAME; k < AU_KC_PAGE__COUNT; k++) {
		au_form *f = au_kc_page_form(p, k);
		bool form_ok = pages[k].form == NULL || f != NULL;

		if (k == AU_KC_PAGE_USERNAME && f != NULL && au_form_value(f, "username") == NULL)
			form_ok = false;
		if (form_ok && (f != NULL || au_kc_page_button(p, k) != NULL))
			return k;
	}
	return AU_KC_PAGE_OTHER;
}

/* A parameter that must be there; *missing names it when not. */
static const char *need(const au_page *p, const char *name, const char **missing)
{
	const char *v = au_page_script_value(p, name);

	if (v == NULL && *missing == NULL)
		*missing = name;
	return v;
}

static bool specified(const char *v)
{
	return v != NULL && strcmp(v, NOT_SPECIFIED) != 0;
}

/* createTimeout (seconds, 0: none) as timeout in ms; false when it is not a number. */
static bool set_timeout(json_t *opts, const char *seconds)
{
	char *end;
	long s = seconds ? strtol(seconds, &end, 10) : 0;

	if (seconds != NULL && (end == seconds || *end != '\0' || s < 0))
		return false;
	if (s > 0)
		json_object_set_new(opts, "timeout", json_integer((json_int_t)s * MS_PER_S));
	return true;
}

/* {"type": "public-key", "id": id} appended; false when out of memory. */
static bool add_cred(json_t *list, const char *id, size_t len)
{
	json_t *c = json_pack("{s:s, s:s%}", "type", "public-key", "id", id, len);

	return c != NULL && json_array_append_new(list, c) == 0;
}

au_kc_err au_kc_request_options(au_page *p, json_t **out, const char **missing)
{
	const char *identified, *challenge, *rp_id, *uv, *timeout;
	au_form *select = au_page_form(p, "authn_select");
	json_t *opts, *allow;

	*out = NULL;
	*missing = NULL;
	if (au_kc_page_of(p) != AU_KC_PAGE_WEBAUTHN_AUTHENTICATE)
		return AU_KC_ERR_NOT_WEBAUTHN;
	identified = au_page_script_value(p, "isUserIdentified");
	challenge = need(p, "challenge", missing);
	rp_id = need(p, "rpId", missing);
	uv = au_page_script_value(p, "userVerification");
	timeout = au_page_script_value(p, "createTimeout");
	if (*missing != NULL)
		return AU_KC_ERR_PARAM;
	if ((opts = json_pack("{s:s, s:s}", "challenge", challenge, "rpId", rp_id)) == NULL ||
	    (allow = json_array()) == NULL) {
		json_decref(opts);
		return AU_KC_ERR_NOMEM;
	}
	if (!set_timeout(opts, timeout)) {
		*missing = "createTimeout";
		json_decref(allow);
		json_decref(opts);
		return AU_KC_ERR_PARAM;
	}
	/* Keycloak lists the identified user's credentials as hidden inputs, not in the script. */
	for (size_t i = 0; identified != NULL && strcmp(identified, "true") == 0 &&
	                   select != NULL && i < select->n_inputs;
	     i++)
		if (strcmp(select->inputs[i].name, "authn_use_chk") == 0 &&
		    !add_cred(allow, select->inputs[i].value, strlen(select->inputs[i].value))) {
			json_decref(allow);
			json_decref(opts);
			return AU_KC_ERR_NOMEM;
		}
	json_object_set_new(opts, "allowCredentials", allow);
	if (specified(uv))
		json_object_set_new(opts, "userVerification", json_string(uv));
	*out = opts;
	return AU_KC_OK;
}

/* signatureAlgorithms ("-7,-257," or "-7,-257") as pubKeyCredParams; ES256 when empty. */
static bool add_algs(json_t *params, const char *list)
{
	for (const char *q = list; q != NULL && *q;) {
		char *end;
		long alg;

		while (*q == ' ' || *q == ',' || *q == '\'' || *q == '"')
			q++;
		if (*q == '\0')
			break;
		alg = strtol(q, &end, 10);
		if (end == q)
			return false;
		json_array_append_new(params, json_pack("{s:s, s:I}", "type", "public-key", "alg",
		                                        (json_int_t)alg));
		q = end;
	}
	if (json_array_size(params) == 0)
		json_array_append_new(params,
		                      json_pack("{s:s, s:i}", "type", "public-key", "alg", -7));
	return true;
}

/* excludeCredentialIds: base64url ids joined by commas. */
static bool add_excluded(json_t *list, const char *ids)
{
	for (const char *q = ids; q != NULL && *q;) {
		size_t n = strcspn(q, ",");

		if (n > 0 && !add_cred(list, q, n))
			return false;
		q += n + (q[n] == ',');
	}
	return true;
}

au_kc_err au_kc_creation_options(const au_page *p, json_t **out, const char **missing)
{
	const char *challenge = NULL, *userid, *username, *rp_name, *rp_id, *algs, *attestation,
	           *attachment, *rk, *resident, *uv, *timeout, *exclude;
	json_t *opts, *sel, *params, *excluded;
	au_kc_err err = AU_KC_ERR_PARAM;

	*out = NULL;
	*missing = NULL;
	challenge = need(p, "challenge", missing);
	userid = need(p, "userid", missing);
	username = need(p, "username", missing);
	rp_name = need(p, "rpEntityName", missing);
	rp_id = need(p, "rpId", missing);
	algs = au_page_script_value(p, "signatureAlgorithms");
	attestation = au_page_script_value(p, "attestationConveyancePreference");
	attachment = au_page_script_value(p, "authenticatorAttachment");
	rk = au_page_script_value(p, "requireResidentKey");
	resident = au_page_script_value(p, "residentKey");
	uv = au_page_script_value(p, "userVerificationRequirement");
	timeout = au_page_script_value(p, "createTimeout");
	exclude = au_page_script_value(p, "excludeCredentialIds");
	if (*missing != NULL)
		return AU_KC_ERR_PARAM;
	sel = json_object();
	params = json_array();
	excluded = json_array();
	opts = json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s}}", "challenge", challenge, "rp",
	                 "id", rp_id, "name", rp_name, "user", "id", userid, "name", username,
	                 "displayName", username);
	if (opts == NULL || sel == NULL || params == NULL || excluded == NULL) {
		err = AU_KC_ERR_NOMEM;
		goto fail;
	}
	if (!add_algs(params, algs)) {
		*missing = "signatureAlgorithms";
		goto fail;
	}
	if (!set_timeout(opts, timeout)) {
		*missing = "createTimeout";
		goto fail;
	}
	if (!add_excluded(excluded, exclude)) {
		err = AU_KC_ERR_NOMEM;
		goto fail;
	}
	if (specified(attachment))
		json_object_set_new(sel, "authenticatorAttachment", json_string(attachment));
	/* Newer pages say residentKey; older ones only requireResidentKey (Yes/No). */
	if (specified(resident)) {
		json_object_set_new(sel, "residentKey", json_string(resident));
		json_object_set_new(sel, "requireResidentKey",
		                    json_boolean(strcmp(resident, "required") == 0));
	} else if (specified(rk)) {
		json_object_set_new(
		        sel, "residentKey",
		        json_string(strcmp(rk, "Yes") == 0 ? "required" : "discouraged"));
		json_object_set_new(sel, "requireResidentKey",
		                    json_boolean(strcmp(rk, "Yes") == 0));
	}
	if (specified(uv))
		json_object_set_new(sel, "userVerification", json_string(uv));
	json_object_set_new(opts, "pubKeyCredParams", params);
	json_object_set_new(opts, "excludeCredentials", excluded);
	if (json_object_size(sel) > 0)
		json_object_set_new(opts, "authenticatorSelection", sel);
	else
		json_decref(sel);
	if (specified(attestation))
		json_object_set_new(opts, "attestation", json_string(attestation));
	*out = opts;
	return AU_KC_OK;
fail:
	json_decref(opts);
	json_decref(sel);
	json_decref(params);
	json_decref(excluded);
	return err;
}
