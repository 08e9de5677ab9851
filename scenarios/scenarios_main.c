/* kagura-scenarios: the manual catalogue reproduced against the platform. */
#include <curl/curl.h>
#include <fido.h>
#include <libxml/parser.h>
#include <stdlib.h>

#include "scenarios/scenarios_cmd.h"

int main(int argc, char **argv)
{
	wa_clock clock = wa_clock_system(0);
	const char *fx =
	        getenv("KAGURA_FIXTURES") ? getenv("KAGURA_FIXTURES") : KAGURA_FIXTURES_DIR;
	char personas[4096], prompts[4096], manual[4096];
	au_phone_env phone = {.persona_dir = personas, .prompts_file = prompts, .clock = &clock};
	sc_cmd_env env = {
	        .program = "kagura-scenarios",
	        .manual_dir = manual,
	        .scenario_dir = getenv("KAGURA_SCENARIOS") ? getenv("KAGURA_SCENARIOS")
	                                                   : KAGURA_SCENARIOS_DIR,
	        .fixtures_dir = fx,
	        .attestation_dir = getenv("KAGURA_ATTESTATION_CA") ? getenv("KAGURA_ATTESTATION_CA")
	                                                           : KAGURA_ATTESTATION_DIR,
	        .phone_env = &phone,
	        .out = stdout,
	        .err = stderr,
	};
	int rc;

	snprintf(personas, sizeof(personas), "%s/personas", fx);
	snprintf(prompts, sizeof(prompts), "%s/os/prompts.json", fx);
	snprintf(manual, sizeof(manual), "%s/manual", fx);
	/* Libraries with process-wide set-up, before any worker thread starts. */
	fido_init(FIDO_DISABLE_U2F_FALLBACK);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	xmlInitParser();
	rc = sc_cmd_main(argc, argv, &env);
	xmlCleanupParser();
	curl_global_cleanup();
	return rc;
}
