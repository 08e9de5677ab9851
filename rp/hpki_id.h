/*
 * Who an HPKI card names (fixtures/pki/README.md): the 本人ID, its subject's only serialNumber,
 * and the hcRole, the qualification in the ISO/TS 17090 subjectDirectoryAttributes coded in the
 * Japanese scheme (id-jhpki-cdata). Read with a small strict DER reader: hostile input is
 * "malformed", never a crash.
 */
#ifndef KAGURA_RP_HPKI_ID_H
#define KAGURA_RP_HPKI_ID_H

#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>

/* The first hcRole of the leaf into role (at most max bytes of strict UTF-8): 1 read, 0 the leaf
 * has no subjectDirectoryAttributes or no hcRole in it, -1 malformed (or the extension twice). */
int rp_hpki_role(X509 *leaf, char *role, size_t max);
/* The subject's only serialNumber, [0-9A-Za-z-]{1,max}, into out; false otherwise ("" then). */
bool rp_hpki_honin_id(X509 *leaf, char *out, size_t max);

#endif
