/* Origins and RP IDs as browsers read them (common/origin.h): the input is an origin, then an RP
 * ID after its first newline. What parses is checked against its parts and the RP ID rule run. */
#include <stdlib.h>
#include <string.h>

#include "common/origin.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *rp_id;
	cm_origin o;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	rp_id = strchr(text, '\n');
	if (rp_id != NULL)
		*rp_id++ = '\0';
	if (cm_origin_parse(text, &o)) {
		/* The parts are the text's: its scheme before "://", its host right after. */
		if (strncmp(text, o.scheme, strlen(o.scheme)) != 0 ||
		    strncmp(text + strlen(o.scheme), "://", 3) != 0 ||
		    strncmp(text + strlen(o.scheme) + 3, o.host, strlen(o.host)) != 0)
			abort();
		(void)cm_host_is_ip(o.host);
		(void)cm_host_is_loopback(o.host);
		if (rp_id != NULL && cm_rp_id_suffix_ok(o.host, rp_id) &&
		    strcmp(rp_id, o.host) != 0 &&
		    (strlen(rp_id) >= strlen(o.host) ||
		     strcmp(o.host + strlen(o.host) - strlen(rp_id), rp_id) != 0))
			abort(); /* an RP ID other than the host must be its suffix */
	}
	free(text);
	return 0;
}
