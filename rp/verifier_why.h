/* A verifier failure in words, one way for every answer and log line of the platform. */
#ifndef KAGURA_RP_VERIFIER_WHY_H
#define KAGURA_RP_VERIFIER_WHY_H

#include <stddef.h>

#include "webauthn/error.h"
#include "webauthn/report.h"

/* The detail of report's failed step when that step failed with err; NULL otherwise. */
const char *rp_verifier_detail(const wa_report *report, wa_err err);

/* "WA_ERR_NAME: message (detail)" into why; the detail only when it says more than the message. */
void rp_verifier_why(char *why, size_t why_size, wa_err err, const char *detail);

#endif
