/* kagura-rp serve: the mock platform on loopback. */
#ifndef KAGURA_RP_SERVE_CMD_H
#define KAGURA_RP_SERVE_CMD_H

#include <stdio.h>

/* Serves until SIGINT or SIGTERM; exit 0, or 2 on bad options, 1 when it cannot start. */
int rp_serve_main(int argc, char **argv, FILE *out, FILE *err);

#endif
