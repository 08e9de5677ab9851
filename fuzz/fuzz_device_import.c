/*
 * Passkeys imported into a device (kagura-authn device import): CDP and Playwright credential
 * JSON through au_io_import into a new device. The first byte picks the shape and whether a
 * credential already held is replaced; the rest is the JSON.
 */
#include <stdlib.h>

#include "authenticator/device/device.h"
#include "authenticator/device/device_io.h"

#include "fuzz.h"

/* Creation time of imported credentials: any fixed time (2025-06-01T00:00:00Z). */
#define FUZZ_IMPORT_TIME           ((time_t)1748736000)
#define FUZZ_IMPORT_PLAYWRIGHT_BIT 0x01
#define FUZZ_IMPORT_REPLACE_BIT    0x02

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	au_io_import_opts opts = {.now = FUZZ_IMPORT_TIME};
	au_io_import_result res;
	au_io_report rep;
	au_device *dev;
	char *text;

	if (size < 1)
		return 0;
	opts.format = (data[0] & FUZZ_IMPORT_PLAYWRIGHT_BIT) ? AU_IO_PLAYWRIGHT : AU_IO_CDP;
	opts.replace = (data[0] & FUZZ_IMPORT_REPLACE_BIT) != 0;
	/* The command hands it a NUL-terminated buffer (au_io_read). */
	if ((text = fuzz_strndup(data + 1, size - 1)) == NULL)
		return 0;
	/* A device holds its credentials inline: too large for the stack. */
	if ((dev = malloc(sizeof(*dev))) != NULL && au_device_init(dev, "fuzz") == AU_OK) {
		(void)au_io_import(dev, text, size - 1, &opts, &res, &rep);
		au_device_free(dev);
	}
	free(dev);
	free(text);
	return 0;
}
