/*
 * An in-memory CTAPHID device (CTAP 2.1 §11.2) in front of the CTAP2 command
 * processor: 65-byte output reports in (report id 0, then a 64-byte packet),
 * 64-byte input reports out. It is synchronous: the write that completes a
 * request queues the whole answer (KEEPALIVEs, then the framed reply), and a
 * read with nothing queued fails at once instead of waiting.
 *
 * The au_hid_io_* functions have exactly the types of libfido2's
 * fido_dev_io_t members (fido/types.h), so fido_glue.c can hand them to
 * fido_dev_set_io_functions. libfido2's open callback only receives a path
 * string, so au_hid_path() names the device as "kagura:<pointer>" and
 * au_hid_io_open() turns that back into the au_hid. Such a path is only
 * meaningful inside the process that made it, while the au_hid lives.
 */
#ifndef KAGURA_AUTHENTICATOR_DEVICE_CTAPHID_H
#define KAGURA_AUTHENTICATOR_DEVICE_CTAPHID_H

#include <stddef.h>
#include <stdint.h>

#include "authenticator/device/ctap2.h"

#define AU_HID_PATH_PREFIX "kagura:"
#define AU_HID_REPORT_OUT  65  /* report id 0, then one packet */
#define AU_HID_CHANNELS    16  /* allocated CIDs kept; the least recently used is reused */
#define AU_HID_QUEUE       512 /* queued input reports (a KEEPALIVE run counts once) */

/* CTAPHID version numbers the INIT reply reports (protocol 2, device 0.1.0). */
#define AU_HID_PROTOCOL      2
#define AU_HID_VERSION_MAJOR 0
#define AU_HID_VERSION_MINOR 1
#define AU_HID_VERSION_BUILD 0

typedef struct au_hid au_hid;

/* A device in front of ctap (borrowed: it must outlive the au_hid); NULL when out of memory. */
au_hid *au_hid_new(au_ctap *ctap);
void au_hid_free(au_hid *hid);

/* "kagura:<pointer>": the path fido_dev_open() takes for this device. */
const char *au_hid_path(const au_hid *hid);

/* Input reports waiting to be read (each KEEPALIVE of a run counted). */
size_t au_hid_pending(const au_hid *hid);
/* Replies dropped because the host left more than AU_HID_QUEUE reports unread. */
unsigned long au_hid_dropped(const au_hid *hid);

/* fido_dev_io_t: open parses au_hid_path(); open and close empty the input queue. */
void *au_hid_io_open(const char *path);
void au_hid_io_close(void *handle);
/* Copies the next 64-byte input report; -1 when len is not 64 or nothing is queued. */
int au_hid_io_read(void *handle, unsigned char *buf, size_t len, int ms);
/* Takes one 65-byte output report and returns 65; -1 when len or the report id is wrong. */
int au_hid_io_write(void *handle, const unsigned char *buf, size_t len);

#endif
