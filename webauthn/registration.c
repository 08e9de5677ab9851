#include "webauthn/registration.h"

#include <string.h>

#include "webauthn/attobj.h"
#include "webauthn/hash.h"

static wa_err fail(wa_report *r, const char *what, wa_err err)
{
	wa_report_step(r, what, WA_STEP_FAILED, err, "%s", wa_strerr(err));
	return err;
}

static wa_err check_alg(const wa_reg_options *opt, int64_t alg, wa_report *r)
{
	static const char what[] = "credential alg is in pubKeyCredParams";

	for (size_t i = 0; i < opt->n_algs; i++) {
		if (opt->algs[i] == alg) {
			wa_report_step(r, what, WA_STEP_OK, WA_OK, "%s", wa_cose_alg_name(alg));
			return WA_OK;
		}
	}
	if (opt->n_algs == 0) {
		wa_report_step(r, what, WA_STEP_OK, WA_OK, "%s (no list given: any supported)",
		               wa_cose_alg_name(alg));
		return WA_OK;
	}
	wa_report_step(r, what, WA_STEP_FAILED, WA_ERR_ALG_NOT_ALLOWED, "%s (%lld) not requested",
	               wa_cose_alg_name(alg), (long long)alg);
	return WA_ERR_ALG_NOT_ALLOWED;
}

static wa_err check_trust(const wa_reg_options *opt, const char *fmt, const wa_attest_result *att,
                          wa_report *r)
{
	static const char what[] = "attestation trust path chains to an anchor";
	char detail[160];
	wa_err err;

	if (att->x5c == NULL) {
		wa_report_step(r, what, WA_STEP_SKIPPED, WA_OK,
		               "%s attestation has no trust path (accepted by policy)",
		               wa_att_type_name(att->type));
		return WA_OK;
	}
	/* Only packed is held to conformance's "no root in x5c"; Android chains end in theirs. */
	err = wa_trust_check_path(opt->trust, att->x5c, strcmp(fmt, "packed") != 0, detail,
	                          sizeof(detail));
	if (err != WA_OK) {
		wa_report_step(r, what, WA_STEP_FAILED, err, "%s%s%s", wa_strerr(err),
		               detail[0] ? ": " : "", detail);
		return err;
	}
	if (wa_trust_count(opt->trust) == 0) {
		if (opt->require_trusted_attestation)
			return fail(r, what, WA_ERR_ATT_UNTRUSTED);
		wa_report_step(
		        r, what, WA_STEP_SKIPPED, WA_OK,
		        "certificates valid at the verification time; no trust anchor configured");
		return WA_OK;
	}
	wa_report_step(r, what, WA_STEP_OK, WA_OK, "%d certificate(s), verified to an anchor",
	               sk_X509_num(att->x5c));
	return WA_OK;
}

static wa_err fill_record(const wa_reg_response *resp, const wa_attobj *obj, const wa_authdata *ad,
                          const wa_cose_key *key, const wa_attest_result *att, wa_credential *out)
{
	wa_err err;

	if ((err = wa_blob_set(&out->id, ad->cred_id, ad->cred_id_len)) != WA_OK ||
	    (err = wa_blob_set(&out->public_key, ad->cose_key, ad->cose_key_len)) != WA_OK)
		return err;
	/* The key the checks decoded from these bytes: the record takes its own reference. */
	if (!wa_cose_key_copy(key, &out->key))
		return WA_ERR_NOMEM;
	out->sign_count = ad->sign_count;
	out->uv_initialized = (ad->flags & WA_FLAG_UV) != 0;
	out->backup_eligible = (ad->flags & WA_FLAG_BE) != 0;
	out->backup_state = (ad->flags & WA_FLAG_BS) != 0;
	memcpy(out->aaguid, ad->aaguid, sizeof(out->aaguid));
	memcpy(out->fmt, obj->fmt, sizeof(out->fmt));
	out->att_type = att->type;
	for (size_t i = 0; i < resp->n_transports; i++) {
		if ((out->transports[i] = strdup(resp->transports[i])) == NULL)
			return WA_ERR_NOMEM;
		out->n_transports++;
	}
	return WA_OK;
}

/* Steps after the client data: everything about the attestation object. */
static wa_err verify_attestation(const wa_reg_options *opt, const wa_reg_response *resp,
                                 const uint8_t cdh[32], wa_credential *out, wa_report *r)
{
	wa_attobj obj;
	wa_authdata ad;
	wa_cose_key key = {0};
	wa_attest_result att = {0};
	wa_err err;

	if ((err = wa_attobj_parse(resp->attestation_object.ptr, resp->attestation_object.len,
	                           &obj)) != WA_OK)
		return fail(r, "attestationObject is CBOR {fmt, attStmt, authData}", err);
	wa_report_step(r, "attestationObject is CBOR {fmt, attStmt, authData}", WA_STEP_OK, WA_OK,
	               "fmt \"%s\"", obj.fmt);

	if ((err = wa_authdata_parse(obj.auth_data, obj.auth_data_len, &ad)) == WA_OK &&
	    !ad.has_attested)
		err = WA_ERR_AUTHDATA_AT_MISSING;
	if (err != WA_OK) {
		fail(r, "authData is well-formed with attested credential data", err);
		goto out;
	}
	wa_report_step(r, "authData is well-formed with attested credential data", WA_STEP_OK,
	               WA_OK, "%zu bytes, flags 0x%02x, signCount %u, credential id %zu bytes",
	               obj.auth_data_len, ad.flags, ad.sign_count, ad.cred_id_len);

	if (!wa_blob_eq(&resp->raw_id, ad.cred_id, ad.cred_id_len)) {
		err = fail(r, "credential id equals the attested credentialId",
		           WA_ERR_CRED_ID_MISMATCH);
		goto out;
	}
	if ((err = wa_check_auth_flags(&opt->expect, &ad, opt->conditional, r)) != WA_OK)
		goto out;

	if ((err = wa_cose_decode(ad.cose_key, ad.cose_key_len, &key)) != WA_OK) {
		fail(r, "credentialPublicKey is a valid COSE key", err);
		goto out;
	}
	wa_report_step(r, "credentialPublicKey is a valid COSE key", WA_STEP_OK, WA_OK, "%s",
	               wa_cose_alg_name(key.alg));
	if ((err = check_alg(opt, key.alg, r)) != WA_OK)
		goto out;

	if (!wa_attest_fmt_supported(obj.fmt)) {
		wa_report_step(r, "fmt is a supported attestation format", WA_STEP_FAILED,
		               WA_ERR_FMT_UNSUPPORTED, "\"%s\"", obj.fmt);
		err = WA_ERR_FMT_UNSUPPORTED;
		goto out;
	}
	wa_report_step(r, "fmt is a supported attestation format", WA_STEP_OK, WA_OK, "%s",
	               obj.fmt);

	wa_attest_input in = {
	        .att_stmt = obj.att_stmt,
	        .auth_data = obj.auth_data,
	        .auth_data_len = obj.auth_data_len,
	        .ad = &ad,
	        .client_data_hash = cdh,
	        .cred_key = &key,
	        .u2f_require_zero_aaguid = opt->u2f_require_zero_aaguid,
	        .android_key_tee_only = opt->android_key_tee_only,
	        .android_key_allow_empty_authz = opt->android_key_allow_empty_authz,
	};
	if ((err = wa_attest_verify(obj.fmt, &in, &att)) != WA_OK) {
		fail(r, "attStmt passes the format's verification procedure", err);
		goto out;
	}
	wa_report_step(r, "attStmt passes the format's verification procedure", WA_STEP_OK, WA_OK,
	               "%s attestation", wa_att_type_name(att.type));
	if ((err = check_trust(opt, obj.fmt, &att, r)) != WA_OK)
		goto out;

	/* The 1023-byte limit is enforced by the authData parser; report it as its own step. */
	wa_report_step(r, "credentialId is at most 1023 bytes", WA_STEP_OK, WA_OK, "%zu bytes",
	               ad.cred_id_len);
	if (opt->is_registered != NULL &&
	    opt->is_registered(opt->is_registered_ctx, ad.cred_id, ad.cred_id_len)) {
		err = fail(r, "credentialId is not registered yet", WA_ERR_CRED_ID_REGISTERED);
		goto out;
	}
	wa_report_step(r, "credentialId is not registered yet",
	               opt->is_registered ? WA_STEP_OK : WA_STEP_SKIPPED, WA_OK,
	               opt->is_registered ? NULL : "no credential store given");

	if ((err = fill_record(resp, &obj, &ad, &key, &att, out)) != WA_OK) {
		wa_credential_reset(out);
		fail(r, "credential record created", err);
	}
out:
	wa_attest_result_reset(&att);
	wa_cose_key_reset(&key);
	wa_attobj_reset(&obj);
	return err;
}

wa_err wa_verify_registration(const wa_reg_options *opt, const wa_reg_response *resp,
                              wa_credential *out, wa_report *report)
{
	uint8_t cdh[WA_SHA256_LEN];
	wa_err err;

	memset(out, 0, sizeof(*out));
	if (report != NULL) {
		report->ceremony = "registration";
		report->n = 0;
	}
	if (opt == NULL || resp == NULL || opt->trust == NULL)
		return fail(report, "verification options", WA_ERR_ARG);
	err = wa_check_client_data(&opt->expect, WA_TYPE_CREATE, resp->client_data_json.ptr,
	                           resp->client_data_json.len, report);
	if (err != WA_OK)
		return err;
	wa_sha256(resp->client_data_json.ptr, resp->client_data_json.len, cdh);
	return verify_attestation(opt, resp, cdh, out, report);
}
