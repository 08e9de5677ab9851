#include "authenticator/phone/os.h"

#include <stdio.h>
#include <string.h>

au_os_family au_os_family_from_name(const char *name, bool *ok)
{
	*ok = true;
	if (strcmp(name, "ios") == 0)
		return AU_OS_IOS;
	if (strcmp(name, "android") == 0)
		return AU_OS_ANDROID;
	*ok = strcmp(name, "windows") == 0 || strcmp(name, "linux") == 0 ||
	      strcmp(name, "macos") == 0 || strcmp(name, "none") == 0;
	return AU_OS_DESKTOP;
}

static const char *family_key(au_os_family f)
{
	return f == AU_OS_IOS ? "ios" : f == AU_OS_ANDROID ? "android" : "desktop";
}

au_err au_os_init(au_os *os, const char *prompts_file, au_os_family family, int version,
                  au_eventlog *log)
{
	json_t *all;
	json_t *texts;

	memset(os, 0, sizeof(*os));
	os->family = family;
	os->version = version;
	os->log = log;
	os->autofill_setting = family == AU_OS_IOS && version >= 17;
	if ((all = json_load_file(prompts_file, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return AU_ERR_PERSONA_FORMAT;
	texts = json_object_get(all, family_key(family));
	if (!json_is_object(texts)) {
		json_decref(all);
		return AU_ERR_PERSONA_FORMAT;
	}
	os->texts = json_incref(texts);
	json_decref(all);
	return AU_OK;
}

void au_os_free(au_os *os)
{
	json_decref(os->texts);
	memset(os, 0, sizeof(*os));
}

void au_os_begin(au_os *os, const au_settings *s, const char *rp_id, bool get, bool allow_list)
{
	os->settings = s;
	snprintf(os->rp_id, sizeof(os->rp_id), "%s", rp_id ? rp_id : "");
	os->get = get;
	os->allow_list = allow_list;
	os->n_prompts = 0;
}

/* Shows prompt id (its text with {rp} filled in), logs it and keeps it in the list. */
static void show(au_os *os, const char *id)
{
	const char *text = json_string_value(json_object_get(os->texts, id));
	const char *hole;
	char buf[640];

	if (text == NULL || os->n_prompts == AU_OS_MAX_PROMPTS)
		return;
	if ((hole = strstr(text, "{rp}")) != NULL)
		snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(hole - text), text, os->rp_id,
		         hole + 4);
	else
		snprintf(buf, sizeof(buf), "%s", text);
	snprintf(os->prompt_ids[os->n_prompts], sizeof(os->prompt_ids[0]), "%.31s", id);
	snprintf(os->prompts[os->n_prompts++], sizeof(os->prompts[0]), "%.255s", buf);
	au_eventlog_write(os->log, "os", id, buf);
}

bool au_os_showed(const au_os *os, const char *id)
{
	for (size_t i = 0; i < os->n_prompts; i++)
		if (strcmp(os->prompt_ids[i], id) == 0)
			return true;
	return false;
}

bool au_os_before_create(au_os *os)
{
	const au_settings *s = os->settings;

	if (s == NULL)
		return false;
	/* iOS 17+: with AutoFill Passwords and Passkeys off, or every provider of "use passwords
	 * and passkeys from" off, the OS asks where to keep the passkey. */
	if (os->autofill_setting && (!s->autofill_passkeys ||
	                             (!s->autofill_from_icloud && !s->third_party_authenticator))) {
		show(os, "manage-passkeys");
		return true;
	}
	/* iCloud Keychain off (or not a provider) and another authenticator app installed: that
	 * app takes over and fails. */
	if (s->third_party_authenticator &&
	    (!s->icloud_keychain || (os->autofill_setting && !s->autofill_from_icloud))) {
		show(os, "authenticator-failed");
		return true;
	}
	return false;
}

void au_os_on_event(void *ctx, au_event_kind kind, const char *detail)
{
	au_os *os = ctx;
	const au_settings *s = os->settings;

	au_eventlog_write(os->log, "device", au_event_name(kind), detail);
	switch (kind) {
	case AU_EV_BIOMETRIC_ASKED:
		show(os, "biometric");
		break;
	case AU_EV_LOCK_FALLBACK:
		/* Biometrics missing or failed: the OS offers the device PIN / passcode. */
		show(os, os->family == AU_OS_IOS ? "continue-with-passcode" : "use-screen-lock");
		break;
	case AU_EV_NO_CREDENTIALS:
		if (os->family == AU_OS_ANDROID) {
			/* "No passkeys available"; its "use another device" shows the QR. */
			show(os, "no-passkeys");
			show(os, "hybrid-qr");
		} else if (os->family == AU_OS_IOS) {
			/* Passcode off: iOS cannot offer its own passkeys and asks how to sign in.
			 * Otherwise iOS 18 shows the QR for another device at once; earlier iOS
			 * asks how to sign in (a passkey from a nearby device, or a security key)
			 * and, the user choosing the security key, asks for one (2.12, then 2.11).
			 */
			if (s != NULL && !au_device_has_secure_lock(s)) {
				show(os, "choose-sign-in");
			} else if (os->version >= 18) {
				show(os, "hybrid-qr");
			} else {
				show(os, "choose-sign-in");
				show(os, "use-security-key");
			}
		}
		break;
	case AU_EV_UV_UNAVAILABLE:
		if (os->family == AU_OS_IOS)
			show(os, "choose-sign-in");
		break;
	default:
		break;
	}
}

void au_os_on_failure(au_os *os, au_failure failure)
{
	/* iPhone with the passcode off: no passkey can be made or used, iOS asks how to sign in. */
	if (os->family == AU_OS_IOS && failure == AU_FAIL_UV_UNAVAILABLE)
		show(os, "choose-sign-in");
}

au_err au_os_set(bool lock_removal_deletes, au_device *dev, const char *key, const char *value,
                 const char **why, au_eventlog *log)
{
	bool had_lock = au_device_has_secure_lock(&dev->settings);
	au_err err = au_device_set(dev, key, value, why);

	if (err != AU_OK)
		return err;
	if (lock_removal_deletes && strcmp(key, "screen_lock") == 0 && had_lock &&
	    !au_device_has_secure_lock(&dev->settings) && dev->n_credentials > 0) {
		char detail[64];
		snprintf(detail, sizeof(detail), "%zu passkey(s) deleted with the screen lock",
		         dev->n_credentials);
		au_device_clear_credentials(dev);
		au_eventlog_write(log, "os", "passkeys-deleted", detail);
	}
	return AU_OK;
}
