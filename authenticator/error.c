#include "authenticator/error.h"

#define AU_ERROR KAGURA_XT_ROW
static const kagura_xt_row au_errors[AU_ERR__COUNT] = {
#include "authenticator/error.def"
};
KAGURA_XT_GETTER(au_strerr, au_err, au_errors, field1, "unknown error")
KAGURA_XT_GETTER(au_errname, au_err, au_errors, name, "AU_ERR_UNKNOWN")
