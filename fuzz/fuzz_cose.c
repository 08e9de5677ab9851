/* COSE_Key credential public keys (RFC 9052/9053): wa_cose_decode, then a signature check with
 * the key, which drives the algorithm-specific code over whatever key was accepted. */
#include "webauthn/cose.h"

#include "fuzz.h"

/* A signature over a fixed message never verifies: only the path through the key is wanted. */
static const uint8_t message[] = "kagura fuzz message";
static const uint8_t signature[] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wa_cose_key key = {0};

	if (wa_cose_decode(data, size, &key) == WA_OK)
		(void)wa_cose_verify(&key, message, sizeof(message), signature, sizeof(signature));
	wa_cose_key_reset(&key);
	return 0;
}
