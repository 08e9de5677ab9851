/*
 * Negative cases (reference rp-verification.md §2.4): each starts from a valid
 * ceremony built by the soft authenticator, mutates one thing (re-signing
 * where the signature would otherwise fail first) and must be rejected with
 * its own error code. The unmutated baselines must verify.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "softauthn.h"
#include "webauthn/authentication.h"
#include "webauthn/b64url.h"
#include "webauthn/registration.h"

enum ceremony { REG, AUTH };

/* Knobs a case may turn on the RP side. */
typedef struct rp_knobs {
	bool require_uv;
	bool u2f_zero_aaguid;
	bool registered;     /* the credential id is already in the store */
	bool foreign_anchor; /* trust anchor is an unrelated CA */
	bool require_trusted;
	int64_t only_alg; /* pubKeyCredParams holds just this alg */
	bool not_allowed; /* allowCredentials names another credential */
	bool anonymous;   /* user not identified before the assertion */
	bool stored_be;   /* stored credential says backup eligible */
	uint32_t stored_count;
	bool owner_handle; /* stored credential has an owner user handle */
} rp_knobs;

typedef struct neg_case {
	const char *name;
	enum ceremony ceremony;
	const char *fmt; /* registration format; default packed-self */
	void (*params)(sa_params *p);
	sa_hooks hooks;
	rp_knobs knobs;
	int pki_expiry; /* 0 valid leaf, 1 expired, 2 not yet valid */
	wa_err expected;
} neg_case;

/* ---- helpers for hooks ---- */

static const char *chal_b64(void)
{
	static char buf[64];
	sa_params p = sa_default_params();
	char *s = wa_b64url_encode(p.challenge, sizeof(p.challenge));
	snprintf(buf, sizeof(buf), "%s", s);
	free(s);
	return buf;
}

/* Replaces clientDataJSON with fmt, where %1$s is the right challenge and %2$s the origin. */
static void set_cdata(wa_blob *b, const char *fmt)
{
	char text[512];
	int n = snprintf(text, sizeof(text), fmt, chal_b64(), SA_ORIGIN);
	wa_blob_set(b, text, (size_t)n);
}

static void json_response_set(json_t *resp, const char *key, json_t *value)
{
	json_t *r = json_object_get(resp, "response");
	if (value == NULL)
		json_object_del(r, key);
	else
		json_object_set_new(r, key, value);
}

/* Decodes the attestationObject, lets edit() rebuild the map, re-encodes it. */
static void attobj_edit(wa_blob *obj, cbor_item_t *(*edit)(cbor_item_t *map))
{
	struct cbor_load_result res;
	cbor_item_t *map = cbor_load(obj->ptr, obj->len, &res), *out;
	unsigned char *buf = NULL;
	size_t cap = 0, n;

	out = edit(map);
	n = cbor_serialize_alloc(out, &buf, &cap);
	wa_blob_set(obj, buf, n);
	free(buf);
	cbor_decref(&out);
	if (out != map)
		cbor_decref(&map);
}

/* A copy of map without key (text keys), then with key -> value when value given. */
static cbor_item_t *map_with(cbor_item_t *map, const char *key, cbor_item_t *value)
{
	cbor_item_t *out = cbor_new_definite_map(cbor_map_size(map) + 1);
	struct cbor_pair *pairs = cbor_map_handle(map);

	for (size_t i = 0; i < cbor_map_size(map); i++) {
		if (cbor_isa_string(pairs[i].key) &&
		    cbor_string_length(pairs[i].key) == strlen(key) &&
		    memcmp(cbor_string_handle(pairs[i].key), key, strlen(key)) == 0)
			continue;
		cbor_map_add(out, pairs[i]);
	}
	if (value != NULL) {
		cbor_item_t *k = cbor_build_string(key);
		cbor_map_add(out, (struct cbor_pair){.key = k, .value = value});
		cbor_decref(&k);
		cbor_decref(&value);
	}
	return out;
}

/* The COSE key as a fresh map built from (label, item) pairs in the given order. */
static void cose_replace(wa_blob *cose, int n, const int64_t *labels, cbor_item_t **values)
{
	cbor_item_t *map = cbor_new_definite_map((size_t)n);
	unsigned char *buf = NULL;
	size_t cap = 0, len;

	for (int i = 0; i < n; i++) {
		cbor_item_t *k = labels[i] >= 0 ? cbor_build_uint8((uint8_t)labels[i])
		                                : cbor_build_negint8((uint8_t)(-1 - labels[i]));
		cbor_map_add(map, (struct cbor_pair){.key = k, .value = values[i]});
		cbor_decref(&k);
		cbor_decref(&values[i]);
	}
	len = cbor_serialize_alloc(map, &buf, &cap);
	wa_blob_set(cose, buf, len);
	free(buf);
	cbor_decref(&map);
}

/* Value of label in the current COSE key (a new reference). */
static cbor_item_t *cose_get(const wa_blob *cose, int64_t label)
{
	struct cbor_load_result res;
	cbor_item_t *map = cbor_load(cose->ptr, cose->len, &res), *v = NULL;
	struct cbor_pair *pairs = cbor_map_handle(map);

	for (size_t i = 0; i < cbor_map_size(map); i++) {
		int64_t k = cbor_isa_uint(pairs[i].key) ? (int64_t)cbor_get_int(pairs[i].key)
		                                        : -1 - (int64_t)cbor_get_int(pairs[i].key);
		if (k == label)
			v = cbor_incref(pairs[i].value);
	}
	cbor_decref(&map);
	return v;
}

static cbor_item_t *neg(int64_t v)
{
	return cbor_build_negint8((uint8_t)(-1 - v));
}

/* ---- response JSON hooks ---- */
static void j_no_id(json_t *r)
{
	json_object_del(r, "id");
}
static void j_id_number(json_t *r)
{
	json_object_set_new(r, "id", json_integer(7));
	json_object_del(r, "rawId");
}
static void j_id_not_b64(json_t *r)
{
	json_object_set_new(r, "id", json_string("ab+/cd=="));
	json_object_del(r, "rawId");
}
static void j_rawid_differs(json_t *r)
{
	json_object_set_new(r, "rawId", json_string("AAAA"));
}
static void j_no_type(json_t *r)
{
	json_object_del(r, "type");
}
static void j_bad_type(json_t *r)
{
	json_object_set_new(r, "type", json_string("private-key"));
}
static void j_no_response(json_t *r)
{
	json_object_del(r, "response");
}
static void j_response_string(json_t *r)
{
	json_object_set_new(r, "response", json_string("x"));
}
static void j_no_cdata(json_t *r)
{
	json_response_set(r, "clientDataJSON", NULL);
}
static void j_empty_cdata(json_t *r)
{
	json_response_set(r, "clientDataJSON", json_string(""));
}
static void j_cdata_number(json_t *r)
{
	json_response_set(r, "clientDataJSON", json_integer(1));
}
static void j_cdata_padded(json_t *r)
{
	json_t *resp = json_object_get(r, "response");
	char buf[1024];
	snprintf(buf, sizeof(buf),
	         "%s==", json_string_value(json_object_get(resp, "clientDataJSON")));
	json_response_set(r, "clientDataJSON", json_string(buf));
}
static void j_no_attobj(json_t *r)
{
	json_response_set(r, "attestationObject", NULL);
}
static void j_empty_attobj(json_t *r)
{
	json_response_set(r, "attestationObject", json_string(""));
}
static void j_attobj_array(json_t *r)
{
	json_response_set(r, "attestationObject", json_array());
}
static void j_transports_string(json_t *r)
{
	json_response_set(r, "transports", json_string("usb"));
}
static void j_no_authdata(json_t *r)
{
	json_response_set(r, "authenticatorData", NULL);
}
static void j_authdata_not_b64(json_t *r)
{
	json_response_set(r, "authenticatorData", json_string("***"));
}
static void j_no_sig(json_t *r)
{
	json_response_set(r, "signature", NULL);
}
static void j_sig_number(json_t *r)
{
	json_response_set(r, "signature", json_integer(5));
}
static void j_userhandle_number(json_t *r)
{
	json_response_set(r, "userHandle", json_integer(5));
}
static void j_userhandle_other(json_t *r)
{
	json_response_set(r, "userHandle", json_string("c29tZWJvZHktZWxzZQ"));
}
/* ---- clientDataJSON hooks ---- */
static void c_not_utf8(wa_blob *b)
{
	wa_blob_set(b, "{\"type\":\"\xff\xfe\"}", 14);
}
static void c_not_json(wa_blob *b)
{
	set_cdata(b, "{\"type\":\"webauthn.create\",");
}
static void c_array(wa_blob *b)
{
	set_cdata(b, "[\"webauthn.create\"]");
}
static void c_duplicate(wa_blob *b)
{
	set_cdata(b, "{\"type\":\"webauthn.create\",\"challenge\":\"%1$s\",\"origin\":\"%2$s\","
	             "\"origin\":\"%2$s\"}");
}
static void c_no_type(wa_blob *b)
{
	set_cdata(b, "{\"challenge\":\"%1$s\",\"origin\":\"%2$s\"}");
}
static void c_type_number(wa_blob *b)
{
	set_cdata(b, "{\"type\":1,\"challenge\":\"%1$s\",\"origin\":\"%2$s\"}");
}
static void c_no_challenge(wa_blob *b)
{
	set_cdata(b, "{\"type\":\"webauthn.create\",\"origin\":\"%2$s\"}");
}
static void c_empty_challenge(wa_blob *b)
{
	set_cdata(b, "{\"type\":\"webauthn.create\",\"challenge\":\"\",\"origin\":\"%2$s\"}");
}
static void c_challenge_not_b64(wa_blob *b)
{
	set_cdata(b, "{\"type\":\"webauthn.create\",\"challenge\":\"%1$s=\",\"origin\":\"%2$s\"}");
}
static void c_no_origin(wa_blob *b)
{
	set_cdata(b, "{\"type\":\"webauthn.create\",\"challenge\":\"%1$s\"}");
}
static void c_cross_origin_string(wa_blob *b)
{
	set_cdata(b, "{\"type\":\"webauthn.create\",\"challenge\":\"%1$s\",\"origin\":\"%2$s\","
	             "\"crossOrigin\":\"false\"}");
}
static void c_token_binding(wa_blob *b)
{
	set_cdata(b, "{\"type\":\"webauthn.create\",\"challenge\":\"%1$s\",\"origin\":\"%2$s\","
	             "\"tokenBinding\":{\"status\":\"maybe\"}}");
}
static void c_top_origin_type(wa_blob *b)
{
	set_cdata(b, "{\"type\":\"webauthn.create\",\"challenge\":\"%1$s\",\"origin\":\"%2$s\","
	             "\"topOrigin\":5}");
}

/* ---- params ---- */
static void p_type_payment(sa_params *p)
{
	p->type = "payment.get";
}
static void p_top_origin(sa_params *p)
{
	p->cross_origin = true;
	p->top_origin = "https://portal.example.jp";
}
static void p_long_id(sa_params *p)
{
	p->cred_id_len = 1024;
}
static void p_es384(sa_params *p)
{
	p->alg = WA_COSE_ES384;
}
static void p_user_handle(sa_params *p)
{
	p->user_handle = (const uint8_t *)"user-1";
	p->user_handle_len = 6;
}

/* ---- authenticatorData hooks (before signing) ---- */
static void a_clear_at(wa_blob *ad)
{
	ad->ptr[32] &= (uint8_t)~0x40;
}
static void a_clear_at_truncate(wa_blob *ad)
{
	ad->ptr[32] &= (uint8_t)~0x40;
	ad->len = 37;
}
static void a_truncate(wa_blob *ad)
{
	ad->len = 37;
}
static void a_trailing(wa_blob *ad)
{
	sa_append(ad, "\x00", 1);
}
static void a_id_len_big(wa_blob *ad)
{
	ad->ptr[53] = 0x03;
	ad->ptr[54] = 0xff;
}
static void a_ed_no_ext(wa_blob *ad)
{
	ad->ptr[32] |= 0x80;
}
static void a_ed_not_map(wa_blob *ad)
{
	ad->ptr[32] |= 0x80;
	sa_append(ad, "\x01", 1);
}
static void a_set_at(wa_blob *ad)
{
	ad->ptr[32] |= 0x40;
}
static void a_short(wa_blob *ad)
{
	ad->len = 36;
}

/* ---- COSE key hooks ---- */
static void k_duplicate(wa_blob *k)
{
	int64_t l[] = {1, 3, 3, -1, -2, -3};
	cbor_item_t *v[] = {cose_get(k, 1),  cose_get(k, 3),  cose_get(k, 3),
	                    cose_get(k, -1), cose_get(k, -2), cose_get(k, -3)};
	cose_replace(k, 6, l, v);
}
static void k_unsorted(wa_blob *k)
{
	int64_t l[] = {3, 1, -1, -2, -3};
	cbor_item_t *v[] = {cose_get(k, 3), cose_get(k, 1), cose_get(k, -1), cose_get(k, -2),
	                    cose_get(k, -3)};
	cose_replace(k, 5, l, v);
}
static void k_no_alg(wa_blob *k)
{
	int64_t l[] = {1, -1, -2, -3};
	cbor_item_t *v[] = {cose_get(k, 1), cose_get(k, -1), cose_get(k, -2), cose_get(k, -3)};
	cose_replace(k, 4, l, v);
}
static void k_alg_999(wa_blob *k)
{
	int64_t l[] = {1, 3, -1, -2, -3};
	cbor_item_t *v[] = {cose_get(k, 1), cbor_build_negint16(998), cose_get(k, -1),
	                    cose_get(k, -2), cose_get(k, -3)};
	cose_replace(k, 5, l, v);
}
static void k_short_x(wa_blob *k)
{
	int64_t l[] = {1, 3, -1, -2, -3};
	cbor_item_t *x = cose_get(k, -2);
	cbor_item_t *v[] = {cose_get(k, 1), cose_get(k, 3), cose_get(k, -1),
	                    cbor_build_bytestring(cbor_bytestring_handle(x) + 1, 31),
	                    cose_get(k, -3)};
	cbor_decref(&x);
	cose_replace(k, 5, l, v);
}
static void k_off_curve(wa_blob *k)
{
	int64_t l[] = {1, 3, -1, -2, -3};
	cbor_item_t *y = cose_get(k, -3);
	uint8_t yy[32];
	memcpy(yy, cbor_bytestring_handle(y), 32);
	yy[31] ^= 1;
	cbor_item_t *v[] = {cose_get(k, 1), cose_get(k, 3), cose_get(k, -1), cose_get(k, -2),
	                    cbor_build_bytestring(yy, 32)};
	cbor_decref(&y);
	cose_replace(k, 5, l, v);
}
static void k_kty_rsa(wa_blob *k)
{
	int64_t l[] = {1, 3, -1, -2, -3};
	cbor_item_t *v[] = {cbor_build_uint8(3), cose_get(k, 3), cose_get(k, -1), cose_get(k, -2),
	                    cose_get(k, -3)};
	cose_replace(k, 5, l, v);
}
static void k_crv_p384(wa_blob *k)
{
	int64_t l[] = {1, 3, -1, -2, -3};
	cbor_item_t *v[] = {cose_get(k, 1), cose_get(k, 3), cbor_build_uint8(2), cose_get(k, -2),
	                    cose_get(k, -3)};
	cose_replace(k, 5, l, v);
}
static void k_long_int(wa_blob *k)
{
	int64_t l[] = {1, 3, -1, -2, -3};
	cbor_item_t *v[] = {cbor_build_uint32(2), cose_get(k, 3), cose_get(k, -1), cose_get(k, -2),
	                    cose_get(k, -3)};
	cose_replace(k, 5, l, v);
}
static void k_not_map(wa_blob *k)
{
	wa_blob_set(k, "\x83\x01\x02\x03", 4);
}

/* ---- attestationObject edits ---- */
static cbor_item_t *e_no_fmt(cbor_item_t *m)
{
	return map_with(m, "fmt", NULL);
}
static cbor_item_t *e_fmt_number(cbor_item_t *m)
{
	return map_with(m, "fmt", cbor_build_uint8(1));
}
static cbor_item_t *e_no_stmt(cbor_item_t *m)
{
	return map_with(m, "attStmt", NULL);
}
static cbor_item_t *e_stmt_array(cbor_item_t *m)
{
	return map_with(m, "attStmt", cbor_new_definite_array(0));
}
static cbor_item_t *e_no_authdata(cbor_item_t *m)
{
	return map_with(m, "authData", NULL);
}
static cbor_item_t *e_authdata_text(cbor_item_t *m)
{
	return map_with(m, "authData", cbor_build_string("x"));
}
static cbor_item_t *e_authdata_empty(cbor_item_t *m)
{
	return map_with(m, "authData", cbor_build_bytestring((const unsigned char *)"", 0));
}
static cbor_item_t *e_fmt_unknown(cbor_item_t *m)
{
	return map_with(m, "fmt", cbor_build_string("fizzbuzz"));
}
static cbor_item_t *e_fmt_case(cbor_item_t *m)
{
	return map_with(m, "fmt", cbor_build_string("Packed"));
}
static void o_array(wa_blob *o)
{
	wa_blob_set(o, "\x80", 1);
}
static void o_trailing(wa_blob *o)
{
	sa_append(o, "\x00", 1);
}
static void o_truncated(wa_blob *o)
{
	o->len -= 10;
}
static void o_no_fmt(wa_blob *o)
{
	attobj_edit(o, e_no_fmt);
}
static void o_fmt_number(wa_blob *o)
{
	attobj_edit(o, e_fmt_number);
}
static void o_no_stmt(wa_blob *o)
{
	attobj_edit(o, e_no_stmt);
}
static void o_stmt_array(wa_blob *o)
{
	attobj_edit(o, e_stmt_array);
}
static void o_no_authdata(wa_blob *o)
{
	attobj_edit(o, e_no_authdata);
}
static void o_authdata_text(wa_blob *o)
{
	attobj_edit(o, e_authdata_text);
}
static void o_authdata_empty(wa_blob *o)
{
	attobj_edit(o, e_authdata_empty);
}
static void o_fmt_unknown(wa_blob *o)
{
	attobj_edit(o, e_fmt_unknown);
}
static void o_fmt_case(wa_blob *o)
{
	attobj_edit(o, e_fmt_case);
}

/* ---- attStmt hooks (after signing) ---- */
static void stmt_drop(cbor_item_t *s, const char *key)
{
	/* libcbor cannot delete: rename the key so the lookup misses it. */
	struct cbor_pair *pairs = cbor_map_handle(s);
	for (size_t i = 0; i < cbor_map_size(s); i++)
		if (cbor_isa_string(pairs[i].key) &&
		    cbor_string_length(pairs[i].key) == strlen(key) &&
		    memcmp(cbor_string_handle(pairs[i].key), key, strlen(key)) == 0)
			memcpy(cbor_string_handle(pairs[i].key), "zzzzzz", strlen(key));
}
static void stmt_set(cbor_item_t *s, const char *key, cbor_item_t *v)
{
	struct cbor_pair *pairs = cbor_map_handle(s);
	for (size_t i = 0; i < cbor_map_size(s); i++)
		if (cbor_isa_string(pairs[i].key) &&
		    cbor_string_length(pairs[i].key) == strlen(key) &&
		    memcmp(cbor_string_handle(pairs[i].key), key, strlen(key)) == 0) {
			cbor_decref(&pairs[i].value);
			pairs[i].value = v;
			return;
		}
	cbor_item_t *k = cbor_build_string(key);
	cbor_map_add(s, (struct cbor_pair){.key = k, .value = v});
	cbor_decref(&k);
	cbor_decref(&v);
}
/* A second "sig" after the valid one: verifiers keeping first or last would disagree. */
static void s_dup_sig(cbor_item_t *s)
{
	cbor_item_t *k = cbor_build_string("sig"),
	            *v = cbor_build_bytestring((const unsigned char *)"x", 1);
	cbor_map_add(s, (struct cbor_pair){.key = k, .value = v});
	cbor_decref(&k);
	cbor_decref(&v);
}
static void s_none_not_empty(cbor_item_t *s)
{
	stmt_set(s, "alg", neg(-7));
}
static void s_no_alg(cbor_item_t *s)
{
	stmt_drop(s, "alg");
}
static void s_alg_text(cbor_item_t *s)
{
	stmt_set(s, "alg", cbor_build_string("ES256"));
}
static void s_no_sig(cbor_item_t *s)
{
	stmt_drop(s, "sig");
}
static void s_sig_empty(cbor_item_t *s)
{
	stmt_set(s, "sig", cbor_build_bytestring((const unsigned char *)"", 0));
}
static void s_alg_rs256(cbor_item_t *s)
{
	stmt_set(s, "alg", cbor_build_negint16(256));
}
static void s_x5c_bytes(cbor_item_t *s)
{
	stmt_set(s, "x5c", cbor_build_bytestring((const unsigned char *)"x", 1));
}
static void s_x5c_empty(cbor_item_t *s)
{
	stmt_set(s, "x5c", cbor_new_definite_array(0));
}
static void s_x5c_garbage(cbor_item_t *s)
{
	cbor_item_t *arr = cbor_new_definite_array(1),
	            *c = cbor_build_bytestring((const unsigned char *)"\x30\x03\x02\x01\x01", 5);
	cbor_array_push(arr, c);
	cbor_decref(&c);
	stmt_set(s, "x5c", arr);
}
/* Appends a second certificate to x5c: the leaf again (two certs) or the root. */
static sa_pki *g_pki;
static void x5c_append(cbor_item_t *s, X509 *cert)
{
	struct cbor_pair *pairs = cbor_map_handle(s);
	for (size_t i = 0; i < cbor_map_size(s); i++)
		if (cbor_isa_string(pairs[i].key) &&
		    memcmp(cbor_string_handle(pairs[i].key), "x5c", 3) == 0) {
			unsigned char *der = NULL;
			int len = i2d_X509(cert, &der);
			cbor_item_t *old = pairs[i].value, *arr = cbor_new_definite_array(2), *c;
			cbor_array_push(arr, cbor_array_handle(old)[0]);
			c = cbor_build_bytestring(der, (size_t)len);
			cbor_array_push(arr, c);
			cbor_decref(&c);
			OPENSSL_free(der);
			cbor_decref(&old);
			pairs[i].value = arr;
		}
}
static void s_x5c_with_root(cbor_item_t *s)
{
	x5c_append(s, g_pki->ca);
}
static void s_x5c_two(cbor_item_t *s)
{
	x5c_append(s, g_pki->att);
}
/* Leaf replaced by a certificate for the same key with the wrong OU / CA:TRUE. */
static void x5c_leaf(cbor_item_t *s, const char *ou, bool ca)
{
	X509 *cert = sa_make_cert(g_pki->att_key, g_pki->ca_key, g_pki->ca, ou, "leaf", ca, -1, 30);
	unsigned char *der = NULL;
	int len = i2d_X509(cert, &der);
	cbor_item_t *arr = cbor_new_definite_array(1), *c = cbor_build_bytestring(der, (size_t)len);
	cbor_array_push(arr, c);
	cbor_decref(&c);
	OPENSSL_free(der);
	X509_free(cert);
	stmt_set(s, "x5c", arr);
}
static void s_leaf_bad_ou(cbor_item_t *s)
{
	x5c_leaf(s, "Attestation", false);
}
static void s_leaf_ca(cbor_item_t *s)
{
	x5c_leaf(s, "Authenticator Attestation", true);
}
/* Signature made by the credential key, x5c left in place (conformance Resp-5 F-14). */
static void sig_flip(wa_blob *sig)
{
	sig->ptr[sig->len / 2] ^= 0x01;
}
static void sig_garbage(wa_blob *sig)
{
	wa_blob_set(sig, "\x01\x02\x03", 3);
}
static void sig_other_key(wa_blob *sig)
{
	EVP_PKEY *k = sa_keygen(WA_COSE_ES256);
	sa_sign(k, WA_COSE_ES256, (const uint8_t *)"unrelated", 9, sig);
	EVP_PKEY_free(k);
}

#define J(fn)              \
	{                  \
		.json = fn \
	}
#define C(fn)                     \
	{                         \
		.client_data = fn \
	}
#define A(fn)                   \
	{                       \
		.auth_data = fn \
	}
#define K(fn)                  \
	{                      \
		.cose_key = fn \
	}
#define O(fn)                 \
	{                     \
		.att_obj = fn \
	}
#define S(fn)                  \
	{                      \
		.att_stmt = fn \
	}
#define SIG(fn)                 \
	{                       \
		.signature = fn \
	}

/* clang-format off: one case per line reads as a table */
static const neg_case cases[] = {
        /* response JSON (transport profile Resp-1) */
        {"reg: id missing", REG, NULL, NULL, J(j_no_id), {0}, 0, WA_ERR_RESP_ID_MISSING},
        {"reg: id not a string", REG, NULL, NULL, J(j_id_number), {0}, 0, WA_ERR_RESP_ID_TYPE},
        {"reg: id not base64url", REG, NULL, NULL, J(j_id_not_b64), {0}, 0, WA_ERR_RESP_ID_TYPE},
        {"reg: rawId differs from id",
         REG,
         NULL,
         NULL,
         J(j_rawid_differs),
         {0},
         0,
         WA_ERR_RESP_ID_MISMATCH},
        {"reg: type missing", REG, NULL, NULL, J(j_no_type), {0}, 0, WA_ERR_RESP_TYPE_MISSING},
        {"reg: type not public-key", REG, NULL, NULL, J(j_bad_type), {0}, 0, WA_ERR_RESP_TYPE},
        {"reg: response missing",
         REG,
         NULL,
         NULL,
         J(j_no_response),
         {0},
         0,
         WA_ERR_RESP_RESPONSE_MISSING},
        {"reg: response not an object",
         REG,
         NULL,
         NULL,
         J(j_response_string),
         {0},
         0,
         WA_ERR_RESP_RESPONSE_MISSING},
        {"reg: clientDataJSON missing",
         REG,
         NULL,
         NULL,
         J(j_no_cdata),
         {0},
         0,
         WA_ERR_RESP_CDATA_MISSING},
        {"reg: clientDataJSON empty",
         REG,
         NULL,
         NULL,
         J(j_empty_cdata),
         {0},
         0,
         WA_ERR_RESP_CDATA_MISSING},
        {"reg: clientDataJSON not a string",
         REG,
         NULL,
         NULL,
         J(j_cdata_number),
         {0},
         0,
         WA_ERR_RESP_CDATA_TYPE},
        {"reg: clientDataJSON with padding",
         REG,
         NULL,
         NULL,
         J(j_cdata_padded),
         {0},
         0,
         WA_ERR_RESP_CDATA_TYPE},
        {"reg: attestationObject missing",
         REG,
         NULL,
         NULL,
         J(j_no_attobj),
         {0},
         0,
         WA_ERR_RESP_ATTOBJ_MISSING},
        {"reg: attestationObject empty",
         REG,
         NULL,
         NULL,
         J(j_empty_attobj),
         {0},
         0,
         WA_ERR_RESP_ATTOBJ_MISSING},
        {"reg: attestationObject not a string",
         REG,
         NULL,
         NULL,
         J(j_attobj_array),
         {0},
         0,
         WA_ERR_RESP_ATTOBJ_TYPE},
        {"reg: transports not an array",
         REG,
         NULL,
         NULL,
         J(j_transports_string),
         {0},
         0,
         WA_ERR_RESP_TRANSPORTS_TYPE},
        /* clientDataJSON (Resp-2) */
        {"reg: clientData not UTF-8", REG, NULL, NULL, C(c_not_utf8), {0}, 0, WA_ERR_CDATA_UTF8},
        {"reg: clientData not JSON", REG, NULL, NULL, C(c_not_json), {0}, 0, WA_ERR_CDATA_JSON},
        {"reg: clientData a JSON array", REG, NULL, NULL, C(c_array), {0}, 0, WA_ERR_CDATA_JSON},
        {"reg: clientData duplicate member",
         REG,
         NULL,
         NULL,
         C(c_duplicate),
         {0},
         0,
         WA_ERR_CDATA_DUPLICATE},
        {"reg: C.type missing", REG, NULL, NULL, C(c_no_type), {0}, 0, WA_ERR_CDATA_TYPE_MISSING},
        {"reg: C.type not a string",
         REG,
         NULL,
         NULL,
         C(c_type_number),
         {0},
         0,
         WA_ERR_CDATA_TYPE_MISSING},
        {"reg: C.type webauthn.get", REG, NULL, sa_break_type_get, {0}, {0}, 0, WA_ERR_CDATA_TYPE},
        {"reg: C.type payment.get", REG, NULL, p_type_payment, {0}, {0}, 0, WA_ERR_CDATA_TYPE},
        {"reg: C.challenge wrong",
         REG,
         NULL,
         sa_break_challenge,
         {0},
         {0},
         0,
         WA_ERR_CDATA_CHALLENGE},
        {"reg: C.challenge missing",
         REG,
         NULL,
         NULL,
         C(c_no_challenge),
         {0},
         0,
         WA_ERR_CDATA_CHALLENGE_MISSING},
        {"reg: C.challenge empty",
         REG,
         NULL,
         NULL,
         C(c_empty_challenge),
         {0},
         0,
         WA_ERR_CDATA_CHALLENGE_MISSING},
        {"reg: C.challenge not base64url",
         REG,
         NULL,
         NULL,
         C(c_challenge_not_b64),
         {0},
         0,
         WA_ERR_CDATA_CHALLENGE_ENCODING},
        {"reg: C.origin other site",
         REG,
         NULL,
         sa_break_origin_other,
         {0},
         {0},
         0,
         WA_ERR_CDATA_ORIGIN},
        {"reg: C.origin other port",
         REG,
         NULL,
         sa_break_origin_port,
         {0},
         {0},
         0,
         WA_ERR_CDATA_ORIGIN},
        {"reg: C.origin subdomain",
         REG,
         NULL,
         sa_break_origin_subdomain,
         {0},
         {0},
         0,
         WA_ERR_CDATA_ORIGIN},
        {"reg: C.origin http scheme",
         REG,
         NULL,
         sa_break_origin_http,
         {0},
         {0},
         0,
         WA_ERR_CDATA_ORIGIN},
        {"reg: C.origin missing",
         REG,
         NULL,
         NULL,
         C(c_no_origin),
         {0},
         0,
         WA_ERR_CDATA_ORIGIN_MISSING},
        {"reg: C.crossOrigin true unexpected",
         REG,
         NULL,
         sa_break_cross_origin,
         {0},
         {0},
         0,
         WA_ERR_CDATA_CROSS_ORIGIN},
        {"reg: C.crossOrigin not boolean",
         REG,
         NULL,
         NULL,
         C(c_cross_origin_string),
         {0},
         0,
         WA_ERR_CDATA_CROSS_ORIGIN_TYPE},
        {"reg: C.topOrigin unexpected",
         REG,
         NULL,
         p_top_origin,
         {0},
         {.require_uv = false},
         0,
         WA_ERR_CDATA_CROSS_ORIGIN},
        {"reg: C.topOrigin not a string",
         REG,
         NULL,
         NULL,
         C(c_top_origin_type),
         {0},
         0,
         WA_ERR_CDATA_TOP_ORIGIN_TYPE},
        {"reg: C.tokenBinding malformed",
         REG,
         NULL,
         NULL,
         C(c_token_binding),
         {0},
         0,
         WA_ERR_CDATA_TOKEN_BINDING},
        /* attestationObject CBOR (Resp-3) */
        {"reg: attestationObject not a map",
         REG,
         NULL,
         NULL,
         O(o_array),
         {0},
         0,
         WA_ERR_ATTOBJ_NOT_MAP},
        {"reg: attestationObject trailing byte",
         REG,
         NULL,
         NULL,
         O(o_trailing),
         {0},
         0,
         WA_ERR_CBOR_TRAILING},
        {"reg: attestationObject truncated",
         REG,
         NULL,
         NULL,
         O(o_truncated),
         {0},
         0,
         WA_ERR_CBOR_TRUNCATED},
        {"reg: fmt missing", REG, NULL, NULL, O(o_no_fmt), {0}, 0, WA_ERR_ATTOBJ_FMT_MISSING},
        {"reg: fmt not a string", REG, NULL, NULL, O(o_fmt_number), {0}, 0, WA_ERR_ATTOBJ_FMT_TYPE},
        {"reg: attStmt missing",
         REG,
         NULL,
         NULL,
         O(o_no_stmt),
         {0},
         0,
         WA_ERR_ATTOBJ_ATTSTMT_MISSING},
        {"reg: attStmt not a map",
         REG,
         NULL,
         NULL,
         O(o_stmt_array),
         {0},
         0,
         WA_ERR_ATTOBJ_ATTSTMT_TYPE},
        {"reg: authData missing",
         REG,
         NULL,
         NULL,
         O(o_no_authdata),
         {0},
         0,
         WA_ERR_ATTOBJ_AUTHDATA_MISSING},
        {"reg: authData not bytes",
         REG,
         NULL,
         NULL,
         O(o_authdata_text),
         {0},
         0,
         WA_ERR_ATTOBJ_AUTHDATA_TYPE},
        {"reg: authData empty",
         REG,
         NULL,
         NULL,
         O(o_authdata_empty),
         {0},
         0,
         WA_ERR_AUTHDATA_SHORT},
        {"reg: fmt unknown", REG, NULL, NULL, O(o_fmt_unknown), {0}, 0, WA_ERR_FMT_UNSUPPORTED},
        {"reg: fmt wrong case", REG, NULL, NULL, O(o_fmt_case), {0}, 0, WA_ERR_FMT_UNSUPPORTED},
        /* authenticatorData */
        {"reg: AT clear, attested data present",
         REG,
         NULL,
         NULL,
         A(a_clear_at),
         {0},
         0,
         WA_ERR_AUTHDATA_TRAILING},
        {"reg: AT clear, no attested data",
         REG,
         NULL,
         NULL,
         A(a_clear_at_truncate),
         {0},
         0,
         WA_ERR_AUTHDATA_AT_MISSING},
        {"reg: AT set, no attested data",
         REG,
         NULL,
         NULL,
         A(a_truncate),
         {0},
         0,
         WA_ERR_AUTHDATA_ATTESTED_SHORT},
        {"reg: bytes after attested data",
         REG,
         NULL,
         NULL,
         A(a_trailing),
         {0},
         0,
         WA_ERR_AUTHDATA_TRAILING},
        {"reg: credentialIdLength past the end",
         REG,
         NULL,
         NULL,
         A(a_id_len_big),
         {0},
         0,
         WA_ERR_AUTHDATA_ATTESTED_SHORT},
        {"reg: credential id of 1024 bytes",
         REG,
         NULL,
         p_long_id,
         {0},
         {0},
         0,
         WA_ERR_AUTHDATA_CRED_ID_LENGTH},
        {"reg: ED set, no extensions",
         REG,
         NULL,
         NULL,
         A(a_ed_no_ext),
         {0},
         0,
         WA_ERR_AUTHDATA_ED_MISSING},
        {"reg: extensions not a map",
         REG,
         NULL,
         NULL,
         A(a_ed_not_map),
         {0},
         0,
         WA_ERR_AUTHDATA_EXTENSIONS},
        {"reg: rpIdHash of another RP",
         REG,
         NULL,
         sa_break_rp_other,
         {0},
         {0},
         0,
         WA_ERR_RP_ID_HASH},
        {"reg: UP clear", REG, NULL, sa_break_up, {0}, {0}, 0, WA_ERR_UP_REQUIRED},
        {"reg: UV clear, UV required",
         REG,
         NULL,
         sa_break_uv,
         {0},
         {.require_uv = true},
         0,
         WA_ERR_UV_REQUIRED},
        {"reg: BS without BE", REG, NULL, sa_break_bs_only, {0}, {0}, 0, WA_ERR_BS_WITHOUT_BE},
        /* COSE credential public key */
        {"reg: COSE key not a map", REG, NULL, NULL, K(k_not_map), {0}, 0, WA_ERR_COSE_MALFORMED},
        {"reg: COSE key duplicate label",
         REG,
         NULL,
         NULL,
         K(k_duplicate),
         {0},
         0,
         WA_ERR_COSE_DUPLICATE},
        {"reg: COSE key unsorted labels",
         REG,
         NULL,
         NULL,
         K(k_unsorted),
         {0},
         0,
         WA_ERR_COSE_NOT_CANONICAL},
        {"reg: COSE key integer not in shortest form",
         REG,
         NULL,
         NULL,
         K(k_long_int),
         {0},
         0,
         WA_ERR_COSE_NOT_CANONICAL},
        {"reg: COSE key without alg",
         REG,
         NULL,
         NULL,
         K(k_no_alg),
         {0},
         0,
         WA_ERR_COSE_ALG_MISSING},
        {"reg: COSE key alg -999",
         REG,
         NULL,
         NULL,
         K(k_alg_999),
         {0},
         0,
         WA_ERR_COSE_ALG_UNSUPPORTED},
        {"reg: COSE key x of 31 bytes", REG, NULL, NULL, K(k_short_x), {0}, 0, WA_ERR_COSE_COORD},
        {"reg: COSE key point off the curve",
         REG,
         NULL,
         NULL,
         K(k_off_curve),
         {0},
         0,
         WA_ERR_COSE_POINT},
        {"reg: COSE key kty RSA for ES256", REG, NULL, NULL, K(k_kty_rsa), {0}, 0, WA_ERR_COSE_KTY},
        {"reg: COSE key P-384 curve for ES256",
         REG,
         NULL,
         NULL,
         K(k_crv_p384),
         {0},
         0,
         WA_ERR_COSE_CURVE},
        {"reg: alg not in pubKeyCredParams",
         REG,
         NULL,
         NULL,
         {0},
         {.only_alg = WA_COSE_RS256},
         0,
         WA_ERR_ALG_NOT_ALLOWED},
        /* attestation statements */
        {"reg: none with non-empty attStmt",
         REG,
         "none",
         NULL,
         S(s_none_not_empty),
         {0},
         0,
         WA_ERR_ATT_NONE_NOT_EMPTY},
        {"reg: attStmt duplicate key",
         REG,
         NULL,
         NULL,
         S(s_dup_sig),
         {0},
         0,
         WA_ERR_ATT_STMT_DUPLICATE},
        {"reg: packed alg missing", REG, NULL, NULL, S(s_no_alg), {0}, 0, WA_ERR_ATT_ALG_MISSING},
        {"reg: packed alg not a number",
         REG,
         NULL,
         NULL,
         S(s_alg_text),
         {0},
         0,
         WA_ERR_ATT_ALG_MISSING},
        {"reg: packed sig missing", REG, NULL, NULL, S(s_no_sig), {0}, 0, WA_ERR_ATT_SIG_MISSING},
        {"reg: packed sig empty", REG, NULL, NULL, S(s_sig_empty), {0}, 0, WA_ERR_ATT_SIG_MISSING},
        {"reg: packed self signature flipped",
         REG,
         NULL,
         NULL,
         SIG(sig_flip),
         {0},
         0,
         WA_ERR_ATT_SIG},
        {"reg: packed self alg differs from key",
         REG,
         NULL,
         NULL,
         S(s_alg_rs256),
         {0},
         0,
         WA_ERR_ATT_ALG_MISMATCH},
        {"reg: packed x5c signature flipped",
         REG,
         "packed",
         NULL,
         SIG(sig_flip),
         {0},
         0,
         WA_ERR_ATT_SIG},
        {"reg: packed x5c signed by another key",
         REG,
         "packed",
         NULL,
         SIG(sig_other_key),
         {0},
         0,
         WA_ERR_ATT_SIG},
        {"reg: packed x5c not an array",
         REG,
         "packed",
         NULL,
         S(s_x5c_bytes),
         {0},
         0,
         WA_ERR_ATT_X5C_TYPE},
        {"reg: packed x5c empty", REG, "packed", NULL, S(s_x5c_empty), {0}, 0, WA_ERR_ATT_X5C_TYPE},
        {"reg: packed x5c not a certificate",
         REG,
         "packed",
         NULL,
         S(s_x5c_garbage),
         {0},
         0,
         WA_ERR_ATT_CERT_PARSE},
        {"reg: packed leaf OU wrong",
         REG,
         "packed",
         NULL,
         S(s_leaf_bad_ou),
         {0},
         0,
         WA_ERR_ATT_CERT_SUBJECT},
        {"reg: packed leaf is a CA", REG, "packed", NULL, S(s_leaf_ca), {0}, 0, WA_ERR_ATT_CERT_CA},
        {"reg: packed AAGUID extension mismatch",
         REG,
         "packed",
         sa_break_aaguid,
         {0},
         {0},
         0,
         WA_ERR_ATT_AAGUID_MISMATCH},
        {"reg: packed leaf expired", REG, "packed", NULL, {0}, {0}, 1, WA_ERR_ATT_CERT_EXPIRED},
        {"reg: packed leaf not yet valid",
         REG,
         "packed",
         NULL,
         {0},
         {0},
         2,
         WA_ERR_ATT_CERT_NOT_YET_VALID},
        {"reg: packed chain to an unknown root",
         REG,
         "packed",
         NULL,
         {0},
         {.foreign_anchor = true, .require_trusted = true},
         0,
         WA_ERR_ATT_CHAIN},
        {"reg: packed x5c includes the root",
         REG,
         "packed",
         NULL,
         S(s_x5c_with_root),
         {0},
         0,
         WA_ERR_ATT_CHAIN_ROOT_INCLUDED},
        {"reg: fido-u2f two certificates",
         REG,
         "fido-u2f",
         NULL,
         S(s_x5c_two),
         {0},
         0,
         WA_ERR_ATT_X5C_COUNT},
        {"reg: fido-u2f non-zero AAGUID",
         REG,
         "fido-u2f",
         NULL,
         {0},
         {.u2f_zero_aaguid = true},
         0,
         WA_ERR_ATT_AAGUID_NONZERO},
        {"reg: fido-u2f signature flipped",
         REG,
         "fido-u2f",
         NULL,
         SIG(sig_flip),
         {0},
         0,
         WA_ERR_ATT_SIG},
        {"reg: fido-u2f with a P-384 credential",
         REG,
         "fido-u2f",
         p_es384,
         {0},
         {0},
         0,
         WA_ERR_ATT_PUBKEY_MISMATCH},
        /* registration state */
        {"reg: credential id already registered",
         REG,
         NULL,
         NULL,
         {0},
         {.registered = true},
         0,
         WA_ERR_CRED_ID_REGISTERED},
        {"reg: id differs from attested credential id",
         REG,
         NULL,
         NULL,
         J(sa_break_json_other_id),
         {0},
         0,
         WA_ERR_CRED_ID_MISMATCH},
        /* authentication (§7.2, assertion Resp-1..3) */
        {"auth: authenticatorData missing",
         AUTH,
         NULL,
         NULL,
         J(j_no_authdata),
         {0},
         0,
         WA_ERR_RESP_AUTHDATA_MISSING},
        {"auth: authenticatorData not base64url",
         AUTH,
         NULL,
         NULL,
         J(j_authdata_not_b64),
         {0},
         0,
         WA_ERR_RESP_AUTHDATA_TYPE},
        {"auth: signature missing", AUTH, NULL, NULL, J(j_no_sig), {0}, 0, WA_ERR_RESP_SIG_MISSING},
        {"auth: signature not a string",
         AUTH,
         NULL,
         NULL,
         J(j_sig_number),
         {0},
         0,
         WA_ERR_RESP_SIG_TYPE},
        {"auth: userHandle not a string",
         AUTH,
         NULL,
         NULL,
         J(j_userhandle_number),
         {0},
         0,
         WA_ERR_RESP_USERHANDLE_TYPE},
        {"auth: credential not in allowCredentials",
         AUTH,
         NULL,
         NULL,
         {0},
         {.not_allowed = true},
         0,
         WA_ERR_CRED_NOT_ALLOWED},
        {"auth: unknown credential id",
         AUTH,
         NULL,
         NULL,
         J(sa_break_json_other_id),
         {0},
         0,
         WA_ERR_CRED_UNKNOWN},
        {"auth: userHandle of another user",
         AUTH,
         NULL,
         NULL,
         J(j_userhandle_other),
         {.owner_handle = true},
         0,
         WA_ERR_USER_HANDLE},
        {"auth: no userHandle, user not identified",
         AUTH,
         NULL,
         NULL,
         {0},
         {.anonymous = true},
         0,
         WA_ERR_USER_HANDLE},
        {"auth: C.type webauthn.create",
         AUTH,
         NULL,
         sa_break_type_create,
         {0},
         {0},
         0,
         WA_ERR_CDATA_TYPE},
        {"auth: C.challenge wrong",
         AUTH,
         NULL,
         sa_break_challenge,
         {0},
         {0},
         0,
         WA_ERR_CDATA_CHALLENGE},
        {"auth: C.origin other site",
         AUTH,
         NULL,
         sa_break_origin_other,
         {0},
         {0},
         0,
         WA_ERR_CDATA_ORIGIN},
        {"auth: authenticatorData of 36 bytes",
         AUTH,
         NULL,
         NULL,
         A(a_short),
         {0},
         0,
         WA_ERR_AUTHDATA_SHORT},
        {"auth: authenticatorData trailing byte",
         AUTH,
         NULL,
         NULL,
         A(a_trailing),
         {0},
         0,
         WA_ERR_AUTHDATA_TRAILING},
        {"auth: AT set in an assertion",
         AUTH,
         NULL,
         NULL,
         A(a_set_at),
         {0},
         0,
         WA_ERR_AUTHDATA_ATTESTED_SHORT},
        {"auth: rpIdHash of another RP",
         AUTH,
         NULL,
         sa_break_rp_other,
         {0},
         {0},
         0,
         WA_ERR_RP_ID_HASH},
        {"auth: UP clear", AUTH, NULL, sa_break_up, {0}, {0}, 0, WA_ERR_UP_REQUIRED},
        {"auth: UV clear, UV required",
         AUTH,
         NULL,
         sa_break_uv,
         {0},
         {.require_uv = true},
         0,
         WA_ERR_UV_REQUIRED},
        {"auth: BS without BE", AUTH, NULL, sa_break_bs_only, {0}, {0}, 0, WA_ERR_BS_WITHOUT_BE},
        {"auth: BE set, stored not eligible",
         AUTH,
         NULL,
         sa_break_be,
         {0},
         {0},
         0,
         WA_ERR_BE_CHANGED},
        {"auth: BE clear, stored eligible",
         AUTH,
         NULL,
         NULL,
         {0},
         {.stored_be = true},
         0,
         WA_ERR_BE_CHANGED},
        {"auth: signature flipped", AUTH, NULL, NULL, SIG(sig_flip), {0}, 0, WA_ERR_SIG_INVALID},
        {"auth: signature by another key",
         AUTH,
         NULL,
         NULL,
         SIG(sig_other_key),
         {0},
         0,
         WA_ERR_SIG_INVALID},
        {"auth: signature not DER",
         AUTH,
         NULL,
         NULL,
         SIG(sig_garbage),
         {0},
         0,
         WA_ERR_SIG_ENCODING},
        {"auth: authenticatorData changed after signing",
         AUTH,
         NULL,
         NULL,
         J(sa_break_json_counter_after_signing),
         {0},
         0,
         WA_ERR_SIG_INVALID},
        {"auth: counter equal to stored",
         AUTH,
         NULL,
         sa_break_counter_5,
         {0},
         {.stored_count = 5},
         0,
         WA_ERR_SIGN_COUNT},
        {"auth: counter 0 with stored 7",
         AUTH,
         NULL,
         sa_break_counter_0,
         {0},
         {.stored_count = 7},
         0,
         WA_ERR_SIGN_COUNT},
};
/* clang-format on */

static bool always_registered(void *ctx, const uint8_t *id, size_t len)
{
	(void)ctx;
	(void)id;
	(void)len;
	return true;
}

static const char *origins[] = {SA_ORIGIN};

static wa_err run_reg(const neg_case *c, const sa_pki *pki, wa_credential *cred, sa_credential *sc,
                      wa_report *report)
{
	sa_params p = sa_default_params();
	json_t *json;
	wa_reg_response resp;
	wa_trust trust;
	sa_pki foreign = {0};
	int64_t alg = c->knobs.only_alg;
	wa_err err;

	p.fmt = c->fmt ? c->fmt : "packed-self";
	if (c->params && c->ceremony == REG)
		c->params(&p);
	json = sa_register(&p, c->ceremony == REG ? &c->hooks : NULL, pki, sc);
	assert_non_null(json);
	err = wa_reg_response_from_json(json, &resp);
	json_decref(json);
	if (err != WA_OK)
		return err;
	wa_trust_init(&trust, time(NULL));
	if (c->knobs.foreign_anchor) {
		assert_true(sa_pki_init(&foreign, -1, 30));
		wa_trust_add_cert(&trust, foreign.ca);
	} else {
		wa_trust_add_cert(&trust, pki->ca);
	}
	wa_reg_options opt = {
	        .expect = {.challenge = p.challenge,
	                   .challenge_len = sizeof(p.challenge),
	                   .origins = origins,
	                   .n_origins = 1,
	                   .rp_id = SA_RP_ID,
	                   .require_uv = c->ceremony == REG && c->knobs.require_uv},
	        .algs = &alg,
	        .n_algs = alg ? 1 : 0,
	        .trust = &trust,
	        .require_trusted_attestation = c->knobs.require_trusted,
	        .u2f_require_zero_aaguid = c->knobs.u2f_zero_aaguid,
	        .is_registered = c->knobs.registered ? always_registered : NULL,
	};
	/* The expected challenge is the default one even when the case altered p. */
	sa_params d = sa_default_params();
	opt.expect.challenge = d.challenge;
	err = wa_verify_registration(&opt, &resp, cred, report);
	wa_reg_response_reset(&resp);
	wa_trust_reset(&trust);
	sa_pki_free(&foreign);
	return err;
}

static wa_err run_auth(const neg_case *c, const sa_pki *pki, wa_report *report)
{
	neg_case base = {.name = "baseline", .ceremony = AUTH, .fmt = c->fmt};
	wa_credential cred;
	sa_credential sc;
	sa_params p = sa_default_params(), d = sa_default_params();
	wa_auth_response resp;
	json_t *json;
	wa_blob other = {(uint8_t *)"someone-else", 12};
	wa_err err;

	assert_int_equal(run_reg(&base, pki, &cred, &sc, NULL), WA_OK);
	if (c->params)
		c->params(&p);
	cred.sign_count = c->knobs.stored_count;
	cred.backup_eligible = c->knobs.stored_be;
	if (c->knobs.owner_handle)
		wa_blob_set(&cred.user_handle, "user-1", 6);
	if (c->hooks.json == j_userhandle_other)
		p_user_handle(&p);
	json = sa_authenticate(&p, &c->hooks, &sc);
	assert_non_null(json);
	err = wa_auth_response_from_json(json, &resp);
	json_decref(json);
	if (err == WA_OK) {
		wa_auth_options opt = {
		        .expect = {.challenge = d.challenge,
		                   .challenge_len = sizeof(d.challenge),
		                   .origins = origins,
		                   .n_origins = 1,
		                   .rp_id = SA_RP_ID,
		                   .require_uv = c->knobs.require_uv},
		        .allow_credentials = c->knobs.not_allowed ? &other : NULL,
		        .n_allow_credentials = c->knobs.not_allowed ? 1 : 0,
		        .user_identified = !c->knobs.anonymous,
		};
		err = wa_verify_authentication(&opt, &resp, &cred, report);
		wa_auth_response_reset(&resp);
	}
	wa_credential_reset(&cred);
	sa_credential_free(&sc);
	return err;
}

static void test_case(void **state)
{
	const neg_case *c = *state;
	sa_pki pki;
	wa_credential cred = {0};
	sa_credential sc = {0};
	wa_report report = {0};
	wa_err err;

	assert_true(sa_pki_init(&pki,
	                        c->pki_expiry == 1   ? -30
	                        : c->pki_expiry == 2 ? 10
	                                             : -1,
	                        c->pki_expiry == 1 ? -1 : 30));
	g_pki = &pki;
	if (c->ceremony == REG)
		err = run_reg(c, &pki, &cred, &sc, &report);
	else
		err = run_auth(c, &pki, &report);
	if (err != c->expected) {
		fprintf(stderr, "case \"%s\": expected %s, got %s\n", c->name,
		        wa_errname(c->expected), wa_errname(err));
		for (size_t i = 0; i < report.n; i++)
			fprintf(stderr, "  %s %s %s\n", wa_step_status_name(report.steps[i].status),
			        report.steps[i].what, report.steps[i].detail);
	}
	assert_int_equal(err, c->expected);
	/* The failing step is named in the report with the same code. */
	if (report.n > 0 && c->expected >= WA_ERR_CDATA_UTF8) {
		assert_int_equal(report.steps[report.n - 1].status, WA_STEP_FAILED);
		assert_int_equal(report.steps[report.n - 1].err, c->expected);
	}
	assert_null(cred.key.pkey); /* nothing produced on failure */
	wa_credential_reset(&cred);
	sa_credential_free(&sc);
	/* A server's report keeps the failed step alone: the same step, code and detail. */
	{
		wa_report failed = {.failures_only = true};

		err = c->ceremony == REG ? run_reg(c, &pki, &cred, &sc, &failed)
		                         : run_auth(c, &pki, &failed);
		assert_int_equal(err, c->expected);
		for (size_t i = 0; i < failed.n; i++)
			assert_int_equal(failed.steps[i].status, WA_STEP_FAILED);
		assert_int_equal(failed.n > 0, report.n > 0 && report.steps[report.n - 1].status ==
		                                                       WA_STEP_FAILED);
		if (failed.n > 0) {
			const wa_step *a = &failed.steps[failed.n - 1],
			              *b = &report.steps[report.n - 1];
			assert_string_equal(a->what, b->what);
			assert_int_equal(a->err, b->err);
			assert_string_equal(a->detail, b->detail);
		}
		wa_credential_reset(&cred);
		sa_credential_free(&sc);
	}
	sa_pki_free(&pki);
}

/* The unmutated ceremonies verify, for each format the cases start from. */
static void test_baselines(void **state)
{
	static const char *fmts[] = {"none", "packed-self", "packed", "fido-u2f"};
	sa_pki pki;

	(void)state;
	assert_true(sa_pki_init(&pki, -1, 30));
	g_pki = &pki;
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		neg_case reg = {.name = "baseline", .ceremony = REG, .fmt = fmts[i]};
		neg_case auth = {.name = "baseline", .ceremony = AUTH, .fmt = fmts[i]};
		wa_credential cred;
		sa_credential sc;
		assert_int_equal(run_reg(&reg, &pki, &cred, &sc, NULL), WA_OK);
		wa_credential_reset(&cred);
		sa_credential_free(&sc);
		assert_int_equal(run_auth(&auth, &pki, NULL), WA_OK);
	}
	sa_pki_free(&pki);
}

/* Every case expects a different outcome than the baseline, and the set is wide. */
static void test_distinct(void **state)
{
	size_t n = sizeof(cases) / sizeof(cases[0]);
	bool seen[WA_ERR__COUNT] = {0};
	size_t distinct = 0;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		assert_int_not_equal(cases[i].expected, WA_OK);
		if (!seen[cases[i].expected]) {
			seen[cases[i].expected] = true;
			distinct++;
		}
	}
	assert_true(n >= 60);
	printf("%zu negative cases, %zu distinct error codes\n", n, distinct);
}

int main(void)
{
	size_t n = sizeof(cases) / sizeof(cases[0]);
	struct CMUnitTest *tests = calloc(n + 2, sizeof(*tests));
	int rc;

	tests[0] = (struct CMUnitTest)cmocka_unit_test(test_baselines);
	tests[1] = (struct CMUnitTest)cmocka_unit_test(test_distinct);
	for (size_t i = 0; i < n; i++) {
		tests[i + 2] = (struct CMUnitTest){.name = cases[i].name,
		                                   .test_func = test_case,
		                                   .initial_state = (void *)&cases[i]};
	}
	rc = _cmocka_run_group_tests("negative", tests, n + 2, NULL, NULL);
	free(tests);
	return rc;
}
