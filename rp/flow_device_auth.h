/*
 * Cross-device authentication (デバイス認証): the PC asks the 本人ID, shows a
 * QR valid 10 minutes and polls the platform; the phone opens the QR and runs
 * navigator.credentials.get with user verification; the PC then goes on to
 * the result. Manual entries: on the PC 3.7, 3.8, 3.9, 3.12 (v1.04: 3.6, 3.7,
 * 3.8), on the phone 2.19 and 2.6, on both 2.15 and 2.20.
 *
 * 3.8 or 3.12: a user without an enabled device who ever registered one (a
 * credential stored but disabled, or deleted: rp_store_user_had_device) gets
 * 3.8; a user who never registered any gets 3.12. v1.04 shows its 3.7 for both.
 */
#ifndef KAGURA_RP_FLOW_DEVICE_AUTH_H
#define KAGURA_RP_FLOW_DEVICE_AUTH_H

#include "rp/route.h"

extern const rp_route_table rp_device_auth_table;

#endif
