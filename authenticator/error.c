#include "authenticator/error.h"

static const char *const messages[] = {
#define AU_ERROR_MSG(name, msg) [name] = msg,
        AU_ERROR_TABLE(AU_ERROR_MSG)
#undef AU_ERROR_MSG
};

static const char *const names[] = {
#define AU_ERROR_NAME(name, msg) [name] = #name,
        AU_ERROR_TABLE(AU_ERROR_NAME)
#undef AU_ERROR_NAME
};

const char *au_strerr(au_err err)
{
	return (unsigned)err < AU_ERR__COUNT ? messages[err] : "unknown error";
}

const char *au_errname(au_err err)
{
	return (unsigned)err < AU_ERR__COUNT ? names[err] : "AU_ERR_UNKNOWN";
}
