/* Error codes of the WebAuthn protocol core: one per way a check can fail. */
#ifndef KAGURA_WEBAUTHN_ERROR_H
#define KAGURA_WEBAUTHN_ERROR_H

#include "webauthn/xtable.h"

/* The codes, each with its name and message in one table: webauthn/error.def. */
#define WA_ERROR KAGURA_XT_ENUM
typedef enum wa_err {
#include "webauthn/error.def"
	WA_ERR__COUNT
} wa_err;

/* The human message for an error code, and its symbolic name ("WA_ERR_SIG_INVALID"); never NULL. */
KAGURA_XT_DECLARE(wa_err, wa_strerr, wa_errname);

#endif
