/* kagura-authn: drive a simulated phone by hand (device files, create, get). */
#ifndef KAGURA_AUTHENTICATOR_AUTHN_CMD_H
#define KAGURA_AUTHENTICATOR_AUTHN_CMD_H

#include <stdio.h>

#include "webauthn/clock.h"

typedef struct authn_env {
	const char *persona_dir;     /* fixtures/personas */
	const char *prompts_file;    /* fixtures/os/prompts.json */
	const char *attestation_dir; /* test attestation CA: ca.pem, ca.key */
	const wa_clock *clock;
	FILE *out, *err;
} authn_env;

/* Exit codes: 0 success, 1 the browser raised an error (Name: message on err), 2 bad input. */
int authn_main(int argc, char **argv, const authn_env *env);

#endif
