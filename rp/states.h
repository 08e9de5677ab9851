/*
 * The states the platform's flows keep: a browser session's step, a QR token's kind and its
 * cross-device state. The code speaks these enums; the store keeps their names as text, and a
 * name it did not write reads as a damaged store.
 */
#ifndef KAGURA_RP_STATES_H
#define KAGURA_RP_STATES_H

#include <stdbool.h>

/* The flow step a browser session is at (rp_session.step). */
#define RP_STEP_TABLE(X)                                                                        \
	X(RP_STEP_NEW, "new")                               /* nothing done yet */              \
	X(RP_STEP_WEBAUTHN, "webauthn")                     /* login: the assertion is next */  \
	X(RP_STEP_AUTHENTICATED, "authenticated")           /* a user logged in */              \
	X(RP_STEP_REGISTERING, "registering")               /* the phone: create() is next */   \
	X(RP_STEP_REGISTERED, "registered")                 /* the phone registered a device */ \
	X(RP_STEP_CARD_AUTHENTICATED, "card-authenticated") /* the PC: an IC card logged in */  \
	X(RP_STEP_DEVICE_AUTH_QR, "device-auth-qr")         /* the PC shows a login QR */

/* Who issued a QR token and what it opens (rp_qr.kind). */
#define RP_QR_KIND_TABLE(X)                                                                        \
	X(RP_QR_CA_REGISTRATION, "ca-registration") /* the CA's: device registration, days long */ \
	X(RP_QR_PC_REGISTRATION, "pc-registration") /* the PC's after card login */                \
	X(RP_QR_DEVICE_AUTH, "device-auth")         /* the PC's cross-device login */

/* Where the cross-device exchange a QR started stands (rp_qr.state). */
#define RP_QR_STATE_TABLE(X)                                                      \
	X(RP_QR_WAITING, "waiting")       /* the phone has not answered */        \
	X(RP_QR_DONE, "done")             /* the phone finished */                \
	X(RP_QR_FAILED, "failed")         /* the phone failed */                  \
	X(RP_QR_CANCELLED, "cancelled")   /* the PC cancelled */                  \
	X(RP_QR_SUPERSEDED, "superseded") /* the PC reloaded: a newer QR shows */ \
	X(RP_QR_LATE, "late")             /* the phone finished after the PC's window */

#define RP_STATE_ENUM(name, text) name,
typedef enum rp_session_step { RP_STEP_TABLE(RP_STATE_ENUM) RP_STEP__COUNT } rp_session_step;
typedef enum rp_qr_kind { RP_QR_KIND_TABLE(RP_STATE_ENUM) RP_QR_KIND__COUNT } rp_qr_kind;
typedef enum rp_qr_state { RP_QR_STATE_TABLE(RP_STATE_ENUM) RP_QR_STATE__COUNT } rp_qr_state;
#undef RP_STATE_ENUM

/* The name kept in the store; NULL for a value outside the enum. */
const char *rp_session_step_name(rp_session_step step);
const char *rp_qr_kind_name(rp_qr_kind kind);
const char *rp_qr_state_name(rp_qr_state state);

/* The enum a stored name stands for; false for a name none has. */
bool rp_session_step_parse(const char *name, rp_session_step *out);
bool rp_qr_kind_parse(const char *name, rp_qr_kind *out);
bool rp_qr_state_parse(const char *name, rp_qr_state *out);

#endif
