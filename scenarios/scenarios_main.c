/* kagura-scenarios: the manual catalogue reproduced against the platform. */
#include <curl/curl.h>
#include <fido.h>
#include <libgen.h>
#include <libxml/parser.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scenarios/scenarios_cmd.h"

/* How far above the binary its checkout may be (build/scenarios/kagura-scenarios: two). */
#define CHECKOUT_DEPTH 4

static bool exists(const char *dir, const char *file)
{
	char path[PATH_MAX + 64];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return stat(path, &st) == 0;
}

/*
 * The checkout this binary was built in, found from the binary's own place (a build folder
 * inside it): the scenarios and fixtures that run are the ones beside the binary, never a
 * path an earlier build wrote in. False when the binary is not inside a checkout.
 */
static bool checkout_of_binary(char *root, size_t size, char *bindir, size_t bsize)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *dir;

	if (n <= 0)
		return false;
	exe[n] = '\0';
	dir = dirname(exe);
	snprintf(bindir, bsize, "%s", dir);
	for (int up = 0; up <= CHECKOUT_DEPTH; up++) {
		if (exists(dir, "scenarios/cases") && exists(dir, "fixtures/manual/v2.16.json")) {
			snprintf(root, size, "%s", dir);
			return true;
		}
		if (strcmp(dir, "/") == 0)
			break;
		dir = dirname(dir);
	}
	return false;
}

int main(int argc, char **argv)
{
	wa_clock clock = wa_clock_system(0);
	char root[PATH_MAX] = "", bindir[PATH_MAX] = "", fixtures[PATH_MAX + 16],
	     scenarios[PATH_MAX + 32], attestation[PATH_MAX + 32], pki[PATH_MAX + 32],
	     tools[PATH_MAX + 16];
	char personas[PATH_MAX + 64], prompts[PATH_MAX + 64], manual[PATH_MAX + 64];
	au_phone_env phone = {.persona_dir = personas, .prompts_file = prompts, .clock = &clock};
	sc_cmd_env env = {
	        .program = argv[0],
	        .manual_dir = manual,
	        .scenario_dir = scenarios,
	        .fixtures_dir = fixtures,
	        .attestation_dir = attestation,
	        .pki_dir = pki,
	        .tools_dir = tools,
	        .phone_env = &phone,
	        .out = stdout,
	        .err = stderr,
	};
	int rc;

	if (checkout_of_binary(root, sizeof(root), bindir, sizeof(bindir))) {
		snprintf(fixtures, sizeof(fixtures), "%s/fixtures", root);
		snprintf(scenarios, sizeof(scenarios), "%s/scenarios/cases", root);
		snprintf(tools, sizeof(tools), "%s/tools", root);
	} else {
		/* an installed binary: the tree it was built from */
		snprintf(fixtures, sizeof(fixtures), "%s", KAGURA_FIXTURES_DIR);
		snprintf(scenarios, sizeof(scenarios), "%s", KAGURA_SCENARIOS_DIR);
		snprintf(tools, sizeof(tools), "%s", KAGURA_TOOLS_DIR);
	}
	/* build products (the attestation CA, the card PKI) beside the binary's build folder */
	snprintf(attestation, sizeof(attestation), "%s/../fixtures/attestation", bindir);
	snprintf(pki, sizeof(pki), "%s/../fixtures/pki", bindir);
	if (bindir[0] == '\0' || !exists(attestation, "."))
		snprintf(attestation, sizeof(attestation), "%s", KAGURA_ATTESTATION_DIR);
	if (bindir[0] == '\0' || !exists(pki, "index.json"))
		snprintf(pki, sizeof(pki), "%s", KAGURA_PKI_DIR);
	/* the environment still overrides, for tests that bring their own */
	if (getenv("KAGURA_FIXTURES"))
		snprintf(fixtures, sizeof(fixtures), "%s", getenv("KAGURA_FIXTURES"));
	if (getenv("KAGURA_SCENARIOS"))
		snprintf(scenarios, sizeof(scenarios), "%s", getenv("KAGURA_SCENARIOS"));
	if (getenv("KAGURA_ATTESTATION_CA"))
		snprintf(attestation, sizeof(attestation), "%s", getenv("KAGURA_ATTESTATION_CA"));
	if (getenv("KAGURA_PKI"))
		snprintf(pki, sizeof(pki), "%s", getenv("KAGURA_PKI"));
	if (!exists(pki, "index.json"))
		env.pki_dir = NULL;
	snprintf(personas, sizeof(personas), "%s/personas", fixtures);
	snprintf(prompts, sizeof(prompts), "%s/os/prompts.json", fixtures);
	snprintf(manual, sizeof(manual), "%s/manual", fixtures);
	/* Libraries with process-wide set-up, before any worker thread starts. */
	fido_init(FIDO_DISABLE_U2F_FALLBACK);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	xmlInitParser();
	/* Each persona file read once per run, however many phones use it. */
	phone.personas = au_persona_shelf_new();
	rc = sc_cmd_main(argc, argv, &env);
	au_persona_shelf_free(phone.personas);
	xmlCleanupParser();
	curl_global_cleanup();
	return rc;
}
