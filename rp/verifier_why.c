#include "rp/verifier_why.h"

#include <stdio.h>
#include <string.h>

const char *rp_verifier_detail(const wa_report *report, wa_err err)
{
	if (report == NULL || report->n == 0 || report->steps[report->n - 1].err != err)
		return NULL;
	return report->steps[report->n - 1].detail;
}

void rp_verifier_why(char *why, size_t why_size, wa_err err, const char *detail)
{
	if (detail != NULL && detail[0] != '\0' && strcmp(detail, wa_strerr(err)) != 0)
		snprintf(why, why_size, "%s: %s (%s)", wa_errname(err), wa_strerr(err), detail);
	else
		snprintf(why, why_size, "%s: %s", wa_errname(err), wa_strerr(err));
}
