/* kagura-authn: the simulated phone on the command line. */
#include <curl/curl.h>
#include <fido.h>
#include <stdlib.h>

#include "authenticator/cli/authn_cmd.h"

int main(int argc, char **argv)
{
	wa_clock clock = wa_clock_system(0);
	const char *dir = getenv("KAGURA_FIXTURES");
	char personas[4096], prompts[4096], attestation[4096];
	authn_env env = {.clock = &clock, .out = stdout, .err = stderr};

	/* fixtures from the source tree by default; KAGURA_FIXTURES points elsewhere. */
	snprintf(personas, sizeof(personas), "%s/personas", dir ? dir : KAGURA_FIXTURES_DIR);
	snprintf(prompts, sizeof(prompts), "%s/os/prompts.json", dir ? dir : KAGURA_FIXTURES_DIR);
	snprintf(attestation, sizeof(attestation), "%s",
	         getenv("KAGURA_ATTESTATION_CA") ? getenv("KAGURA_ATTESTATION_CA")
	                                         : KAGURA_ATTESTATION_DIR);
	env.persona_dir = personas;
	env.prompts_file = prompts;
	env.attestation_dir = attestation;
	fido_init(FIDO_DISABLE_U2F_FALLBACK);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = authn_main(argc, argv, &env);
	curl_global_cleanup();
	return rc;
}
