/* My Number cards linked to users (user manual 2.4): one card, one user, kept in the store. */
#ifndef KAGURA_RP_CARD_LINK_H
#define KAGURA_RP_CARD_LINK_H

#include "rp/app.h"

/* The user a My Number card (SHA-256 fingerprint, hex) is linked to; NOT_FOUND when none. */
rp_store_err rp_card_link_get(rp_app *app, const char *fingerprint, int64_t *user_id);
/* Links the card to user_id (replacing any link of that card). */
rp_store_err rp_card_link_put(rp_app *app, const char *fingerprint, int64_t user_id);
rp_store_err rp_card_link_delete(rp_app *app, const char *fingerprint);

#endif
