/*
 * Device-only FIDO login on the phone (デバイス単独 FIDO 認証): the Username
 * form, then navigator.credentials.get with user verification, then the
 * result. The documented outcomes: disabled user (2.1), unsupported browser
 * (2.2), failed authentication (2.6), cookies missing (2.15), a replayed or
 * Back-button form (2.20, the 405 page), a user with no device (2.24).
 */
#ifndef KAGURA_RP_FLOW_LOGIN_H
#define KAGURA_RP_FLOW_LOGIN_H

#include "rp/route.h"

extern const rp_route_table rp_login_table;

#endif
