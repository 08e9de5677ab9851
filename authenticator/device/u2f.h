/* CTAP1/U2F (FIDO U2F Raw Message Formats v1.2): the device in U2F mode. */
#ifndef KAGURA_AUTHENTICATOR_DEVICE_U2F_H
#define KAGURA_AUTHENTICATOR_DEVICE_U2F_H

#include "authenticator/device/ctap2.h"

#define U2F_SW_NO_ERROR                 0x9000
#define U2F_SW_CONDITIONS_NOT_SATISFIED 0x6985
#define U2F_SW_WRONG_DATA               0x6a80
#define U2F_SW_WRONG_LENGTH             0x6700
#define U2F_SW_INS_NOT_SUPPORTED        0x6d00
#define U2F_SW_CLA_NOT_SUPPORTED        0x6e00

/* One request APDU (from CTAPHID_MSG) in; response data and status word out. */
void au_u2f_handle(au_ctap *ctap, const uint8_t *apdu, size_t len, au_ctap_reply *out);

#endif
