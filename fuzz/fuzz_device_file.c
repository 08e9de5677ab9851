/*
 * The device file (kagura-authn's JSON of settings and credentials): the input is written in the
 * scratch folder and loaded by au_device_load, as every kagura-authn command starts; a device
 * that loads is exported in both passkey shapes, which reads every key it holds.
 */
#include <jansson.h>
#include <stdlib.h>

#include "authenticator/device/device.h"
#include "authenticator/device/device_io.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[4096];
	au_device *dev;
	au_io_report rep;
	json_t *out;

	if (!fuzz_write_file("device.json", data, size, path, sizeof(path)))
		return 0;
	/* A device holds its credentials inline: too large for the stack. */
	if ((dev = malloc(sizeof(*dev))) == NULL)
		return 0;
	if (au_device_load(dev, path) == AU_OK) {
		if (au_io_export(dev, AU_IO_CDP, NULL, &out, &rep) == AU_IO_OK)
			json_decref(out);
		if (au_io_export(dev, AU_IO_PLAYWRIGHT, NULL, &out, &rep) == AU_IO_OK)
			json_decref(out);
		au_device_free(dev);
	}
	free(dev);
	return 0;
}
