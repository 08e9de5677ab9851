/* fmt "none" (§8.7): nothing to verify, but the statement must be empty. */
#include "webauthn/attest_formats.h"

wa_err wa_attest_none(const wa_attest_input *in, wa_attest_result *out)
{
	if (cbor_map_size(in->att_stmt) != 0)
		return WA_ERR_ATT_NONE_NOT_EMPTY;
	out->type = WA_ATT_TYPE_NONE;
	return WA_OK;
}
