/*
 * Device registration, shared by the phone's pages (rp/flow_register.c) and
 * the PC's QR pages (rp/flow_pc_register.c): the 10-minute window of a PC
 * registration, and the pages both sides end on.
 */
#ifndef KAGURA_RP_FLOW_REGISTER_H
#define KAGURA_RP_FLOW_REGISTER_H

#include "rp/flow.h"

/* A PC QR is readable for 10 minutes, and the whole registration must end 10 minutes
 * after the first QR the PC showed (manual 2.19, 3.22). */
#define RP_PC_QR_LIFETIME (10 * 60)
/* A CA QR's lifetime when the CA names none: the manual only says it has one. */
#define RP_CA_QR_LIFETIME (7 * 24 * 3600)

/* records kind of the PC session's registration: {"first": EPOCH, "qr": TOKEN} */
#define RP_PC_REG_RECORD "pc-registration"

/* The registration URL a QR encodes: ORIGIN/registration?qr=TOKEN. */
bool rp_register_url(const rp_app *app, const char *token, char *url, size_t size);

/* When the PC registration of session_id must have ended; false when it has no record. */
bool rp_pc_register_deadline(rp_app *app, const char *session_id, time_t *deadline);

/* 2.19: an unknown, expired, superseded or used QR (v1.04: Keycloak's invalid-code page). */
void rp_register_invalid_qr(rp_app *app, rp_http_response *resp);

/* The PC's 3.22 page (v1.04: Keycloak's error page; 3.22 is new in v2.16). */
void rp_register_failed_pc(rp_app *app, rp_http_response *resp);

/* The phone's pages (rp/flow_register.c) and the PC's (rp/flow_pc_register.c). */
extern const rp_route_table rp_register_table;
extern const rp_route_table rp_pc_register_table;

#endif
