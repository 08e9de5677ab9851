/*
 * Test control: what the scenarios' CA, clock and network steps do to a platform, as one
 * interface with one implementation per kind of target. The mock platform's (POST
 * /test-control/OP, control_mock.c) and a real Keycloak's (its Admin REST API,
 * keycloak_control.c). Both speak the mock's test-control JSON: a request body and an answer
 * {"status":"ok", ...} per operation, so the steps call one API whatever the platform is.
 * What a kind cannot do is a capability it lacks: a step that needs it is skipped with the
 * control's reason, never passed.
 */
#ifndef KAGURA_SCENARIOS_CONTROL_H
#define KAGURA_SCENARIOS_CONTROL_H

#include <jansson.h>
#include <stddef.h>

#include "webauthn/xtable.h"

/* The operations, with the mock's test-control path of each. */
#define SC_CONTROL_OP_TABLE(X)                                                                     \
	X(SC_CTL_USER_CREATE, "users")          /* {name} */                                       \
	X(SC_CTL_USER_ENABLED, "users/enabled") /* {name, enabled} */                              \
	X(SC_CTL_USER_CREDENTIALS,                                                                 \
	  "users/credentials")                       /* {name} → {credentials:[{id,enabled}]} */ \
	X(SC_CTL_CREDENTIAL, "credentials")          /* {id, enabled} or {id, delete} */           \
	X(SC_CTL_REGISTRATION_QR, "registration-qr") /* {user[, ttl_seconds]} → {url} */         \
	X(SC_CTL_DEVICE_SETUP_LINK,                                                                \
	  "registration-qr")              /* {user} → {url}: where a device is set up */         \
	X(SC_CTL_JPKI_LINK, "jpki-links") /* {fingerprint, name} or {.., delete} */                \
	X(SC_CTL_CLOCK, "clock")          /* {advance_seconds} or {offset_seconds} */              \
	X(SC_CTL_FORBIDDEN_NETWORKS, "forbidden-networks") /* {networks} → {previous} */

typedef enum sc_control_op { SC_CONTROL_OP_TABLE(KAGURA_XT_ENUM) SC_CTL__COUNT } sc_control_op;

/* The mock's test-control path of op. */
const char *sc_control_op_path(sc_control_op op);

#define SC_CONTROL_ERROR_TABLE(X)                                                      \
	X(SC_CONTROL_OK, "done")                                                       \
	X(SC_CONTROL_ERR_UNSUPPORTED, "the platform cannot do this")                   \
	X(SC_CONTROL_ERR_TRANSPORT, "the platform's control cannot be reached")        \
	X(SC_CONTROL_ERR_REFUSED, "the platform's control refused the request")        \
	X(SC_CONTROL_ERR_BAD_ANSWER, "the platform's control answered something else") \
	X(SC_CONTROL_ERR_NOMEM, "out of memory")

typedef enum sc_control_err {
	SC_CONTROL_ERROR_TABLE(KAGURA_XT_ENUM) SC_CONTROL_ERR__COUNT
} sc_control_err;

const char *sc_control_strerr(sc_control_err err);

/* What a platform may offer the scenarios beyond a user, a passkey and a login. */
typedef enum sc_capability {
	SC_CAP_CLOCK = 1 << 0,          /* its clock can be moved on */
	SC_CAP_NETWORK_POLICY = 1 << 1, /* it refuses source networks it is told to */
	SC_CAP_CA_QR = 1 << 2,          /* the platform's own registration-QR URLs */
	SC_CAP_CROSS_DEVICE = 1 << 3,   /* the PC's QRs: registration and cross-device login */
	SC_CAP_CARD_LOGIN = 1 << 4,     /* IC-card login over mutual TLS */
	SC_CAP_MY_NUMBER = 1 << 5,      /* My Number card links (JPKI) */
	SC_CAP_DEVICE_STATE = 1 << 6,   /* a device disabled and enabled again (not deleted) */
} sc_capability;

#define SC_CAP_COUNT 7 /* the capabilities above */
#define SC_CAP_ALL   ((1u << SC_CAP_COUNT) - 1)

typedef struct sc_control sc_control;

/* The implementation behind an sc_control: one per kind of platform. */
typedef struct sc_control_ops {
	sc_control_err (*call)(sc_control *c, sc_control_op op, const json_t *body, json_t **answer,
	                       char *why, size_t why_size);
	void (*free)(sc_control *c);
} sc_control_ops;

struct sc_control {
	const sc_control_ops *ops;
	unsigned caps; /* sc_capability bits it has */
	/* Why it lacks each capability, for the skip (index: the capability's bit). */
	const char *const *lacks_why;
};

/*
 * Runs op with body (consumed, whatever the result). SC_CONTROL_OK: *answer is the
 * caller's. Otherwise *answer is NULL and why says what happened in one line;
 * SC_CONTROL_ERR_UNSUPPORTED is a skip (what the platform does not have), the rest errors.
 */
sc_control_err sc_control_call(sc_control *c, sc_control_op op, json_t *body, json_t **answer,
                               char *why, size_t why_size);

/* The first capability of caps c lacks, 0 when it has them all; its reason in *why. */
unsigned sc_control_lacks(const sc_control *c, unsigned caps, const char **why);

void sc_control_free(sc_control *c);

/* The mock platform's test control at base ("http://127.0.0.1:PORT"); ca_file (NULL: the
 * system's) trusts its HTTPS. NULL when out of memory or the CA file cannot be read. */
sc_control *sc_control_mock_new(const char *base, const char *ca_file);

#endif
