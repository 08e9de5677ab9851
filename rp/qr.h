/*
 * QR codes as the platform's pages show them: the text encoded with
 * libqrencode (byte mode, error correction M) and drawn as inline SVG, so a
 * page needs no image request and a page reader can still find the URL in
 * data-qr-url beside it.
 */
#ifndef KAGURA_RP_QR_H
#define KAGURA_RP_QR_H

#include <stdbool.h>

#include "webauthn/buf.h"

/* Longest text encoded: far above any URL of ours, well inside QR version 40 at level M. */
#define RP_QR_TEXT_MAX 1024

/*
 * Appends an <svg> element (no XML prolog) drawing text as a QR code with its 4-module quiet
 * zone. False when text is NULL, empty or longer than RP_QR_TEXT_MAX (out unchanged), or when
 * out failed (wa_buf_err).
 */
bool rp_qr_svg(const char *text, wa_buf *out);

#endif
