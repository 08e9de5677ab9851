/*
 * Personas (fixtures/personas/NAME.json): the input is written as a persona file in the scratch
 * folder and read by au_persona_load; an accepted persona's exceptions are expanded for both
 * operations and its device defaults applied to a new device, as a phone does.
 */
#include <stdlib.h>

#include "authenticator/device/device.h"
#include "authenticator/phone/persona.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[4096], name[128], message[1024];
	au_persona persona;
	au_device *dev;
	const char *why;

	if (!fuzz_write_file("fuzz.json", data, size, path, sizeof(path)) ||
	    au_persona_load(fuzz_tmpdir(), "fuzz", &persona) != AU_OK)
		return 0;
	for (int f = 0; f < AU_FAIL__COUNT; f++) {
		(void)au_persona_error(&persona, (au_failure)f, "create", name, sizeof(name),
		                       message, sizeof(message));
		(void)au_persona_error(&persona, (au_failure)f, "get", name, sizeof(name), message,
		                       sizeof(message));
		(void)au_persona_source(&persona, (au_failure)f);
	}
	/* A device holds its credentials inline: too large for the stack. */
	if ((dev = malloc(sizeof(*dev))) != NULL && au_device_init(dev, "fuzz") == AU_OK) {
		(void)au_persona_apply_device(&persona, dev, &why);
		au_device_free(dev);
	}
	free(dev);
	au_persona_free(&persona);
	return 0;
}
