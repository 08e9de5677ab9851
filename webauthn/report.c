#include "webauthn/report.h"

#include <stdarg.h>
#include <stdio.h>

void wa_report_step(wa_report *r, const char *what, wa_step_status status, wa_err err,
                    const char *detail_fmt, ...)
{
	wa_step *s;
	va_list ap;

	if (r == NULL || r->n >= WA_REPORT_MAX || (r->failures_only && status != WA_STEP_FAILED))
		return;
	s = &r->steps[r->n++];
	s->what = what;
	s->status = status;
	s->err = err;
	s->detail[0] = '\0';
	if (detail_fmt != NULL) {
		va_start(ap, detail_fmt);
		vsnprintf(s->detail, sizeof(s->detail), detail_fmt, ap);
		va_end(ap);
	}
}

const char *wa_step_status_name(wa_step_status status)
{
	switch (status) {
	case WA_STEP_OK:
		return "ok";
	case WA_STEP_FAILED:
		return "failed";
	case WA_STEP_SKIPPED:
		return "skipped";
	}
	return "?";
}
