#include "authenticator/phone/persona.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const os_names[] = {
        [AU_PERSONA_OS_IOS] = "ios",
        [AU_PERSONA_OS_ANDROID] = "android",
        [AU_PERSONA_OS_WINDOWS] = "windows",
        [AU_PERSONA_OS_LINUX] = "linux",
        NULL,
};

static const char *const engine_names[] = {
        [AU_PERSONA_ENGINE_CHROMIUM] = "chromium",
        [AU_PERSONA_ENGINE_WEBKIT] = "webkit",
        [AU_PERSONA_ENGINE_NONE] = "none",
        NULL,
};

/* Every member a persona file may have; anything else is a typo to report. */
static const char *const root_keys[] = {
        "name",   "description", "os",     "browser", "webauthn", "web_browser_entitlement",
        "device", "behaviour",   "errors", NULL};
static const char *const os_keys[] = {"family", "version", NULL};
static const char *const browser_keys[] = {"name", "engine", "version", NULL};
static const char *const behaviour_keys[] = {"icloud_keychain_off", "autofill_passkeys_off",
                                             "lock_removal_deletes_credentials", NULL};
static const char *const error_keys[] = {"name", "message", "source", "note", NULL};

const char *au_persona_os_name(au_persona_os f)
{
	return (unsigned)f <= AU_PERSONA_OS_LINUX ? os_names[f] : "?";
}

const char *au_persona_engine_name(au_persona_engine e)
{
	return (unsigned)e <= AU_PERSONA_ENGINE_NONE ? engine_names[e] : "?";
}

/* Records why loading failed and hands the code back, so callers can `return bad(...)`. */
static au_err bad(au_persona *p, au_err err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
	return err;
}

bool au_persona_name_valid(const char *name)
{
	size_t n;

	if (name == NULL || (n = strlen(name)) == 0 || n >= AU_PERSONA_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '-'))
			return false;
	return true;
}

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* An object holding only allowed members. */
static au_err check_object(au_persona *p, const json_t *obj, const char *where,
                           const char *const *allowed)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return bad(p, AU_ERR_PERSONA_FORMAT, "%s must be an object", where);
	json_object_foreach((json_t *)obj, key, v)
	{
		if (!in_list(allowed, key))
			return bad(p, AU_ERR_PERSONA_FORMAT, "%s: unknown member \"%.60s\"", where,
			           key);
	}
	return AU_OK;
}

/* A required non-empty string member. */
static au_err member_string(au_persona *p, const json_t *obj, const char *where, const char *key,
                            const char **out)
{
	const json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return bad(p, AU_ERR_PERSONA_FORMAT, "%s.%s is missing", where, key);
	if (!json_is_string(v) || json_string_length(v) == 0)
		return bad(p, AU_ERR_PERSONA_FORMAT, "%s.%s must be a non-empty string", where,
		           key);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return bad(p, AU_ERR_PERSONA_FORMAT, "%s.%s contains a NUL character", where, key);
	*out = json_string_value(v);
	return AU_OK;
}

static au_err member_copy(au_persona *p, const json_t *obj, const char *where, const char *key,
                          char *buf, size_t size)
{
	const char *s;
	au_err err;

	if ((err = member_string(p, obj, where, key, &s)) != AU_OK)
		return err;
	if (strlen(s) >= size)
		return bad(p, AU_ERR_PERSONA_FORMAT, "%s.%s is longer than %zu characters", where,
		           key, size - 1);
	memcpy(buf, s, strlen(s) + 1);
	return AU_OK;
}

static au_err member_dup(au_persona *p, const json_t *obj, const char *where, const char *key,
                         char **out)
{
	const char *s;
	au_err err;

	if ((err = member_string(p, obj, where, key, &s)) != AU_OK)
		return err;
	if ((*out = strdup(s)) == NULL)
		return bad(p, AU_ERR_NOMEM, "out of memory");
	return AU_OK;
}

static au_err member_enum(au_persona *p, const json_t *obj, const char *where, const char *key,
                          const char *const *names, int *out)
{
	const char *s;
	au_err err;

	if ((err = member_string(p, obj, where, key, &s)) != AU_OK)
		return err;
	for (int i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0) {
			*out = i;
			return AU_OK;
		}
	return bad(p, AU_ERR_PERSONA_FORMAT, "%s.%s: \"%.40s\" is not one of the allowed values",
	           where, key, s);
}

static au_err member_bool(au_persona *p, const json_t *obj, const char *where, const char *key,
                          bool *out)
{
	const json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return bad(p, AU_ERR_PERSONA_FORMAT, "%s.%s is missing", where, key);
	if (!json_is_boolean(v))
		return bad(p, AU_ERR_PERSONA_FORMAT, "%s.%s must be true or false", where, key);
	*out = json_is_true(v);
	return AU_OK;
}

/* A failure class name or null (AU_FAIL_NONE); present either way. */
static au_err member_failure(au_persona *p, const json_t *obj, const char *where, const char *key,
                             au_failure *out)
{
	const json_t *v = json_object_get(obj, key);
	au_failure f;

	if (v == NULL)
		return bad(p, AU_ERR_PERSONA_FORMAT, "%s.%s is missing (use null for no effect)",
		           where, key);
	if (json_is_null(v)) {
		*out = AU_FAIL_NONE;
		return AU_OK;
	}
	if (!json_is_string(v))
		return bad(p, AU_ERR_PERSONA_FORMAT, "%s.%s must be a failure class name or null",
		           where, key);
	f = au_failure_from_name(json_string_value(v));
	if (f == AU_FAIL__COUNT || f == AU_FAIL_NONE)
		return bad(p, AU_ERR_PERSONA_FORMAT, "%s.%s: unknown failure class \"%.40s\"",
		           where, key, json_string_value(v));
	*out = f;
	return AU_OK;
}

/* DOMException and JS error names are ASCII letters ("NotAllowedError", "TypeError"). */
static bool exception_name_valid(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
			return false;
	return true;
}

/* "{op}" is the only placeholder; any other brace is a typo that would reach a page. */
static bool placeholders_valid(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '{' && strncmp(s, "{op}", 4) != 0)
			return false;
		if (*s == '{')
			s += 3;
		else if (*s == '}')
			return false;
	}
	return true;
}

static au_err load_exception(au_persona *p, const json_t *v, au_failure f)
{
	au_persona_exception *e = &p->errors[f];
	char where[64];
	const char *s;
	au_err err;

	snprintf(where, sizeof(where), "errors.%s", au_failure_name(f));
	if ((err = check_object(p, v, where, error_keys)) != AU_OK)
		return err;
	if ((err = member_dup(p, v, where, "name", &e->name)) != AU_OK ||
	    (err = member_dup(p, v, where, "message", &e->message)) != AU_OK ||
	    (err = member_dup(p, v, where, "source", &e->source)) != AU_OK)
		return err;
	if (json_object_get(v, "note") != NULL &&
	    (err = member_string(p, v, where, "note", &s)) != AU_OK)
		return err;
	if (!exception_name_valid(e->name))
		return bad(p, AU_ERR_PERSONA_FORMAT, "%s.name \"%.40s\" is not an exception name",
		           where, e->name);
	if (!placeholders_valid(e->message))
		return bad(p, AU_ERR_PERSONA_FORMAT,
		           "%s.message: the only placeholder is {op}; other braces are not allowed",
		           where);
	return AU_OK;
}

static au_err load_errors(au_persona *p, const json_t *errors)
{
	const char *key;
	json_t *v;
	au_err err;

	if (errors == NULL)
		return bad(p, AU_ERR_PERSONA_FORMAT, "errors is missing");
	if (!json_is_object(errors))
		return bad(p, AU_ERR_PERSONA_FORMAT, "errors must be an object");
	json_object_foreach((json_t *)errors, key, v)
	{
		au_failure f = au_failure_from_name(key);
		if (f == AU_FAIL__COUNT || f == AU_FAIL_NONE)
			return bad(p, AU_ERR_PERSONA_FORMAT,
			           "errors: \"%.40s\" is not a failure class (see au_failure)",
			           key);
		if ((err = load_exception(p, v, f)) != AU_OK)
			return err;
	}
	for (int f = AU_FAIL_NONE + 1; f < AU_FAIL__COUNT; f++)
		if (p->errors[f].name == NULL)
			return bad(p, AU_ERR_PERSONA_FORMAT,
			           "errors: no entry for failure class \"%s\"",
			           au_failure_name((au_failure)f));
	return AU_OK;
}

/* Each default must be a setting `device set` accepts: checked on a scratch device. */
static au_err load_device(au_persona *p, const json_t *device)
{
	const char *key, *why;
	au_device *scratch;
	json_t *v;
	au_err err = AU_OK;

	if (device == NULL)
		return bad(p, AU_ERR_PERSONA_FORMAT, "device is missing (use {} for none)");
	if (!json_is_object(device))
		return bad(p, AU_ERR_PERSONA_FORMAT, "device must be an object of KEY: \"VALUE\"");
	if (json_object_size(device) > AU_PERSONA_MAX_DEVICE)
		return bad(p, AU_ERR_PERSONA_FORMAT, "device has more than %d settings",
		           AU_PERSONA_MAX_DEVICE);
	if ((scratch = malloc(sizeof(*scratch))) == NULL)
		return bad(p, AU_ERR_NOMEM, "out of memory");
	if (au_device_init(scratch, p->name) != AU_OK) {
		free(scratch);
		return bad(p, AU_ERR_INTERNAL, "cannot initialise a device");
	}
	json_object_foreach((json_t *)device, key, v)
	{
		au_persona_setting *s = &p->device[p->n_device];
		if (strcmp(key, "persona") == 0) {
			err = bad(p, AU_ERR_PERSONA_FORMAT,
			          "device.persona is the persona's own name");
			break;
		}
		if (!json_is_string(v)) {
			err = bad(p, AU_ERR_PERSONA_FORMAT,
			          "device.%.40s must be a string, as `device set %.40s=VALUE` "
			          "takes it",
			          key, key);
			break;
		}
		if (au_device_set(scratch, key, json_string_value(v), &why) != AU_OK) {
			err = bad(p, AU_ERR_PERSONA_FORMAT, "device.%.40s=\"%.40s\": %s", key,
			          json_string_value(v),
			          strcmp(why, key) == 0 ? "unknown device setting" : why);
			break;
		}
		if ((s->key = strdup(key)) == NULL ||
		    (s->value = strdup(json_string_value(v))) == NULL) {
			free(s->key);
			s->key = NULL;
			err = bad(p, AU_ERR_NOMEM, "out of memory");
			break;
		}
		p->n_device++;
	}
	au_device_free(scratch);
	free(scratch);
	return err;
}

static au_err load_behaviour(au_persona *p, const json_t *b)
{
	au_err err;

	if (b == NULL)
		return bad(p, AU_ERR_PERSONA_FORMAT, "behaviour is missing");
	if ((err = check_object(p, b, "behaviour", behaviour_keys)) != AU_OK ||
	    (err = member_failure(p, b, "behaviour", "icloud_keychain_off",
	                          &p->icloud_keychain_off)) != AU_OK ||
	    (err = member_failure(p, b, "behaviour", "autofill_passkeys_off",
	                          &p->autofill_passkeys_off)) != AU_OK ||
	    (err = member_bool(p, b, "behaviour", "lock_removal_deletes_credentials",
	                       &p->lock_removal_deletes_credentials)) != AU_OK)
		return err;
	/* Both are iPhone settings: on another OS a value would silently do nothing. */
	if (p->os_family != AU_PERSONA_OS_IOS &&
	    (p->icloud_keychain_off != AU_FAIL_NONE || p->autofill_passkeys_off != AU_FAIL_NONE))
		return bad(p, AU_ERR_PERSONA_FORMAT,
		           "behaviour.icloud_keychain_off and autofill_passkeys_off must be null "
		           "off iOS");
	return AU_OK;
}

static au_err load_root(au_persona *p, const json_t *root, const char *name)
{
	const json_t *os = json_object_get(root, "os"), *br = json_object_get(root, "browser");
	const json_t *ent = json_object_get(root, "web_browser_entitlement");
	const char *s;
	int family = 0, engine = 0;
	au_err err;

	if ((err = check_object(p, root, "the persona", root_keys)) != AU_OK)
		return err;
	if ((err = member_string(p, root, "persona", "name", &s)) != AU_OK)
		return err;
	/* The file name is the persona's identity: a copied file must be renamed inside too. */
	if (strcmp(s, name) != 0)
		return bad(p, AU_ERR_PERSONA_FORMAT, "name \"%.60s\" differs from the file name %s",
		           s, name);
	memcpy(p->name, name, strlen(name) + 1);
	if (json_object_get(root, "description") != NULL &&
	    (err = member_string(p, root, "persona", "description", &s)) != AU_OK)
		return err;
	if (os == NULL)
		return bad(p, AU_ERR_PERSONA_FORMAT, "os is missing");
	if ((err = check_object(p, os, "os", os_keys)) != AU_OK ||
	    (err = member_enum(p, os, "os", "family", os_names, &family)) != AU_OK ||
	    (err = member_copy(p, os, "os", "version", p->os_version, sizeof(p->os_version))) !=
	            AU_OK)
		return err;
	p->os_family = (au_persona_os)family;
	if (br == NULL)
		return bad(p, AU_ERR_PERSONA_FORMAT, "browser is missing");
	if ((err = check_object(p, br, "browser", browser_keys)) != AU_OK ||
	    (err = member_copy(p, br, "browser", "name", p->browser_name,
	                       sizeof(p->browser_name))) != AU_OK ||
	    (err = member_enum(p, br, "browser", "engine", engine_names, &engine)) != AU_OK ||
	    (err = member_copy(p, br, "browser", "version", p->browser_version,
	                       sizeof(p->browser_version))) != AU_OK)
		return err;
	p->engine = (au_persona_engine)engine;
	if ((err = member_bool(p, root, "persona", "webauthn", &p->webauthn)) != AU_OK)
		return err;
	if (ent == NULL)
		return bad(
		        p, AU_ERR_PERSONA_FORMAT,
		        "web_browser_entitlement is missing (true/false on iOS, false or null on "
		        "Android, null elsewhere)");
	/* iOS: Apple's web-browser entitlement; Android: false when Play Services' privileged
	 * FIDO2 API does not serve the browser (its calls fail). */
	if (p->os_family == AU_PERSONA_OS_IOS       ? !json_is_boolean(ent)
	    : p->os_family == AU_PERSONA_OS_ANDROID ? !json_is_null(ent) && !json_is_false(ent)
	                                            : !json_is_null(ent))
		return bad(p, AU_ERR_PERSONA_FORMAT,
		           "web_browser_entitlement must be true or false on iOS, false or null on "
		           "Android and null elsewhere");
	p->web_browser_entitlement = json_is_null(ent) || json_is_true(ent);
	if ((err = load_device(p, json_object_get(root, "device"))) != AU_OK ||
	    (err = load_behaviour(p, json_object_get(root, "behaviour"))) != AU_OK)
		return err;
	return load_errors(p, json_object_get(root, "errors"));
}

void au_persona_free(au_persona *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < AU_PERSONA_MAX_DEVICE; i++) {
		free(p->device[i].key);
		free(p->device[i].value);
	}
	for (int f = 0; f < AU_FAIL__COUNT; f++) {
		free(p->errors[f].name);
		free(p->errors[f].message);
		free(p->errors[f].source);
	}
	memset(p, 0, sizeof(*p));
}

/* A copy of s (owned by the caller); false out of memory. */
static bool dup_into(char **dst, const char *s)
{
	*dst = s != NULL ? strdup(s) : NULL;
	return s == NULL || *dst != NULL;
}

au_err au_persona_copy(const au_persona *src, au_persona *out)
{
	bool ok = true;

	*out = *src;
	for (size_t i = 0; i < AU_PERSONA_MAX_DEVICE; i++) {
		ok &= dup_into(&out->device[i].key, src->device[i].key);
		ok &= dup_into(&out->device[i].value, src->device[i].value);
	}
	for (int f = 0; f < AU_FAIL__COUNT; f++) {
		ok &= dup_into(&out->errors[f].name, src->errors[f].name);
		ok &= dup_into(&out->errors[f].message, src->errors[f].message);
		ok &= dup_into(&out->errors[f].source, src->errors[f].source);
	}
	if (!ok) {
		au_persona_free(out);
		return AU_ERR_NOMEM;
	}
	return AU_OK;
}

au_err au_persona_load(const char *dir, const char *name, au_persona *out)
{
	char path[PATH_MAX], why[sizeof(out->why)];
	json_error_t jerr;
	struct stat st;
	json_t *root;
	au_err err;

	memset(out, 0, sizeof(*out));
	if (!au_persona_name_valid(name))
		return bad(out, AU_ERR_PERSONA_UNKNOWN,
		           "\"%.60s\" is not a persona name (1-63 characters of a-z, 0-9 and -)",
		           name != NULL ? name : "(null)");
	if (dir == NULL || *dir == '\0')
		return bad(out, AU_ERR_IO, "no persona directory given");
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.json", dir, name) >= sizeof(path))
		return bad(out, AU_ERR_IO, "persona directory path is too long");
	if (stat(path, &st) != 0)
		return errno == ENOENT || errno == ENOTDIR
		               ? bad(out, AU_ERR_PERSONA_UNKNOWN, "no persona \"%s\" (%.180s)",
		                     name, path)
		               : bad(out, AU_ERR_IO, "%.180s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return bad(out, AU_ERR_PERSONA_FORMAT, "%.180s is not a regular file", path);
	if ((root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return access(path, R_OK) != 0
		               ? bad(out, AU_ERR_IO, "%.180s: %s", path, strerror(errno))
		               : bad(out, AU_ERR_PERSONA_FORMAT,
		                     "%s.json is not valid JSON: line %d: %.120s", name, jerr.line,
		                     jerr.text);
	err = load_root(out, root, name);
	json_decref(root);
	if (err != AU_OK) {
		/* Release what was read, keep the reason. */
		memcpy(why, out->why, sizeof(why));
		au_persona_free(out);
		memcpy(out->why, why, sizeof(why));
	}
	return err;
}

/* Appends s to buf at *len; false when it does not fit with its NUL. */
static bool append(char *buf, size_t size, size_t *len, const char *s, size_t n)
{
	if (n >= size - *len)
		return false;
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = '\0';
	return true;
}

au_err au_persona_error(const au_persona *p, au_failure f, const char *op, char *name,
                        size_t name_size, char *message, size_t message_size)
{
	const au_persona_exception *e;
	size_t len = 0;

	if (name == NULL || message == NULL || name_size == 0 || message_size == 0)
		return AU_ERR_PERSONA_ARG;
	name[0] = message[0] = '\0';
	if (p == NULL || (unsigned)f == AU_FAIL_NONE || (unsigned)f >= AU_FAIL__COUNT ||
	    op == NULL || (strcmp(op, "create") != 0 && strcmp(op, "get") != 0))
		return AU_ERR_PERSONA_ARG;
	e = &p->errors[f];
	if (e->name == NULL || e->message == NULL || strlen(e->name) >= name_size)
		return AU_ERR_PERSONA_ARG;
	for (const char *s = e->message; *s != '\0';) {
		const char *brace = strstr(s, "{op}");
		size_t n = brace != NULL ? (size_t)(brace - s) : strlen(s);
		if (!append(message, message_size, &len, s, n) ||
		    (brace != NULL && !append(message, message_size, &len, op, strlen(op)))) {
			message[0] = '\0';
			return AU_ERR_PERSONA_ARG;
		}
		s = brace != NULL ? brace + 4 : s + n;
	}
	memcpy(name, e->name, strlen(e->name) + 1);
	return AU_OK;
}

const char *au_persona_source(const au_persona *p, au_failure f)
{
	if (p == NULL || (unsigned)f >= AU_FAIL__COUNT || p->errors[f].source == NULL)
		return "";
	return p->errors[f].source;
}

au_err au_persona_apply_device(const au_persona *p, au_device *dev, const char **why)
{
	au_err err;

	*why = NULL;
	for (size_t i = 0; i < p->n_device; i++) {
		if ((err = au_device_set(dev, p->device[i].key, p->device[i].value, why)) !=
		    AU_OK) {
			*why = p->device[i].key;
			return err;
		}
	}
	return AU_OK;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

au_err au_persona_list(const char *dir, au_persona_cb cb, void *arg)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	au_err err = AU_OK;
	DIR *d;

	if (dir == NULL || cb == NULL || (d = opendir(dir)) == NULL)
		return AU_ERR_IO;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char *stem;
		if (len <= 5 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		if ((stem = strndup(de->d_name, len - 5)) == NULL) {
			err = AU_ERR_NOMEM;
			break;
		}
		if (!au_persona_name_valid(stem)) {
			free(stem);
			continue;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **grown = realloc(names, ncap * sizeof(*names));
			if (grown == NULL) {
				free(stem);
				err = AU_ERR_NOMEM;
				break;
			}
			names = grown;
			cap = ncap;
		}
		names[n++] = stem;
	}
	closedir(d);
	if (err == AU_OK && n > 0) {
		qsort(names, n, sizeof(*names), compare_names);
		for (size_t i = 0; i < n; i++)
			if (!cb(names[i], arg))
				break;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return err;
}
