/*
 * The verification gate: before anything is measured, every server must accept
 * an honest registration and authentication and refuse (status "failed") a wrong
 * challenge and a bad signature in both. Nobody is benchmarked who does not verify.
 */
#ifndef KAGURA_BENCH_HTTP_GATE_H
#define KAGURA_BENCH_HTTP_GATE_H

#include <stdbool.h>
#include <stdio.h>

#include "vuser.h"

/*
 * Runs every case against target; a line per case on out when verbose (the
 * refusal's errorMessage), otherwise only the failures. True when all passed;
 * *passed and *total count the cases.
 */
bool bh_gate_run(const bh_target *target, const char *server, bool verbose, FILE *out, int *passed,
                 int *total);

#endif
