/* Error codes of the authenticator simulator (device file, options, the browser, CLI input). */
#ifndef KAGURA_AUTHENTICATOR_ERROR_H
#define KAGURA_AUTHENTICATOR_ERROR_H

#include "webauthn/xtable.h"

#define AU_ERROR KAGURA_XT_ENUM
typedef enum au_err {
#include "authenticator/error.def"
	AU_ERR__COUNT
} au_err;

/* The message, and the symbolic name ("AU_ERR_NOMEM"); never NULL. */
KAGURA_XT_DECLARE(au_err, au_strerr, au_errname);

#endif
