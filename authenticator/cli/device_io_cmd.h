/* kagura-authn device export / device import: the device file's passkeys as CDP or Playwright JSON.
 */
#ifndef KAGURA_AUTHENTICATOR_CLI_DEVICE_IO_CMD_H
#define KAGURA_AUTHENTICATOR_CLI_DEVICE_IO_CMD_H

#include "authenticator/cli/authn_env.h"

/* argv[0] is "export" / "import"; exit codes as authn_main's (0 done, 2 bad input). */
int authn_device_export(int argc, char **argv, const authn_env *env);
int authn_device_import(int argc, char **argv, const authn_env *env);

#endif
