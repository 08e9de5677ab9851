#include "webauthn/ceremony.h"

#include <openssl/crypto.h>
#include <string.h>

#include "webauthn/b64url.h"
#include "webauthn/hash.h"

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] != NULL && strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static wa_err fail(wa_report *r, const char *what, wa_err err, const char *detail)
{
	wa_report_step(r, what, WA_STEP_FAILED, err, "%s", detail ? detail : wa_strerr(err));
	return err;
}

static wa_err check_parsed(const wa_expect *ex, const char *type, const wa_clientdata *cd,
                           wa_report *r)
{
	wa_blob chal = {0};
	wa_err err;
	bool same;

	if (strcmp(cd->type, type) != 0) {
		wa_report_step(r, "C.type is the ceremony's type", WA_STEP_FAILED,
		               WA_ERR_CDATA_TYPE, "expected \"%s\", got \"%.80s\"", type, cd->type);
		return WA_ERR_CDATA_TYPE;
	}
	wa_report_step(r, "C.type is the ceremony's type", WA_STEP_OK, WA_OK, "%s", type);

	err = wa_b64url_decode(cd->challenge, strlen(cd->challenge), &chal);
	if (err != WA_OK)
		return fail(r, "C.challenge equals the options' challenge",
		            err == WA_ERR_NOMEM ? err : WA_ERR_CDATA_CHALLENGE_ENCODING, NULL);
	same = ex->challenge != NULL && chal.len == ex->challenge_len &&
	       CRYPTO_memcmp(chal.ptr, ex->challenge, chal.len) == 0;
	wa_blob_reset(&chal);
	if (!same) {
		wa_report_step(r, "C.challenge equals the options' challenge", WA_STEP_FAILED,
		               WA_ERR_CDATA_CHALLENGE, "got %.100s", cd->challenge);
		return WA_ERR_CDATA_CHALLENGE;
	}
	wa_report_step(r, "C.challenge equals the options' challenge", WA_STEP_OK, WA_OK, NULL);

	if (!in_list(cd->origin, ex->origins, ex->n_origins)) {
		wa_report_step(r, "C.origin is an expected origin", WA_STEP_FAILED,
		               WA_ERR_CDATA_ORIGIN, "got \"%.120s\"", cd->origin);
		return WA_ERR_CDATA_ORIGIN;
	}
	wa_report_step(r, "C.origin is an expected origin", WA_STEP_OK, WA_OK, "%.120s",
	               cd->origin);

	if (cd->cross_origin && !ex->allow_cross_origin)
		return fail(r, "C.crossOrigin is expected", WA_ERR_CDATA_CROSS_ORIGIN, NULL);
	wa_report_step(r, "C.crossOrigin is expected", WA_STEP_OK, WA_OK, "%s",
	               cd->cross_origin ? "true" : "false or absent");

	if (cd->top_origin != NULL) {
		if (!ex->allow_cross_origin ||
		    !in_list(cd->top_origin, ex->top_origins, ex->n_top_origins)) {
			wa_report_step(r, "C.topOrigin is an expected top-level origin",
			               WA_STEP_FAILED, WA_ERR_CDATA_TOP_ORIGIN, "got \"%.120s\"",
			               cd->top_origin);
			return WA_ERR_CDATA_TOP_ORIGIN;
		}
		wa_report_step(r, "C.topOrigin is an expected top-level origin", WA_STEP_OK, WA_OK,
		               "%.120s", cd->top_origin);
	}
	return WA_OK;
}

wa_err wa_check_client_data(const wa_expect *ex, const char *type, const uint8_t *cdata,
                            size_t cdata_len, wa_report *r)
{
	wa_clientdata cd;
	wa_err err;

	if ((err = wa_clientdata_parse(cdata, cdata_len, &cd)) != WA_OK)
		return fail(r, "clientDataJSON is UTF-8 JSON (CollectedClientData)", err, NULL);
	wa_report_step(r, "clientDataJSON is UTF-8 JSON (CollectedClientData)", WA_STEP_OK, WA_OK,
	               NULL);
	err = check_parsed(ex, type, &cd, r);
	wa_clientdata_reset(&cd);
	return err;
}

wa_err wa_check_auth_flags(const wa_expect *ex, const wa_authdata *ad, bool up_optional,
                           wa_report *r)
{
	uint8_t hash[WA_SHA256_LEN];

	wa_sha256(ex->rp_id ? ex->rp_id : "", ex->rp_id ? strlen(ex->rp_id) : 0, hash);
	if (ex->rp_id == NULL || memcmp(hash, ad->rp_id_hash, sizeof(hash)) != 0)
		return fail(r, "rpIdHash is SHA-256 of the RP ID", WA_ERR_RP_ID_HASH, NULL);
	wa_report_step(r, "rpIdHash is SHA-256 of the RP ID", WA_STEP_OK, WA_OK, "%s", ex->rp_id);

	if (!(ad->flags & WA_FLAG_UP) && !up_optional)
		return fail(r, "UP flag set", WA_ERR_UP_REQUIRED, NULL);
	wa_report_step(r, "UP flag set", up_optional ? WA_STEP_SKIPPED : WA_STEP_OK, WA_OK,
	               up_optional ? "conditional mediation" : NULL);

	if (ex->require_uv && !(ad->flags & WA_FLAG_UV))
		return fail(r, "UV flag set when user verification is required", WA_ERR_UV_REQUIRED,
		            NULL);
	wa_report_step(r, "UV flag set when user verification is required",
	               ex->require_uv ? WA_STEP_OK : WA_STEP_SKIPPED, WA_OK, "UV=%d",
	               (ad->flags & WA_FLAG_UV) != 0);

	if ((ad->flags & WA_FLAG_BS) && !(ad->flags & WA_FLAG_BE))
		return fail(r, "BS set only when BE is set", WA_ERR_BS_WITHOUT_BE, NULL);
	wa_report_step(r, "BS set only when BE is set", WA_STEP_OK, WA_OK, "BE=%d BS=%d",
	               (ad->flags & WA_FLAG_BE) != 0, (ad->flags & WA_FLAG_BS) != 0);
	return WA_OK;
}
