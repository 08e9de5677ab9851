/*
 * The QR code of the platform's QR pages: the SVG path drawn by rp_qr_svg,
 * read back module by module, must be libqrencode's matrix with its quiet
 * zone, show the three finder patterns, and refuse what it cannot encode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <qrencode.h>

#include "rp/pages.h"
#include "rp/qr.h"

#define MAXW 200

/* Reads "viewBox" size and fills dark modules from the path's "Mx yhNv1Hxz" runs. */
static int read_svg(const char *svg, unsigned char grid[MAXW][MAXW])
{
	int size = 0, x, y, run, back, n;
	const char *d;

	assert_int_equal(sscanf(strstr(svg, "viewBox=\"0 0 "), "viewBox=\"0 0 %d", &size), 1);
	assert_true(size > 0 && size <= MAXW);
	memset(grid, 0, MAXW * MAXW);
	d = strstr(svg, " d=\"");
	assert_non_null(d);
	d += 4;
	while (*d == 'M') {
		assert_int_equal(sscanf(d, "M%d %dh%dv1H%dz%n", &x, &y, &run, &back, &n), 4);
		assert_int_equal(back, x);
		assert_true(x >= 0 && y >= 0 && run > 0 && x + run <= size && y < size);
		for (int i = 0; i < run; i++)
			grid[y][x + i] = 1;
		d += n;
	}
	assert_int_equal(*d, '"');
	return size;
}

static void finder_at(unsigned char grid[MAXW][MAXW], int x0, int y0)
{
	/* 7x7: dark ring, light ring, dark 3x3 centre. */
	for (int y = 0; y < 7; y++)
		for (int x = 0; x < 7; x++) {
			int ring = x == 0 || y == 0 || x == 6 || y == 6;
			int centre = x >= 2 && x <= 4 && y >= 2 && y <= 4;
			assert_int_equal(grid[y0 + y][x0 + x], ring || centre);
		}
}

static void test_matrix(void **state)
{
	static const char *const texts[] = {
	        "https://mahpki-auth.2nds.medis.or.jp/"
	        "registration?qr=abcdefghijklmnopqrstuvwxyzABCDEF",
	        "x",
	};
	static unsigned char grid[MAXW][MAXW];
	(void)state;

	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		wa_buf svg = WA_BUF_INIT(RP_HTML_MAX);
		QRcode *qr = QRcode_encodeData((int)strlen(texts[t]),
		                               (const unsigned char *)texts[t], 0, QR_ECLEVEL_M);
		int size;

		assert_non_null(qr);
		assert_true(rp_qr_svg(texts[t], &svg));
		assert_int_equal(strlen(wa_buf_str(&svg)), wa_buf_len(&svg));
		assert_non_null(strstr(wa_buf_str(&svg), "<svg xmlns="));
		size = read_svg(wa_buf_str(&svg), grid);
		assert_int_equal(size, qr->width + 8);
		for (int y = 0; y < size; y++)
			for (int x = 0; x < size; x++) {
				int in = x >= 4 && y >= 4 && x < size - 4 && y < size - 4;
				int dark = in && (qr->data[(y - 4) * qr->width + x - 4] & 1);
				assert_int_equal(grid[y][x], dark);
			}
		finder_at(grid, 4, 4);
		finder_at(grid, size - 11, 4);
		finder_at(grid, 4, size - 11);
		QRcode_free(qr);
		wa_buf_free(&svg);
	}
}

static void test_refused(void **state)
{
	wa_buf svg = WA_BUF_INIT(RP_HTML_MAX);
	char *big = malloc(RP_QR_TEXT_MAX + 2);
	(void)state;

	assert_false(rp_qr_svg(NULL, &svg));
	assert_false(rp_qr_svg("", &svg));
	memset(big, 'a', RP_QR_TEXT_MAX + 1);
	big[RP_QR_TEXT_MAX + 1] = '\0';
	assert_false(rp_qr_svg(big, &svg));
	assert_int_equal(wa_buf_len(&svg), 0);
	big[RP_QR_TEXT_MAX] = '\0';
	assert_true(rp_qr_svg(big, &svg));
	/* a buffer too small for the drawing: refused, never a half-drawn QR */
	wa_buf_free(&svg);
	wa_buf_init(&svg, 100);
	assert_false(rp_qr_svg("x", &svg));
	assert_int_equal(wa_buf_err(&svg), WA_ERR_TOO_LARGE);
	assert_string_equal(wa_buf_str(&svg), "");
	wa_buf_free(&svg);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_matrix),
	        cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
