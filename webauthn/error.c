#include "webauthn/error.h"

static const char *const messages[] = {
#define WA_ERROR_MSG(name, msg) [name] = msg,
        WA_ERROR_TABLE(WA_ERROR_MSG)
#undef WA_ERROR_MSG
};

static const char *const names[] = {
#define WA_ERROR_NAME(name, msg) [name] = #name,
        WA_ERROR_TABLE(WA_ERROR_NAME)
#undef WA_ERROR_NAME
};

const char *wa_strerr(wa_err err)
{
	if ((unsigned)err >= WA_ERR__COUNT)
		return "unknown error";
	return messages[err];
}

const char *wa_errname(wa_err err)
{
	if ((unsigned)err >= WA_ERR__COUNT)
		return "WA_ERR_UNKNOWN";
	return names[err];
}
