#include "procstat.h"

#include <stdio.h>
#include <string.h>

bool bs_memory_of(pid_t pid, bs_memory *out)
{
	char path[64], line[256];
	FILE *f;

	out->rss_kib = out->peak_kib = -1;
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		/* "VmRSS:	   12345 kB" */
		if (strncmp(line, "VmRSS:", 6) == 0)
			sscanf(line + 6, "%ld", &out->rss_kib);
		else if (strncmp(line, "VmHWM:", 6) == 0)
			sscanf(line + 6, "%ld", &out->peak_kib);
	}
	fclose(f);
	return out->rss_kib >= 0 && out->peak_kib >= 0;
}
