/* The CTAP 2.1 command processor of the simulated platform authenticator. */
#ifndef KAGURA_AUTHENTICATOR_DEVICE_CTAP2_H
#define KAGURA_AUTHENTICATOR_DEVICE_CTAP2_H

#include <stddef.h>
#include <stdint.h>

#include "authenticator/device/ctap.h"
#include "authenticator/device/device.h"
#include "webauthn/clock.h"

/* Something the user saw or did on the device; the OS layer turns these into prompts. */
typedef enum au_event_kind {
	AU_EV_PRESENCE_ASKED, /* touch / confirm requested */
	AU_EV_PRESENCE_GIVEN,
	AU_EV_PRESENCE_DECLINED,
	AU_EV_PRESENCE_TIMEOUT,
	AU_EV_BIOMETRIC_ASKED,
	AU_EV_BIOMETRIC_FAILED,
	AU_EV_BIOMETRIC_MATCHED,
	AU_EV_LOCK_FALLBACK,  /* the device PIN / passcode verified the user */
	AU_EV_UV_UNAVAILABLE, /* no secure screen lock: nothing can verify the user */
	AU_EV_UV_FAILED,      /* every method failed */
	AU_EV_CREDENTIAL_CREATED,
	AU_EV_CREDENTIAL_USED,
	AU_EV_NO_CREDENTIALS, /* nothing for this RP (and allow list) */
	AU_EV_EXCLUDED,
	AU_EV_RESET,
	AU_EV_FAULT, /* an injected fault fired */
} au_event_kind;

typedef void (*au_event_fn)(void *ctx, au_event_kind kind, const char *detail);

typedef struct au_ctap_reply {
	uint8_t buf[CTAPHID_MAX_MESSAGE]; /* status byte, then CBOR: what one message can carry */
	size_t len;
	int keepalives; /* KEEPALIVE frames to send before the reply (delay, user prompt) */
	uint8_t keepalive_status; /* CTAPHID_KEEPALIVE_PROCESSING or _UPNEEDED */
} au_ctap_reply;

#define AU_MAX_PENDING 16

typedef struct au_ctap {
	au_device *dev;
	const wa_clock *clock;
	au_event_fn event;
	void *event_ctx;
	int device_changed; /* set when credentials or counters changed (save the file) */
	/* authenticatorGetNextAssertion state */
	size_t pending[AU_MAX_PENDING];
	size_t n_pending, next_pending;
	uint8_t pending_cdh[32];
	uint8_t pending_flags;
} au_ctap;

void au_ctap_init(au_ctap *ctap, au_device *dev, const wa_clock *clock, au_event_fn event,
                  void *event_ctx);

/* One CTAP2 request (command byte, then CBOR) in, one reply (status byte, then CBOR) out. */
void au_ctap2_handle(au_ctap *ctap, const uint8_t *req, size_t req_len, au_ctap_reply *out);

const char *au_event_name(au_event_kind kind);

#endif
