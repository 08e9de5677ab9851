#include "authenticator/device/fido_glue.h"

#include <stddef.h>

int au_fido_open(au_hid *hid, fido_dev_t **out)
{
	/* Own io functions make libfido2 use 64-byte reports and its own framing over them. */
	const fido_dev_io_t io = {
	        .open = au_hid_io_open,
	        .close = au_hid_io_close,
	        .read = au_hid_io_read,
	        .write = au_hid_io_write,
	};
	fido_dev_t *dev;
	int r;

	*out = NULL;
	if (hid == NULL)
		return FIDO_ERR_INVALID_ARGUMENT;
	if ((dev = fido_dev_new()) == NULL)
		return FIDO_ERR_INTERNAL;
	/* Not fido_dev_new_with_info: without transport functions it treats io as hidraw's. */
	if ((r = fido_dev_set_io_functions(dev, &io)) != FIDO_OK ||
	    (r = fido_dev_open(dev, au_hid_path(hid))) != FIDO_OK) {
		fido_dev_free(&dev);
		return r;
	}
	*out = dev;
	return FIDO_OK;
}

void au_fido_close(fido_dev_t **dev)
{
	if (dev == NULL || *dev == NULL)
		return;
	/* FIDO_ERR_INVALID_ARGUMENT here only means it was closed already. */
	(void)fido_dev_close(*dev);
	fido_dev_free(dev);
}
