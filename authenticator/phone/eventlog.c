#include "authenticator/phone/eventlog.h"

#include <jansson.h>
#include <stdlib.h>

void au_eventlog_write(au_eventlog *log, const char *source, const char *event, const char *detail)
{
	char when[32];
	json_t *line;
	char *text;

	if (log == NULL || log->out == NULL)
		return;
	wa_time_format(wa_clock_now(log->clock), when, sizeof(when));
	line = json_pack("{s:s, s:s, s:s, s:s}", "time", when, "source", source, "event", event,
	                 "detail", detail ? detail : "");
	if (line == NULL)
		return;
	if ((text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER)) != NULL) {
		fprintf(log->out, "%s\n", text);
		fflush(log->out);
	}
	free(text);
	json_decref(line);
}
