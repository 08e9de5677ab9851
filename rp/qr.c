#include "rp/qr.h"

#include <qrencode.h>
#include <stdio.h>
#include <string.h>

#define QUIET_ZONE 4 /* modules of light margin ISO/IEC 18004 asks for */
#define MODULE_PX  4 /* a module's size on screen: phones read it from a PC display */

bool rp_qr_svg(const char *text, wa_buf *out)
{
	size_t len = text ? strnlen(text, RP_QR_TEXT_MAX + 1) : 0;
	QRcode *qr;
	int size;

	if (len == 0 || len > RP_QR_TEXT_MAX)
		return false;
	/* Byte mode: a URL's mixed case and punctuation would leave alphanumeric mode anyway. */
	if ((qr = QRcode_encodeData((int)len, (const unsigned char *)text, 0, QR_ECLEVEL_M)) ==
	    NULL)
		return false;
	size = qr->width + 2 * QUIET_ZONE;
	wa_buf_addf(out,
	            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
	            "height=\"%d\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR\">"
	            "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
	            size, size, size * MODULE_PX, size * MODULE_PX, size, size);
	/* One subpath per horizontal run of dark modules keeps the path short. */
	for (int y = 0; y < qr->width; y++) {
		for (int x = 0; x < qr->width;) {
			int run = 0;
			while (x + run < qr->width && (qr->data[y * qr->width + x + run] & 1))
				run++;
			if (run == 0) {
				x++;
				continue;
			}
			wa_buf_addf(out, "M%d %dh%dv1H%dz", x + QUIET_ZONE, y + QUIET_ZONE, run,
			            x + QUIET_ZONE);
			x += run;
		}
	}
	wa_buf_adds(out, "\"/></svg>");
	QRcode_free(qr);
	return wa_buf_err(out) == WA_OK;
}
