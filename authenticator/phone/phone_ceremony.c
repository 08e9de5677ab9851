/* One WebAuthn ceremony as the phone's default browser runs it. */
#include "authenticator/phone/phone.h"

#include <stdio.h>
#include <string.h>

#include "authenticator/phone/phone_impl.h"

au_failure au_phone_browser_precheck(const au_persona *p, const au_settings *s)
{
	if (!p->webauthn)
		return AU_FAIL_NO_WEBAUTHN;
	if (!p->web_browser_entitlement) /* iOS: Apple's entitlement; Android: Play Services' */
		return AU_FAIL_NO_ENTITLEMENT;
	/* With another authenticator app as the passkey provider, that app takes the ceremony
	 * whatever iCloud Keychain is: the OS decides (au_os_before_create, manual 2.22). */
	if (!s->icloud_keychain && !s->third_party_authenticator &&
	    p->icloud_keychain_off != AU_FAIL_NONE)
		return p->icloud_keychain_off;
	return AU_FAIL_NONE;
}

static void fail(au_phone *p, au_failure f, const char *detail, const char *op,
                 au_phone_ceremony *out)
{
	char name[64], message[512];

	out->failure = f;
	snprintf(out->detail, sizeof(out->detail), "%s", detail);
	au_os_on_failure(&p->os, f);
	if (au_persona_error(&p->browser, f, op, name, sizeof(name), message, sizeof(message)) !=
	    AU_OK) {
		snprintf(name, sizeof(name), "%s", "Error");
		snprintf(message, sizeof(message), "%s", au_failure_name(f));
	}
	snprintf(out->error, sizeof(out->error), "%s: %s", name, message);
	au_eventlog_write(&p->log, "browser", au_failure_name(f), detail);
	au_eventlog_write(&p->log, "browser", "exception", out->error);
}

au_err au_phone_ceremony_run(au_phone *p, bool create, const json_t *options, const char *origin,
                             au_phone_ceremony *out)
{
	const char *op = create ? "create" : "get";
	const char *rp =
	        create ? json_string_value(json_object_get(json_object_get(options, "rp"), "id"))
	               : json_string_value(json_object_get(options, "rpId"));
	const json_t *allow = json_object_get(options, "allowCredentials");
	au_client_result res = {0};
	au_failure f;
	au_err e;

	memset(out, 0, sizeof(*out));
	au_os_begin(&p->os, &p->dev.settings, rp, !create, json_array_size(allow) > 0);
	if ((f = au_phone_browser_precheck(&p->browser, &p->dev.settings)) != AU_FAIL_NONE) {
		fail(p, f, "refused by the browser", op, out);
		return AU_OK;
	}
	if (create && au_os_before_create(&p->os)) {
		fail(p, AU_FAIL_CANCELLED, "the OS did not create a passkey", op, out);
		return AU_OK;
	}
	e = create ? au_client_create(p->fido, options, origin, &res)
	           : au_client_get(p->fido, options, origin, &res);
	if (e != AU_OK) {
		au_client_result_reset(&res);
		return e;
	}
	if (res.failure != AU_FAIL_NONE) {
		fail(p, res.failure, res.detail, op, out);
	} else {
		out->response = res.response;
		res.response = NULL;
		p->changed = true;
		au_eventlog_write(&p->log, "browser", create ? "credential-created" : "assertion",
		                  origin);
	}
	au_client_result_reset(&res);
	return AU_OK;
}

void au_phone_ceremony_reset(au_phone_ceremony *c)
{
	json_decref(c->response);
	memset(c, 0, sizeof(*c));
}
