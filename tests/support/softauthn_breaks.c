/* The ways a ceremony is broken that the negative sets share (tests/unit/test_negative.c and
 * gen_negative_set.c): each edits the soft authenticator's parameters before it signs. */
#include <stdlib.h>
#include <string.h>

#include "webauthn/b64url.h"

#include "softauthn.h"

/* the challenge the RP did not send */
void sa_break_challenge(sa_params *p)
{
	p->challenge[0] ^= 0x01;
}

/* another site's origin */
void sa_break_origin_other(sa_params *p)
{
	p->origin = "https://evil.example.jp";
}

/* the RP's host over plain HTTP */
void sa_break_origin_http(sa_params *p)
{
	p->origin = "http://kagura.example.jp";
}

/* the RP's host on another port */
void sa_break_origin_port(sa_params *p)
{
	p->origin = "https://kagura.example.jp:8443";
}

/* a subdomain of the RP's host */
void sa_break_origin_subdomain(sa_params *p)
{
	p->origin = "https://www.kagura.example.jp";
}

/* clientDataJSON of an assertion */
void sa_break_type_get(sa_params *p)
{
	p->type = WA_TYPE_GET;
}

/* clientDataJSON of a registration */
void sa_break_type_create(sa_params *p)
{
	p->type = WA_TYPE_CREATE;
}

/* crossOrigin true */
void sa_break_cross_origin(sa_params *p)
{
	p->cross_origin = true;
}

/* another RP ID's hash */
void sa_break_rp_other(sa_params *p)
{
	p->rp_id = "example.jp";
}

/* user presence (UP) clear */
void sa_break_up(sa_params *p)
{
	p->flags &= (uint8_t)~WA_FLAG_UP;
}

/* user verification (UV) clear */
void sa_break_uv(sa_params *p)
{
	p->flags &= (uint8_t)~WA_FLAG_UV;
}

/* backup state (BS) without backup eligibility */
void sa_break_bs_only(sa_params *p)
{
	p->flags |= WA_FLAG_BS;
}

/* backup eligibility (BE) set */
void sa_break_be(sa_params *p)
{
	p->flags |= WA_FLAG_BE;
}

/* another AAGUID */
void sa_break_aaguid(sa_params *p)
{
	memcpy(p->aaguid, "another-aaguid!!", sizeof(p->aaguid));
}

/* signature counter 0 */
void sa_break_counter_0(sa_params *p)
{
	p->sign_count = 0;
}

/* signature counter 5 */
void sa_break_counter_5(sa_params *p)
{
	p->sign_count = 5;
}

/* another credential's id and rawId in the response JSON */
void sa_break_json_other_id(json_t *resp)
{
	json_object_set_new(resp, "id", json_string("b3RoZXItY3JlZGVudGlhbC1pZA"));
	json_object_set_new(resp, "rawId", json_string("b3RoZXItY3JlZGVudGlhbC1pZA"));
}

/* authenticatorData changed after it was signed: the counter's last byte flipped */
void sa_break_json_counter_after_signing(json_t *resp)
{
	enum { COUNTER_LAST = 36 }; /* rpIdHash (32), flags (1), counter (4, big-endian) */
	json_t *r = json_object_get(resp, "response");
	const char *s = json_string_value(json_object_get(r, "authenticatorData"));
	wa_blob ad = {0};
	char *enc;

	if (s == NULL || wa_b64url_decode(s, strlen(s), &ad) != WA_OK || ad.len <= COUNTER_LAST)
		abort(); /* a test's own response: it always has authenticatorData */
	ad.ptr[COUNTER_LAST] ^= 0x01;
	if ((enc = wa_b64url_encode(ad.ptr, ad.len)) == NULL)
		abort();
	json_object_set_new(r, "authenticatorData", json_string(enc));
	free(enc);
	wa_blob_reset(&ad);
}
