/*
 * IC-card login on the PC (error manual section 3; user manual 2.4, 5.2(b)/(c)): the HPKI card
 * and the My Number card (JPKI) present their certificates in the TLS handshake; the platform
 * checks them against its card trust (rp/cardcert.h), finds the user and opens device
 * registration. Also the My Number card's link to a user (one card, one user: rp/card_link.h).
 *
 * Endpoints (HTTPS; the server requests a client certificate):
 *   GET /card-login/hpki           HPKI login: the user whose 本人ID the card names
 *   GET /card-login/jpki           JPKI login (v2.16): the user the card is linked to
 *   GET /jpki-registration         after an HPKI login: the My Number card registration page
 *   GET /card-login/jpki-register  the My Number card, linked to the HPKI-logged-in user
 * A successful login is a 303 to /device-registration with a card-authenticated session.
 *
 * The front server's behaviour is modelled too: a card endpoint reached without a client
 * certificate (or over plain HTTP) gets no answer at all, the connection is closed (what a proxy
 * that does not relay the certificate causes; the PC's browser then shows manual 3.3
 * "このページは現在機能していません"); the first request on a connection more than
 * RP_CARD_PIN_WINDOW seconds (platform clock) after the connection was accepted, i.e. after the
 * TLS handshake in which the card was chosen, gets Apache's 403 page (3.17), as does a card
 * endpoint from a forbidden network. v1.04 has no 3.17: there the window is not checked.
 */
#ifndef KAGURA_RP_FLOW_CARD_H
#define KAGURA_RP_FLOW_CARD_H

#include "rp/route.h"

/* The card endpoints share this prefix: the front server's rules (3.3, 3.17) apply to them. */
#define RP_CARD_PREFIX "/card-login/"
/* Seconds allowed between the TLS handshake (card selection) and the request after the PIN. */
#define RP_CARD_PIN_WINDOW 60

/* The card endpoints behind the card-login front server (its 403 page is Apache's, 3.17). */
extern const rp_route_table rp_card_front_table;
/* The My Number card registration page, an ordinary page of the platform. */
extern const rp_route_table rp_card_page_table;

#endif
