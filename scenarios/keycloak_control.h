/*
 * Test control on a real Keycloak (control.h's interface), through its Admin REST API with an
 * admin-cli token of the master realm: users created, enabled, disabled; their passwordless
 * credentials listed and deleted; a device set up the way an administrator of a Keycloak
 * platform has a user do it: the required action webauthn-register-passwordless mailed as an
 * execute-actions link (PUT .../execute-actions-email), read from the control's own mailbox
 * on loopback (smtp_sink.h), which the realm's SMTP settings are pointed at. What the
 * distribution cannot do (its clock) and what stock Keycloak does not have (the platform's
 * QRs, IC-card login, My Number links, disabled devices) are capabilities it lacks.
 */
#ifndef KAGURA_SCENARIOS_KEYCLOAK_CONTROL_H
#define KAGURA_SCENARIOS_KEYCLOAK_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#include "scenarios/control.h"

typedef struct sc_keycloak_config {
	const char *server;     /* where Keycloak answers: "http://localhost:PORT" */
	const char *realm;      /* the realm the scenarios run in */
	const char *admin_user; /* a master-realm administrator */
	const char *admin_password;
	const char *ca_file; /* trusts its HTTPS; NULL the system's */
} sc_keycloak_config;

/* A user's e-mail address on the control's mailbox: NAME@ this domain. */
#define SC_KEYCLOAK_MAIL_DOMAIN "ca.kagura-harness.test"

/*
 * Checks the admin credentials (a token), starts the mailbox and points the realm's SMTP
 * settings at it. NULL with why (one line) when any of it fails.
 */
sc_control *sc_control_keycloak_new(const sc_keycloak_config *cfg, char *why, size_t why_size);

/*
 * The administrator tools/keycloak/start.sh wrote (KC_ADMIN_USERNAME=..., KC_ADMIN_PASSWORD=...
 * lines) into user and password; false with why when the file cannot be read or lacks one.
 */
bool sc_keycloak_admin_env_read(const char *path, char *user, size_t user_size, char *password,
                                size_t password_size, char *why, size_t why_size);

#endif
