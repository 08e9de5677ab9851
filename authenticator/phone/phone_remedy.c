/* What the user changes on the phone: its settings, its passkeys, the manual's remedies. */
#include "authenticator/phone/phone.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authenticator/phone/phone_impl.h"
#include "webauthn/arraylen.h"

size_t au_phone_delete_passkeys(au_phone *p, const char *rp_id, const char *user_name)
{
	size_t gone = 0;

	for (size_t i = p->dev.n_credentials; i-- > 0;) {
		const au_credential *c = &p->dev.credentials[i];
		if (strcmp(c->rp_id, rp_id) != 0 ||
		    (user_name != NULL && strcmp(c->user_name, user_name) != 0))
			continue;
		au_device_remove_credential(&p->dev, i);
		gone++;
	}
	if (gone > 0) {
		p->changed = true;
		au_eventlog_write(&p->log, "os", "passkeys-deleted", rp_id);
	}
	return gone;
}

typedef struct remedy {
	const char *name;
	const char *manual;         /* where the manual describes it */
	const char *settings[3][2]; /* KEY=VALUE applied, "" value = the ARG */
} remedy;

static const remedy remedies[] = {
        {"clear-site-data", "4.1", {{NULL, NULL}}},
        {"report-versions", "4.4", {{NULL, NULL}}},
        {"enable-icloud-keychain",
         "4.5",
         {{"icloud_keychain", "true"},
          {"autofill_passkeys", "true"},
          {"autofill_from_icloud", "true"}}},
        {"enrol-biometrics",
         "2.13/2.14",
         {{"biometrics_enrolled", "true"}, {"biometric_failures", "0"}}},
        {"set-screen-lock", "2.9/2.12", {{"screen_lock", ""}}},
        {"set-default-browser", "4.3", {{"default_browser", ""}}},
        {"allow-cookies", "2.15", {{"cookies", "true"}}},
        {"enable-javascript", "2.16", {{"javascript", "true"}}},
        {"unfilter-platform-hosts",
         "2.16",
         {{"content_blocker", "false"}, {"carrier_filter", "false"}}},
        {"restart-browser", "2.20", {{NULL, NULL}}},
        {"update", "2.2/2.3 (OS update)", {{NULL, NULL}}},
};

void au_phone_remedies(void (*fn)(const char *name, const char *manual, void *arg), void *arg)
{
	for (size_t i = 0; i < KAGURA_LEN(remedies); i++)
		fn(remedies[i].name, remedies[i].manual, arg);
}

/* The browser is closed (its site data written) and forgets its history and the form it posted. */
static void quit_browser(au_phone *p)
{
	au_phone_close_browser(p);
	au_phone_history_forget(p);
}

/* 4.1: the browser's site data is its cookie jar, kept beside the device file; its
 * history goes with it. */
static au_err clear_site_data(au_phone *p)
{
	char jar[sizeof(p->device_path) + 96];

	quit_browser(p); /* writes the jar: removed below */
	au_phone_jar_path(p, jar, sizeof(jar));
	return remove(jar) == 0 || errno == ENOENT ? AU_OK : AU_ERR_IO;
}

/*
 * The browser is closed and opened again: cookies without an expiry (session
 * cookies, the platform's own) do not survive it. The jar is Netscape's format,
 * one cookie a line, the fifth field its expiry (0: the session's).
 */
static au_err restart_browser(au_phone *p)
{
	char jar[sizeof(p->device_path) + 96], tmp[sizeof(jar) + 8], line[8192];
	FILE *in, *out;
	bool ok = true;

	quit_browser(p);
	au_phone_jar_path(p, jar, sizeof(jar));
	if ((in = fopen(jar, "r")) == NULL)
		return errno == ENOENT ? AU_OK : AU_ERR_IO;
	snprintf(tmp, sizeof(tmp), "%s.tmp", jar);
	if ((out = fopen(tmp, "w")) == NULL) {
		fclose(in);
		return AU_ERR_IO;
	}
	while (fgets(line, sizeof(line), in) != NULL) {
		const char *f = line;
		bool session;
		/* "#HttpOnly_" lines are cookies; other '#' lines and empty ones are kept. */
		if ((line[0] == '#' && strncmp(line, "#HttpOnly_", 10) != 0) || line[0] == '\n') {
			ok = ok && fputs(line, out) >= 0;
			continue;
		}
		for (int i = 0; i < 4 && f != NULL; i++)
			if ((f = strchr(f, '\t')) != NULL)
				f++;
		session = f != NULL && f[0] == '0' && f[1] == '\t';
		if (!session)
			ok = ok && fputs(line, out) >= 0;
	}
	fclose(in);
	ok = fclose(out) == 0 && ok;
	if (!ok || rename(tmp, jar) != 0) {
		remove(tmp);
		return AU_ERR_IO;
	}
	return AU_OK;
}

/* The keys of a persona's device defaults that are its FIDO2 stack's, not the user's. */
static bool capability_key(const char *key)
{
	static const char *const keys[] = {"protocol",        "aaguid",        "algorithms",
	                                   "attestation",     "resident_keys", "counter",
	                                   "backup_eligible", "backup_state",  "key_store_size"};

	for (size_t i = 0; i < KAGURA_LEN(keys); i++)
		if (strcmp(keys[i], key) == 0)
			return true;
	return false;
}

static au_err apply_capabilities(au_phone *p, const au_persona *from, const char **why)
{
	for (size_t i = 0; i < from->n_device; i++) {
		au_err e;
		if (!capability_key(from->device[i].key))
			continue;
		if ((e = au_device_set(&p->dev, from->device[i].key, from->device[i].value, why)) !=
		    AU_OK)
			return e;
	}
	return AU_OK;
}

/* The default browser becomes name: its persona, its FIDO2 capabilities, its own site data. */
static au_err switch_browser(au_phone *p, const char *name, const char **why)
{
	au_settings before = p->dev.settings;
	au_err e;

	if ((e = au_phone_load_browser(p, name, why)) != AU_OK)
		return e;
	if ((e = au_device_set(&p->dev, "default_browser", name, why)) != AU_OK ||
	    (e = apply_capabilities(p, &p->browser, why)) != AU_OK) {
		const char *ignored;
		p->dev.settings = before;
		au_phone_load_browser(p, au_phone_browser_name(p), &ignored);
		return e;
	}
	quit_browser(p);
	p->changed = true;
	return AU_OK;
}

/* The OS updated to persona name's (same family, not older): the phone's OS and its prompts,
 * its built-in browser when that is the default, its platform authenticator's capabilities. */
static au_err update_os(au_phone *p, const char *name, const char **why)
{
	au_persona next;
	char old[AU_PERSONA_NAME_MAX];
	bool builtin_default = strcmp(au_phone_browser_name(p), p->dev.settings.persona) == 0;
	au_err e;

	if (name == NULL) {
		*why = "this remedy needs the persona the OS is updated to";
		return AU_ERR_SETTING_VALUE;
	}
	if ((e = au_persona_get(p->personas, p->persona_dir, name, &next)) != AU_OK) {
		*why = "no such persona";
		return AU_ERR_SETTING_VALUE;
	}
	if (next.os_family != p->persona.os_family ||
	    atof(next.os_version) < atof(p->persona.os_version)) {
		au_persona_free(&next);
		*why = "an update stays on the phone's OS family and never goes back";
		return AU_ERR_SETTING_VALUE;
	}
	snprintf(old, sizeof(old), "%s", p->dev.settings.persona);
	au_persona_free(&p->persona);
	p->persona = next;
	if ((e = au_device_set(&p->dev, "persona", name, why)) != AU_OK ||
	    (e = apply_capabilities(p, &p->persona, why)) != AU_OK)
		return e;
	au_os_free(&p->os);
	if ((e = au_os_init(&p->os, p->prompts_file, au_phone_os_family(&p->persona),
	                    atoi(p->persona.os_version), &p->log)) != AU_OK)
		return e;
	p->os.autofill_setting = p->persona.autofill_passkeys_off != AU_FAIL_NONE;
	p->changed = true;
	/* The built-in browser is updated with the OS; another default browser stays. */
	if (builtin_default || strcmp(p->dev.settings.default_browser, old) == 0)
		return switch_browser(p, name, why);
	return AU_OK;
}

au_err au_phone_remedy(au_phone *p, const char *action, const char *arg, const char **why)
{
	*why = NULL;
	if (strcmp(action, "clear-site-data") == 0)
		return clear_site_data(p);
	if (strcmp(action, "report-versions") == 0)
		return AU_OK;
	if (strcmp(action, "restart-browser") == 0)
		return restart_browser(p);
	if (strcmp(action, "update") == 0)
		return update_os(p, arg, why);
	for (size_t i = 0; i < KAGURA_LEN(remedies); i++) {
		if (strcmp(remedies[i].name, action) != 0)
			continue;
		for (size_t k = 0; k < 3 && remedies[i].settings[k][0] != NULL; k++) {
			const char *value = remedies[i].settings[k][1];
			au_err e;
			if (value[0] == '\0') {
				/* The default screen lock is the OS's own secret: a passcode on
				 * iOS, a PIN elsewhere. */
				if (arg == NULL &&
				    strcmp(remedies[i].settings[k][0], "screen_lock") == 0)
					arg = p->persona.os_family == AU_PERSONA_OS_IOS ? "passcode"
					                                                : "pin";
				if (arg == NULL) {
					*why = "this remedy needs an argument";
					return AU_ERR_SETTING_VALUE;
				}
				value = arg;
			}
			if ((e = au_phone_set(p, remedies[i].settings[k][0], value, why)) != AU_OK)
				return e;
		}
		return AU_OK;
	}
	*why = "unknown remedy";
	return AU_ERR_SETTING_UNKNOWN;
}

au_err au_phone_set(au_phone *p, const char *key, const char *value, const char **why)
{
	au_err e;

	*why = NULL;
	if (strcmp(key, "persona") == 0) {
		*why = "a phone is one persona: the remedy \"update\" changes its OS";
		return AU_ERR_SETTING_VALUE;
	}
	if (strcmp(key, "default_browser") == 0)
		return switch_browser(p, value, why);
	e = au_os_set(p->persona.lock_removal_deletes_credentials, &p->dev, key, value, why, NULL);
	if (e == AU_OK) {
		p->changed = true;
		/* Browser settings apply to the next request. */
		if (p->web != NULL) {
			au_web_set_cookies(p->web, p->dev.settings.cookies);
			au_web_set_source_address(p->web, p->dev.settings.source_address);
		}
	}
	return e;
}
