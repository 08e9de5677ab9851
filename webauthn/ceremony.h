/* What both ceremonies expect of the client data and authenticator data. */
#ifndef KAGURA_WEBAUTHN_CEREMONY_H
#define KAGURA_WEBAUTHN_CEREMONY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "webauthn/authdata.h"
#include "webauthn/clientdata.h"
#include "webauthn/report.h"

typedef struct wa_expect {
	const uint8_t *challenge; /* the raw bytes sent in the options */
	size_t challenge_len;
	const char *const *origins; /* the RP's origins; exact match */
	size_t n_origins;
	const char *rp_id;
	bool require_uv; /* userVerification "required" */
	/* Embedding in a cross-origin iframe is refused unless allowed;
	 * topOrigin must then be one of top_origins. */
	bool allow_cross_origin;
	const char *const *top_origins;
	size_t n_top_origins;
} wa_expect;

/*
 * The clientDataJSON steps shared by §7.1 and §7.2: parse, type, challenge,
 * origin, crossOrigin, topOrigin. Each step is reported.
 */
wa_err wa_check_client_data(const wa_expect *ex, const char *type, const uint8_t *cdata,
                            size_t cdata_len, wa_report *r);

/* rpIdHash, UP (unless up_optional), UV when required, BS only with BE. */
wa_err wa_check_auth_flags(const wa_expect *ex, const wa_authdata *ad, bool up_optional,
                           wa_report *r);

#endif
