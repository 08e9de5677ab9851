/* kagura-rp: the mock HPKI-KAGURA platform and its offline verifier. */
#include <stdio.h>
#include <string.h>

#include "rp/serve_cmd.h"
#include "rp/verify_cmd.h"

static const char usage_text[] =
        "usage: kagura-rp serve [options]                    (kagura-rp serve --help)\n"
        "       kagura-rp verify registration|authentication [options] [FILE|-]\n"
        "       kagura-rp verify --help\n";

int main(int argc, char **argv)
{
	wa_clock clock = wa_clock_system(0);

	if (argc >= 2 && strcmp(argv[1], "serve") == 0)
		return rp_serve_main(argc - 1, argv + 1, stdout, stderr);
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return rp_verify_main(argc - 1, argv + 1, &clock, stdout, stderr);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(usage_text, stdout);
		return 0;
	}
	fputs(usage_text, stderr);
	return 2;
}
