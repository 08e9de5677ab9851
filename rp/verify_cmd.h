/* kagura-rp verify: offline verification of a captured WebAuthn response. */
#ifndef KAGURA_RP_VERIFY_CMD_H
#define KAGURA_RP_VERIFY_CMD_H

#include <stdio.h>

#include "webauthn/clock.h"

/* Exit codes: 0 valid, 1 invalid, 2 usage or unreadable input. */
int rp_verify_main(int argc, char **argv, const wa_clock *clock, FILE *out, FILE *err);

#endif
