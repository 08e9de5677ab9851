/*
 * Passkeys in and out of a device file, in the shapes browser-automation tools use, so a
 * credential made in one can be used by the other:
 *
 *   cdp         Chrome DevTools Protocol WebAuthn.Credential, as WebAuthn.getCredentials returns
 *               and WebAuthn.addCredential takes: credentialId, isResidentCredential, rpId,
 *               privateKey (PKCS#8 DER), userHandle, signCount, backupEligibility, backupState,
 *               userName, userDisplayName; binary members in standard base64 with padding.
 *   playwright  Playwright's BrowserContext.credentials (credentials.get() / create()): id, rpId,
 *               userHandle, privateKey (PKCS#8 DER), publicKey (SPKI DER), signCount; binary
 *               members in base64url without padding.
 *
 * signCount is the counter the last assertion reported, in both shapes and in the device file
 * (the next assertion reports one more). An import is all or nothing.
 */
#ifndef KAGURA_AUTHENTICATOR_DEVICE_DEVICE_IO_H
#define KAGURA_AUTHENTICATOR_DEVICE_DEVICE_IO_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "authenticator/device/device.h"

/* The largest input read: 64 credentials with 4096-bit RSA keys take about a quarter of it. */
#define AU_IO_MAX_INPUT (1024 * 1024)

#define AU_IO_ERROR_TABLE(X)                                                                     \
	X(AU_IO_OK, "success")                                                                   \
	X(AU_IO_ERR_NOMEM, "out of memory")                                                      \
	X(AU_IO_ERR_INTERNAL, "internal error (OpenSSL or jansson refused a valid request)")     \
	X(AU_IO_ERR_READ, "the input cannot be read")                                            \
	X(AU_IO_ERR_TOO_BIG, "the input is larger than 1 MiB")                                   \
	X(AU_IO_ERR_NOT_JSON, "the input is not JSON")                                           \
	X(AU_IO_ERR_SHAPE,                                                                       \
	  "the input is not a credential, an array of them or an object with a \"credentials\" " \
	  "array")                                                                               \
	X(AU_IO_ERR_TOO_MANY, "more credentials than a device file holds")                       \
	X(AU_IO_ERR_FIELD, "a member is missing or has the wrong type or range")                 \
	X(AU_IO_ERR_BASE64, "a binary member is not in the format's base64 flavour")             \
	X(AU_IO_ERR_NOT_PKCS8, "the private key is not PKCS#8 DER")                              \
	X(AU_IO_ERR_KEY_TYPE,                                                                    \
	  "the private key is of a type the device cannot use (it signs with EC P-256, "         \
	  "Ed25519 or RSA of 2048 bits or more)")                                                \
	X(AU_IO_ERR_KEY_MISMATCH, "the key pair does not match")                                 \
	X(AU_IO_ERR_ALG_OFF, "the device's algorithms setting does not include the key's "       \
	                     "algorithm")                                                        \
	X(AU_IO_ERR_UNSUPPORTED, "the credential needs something the device does not have")      \
	X(AU_IO_ERR_BACKUP,                                                                      \
	  "the credential's backup eligibility differs from the device's backup_eligible "       \
	  "setting (the flag never changes for a credential)")                                   \
	X(AU_IO_ERR_DUPLICATE,                                                                   \
	  "the device already holds this credential (import --replace replaces it)")             \
	X(AU_IO_ERR_FULL, "the device has no room for the credentials")                          \
	X(AU_IO_ERR_EXPORT_ALG, "the format cannot carry this credential's algorithm")           \
	X(AU_IO_ERR_DEVICE, "the device file cannot be loaded or saved")

typedef enum au_io_err {
#define AU_IO_ERROR_ENUM(name, msg) name,
	AU_IO_ERROR_TABLE(AU_IO_ERROR_ENUM)
#undef AU_IO_ERROR_ENUM
	        AU_IO_ERR__COUNT
} au_io_err;

const char *au_io_strerr(au_io_err err);
const char *au_io_errname(au_io_err err);

/* Where and why an import or export failed, for the message the user reads. */
typedef struct au_io_report {
	char where[96];   /* the JSON path of the member at fault ("[0].privateKey"), or "" */
	char detail[256]; /* the specific reason (the parser's message, the key type), or "" */
} au_io_report;

typedef enum au_io_format {
	AU_IO_CDP,
	AU_IO_PLAYWRIGHT,
} au_io_format;

/* "cdp" or "playwright"; false for anything else. */
bool au_io_format_parse(const char *name, au_io_format *out);

/* The device's credentials (only those of rp_id unless NULL) as a JSON array in fmt. */
au_io_err au_io_export(const au_device *dev, au_io_format fmt, const char *rp_id, json_t **out,
                       au_io_report *rep);

typedef struct au_io_import_opts {
	au_io_format format;
	bool replace; /* a credential the device holds already is replaced instead of refused */
	time_t now;   /* the imported credentials' creation time */
} au_io_import_opts;

typedef struct au_io_import_result {
	size_t added;    /* credentials imported, replacements included */
	size_t replaced; /* of those, how many replaced one the device held */
} au_io_import_result;

/*
 * Adds the credentials in text (len bytes of JSON) to dev. A credential the device holds
 * already (the same credentialId and rpId, or a discoverable one for the same rpId and user
 * handle, which CTAP lets a device hold only once) is refused unless opts->replace. On any
 * error dev is unchanged.
 */
au_io_err au_io_import(au_device *dev, const char *text, size_t len, const au_io_import_opts *opts,
                       au_io_import_result *res, au_io_report *rep);

/* Reads all of f into a NUL-terminated buffer the caller frees; AU_IO_ERR_TOO_BIG past the cap. */
au_io_err au_io_read(FILE *f, char **text, size_t *len);

/*
 * au_io_import on the device file at path: loaded, changed, saved as au_device_save saves (0600,
 * a temporary renamed over it), the file's lock held throughout (device_lock.h); on any error the
 * file is not touched.
 */
au_io_err au_io_import_file(const char *path, const char *text, size_t len,
                            const au_io_import_opts *opts, au_io_import_result *res,
                            au_io_report *rep);

#endif
