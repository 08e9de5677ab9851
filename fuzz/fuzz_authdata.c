/*
 * authenticatorData (W3C §6.1): wa_authdata_parse, and the encoder's round trip: what parses must
 * encode back to exactly the bytes read (the parser keeps nothing it could not write back).
 */
#include <stdlib.h>
#include <string.h>

#include "webauthn/authdata.h"
#include "webauthn/blob.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wa_authdata ad;
	wa_blob again = {0};

	if (wa_authdata_parse(data, size, &ad) != WA_OK)
		return 0;
	if (wa_authdata_encode(&ad, &again) == WA_OK && !wa_blob_eq(&again, data, size))
		abort(); /* parse and encode disagree: one of them mis-reads a field */
	wa_blob_reset(&again);
	return 0;
}
