/* A step-by-step record of a ceremony verification, for people reading results. */
#ifndef KAGURA_WEBAUTHN_REPORT_H
#define KAGURA_WEBAUTHN_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "webauthn/error.h"

typedef enum wa_step_status {
	WA_STEP_OK,
	WA_STEP_FAILED,
	WA_STEP_SKIPPED,
} wa_step_status;

typedef struct wa_step {
	const char *what; /* static text: the check, as the spec words it */
	wa_step_status status;
	wa_err err;
	char detail[200];
} wa_step;

#define WA_REPORT_MAX 40

typedef struct wa_report {
	const char *ceremony; /* "registration" or "authentication" */
	/* Only failed steps are kept: all a server's error message reads (its last step), and
	 * nothing is formatted on the way of a ceremony that passes. The caller's choice, set
	 * before the verification (which resets only n and ceremony): = {0} keeps every step. */
	bool failures_only;
	size_t n;
	wa_step steps[WA_REPORT_MAX];
} wa_report;

/* Appends a step; a NULL report records nothing (the fast path). */
void wa_report_step(wa_report *r, const char *what, wa_step_status status, wa_err err,
                    const char *detail_fmt, ...) __attribute__((format(printf, 5, 6)));

const char *wa_step_status_name(wa_step_status status);

#endif
