#include "authenticator/pc/pccerts.h"

#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool au_pc_certs_install_pem(au_pc_certs *s, const char *pem, size_t len)
{
	char *n;
	if (s == NULL || pem == NULL || len > (1u << 22))
		return false;
	n = realloc(s->pem, s->len + len + 2);
	if (n == NULL)
		return false;
	memcpy(n + s->len, pem, len);
	s->len += len;
	n[s->len++] = '\n';
	n[s->len] = '\0';
	s->pem = n;
	return true;
}

bool au_pc_certs_install_file(au_pc_certs *s, const char *pem_path)
{
	FILE *f;
	char buf[65536];
	size_t n;
	bool ok;

	if (s == NULL || pem_path == NULL || (f = fopen(pem_path, "rb")) == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf), f);
	ok = ferror(f) == 0 && feof(f) != 0;
	fclose(f);
	return ok && au_pc_certs_install_pem(s, buf, n);
}

void au_pc_certs_clear(au_pc_certs *s)
{
	if (s == NULL)
		return;
	free(s->pem);
	s->pem = NULL;
	s->len = 0;
}

bool au_pc_view_card_cert(const au_pc_certs *s, au_reader *reader, time_t now,
                          au_certview_result *out, const char **text)
{
	const au_card *card = NULL;
	unsigned char *der = NULL;
	int len;
	au_certview_verdict v;

	if (out == NULL || au_reader_read(reader, &card) != AU_READ_OK ||
	    au_card_cert(card) == NULL)
		return false;
	len = i2d_X509(au_card_cert(card), &der);
	if (len <= 0)
		return false;
	v = au_certview_check(der, (size_t)len, s ? s->pem : NULL, s ? s->len : 0, now, out);
	OPENSSL_free(der);
	if (text != NULL)
		*text = au_certview_text(v);
	return true;
}
