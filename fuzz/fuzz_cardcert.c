/*
 * The card certificate check (rp/cardcert.c): what a TLS client presented (DER chain or PEM)
 * against the test card PKI's trust (fuzz/trust/: anchors, intermediates and CRLs of one build of
 * tools/make-test-pki.sh, certificates only, kept so the seeds' chains verify), at a time when
 * its cards are in date; then the PC's certificate viewer on the same bytes, with the CA
 * certificates of an up-to-date PC installed (pc-installed.pem).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "authenticator/pc/certview.h"
#include "rp/cardcert.h"

#include "fuzz.h"

/* The test PKI's valid cards are in date and its CRLs current (2025-06-01T00:00:00Z). */
#define FUZZ_CARDCERT_TIME ((time_t)1748736000)

/* Read-only after LLVMFuzzerInitialize: the context the platform also builds once, and the CA
 * certificates a PC has installed (the viewer's), as text. */
static rp_cardcert_ctx *trust;
static char *installed;
static size_t installed_len;

static const char *trust_file(const char *name, char *path, size_t size)
{
	snprintf(path, size, "%s/%s", KAGURA_FUZZ_TRUST_DIR, name);
	return path;
}

static void free_trust(void)
{
	rp_cardcert_ctx_free(trust);
	free(installed);
}

static bool read_installed(const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (f == NULL)
		return false;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (installed = malloc((size_t)n)) == NULL ||
	    fread(installed, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return false;
	}
	installed_len = (size_t)n;
	fclose(f);
	return true;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char a[4096], b[4096], c[4096], d[4096], e[4096];

	(void)argc;
	(void)argv;
	if (rp_cardcert_ctx_new(&trust) != RP_CARDCERT_OK ||
	    rp_cardcert_ctx_add_anchors(trust, RP_CARDCERT_HPKI,
	                                trust_file("anchors-hpki.pem", a, sizeof(a))) !=
	            RP_CARDCERT_OK ||
	    rp_cardcert_ctx_add_anchors(trust, RP_CARDCERT_JPKI,
	                                trust_file("anchors-jpki.pem", b, sizeof(b))) !=
	            RP_CARDCERT_OK ||
	    rp_cardcert_ctx_add_intermediates(
	            trust, trust_file("intermediates.pem", c, sizeof(c))) != RP_CARDCERT_OK ||
	    rp_cardcert_ctx_add_crls(trust, trust_file("crls.pem", d, sizeof(d))) !=
	            RP_CARDCERT_OK ||
	    !read_installed(trust_file("pc-installed.pem", e, sizeof(e)))) {
		fprintf(stderr, "fuzz_cardcert: the trust in %s cannot be read\n",
		        KAGURA_FUZZ_TRUST_DIR);
		exit(1);
	}
	atexit(free_trust);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rp_cardcert_result result;
	au_certview_result view;

	(void)rp_cardcert_check(trust, data, size, FUZZ_CARDCERT_TIME, &result);
	(void)au_certview_check(data, size, installed, installed_len, FUZZ_CARDCERT_TIME, &view);
	return 0;
}
