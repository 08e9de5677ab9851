/*
 * libfido2 talking to an in-memory au_hid: the host side of the simulated
 * authenticator, framed by libfido2's own CTAPHID code. Callers run
 * fido_init(FIDO_DISABLE_U2F_FALLBACK) once, so a broken GetInfo fails the
 * open instead of silently downgrading the device to U2F.
 */
#ifndef KAGURA_AUTHENTICATOR_DEVICE_FIDO_GLUE_H
#define KAGURA_AUTHENTICATOR_DEVICE_FIDO_GLUE_H

#include <fido.h>

#include "authenticator/device/ctaphid.h"

/*
 * A new fido_dev_t on hid, opened (CTAPHID INIT, then GetInfo in FIDO2 mode).
 * FIDO_OK and *out set, or a libfido2 error code and *out NULL. hid must
 * outlive the device; au_fido_close() releases it.
 */
int au_fido_open(au_hid *hid, fido_dev_t **out);
/* Closes and frees *dev (NULL or already closed is fine), then sets it to NULL. */
void au_fido_close(fido_dev_t **dev);

#endif
