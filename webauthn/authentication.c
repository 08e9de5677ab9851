#include "webauthn/authentication.h"

#include <stdlib.h>
#include <string.h>

#include "webauthn/hash.h"

static wa_err fail(wa_report *r, const char *what, wa_err err)
{
	wa_report_step(r, what, WA_STEP_FAILED, err, "%s", wa_strerr(err));
	return err;
}

static wa_err check_identity(const wa_auth_options *opt, const wa_auth_response *resp,
                             const wa_credential *cred, wa_report *r)
{
	bool allowed = opt->n_allow_credentials == 0;

	for (size_t i = 0; i < opt->n_allow_credentials && !allowed; i++)
		allowed =
		        wa_blob_eq(&opt->allow_credentials[i], resp->raw_id.ptr, resp->raw_id.len);
	if (!allowed)
		return fail(r, "credential id is in allowCredentials", WA_ERR_CRED_NOT_ALLOWED);
	wa_report_step(r, "credential id is in allowCredentials",
	               opt->n_allow_credentials ? WA_STEP_OK : WA_STEP_SKIPPED, WA_OK,
	               opt->n_allow_credentials ? NULL : "empty allowCredentials");

	if (!wa_blob_eq(&cred->id, resp->raw_id.ptr, resp->raw_id.len))
		return fail(r, "credential id names the stored credential record",
		            WA_ERR_CRED_UNKNOWN);
	wa_report_step(r, "credential id names the stored credential record", WA_STEP_OK, WA_OK,
	               NULL);

	if (resp->has_user_handle && cred->user_handle.len &&
	    !wa_blob_eq(&cred->user_handle, resp->user_handle.ptr, resp->user_handle.len))
		return fail(r, "userHandle belongs to the credential's owner", WA_ERR_USER_HANDLE);
	if (!resp->has_user_handle && !opt->user_identified)
		return fail(r, "userHandle belongs to the credential's owner", WA_ERR_USER_HANDLE);
	wa_report_step(r, "userHandle belongs to the credential's owner",
	               resp->has_user_handle && cred->user_handle.len ? WA_STEP_OK
	                                                              : WA_STEP_SKIPPED,
	               WA_OK, "%s",
	               !resp->has_user_handle       ? "no userHandle; user identified before"
	               : cred->user_handle.len == 0 ? "stored record names no owner user handle"
	                                            : "");
	return WA_OK;
}

static wa_err verify_signature(const wa_auth_response *resp, const wa_credential *cred,
                               wa_report *r)
{
	static const char what[] = "signature over authData || SHA-256(clientDataJSON) verifies";
	uint8_t stackbuf[512];
	size_t len = resp->authenticator_data.len + WA_SHA256_LEN;
	uint8_t *msg = len <= sizeof(stackbuf) ? stackbuf : malloc(len);
	wa_err err;

	if (msg == NULL)
		return fail(r, what, WA_ERR_NOMEM);
	memcpy(msg, resp->authenticator_data.ptr, resp->authenticator_data.len);
	wa_sha256(resp->client_data_json.ptr, resp->client_data_json.len,
	          msg + resp->authenticator_data.len);
	err = wa_cose_verify(&cred->key, msg, len, resp->signature.ptr, resp->signature.len);
	if (msg != stackbuf)
		free(msg);
	if (err != WA_OK)
		return fail(r, what, err == WA_ERR_ARG ? WA_ERR_RECORD : err);
	wa_report_step(r, what, WA_STEP_OK, WA_OK, "%s", wa_cose_alg_name(cred->key.alg));
	return WA_OK;
}

static wa_err check_counter(const wa_auth_options *opt, const wa_authdata *ad,
                            const wa_credential *cred, wa_report *r)
{
	static const char what[] = "signCount increased (or both are 0)";

	if (ad->sign_count == 0 && cred->sign_count == 0) {
		wa_report_step(r, what, WA_STEP_OK, WA_OK, "0/0: authenticator keeps no counter");
		return WA_OK;
	}
	if (ad->sign_count > cred->sign_count) {
		wa_report_step(r, what, WA_STEP_OK, WA_OK, "%u > stored %u", ad->sign_count,
		               cred->sign_count);
		return WA_OK;
	}
	if (opt->allow_counter_regression) {
		wa_report_step(r, what, WA_STEP_SKIPPED, WA_OK,
		               "%u <= stored %u, accepted by policy", ad->sign_count,
		               cred->sign_count);
		return WA_OK;
	}
	wa_report_step(r, what, WA_STEP_FAILED, WA_ERR_SIGN_COUNT, "%u <= stored %u",
	               ad->sign_count, cred->sign_count);
	return WA_ERR_SIGN_COUNT;
}

wa_err wa_verify_authentication(const wa_auth_options *opt, const wa_auth_response *resp,
                                wa_credential *cred, wa_report *report)
{
	wa_authdata ad;
	wa_err err;

	if (report != NULL) {
		report->ceremony = "authentication";
		report->n = 0;
	}
	if (opt == NULL || resp == NULL || cred == NULL || cred->key.pkey == NULL)
		return fail(report, "verification options", WA_ERR_ARG);
	if ((err = check_identity(opt, resp, cred, report)) != WA_OK)
		return err;
	if ((err = wa_check_client_data(&opt->expect, WA_TYPE_GET, resp->client_data_json.ptr,
	                                resp->client_data_json.len, report)) != WA_OK)
		return err;

	err = wa_authdata_parse(resp->authenticator_data.ptr, resp->authenticator_data.len, &ad);
	if (err == WA_OK && ad.has_attested)
		err = WA_ERR_AUTHDATA_AT_UNEXPECTED;
	if (err != WA_OK)
		return fail(report, "authenticatorData is well-formed", err);
	wa_report_step(report, "authenticatorData is well-formed", WA_STEP_OK, WA_OK,
	               "flags 0x%02x, signCount %u", ad.flags, ad.sign_count);

	if ((err = wa_check_auth_flags(&opt->expect, &ad, false, report)) != WA_OK)
		return err;
	if (((ad.flags & WA_FLAG_BE) != 0) != cred->backup_eligible) {
		wa_report_step(report, "BE equals the stored backupEligible", WA_STEP_FAILED,
		               WA_ERR_BE_CHANGED, "BE=%d, stored %d", (ad.flags & WA_FLAG_BE) != 0,
		               cred->backup_eligible);
		return WA_ERR_BE_CHANGED;
	}
	wa_report_step(report, "BE equals the stored backupEligible", WA_STEP_OK, WA_OK, NULL);

	if ((err = verify_signature(resp, cred, report)) != WA_OK)
		return err;
	if ((err = check_counter(opt, &ad, cred, report)) != WA_OK)
		return err;

	/* Every check passed: only now does the stored record change. */
	cred->sign_count = ad.sign_count;
	cred->backup_state = (ad.flags & WA_FLAG_BS) != 0;
	if (ad.flags & WA_FLAG_UV)
		cred->uv_initialized = true;
	wa_report_step(report, "credential record updated", WA_STEP_OK, WA_OK, "signCount %u",
	               cred->sign_count);
	return WA_OK;
}
