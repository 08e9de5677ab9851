/* clientDataJSON (W3C §5.8.1): strict UTF-8 and JSON, wa_clientdata_parse. */
#include "webauthn/clientdata.h"
#include "webauthn/utf8.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wa_clientdata cd = {0};

	(void)wa_utf8_valid(data, size);
	if (wa_clientdata_parse(data, size, &cd) == WA_OK)
		wa_clientdata_reset(&cd);
	return 0;
}
