/* attestationObject (CBOR {fmt, attStmt, authData}) as registration reads it: wa_attobj_parse. */
#include "webauthn/attobj.h"
#include "webauthn/authdata.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wa_attobj obj;
	wa_authdata ad;

	if (wa_attobj_parse(data, size, &obj) == WA_OK) {
		/* Registration reads the authData it carries next (W3C §7.1 step 12). */
		(void)wa_authdata_parse(obj.auth_data, obj.auth_data_len, &ad);
		wa_attobj_reset(&obj);
	}
	return 0;
}
