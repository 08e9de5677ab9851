#include "rp/qr.h"

#include <qrencode.h>
#include <stdio.h>
#include <string.h>

#define QUIET_ZONE 4 /* modules of light margin ISO/IEC 18004 asks for */
#define MODULE_PX  4 /* a module's size on screen: phones read it from a PC display */

/* Appends printf output to out; false on memory. */
static bool put(wa_blob *out, const char *fmt, int a, int b, int c)
{
	char buf[192];
	int n = snprintf(buf, sizeof(buf), fmt, a, b, c);

	return n > 0 && (size_t)n < sizeof(buf) && wa_blob_append(out, buf, (size_t)n) == WA_OK;
}

bool rp_qr_svg(const char *text, wa_blob *out)
{
	size_t len = text ? strnlen(text, RP_QR_TEXT_MAX + 1) : 0;
	QRcode *qr;
	wa_blob svg = {0};
	bool ok;
	int size;

	if (len == 0 || len > RP_QR_TEXT_MAX)
		return false;
	/* Byte mode: a URL's mixed case and punctuation would leave alphanumeric mode anyway. */
	if ((qr = QRcode_encodeData((int)len, (const unsigned char *)text, 0, QR_ECLEVEL_M)) ==
	    NULL)
		return false;
	size = qr->width + 2 * QUIET_ZONE;
	ok = put(&svg,
	         "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" ",
	         size, size, size * MODULE_PX) &&
	     put(&svg,
	         "height=\"%d\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR\">"
	         "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
	         size * MODULE_PX, size, size);
	/* One subpath per horizontal run of dark modules keeps the path short. */
	for (int y = 0; ok && y < qr->width; y++) {
		for (int x = 0; ok && x < qr->width;) {
			int run = 0;
			while (x + run < qr->width && (qr->data[y * qr->width + x + run] & 1))
				run++;
			if (run == 0) {
				x++;
				continue;
			}
			ok = put(&svg, "M%d %dh%dv1H", x + QUIET_ZONE, y + QUIET_ZONE, run) &&
			     put(&svg, "%dz", x + QUIET_ZONE, 0, 0);
			x += run;
		}
	}
	ok = ok && wa_blob_append(&svg, "\"/></svg>", 10) == WA_OK;
	QRcode_free(qr);
	if (ok && wa_blob_append(out, svg.ptr, svg.len) != WA_OK)
		ok = false;
	wa_blob_reset(&svg);
	return ok;
}
