#include "rp/poll.h"

#include "webauthn/arraylen.h"

static const char *const names[] = {
        [RP_POLL_WAITING] = "waiting", [RP_POLL_DONE] = "done",
        [RP_POLL_FAILED] = "failed",   [RP_POLL_CANCELLED] = "cancelled",
        [RP_POLL_EXPIRED] = "expired",
};

rp_poll rp_poll_of(rp_qr_state state)
{
	switch (state) {
	case RP_QR_WAITING:
		return RP_POLL_WAITING;
	case RP_QR_DONE:
		return RP_POLL_DONE;
	case RP_QR_FAILED:
		return RP_POLL_FAILED;
	case RP_QR_CANCELLED:
		return RP_POLL_CANCELLED;
	default:
		return RP_POLL_EXPIRED; /* superseded by a reload, or finished after the window */
	}
}

void rp_poll_answer(rp_http_response *resp, int status, rp_poll shown)
{
	const char *name = (unsigned)shown < KAGURA_LEN(names) ? names[shown] : "expired";

	rp_http_response_json(resp, status, json_pack("{s:s}", "state", name));
	rp_http_response_header(resp, "Cache-Control", "no-store");
}
