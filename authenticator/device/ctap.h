/* CTAP 2.1 wire constants: CTAPHID commands, CTAP2 commands, their CBOR map keys, status codes. */
#ifndef KAGURA_AUTHENTICATOR_DEVICE_CTAP_H
#define KAGURA_AUTHENTICATOR_DEVICE_CTAP_H

/* CTAPHID (CTAP 2.1 §11.2.9) */
/* The most bytes a signature covers (authenticatorData with its extensions, and a hash). */
#define AU_TBS_MAX                   (64 * 1024)
#define CTAPHID_PACKET               64
#define CTAPHID_BROADCAST_CID        0xffffffffu
#define CTAPHID_MSG                  0x03
#define CTAPHID_INIT                 0x06
#define CTAPHID_PING                 0x01
#define CTAPHID_CBOR                 0x10
#define CTAPHID_CANCEL               0x11
#define CTAPHID_KEEPALIVE            0x3b
#define CTAPHID_ERROR                0x3f
#define CTAPHID_CAP_WINK             0x01
#define CTAPHID_CAP_CBOR             0x04
#define CTAPHID_CAP_NMSG             0x08
#define CTAPHID_ERR_INVALID_CMD      0x01
#define CTAPHID_ERR_INVALID_PAR      0x02
#define CTAPHID_ERR_INVALID_LEN      0x03
#define CTAPHID_ERR_INVALID_SEQ      0x04
#define CTAPHID_ERR_CHANNEL_BUSY     0x06
#define CTAPHID_ERR_INVALID_CHANNEL  0x0b
#define CTAPHID_ERR_OTHER            0x7f
#define CTAPHID_KEEPALIVE_PROCESSING 0x01
#define CTAPHID_KEEPALIVE_UPNEEDED   0x02
#define CTAPHID_MAX_MESSAGE          7609 /* 64-7 + 128*(64-5) */

/* CTAP2 commands (§6) */
#define CTAP2_MAKE_CREDENTIAL    0x01
#define CTAP2_GET_ASSERTION      0x02
#define CTAP2_GET_INFO           0x04
#define CTAP2_CLIENT_PIN         0x06
#define CTAP2_RESET              0x07
#define CTAP2_GET_NEXT_ASSERTION 0x08
#define CTAP2_SELECTION          0x0b

/* authenticatorMakeCredential: request (§6.1) and response (§6.1.2) map keys */
#define CTAP2_MC_CLIENT_DATA_HASH    0x01
#define CTAP2_MC_RP                  0x02
#define CTAP2_MC_USER                0x03
#define CTAP2_MC_PUB_KEY_CRED_PARAMS 0x04
#define CTAP2_MC_EXCLUDE_LIST        0x05
#define CTAP2_MC_OPTIONS             0x07
#define CTAP2_MC_RESP_FMT            0x01
#define CTAP2_MC_RESP_AUTH_DATA      0x02
#define CTAP2_MC_RESP_ATT_STMT       0x03

/* authenticatorGetAssertion: request (§6.2) and response (§6.2.2) map keys */
#define CTAP2_GA_RP_ID                      0x01
#define CTAP2_GA_CLIENT_DATA_HASH           0x02
#define CTAP2_GA_ALLOW_LIST                 0x03
#define CTAP2_GA_OPTIONS                    0x05
#define CTAP2_GA_RESP_CREDENTIAL            0x01
#define CTAP2_GA_RESP_AUTH_DATA             0x02
#define CTAP2_GA_RESP_SIGNATURE             0x03
#define CTAP2_GA_RESP_USER                  0x04
#define CTAP2_GA_RESP_NUMBER_OF_CREDENTIALS 0x05

/* authenticatorGetInfo response map keys (§6.4) */
#define CTAP2_INFO_VERSIONS     0x01
#define CTAP2_INFO_EXTENSIONS   0x02
#define CTAP2_INFO_AAGUID       0x03
#define CTAP2_INFO_OPTIONS      0x04
#define CTAP2_INFO_MAX_MSG_SIZE 0x05
#define CTAP2_INFO_TRANSPORTS   0x09
#define CTAP2_INFO_ALGORITHMS   0x0a

/* CTAP2 status codes (§8.2) */
#define CTAP2_OK                        0x00
#define CTAP1_ERR_INVALID_COMMAND       0x01
#define CTAP1_ERR_INVALID_PARAMETER     0x02
#define CTAP1_ERR_INVALID_LENGTH        0x03
#define CTAP2_ERR_CBOR_UNEXPECTED_TYPE  0x11
#define CTAP2_ERR_INVALID_CBOR          0x12
#define CTAP2_ERR_MISSING_PARAMETER     0x14
#define CTAP2_ERR_LIMIT_EXCEEDED        0x15
#define CTAP2_ERR_CREDENTIAL_EXCLUDED   0x19
#define CTAP2_ERR_PROCESSING            0x21
#define CTAP2_ERR_INVALID_CREDENTIAL    0x22
#define CTAP2_ERR_USER_ACTION_PENDING   0x23
#define CTAP2_ERR_OPERATION_PENDING     0x24
#define CTAP2_ERR_NO_OPERATIONS         0x25
#define CTAP2_ERR_UNSUPPORTED_ALGORITHM 0x26
#define CTAP2_ERR_OPERATION_DENIED      0x27
#define CTAP2_ERR_KEY_STORE_FULL        0x28
#define CTAP2_ERR_UNSUPPORTED_OPTION    0x2b
#define CTAP2_ERR_INVALID_OPTION        0x2c
#define CTAP2_ERR_KEEPALIVE_CANCEL      0x2d
#define CTAP2_ERR_NO_CREDENTIALS        0x2e
#define CTAP2_ERR_USER_ACTION_TIMEOUT   0x2f
#define CTAP2_ERR_NOT_ALLOWED           0x30
#define CTAP2_ERR_PIN_INVALID           0x31
#define CTAP2_ERR_PIN_BLOCKED           0x32
#define CTAP2_ERR_PIN_AUTH_INVALID      0x33
#define CTAP2_ERR_PIN_AUTH_BLOCKED      0x34
#define CTAP2_ERR_PIN_NOT_SET           0x35
#define CTAP2_ERR_PUAT_REQUIRED         0x36
#define CTAP2_ERR_UV_BLOCKED            0x3c
#define CTAP2_ERR_UV_INVALID            0x3f
#define CTAP2_ERR_OTHER                 0x7f

#endif
