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

#define SC_TARGET_ERROR_TABLE(X)                                                      \
	X(SC_TARGET_OK, "the target is a KAGURA platform")                            \
	X(SC_TARGET_ERR_URL, "the target is not an http(s) URL")                      \
	X(SC_TARGET_ERR_UNREACHABLE, "the target cannot be reached")                  \
	X(SC_TARGET_ERR_TLS, "TLS to the target failed")                              \
	X(SC_TARGET_ERR_NOT_PLATFORM, "the target is not a KAGURA platform")          \
	X(SC_TARGET_ERR_NO_TEST_CONTROL, "the target does not serve test control")    \
	X(SC_TARGET_ERR_NO_REALM, "the Keycloak target has no realm of the platform") \
	X(SC_TARGET_ERR_NOMEM, "out of memory")

typedef enum sc_target_err {
	SC_TARGET_ERROR_TABLE(KAGURA_XT_ENUM) SC_TARGET_ERR__COUNT
} sc_target_err;

const char *sc_target_strerr(sc_target_err err);

/* How long the check waits for each answer: a target that is up answers at once. */
#define SC_TARGET_PROBE_TIMEOUT_MS 4000

/* What the target is: the mock platform (kagura-rp serve) or a real Keycloak with the
 * platform's realms (tools/keycloak/). AUTO: found by the probe. */
typedef enum sc_target_kind {
	SC_TARGET_KIND_AUTO,
	SC_TARGET_KIND_MOCK,
	SC_TARGET_KIND_KEYCLOAK,
} sc_target_kind;

const char *sc_target_kind_name(sc_target_kind kind);
/* "mock" or "keycloak" → *kind; false for anything else. */
bool sc_target_kind_parse(const char *text, sc_target_kind *kind);

/* The public client the harness's browsers log in with, in every realm of the platform. */
#define SC_KEYCLOAK_CLIENT "kagura-harness"
/* The path on the Keycloak server the client's logins return to (the realm accepts
 * http://localhost/ *): a browser that arrives there with a code is logged in. */
#define SC_KEYCLOAK_CALLBACK_PATH "/callback"
/* A realm per manual generation: NAME-v2.16, NAME-v1.04 (fixtures/keycloak/). */
#define SC_TARGET_MAX_REALMS 2

/* A realm of a Keycloak target and the manual generation it serves. */
typedef struct sc_target_realm {
	char name[128];
	char manual[8];       /* "2.16", "1.04"; "" when its name does not say */
	char login_url[1536]; /* its auth endpoint with the harness's client: the login page */
	char done_url[640];   /* where a login ends (the client's redirect URI) */
} sc_target_realm;

typedef struct sc_target_info {
	sc_target_kind kind;
	/* Keycloak: the server (scheme://host:port, where its pages answer) and its realms. */
	char server[512];
	sc_target_realm realms[SC_TARGET_MAX_REALMS];
	size_t n_realms;
	char origin[256]; /* the platform's origin as browsers name it */
	char host[256];   /* its host, as the browser's own pages name it */
	char manual[8];   /* the manual generation the target serves; "" unknown */
	bool test_control;
	bool card_login; /* the target logs IC cards in (it has a card PKI) */
	/* Its card-login front servers (TLS 1.2, TLS 1.3) as test control names them; "" none. */
	char card_front[2][256];
} sc_target_info;

/*
 * Checks url as a target of kind (AUTO: a URL with /realms/ is a Keycloak's, else the mock's
 * login page decides, and a Keycloak's realms are tried when it is not there). A Keycloak
 * target is its server or a realm URL, http://localhost:PORT/realms/NAME: the realm NAME when
 * its /.well-known/openid-configuration answers, else NAME-v2.16 and NAME-v1.04 (NAME
 * "kagura" for a server URL); each realm's login page (the auth endpoint with the harness's
 * client) must show Keycloak's username form. Test control on Keycloak is its Admin REST API
 * (keycloak_control.h), not checked here.
 *
 * The mock: its login page (GET /login: the form kc-form-login with a username field) and,
 * with test_control, its test control (POST /test-control/info). ca_file (NULL: the system's)
 * is what its HTTPS certificate is trusted by; origin (NULL: what the target says, else the
 * target URL's own) names the platform as browsers do. why gets one line for a person.
 */
sc_target_err sc_target_probe(const char *url, sc_target_kind kind, const char *ca_file,
                              bool test_control, const char *origin, sc_target_info *out, char *why,
                              size_t why_size);

/* The realm of a Keycloak target that serves manual, NULL none. */
const sc_target_realm *sc_target_realm_of(const sc_target_info *info, const char *manual);

/* Whether origin is an http(s) origin as browsers name one: scheme://host[:port], no path,
 * query or user. */
bool sc_target_origin_valid(const char *origin);

/* The host of an origin or URL ("https://h:8443/x" → "h"), "" when it has none. */
void sc_target_host_of(const char *url, char *host, size_t size);

#endif
