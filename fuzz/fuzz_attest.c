/*
 * Attestation statements (W3C §8) with their X.509 paths: the input is clientDataHash (32 bytes)
 * followed by an attestationObject, as registration has them after hashing clientDataJSON. The
 * object is read as §7.1 reads it (attObj, authData, credentialPublicKey), then the format's
 * procedure runs (packed, tpm, android-key, fido-u2f, apple, none) and its trust path is checked
 * with no anchors, so a seed made from a W3C vector verifies all the way through.
 */
#include <string.h>

#include "webauthn/attest.h"
#include "webauthn/attobj.h"
#include "webauthn/trust.h"

#include "fuzz.h"

#define FUZZ_CLIENT_DATA_HASH_LEN 32
/* Every certificate of the W3C vectors is valid then (2025-06-01T00:00:00Z). */
#define FUZZ_ATTEST_TIME ((time_t)1748736000)

static void verify(const uint8_t *cdh, const wa_attobj *obj, const wa_authdata *ad,
                   const wa_cose_key *key)
{
	/* The policies the W3C vectors need; the strict ones are each a branch the vectors cover.
	 */
	wa_attest_input in = {
	        .att_stmt = obj->att_stmt,
	        .auth_data = obj->auth_data,
	        .auth_data_len = obj->auth_data_len,
	        .ad = ad,
	        .client_data_hash = cdh,
	        .cred_key = key,
	        .android_key_allow_empty_authz = true,
	};
	wa_attest_result res;
	wa_trust trust;
	char detail[256];

	if (wa_attest_verify(obj->fmt, &in, &res) != WA_OK)
		return;
	if (res.x5c != NULL && wa_trust_init(&trust, FUZZ_ATTEST_TIME) == WA_OK) {
		(void)wa_trust_check_path(&trust, res.x5c, strcmp(obj->fmt, "packed") != 0, detail,
		                          sizeof(detail));
		wa_trust_reset(&trust);
	}
	wa_attest_result_reset(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wa_attobj obj;
	wa_authdata ad;
	wa_cose_key key = {0};

	if (size < FUZZ_CLIENT_DATA_HASH_LEN)
		return 0;
	if (wa_attobj_parse(data + FUZZ_CLIENT_DATA_HASH_LEN, size - FUZZ_CLIENT_DATA_HASH_LEN,
	                    &obj) != WA_OK)
		return 0;
	if (wa_authdata_parse(obj.auth_data, obj.auth_data_len, &ad) == WA_OK && ad.has_attested &&
	    wa_cose_decode(ad.cose_key, ad.cose_key_len, &key) == WA_OK &&
	    wa_attest_fmt_supported(obj.fmt))
		verify(data, &obj, &ad, &key);
	wa_cose_key_reset(&key);
	wa_attobj_reset(&obj);
	return 0;
}
