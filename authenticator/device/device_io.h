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

#include "webauthn/xtable.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "authenticator/device/device.h"

/* The largest input read: 64 credentials with 4096-bit RSA keys take about a quarter of it. */
#define AU_IO_MAX_INPUT (1024 * 1024)

#define AU_IO_ERROR KAGURA_XT_ENUM
typedef enum au_io_err {
#include "authenticator/device/device_io_error.def"
	AU_IO_ERR__COUNT
} au_io_err;

/* The message, and the symbolic name ("AU_IO_ERR_SHAPE"); never NULL. */
KAGURA_XT_DECLARE(au_io_err, au_io_strerr, au_io_errname);

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
