#include "rp/generation.h"

#include <stddef.h>
#include <string.h>

#include "webauthn/arraylen.h"

static const rp_generation generations[] = {
        {
                .name = "2.16",
                .has_405_sentence = true,
                .no_cookie_key = "cookieNotFoundMessage",
                .checks_other_user = true,
                .has_invalid_qr_page = true,
                .has_pc_failure_page = true,
                /* Keycloak 24 and later */
                .label_prompt = "Please input your registered passkey's label",
                .label_default = "Passkey (Default Label)",
                .empty_name_key = "kagura-user-not-registered",               /* 3.7 */
                .unknown_user_key = "kagura-device-auth-info-not-registered", /* 3.8 */
                .never_registered_key = "kagura-device-not-registered",       /* 3.12 */
                .has_forbidden_page = true,
                .has_card_error_pages = true,
                .card_user_unknown_key = "kagura-user-info-unavailable", /* 3.11 */
                .jpki = true,
                .fronts_check_crl = false, /* the platform tells a revoked card (3.18) */
        },
        {
                .name = "1.04",
                .has_405_sentence = false, /* only the container's heading */
                .no_cookie_key = "invalidCodeMessage",
                .checks_other_user = false,
                .has_invalid_qr_page = false,
                .has_pc_failure_page = false,
                /* Keycloak R15 */
                .label_prompt = "Please input your registered authenticator's label",
                .label_default = "WebAuthn Authenticator (Default Label)",
                /* its 3.7 names the empty Username with the text v2.16 gives 3.8 */
                .empty_name_key = "kagura-device-auth-info-not-registered",
                .unknown_user_key = "kagura-user-not-registered",                 /* its 3.6 */
                .never_registered_key = "kagura-device-auth-info-not-registered", /* its 3.7 */
                .has_forbidden_page = false,
                .has_card_error_pages = false,
                .card_user_unknown_key = "kagura-user-not-registered", /* its 3.6 */
                .jpki = false,
                .fronts_check_crl = true,
        },
};

const rp_generation *rp_generation_find(const char *name)
{
	for (size_t i = 0; name != NULL && i < KAGURA_LEN(generations); i++)
		if (strcmp(generations[i].name, name) == 0)
			return &generations[i];
	return NULL;
}
