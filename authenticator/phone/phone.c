#include "authenticator/phone/phone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authenticator/device/device_lock.h"
#include "authenticator/device/fido_glue.h"
#include "authenticator/phone/phone_impl.h"

void au_phone_why(char *why, size_t size, const char *what, const char *detail)
{
	if (why != NULL && size > 0)
		snprintf(why, size, "%s: %s", what, detail);
}

au_os_family au_phone_os_family(const au_persona *p)
{
	return p->os_family == AU_PERSONA_OS_IOS       ? AU_OS_IOS
	       : p->os_family == AU_PERSONA_OS_ANDROID ? AU_OS_ANDROID
	                                               : AU_OS_DESKTOP;
}

/* The persona name of the settings' default browser: the phone's own when none is set. */
static const char *browser_of(const au_settings *s)
{
	return s->default_browser[0] ? s->default_browser : s->persona;
}

const char *au_phone_browser_name(const au_phone *p)
{
	return browser_of(&p->dev.settings);
}

/* Why browser cannot be the default browser of a phone of persona phone; NULL when it can. */
static const char *browser_misfit(const au_persona *phone, const au_persona *browser)
{
	return browser->os_family != phone->os_family
	               ? "a browser of another OS family than the phone's"
	               : NULL;
}

au_err au_phone_load_browser(au_phone *p, const char *name, const char **why)
{
	au_persona b;
	au_err e = au_persona_get(p->personas, p->persona_dir, name, &b);

	*why = NULL;
	if (e != AU_OK) {
		*why = "no such browser persona";
		return e == AU_ERR_PERSONA_UNKNOWN ? AU_ERR_SETTING_VALUE : e;
	}
	if ((*why = browser_misfit(&p->persona, &b)) != NULL) {
		au_persona_free(&b);
		return AU_ERR_SETTING_VALUE;
	}
	au_persona_free(&p->browser);
	p->browser = b;
	return AU_OK;
}

au_err au_phone_check_personas(const au_phone_env *env, const au_settings *s, const char **key,
                               const char **value, char *why, size_t why_size)
{
	au_persona phone, browser;
	const char *misfit;
	au_err e;

	*key = "persona";
	*value = s->persona;
	if ((e = au_persona_get(env->personas, env->persona_dir, s->persona, &phone)) != AU_OK) {
		snprintf(why, why_size, "%s", phone.why[0] ? phone.why : au_strerr(e));
		return e;
	}
	*key = "default_browser";
	*value = browser_of(s);
	if ((e = au_persona_get(env->personas, env->persona_dir, *value, &browser)) != AU_OK) {
		snprintf(why, why_size, "%s", browser.why[0] ? browser.why : au_strerr(e));
		au_persona_free(&phone);
		return e;
	}
	misfit = browser_misfit(&phone, &browser);
	if (misfit != NULL)
		snprintf(why, why_size, "%s (%s)", misfit, s->persona);
	au_persona_free(&browser);
	au_persona_free(&phone);
	return misfit != NULL ? AU_ERR_SETTING_VALUE : AU_OK;
}

/* The phone's paths; false (why filled) when one is too long. */
static bool set_paths(au_phone *p, const au_phone_env *env, const char *device_path, char *why,
                      size_t why_size)
{
	if (strlen(device_path) >= sizeof(p->device_path) ||
	    strlen(env->persona_dir) >= sizeof(p->persona_dir) ||
	    strlen(env->prompts_file) >= sizeof(p->prompts_file)) {
		au_phone_why(why, why_size, "device file", "path too long");
		return false;
	}
	strcpy(p->device_path, device_path);
	strcpy(p->persona_dir, env->persona_dir);
	strcpy(p->prompts_file, env->prompts_file);
	p->personas = env->personas;
	return true;
}

/* Everything around p->dev once it holds the device: personas, event log, OS, libfido2. */
static au_err start(au_phone *p, const au_phone_env *env, const char *event_log, char *why,
                    size_t why_size)
{
	const char *bad;
	au_err e;

	if ((e = au_persona_get(env->personas, env->persona_dir, p->dev.settings.persona,
	                        &p->persona)) != AU_OK) {
		au_phone_why(why, why_size, p->dev.settings.persona,
		             p->persona.why[0] ? p->persona.why : au_strerr(e));
		return e;
	}
	if ((e = au_phone_load_browser(p, au_phone_browser_name(p), &bad)) != AU_OK) {
		au_phone_why(why, why_size, au_phone_browser_name(p), bad);
		return e;
	}
	/* Events appended to the device file (or its lock, or a temporary a save renames over it)
	 * would leave it no device file. */
	if (event_log != NULL && au_device_file_kin(p->device_path, event_log)) {
		char what[sizeof(p->device_path) + 16];
		snprintf(what, sizeof(what), "event log %s", event_log);
		au_phone_why(why, why_size, what, au_strerr(AU_ERR_EVENT_LOG));
		return AU_ERR_EVENT_LOG;
	}
	if (event_log != NULL && (p->log_file = fopen(event_log, "a")) == NULL) {
		au_phone_why(why, why_size, event_log, "event log cannot be opened");
		return AU_ERR_IO;
	}
	p->log = (au_eventlog){.out = p->log_file, .clock = env->clock};
	if ((e = au_os_init(&p->os, env->prompts_file, au_phone_os_family(&p->persona),
	                    atoi(p->persona.os_version), &p->log)) != AU_OK) {
		au_phone_why(why, why_size, env->prompts_file, au_strerr(e));
		return e;
	}
	/* The persona file, not the OS version, says whether AutoFill can block passkeys. */
	p->os.autofill_setting = p->persona.autofill_passkeys_off != AU_FAIL_NONE;
	au_ctap_init(&p->ctap, &p->dev, env->clock, au_os_on_event, &p->os);
	if ((p->hid = au_hid_new(&p->ctap)) == NULL || au_fido_open(p->hid, &p->fido) != FIDO_OK) {
		au_phone_why(why, why_size, p->device_path,
		             "the simulated authenticator did not open");
		return AU_ERR_INTERNAL;
	}
	return AU_OK;
}

au_err au_phone_open(au_phone *p, const au_phone_env *env, const char *device_path,
                     const char *event_log, char *why, size_t why_size)
{
	au_err e;

	memset(p, 0, sizeof(*p));
	if (!set_paths(p, env, device_path, why, why_size))
		return AU_ERR_IO;
	if ((e = au_device_load(&p->dev, device_path)) != AU_OK) {
		au_phone_why(why, why_size, device_path, au_strerr(e));
		return e;
	}
	return start(p, env, event_log, why, why_size);
}

au_err au_phone_open_device(au_phone *p, const au_phone_env *env, const char *device_path,
                            au_device *dev, const char *event_log, char *why, size_t why_size)
{
	memset(p, 0, sizeof(*p));
	if (!set_paths(p, env, device_path, why, why_size)) {
		au_device_free(dev);
		return AU_ERR_IO;
	}
	p->dev = *dev;
	memset(dev, 0, sizeof(*dev));
	return start(p, env, event_log, why, why_size);
}

void au_phone_close(au_phone *p)
{
	au_phone_history_forget(p);
	au_web_free(p->web);
	au_fido_close(&p->fido);
	au_hid_free(p->hid);
	au_os_free(&p->os);
	if (p->log_file != NULL)
		fclose(p->log_file);
	au_persona_free(&p->browser);
	au_persona_free(&p->persona);
	au_device_free(&p->dev);
	memset(p, 0, sizeof(*p));
}

au_err au_phone_save(au_phone *p)
{
	au_err e = AU_OK;

	if (p->changed && (e = au_device_save(&p->dev, p->device_path)) == AU_OK)
		p->changed = false;
	if (p->web != NULL && au_web_save(p->web) != AU_WEB_OK && e == AU_OK)
		e = AU_ERR_IO;
	return e;
}
