/*
 * Robustness: thousands of deterministic mutations of every W3C vector
 * (bit flips, truncation to every length, byte insertions, CBOR head and
 * credentialIdLength inflation) fed through the parsers and both ceremony
 * verifiers. Every call must return a code inside the error table and never
 * crash or leak (the ASan build runs this too). Where a mutation changes
 * bytes a signature covers, verification must not succeed:
 *   - authentication: any change to authenticatorData, signature or
 *     clientDataJSON (all three are covered by the assertion signature);
 *   - registration: rpIdHash always (the RP ID check); flags and counter too
 *     when the format signs authenticatorData (packed, tpm, android-key,
 *     apple); the attStmt signature bytes of packed; and clientDataJSON for
 *     every format but none (clientDataHash is signed). Other bytes (an extra
 *     clientData member of a "none" registration, UV of a fido-u2f one) may
 *     legitimately still verify, so they only get the range check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <cbor/internal/memory_utils.h>
#include <cmocka.h>
#include <jansson.h>
#include <openssl/x509.h>

#include "softauthn.h"
#include "webauthn/attobj.h"
#include "webauthn/authentication.h"
#include "webauthn/b64url.h"
#include "webauthn/cborx.h"
#include "webauthn/clock.h"
#include "webauthn/registration.h"

/* Budgets: inputs up to FLIP_ALL_MAX bytes get every bit flipped, longer ones a sample. */
#define FLIP_ALL_MAX   128
#define FLIP_SAMPLE    384
#define INSERT_ALL_MAX 64
#define INSERT_SAMPLE  48
#define MAX_HEADS      256

/*
 * libcbor 0.8 sizes a definite array's or map's storage from the count in its
 * head before it reads a single item, and zero-fills array slots: a 5-byte
 * attestationObject 9a 10 00 00 00 makes it allocate and touch 2 GiB, and a
 * bit flip in credentialIdLength can do the same from bytes of the id. The
 * verifier bounds those counts before libcbor builds anything; to prove it
 * (test_declared_counts_bounded) and to keep a regression from exhausting the
 * machine, this test takes over libcbor's allocator for that storage (an
 * exported function libcbor calls through its PLT): it records the largest
 * request and refuses any over CBOR_ALLOC_CAP, as an allocator under memory
 * pressure would. Everything else still runs on the real allocator.
 */
#define CBOR_ALLOC_CAP ((size_t)16 << 20)
static size_t cbor_largest_request;
static unsigned long cbor_refused;

void *_cbor_alloc_multiple(size_t item_size, size_t item_count)
{
	size_t n;

	if (item_count != 0 && item_size > SIZE_MAX / item_count)
		return NULL;
	n = item_size * item_count;
	if (n > cbor_largest_request)
		cbor_largest_request = n;
	if (n > CBOR_ALLOC_CAP) {
		cbor_refused++;
		return NULL;
	}
	return malloc(n ? n : 1);
}

/* ---- the vectors ---- */

typedef struct vector {
	const char *name;
	char fmt[32];
	wa_blob reg_cdata, attobj, reg_chal, cred_id;
	wa_blob auth_cdata, auth_ad, sig, auth_chal;
	size_t ad_head;          /* offset of the authData byte string's head in attobj */
	size_t ad_off, ad_len;   /* its contents */
	size_t sig_off, sig_len; /* packed: attStmt.sig contents in attobj (0 when absent) */
	bool ad_signed;          /* the format's attestation covers all of authenticatorData */
	bool cdh_signed;         /* the format's attestation covers clientDataHash */
	wa_credential cred;      /* registered from the unmodified vector */
} vector;

static json_t *vectors_json;
static X509 *ca;
static wa_trust trust;
static vector vecs[16];
static size_t n_vecs;

/* Totals per vector, printed at the end of each test so the effort is visible. */
static unsigned long n_calls, n_must_fail;

static uint64_t rng;

static uint64_t next_rand(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void check_range(wa_err err, const char *what)
{
	n_calls++;
	if ((unsigned)err >= WA_ERR__COUNT) {
		print_error("%s returned %d, outside 0..%d\n", what, (int)err, WA_ERR__COUNT - 1);
		fail();
	}
}

static wa_blob b64(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	wa_blob b = {0};

	assert_non_null(s);
	assert_int_equal(wa_b64url_decode(s, strlen(s), &b), WA_OK);
	return b;
}

/* ---- the verifiers, over possibly mutated inputs ---- */

static wa_err run_registration(const vector *v, const uint8_t *cdata, size_t cdata_len,
                               const uint8_t *attobj, size_t attobj_len)
{
	wa_reg_response resp = {
	        .raw_id = v->cred_id,
	        .client_data_json = {(uint8_t *)cdata, cdata_len},
	        .attestation_object = {(uint8_t *)attobj, attobj_len},
	};
	wa_reg_options ro = {
	        .expect = sa_w3c_expect(v->name, &v->reg_chal),
	        .trust = &trust,
	        .require_trusted_attestation = true,
	        .android_key_allow_empty_authz = true,
	};
	wa_credential cred;
	wa_err err = wa_verify_registration(&ro, &resp, &cred, NULL);

	check_range(err, "wa_verify_registration");
	if (err == WA_OK)
		wa_credential_reset(&cred);
	return err;
}

static wa_err run_authentication(vector *v, const uint8_t *cdata, size_t cdata_len,
                                 const uint8_t *ad, size_t ad_len, const uint8_t *sig,
                                 size_t sig_len)
{
	wa_auth_response resp = {
	        .raw_id = v->cred_id,
	        .client_data_json = {(uint8_t *)cdata, cdata_len},
	        .authenticator_data = {(uint8_t *)ad, ad_len},
	        .signature = {(uint8_t *)sig, sig_len},
	};
	wa_auth_options ao = {
	        .expect = sa_w3c_expect(v->name, &v->auth_chal),
	        .user_identified = true,
	};
	uint32_t count = v->cred.sign_count;
	bool bs = v->cred.backup_state, uv = v->cred.uv_initialized;
	wa_err err = wa_verify_authentication(&ao, &resp, &v->cred, NULL);

	check_range(err, "wa_verify_authentication");
	/* keep the stored record as registered, whatever happened */
	v->cred.sign_count = count;
	v->cred.backup_state = bs;
	v->cred.uv_initialized = uv;
	return err;
}

/* attestationObject bytes through the parsers below the ceremony. */
static void run_parsers_attobj(const uint8_t *p, size_t len)
{
	wa_attobj obj;
	wa_authdata ad;
	wa_cose_key key;
	wa_err err = wa_attobj_parse(p, len, &obj);

	check_range(err, "wa_attobj_parse");
	if (err != WA_OK)
		return;
	err = wa_authdata_parse(obj.auth_data, obj.auth_data_len, &ad);
	check_range(err, "wa_authdata_parse");
	if (err == WA_OK && ad.has_attested) {
		err = wa_cose_decode(ad.cose_key, ad.cose_key_len, &key);
		check_range(err, "wa_cose_decode");
		wa_cose_key_reset(&key);
	}
	wa_attobj_reset(&obj);
}

static void run_parsers_authdata(const uint8_t *p, size_t len)
{
	wa_authdata ad;
	wa_cose_key key;
	wa_err err = wa_authdata_parse(p, len, &ad);

	check_range(err, "wa_authdata_parse");
	if (err == WA_OK && ad.has_attested) {
		err = wa_cose_decode(ad.cose_key, ad.cose_key_len, &key);
		check_range(err, "wa_cose_decode");
		wa_cose_key_reset(&key);
	}
}

/* ---- mutation sinks: one per input being mutated ---- */

typedef enum mut_kind { M_FLIP, M_TRUNC, M_INSERT, M_INFLATE } mut_kind;

typedef struct mut {
	mut_kind kind;
	size_t pos; /* byte position flipped / inserted at / of the changed head */
	int bit;
} mut;

static const char *kind_name(mut_kind k)
{
	static const char *const names[] = {"bit flip", "truncation", "insertion", "inflation"};
	return names[k];
}

typedef struct sink {
	void (*fn)(vector *v, const uint8_t *p, size_t len, const mut *m);
	vector *v;
	const uint8_t *orig;
	size_t orig_len;
} sink;

static void must_fail(const vector *v, wa_err err, const char *input, const mut *m)
{
	n_must_fail++;
	if (err == WA_OK) {
		print_error("%s: %s of %s at byte %zu (bit %d) still verifies\n", v->name,
		            kind_name(m->kind), input, m->pos, m->bit);
		fail();
	}
}

static void sink_attobj(vector *v, const uint8_t *p, size_t len, const mut *m)
{
	wa_err err;

	run_parsers_attobj(p, len);
	err = run_registration(v, v->reg_cdata.ptr, v->reg_cdata.len, p, len);
	if (m->kind != M_FLIP)
		return;
	/* the attestation signature of packed */
	if (v->sig_len && m->pos >= v->sig_off && m->pos < v->sig_off + v->sig_len)
		must_fail(v, err, "attStmt.sig", m);
	/* rpIdHash, flags and counter as they sit inside the attestationObject */
	if (m->pos >= v->ad_off && m->pos < v->ad_off + (v->ad_signed ? 37 : 32))
		must_fail(v, err, "authData (in attestationObject)", m);
}

/* authData mutations are spliced into the attestationObject with a matching byte-string head. */
static void sink_reg_authdata(vector *v, const uint8_t *p, size_t len, const mut *m)
{
	uint8_t *obj = malloc(v->attobj.len + len + 16);
	size_t n = v->ad_head, tail = v->ad_off + v->ad_len;
	wa_err err;

	assert_non_null(obj);
	run_parsers_authdata(p, len);
	memcpy(obj, v->attobj.ptr, n);
	if (len < 24) {
		obj[n++] = (uint8_t)(0x40 | len);
	} else if (len < 0x100) {
		obj[n++] = 0x58;
		obj[n++] = (uint8_t)len;
	} else {
		obj[n++] = 0x59;
		obj[n++] = (uint8_t)(len >> 8);
		obj[n++] = (uint8_t)len;
	}
	memcpy(obj + n, p, len);
	n += len;
	memcpy(obj + n, v->attobj.ptr + tail, v->attobj.len - tail);
	n += v->attobj.len - tail;
	run_parsers_attobj(obj, n);
	err = run_registration(v, v->reg_cdata.ptr, v->reg_cdata.len, obj, n);
	if (m->kind == M_FLIP && m->pos < (v->ad_signed ? 37u : 32u))
		must_fail(v, err, "authData", m);
	free(obj);
}

static void sink_reg_cdata(vector *v, const uint8_t *p, size_t len, const mut *m)
{
	wa_clientdata cd;
	wa_err err = wa_clientdata_parse(p, len, &cd);

	check_range(err, "wa_clientdata_parse");
	if (err == WA_OK)
		wa_clientdata_reset(&cd);
	err = run_registration(v, p, len, v->attobj.ptr, v->attobj.len);
	if (v->cdh_signed)
		must_fail(v, err, "registration clientDataJSON", m);
}

static void sink_cose(vector *v, const uint8_t *p, size_t len, const mut *m)
{
	wa_cose_key key;
	wa_err err = wa_cose_decode(p, len, &key);

	(void)v;
	(void)m;
	check_range(err, "wa_cose_decode");
	wa_cose_key_reset(&key);
}

static void sink_auth_ad(vector *v, const uint8_t *p, size_t len, const mut *m)
{
	run_parsers_authdata(p, len);
	must_fail(v,
	          run_authentication(v, v->auth_cdata.ptr, v->auth_cdata.len, p, len, v->sig.ptr,
	                             v->sig.len),
	          "authenticatorData", m);
}

static void sink_auth_sig(vector *v, const uint8_t *p, size_t len, const mut *m)
{
	must_fail(v,
	          run_authentication(v, v->auth_cdata.ptr, v->auth_cdata.len, v->auth_ad.ptr,
	                             v->auth_ad.len, p, len),
	          "signature", m);
}

static void sink_auth_cdata(vector *v, const uint8_t *p, size_t len, const mut *m)
{
	wa_clientdata cd;
	wa_err err = wa_clientdata_parse(p, len, &cd);

	check_range(err, "wa_clientdata_parse");
	if (err == WA_OK)
		wa_clientdata_reset(&cd);
	must_fail(v,
	          run_authentication(v, p, len, v->auth_ad.ptr, v->auth_ad.len, v->sig.ptr,
	                             v->sig.len),
	          "authentication clientDataJSON", m);
}

/* Hands a mutant to the sink unless it happens to equal the original. */
static void emit(const sink *s, const uint8_t *p, size_t len, const mut *m)
{
	if (len == s->orig_len && memcmp(p, s->orig, len) == 0)
		return;
	s->fn(s->v, p, len, m);
}

/* ---- mutation generators ---- */

static void gen_flips(const sink *s)
{
	size_t len = s->orig_len;
	uint8_t *buf = malloc(len ? len : 1);
	size_t count = len <= FLIP_ALL_MAX ? len * 8 : FLIP_SAMPLE;

	assert_non_null(buf);
	memcpy(buf, s->orig, len);
	for (size_t i = 0; i < count; i++) {
		size_t bitpos = len <= FLIP_ALL_MAX ? i : (size_t)(next_rand() % (len * 8));
		mut m = {M_FLIP, bitpos / 8, (int)(bitpos % 8)};

		buf[m.pos] ^= (uint8_t)(1u << m.bit);
		emit(s, buf, len, &m);
		buf[m.pos] ^= (uint8_t)(1u << m.bit);
	}
	free(buf);
}

/* Flips every bit of [from, to) (the signed parts of long inputs get all of theirs). */
static void gen_flips_range(const sink *s, size_t from, size_t to)
{
	uint8_t *buf = malloc(s->orig_len);

	assert_non_null(buf);
	memcpy(buf, s->orig, s->orig_len);
	for (size_t pos = from; pos < to && pos < s->orig_len; pos++) {
		for (int bit = 0; bit < 8; bit++) {
			mut m = {M_FLIP, pos, bit};
			buf[pos] ^= (uint8_t)(1u << bit);
			emit(s, buf, s->orig_len, &m);
			buf[pos] ^= (uint8_t)(1u << bit);
		}
	}
	free(buf);
}

static void gen_truncations(const sink *s)
{
	/* A copy of exactly len bytes each time, so ASan sees any read past the end. */
	for (size_t len = 0; len < s->orig_len; len++) {
		uint8_t *buf = malloc(len ? len : 1);
		mut m = {M_TRUNC, len, -1};

		assert_non_null(buf);
		memcpy(buf, s->orig, len);
		emit(s, buf, len, &m);
		free(buf);
	}
}

static void gen_insertions(const sink *s)
{
	static const uint8_t values[] = {0x00, 0xff, 0x80, 0xa0, 0x5b, 0x22, 0x7b};
	size_t len = s->orig_len;
	size_t count = len + 1 <= INSERT_ALL_MAX ? len + 1 : INSERT_SAMPLE;
	uint8_t *buf = malloc(len + 1);

	assert_non_null(buf);
	for (size_t i = 0; i < count; i++) {
		size_t pos = len + 1 <= INSERT_ALL_MAX ? i : (size_t)(next_rand() % (len + 1));
		for (size_t k = 0; k < sizeof(values) / sizeof(values[0]) + 1; k++) {
			mut m = {M_INSERT, pos, -1};
			memcpy(buf, s->orig, pos);
			buf[pos] = k < sizeof(values) ? values[k] : (uint8_t)next_rand();
			memcpy(buf + pos + 1, s->orig + pos, len - pos);
			emit(s, buf, len + 1, &m);
		}
	}
	free(buf);
}

/* ---- CBOR heads, for length-field inflation ---- */

typedef struct head {
	size_t pos, hlen;
	int mt;
	uint64_t val;
} head;

/* Records the head of every item of the well-formed definite CBOR at *pos. */
static bool walk(const uint8_t *p, size_t len, size_t *pos, head *heads, size_t *n, int depth)
{
	uint8_t ib;
	int mt, ai;
	uint64_t val = 0;
	size_t hl = 1, start = *pos;

	if (depth > 32 || *pos >= len)
		return false;
	ib = p[*pos];
	mt = ib >> 5;
	ai = ib & 31;
	if (ai < 24) {
		val = (uint64_t)ai;
	} else if (ai <= 27) {
		size_t w = (size_t)1 << (ai - 24);
		if (len - *pos < 1 + w)
			return false;
		for (size_t i = 0; i < w; i++)
			val = val << 8 | p[*pos + 1 + i];
		hl = 1 + w;
	} else {
		return false;
	}
	if (*n < MAX_HEADS)
		heads[(*n)++] = (head){start, hl, mt, val};
	*pos += hl;
	switch (mt) {
	case 2:
	case 3:
		if (len - *pos < val)
			return false;
		*pos += (size_t)val;
		return true;
	case 4:
	case 5:
		for (uint64_t i = 0; i < (mt == 5 ? 2 * val : val); i++)
			if (!walk(p, len, pos, heads, n, depth + 1))
				return false;
		return true;
	case 6:
		return walk(p, len, pos, heads, n, depth + 1);
	default:
		return true;
	}
}

/* The head for (mt, val) at a given width in bytes of argument (0: shortest). */
static size_t enc_head(uint8_t *out, int mt, uint64_t val, int width)
{
	if (width == 0)
		width = val < 24             ? -1
		        : val <= 0xff        ? 1
		        : val <= 0xffff      ? 2
		        : val <= 0xffffffffu ? 4
		                             : 8;
	if (width < 0) {
		out[0] = (uint8_t)(mt << 5 | (int)val);
		return 1;
	}
	out[0] = (uint8_t)(mt << 5 | (width == 1 ? 24 : width == 2 ? 25 : width == 4 ? 26 : 27));
	for (int i = 0; i < width; i++)
		out[1 + i] = (uint8_t)(val >> (8 * (width - 1 - i)));
	return 1 + (size_t)width;
}

/* Replaces the head h of s->orig by new_head (hl bytes) and hands the result on. */
static void splice_head(const sink *s, const head *h, const uint8_t *new_head, size_t hl)
{
	size_t len = s->orig_len - h->hlen + hl;
	uint8_t *buf = malloc(len);
	mut m = {M_INFLATE, h->pos, -1};

	assert_non_null(buf);
	memcpy(buf, s->orig, h->pos);
	memcpy(buf + h->pos, new_head, hl);
	memcpy(buf + h->pos + hl, s->orig + h->pos + h->hlen, s->orig_len - h->pos - h->hlen);
	emit(s, buf, len, &m);
	free(buf);
}

/*
 * For every head of the CBOR starting at `at` in s->orig: its length or value
 * raised a little and to each width's maximum, lowered by one, re-encoded in a
 * longer (non-canonical) form, and strings/containers turned indefinite.
 */
static void gen_inflations(const sink *s, size_t at)
{
	static const uint64_t big[] = {
	        23, 0xff, 0xffff, 0xffffffffu, 0x7fffffffffffffffull, 0xffffffffffffffffull};
	head heads[MAX_HEADS];
	size_t n = 0, pos = at;

	walk(s->orig, s->orig_len, &pos, heads, &n, 0);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		const head *h = &heads[i];
		uint8_t nh[9];

		if (h->mt > 5)
			continue;
		splice_head(s, h, nh, enc_head(nh, h->mt, h->val + 1, 0));
		splice_head(s, h, nh, enc_head(nh, h->mt, h->val * 2 + 1, 0));
		if (h->val > 0)
			splice_head(s, h, nh, enc_head(nh, h->mt, h->val - 1, 0));
		for (size_t k = 0; k < sizeof(big) / sizeof(big[0]); k++)
			splice_head(s, h, nh, enc_head(nh, h->mt, big[k], 0));
		splice_head(s, h, nh, enc_head(nh, h->mt, h->val, 8)); /* same value, 9-byte head */
		if (h->mt >= 2) {
			nh[0] = (uint8_t)(h->mt << 5 | 31); /* indefinite, no break follows */
			splice_head(s, h, nh, 1);
		}
	}
}

/* credentialIdLength (authData bytes 53..54) set to values around and beyond the truth. */
static void gen_cred_id_length(const sink *s)
{
	size_t real = (size_t)s->orig[53] << 8 | s->orig[54];
	const size_t values[] = {0, real - 1, real + 1, real + 77, 1023, 1024, 0x7fff, 0xffff};
	uint8_t *buf = malloc(s->orig_len);

	assert_non_null(buf);
	memcpy(buf, s->orig, s->orig_len);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		mut m = {M_INFLATE, 53, -1};
		buf[53] = (uint8_t)(values[i] >> 8);
		buf[54] = (uint8_t)values[i];
		emit(s, buf, s->orig_len, &m);
	}
	free(buf);
}

static void all_mutations(const sink *s, bool cbor)
{
	gen_flips(s);
	gen_truncations(s);
	gen_insertions(s);
	if (cbor)
		gen_inflations(s, 0);
}

/* ---- per-vector test ---- */

static void test_vector(void **state)
{
	vector *v = NULL;
	unsigned long refused_before;
	wa_authdata ad;
	wa_blob cose = {0};
	sink s;

	for (size_t i = 0; i < n_vecs; i++)
		if (strcmp(vecs[i].name, *state) == 0)
			v = &vecs[i];
	assert_non_null(v);
	n_calls = n_must_fail = 0;
	refused_before = cbor_refused;
	rng = 0x6b616775726121ull ^ (uint64_t)(v - vecs);

	/* registration: attestationObject as a whole */
	s = (sink){sink_attobj, v, v->attobj.ptr, v->attobj.len};
	all_mutations(&s, true);
	gen_flips_range(&s, v->ad_off, v->ad_off + 37);
	if (v->sig_len)
		gen_flips_range(&s, v->sig_off, v->sig_off + v->sig_len);

	/* registration: authData alone, spliced back in (its first 37 bytes got every flip above)
	 */
	s = (sink){sink_reg_authdata, v, v->attobj.ptr + v->ad_off, v->ad_len};
	all_mutations(&s, false);
	gen_cred_id_length(&s);
	assert_int_equal(wa_authdata_parse(s.orig, s.orig_len, &ad), WA_OK);
	gen_inflations(&s, (size_t)(ad.cose_key - s.orig)); /* heads of the COSE key */

	/* the COSE key alone */
	assert_int_equal(wa_blob_set(&cose, ad.cose_key, ad.cose_key_len), WA_OK);
	s = (sink){sink_cose, v, cose.ptr, cose.len};
	all_mutations(&s, true);

	s = (sink){sink_reg_cdata, v, v->reg_cdata.ptr, v->reg_cdata.len};
	all_mutations(&s, false);

	/* authentication: every input is covered by the signature */
	s = (sink){sink_auth_ad, v, v->auth_ad.ptr, v->auth_ad.len};
	all_mutations(&s, false);
	s = (sink){sink_auth_sig, v, v->sig.ptr, v->sig.len};
	all_mutations(&s, false);
	s = (sink){sink_auth_cdata, v, v->auth_cdata.ptr, v->auth_cdata.len};
	all_mutations(&s, false);

	wa_blob_reset(&cose);
	print_message(
	        "%s (%s): %lu calls, %lu on signed bytes that must fail, %lu oversized libcbor "
	        "allocations refused\n",
	        v->name, v->fmt, n_calls, n_must_fail, cbor_refused - refused_before);
}

typedef wa_err (*decode_fn)(const uint8_t *p, size_t len);

static wa_err dec_attobj(const uint8_t *p, size_t len)
{
	wa_attobj obj;
	wa_err err = wa_attobj_parse(p, len, &obj);

	if (err == WA_OK)
		wa_attobj_reset(&obj);
	return err;
}

static wa_err dec_authdata(const uint8_t *p, size_t len)
{
	wa_authdata ad;
	return wa_authdata_parse(p, len, &ad);
}

static wa_err dec_cose(const uint8_t *p, size_t len)
{
	wa_cose_key key;
	wa_err err = wa_cose_decode(p, len, &key);

	wa_cose_key_reset(&key);
	return err;
}

/* 37 bytes: rpIdHash 0, flags UP|ED, counter 0; then an extensions "map" declaring 2^28 items. */
static const uint8_t ad_ext[] = {0, 0, 0, 0, 0,    0, 0, 0, 0, 0,    0,    0,    0,    0,
                                 0, 0, 0, 0, 0,    0, 0, 0, 0, 0,    0,    0,    0,    0,
                                 0, 0, 0, 0, 0x81, 0, 0, 0, 0, 0x9a, 0x10, 0x00, 0x00, 0x00};
/* flags UP|AT, zero AAGUID, empty credential id, then a "COSE key" declaring 2^28 items */
static const uint8_t ad_key[] = {0, 0, 0,    0, 0, 0, 0, 0, 0, 0, 0,    0,    0,    0,    0,
                                 0, 0, 0,    0, 0, 0, 0, 0, 0, 0, 0,    0,    0,    0,    0,
                                 0, 0, 0x41, 0, 0, 0, 0, 0, 0, 0, 0,    0,    0,    0,    0,
                                 0, 0, 0,    0, 0, 0, 0, 0, 0, 0, 0x9a, 0x10, 0x00, 0x00, 0x00};
static const uint8_t c_array[] = {0x9a, 0x10, 0x00, 0x00, 0x00};
static const uint8_t c_map[] = {0xba, 0x10, 0x00, 0x00, 0x00};
static const uint8_t c_nested[] = {0xa1, 0x63, 'f', 'm', 't', 0x9a, 0x10, 0x00, 0x00, 0x00};

/*
 * A declared element count cannot be honest when it exceeds the bytes left
 * (every element takes at least one byte), so decoding a handful of bytes must
 * not make the decoder reserve memory for 2^28 elements.
 */
static void test_declared_counts_bounded(void **state)
{
	static const struct {
		const char *what;
		decode_fn fn;
		const uint8_t *p;
		size_t len;
	} cases[] = {
	        {"wa_attobj_parse, array", dec_attobj, c_array, sizeof(c_array)},
	        {"wa_attobj_parse, map", dec_attobj, c_map, sizeof(c_map)},
	        {"wa_attobj_parse, array inside the map", dec_attobj, c_nested, sizeof(c_nested)},
	        {"wa_cose_decode, array", dec_cose, c_array, sizeof(c_array)},
	        {"wa_authdata_parse, extensions", dec_authdata, ad_ext, sizeof(ad_ext)},
	        {"wa_authdata_parse, credentialPublicKey", dec_authdata, ad_key, sizeof(ad_key)},
	};
	int bad = 0;

	(void)state;
	assert_int_equal(ad_ext[32], 0x81);
	assert_int_equal(ad_key[32], 0x41);
	assert_int_equal(sizeof(ad_key), 37 + 18 + 5);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		wa_err err;

		cbor_largest_request = 0;
		err = cases[i].fn(cases[i].p, cases[i].len);
		assert_int_not_equal(err, WA_OK);
		assert_true((unsigned)err < WA_ERR__COUNT);
		if (cbor_largest_request > 64 * cases[i].len) {
			print_error(
			        "%s: %zu input bytes made libcbor request %zu bytes (then %s)\n",
			        cases[i].what, cases[i].len, cbor_largest_request, wa_errname(err));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* ---- loading ---- */

/* Offset of needle in hay, which must occur exactly once. */
static size_t find_once(const wa_blob *hay, const uint8_t *needle, size_t n)
{
	size_t found = SIZE_MAX;

	for (size_t i = 0; i + n <= hay->len; i++) {
		if (memcmp(hay->ptr + i, needle, n) == 0) {
			if (found != SIZE_MAX)
				return SIZE_MAX;
			found = i;
		}
	}
	return found;
}

static int load_vector(const char *name, json_t *j, vector *v)
{
	json_t *reg = json_object_get(j, "registration"),
	       *auth = json_object_get(j, "authentication");
	wa_reg_response resp = {0};
	wa_reg_options ro;
	wa_attobj obj;
	const uint8_t *sig;
	size_t sig_len;

	v->name = name;
	v->reg_cdata = b64(reg, "clientDataJSON");
	v->attobj = b64(reg, "attestationObject");
	v->reg_chal = b64(reg, "challenge");
	v->cred_id = b64(reg, "credential_id");
	v->auth_cdata = b64(auth, "clientDataJSON");
	v->auth_ad = b64(auth, "authenticatorData");
	v->sig = b64(auth, "signature");
	v->auth_chal = b64(auth, "challenge");

	if (wa_attobj_parse(v->attobj.ptr, v->attobj.len, &obj) != WA_OK)
		return -1;
	snprintf(v->fmt, sizeof(v->fmt), "%s", obj.fmt);
	v->ad_len = obj.auth_data_len;
	v->ad_off = find_once(&v->attobj, obj.auth_data, obj.auth_data_len);
	if (v->ad_off == SIZE_MAX || v->ad_off < 3)
		return -1;
	/* the byte string head right before the contents (1, 2 or 3 bytes) */
	v->ad_head = v->ad_off - (v->ad_len < 24 ? 1 : v->ad_len < 0x100 ? 2 : 3);
	if (strcmp(v->fmt, "packed") == 0 &&
	    wa_cbor_bytes(wa_cbor_map_get_text(obj.att_stmt, "sig"), &sig, &sig_len)) {
		v->sig_off = find_once(&v->attobj, sig, sig_len);
		v->sig_len = v->sig_off == SIZE_MAX ? 0 : sig_len;
	}
	wa_attobj_reset(&obj);
	v->ad_signed = strcmp(v->fmt, "packed") == 0 || strcmp(v->fmt, "tpm") == 0 ||
	               strcmp(v->fmt, "android-key") == 0 || strcmp(v->fmt, "apple") == 0;
	v->cdh_signed = strcmp(v->fmt, "none") != 0;

	/* the unmodified registration verifies and gives the record authentication uses */
	resp.raw_id = v->cred_id;
	resp.client_data_json = v->reg_cdata;
	resp.attestation_object = v->attobj;
	ro = (wa_reg_options){
	        .expect = sa_w3c_expect(v->name, &v->reg_chal),
	        .trust = &trust,
	        .require_trusted_attestation = true,
	        .android_key_allow_empty_authz = true,
	};
	if (wa_verify_registration(&ro, &resp, &v->cred, NULL) != WA_OK) {
		fprintf(stderr, "%s: the unmodified registration does not verify\n", name);
		return -1;
	}
	/* and so does the unmodified authentication */
	if (run_authentication(v, v->auth_cdata.ptr, v->auth_cdata.len, v->auth_ad.ptr,
	                       v->auth_ad.len, v->sig.ptr, v->sig.len) != WA_OK) {
		fprintf(stderr, "%s: the unmodified authentication does not verify\n", name);
		return -1;
	}
	return 0;
}

static int setup(void **state)
{
	json_error_t jerr;
	const char *hex, *name;
	json_t *j;
	unsigned char der[4096];
	const unsigned char *p = der;
	size_t n;
	time_t at;

	(void)state;
	if ((vectors_json = json_load_file(KAGURA_VECTORS, 0, &jerr)) == NULL)
		return -1;
	hex = json_string_value(json_object_get(vectors_json, "_attestation_ca_cert_der_hex"));
	n = strlen(hex) / 2;
	for (size_t i = 0; i < n && i < sizeof(der); i++)
		sscanf(hex + 2 * i, "%2hhx", &der[i]);
	if ((ca = d2i_X509(NULL, &p, (long)n)) == NULL || !wa_time_parse("2025-06-01", &at) ||
	    wa_trust_init(&trust, at) != WA_OK || wa_trust_add_cert(&trust, ca) != WA_OK)
		return -1;
	json_object_foreach(vectors_json, name, j)
	{
		if (name[0] == '_')
			continue;
		if (n_vecs == sizeof(vecs) / sizeof(vecs[0]) ||
		    load_vector(name, j, &vecs[n_vecs]) != 0)
			return -1;
		n_vecs++;
	}
	return n_vecs == 15 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_vecs; i++) {
		vector *v = &vecs[i];
		wa_blob *blobs[] = {&v->reg_cdata,  &v->attobj,  &v->reg_chal, &v->cred_id,
		                    &v->auth_cdata, &v->auth_ad, &v->sig,      &v->auth_chal};
		for (size_t k = 0; k < sizeof(blobs) / sizeof(blobs[0]); k++)
			wa_blob_reset(blobs[k]);
		wa_credential_reset(&v->cred);
	}
	wa_trust_reset(&trust);
	X509_free(ca);
	json_decref(vectors_json);
	return 0;
}

int main(void)
{
	struct CMUnitTest tests[sizeof(vecs) / sizeof(vecs[0]) + 1];
	static const char *const names[] = {
	        "sctn-test-vectors-none-es256",
	        "sctn-test-vectors-packed-self-es256",
	        "sctn-test-vectors-none-es256-crossOrigin",
	        "sctn-test-vectors-none-es256-topOrigin",
	        "sctn-test-vectors-none-es256-long-credential-id",
	        "sctn-test-vectors-packed-es256",
	        "sctn-test-vectors-packed-es384",
	        "sctn-test-vectors-packed-es512",
	        "sctn-test-vectors-packed-rs256",
	        "sctn-test-vectors-packed-eddsa",
	        "sctn-test-vectors-packed-ed448",
	        "sctn-test-vectors-tpm-es256",
	        "sctn-test-vectors-android-key-es256",
	        "sctn-test-vectors-apple-es256",
	        "sctn-test-vectors-fido-u2f-es256",
	};
	size_t n = sizeof(names) / sizeof(names[0]);

	for (size_t i = 0; i < n; i++)
		tests[i] = (struct CMUnitTest){.name = names[i],
		                               .test_func = test_vector,
		                               .initial_state = (void *)names[i]};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_declared_counts_bounded);
	return _cmocka_run_group_tests("robustness", tests, n, setup, teardown);
}
