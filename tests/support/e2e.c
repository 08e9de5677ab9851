/* nftw() is XSI. */
#define _XOPEN_SOURCE 700

#include "tests/support/e2e.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

bool e2e_start(const rp_platform_options *opt, const char *tag, char *dir, size_t dir_size,
               rp_platform **rp, wa_clock *clock, au_phone_env *env)
{
	char why[256];

	*rp = NULL;
	if ((size_t)snprintf(dir, dir_size, "/tmp/kagura-%s-XXXXXX", tag) >= dir_size ||
	    mkdtemp(dir) == NULL) {
		fprintf(stderr, "e2e: no temporary folder for %s\n", tag);
		return false;
	}
	if ((*rp = rp_platform_start(opt, why, sizeof(why))) == NULL) {
		fprintf(stderr, "e2e: platform: %s\n", why);
		return false;
	}
	*clock = wa_clock_system(0);
	*env = (au_phone_env){.persona_dir = KAGURA_PERSONA_DIR,
	                      .prompts_file = KAGURA_OS_PROMPTS,
	                      .clock = clock};
	return true;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

bool e2e_stop(rp_platform *rp, const char *dir)
{
	rp_platform_stop(rp);
	return dir[0] == '\0' || nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS) == 0;
}

int e2e_setup_216(void **state, size_t size, size_t rp, size_t dir, size_t dir_size, size_t clock,
                  size_t env, const char *origin, const char *tag)
{
	char *f = calloc(1, size);
	rp_platform_options opt = {.manual = "2.16", .origin = origin, .test_control = true};

	*state = f;
	if (f == NULL)
		return -1;
	return e2e_start(&opt, tag, f + dir, dir_size, (rp_platform **)(void *)(f + rp),
	                 (wa_clock *)(void *)(f + clock), (au_phone_env *)(void *)(f + env))
	               ? 0
	               : -1;
}

int e2e_free(void *fixture, rp_platform *rp, const char *dir)
{
	bool removed = e2e_stop(rp, dir);

	free(fixture);
	return removed ? 0 : -1;
}

void e2e_url(const rp_platform *rp, const char *path, char *out, size_t size)
{
	snprintf(out, size, "%s%s", rp_platform_base(rp), path);
}
