/* kagura-authn: drive a simulated phone by hand (device files, create, get). */
#ifndef KAGURA_AUTHENTICATOR_CLI_AUTHN_CMD_H
#define KAGURA_AUTHENTICATOR_CLI_AUTHN_CMD_H

#include "authenticator/cli/authn_env.h"

/* Exit codes: 0 success, 1 the browser raised an error (Name: message on err), 2 bad input. */
int authn_main(int argc, char **argv, const authn_env *env);

#endif
