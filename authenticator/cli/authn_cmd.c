#include "authenticator/cli/authn_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "authenticator/cli/device_io_cmd.h"
#include "authenticator/cli/options_kind.h"
#include "authenticator/cli/usage_section.h"
#include "authenticator/device/attest.h"
#include "authenticator/device/device_lock.h"
#include "authenticator/device/fido_glue.h"
#include "authenticator/phone/keycloak_form.h"
#include "authenticator/phone/os.h"
#include "authenticator/phone/persona.h"
#include "authenticator/phone/phone.h"
#include "authenticator/web/keycloak_page.h"
#include "authenticator/web/page.h"
#include "authenticator/web/web.h"
#include "common/regular_file.h"
#include "webauthn/arraylen.h"
#include "webauthn/b64url.h"

static const char usage_text[] =
        "usage: kagura-authn device new --persona NAME [--attestation-ca DIR] [--force] FILE\n"
        "       kagura-authn device show FILE\n"
        "       kagura-authn device set FILE KEY=VALUE...\n"
        "       kagura-authn device settings\n"
        "       kagura-authn device export [--format cdp|playwright] [--rp-id ID] FILE\n"
        "       kagura-authn device import [--format cdp|playwright] --from JSON_FILE|-\n"
        "                                  [--replace] FILE   (CDP or Playwright JSON)\n"
        "       kagura-authn personas\n"
        "       kagura-authn remedy FILE ACTION [ARG]   (manual section 4; `remedy FILE list`)\n"
        "       kagura-authn create --device FILE --options OPTIONS.json --origin ORIGIN\n"
        "                           [--form] [--label TEXT] [--event-log FILE]\n"
        "                           (prints the RegistrationResponseJSON; --form: Keycloak's\n"
        "                           form fields)\n"
        "       kagura-authn login --device FILE --url URL --username NAME [--origin ORIGIN]\n"
        "                          [--event-log FILE]   (the platform's device-only FIDO login)\n"
        "       kagura-authn register --device FILE --url QR_URL [--label TEXT] [--username ID]\n"
        "                             [--origin ORIGIN] [--base URL] [--event-log FILE]\n"
        "                             (device registration from a registration QR's URL)\n"
        "       kagura-authn get --device FILE --options OPTIONS.json --origin ORIGIN\n"
        "                        [--form] [--event-log FILE]\n"
        "                        (prints the AuthenticationResponseJSON; --form: Keycloak's\n"
        "                        form fields)\n"
        "       kagura-authn options PAGE.html\n"
        "                        (prints the options a Keycloak WebAuthn page's script passes to\n"
        "                        get() or create() once its button is pressed)\n"
        "       kagura-authn [COMMAND...] --help | --version\n"
        "exit status: 0 success; 1 the browser raised an error (\"Name: message\" on stderr) or\n"
        "the platform answered with another page than success; 2 usage error or bad input.\n";

static int usage(const authn_env *env, const char *what, const char *arg)
{
	fprintf(env->err, "kagura-authn: %s%s%s\n%s", what, arg ? " " : "", arg ? arg : "",
	        usage_text);
	return 2;
}

static int fail_input(const authn_env *env, const char *what, const char *arg, const char *why)
{
	fprintf(env->err, "kagura-authn: %s %s: %s\n", what, arg, why);
	return 2;
}

/* Loads the persona a device names; 0 or exit code 2. */
static int load_persona(const authn_env *env, const char *name, au_persona *p)
{
	au_err e = au_persona_load(env->persona_dir, name, p);

	if (e != AU_OK)
		return fail_input(env, "persona", name, p->why[0] ? p->why : au_strerr(e));
	return 0;
}

/* getopt's ':' (a value missing) or anything else (an unknown option) as a usage error. */
static int bad_option(const authn_env *env, const char *command, int c, const char *option)
{
	char what[96];

	snprintf(what, sizeof(what), "%s: %s", command,
	         c == ':' ? "option needs a value:" : "unknown option");
	return usage(env, what, option);
}

/* Every option of the commands, each command taking some of them (by their letters). */
typedef struct cmd_args {
	const char *device, *options, *origin, *label, *event_log, *url, *username, *base;
	const char *persona, *ca_dir;
	bool form, force;
} cmd_args;

static const struct option all_options[] = {
        {"device", required_argument, NULL, 'd'},
        {"options", required_argument, NULL, 'o'},
        {"origin", required_argument, NULL, 'g'},
        {"label", required_argument, NULL, 'l'},
        {"event-log", required_argument, NULL, 'e'},
        {"url", required_argument, NULL, 'u'},
        {"username", required_argument, NULL, 'n'},
        {"base", required_argument, NULL, 'b'},
        {"persona", required_argument, NULL, 'p'},
        {"attestation-ca", required_argument, NULL, 'a'},
        {"form", no_argument, NULL, 'f'},
        {"force", no_argument, NULL, 'F'},
};

/*
 * The options of command (the letters in takes; any other is unknown to it) into a, the
 * operands left from optind; 0 or exit code 2.
 */
static int parse_args(int argc, char **argv, const authn_env *env, const char *command,
                      const char *takes, cmd_args *a)
{
	struct option opts[KAGURA_LEN(all_options) + 1];
	size_t n = 0;
	int c;

	for (size_t i = 0; i < KAGURA_LEN(all_options); i++)
		if (strchr(takes, all_options[i].val) != NULL)
			opts[n++] = all_options[i];
	opts[n] = (struct option){NULL, 0, NULL, 0};
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->device = optarg;
			break;
		case 'o':
			a->options = optarg;
			break;
		case 'g':
			a->origin = optarg;
			break;
		case 'l':
			a->label = optarg;
			break;
		case 'e':
			a->event_log = optarg;
			break;
		case 'u':
			a->url = optarg;
			break;
		case 'n':
			a->username = optarg;
			break;
		case 'b':
			a->base = optarg;
			break;
		case 'p':
			a->persona = optarg;
			break;
		case 'a':
			a->ca_dir = optarg;
			break;
		case 'f':
			a->form = true;
			break;
		case 'F':
			a->force = true;
			break;
		default:
			return bad_option(env, command, c, argv[optind - 1]);
		}
	}
	return 0;
}

typedef struct name_list {
	FILE *out;
	size_t n;
} name_list;

static bool print_listed_name(const char *name, void *arg)
{
	name_list *l = arg;

	fprintf(l->out, "%s%s", l->n++ ? ", " : "", name);
	return true;
}

/* After an unknown persona: the ones the persona directory holds, on one line. */
static void list_personas(const authn_env *env)
{
	name_list l = {env->err, 0};

	fputs("kagura-authn: personas: ", env->err);
	if (au_persona_list(env->persona_dir, print_listed_name, &l) != AU_OK || l.n == 0)
		fprintf(env->err, "none readable in %s", env->persona_dir);
	fputc('\n', env->err);
}

/*
 * The lock of the device file a command reads, changes and saves, held until it has saved: the
 * same device used by commands at once keeps every one's change. 0 or exit code 2.
 */
static int lock_device(const authn_env *env, const char *path, au_device_lock_target target,
                       au_device_lock **lock)
{
	char why[600];

	if (au_device_lock_take(path, target, lock) == AU_OK)
		return 0;
	snprintf(why, sizeof(why), "its lock %s.lock cannot be taken: %s", path, strerror(errno));
	return fail_input(env, "device file", path, why);
}

/* ---- device new / show / set ---- */

/*
 * A device file path where something else than a regular file is (a device, a FIFO, a link to
 * nothing), which no --force replaces; 0 or exit code 2. A link to a regular file is written
 * through.
 */
static int refuse_non_regular(const authn_env *env, const char *path)
{
	char file[PATH_MAX];
	bool exists;
	au_err e = au_device_target(path, file, sizeof(file), &exists);

	return e == AU_OK ? 0 : fail_input(env, "device file", path, au_strerr(e));
}

static void phone_env(const authn_env *env, au_phone_env *pe)
{
	*pe = (au_phone_env){.persona_dir = env->persona_dir,
	                     .prompts_file = env->prompts_file,
	                     .clock = env->clock};
}

static int device_new(int argc, char **argv, const authn_env *env)
{
	cmd_args a = {.ca_dir = env->attestation_dir};
	au_device_lock *lock = NULL;
	const char *file;
	char why[600];
	struct stat st;
	au_phone_env pe;
	au_err e;
	int rc;

	if ((rc = parse_args(argc, argv, env, "device new", "paF", &a)) != 0)
		return rc;
	if (a.persona == NULL || optind != argc - 1)
		return usage(env, "device new needs --persona NAME and one FILE", NULL);
	file = argv[optind];
	if ((rc = refuse_non_regular(env, file)) != 0)
		return rc;
	/* Whether the file exists is asked under its lock: of two at once, one makes it. */
	if ((rc = lock_device(env, file, AU_LOCK_NEW, &lock)) != 0)
		return rc;
	phone_env(env, &pe);
	if (!a.force && stat(file, &st) == 0) {
		rc = fail_input(env, "device file", file, "exists (use --force to replace it)");
	} else if ((e = au_phone_new_device(&pe, a.persona, a.ca_dir, file, why, sizeof(why))) !=
	           AU_OK) {
		fprintf(env->err, "kagura-authn: %s\n", why);
		if (e == AU_ERR_PERSONA_UNKNOWN)
			list_personas(env);
		rc = 2;
	} else {
		fprintf(env->out, "%s: new %s device\n", file, a.persona);
	}
	au_device_lock_release(&lock);
	return rc;
}

static json_t *credentials_json(const au_device *dev)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < dev->n_credentials; i++) {
		const au_credential *c = &dev->credentials[i];
		char *id = wa_b64url_encode(c->id.ptr, c->id.len);
		char *uid = wa_b64url_encode(c->user_id.ptr, c->user_id.len);
		char when[32];
		wa_time_format(c->created, when, sizeof(when));
		json_array_append_new(
		        arr, json_pack("{s:s?, s:s, s:s?, s:s, s:s, s:I, s:I, s:b, s:s}", "id", id,
		                       "rp_id", c->rp_id, "user_id", uid, "user_name", c->user_name,
		                       "display_name", c->display_name, "alg", (json_int_t)c->alg,
		                       "counter", (json_int_t)c->counter, "resident", c->resident,
		                       "created", when));
		free(id);
		free(uid);
	}
	return arr;
}

static int device_show(int argc, char **argv, const authn_env *env)
{
	au_device dev;
	au_err e;
	json_t *doc;

	if (argc != 2)
		return usage(env, "device show needs one FILE", NULL);
	if ((e = au_device_load(&dev, argv[1])) != AU_OK)
		return fail_input(env, "device file", argv[1], au_strerr(e));
	doc = json_pack("{s:o, s:o, s:b}", "settings", au_settings_to_json(&dev.settings),
	                "credentials", credentials_json(&dev), "attestation_identity",
	                dev.att_key != NULL);
	json_dumpf(doc, env->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', env->out);
	json_decref(doc);
	au_device_free(&dev);
	return 0;
}

/* Whether one of the KEY=VALUE pairs after FILE in argv sets key. */
static bool sets_key(int argc, char **argv, const char *key)
{
	size_t n = strlen(key);

	for (int i = 2; i < argc; i++)
		if (strncmp(argv[i], key, n) == 0 && argv[i][n] == '=')
			return true;
	return false;
}

/*
 * The personas a changed persona or default_browser leave the device with, checked as opening
 * the phone checks them: a file saved with one it cannot open would refuse every later command.
 * 0 or exit code 2.
 */
static int check_personas(const authn_env *env, const au_settings *s)
{
	const char *key, *value;
	char pair[160], why[400];
	au_phone_env pe;
	au_err e;

	phone_env(env, &pe);
	if ((e = au_phone_check_personas(&pe, s, &key, &value, why, sizeof(why))) == AU_OK)
		return 0;
	snprintf(pair, sizeof(pair), "%s=%s", key, value);
	fail_input(env, "setting", pair, why);
	if (e == AU_ERR_PERSONA_UNKNOWN)
		list_personas(env);
	return 2;
}

static int device_set(int argc, char **argv, const authn_env *env)
{
	au_device_lock *lock = NULL;
	au_device dev;
	au_persona p;
	au_eventlog log = {.out = NULL, .clock = env->clock};
	const char *why;
	int rc;
	au_err e;

	if (argc < 3)
		return usage(env, "device set needs FILE and KEY=VALUE...", NULL);
	if ((rc = lock_device(env, argv[1], AU_LOCK_EXISTING, &lock)) != 0)
		return rc;
	if ((e = au_device_load(&dev, argv[1])) != AU_OK) {
		au_device_lock_release(&lock);
		return fail_input(env, "device file", argv[1], au_strerr(e));
	}
	if ((rc = load_persona(env, dev.settings.persona, &p)) != 0) {
		au_device_free(&dev);
		au_device_lock_release(&lock);
		return rc;
	}
	/* All pairs apply or none: the file is written once, after the last one. */
	for (int i = 2; i < argc; i++) {
		char key[64];
		const char *eq = strchr(argv[i], '=');
		if (eq == NULL || eq == argv[i] || (size_t)(eq - argv[i]) >= sizeof(key)) {
			rc = fail_input(env, "setting", argv[i], "is not KEY=VALUE");
			break;
		}
		memcpy(key, argv[i], (size_t)(eq - argv[i]));
		key[eq - argv[i]] = '\0';
		if ((e = au_os_set(p.lock_removal_deletes_credentials, &dev, key, eq + 1, &why,
		                   &log)) != AU_OK) {
			char reason[160];
			snprintf(reason, sizeof(reason), "%s%s%s", au_strerr(e), why ? ": " : "",
			         why ? why : "");
			rc = fail_input(env, "setting", argv[i], reason);
			break;
		}
	}
	if (rc == 0 && (sets_key(argc, argv, "persona") || sets_key(argc, argv, "default_browser")))
		rc = check_personas(env, &dev.settings);
	if (rc == 0 && (e = au_device_save(&dev, argv[1])) != AU_OK)
		rc = fail_input(env, "device file", argv[1], au_strerr(e));
	au_device_lock_release(&lock);
	au_persona_free(&p);
	au_device_free(&dev);
	return rc;
}

/* ---- create / get ---- */

static int parse_ceremony(int argc, char **argv, const authn_env *env, cmd_args *a)
{
	int rc;

	memset(a, 0, sizeof(*a));
	if ((rc = parse_args(argc, argv, env, argv[0], "doglef", a)) != 0)
		return rc;
	if (a->device == NULL || a->options == NULL || a->origin == NULL || optind != argc) {
		char what[64];
		snprintf(what, sizeof(what), "%s needs --device, --options and --origin", argv[0]);
		return usage(env, what, NULL);
	}
	return 0;
}

/*
 * Opens the phone of a device file with the file's lock, which close_phone releases (the phone
 * saves in between); 0 or exit code 2 (message on err).
 */
static int open_phone(au_phone *p, au_device_lock **lock, const char *device, const char *event_log,
                      const authn_env *env)
{
	au_phone_env pe;
	char why[600];
	int rc;

	if ((rc = lock_device(env, device, AU_LOCK_EXISTING, lock)) != 0)
		return rc;
	phone_env(env, &pe);
	if (au_phone_open(p, &pe, device, event_log, why, sizeof(why)) != AU_OK) {
		au_phone_close(p);
		au_device_lock_release(lock);
		fprintf(env->err, "kagura-authn: %s\n", why);
		return 2;
	}
	return 0;
}

static void close_phone(au_phone *p, au_device_lock **lock)
{
	au_phone_close(p);
	au_device_lock_release(lock);
}

/* The other ceremony's options: a mixed-up file, refused by name before the phone opens. */
static int wrong_options(const authn_env *env, const char *file, bool create)
{
	char why[200];

	snprintf(why, sizeof(why), "these are %s (%s); %s takes %s",
	         au_options_kind_name(create ? AU_OPTIONS_REQUEST : AU_OPTIONS_CREATION),
	         create ? "they have rpId or allowCredentials and no rp, user or pubKeyCredParams"
	                : "they have rp, user or pubKeyCredParams",
	         create ? "create" : "get",
	         au_options_kind_name(create ? AU_OPTIONS_CREATION : AU_OPTIONS_REQUEST));
	return fail_input(env, "options", file, why);
}

static int ceremony(int argc, char **argv, const authn_env *env, bool create)
{
	cmd_args a;
	au_phone p;
	au_device_lock *lock = NULL;
	au_phone_ceremony c = {0};
	json_t *options;
	json_error_t jerr;
	au_err e;
	int rc;

	if ((rc = parse_ceremony(argc, argv, env, &a)) != 0)
		return rc;
	if ((options = json_load_file(a.options, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return fail_input(env, "options", a.options, jerr.text);
	if (au_options_kind_of(options) == (create ? AU_OPTIONS_REQUEST : AU_OPTIONS_CREATION)) {
		rc = wrong_options(env, a.options, create);
		json_decref(options);
		return rc;
	}
	if ((rc = open_phone(&p, &lock, a.device, a.event_log, env)) != 0) {
		json_decref(options);
		return rc;
	}
	if ((e = au_phone_ceremony_run(&p, create, options, a.origin, &c)) != AU_OK) {
		rc = fail_input(env, "options", a.options, au_strerr(e));
	} else if (c.failure != AU_FAIL_NONE) {
		if (a.form) {
			const char *colon = strstr(c.error, ": ");
			char name[64];
			snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - c.error) : 0,
			         c.error);
			json_t *form = au_keycloak_form_error(name, colon ? colon + 2 : c.error);
			json_dumpf(form, env->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			fputc('\n', env->out);
			json_decref(form);
		}
		fprintf(env->err, "%s\n", c.error);
		rc = 1;
	} else if ((e = au_phone_save(&p)) != AU_OK) {
		/* Only a ceremony that succeeded changes the device file. */
		rc = fail_input(env, "device file", a.device, au_strerr(e));
	} else {
		json_t *doc = a.form ? au_keycloak_form(c.response, a.label ? a.label : "")
		                     : json_incref(c.response);
		json_dumpf(doc, env->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', env->out);
		json_decref(doc);
		rc = 0;
	}
	au_phone_ceremony_reset(&c);
	close_phone(&p, &lock);
	json_decref(options);
	return rc;
}

/* ---- remedies: the manual's section 4 as operations on the phone ---- */

static void print_remedy(const char *name, const char *manual, void *arg)
{
	fprintf(arg, "%s (%s)\n", name, manual);
}

static int device_remedy(int argc, char **argv, const authn_env *env)
{
	const char *file, *action, *arg, *why = NULL;
	au_phone p;
	au_device_lock *lock = NULL;
	au_err e;
	int rc;

	if (argc < 3 || argc > 4)
		return usage(env, "remedy needs FILE ACTION [ARG]", NULL);
	file = argv[1];
	action = argv[2];
	arg = argc == 4 ? argv[3] : NULL;
	if (strcmp(action, "list") == 0) {
		au_phone_remedies(print_remedy, env->out);
		return 0;
	}
	if ((rc = open_phone(&p, &lock, file, NULL, env)) != 0)
		return rc;
	if (strcmp(action, "report-versions") == 0) {
		fprintf(env->out, "OS: %s %s\nbrowser: %s %s (%s)\n",
		        au_persona_os_name(p.persona.os_family), p.persona.os_version,
		        p.persona.browser_name, p.persona.browser_version,
		        au_persona_engine_name(p.persona.engine));
	} else if ((e = au_phone_remedy(&p, action, arg, &why)) != AU_OK) {
		rc = e == AU_ERR_SETTING_UNKNOWN
		             ? usage(env, "unknown remedy", action)
		             : fail_input(env, "remedy", action, why ? why : au_strerr(e));
	} else if ((e = au_phone_save(&p)) != AU_OK) {
		rc = fail_input(env, "device file", file, au_strerr(e));
	} else {
		if (strcmp(action, "clear-site-data") == 0)
			fprintf(env->out, "%s: site data cleared\n", file);
		else
			fprintf(env->out, "%s: %s done\n", file, action);
	}
	close_phone(&p, &lock);
	return rc;
}

/* ---- login: the phone's browser on the platform's pages ---- */

/* Prints where a visit ended; 0 when the page's kc-content has class success_kind. */
static int report_visit(const au_phone_visit *v, const char *success_kind, const authn_env *env)
{
	fprintf(env->out, "%s\n%s\n", v->title, v->text);
	if (v->error[0] != '\0')
		fprintf(env->err, "%s\n", v->error);
	return strcmp(v->kind, success_kind) == 0 ? 0 : 1;
}

/*
 * Opens the device's phone, visits url as its user, prints the page the platform answered
 * with and keeps the device (a created or used passkey stays, whatever the platform said,
 * as on a real phone). 0 when the page's kc-content has class success_kind.
 */
static int visit_and_report(const char *device, const char *event_log, const char *url,
                            const au_phone_input *in, const char *success_kind,
                            const authn_env *env)
{
	au_phone p;
	au_device_lock *lock = NULL;
	au_phone_visit v = {0};
	au_err e;
	int rc;

	if ((rc = open_phone(&p, &lock, device, event_log, env)) != 0)
		return rc;
	if ((e = au_phone_visit_url(&p, url, in, &v)) != AU_OK) {
		fprintf(env->err, "kagura-authn: %s\n",
		        v.net_error[0] ? v.net_error : au_strerr(e));
		rc = 1;
	} else {
		/* The platform's verdict is the page it shows. */
		rc = report_visit(&v, success_kind, env);
	}
	if ((e = au_phone_save(&p)) != AU_OK)
		rc = fail_input(env, "device file", device, au_strerr(e));
	au_phone_visit_reset(&v);
	close_phone(&p, &lock);
	return rc;
}

static int login(int argc, char **argv, const authn_env *env)
{
	cmd_args a = {0};
	au_phone_input in = {0};
	int rc;

	if ((rc = parse_args(argc, argv, env, "login", "dunge", &a)) != 0)
		return rc;
	if (a.device == NULL || a.url == NULL || a.username == NULL || optind != argc)
		return usage(env, "login needs --device, --url and --username", NULL);
	if (strstr(a.url, "://") == NULL)
		return usage(env, "login: --url is not an absolute URL", a.url);
	in.username = a.username;
	in.origin = a.origin;
	return visit_and_report(a.device, a.event_log, a.url, &in, "logged-in", env);
}

/* ---- register: the phone opens a registration QR's URL ---- */

/*
 * The URL the phone really fetches: the QR's URL with its scheme://host[:port]
 * replaced by base (a test platform on loopback, like a hosts-file entry);
 * origin gets the QR's own origin. False when a URL is not absolute or too long.
 */
static bool map_qr_url(const char *url, const char *base, char *target, size_t tsize, char *origin,
                       size_t osize)
{
	const char *sep = strstr(url, "://");
	size_t n;

	if (sep == NULL || (base != NULL && strstr(base, "://") == NULL))
		return false;
	n = (size_t)(sep + 3 - url) + strcspn(sep + 3, "/?#");
	if (n >= osize || (size_t)snprintf(target, tsize, "%s%s", base ? base : url,
	                                   base ? url + n : "") >= tsize)
		return false;
	memcpy(origin, url, n);
	origin[n] = '\0';
	return true;
}

static int register_device(int argc, char **argv, const authn_env *env)
{
	cmd_args a = {0};
	char target[4096], origin[1024];
	au_phone_input in = {0};
	int rc;

	if ((rc = parse_args(argc, argv, env, "register", "dulngbe", &a)) != 0)
		return rc;
	if (a.device == NULL || a.url == NULL || optind != argc)
		return usage(env, "register needs --device and --url", NULL);
	if (!map_qr_url(a.url, a.base, target, sizeof(target), origin, sizeof(origin)))
		return usage(env, "register: --url or --base is not an absolute URL (or too long):",
		             a.url);
	in.label = a.label;
	in.username = a.username;
	/* Mapped onto --base, the browser still believes it is on the QR's origin. */
	in.origin = a.base != NULL && a.origin == NULL ? origin : a.origin;
	return visit_and_report(a.device, a.event_log, target, &in, "done", env);
}

/* The WebAuthn options a saved page hands to the browser, read by the browser's own reader. */
static int page_options(int argc, char **argv, const authn_env *env)
{
	FILE *f;
	char *html = NULL;
	size_t len = 0;
	au_page *page = NULL;
	json_t *opts = NULL;
	const char *missing = NULL;
	au_kc_page kind;
	au_kc_err ke = AU_KC_ERR_NOT_WEBAUTHN;
	cm_file_err fe;
	int rc = 2;

	if (argc != 2)
		return usage(env, "options needs one PAGE.html", NULL);
	/* A FIFO is refused at once: with no writer, reading it would wait forever. */
	if ((fe = cm_file_open_regular(argv[1], &f)) != CM_FILE_OK)
		return fail_input(env, "page", argv[1],
		                  fe == CM_FILE_OPEN ? strerror(errno) : cm_file_strerr(fe));
	for (char chunk[4096];;) {
		size_t n = fread(chunk, 1, sizeof(chunk), f);
		char *grown = n ? realloc(html, len + n) : html;
		if (n == 0 || grown == NULL)
			break;
		memcpy(grown + len, chunk, n);
		html = grown;
		len += n;
	}
	fclose(f);
	if (au_page_parse(html, len, NULL, &page) != AU_WEB_OK) {
		free(html);
		return fail_input(env, "page", argv[1], "cannot be read");
	}
	kind = au_kc_page_of(page);
	if (kind == AU_KC_PAGE_WEBAUTHN_AUTHENTICATE)
		ke = au_kc_request_options(page, &opts, &missing);
	else if (kind == AU_KC_PAGE_WEBAUTHN_REGISTER)
		ke = au_kc_creation_options(page, &opts, &missing);
	if (ke == AU_KC_OK) {
		json_dumpf(opts, env->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', env->out);
		rc = 0;
	} else {
		fprintf(env->err, "kagura-authn: page %s (%s): %s%s%s\n", argv[1],
		        au_kc_page_name(kind), au_kc_strerr(ke), missing ? ": " : "",
		        missing ? missing : "");
	}
	json_decref(opts);
	au_page_free(page);
	free(html);
	return rc;
}

static bool print_persona(const char *name, void *arg)
{
	fprintf(arg, "%s\n", name);
	return true;
}

int authn_main(int argc, char **argv, const authn_env *env)
{
	/* -h/--help after any command, one added to usage_text included, prints its part. */
	if (au_usage_asked(argc, argv))
		return au_usage_print_for(env->out, usage_text, "kagura-authn", argc, argv)
		               ? 0
		               : usage(env, "unknown command", argv[1]);
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		fprintf(env->out, "kagura-authn %s\n", KAGURA_VERSION);
		return 0;
	}
	if (argc < 2)
		return usage(env, "no command given", NULL);
	if (strcmp(argv[1], "create") == 0)
		return ceremony(argc - 1, argv + 1, env, true);
	if (strcmp(argv[1], "get") == 0)
		return ceremony(argc - 1, argv + 1, env, false);
	if (strcmp(argv[1], "login") == 0)
		return login(argc - 1, argv + 1, env);
	if (strcmp(argv[1], "register") == 0)
		return register_device(argc - 1, argv + 1, env);
	if (strcmp(argv[1], "remedy") == 0)
		return device_remedy(argc - 1, argv + 1, env);
	if (strcmp(argv[1], "options") == 0)
		return page_options(argc - 1, argv + 1, env);
	if (strcmp(argv[1], "personas") == 0) {
		if (argc != 2)
			return usage(env, "personas takes no argument:", argv[2]);
		if (au_persona_list(env->persona_dir, print_persona, env->out) != AU_OK)
			return fail_input(env, "persona directory", env->persona_dir, "unreadable");
		return 0;
	}
	if (strcmp(argv[1], "device") == 0 && argc >= 3) {
		if (strcmp(argv[2], "new") == 0)
			return device_new(argc - 2, argv + 2, env);
		if (strcmp(argv[2], "show") == 0)
			return device_show(argc - 2, argv + 2, env);
		if (strcmp(argv[2], "set") == 0)
			return device_set(argc - 2, argv + 2, env);
		if (strcmp(argv[2], "export") == 0)
			return authn_device_export(argc - 2, argv + 2, env);
		if (strcmp(argv[2], "import") == 0)
			return authn_device_import(argc - 2, argv + 2, env);
		if (strcmp(argv[2], "settings") == 0) {
			if (argc != 3)
				return usage(env, "device settings takes no argument:", argv[3]);
			au_settings_help(env->out);
			return 0;
		}
	}
	if (strcmp(argv[1], "device") == 0)
		return argc < 3 ? usage(env, "device needs a subcommand", NULL)
		                : usage(env, "unknown device subcommand", argv[2]);
	return usage(env, "unknown command", argv[1]);
}
