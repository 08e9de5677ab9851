/*
 * A manual generation of the platform (--manual 2.16 or 1.04): which pages, texts and behaviours
 * it has. Every difference between the generations is a field here, consulted where it matters;
 * the texts themselves are the generation's message bundle (fixtures/messages/).
 */
#ifndef KAGURA_RP_GENERATION_H
#define KAGURA_RP_GENERATION_H

#include <stdbool.h>

#define RP_GENERATION_DEFAULT "2.16"

typedef struct rp_generation {
	const char *name; /* "2.16": the manual's version, --manual's value, the bundle's suffix */

	/* ---- every page flow ---- */
	bool has_405_sentence;     /* 2.20: the 405 page says why, when and from where */
	const char *no_cookie_key; /* 2.15: the cookie-missing page's text */

	/* ---- device registration ---- */
	bool checks_other_user;    /* 2.18: a browser holding another user is refused */
	bool has_invalid_qr_page;  /* 2.19 (else Keycloak's invalid-code page) */
	bool has_pc_failure_page;  /* 3.22 on the PC (else Keycloak's error page) */
	const char *label_prompt;  /* Keycloak's prompt for the device's label */
	const char *label_default; /* the label when the prompt is cancelled */

	/* ---- cross-device authentication ---- */
	const char *empty_name_key;       /* no 本人ID entered */
	const char *unknown_user_key;     /* no such user */
	const char *never_registered_key; /* a user who never registered a device */

	/* ---- IC-card login ---- */
	bool has_forbidden_page;   /* 3.17: the card front's Apache 403, and its PIN window */
	bool has_card_error_pages; /* 3.5, 3.18-3.20 (else Keycloak's errorTitle page) */
	const char *card_user_unknown_key; /* the card names no registered user */
	bool jpki;                         /* My Number card login and registration */
	bool fronts_check_crl; /* the card fronts refuse a revoked card in the handshake */
} rp_generation;

/* The generation named name ("2.16", "1.04"); NULL for any other. */
const rp_generation *rp_generation_find(const char *name);

#endif
