/*
 * A running platform the scenarios are pointed at (--target): checked before any entry runs,
 * so a target that is down, speaks TLS the runner does not trust, or is not a KAGURA platform
 * stops the run with one line instead of a report full of skips or failures.
 */
#ifndef KAGURA_SCENARIOS_TARGET_H
#define KAGURA_SCENARIOS_TARGET_H

#include "webauthn/xtable.h"

#include <stdbool.h>
#include <stddef.h>

#define SC_TARGET_ERROR_TABLE(X)                                                   \
	X(SC_TARGET_OK, "the target is a KAGURA platform")                         \
	X(SC_TARGET_ERR_URL, "the target is not an http(s) URL")                   \
	X(SC_TARGET_ERR_UNREACHABLE, "the target cannot be reached")               \
	X(SC_TARGET_ERR_TLS, "TLS to the target failed")                           \
	X(SC_TARGET_ERR_NOT_PLATFORM, "the target is not a KAGURA platform")       \
	X(SC_TARGET_ERR_NO_TEST_CONTROL, "the target does not serve test control") \
	X(SC_TARGET_ERR_NOMEM, "out of memory")

typedef enum sc_target_err {
	SC_TARGET_ERROR_TABLE(KAGURA_XT_ENUM) SC_TARGET_ERR__COUNT
} sc_target_err;

const char *sc_target_strerr(sc_target_err err);

/* How long the check waits for each answer: a target that is up answers at once. */
#define SC_TARGET_PROBE_TIMEOUT_MS 4000

typedef struct sc_target_info {
	char origin[256]; /* the platform's origin as browsers name it */
	char host[256];   /* its host, as the browser's own pages name it */
	char manual[8];   /* the manual generation the target serves; "" unknown */
	bool test_control;
	bool card_login; /* the target logs IC cards in (it has a card PKI) */
	/* Its card-login front servers (TLS 1.2, TLS 1.3) as test control names them; "" none. */
	char card_front[2][256];
} sc_target_info;

/*
 * Checks url: its login page (GET /login: the form kc-form-login with a username field) and,
 * with test_control, its test control (POST /test-control/info). ca_file (NULL: the system's)
 * is what its HTTPS certificate is trusted by; origin (NULL: what the target says, else the
 * target URL's own) names the platform as browsers do. why gets one line for a person.
 */
sc_target_err sc_target_probe(const char *url, const char *ca_file, bool test_control,
                              const char *origin, sc_target_info *out, char *why, size_t why_size);

/* The host of an origin or URL ("https://h:8443/x" → "h"), "" when it has none. */
void sc_target_host_of(const char *url, char *host, size_t size);

#endif
