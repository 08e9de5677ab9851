/*
 * The PC pages' poll contract (authenticator/pc/pc.h reads it): while the PC shows a QR, its script
 * asks the platform where the phone stands, as {"state": NAME}.
 */
#ifndef KAGURA_RP_POLL_H
#define KAGURA_RP_POLL_H

#include "rp/http.h"
#include "rp/states.h"

typedef enum rp_poll {
	RP_POLL_WAITING,   /* keep polling */
	RP_POLL_DONE,      /* the phone finished: go on to the next URL */
	RP_POLL_FAILED,    /* the phone failed */
	RP_POLL_CANCELLED, /* the PC cancelled */
	RP_POLL_EXPIRED,   /* nothing more to wait for: past the window, or another QR shows */
} rp_poll;

/* What a stored QR state shows, before a flow's own rules of time. */
rp_poll rp_poll_of(rp_qr_state state);

/* {"state": NAME} with status, never cached. */
void rp_poll_answer(rp_http_response *resp, int status, rp_poll shown);

#endif
