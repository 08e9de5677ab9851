/*
 * The PC's installed CA certificates (Windows' 中間証明機関 / 信頼されたルート証明機関 stores) and
 * its certificate viewer on the card's certificate (manual 3.23 / 3.24), judged by
 * au_certview_check (authenticator/pc/certview.h). The viewer's verdict never decides a login:
 * the platform checks the card with its own trust (both entries say the login succeeds
 * regardless).
 */
#ifndef KAGURA_AUTHENTICATOR_PC_PCCERTS_H
#define KAGURA_AUTHENTICATOR_PC_PCCERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "authenticator/pc/card.h"
#include "authenticator/pc/certview.h"

typedef struct au_pc_certs {
	char *pem; /* every installed CA certificate, PEM, owned; NULL none */
	size_t len;
} au_pc_certs;

/* Installs every certificate of a PEM file (an installer, or the CA's download). */
bool au_pc_certs_install_file(au_pc_certs *s, const char *pem_path);
bool au_pc_certs_install_pem(au_pc_certs *s, const char *pem, size_t len);
/* Uninstalls everything (the PC as delivered, for this harness: no HPKI CA, no root). */
void au_pc_certs_clear(au_pc_certs *s);

/*
 * Opens the card's certificate in the viewer (the 証明書の詳細表示 of manual 3.23): reads the
 * card through the reader first (false when it cannot: out untouched). text gets what the
 * viewer shows (the manual's line for 3.23/3.24, the reason otherwise).
 */
bool au_pc_view_card_cert(const au_pc_certs *s, au_reader *reader, time_t now,
                          au_certview_result *out, const char **text);

#endif
