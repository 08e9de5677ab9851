/* End-to-end tests' common world: the embedded platform, a temporary folder, the phone's
 * environment. */
#ifndef KAGURA_TESTS_E2E_H
#define KAGURA_TESTS_E2E_H

#include <stdbool.h>
#include <stddef.h>

#include "authenticator/phone.h"
#include "rp/platform.h"

/*
 * Makes dir (/tmp/kagura-TAG-XXXXXX, dir_size >= 64), starts the platform with opt,
 * and fills clock and env (the source tree's personas and OS prompts; env points at clock).
 * False (why on stderr) when any of it fails.
 */
bool e2e_start(const rp_platform_options *opt, const char *tag, char *dir, size_t dir_size,
               rp_platform **rp, wa_clock *clock, au_phone_env *env);
/* Stops the platform and removes dir with everything in it. */
bool e2e_stop(rp_platform *rp, const char *dir);

#endif
