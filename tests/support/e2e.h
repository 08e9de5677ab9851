/* End-to-end tests' common world: the embedded platform, a temporary folder, the phone's
 * environment. */
#ifndef KAGURA_TESTS_E2E_H
#define KAGURA_TESTS_E2E_H

#include <stdbool.h>
#include <stddef.h>

#include "authenticator/phone/phone.h"
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
/*
 * A cmocka setup for a fixture type with the members rp, dir, clock and env: a new zeroed one
 * in *state, then e2e_start with a platform of manual 2.16 at origin with test control.
 * 0, or -1 when any of it fails.
 */
#define E2E_SETUP_216(state, type, origin, tag)                                             \
	e2e_setup_216(state, sizeof(type), offsetof(type, rp), offsetof(type, dir),         \
	              sizeof(((type *)0)->dir), offsetof(type, clock), offsetof(type, env), \
	              origin, tag)
int e2e_setup_216(void **state, size_t size, size_t rp, size_t dir, size_t dir_size, size_t clock,
                  size_t env, const char *origin, const char *tag);
/* A cmocka teardown's end: e2e_stop, then the fixture freed; 0, or -1 when dir stayed. */
int e2e_free(void *fixture, rp_platform *rp, const char *dir);
/* The platform's URL of path (its base, then path), into out. */
void e2e_url(const rp_platform *rp, const char *path, char *out, size_t size);

#endif
