/*
 * A virtual user of bench-http: one browser with its own keep-alive connection
 * and cookie jar, and the project's soft authenticator (tests/support/softauthn)
 * making packed self-attestation registrations and ES256 assertions for the
 * challenges the server hands out. It speaks only the FIDO conformance API.
 */
#ifndef KAGURA_BENCH_HTTP_VUSER_H
#define KAGURA_BENCH_HTTP_VUSER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <openssl/evp.h>

typedef struct bh_target {
	const char *base_url; /* http://127.0.0.1:PORT */
	const char *origin;   /* what clientDataJSON says */
	const char *rp_id;    /* what authenticatorData hashes */
} bh_target;

/* How a request ended. */
typedef enum bh_outcome {
	BH_OK,      /* status "ok" */
	BH_REFUSED, /* status "failed": the server refused, errorMessage says why */
	BH_BROKEN,  /* no answer, or not the API's JSON, or a challenge we cannot sign */
	BH_PENDING, /* bh_vuser_start/step: the ceremony's next request is set up on the handle */
} bh_outcome;

typedef enum bh_ceremony {
	BH_REGISTRATION,   /* /attestation/options, then /attestation/result */
	BH_AUTHENTICATION, /* /assertion/options, then /assertion/result */
} bh_ceremony;

/* What the soft authenticator gets wrong on purpose (the verification gate). */
typedef enum bh_tamper {
	BH_HONEST,
	BH_WRONG_CHALLENGE, /* signs over a challenge the server never issued */
	BH_BAD_SIGNATURE,   /* the (attestation or assertion) signature with one bit flipped */
} bh_tamper;

typedef struct bh_vuser bh_vuser;

/*
 * A new user for target. While *window is true, every request's latency is
 * recorded (window NULL: never). NULL when curl or memory fails.
 */
bh_vuser *bh_vuser_new(const bh_target *target, const atomic_bool *window);
void bh_vuser_free(bh_vuser **u);

/*
 * A ceremony as two requests on the user's curl handle, for an event loop (curl's multi
 * interface): bh_vuser_start sets up the options request (BH_PENDING, or BH_BROKEN with msg);
 * when the handle's transfer ends with rc, bh_vuser_step reads the answer and either sets up
 * the result request (BH_PENDING) or says how the ceremony ended. The handle is never
 * performed here.
 */
bh_outcome bh_vuser_start(bh_vuser *u, bh_ceremony kind, const char *username, bh_tamper tamper,
                          char *msg, size_t size);
bh_outcome bh_vuser_step(bh_vuser *u, CURLcode rc, char *msg, size_t size);
/* The user's easy handle (owned by the user). */
CURL *bh_vuser_curl(bh_vuser *u);

/* The same ceremonies on the calling thread (curl_easy_perform), request after request. */
/* A registration ceremony for username: /attestation/options, then /attestation/result. */
bh_outcome bh_register(bh_vuser *u, const char *username, bh_tamper tamper, char *msg, size_t size);
/* An authentication with the credential last registered: /assertion/options and /result. */
bh_outcome bh_authenticate(bh_vuser *u, const char *username, bh_tamper tamper, char *msg,
                           size_t size);

/*
 * Makes the next authentication sign with key and id (a user registered elsewhere: bench-store's
 * prefilled store) at signature counter counter; the user takes its own reference to key and
 * copy of id. False when memory fails (the user then has no credential).
 */
bool bh_vuser_use_credential(bh_vuser *u, EVP_PKEY *key, const uint8_t *id, size_t id_len,
                             uint32_t counter);

/* The request latencies recorded, in milliseconds, in completion order. */
const float *bh_vuser_latencies(const bh_vuser *u, size_t *n);

#endif
