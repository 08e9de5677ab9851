/*
 * X.509 as both sides read it: a chain (DER or PEM) by cm_x509_read_chain, PEM certificates and
 * CRLs by cm_x509_read_pem, and over each certificate read, what attestation and the card
 * check ask of it: names as text, the FIDO AAGUID extension, CA-ness, self-signature, the HPKI
 * 本人ID and role.
 */
#include <openssl/x509.h>

#include "common/x509.h"
#include "rp/hpki_id.h"
#include "webauthn/x509util.h"

#include "fuzz.h"

/* The limits the card check reads a client's chain with (rp/cardcert.h). */
#define FUZZ_X509_MAX_CERTS 8
#define FUZZ_X509_MAX_BYTES (64u * 1024u)

static void inspect(X509 *cert)
{
	static const uint8_t aaguid[16] = {0};
	char text[512];
	int critical;

	cm_x509_name_text(X509_get_subject_name(cert), text, sizeof(text));
	cm_x509_name_text(X509_get_issuer_name(cert), text, sizeof(text));
	(void)wa_x509_ext_value(cert, "1.3.6.1.4.1.45724.1.1.4", &critical);
	(void)wa_x509_check_aaguid_ext(cert, aaguid);
	(void)wa_x509_is_not_ca(cert);
	(void)wa_x509_is_self_signed(cert);
	(void)rp_hpki_honin_id(cert, text, sizeof(text));
	(void)rp_hpki_role(cert, text, sizeof(text));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	STACK_OF(X509_CRL) *crls = sk_X509_CRL_new_null();
	char detail[256];
	X509 *der;

	if (certs != NULL && size > 0 &&
	    cm_x509_read_chain(data, size, FUZZ_X509_MAX_CERTS, FUZZ_X509_MAX_BYTES, certs, detail,
	                       sizeof(detail)) == CM_X509_OK)
		for (int i = 0; i < sk_X509_num(certs); i++)
			inspect(sk_X509_value(certs, i));
	sk_X509_pop_free(certs, X509_free);

	certs = sk_X509_new_null();
	if (certs != NULL && crls != NULL)
		(void)cm_x509_read_pem((const char *)data, size, certs, crls, FUZZ_X509_MAX_CERTS);
	sk_X509_pop_free(certs, X509_free);
	sk_X509_CRL_pop_free(crls, X509_CRL_free);

	/* Attestation reads each x5c entry as exactly one DER certificate. */
	if ((der = wa_x509_from_der(data, size)) != NULL) {
		inspect(der);
		X509_free(der);
	}
	return 0;
}
