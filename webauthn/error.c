#include "webauthn/error.h"

#include "webauthn/xtable.h"

#define WA_ERROR KAGURA_XT_ROW
static const kagura_xt_row wa_errors[WA_ERR__COUNT] = {
#include "webauthn/error.def"
};
KAGURA_XT_GETTER(wa_strerr, wa_err, wa_errors, field1, "unknown error")
KAGURA_XT_GETTER(wa_errname, wa_err, wa_errors, name, "WA_ERR_UNKNOWN")
