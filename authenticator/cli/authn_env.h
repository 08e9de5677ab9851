/* What every kagura-authn command is given: the fixtures it reads, the clock, its streams. */
#ifndef KAGURA_AUTHENTICATOR_CLI_AUTHN_ENV_H
#define KAGURA_AUTHENTICATOR_CLI_AUTHN_ENV_H

#include <stdio.h>

#include "webauthn/clock.h"

typedef struct authn_env {
	const char *persona_dir;     /* fixtures/personas */
	const char *prompts_file;    /* fixtures/os/prompts.json */
	const char *attestation_dir; /* test attestation CA: ca.pem, ca.key */
	const wa_clock *clock;
	FILE *out, *err;
} authn_env;

#endif
