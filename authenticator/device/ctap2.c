#include "authenticator/device/ctap2.h"

#include <cbor.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authenticator/device/attest.h"
#include "webauthn/buf.h"
#include "webauthn/authdata.h"
#include "webauthn/cborx.h"
#include "webauthn/cose.h"
#include "webauthn/hash.h"
#include "webauthn/arraylen.h"

/* UV attempts the device makes before giving up on biometrics (Chromium: kMaxUvRetries). */
#define MAX_UV_ATTEMPTS 5
/* One KEEPALIVE every 100 ms of a configured delay, as a real device sends them. */
#define KEEPALIVE_MS 100
/* The maxMsgSize GetInfo reports. */
#define INFO_MAX_MSG_SIZE 1200

static const char *const event_names[] = {
        [AU_EV_PRESENCE_ASKED] = "presence-asked",
        [AU_EV_PRESENCE_GIVEN] = "presence-given",
        [AU_EV_PRESENCE_DECLINED] = "presence-declined",
        [AU_EV_PRESENCE_TIMEOUT] = "presence-timeout",
        [AU_EV_BIOMETRIC_ASKED] = "biometric-asked",
        [AU_EV_BIOMETRIC_FAILED] = "biometric-failed",
        [AU_EV_BIOMETRIC_MATCHED] = "biometric-matched",
        [AU_EV_LOCK_FALLBACK] = "screen-lock-fallback",
        [AU_EV_UV_UNAVAILABLE] = "uv-unavailable",
        [AU_EV_UV_FAILED] = "uv-failed",
        [AU_EV_CREDENTIAL_CREATED] = "credential-created",
        [AU_EV_CREDENTIAL_USED] = "credential-used",
        [AU_EV_NO_CREDENTIALS] = "no-credentials",
        [AU_EV_EXCLUDED] = "credential-excluded",
        [AU_EV_RESET] = "reset",
        [AU_EV_FAULT] = "fault",
};

const char *au_event_name(au_event_kind kind)
{
	return (unsigned)kind < KAGURA_LEN(event_names) && event_names[kind] ? event_names[kind]
	                                                                     : "unknown";
}

void au_ctap_init(au_ctap *ctap, au_device *dev, const wa_clock *clock, au_event_fn event,
                  void *event_ctx)
{
	memset(ctap, 0, sizeof(*ctap));
	ctap->dev = dev;
	ctap->clock = clock;
	ctap->event = event;
	ctap->event_ctx = event_ctx;
}

static void emit(au_ctap *ctap, au_event_kind kind, const char *detail)
{
	if (ctap->event != NULL)
		ctap->event(ctap->event_ctx, kind, detail ? detail : "");
}

static void reply_status(au_ctap_reply *out, uint8_t status)
{
	out->buf[0] = status;
	out->len = 1;
}

/* Serialises map into the reply after a success status. */
static void reply_cbor(au_ctap_reply *out, cbor_item_t *map)
{
	unsigned char *buf = NULL;
	size_t cap = 0, n = cbor_serialize_alloc(map, &buf, &cap);

	if (n == 0 || n + 1 > sizeof(out->buf)) {
		reply_status(out, CTAP2_ERR_OTHER);
	} else {
		out->buf[0] = CTAP2_OK;
		memcpy(out->buf + 1, buf, n);
		out->len = n + 1;
	}
	free(buf);
}

static void put(cbor_item_t *map, int key, cbor_item_t *value)
{
	cbor_item_t *k = cbor_build_uint8((uint8_t)key);
	cbor_map_add(map, (struct cbor_pair){.key = k, .value = value});
	cbor_decref(&k);
	cbor_decref(&value);
}

static void put_text(cbor_item_t *map, const char *key, cbor_item_t *value)
{
	cbor_item_t *k = cbor_build_string(key);
	cbor_map_add(map, (struct cbor_pair){.key = k, .value = value});
	cbor_decref(&k);
	cbor_decref(&value);
}

/* ---- the user ---- */

/* Asks for presence; CTAP2_OK when the user consents. */
static uint8_t ask_presence(au_ctap *ctap, au_ctap_reply *out)
{
	emit(ctap, AU_EV_PRESENCE_ASKED, NULL);
	out->keepalives += 1;
	out->keepalive_status = CTAPHID_KEEPALIVE_UPNEEDED;
	switch (ctap->dev->settings.presence) {
	case AU_PRESENCE_DECLINE:
		emit(ctap, AU_EV_PRESENCE_DECLINED, NULL);
		return CTAP2_ERR_OPERATION_DENIED;
	case AU_PRESENCE_TIMEOUT:
		emit(ctap, AU_EV_PRESENCE_TIMEOUT, NULL);
		return CTAP2_ERR_USER_ACTION_TIMEOUT;
	default:
		emit(ctap, AU_EV_PRESENCE_GIVEN, NULL);
		return CTAP2_OK;
	}
}

/* Built-in UV: biometrics first, then the screen lock's PIN/passcode; true when verified. */
static bool verify_user(au_ctap *ctap)
{
	const au_settings *s = &ctap->dev->settings;
	char detail[64];

	if (!au_device_has_secure_lock(s)) {
		emit(ctap, AU_EV_UV_UNAVAILABLE, "no secure screen lock");
		return false;
	}
	if (s->biometrics_enrolled) {
		emit(ctap, AU_EV_BIOMETRIC_ASKED, NULL);
		/* The user taps "use PIN" on the biometric prompt. */
		if (s->use_pin) {
			emit(ctap, AU_EV_LOCK_FALLBACK, "the user chose the PIN");
			return s->passcode_fallback;
		}
		for (int attempt = 1; attempt <= MAX_UV_ATTEMPTS; attempt++) {
			if (attempt > s->biometric_failures) {
				emit(ctap, AU_EV_BIOMETRIC_MATCHED, NULL);
				return true;
			}
			snprintf(detail, sizeof(detail), "attempt %d", attempt);
			emit(ctap, AU_EV_BIOMETRIC_FAILED, detail);
		}
	}
	/* No biometrics, or they failed every time: the OS offers the screen lock instead. */
	emit(ctap, AU_EV_LOCK_FALLBACK,
	     s->biometrics_enrolled ? "after failed biometrics" : "no biometrics enrolled");
	return s->passcode_fallback;
}

/* ---- request parsing ---- */

typedef struct opts {
	bool rk, up, uv;
} opts;

static uint8_t parse_options(const cbor_item_t *map, opts *o)
{
	struct cbor_pair *pairs;

	if (map == NULL)
		return CTAP2_OK;
	if (!cbor_isa_map(map) || !cbor_map_is_definite(map))
		return CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	pairs = cbor_map_handle(map);
	for (size_t i = 0; i < cbor_map_size(map); i++) {
		const cbor_item_t *k = pairs[i].key, *v = pairs[i].value;
		bool b;
		if (!cbor_isa_float_ctrl(v) || !cbor_float_ctrl_is_ctrl(v) ||
		    (cbor_ctrl_value(v) != CBOR_CTRL_FALSE && cbor_ctrl_value(v) != CBOR_CTRL_TRUE))
			return CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
		b = cbor_ctrl_value(v) == CBOR_CTRL_TRUE;
		if (wa_cbor_text_eq(k, "rk"))
			o->rk = b;
		else if (wa_cbor_text_eq(k, "up"))
			o->up = b;
		else if (wa_cbor_text_eq(k, "uv"))
			o->uv = b;
	}
	return CTAP2_OK;
}

/* A text member of a map into buf; absent leaves buf empty. */
static bool text_member(const cbor_item_t *map, const char *key, char *buf, size_t size,
                        bool required)
{
	const cbor_item_t *v = wa_cbor_map_get_text(map, key);

	buf[0] = '\0';
	if (v == NULL)
		return !required;
	if (!cbor_isa_string(v) || !cbor_string_is_definite(v) || cbor_string_length(v) >= size)
		return false;
	memcpy(buf, cbor_string_handle(v), cbor_string_length(v));
	buf[cbor_string_length(v)] = '\0';
	return strlen(buf) == cbor_string_length(v);
}

/* Index of the stored credential with this id for rp_id, or -1. */
static int find_credential(const au_device *dev, const char *rp_id, const uint8_t *id, size_t len)
{
	for (size_t i = 0; i < dev->n_credentials; i++) {
		const au_credential *c = &dev->credentials[i];
		if (strcmp(c->rp_id, rp_id) == 0 && wa_blob_eq(&c->id, id, len))
			return (int)i;
	}
	return -1;
}

/* Walks a list of PublicKeyCredentialDescriptor; calls hit() for ids stored for rp_id. */
static uint8_t scan_descriptors(const au_device *dev, const cbor_item_t *list, const char *rp_id,
                                int *hits, size_t max_hits, size_t *n_hits)
{
	*n_hits = 0;
	if (list == NULL)
		return CTAP2_OK;
	if (!cbor_isa_array(list) || !cbor_array_is_definite(list))
		return CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	for (size_t i = 0; i < cbor_array_size(list); i++) {
		const cbor_item_t *d = cbor_array_handle(list)[i];
		const uint8_t *id;
		size_t len;
		int idx;
		if (!cbor_isa_map(d) || !wa_cbor_bytes(wa_cbor_map_get_text(d, "id"), &id, &len) ||
		    !wa_cbor_text_eq(wa_cbor_map_get_text(d, "type"), "public-key"))
			return CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
		idx = find_credential(dev, rp_id, id, len);
		if (idx >= 0 && *n_hits < max_hits)
			hits[(*n_hits)++] = idx;
	}
	return CTAP2_OK;
}

/* ---- authenticatorGetInfo ---- */

static void get_info(au_ctap *ctap, au_ctap_reply *out)
{
	const au_settings *s = &ctap->dev->settings;
	cbor_item_t *map = cbor_new_definite_map(8), *versions = cbor_new_definite_array(2);
	cbor_item_t *options = cbor_new_definite_map(4), *transports = cbor_new_definite_array(1);
	cbor_item_t *algs = cbor_new_definite_array(s->n_algs), *s1, *s2,
	            *ext = cbor_new_definite_array(0);

	s1 = cbor_build_string("FIDO_2_0");
	s2 = cbor_build_string("FIDO_2_1");
	cbor_array_push(versions, s1);
	cbor_array_push(versions, s2);
	cbor_decref(&s1);
	cbor_decref(&s2);
	put(map, CTAP2_INFO_VERSIONS, versions);
	put(map, CTAP2_INFO_EXTENSIONS, ext);
	put(map, CTAP2_INFO_AAGUID, cbor_build_bytestring(s->aaguid, 16));
	/* CTAP2 canonical key order: shorter keys first, so "plat" comes last. */
	put_text(options, "rk", cbor_build_bool(s->resident_keys));
	put_text(options, "up", cbor_build_bool(true));
	/* uv present: capable; true only when a method is configured (CTAP 2.1 §6.4). */
	put_text(options, "uv", cbor_build_bool(au_device_has_secure_lock(s)));
	put_text(options, "plat", cbor_build_bool(true));
	put(map, CTAP2_INFO_OPTIONS, options);
	put(map, CTAP2_INFO_MAX_MSG_SIZE, cbor_build_uint16(INFO_MAX_MSG_SIZE));
	s1 = cbor_build_string("internal");
	cbor_array_push(transports, s1);
	cbor_decref(&s1);
	put(map, CTAP2_INFO_TRANSPORTS, transports);
	for (size_t i = 0; i < s->n_algs; i++) {
		cbor_item_t *p = cbor_new_definite_map(2);
		put_text(p, "alg", wa_cbor_build_int(s->algs[i]));
		put_text(p, "type", cbor_build_string("public-key"));
		cbor_array_push(algs, p);
		cbor_decref(&p);
	}
	put(map, CTAP2_INFO_ALGORITHMS, algs);
	reply_cbor(out, map);
	cbor_decref(&map);
}

/* ---- authenticatorMakeCredential ---- */

typedef struct make_req {
	const uint8_t *cdh;
	char rp_id[256];
	const uint8_t *user_id;
	size_t user_id_len;
	char user_name[AU_MAX_NAME];
	char display_name[AU_MAX_NAME];
	int64_t alg;
	opts o;
} make_req;

static uint8_t parse_make(const cbor_item_t *m, const au_settings *s, make_req *r)
{
	const cbor_item_t *rp = wa_cbor_map_get_int(m, CTAP2_MC_RP);
	const cbor_item_t *user = wa_cbor_map_get_int(m, CTAP2_MC_USER);
	const cbor_item_t *params = wa_cbor_map_get_int(m, CTAP2_MC_PUB_KEY_CRED_PARAMS);
	size_t len;
	uint8_t st;

	if (!wa_cbor_bytes(wa_cbor_map_get_int(m, CTAP2_MC_CLIENT_DATA_HASH), &r->cdh, &len) ||
	    rp == NULL || user == NULL || params == NULL)
		return CTAP2_ERR_MISSING_PARAMETER;
	if (len != 32 || !cbor_isa_map(rp) || !cbor_isa_map(user) || !cbor_isa_array(params) ||
	    !cbor_array_is_definite(params))
		return CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	if (!text_member(rp, "id", r->rp_id, sizeof(r->rp_id), true) || r->rp_id[0] == '\0')
		return CTAP2_ERR_MISSING_PARAMETER;
	if (!wa_cbor_bytes(wa_cbor_map_get_text(user, "id"), &r->user_id, &r->user_id_len) ||
	    r->user_id_len == 0 || r->user_id_len > 64)
		return CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	if (!text_member(user, "name", r->user_name, sizeof(r->user_name), false) ||
	    !text_member(user, "displayName", r->display_name, sizeof(r->display_name), false))
		return CTAP1_ERR_INVALID_LENGTH;
	/* The first requested algorithm the device implements, in the RP's order. */
	r->alg = 0;
	for (size_t i = 0; i < cbor_array_size(params) && r->alg == 0; i++) {
		const cbor_item_t *p = cbor_array_handle(params)[i];
		int64_t a;
		if (!cbor_isa_map(p) || !wa_cbor_int(wa_cbor_map_get_text(p, "alg"), &a))
			return CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
		if (!wa_cbor_text_eq(wa_cbor_map_get_text(p, "type"), "public-key"))
			continue;
		for (size_t k = 0; k < s->n_algs; k++)
			if (s->algs[k] == a)
				r->alg = a;
	}
	if (r->alg == 0)
		return CTAP2_ERR_UNSUPPORTED_ALGORITHM;
	r->o.up = true;
	if ((st = parse_options(wa_cbor_map_get_int(m, CTAP2_MC_OPTIONS), &r->o)) != CTAP2_OK)
		return st;
	return CTAP2_OK;
}

/* authData for a new credential: rpIdHash, flags, counter, attested credential data. */
static bool build_make_authdata(au_ctap *ctap, const make_req *r, const au_credential *c,
                                uint8_t flags, wa_blob *ad)
{
	const au_settings *s = &ctap->dev->settings;
	wa_blob cose = {0};
	wa_authdata a = {0};
	bool ok;

	if (wa_cose_encode(c->key, c->alg, &cose) != WA_OK)
		return false;
	wa_sha256(r->rp_id, strlen(r->rp_id), a.rp_id_hash);
	a.flags = flags | WA_FLAG_AT;
	a.sign_count = c->counter;
	a.has_attested = true;
	memcpy(a.aaguid, s->aaguid, 16);
	a.cred_id = c->id.ptr;
	a.cred_id_len = c->id.len;
	a.cose_key = cose.ptr;
	a.cose_key_len = cose.len;
	ok = wa_authdata_encode(&a, ad) == WA_OK;
	wa_blob_reset(&cose);
	return ok;
}

static uint8_t flags_for(const au_settings *s, bool uv_done)
{
	uint8_t f = WA_FLAG_UP;

	if (uv_done)
		f |= WA_FLAG_UV;
	if (s->backup_eligible)
		f |= WA_FLAG_BE;
	if (s->backup_eligible && s->backup_state)
		f |= WA_FLAG_BS;
	return f;
}

/* Chromium's fault knobs that rewrite flags. */
static uint8_t apply_flag_faults(au_ctap *ctap, uint8_t flags)
{
	if (ctap->dev->settings.clear_uv && (flags & WA_FLAG_UV)) {
		emit(ctap, AU_EV_FAULT, "UV bit cleared");
		flags &= (uint8_t)~WA_FLAG_UV;
	}
	if (ctap->dev->settings.clear_up && (flags & WA_FLAG_UP)) {
		emit(ctap, AU_EV_FAULT, "UP bit cleared");
		flags &= (uint8_t)~WA_FLAG_UP;
	}
	return flags;
}

/* Appends the unsolicited extension output {"unsolicited": 42} and sets ED. */
static wa_err add_unsolicited(au_ctap *ctap, wa_blob *ad)
{
	static const uint8_t ext[] = {0xa1, 0x6b, 'u', 'n', 's', 'o',  'l', 'i',
	                              'c',  'i',  't', 'e', 'd', 0x18, 42};

	if (!ctap->dev->settings.unsolicited_extension)
		return WA_OK;
	emit(ctap, AU_EV_FAULT, "unsolicited extension");
	ad->ptr[32] |= WA_FLAG_ED;
	return wa_blob_append(ad, ext, sizeof(ext));
}

static size_t resident_count(const au_device *dev)
{
	size_t n = 0;

	for (size_t i = 0; i < dev->n_credentials; i++)
		n += dev->credentials[i].resident;
	return n;
}

static void make_credential(au_ctap *ctap, const cbor_item_t *m, au_ctap_reply *out)
{
	au_device *dev = ctap->dev;
	const au_settings *s = &dev->settings;
	make_req r;
	int hits[1];
	size_t n_hits;
	uint8_t st, flags;
	bool uv_done = false;
	au_credential *c;
	wa_blob ad = {0};
	cbor_item_t *resp, *stmt = NULL;

	memset(&r, 0, sizeof(r));
	if ((st = parse_make(m, s, &r)) != CTAP2_OK ||
	    (st = scan_descriptors(dev, wa_cbor_map_get_int(m, CTAP2_MC_EXCLUDE_LIST), r.rp_id,
	                           hits, 1, &n_hits)) != CTAP2_OK) {
		reply_status(out, st);
		return;
	}
	if (r.o.rk && !s->resident_keys) {
		reply_status(out, CTAP2_ERR_UNSUPPORTED_OPTION);
		return;
	}
	if (!r.o.up) {
		reply_status(out,
		             CTAP2_ERR_INVALID_OPTION); /* makeCredential always needs presence */
		return;
	}
	if (n_hits > 0) {
		/* §6.1.2 step 3: the user confirms, then the device refuses. */
		emit(ctap, AU_EV_EXCLUDED, r.rp_id);
		st = ask_presence(ctap, out);
		reply_status(out, st == CTAP2_OK ? CTAP2_ERR_CREDENTIAL_EXCLUDED : st);
		return;
	}
	if (r.o.uv) {
		if (!au_device_has_secure_lock(s)) {
			emit(ctap, AU_EV_UV_UNAVAILABLE, "no secure screen lock");
			reply_status(out, CTAP2_ERR_UNSUPPORTED_OPTION);
			return;
		}
		if (!(uv_done = verify_user(ctap))) {
			emit(ctap, AU_EV_UV_FAILED, NULL);
			reply_status(out, CTAP2_ERR_UV_INVALID); /* CTAP 2.1: built-in UV failed */
			return;
		}
	}
	if ((st = ask_presence(ctap, out)) != CTAP2_OK) {
		reply_status(out, st);
		return;
	}
	if (r.o.rk) {
		/* A new resident credential for the same RP and user replaces the old one. */
		for (size_t i = 0; i < dev->n_credentials; i++) {
			const au_credential *old = &dev->credentials[i];
			if (old->resident && strcmp(old->rp_id, r.rp_id) == 0 &&
			    wa_blob_eq(&old->user_id, r.user_id, r.user_id_len)) {
				au_device_remove_credential(dev, i);
				break;
			}
		}
		if ((int)resident_count(dev) >= s->key_store_size) {
			reply_status(out, CTAP2_ERR_KEY_STORE_FULL);
			return;
		}
	}
	if ((c = au_device_add_credential(dev)) == NULL) {
		reply_status(out, CTAP2_ERR_KEY_STORE_FULL);
		return;
	}
	c->alg = r.alg;
	c->resident = r.o.rk;
	c->counter = s->counter == AU_COUNTER_NONE ? 0 : 1;
	c->created = wa_clock_now(ctap->clock);
	snprintf(c->rp_id, sizeof(c->rp_id), "%s", r.rp_id);
	snprintf(c->user_name, sizeof(c->user_name), "%s", r.user_name);
	snprintf(c->display_name, sizeof(c->display_name), "%s", r.display_name);
	uint8_t id[32];
	if ((c->key = au_keygen(r.alg)) == NULL || RAND_bytes(id, sizeof(id)) != 1 ||
	    wa_blob_set(&c->id, id, sizeof(id)) != WA_OK ||
	    wa_blob_set(&c->user_id, r.user_id, r.user_id_len) != WA_OK) {
		au_device_remove_credential(dev, dev->n_credentials - 1);
		reply_status(out, CTAP2_ERR_OTHER);
		return;
	}
	flags = apply_flag_faults(ctap, flags_for(s, uv_done));
	if (!build_make_authdata(ctap, &r, c, flags, &ad) || add_unsolicited(ctap, &ad) != WA_OK ||
	    (stmt = au_attest_statement(dev, c, &ad, r.cdh)) == NULL) {
		wa_blob_reset(&ad);
		au_device_remove_credential(dev, dev->n_credentials - 1);
		reply_status(out, CTAP2_ERR_OTHER);
		return;
	}
	if (s->bogus_signature)
		emit(ctap, AU_EV_FAULT, "bogus signature");
	resp = cbor_new_definite_map(3);
	put(resp, CTAP2_MC_RESP_FMT, cbor_build_string(au_attest_fmt(s->attestation)));
	put(resp, CTAP2_MC_RESP_AUTH_DATA, cbor_build_bytestring(ad.ptr, ad.len));
	put(resp, CTAP2_MC_RESP_ATT_STMT, stmt);
	reply_cbor(out, resp);
	cbor_decref(&resp);
	wa_blob_reset(&ad);
	ctap->device_changed = 1;
	emit(ctap, AU_EV_CREDENTIAL_CREATED, r.rp_id);
}

/* ---- authenticatorGetAssertion / GetNextAssertion ---- */

static void assertion_reply(au_ctap *ctap, size_t index, const uint8_t *cdh, uint8_t flags,
                            size_t total, au_ctap_reply *out)
{
	au_credential *c = &ctap->dev->credentials[index];
	wa_blob ad = {0}, sig = {0};
	wa_buf tbs = WA_BUF_INIT(AU_TBS_MAX);
	wa_authdata a = {0};
	cbor_item_t *resp, *desc;

	if (ctap->dev->settings.counter == AU_COUNTER_PER_CREDENTIAL)
		c->counter++;
	wa_sha256(c->rp_id, strlen(c->rp_id), a.rp_id_hash);
	a.flags = flags;
	a.sign_count = ctap->dev->settings.counter == AU_COUNTER_NONE ? 0 : c->counter;
	if (wa_authdata_encode(&a, &ad) != WA_OK) {
		reply_status(out, CTAP2_ERR_OTHER);
		return;
	}
	if (add_unsolicited(ctap, &ad) != WA_OK || wa_buf_add(&tbs, ad.ptr, ad.len) != WA_OK ||
	    wa_buf_add(&tbs, cdh, 32) != WA_OK ||
	    !au_sign(c->key, c->alg, (const uint8_t *)wa_buf_str(&tbs), wa_buf_len(&tbs), &sig)) {
		reply_status(out, CTAP2_ERR_OTHER);
		goto done;
	}
	if (ctap->dev->settings.bogus_signature) {
		emit(ctap, AU_EV_FAULT, "bogus signature");
		sig.ptr[sig.len - 1] ^= 0x01;
	}
	resp = cbor_new_definite_map(5);
	desc = cbor_new_definite_map(2);
	put_text(desc, "id", cbor_build_bytestring(c->id.ptr, c->id.len));
	put_text(desc, "type", cbor_build_string("public-key"));
	put(resp, CTAP2_GA_RESP_CREDENTIAL, desc);
	put(resp, CTAP2_GA_RESP_AUTH_DATA, cbor_build_bytestring(ad.ptr, ad.len));
	put(resp, CTAP2_GA_RESP_SIGNATURE, cbor_build_bytestring(sig.ptr, sig.len));
	if (c->resident) {
		cbor_item_t *user = cbor_new_definite_map(3);
		put_text(user, "id", cbor_build_bytestring(c->user_id.ptr, c->user_id.len));
		if (c->user_name[0])
			put_text(user, "name", cbor_build_string(c->user_name));
		if (c->display_name[0])
			put_text(user, "displayName", cbor_build_string(c->display_name));
		put(resp, CTAP2_GA_RESP_USER, user);
	}
	if (total > 1)
		put(resp, CTAP2_GA_RESP_NUMBER_OF_CREDENTIALS, cbor_build_uint8((uint8_t)total));
	reply_cbor(out, resp);
	cbor_decref(&resp);
	ctap->device_changed = 1;
	emit(ctap, AU_EV_CREDENTIAL_USED, c->rp_id);
done:
	wa_blob_reset(&ad);
	wa_buf_free(&tbs);
	wa_blob_reset(&sig);
}

static void get_assertion(au_ctap *ctap, const cbor_item_t *m, au_ctap_reply *out)
{
	au_device *dev = ctap->dev;
	char rp_id[256];
	const uint8_t *cdh;
	size_t len, n_hits = 0;
	int hits[AU_MAX_PENDING];
	opts o = {.up = true};
	const cbor_item_t *allow = wa_cbor_map_get_int(m, CTAP2_GA_ALLOW_LIST);
	uint8_t st, flags;
	bool uv_done = false;

	ctap->n_pending = ctap->next_pending = 0;
	if (wa_cbor_map_get_int(m, CTAP2_GA_RP_ID) == NULL ||
	    !wa_cbor_bytes(wa_cbor_map_get_int(m, CTAP2_GA_CLIENT_DATA_HASH), &cdh, &len)) {
		reply_status(out, CTAP2_ERR_MISSING_PARAMETER);
		return;
	}
	{
		const cbor_item_t *rp = wa_cbor_map_get_int(m, CTAP2_GA_RP_ID);
		if (!cbor_isa_string(rp) || !cbor_string_is_definite(rp) ||
		    cbor_string_length(rp) >= sizeof(rp_id) || len != 32) {
			reply_status(out, CTAP2_ERR_CBOR_UNEXPECTED_TYPE);
			return;
		}
		memcpy(rp_id, cbor_string_handle(rp), cbor_string_length(rp));
		rp_id[cbor_string_length(rp)] = '\0';
	}
	if ((st = parse_options(wa_cbor_map_get_int(m, CTAP2_GA_OPTIONS), &o)) != CTAP2_OK) {
		reply_status(out, st);
		return;
	}
	if (allow != NULL && cbor_isa_array(allow) && cbor_array_size(allow) > 0) {
		if ((st = scan_descriptors(dev, allow, rp_id, hits, AU_MAX_PENDING, &n_hits)) !=
		    CTAP2_OK) {
			reply_status(out, st);
			return;
		}
	} else if (allow != NULL && !cbor_isa_array(allow)) {
		reply_status(out, CTAP2_ERR_CBOR_UNEXPECTED_TYPE);
		return;
	} else {
		/* Discoverable: every resident credential for the RP, newest first. */
		for (size_t i = dev->n_credentials; i-- > 0 && n_hits < AU_MAX_PENDING;)
			if (dev->credentials[i].resident &&
			    strcmp(dev->credentials[i].rp_id, rp_id) == 0)
				hits[n_hits++] = (int)i;
	}
	if (o.uv) {
		if (!au_device_has_secure_lock(&dev->settings)) {
			emit(ctap, AU_EV_UV_UNAVAILABLE, "no secure screen lock");
			reply_status(out, CTAP2_ERR_UNSUPPORTED_OPTION);
			return;
		}
	}
	if (n_hits == 0) {
		/* CTAP 2.1: the user is still asked before the device admits it holds nothing. */
		emit(ctap, AU_EV_NO_CREDENTIALS, rp_id);
		if (o.up && (st = ask_presence(ctap, out)) != CTAP2_OK) {
			reply_status(out, st);
			return;
		}
		reply_status(out, CTAP2_ERR_NO_CREDENTIALS);
		return;
	}
	if (o.uv && !(uv_done = verify_user(ctap))) {
		emit(ctap, AU_EV_UV_FAILED, NULL);
		reply_status(out, CTAP2_ERR_UV_INVALID); /* CTAP 2.1: built-in UV failed */
		return;
	}
	if (o.up && (st = ask_presence(ctap, out)) != CTAP2_OK) {
		reply_status(out, st);
		return;
	}
	flags = flags_for(&dev->settings, uv_done);
	if (!o.up)
		flags &= (uint8_t)~WA_FLAG_UP;
	flags = apply_flag_faults(ctap, flags);
	for (size_t i = 0; i < n_hits; i++)
		ctap->pending[i] = (size_t)hits[i];
	ctap->n_pending = n_hits;
	ctap->next_pending = 1;
	memcpy(ctap->pending_cdh, cdh, 32);
	ctap->pending_flags = flags;
	assertion_reply(ctap, (size_t)hits[0], cdh, flags, allow ? 1 : n_hits, out);
	if (allow)
		ctap->n_pending = 1; /* with an allow list only one assertion is returned */
}

static void get_next_assertion(au_ctap *ctap, au_ctap_reply *out)
{
	if (ctap->next_pending >= ctap->n_pending) {
		reply_status(out, CTAP2_ERR_NOT_ALLOWED);
		return;
	}
	assertion_reply(ctap, ctap->pending[ctap->next_pending++], ctap->pending_cdh,
	                ctap->pending_flags, 1, out);
}

/* ---- dispatch ---- */

void au_ctap2_handle(au_ctap *ctap, const uint8_t *req, size_t req_len, au_ctap_reply *out)
{
	const au_settings *s = &ctap->dev->settings;
	cbor_item_t *m = NULL;
	uint8_t cmd, st;

	out->len = 0;
	out->keepalives = s->delay_ms / KEEPALIVE_MS;
	out->keepalive_status = CTAPHID_KEEPALIVE_PROCESSING;
	if (req_len == 0) {
		reply_status(out, CTAP1_ERR_INVALID_LENGTH);
		return;
	}
	cmd = req[0];
	if (s->override_command == cmd) {
		char detail[48];
		snprintf(detail, sizeof(detail), "command 0x%02x answered 0x%02x", cmd,
		         s->override_status);
		emit(ctap, AU_EV_FAULT, detail);
		reply_status(out, (uint8_t)s->override_status);
		return;
	}
	if (cmd == CTAP2_MAKE_CREDENTIAL || cmd == CTAP2_GET_ASSERTION) {
		if (wa_cbor_load_exact(req + 1, req_len - 1, &m) != WA_OK) {
			reply_status(out, CTAP2_ERR_INVALID_CBOR);
			return;
		}
		if (!cbor_isa_map(m) || !cbor_map_is_definite(m)) {
			cbor_decref(&m);
			reply_status(out, CTAP2_ERR_CBOR_UNEXPECTED_TYPE);
			return;
		}
	} else if (req_len != 1) {
		reply_status(out, CTAP1_ERR_INVALID_LENGTH);
		return;
	}
	switch (cmd) {
	case CTAP2_GET_INFO:
		get_info(ctap, out);
		break;
	case CTAP2_MAKE_CREDENTIAL:
		ctap->n_pending = ctap->next_pending = 0;
		make_credential(ctap, m, out);
		break;
	case CTAP2_GET_ASSERTION:
		get_assertion(ctap, m, out);
		break;
	case CTAP2_GET_NEXT_ASSERTION:
		get_next_assertion(ctap, out);
		break;
	case CTAP2_RESET:
		if ((st = ask_presence(ctap, out)) == CTAP2_OK) {
			au_device_clear_credentials(ctap->dev);
			ctap->device_changed = 1;
			emit(ctap, AU_EV_RESET, NULL);
		}
		reply_status(out, st);
		break;
	case CTAP2_SELECTION:
		reply_status(out, ask_presence(ctap, out));
		break;
	default:
		reply_status(out, CTAP1_ERR_INVALID_COMMAND);
		break;
	}
	if (m != NULL)
		cbor_decref(&m);
}
