/* kagura-realm: writes the platform's Keycloak realms from the message bundles, and checks
 * a realm file against its bundle (fixtures/keycloak/README.md). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp/messages.h"
#include "tools/keycloak/realm_build.h"
#include "tools/keycloak/realm_check.h"
#include "tools/keycloak/realm_profile.h"

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

/* Two-space indent, keys in the order written: the committed file diffs line by line. */
#define REALM_JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER)
/* Room for the loader's "PATH:LINE: what" explanations. */
#define WHY_SIZE 512

static const char usage_text[] =
        "usage: kagura-realm generate --manual 2.16|1.04 --messages BUNDLE [--out FILE]\n"
        "       kagura-realm check --manual 2.16|1.04 --messages BUNDLE REALM.json\n"
        "generate writes the realm (stdout without --out); check exits 1 on any difference\n"
        "between the realm's localization texts and the bundle. A usage error exits 2.\n";

typedef struct options {
	const char *command;
	const kc_realm_profile *profile;
	const char *messages;
	const char *out;
	const char *realm;
} options;

static int usage(const char *why)
{
	fprintf(stderr, "kagura-realm: %s\n%s", why, usage_text);
	return EXIT_USAGE;
}

static int parse(int argc, char **argv, options *o)
{
	if (argc < 2)
		return usage("which command, generate or check?");
	o->command = argv[1];
	if (strcmp(o->command, "generate") != 0 && strcmp(o->command, "check") != 0)
		return usage("unknown command");
	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(arg, "--manual") == 0 && value) {
			o->profile = kc_realm_profile_find(value);
			if (o->profile == NULL)
				return usage(kc_realm_strerr(KC_REALM_ERR_NO_GENERATION));
			i++;
		} else if (strcmp(arg, "--messages") == 0 && value) {
			o->messages = argv[++i];
		} else if (strcmp(arg, "--out") == 0 && value) {
			o->out = argv[++i];
		} else if (arg[0] != '-' && o->realm == NULL) {
			o->realm = arg;
		} else {
			return usage("unknown option or missing value");
		}
	}
	if (o->profile == NULL || o->messages == NULL)
		return usage("--manual and --messages are required");
	if (strcmp(o->command, "check") == 0 && o->realm == NULL)
		return usage("check needs the realm file");
	if (strcmp(o->command, "generate") == 0 && o->realm != NULL)
		return usage("generate takes no file argument (use --out)");
	return EXIT_OK;
}

/* Written next to the target and renamed over it, so a failed run leaves the old file. */
static int write_realm(const json_t *realm, const char *out)
{
	if (out == NULL)
		return json_dumpf(realm, stdout, REALM_JSON_FLAGS) == 0 &&
		                       fputc('\n', stdout) != EOF
		               ? EXIT_OK
		               : EXIT_FAILED;
	size_t tmp_size = strlen(out) + sizeof ".tmp";
	char *tmp = malloc(tmp_size);
	if (tmp == NULL)
		return EXIT_FAILED;
	snprintf(tmp, tmp_size, "%s.tmp", out);
	FILE *f = fopen(tmp, "w");
	int ok = f != NULL && json_dumpf(realm, f, REALM_JSON_FLAGS) == 0 && fputc('\n', f) != EOF;
	if (f != NULL && fclose(f) != 0)
		ok = 0;
	if (ok && rename(tmp, out) != 0)
		ok = 0;
	if (!ok) {
		fprintf(stderr, "kagura-realm: %s: %s\n", out, kc_realm_strerr(KC_REALM_ERR_WRITE));
		remove(tmp);
	}
	free(tmp);
	return ok ? EXIT_OK : EXIT_FAILED;
}

static int generate(const options *o, const rp_messages *bundle)
{
	json_t *realm = NULL;
	kc_realm_err err = kc_realm_build(o->profile, bundle, &realm);
	if (err) {
		fprintf(stderr, "kagura-realm: %s: %s\n", o->messages, kc_realm_strerr(err));
		return EXIT_FAILED;
	}
	int rc = write_realm(realm, o->out);
	json_decref(realm);
	return rc;
}

static int check(const options *o, const rp_messages *bundle)
{
	json_error_t jerr;
	json_t *realm = json_load_file(o->realm, 0, &jerr);
	if (!json_is_object(realm)) {
		fprintf(stderr, "kagura-realm: %s:%d: %s: %s\n", o->realm, jerr.line,
		        kc_realm_strerr(KC_REALM_ERR_REALM_JSON),
		        realm ? "not an object" : jerr.text);
		json_decref(realm);
		return EXIT_FAILED;
	}
	kc_realm_err err = kc_realm_check(o->profile, bundle, realm, stderr);
	json_decref(realm);
	if (err) {
		fprintf(stderr, "kagura-realm: %s differs from %s (first: %s)\n", o->realm,
		        o->messages, kc_realm_errname(err));
		return EXIT_FAILED;
	}
	printf("kagura-realm: %s: the %zu texts of %s, as locale %s\n", o->realm,
	       rp_messages_count(bundle), o->messages, o->profile->bundle_locale);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("kagura-realm %s\n", KAGURA_VERSION);
		return EXIT_OK;
	}
	options o = {0};
	int rc = parse(argc, argv, &o);
	if (rc != EXIT_OK)
		return rc;
	char why[WHY_SIZE] = "";
	rp_messages *bundle = NULL;
	rp_msg_err merr = rp_messages_load(o.messages, &bundle, why, sizeof why);
	if (merr) {
		fprintf(stderr, "kagura-realm: %s: %s\n", kc_realm_strerr(KC_REALM_ERR_BUNDLE),
		        why);
		return EXIT_FAILED;
	}
	rc = strcmp(o.command, "generate") == 0 ? generate(&o, bundle) : check(&o, bundle);
	rp_messages_free(bundle);
	return rc;
}
