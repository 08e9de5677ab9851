/* Error codes of the authenticator simulator (device file, options, the browser, CLI input). */
#ifndef KAGURA_AUTHENTICATOR_ERROR_H
#define KAGURA_AUTHENTICATOR_ERROR_H

#define AU_ERROR_TABLE(X)                                                                 \
	X(AU_OK, "success")                                                               \
	X(AU_ERR_NOMEM, "out of memory")                                                  \
	X(AU_ERR_INTERNAL,                                                                \
	  "internal error (OpenSSL, libcbor or libfido2 refused a valid request)")        \
	X(AU_ERR_IO, "device file cannot be read or written")                             \
	X(AU_ERR_FILE_FORMAT, "device file is not a kagura device (JSON with version 1)") \
	X(AU_ERR_FILE_FIELD, "device file has a missing or malformed field")              \
	X(AU_ERR_SETTING_UNKNOWN, "unknown device setting")                               \
	X(AU_ERR_SETTING_VALUE, "value out of range for the device setting")              \
	X(AU_ERR_PERSONA_UNKNOWN, "unknown persona")                                      \
	X(AU_ERR_PERSONA_FORMAT, "persona file is malformed")                             \
	X(AU_ERR_PERSONA_ARG, "bad failure class, operation or buffer for a persona")     \
	X(AU_ERR_OPTIONS_JSON, "options are not valid JSON")                              \
	X(AU_ERR_OPTIONS_FIELD, "options have a missing or malformed member")             \
	X(AU_ERR_ORIGIN, "origin is not a valid https (or http://localhost) origin")      \
	X(AU_ERR_NETWORK, "the browser could not load the page (transport failure)")      \
	X(AU_ERR_NO_HISTORY,                                                              \
	  "the browser has no such page: none to go back to, reload or post again")       \
	X(AU_ERR_ARG, "bad argument (NULL, or a body to post that is not JSON)")          \
	X(AU_ERR_BROWSER_FILE,                                                            \
	  "the browser's cookie jar, client certificate, key or CA file cannot be used")  \
	X(AU_ERR_NO_FORM, "the page on screen has no such form")                          \
	X(AU_ERR_NO_QR, "the page on screen shows no QR code to wait on")                 \
	X(AU_ERR_QR_POLL, "the QR page's poll answer names no state")                     \
	X(AU_ERR_QR_WAITING, "the QR page is still waiting: the phone has not finished")

typedef enum au_err {
#define AU_ERROR_ENUM(name, msg) name,
	AU_ERROR_TABLE(AU_ERROR_ENUM)
#undef AU_ERROR_ENUM
	        AU_ERR__COUNT
} au_err;

const char *au_strerr(au_err err);
const char *au_errname(au_err err);

#endif
