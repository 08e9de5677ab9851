#include "authenticator/device/u2f.h"

#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "authenticator/device/attest.h"
#include "webauthn/buf.h"
#include "webauthn/cose.h"

#define INS_REGISTER         0x01
#define INS_AUTHENTICATE     0x02
#define INS_VERSION          0x03
#define AUTH_CHECK_ONLY      0x07
#define AUTH_ENFORCE_UP      0x03
#define AUTH_DONT_ENFORCE_UP 0x08

/* A command APDU (ISO 7816-4, extended length): CLA INS P1 P2, then 00 Lc1 Lc2 and the data,
 * then an optional Le of up to 3 bytes. */
#define APDU_CLA        0
#define APDU_INS        1
#define APDU_P1         2
#define APDU_HEADER     4
#define APDU_EXT        4 /* 00: the extended length follows */
#define APDU_LC         5
#define APDU_EXT_HEADER 7
#define APDU_MAX_LE     3

/* The request data: challenge parameter, application parameter (SHA-256 each), then for
 * authentication the key handle's length and the key handle. */
#define REQ_CHALLENGE 0
#define REQ_APP       32
#define REQ_KH_LEN    64
#define REQ_KH        65
#define HASH_LEN      32

#define REGISTER_RESERVED 0x05 /* the first byte of a registration response */
#define USER_PRESENT      0x01 /* the user presence byte of an authentication */

static void put_sw(au_ctap_reply *out, uint16_t sw)
{
	out->buf[out->len++] = (uint8_t)(sw >> 8);
	out->buf[out->len++] = (uint8_t)sw;
}

static void only_sw(au_ctap_reply *out, uint16_t sw)
{
	out->len = 0;
	put_sw(out, sw);
}

static bool append(au_ctap_reply *out, const void *p, size_t n)
{
	if (out->len + n + 2 > sizeof(out->buf))
		return false;
	memcpy(out->buf + out->len, p, n);
	out->len += n;
	return true;
}

/* U2F knows an application only by SHA-256 of its id; that hash is what the device stores. */
static void app_name(const uint8_t app[HASH_LEN], char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "sha256:");
	for (int i = 0; i < HASH_LEN && n + 2 < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%02x", app[i]);
}

static int find(const au_device *dev, const uint8_t app[HASH_LEN], const uint8_t *kh, size_t khlen)
{
	char name[80];

	app_name(app, name, sizeof(name));
	for (size_t i = 0; i < dev->n_credentials; i++)
		if (strcmp(dev->credentials[i].rp_id, name) == 0 &&
		    wa_blob_eq(&dev->credentials[i].id, kh, khlen))
			return (int)i;
	return -1;
}

/* The user's touch: a U2F device answers "not yet" until it comes. */
static bool touched(au_ctap *ctap)
{
	ctap->event(ctap->event_ctx, AU_EV_PRESENCE_ASKED, "U2F");
	if (ctap->dev->settings.presence != AU_PRESENCE_CONSENT) {
		ctap->event(ctap->event_ctx,
		            ctap->dev->settings.presence == AU_PRESENCE_DECLINE
		                    ? AU_EV_PRESENCE_DECLINED
		                    : AU_EV_PRESENCE_TIMEOUT,
		            "U2F");
		return false;
	}
	ctap->event(ctap->event_ctx, AU_EV_PRESENCE_GIVEN, "U2F");
	return true;
}

static void nothing(void *ctx, au_event_kind kind, const char *detail)
{
	(void)ctx;
	(void)kind;
	(void)detail;
}

static void reg(au_ctap *ctap, const uint8_t *data, au_ctap_reply *out)
{
	au_device *dev = ctap->dev;
	const uint8_t *chal = data + REQ_CHALLENGE, *app = data + REQ_APP;
	uint8_t point[65], kh[32], reserved = REGISTER_RESERVED, khlen = sizeof(kh);
	size_t plen = 0;
	unsigned char *der = NULL;
	int derlen;
	wa_buf tbs = WA_BUF_INIT(AU_TBS_MAX);
	wa_blob sig = {0};
	au_credential *c;

	if (dev->att_key == NULL || dev->att_chain == NULL) {
		only_sw(out, U2F_SW_CONDITIONS_NOT_SATISFIED);
		return;
	}
	if (!touched(ctap)) {
		only_sw(out, U2F_SW_CONDITIONS_NOT_SATISFIED);
		return;
	}
	if ((c = au_device_add_credential(dev)) == NULL ||
	    (c->key = au_keygen(WA_COSE_ES256)) == NULL || RAND_bytes(kh, sizeof(kh)) != 1 ||
	    wa_blob_set(&c->id, kh, sizeof(kh)) != WA_OK ||
	    EVP_PKEY_get_octet_string_param(c->key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point),
	                                    &plen) != 1 ||
	    plen != sizeof(point)) {
		if (c != NULL)
			au_device_remove_credential(dev, dev->n_credentials - 1);
		only_sw(out, U2F_SW_CONDITIONS_NOT_SATISFIED);
		return;
	}
	c->alg = WA_COSE_ES256;
	c->counter = 0;
	c->created = wa_clock_now(ctap->clock);
	app_name(app, c->rp_id, sizeof(c->rp_id));
	/* registration signature: 0x00 || application || challenge || key handle || public key */
	wa_buf_add(&tbs, "\x00", 1);
	wa_buf_add(&tbs, app, HASH_LEN);
	wa_buf_add(&tbs, chal, HASH_LEN);
	wa_buf_add(&tbs, kh, sizeof(kh));
	wa_buf_add(&tbs, point, sizeof(point));
	derlen = i2d_X509(sk_X509_value(dev->att_chain, 0), &der);
	out->len = 0;
	if (derlen <= 0 || wa_buf_err(&tbs) != WA_OK ||
	    !au_sign(dev->att_key, WA_COSE_ES256, (const uint8_t *)wa_buf_str(&tbs),
	             wa_buf_len(&tbs), &sig) ||
	    !append(out, &reserved, 1) || !append(out, point, sizeof(point)) ||
	    !append(out, &khlen, 1) || !append(out, kh, sizeof(kh)) ||
	    !append(out, der, (size_t)derlen) || !append(out, sig.ptr, sig.len)) {
		au_device_remove_credential(dev, dev->n_credentials - 1);
		only_sw(out, U2F_SW_CONDITIONS_NOT_SATISFIED);
	} else {
		put_sw(out, U2F_SW_NO_ERROR);
		ctap->device_changed = 1;
		ctap->event(ctap->event_ctx, AU_EV_CREDENTIAL_CREATED, c->rp_id);
	}
	OPENSSL_free(der);
	wa_buf_free(&tbs);
	wa_blob_reset(&sig);
}

static void authenticate(au_ctap *ctap, uint8_t p1, const uint8_t *data, size_t len,
                         au_ctap_reply *out)
{
	const uint8_t *chal = data + REQ_CHALLENGE, *app = data + REQ_APP, *kh = data + REQ_KH;
	size_t khlen;
	uint8_t flags = USER_PRESENT, ctr[4];
	wa_buf tbs = WA_BUF_INIT(AU_TBS_MAX);
	wa_blob sig = {0};
	au_credential *c;
	int idx;

	if (len < REQ_KH || (khlen = data[REQ_KH_LEN]) != len - REQ_KH) {
		only_sw(out, U2F_SW_WRONG_LENGTH);
		return;
	}
	if ((idx = find(ctap->dev, app, kh, khlen)) < 0) {
		ctap->event(ctap->event_ctx, AU_EV_NO_CREDENTIALS,
		            "U2F key handle not for this application");
		only_sw(out, U2F_SW_WRONG_DATA);
		return;
	}
	/* check-only: "this key handle is mine" is said with conditions-not-satisfied. */
	if (p1 == AUTH_CHECK_ONLY) {
		only_sw(out, U2F_SW_CONDITIONS_NOT_SATISFIED);
		return;
	}
	if (p1 == AUTH_DONT_ENFORCE_UP)
		flags = 0;
	else if (!touched(ctap)) {
		only_sw(out, U2F_SW_CONDITIONS_NOT_SATISFIED);
		return;
	}
	c = &ctap->dev->credentials[idx];
	if (ctap->dev->settings.counter == AU_COUNTER_PER_CREDENTIAL)
		c->counter++;
	ctr[0] = (uint8_t)(c->counter >> 24);
	ctr[1] = (uint8_t)(c->counter >> 16);
	ctr[2] = (uint8_t)(c->counter >> 8);
	ctr[3] = (uint8_t)c->counter;
	/* signature: application || user presence || counter || challenge */
	wa_buf_add(&tbs, app, HASH_LEN);
	wa_buf_add(&tbs, &flags, 1);
	wa_buf_add(&tbs, ctr, 4);
	wa_buf_add(&tbs, chal, HASH_LEN);
	out->len = 0;
	if (wa_buf_err(&tbs) != WA_OK ||
	    !au_sign(c->key, WA_COSE_ES256, (const uint8_t *)wa_buf_str(&tbs), wa_buf_len(&tbs),
	             &sig) ||
	    !append(out, &flags, 1) || !append(out, ctr, 4) || !append(out, sig.ptr, sig.len)) {
		only_sw(out, U2F_SW_CONDITIONS_NOT_SATISFIED);
	} else {
		if (ctap->dev->settings.bogus_signature)
			out->buf[out->len - 1] ^= 0x01;
		put_sw(out, U2F_SW_NO_ERROR);
		ctap->device_changed = 1;
		ctap->event(ctap->event_ctx, AU_EV_CREDENTIAL_USED, c->rp_id);
	}
	wa_buf_free(&tbs);
	wa_blob_reset(&sig);
}

void au_u2f_handle(au_ctap *ctap, const uint8_t *apdu, size_t len, au_ctap_reply *out)
{
	size_t lc = 0, off = APDU_HEADER;
	au_event_fn saved = ctap->event;

	out->len = 0;
	out->keepalives = 0;
	if (ctap->event == NULL)
		ctap->event = nothing;
	if (len < APDU_HEADER) {
		only_sw(out, U2F_SW_WRONG_LENGTH);
		goto done;
	}
	/* Extended-length APDU: 00 Lc1 Lc2, data, then an optional Le of up to 3 bytes. */
	if (len >= APDU_EXT_HEADER) {
		if (apdu[APDU_EXT] != 0) {
			only_sw(out, U2F_SW_WRONG_LENGTH);
			goto done;
		}
		lc = (size_t)apdu[APDU_LC] << 8 | apdu[APDU_LC + 1];
		off = APDU_EXT_HEADER;
		if (lc > len - off || len - off - lc > APDU_MAX_LE) {
			only_sw(out, U2F_SW_WRONG_LENGTH);
			goto done;
		}
	} /* shorter: the header and at most an Le of 1 or 2 bytes, no data */
	if (apdu[APDU_CLA] != 0) {
		only_sw(out, U2F_SW_CLA_NOT_SUPPORTED);
		goto done;
	}
	switch (apdu[APDU_INS]) {
	case INS_VERSION:
		append(out, "U2F_V2", 6);
		put_sw(out, U2F_SW_NO_ERROR);
		break;
	case INS_REGISTER:
		if (lc != REQ_KH_LEN) /* challenge and application */
			only_sw(out, U2F_SW_WRONG_LENGTH);
		else
			reg(ctap, apdu + off, out);
		break;
	case INS_AUTHENTICATE:
		authenticate(ctap, apdu[APDU_P1], apdu + off, lc, out);
		break;
	default:
		only_sw(out, U2F_SW_INS_NOT_SUPPORTED);
		break;
	}
done:
	ctap->event = saved;
}
