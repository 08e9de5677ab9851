/* kagura-rp: the mock HPKI-KAGURA platform and its offline verifier. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "rp/serve_cmd.h"
#include "rp/verify_cmd.h"

static const char usage_text[] =
        "usage: kagura-rp serve [options]                    (kagura-rp serve --help)\n"
        "       kagura-rp verify registration|authentication [options] [FILE|-]\n"
        "                                                    (kagura-rp verify --help)\n"
        "       kagura-rp --version\n"
        "--help or -h after a command prints its usage; a usage error exits 2.\n";

static bool is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int main(int argc, char **argv)
{
	wa_clock clock = wa_clock_system(0);

	if (argc < 2) {
		fprintf(stderr, "kagura-rp: which command, serve or verify?\n%s", usage_text);
		return 2;
	}
	if (strcmp(argv[1], "serve") == 0)
		return rp_serve_main(argc - 1, argv + 1, stdout, stderr);
	if (strcmp(argv[1], "verify") == 0)
		return rp_verify_main(argc - 1, argv + 1, &clock, stdout, stderr);
	if (is_help(argv[1])) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("kagura-rp %s\n", KAGURA_VERSION);
		return 0;
	}
	fprintf(stderr, "kagura-rp: unknown command '%s'\n%s", argv[1], usage_text);
	return 2;
}
