/*
 * Batch attestation: FIDO authenticators of one model (one AAGUID) share an attestation key and
 * certificate across a batch of devices. The phones a process makes do the same: the first
 * phone of an AAGUID gets a new identity from the attestation CA, later ones share it while its
 * certificate is valid at their clock's time. Safe to share between threads.
 */
#ifndef KAGURA_AUTHENTICATOR_PHONE_ATTEST_BATCH_H
#define KAGURA_AUTHENTICATOR_PHONE_ATTEST_BATCH_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <time.h>

#include "authenticator/device/device.h"
#include "authenticator/error.h"

typedef struct au_attest_batches au_attest_batches;

au_attest_batches *au_attest_batches_new(void); /* NULL: out of memory */
void au_attest_batches_free(au_attest_batches *b);

/* Gives dev the attestation identity of its AAGUID's batch (made by ca_cert/ca_key at now the
 * first time, or when the batch's certificate is not valid at now). With b NULL, a new identity. */
au_err au_attest_batch_give(au_attest_batches *b, au_device *dev, X509 *ca_cert, EVP_PKEY *ca_key,
                            time_t now);

#endif
