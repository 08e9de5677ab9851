/*
 * The CTAPHID device (authenticator/device/ctaphid.c) driven with hand-built 65-byte
 * reports: INIT, PING and CBOR framing, every CTAPHID error, KEEPALIVE runs,
 * hostile input, and libfido2 1.12 opening it through fido_glue.c as a host.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <cmocka.h>
#include <fido.h>

#include "authenticator/device/ctap.h"
#include "authenticator/device/ctaphid.h"
#include "authenticator/device/fido_glue.h"
#include "webauthn/clock.h"

#define WINK      0x08
#define INIT_DATA 57
#define CONT_DATA 59

/* One device stack per test: settings, command processor, HID framing. */
typedef struct rig {
	au_device dev;
	wa_clock clock;
	au_ctap ctap;
	au_hid *hid;
} rig;

static int rig_setup(void **state)
{
	rig *r = calloc(1, sizeof(*r));

	if (r == NULL || au_device_init(&r->dev, "test") != AU_OK)
		return -1;
	r->clock = wa_clock_fixed(1748736000);
	au_ctap_init(&r->ctap, &r->dev, &r->clock, NULL, NULL);
	if ((r->hid = au_hid_new(&r->ctap)) == NULL)
		return -1;
	*state = r;
	return 0;
}

static int rig_teardown(void **state)
{
	rig *r = *state;

	au_hid_free(r->hid);
	au_device_free(&r->dev);
	free(r);
	return 0;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void write_report(au_hid *hid, const uint8_t report[AU_HID_REPORT_OUT])
{
	assert_int_equal(au_hid_io_write(hid, report, AU_HID_REPORT_OUT), AU_HID_REPORT_OUT);
}

/* An initialization packet declaring bcnt bytes, carrying the first n of data. */
static void send_init(au_hid *hid, uint32_t cid, uint8_t cmd, size_t bcnt, const void *data,
                      size_t n)
{
	uint8_t rep[AU_HID_REPORT_OUT] = {0};

	put_be32(rep + 1, cid);
	rep[5] = 0x80 | cmd;
	rep[6] = (uint8_t)(bcnt >> 8);
	rep[7] = (uint8_t)bcnt;
	if (n > 0)
		memcpy(rep + 8, data, n);
	write_report(hid, rep);
}

static void send_cont(au_hid *hid, uint32_t cid, uint8_t seq, const void *data, size_t n)
{
	uint8_t rep[AU_HID_REPORT_OUT] = {0};

	put_be32(rep + 1, cid);
	rep[5] = seq;
	if (n > 0)
		memcpy(rep + 6, data, n);
	write_report(hid, rep);
}

/* A whole message, split as a host splits it. */
static void send_msg(au_hid *hid, uint32_t cid, uint8_t cmd, const uint8_t *data, size_t len)
{
	size_t off = len < INIT_DATA ? len : INIT_DATA;

	send_init(hid, cid, cmd, len, data, off);
	for (uint8_t seq = 0; off < len; seq++) {
		size_t n = len - off < CONT_DATA ? len - off : CONT_DATA;
		send_cont(hid, cid, seq, data + off, n);
		off += n;
	}
}

static void read_packet(au_hid *hid, uint8_t pkt[CTAPHID_PACKET])
{
	assert_int_equal(au_hid_io_read(hid, pkt, CTAPHID_PACKET, 0), CTAPHID_PACKET);
}

/* Reads one framed message on cid, after any KEEPALIVEs; returns its command (frame bit off). */
static uint8_t recv_msg(au_hid *hid, uint32_t cid, uint8_t *buf, size_t cap, size_t *len)
{
	uint8_t pkt[CTAPHID_PACKET], cmd;
	size_t need, off;

	do {
		read_packet(hid, pkt);
		assert_int_equal(get_be32(pkt), cid);
		assert_true(pkt[4] & 0x80);
		cmd = pkt[4] & 0x7f;
	} while (cmd == CTAPHID_KEEPALIVE);
	need = (size_t)pkt[5] << 8 | pkt[6];
	assert_true(need <= cap);
	off = need < INIT_DATA ? need : INIT_DATA;
	memcpy(buf, pkt + 7, off);
	for (uint8_t seq = 0; off < need; seq++) {
		size_t n = need - off < CONT_DATA ? need - off : CONT_DATA;

		read_packet(hid, pkt);
		assert_int_equal(get_be32(pkt), cid);
		assert_int_equal(pkt[4], seq);
		memcpy(buf + off, pkt + 5, n);
		off += n;
	}
	*len = need;
	return cmd;
}

/* The next message must be CTAPHID_ERROR with code on cid, and nothing may follow it. */
static void expect_error(au_hid *hid, uint32_t cid, uint8_t code)
{
	uint8_t buf[8];
	size_t len;

	assert_int_equal(recv_msg(hid, cid, buf, sizeof(buf), &len), CTAPHID_ERROR);
	assert_int_equal(len, 1);
	assert_int_equal(buf[0], code);
	assert_int_equal(au_hid_pending(hid), 0);
}

static void expect_nothing(au_hid *hid)
{
	uint8_t pkt[CTAPHID_PACKET];

	assert_int_equal(au_hid_pending(hid), 0);
	assert_int_equal(au_hid_io_read(hid, pkt, sizeof(pkt), 0), -1);
}

/* INIT on the broadcast channel; returns the allocated CID after checking the reply. */
static uint32_t open_channel(au_hid *hid)
{
	static const uint8_t nonce[8] = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67};
	uint8_t buf[32];
	size_t len;
	uint32_t cid;

	send_init(hid, CTAPHID_BROADCAST_CID, CTAPHID_INIT, sizeof(nonce), nonce, sizeof(nonce));
	assert_int_equal(recv_msg(hid, CTAPHID_BROADCAST_CID, buf, sizeof(buf), &len),
	                 CTAPHID_INIT);
	assert_int_equal(len, 17);
	assert_memory_equal(buf, nonce, sizeof(nonce));
	cid = get_be32(buf + 8);
	assert_int_not_equal(cid, 0);
	assert_int_not_equal(cid, CTAPHID_BROADCAST_CID);
	return cid;
}

/* A CTAP2 request over CTAPHID_CBOR; the reply (status byte, then CBOR) into buf. */
static size_t cbor_call(au_hid *hid, uint32_t cid, const uint8_t *req, size_t req_len, uint8_t *buf,
                        size_t cap)
{
	size_t len;

	send_msg(hid, cid, CTAPHID_CBOR, req, req_len);
	assert_int_equal(recv_msg(hid, cid, buf, cap, &len), CTAPHID_CBOR);
	assert_true(len >= 1);
	return len;
}

/* ---- INIT ---- */

static void init_allocates_and_echoes(void **state)
{
	rig *r = *state;
	static const uint8_t nonce[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	uint8_t pkt[CTAPHID_PACKET];
	uint32_t a, b;

	send_init(r->hid, CTAPHID_BROADCAST_CID, CTAPHID_INIT, 8, nonce, 8);
	assert_int_equal(au_hid_pending(r->hid), 1);
	read_packet(r->hid, pkt);
	/* Broadcast CID, INIT with the frame bit, 17 bytes. */
	assert_int_equal(get_be32(pkt), CTAPHID_BROADCAST_CID);
	assert_int_equal(pkt[4], 0x80 | CTAPHID_INIT);
	assert_int_equal(pkt[5], 0);
	assert_int_equal(pkt[6], 17);
	assert_memory_equal(pkt + 7, nonce, 8);
	a = get_be32(pkt + 15);
	assert_int_not_equal(a, 0);
	assert_int_not_equal(a, CTAPHID_BROADCAST_CID);
	assert_int_equal(pkt[19], 2); /* CTAPHID protocol version */
	assert_int_equal(pkt[20], AU_HID_VERSION_MAJOR);
	assert_int_equal(pkt[21], AU_HID_VERSION_MINOR);
	assert_int_equal(pkt[22], AU_HID_VERSION_BUILD);
	assert_int_equal(pkt[23], CTAPHID_CAP_CBOR | CTAPHID_CAP_WINK | CTAPHID_CAP_NMSG);
	for (size_t i = 24; i < CTAPHID_PACKET; i++)
		assert_int_equal(pkt[i], 0);
	expect_nothing(r->hid);

	b = open_channel(r->hid);
	assert_int_not_equal(a, b);
	/* Both channels work side by side. */
	send_init(r->hid, a, CTAPHID_PING, 1, "a", 1);
	send_init(r->hid, b, CTAPHID_PING, 1, "b", 1);
	read_packet(r->hid, pkt);
	assert_int_equal(get_be32(pkt), a);
	assert_int_equal(pkt[7], 'a');
	read_packet(r->hid, pkt);
	assert_int_equal(get_be32(pkt), b);
	assert_int_equal(pkt[7], 'b');
}

static void init_resyncs_a_channel(void **state)
{
	rig *r = *state;
	static const uint8_t nonce[8] = {9, 9, 9, 9, 8, 8, 8, 8};
	uint8_t data[100] = {0}, buf[32];
	size_t len;
	uint32_t cid = open_channel(r->hid);

	/* Half a PING, then INIT on the same channel: the same CID answers, the PING is gone. */
	send_init(r->hid, cid, CTAPHID_PING, sizeof(data), data, INIT_DATA);
	send_init(r->hid, cid, CTAPHID_INIT, 8, nonce, 8);
	assert_int_equal(recv_msg(r->hid, cid, buf, sizeof(buf), &len), CTAPHID_INIT);
	assert_int_equal(len, 17);
	assert_memory_equal(buf, nonce, 8);
	assert_int_equal(get_be32(buf + 8), cid);
	send_cont(r->hid, cid, 0, data + INIT_DATA, sizeof(data) - INIT_DATA);
	expect_nothing(r->hid);

	/* INIT must carry exactly the 8-byte nonce. */
	send_init(r->hid, CTAPHID_BROADCAST_CID, CTAPHID_INIT, 7, nonce, 7);
	expect_error(r->hid, CTAPHID_BROADCAST_CID, CTAPHID_ERR_INVALID_LEN);
	send_init(r->hid, cid, CTAPHID_INIT, 9, nonce, 8);
	expect_error(r->hid, cid, CTAPHID_ERR_INVALID_LEN);
	/* INIT on a CID never allocated, and on the reserved CID 0. */
	send_init(r->hid, 0x0badcafe, CTAPHID_INIT, 8, nonce, 8);
	expect_error(r->hid, 0x0badcafe, CTAPHID_ERR_INVALID_CHANNEL);
	send_init(r->hid, 0, CTAPHID_INIT, 8, nonce, 8);
	expect_error(r->hid, 0, CTAPHID_ERR_INVALID_CHANNEL);
}

/* More hosts than channel slots: the least recently used channel is the one reused. */
static void channels_are_recycled(void **state)
{
	rig *r = *state;
	uint32_t cids[AU_HID_CHANNELS + 1];

	for (size_t i = 0; i < AU_HID_CHANNELS; i++)
		cids[i] = open_channel(r->hid);
	/* Touch the first one so the second becomes the stalest. */
	send_init(r->hid, cids[0], WINK, 0, NULL, 0);
	assert_int_equal(au_hid_pending(r->hid), 1);
	au_hid_io_close(r->hid);
	cids[AU_HID_CHANNELS] = open_channel(r->hid);
	send_init(r->hid, cids[1], WINK, 0, NULL, 0);
	expect_error(r->hid, cids[1], CTAPHID_ERR_INVALID_CHANNEL);
	for (size_t i = 0; i <= AU_HID_CHANNELS; i++) {
		uint8_t buf[4];
		size_t len;

		if (i == 1)
			continue;
		send_init(r->hid, cids[i], WINK, 0, NULL, 0);
		assert_int_equal(recv_msg(r->hid, cids[i], buf, sizeof(buf), &len), WINK);
		assert_int_equal(len, 0);
	}
}

/* ---- PING ---- */

static void ping_round_trips(void **state)
{
	rig *r = *state;
	static const size_t sizes[] = {0, 1, 56, 57, 58, 116, 117, 300, 1024, CTAPHID_MAX_MESSAGE};
	static uint8_t data[CTAPHID_MAX_MESSAGE], buf[CTAPHID_MAX_MESSAGE];
	uint32_t cid = open_channel(r->hid);

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t len, n = sizes[k];
		size_t packets =
		        n <= INIT_DATA ? 1 : 1 + (n - INIT_DATA + CONT_DATA - 1) / CONT_DATA;

		send_msg(r->hid, cid, CTAPHID_PING, data, n);
		assert_int_equal(au_hid_pending(r->hid), packets);
		assert_int_equal(recv_msg(r->hid, cid, buf, sizeof(buf), &len), CTAPHID_PING);
		assert_int_equal(len, n);
		if (n > 0)
			assert_memory_equal(buf, data, n);
		expect_nothing(r->hid);
	}
	/* The largest message is 129 packets: continuation sequence numbers 0..127. */
	assert_int_equal(1 + (CTAPHID_MAX_MESSAGE - INIT_DATA) / CONT_DATA, 129);
}

/* ---- CBOR ---- */

static void cbor_get_info(void **state)
{
	rig *r = *state;
	static uint8_t buf[CTAPHID_MAX_MESSAGE];
	const uint8_t req = CTAP2_GET_INFO;
	uint32_t cid = open_channel(r->hid);
	struct cbor_load_result res;
	cbor_item_t *info;
	size_t len = cbor_call(r->hid, cid, &req, 1, buf, sizeof(buf));
	int found = 0;

	assert_int_equal(buf[0], CTAP2_OK);
	info = cbor_load(buf + 1, len - 1, &res);
	assert_non_null(info);
	assert_int_equal(res.read, len - 1);
	assert_true(cbor_isa_map(info));
	for (size_t i = 0; i < cbor_map_size(info); i++) {
		struct cbor_pair p = cbor_map_handle(info)[i];

		if (cbor_isa_uint(p.key) && cbor_get_int(p.key) == 3) {
			assert_int_equal(cbor_bytestring_length(p.value), 16);
			assert_memory_equal(cbor_bytestring_handle(p.value), r->dev.settings.aaguid,
			                    16);
			found = 1;
		}
	}
	assert_true(found);
	cbor_decref(&info);
	expect_nothing(r->hid);
}

static void put_pair(cbor_item_t *map, cbor_item_t *key, cbor_item_t *value)
{
	assert_true(cbor_map_add(map, (struct cbor_pair){.key = key, .value = value}));
	cbor_decref(&key);
	cbor_decref(&value);
}

/* authenticatorMakeCredential with names long enough to need several continuation packets. */
static size_t make_credential_request(uint8_t **out)
{
	cbor_item_t *m = cbor_new_definite_map(4), *rp = cbor_new_definite_map(2);
	cbor_item_t *user = cbor_new_definite_map(3), *params = cbor_new_definite_array(1);
	cbor_item_t *alg = cbor_new_definite_map(2);
	uint8_t cdh[32], uid[32], *body = NULL;
	char name[120];
	size_t body_len, size;

	memset(cdh, 0x11, sizeof(cdh));
	memset(uid, 0x22, sizeof(uid));
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	put_pair(rp, cbor_build_string("id"), cbor_build_string("example.org"));
	put_pair(rp, cbor_build_string("name"), cbor_build_string("Example"));
	put_pair(user, cbor_build_string("id"), cbor_build_bytestring(uid, sizeof(uid)));
	put_pair(user, cbor_build_string("name"), cbor_build_string(name));
	put_pair(user, cbor_build_string("displayName"), cbor_build_string(name));
	put_pair(alg, cbor_build_string("alg"), cbor_build_negint8(6));
	put_pair(alg, cbor_build_string("type"), cbor_build_string("public-key"));
	assert_true(cbor_array_push(params, alg));
	cbor_decref(&alg);
	put_pair(m, cbor_build_uint8(1), cbor_build_bytestring(cdh, sizeof(cdh)));
	put_pair(m, cbor_build_uint8(2), rp);
	put_pair(m, cbor_build_uint8(3), user);
	put_pair(m, cbor_build_uint8(4), params);
	body_len = cbor_serialize_alloc(m, &body, &size);
	cbor_decref(&m);
	assert_true(body_len > 0);
	*out = malloc(body_len + 1);
	assert_non_null(*out);
	(*out)[0] = CTAP2_MAKE_CREDENTIAL;
	memcpy(*out + 1, body, body_len);
	free(body);
	return body_len + 1;
}

/* A request over several packets reaches the processor whole; its long reply comes back framed. */
static void cbor_request_is_reassembled(void **state)
{
	rig *r = *state;
	static uint8_t buf[CTAPHID_MAX_MESSAGE];
	uint32_t cid = open_channel(r->hid);
	struct cbor_load_result res;
	cbor_item_t *att;
	uint8_t *req;
	size_t req_len = make_credential_request(&req), len;

	assert_true(req_len > INIT_DATA + 2 * CONT_DATA); /* init + at least 3 continuations */
	len = cbor_call(r->hid, cid, req, req_len, buf, sizeof(buf));
	free(req);
	assert_int_equal(buf[0], CTAP2_OK);
	assert_true(len > INIT_DATA); /* the attestation object spans packets too */
	att = cbor_load(buf + 1, len - 1, &res);
	assert_non_null(att);
	assert_int_equal(res.read, len - 1);
	assert_true(cbor_isa_map(att));
	cbor_decref(&att);
	assert_int_equal(r->dev.n_credentials, 1);
	/* The processor saw the whole user name: a truncated request could not have parsed. */
	assert_int_equal(strlen(r->dev.credentials[0].user_name), 119);
	expect_nothing(r->hid);
}

/* A delay setting becomes KEEPALIVE reports ahead of the reply, as ctap2.c asks. */
static void keepalives_precede_reply(void **state)
{
	rig *r = *state;
	static uint8_t buf[CTAPHID_MAX_MESSAGE];
	uint8_t pkt[CTAPHID_PACKET];
	const uint8_t req = CTAP2_GET_INFO;
	const char *why = NULL;
	uint32_t cid = open_channel(r->hid);
	size_t len;

	assert_int_equal(au_device_set(&r->dev, "delay_ms", "300", &why), AU_OK);
	send_msg(r->hid, cid, CTAPHID_CBOR, &req, 1);
	assert_true(au_hid_pending(r->hid) >= 4);
	for (int i = 0; i < 3; i++) {
		read_packet(r->hid, pkt);
		assert_int_equal(get_be32(pkt), cid);
		assert_int_equal(pkt[4], 0x80 | CTAPHID_KEEPALIVE);
		assert_int_equal(pkt[5], 0);
		assert_int_equal(pkt[6], 1);
		assert_int_equal(pkt[7], CTAPHID_KEEPALIVE_PROCESSING);
	}
	assert_int_equal(recv_msg(r->hid, cid, buf, sizeof(buf), &len), CTAPHID_CBOR);
	assert_int_equal(buf[0], CTAP2_OK);
	expect_nothing(r->hid);
}

/* ---- errors ---- */

static void bad_sequence(void **state)
{
	rig *r = *state;
	uint8_t data[200] = {0}, buf[256];
	uint32_t cid = open_channel(r->hid);
	size_t len;

	/* seq 1 where 0 is due. */
	send_init(r->hid, cid, CTAPHID_PING, sizeof(data), data, INIT_DATA);
	send_cont(r->hid, cid, 1, data, CONT_DATA);
	expect_error(r->hid, cid, CTAPHID_ERR_INVALID_SEQ);
	/* The rest of the abandoned request is ignored. */
	send_cont(r->hid, cid, 2, data, CONT_DATA);
	expect_nothing(r->hid);

	/* A repeated sequence number. */
	send_init(r->hid, cid, CTAPHID_PING, sizeof(data), data, INIT_DATA);
	send_cont(r->hid, cid, 0, data, CONT_DATA);
	send_cont(r->hid, cid, 0, data, CONT_DATA);
	expect_error(r->hid, cid, CTAPHID_ERR_INVALID_SEQ);

	/* A new request before the last one was finished. */
	send_init(r->hid, cid, CTAPHID_PING, sizeof(data), data, INIT_DATA);
	send_init(r->hid, cid, CTAPHID_PING, 1, data, 1);
	expect_error(r->hid, cid, CTAPHID_ERR_INVALID_SEQ);

	/* A continuation with no request open is dropped silently, then the channel still works. */
	send_cont(r->hid, cid, 0, data, CONT_DATA);
	expect_nothing(r->hid);
	send_msg(r->hid, cid, CTAPHID_PING, data, sizeof(data));
	assert_int_equal(recv_msg(r->hid, cid, buf, sizeof(buf), &len), CTAPHID_PING);
	assert_int_equal(len, sizeof(data));
}

static void unknown_channel(void **state)
{
	rig *r = *state;
	const uint8_t req = CTAP2_GET_INFO;
	uint32_t cid = open_channel(r->hid);

	send_init(r->hid, cid + 1, CTAPHID_CBOR, 1, &req, 1);
	expect_error(r->hid, cid + 1, CTAPHID_ERR_INVALID_CHANNEL);
	send_cont(r->hid, cid + 1, 0, &req, 1);
	expect_error(r->hid, cid + 1, CTAPHID_ERR_INVALID_CHANNEL);
	/* Only INIT may use the broadcast CID; 0 is reserved. */
	send_init(r->hid, CTAPHID_BROADCAST_CID, CTAPHID_CBOR, 1, &req, 1);
	expect_error(r->hid, CTAPHID_BROADCAST_CID, CTAPHID_ERR_INVALID_CHANNEL);
	send_init(r->hid, CTAPHID_BROADCAST_CID, CTAPHID_PING, 1, &req, 1);
	expect_error(r->hid, CTAPHID_BROADCAST_CID, CTAPHID_ERR_INVALID_CHANNEL);
	send_init(r->hid, 0, CTAPHID_PING, 1, &req, 1);
	expect_error(r->hid, 0, CTAPHID_ERR_INVALID_CHANNEL);
}

/* INIT packets the device refuses: the command, the length declared, the bytes carried (zeros). */
typedef struct refusal {
	uint8_t cmd;
	size_t declared, carried;
	uint8_t error;
} refusal;

static void expect_refusals(rig *r, uint32_t cid, const refusal *t, size_t n)
{
	static const uint8_t zeros[INIT_DATA];

	for (size_t i = 0; i < n; i++) {
		send_init(r->hid, cid, t[i].cmd, t[i].declared, zeros, t[i].carried);
		expect_error(r->hid, cid, t[i].error);
	}
}

static void bad_length(void **state)
{
	static const refusal t[] = {
	        /* CBOR needs at least the CTAP2 command byte. */
	        {CTAPHID_CBOR, 0, 0, CTAPHID_ERR_INVALID_LEN},
	        /* Longer than 128 continuation packets can carry. */
	        {CTAPHID_PING, CTAPHID_MAX_MESSAGE + 1, INIT_DATA, CTAPHID_ERR_INVALID_LEN},
	        {CTAPHID_CBOR, 0xffff, INIT_DATA, CTAPHID_ERR_INVALID_LEN},
	        /* WINK takes no data. */
	        {WINK, 1, 1, CTAPHID_ERR_INVALID_LEN},
	};
	rig *r = *state;
	uint8_t data[CONT_DATA] = {0};
	uint32_t cid = open_channel(r->hid);

	expect_refusals(r, cid, t, sizeof(t) / sizeof(t[0]));
	/* The channel is not left waiting for continuations after a refused request. */
	send_cont(r->hid, cid, 0, data, CONT_DATA);
	expect_nothing(r->hid);
}

static void unknown_command(void **state)
{
	static const refusal t[] = {
	        /* No CTAP1/U2F: the INIT reply says NMSG. */
	        {CTAPHID_MSG, 8, 8, CTAPHID_ERR_INVALID_CMD},
	        {0x55, 1, 1, CTAPHID_ERR_INVALID_CMD},
	        {0x04, 1, 1, CTAPHID_ERR_INVALID_CMD}, /* LOCK: not offered */
	        /* Replies a device sends are not requests. */
	        {CTAPHID_KEEPALIVE, 1, 1, CTAPHID_ERR_INVALID_CMD},
	        {CTAPHID_ERROR, 1, 1, CTAPHID_ERR_INVALID_CMD},
	        /* An unknown command's declared length does not open a transaction (below). */
	        {0x70, 500, 8, CTAPHID_ERR_INVALID_CMD},
	};
	rig *r = *state;
	uint8_t data[8] = {0}, buf[4];
	uint32_t cid = open_channel(r->hid);
	size_t len;

	expect_refusals(r, cid, t, sizeof(t) / sizeof(t[0]));
	send_cont(r->hid, cid, 0, data, sizeof(data));
	expect_nothing(r->hid);
	/* WINK is offered: an empty WINK answers. */
	send_init(r->hid, cid, WINK, 0, NULL, 0);
	assert_int_equal(recv_msg(r->hid, cid, buf, sizeof(buf), &len), WINK);
	assert_int_equal(len, 0);
}

static void cancel_is_silent(void **state)
{
	rig *r = *state;
	uint8_t data[100] = {0}, buf[128];
	uint32_t cid = open_channel(r->hid);
	size_t len;

	send_init(r->hid, cid, CTAPHID_CANCEL, 0, NULL, 0);
	expect_nothing(r->hid);
	/* CANCEL in the middle of a request drops that request. */
	send_init(r->hid, cid, CTAPHID_PING, sizeof(data), data, INIT_DATA);
	send_init(r->hid, cid, CTAPHID_CANCEL, 0, NULL, 0);
	send_cont(r->hid, cid, 0, data, CONT_DATA);
	expect_nothing(r->hid);
	send_msg(r->hid, cid, CTAPHID_PING, data, sizeof(data));
	assert_int_equal(recv_msg(r->hid, cid, buf, sizeof(buf), &len), CTAPHID_PING);
	/* CANCEL on a channel nobody owns is still an unknown channel. */
	send_init(r->hid, cid + 7, CTAPHID_CANCEL, 0, NULL, 0);
	expect_error(r->hid, cid + 7, CTAPHID_ERR_INVALID_CHANNEL);
}

/* ---- the io functions as libfido2 calls them ---- */

static void io_contract(void **state)
{
	rig *r = *state;
	uint8_t rep[AU_HID_REPORT_OUT + 1] = {0}, pkt[CTAPHID_PACKET + 1];
	char path[64];

	/* Writes are report id 0 plus exactly one packet. */
	assert_int_equal(au_hid_io_write(r->hid, rep, AU_HID_REPORT_OUT - 1), -1);
	assert_int_equal(au_hid_io_write(r->hid, rep, AU_HID_REPORT_OUT + 1), -1);
	rep[0] = 1;
	assert_int_equal(au_hid_io_write(r->hid, rep, AU_HID_REPORT_OUT), -1);
	assert_int_equal(au_hid_io_write(NULL, rep, AU_HID_REPORT_OUT), -1);
	assert_int_equal(au_hid_io_write(r->hid, NULL, AU_HID_REPORT_OUT), -1);
	/* Reads are exactly 64 bytes; nothing queued fails at once, whatever the timeout. */
	assert_int_equal(au_hid_io_read(r->hid, pkt, CTAPHID_PACKET, -1), -1);
	assert_int_equal(au_hid_io_read(r->hid, pkt, CTAPHID_PACKET, 5000), -1);
	open_channel(r->hid);
	send_init(r->hid, CTAPHID_BROADCAST_CID, CTAPHID_INIT, 8, "12345678", 8);
	assert_int_equal(au_hid_io_read(r->hid, pkt, CTAPHID_PACKET + 1, 0), -1);
	assert_int_equal(au_hid_io_read(r->hid, pkt, CTAPHID_PACKET - 1, 0), -1);
	assert_int_equal(au_hid_io_read(NULL, pkt, CTAPHID_PACKET, 0), -1);

	/* Open takes only this device's own path, and a fresh handle starts with nothing to read.
	 */
	assert_int_equal(
	        strncmp(au_hid_path(r->hid), AU_HID_PATH_PREFIX, strlen(AU_HID_PATH_PREFIX)), 0);
	assert_ptr_equal(au_hid_io_open(au_hid_path(r->hid)), r->hid);
	assert_int_equal(au_hid_pending(r->hid), 0);
	assert_null(au_hid_io_open(NULL));
	assert_null(au_hid_io_open("/dev/hidraw0"));
	assert_null(au_hid_io_open(AU_HID_PATH_PREFIX));
	assert_null(au_hid_io_open(AU_HID_PATH_PREFIX "0"));
	assert_null(au_hid_io_open(AU_HID_PATH_PREFIX "zz"));
	snprintf(path, sizeof(path), "%sx", au_hid_path(r->hid));
	assert_null(au_hid_io_open(path));
	au_hid_io_close(r->hid);
	au_hid_io_close(NULL);
	assert_null(au_hid_new(NULL));
	au_hid_free(NULL);
}

/* A host that never reads: new replies are dropped (and counted), nothing overflows. */
static void unread_replies_are_dropped(void **state)
{
	rig *r = *state;
	static uint8_t data[CTAPHID_MAX_MESSAGE];
	uint32_t cid = open_channel(r->hid);
	size_t len;

	for (int i = 0; i < 10; i++)
		send_msg(r->hid, cid, CTAPHID_PING, data, sizeof(data));
	assert_true(au_hid_pending(r->hid) <= AU_HID_QUEUE);
	assert_true(au_hid_dropped(r->hid) > 0);
	/* What was kept is whole messages. */
	while (au_hid_pending(r->hid) > 0) {
		assert_int_equal(recv_msg(r->hid, cid, data, sizeof(data), &len), CTAPHID_PING);
		assert_int_equal(len, sizeof(data));
	}
}

/* xorshift64*: deterministic hostile reports. */
static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint8_t rnd8(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint8_t)((rng_state * 0x2545f4914f6cdd1dull) >> 56);
}

/* Random reports on live, dead and special CIDs, with real CTAP2 commands among them. */
static void hostile_reports(void **state)
{
	rig *r = *state;
	static const uint8_t cmds[] = {CTAPHID_INIT,      CTAPHID_PING, CTAPHID_CBOR,
	                               CTAPHID_CANCEL,    CTAPHID_MSG,  WINK,
	                               CTAPHID_KEEPALIVE, CTAPHID_ERROR};
	static const uint8_t ctap_cmds[] = {CTAP2_GET_INFO,
	                                    CTAP2_MAKE_CREDENTIAL,
	                                    CTAP2_GET_ASSERTION,
	                                    CTAP2_GET_NEXT_ASSERTION,
	                                    CTAP2_SELECTION,
	                                    0x00,
	                                    0xff};
	uint32_t live[4];
	uint8_t rep[AU_HID_REPORT_OUT], pkt[CTAPHID_PACKET];

	for (size_t i = 0; i < 4; i++)
		live[i] = open_channel(r->hid);
	for (int iter = 0; iter < 200000; iter++) {
		uint8_t pick = rnd8();
		uint32_t cid;

		for (size_t i = 0; i < sizeof(rep); i++)
			rep[i] = rnd8();
		rep[0] = 0;
		if (pick < 160)
			cid = live[pick & 3];
		else if (pick < 200)
			cid = CTAPHID_BROADCAST_CID;
		else if (pick < 210)
			cid = 0;
		else
			cid = (uint32_t)rnd8() << 24 | (uint32_t)rnd8() << 16 | rnd8();
		put_be32(rep + 1, cid);
		if (rnd8() < 128) {
			/* Mostly real commands with short, plausible lengths. */
			rep[5] = 0x80 | cmds[rnd8() % sizeof(cmds)];
			if (rnd8() < 200) {
				rep[6] = 0;
				rep[7] = rnd8() & 0x7f;
			}
			if ((rep[5] & 0x7f) == CTAPHID_CBOR)
				rep[8] = ctap_cmds[rnd8() % sizeof(ctap_cmds)];
		} else if (rnd8() < 128) {
			rep[5] &= 0x7f; /* continuation */
			rep[5] &= 0x07; /* small sequence numbers, which can be in order */
		}
		assert_int_equal(au_hid_io_write(r->hid, rep, sizeof(rep)), AU_HID_REPORT_OUT);
		if (rnd8() < 64)
			while (au_hid_io_read(r->hid, pkt, sizeof(pkt), 0) == CTAPHID_PACKET)
				;
		/* Allocating INITs on the broadcast channel evict live channels: refresh them. */
		if ((iter & 1023) == 0) {
			au_hid_io_close(r->hid);
			for (size_t i = 0; i < 4; i++)
				live[i] = open_channel(r->hid);
		}
	}
	au_hid_io_close(r->hid);
	/* After all that, a fresh channel still answers correctly. */
	{
		uint8_t buf[8];
		size_t len;
		uint32_t cid = open_channel(r->hid);

		send_init(r->hid, cid, CTAPHID_PING, 3, "abc", 3);
		assert_int_equal(recv_msg(r->hid, cid, buf, sizeof(buf), &len), CTAPHID_PING);
		assert_int_equal(len, 3);
		assert_memory_equal(buf, "abc", 3);
	}
}

/* ---- libfido2 as the host ---- */

static void libfido2_round_trip(void **state)
{
	rig *r = *state;
	fido_dev_t *dev = NULL;
	fido_cbor_info_t *info;
	const char *why = NULL;

	fido_init(FIDO_DISABLE_U2F_FALLBACK);
	/* Keepalives on the way: libfido2 must skip them. */
	assert_int_equal(au_device_set(&r->dev, "delay_ms", "250", &why), AU_OK);
	assert_int_equal(au_fido_open(r->hid, &dev), FIDO_OK);
	assert_non_null(dev);
	assert_true(fido_dev_is_fido2(dev));
	assert_int_equal(fido_dev_protocol(dev), 2);
	assert_int_equal(fido_dev_flags(dev),
	                 CTAPHID_CAP_CBOR | CTAPHID_CAP_WINK | CTAPHID_CAP_NMSG);
	assert_int_equal(fido_dev_major(dev), AU_HID_VERSION_MAJOR);
	assert_int_equal(fido_dev_minor(dev), AU_HID_VERSION_MINOR);

	assert_non_null(info = fido_cbor_info_new());
	assert_int_equal(fido_dev_get_cbor_info(dev, info), FIDO_OK);
	assert_int_equal(fido_cbor_info_aaguid_len(info), 16);
	assert_memory_equal(fido_cbor_info_aaguid_ptr(info), r->dev.settings.aaguid, 16);
	fido_cbor_info_free(&info);

	/* A second open of the same device (a second host handle) works too. */
	{
		fido_dev_t *other = NULL;

		assert_int_equal(au_fido_open(r->hid, &other), FIDO_OK);
		assert_true(fido_dev_is_fido2(other));
		au_fido_close(&other);
		assert_null(other);
	}
	assert_int_equal(fido_dev_close(dev), FIDO_OK);
	fido_dev_free(&dev);
	au_fido_close(&dev); /* NULL is fine */
}

/* libfido2 builds and frames a MakeCredential; the credential it gets back parses. */
static void libfido2_make_credential(void **state)
{
	rig *r = *state;
	fido_dev_t *dev = NULL;
	fido_cred_t *cred;
	uint8_t cdh[32], uid[16];

	memset(cdh, 0x5a, sizeof(cdh));
	memset(uid, 0x33, sizeof(uid));
	fido_init(FIDO_DISABLE_U2F_FALLBACK);
	assert_int_equal(au_fido_open(r->hid, &dev), FIDO_OK);
	assert_non_null(cred = fido_cred_new());
	assert_int_equal(fido_cred_set_type(cred, COSE_ES256), FIDO_OK);
	assert_int_equal(fido_cred_set_clientdata_hash(cred, cdh, sizeof(cdh)), FIDO_OK);
	assert_int_equal(fido_cred_set_rp(cred, "example.org", "Example"), FIDO_OK);
	assert_int_equal(fido_cred_set_user(cred, uid, sizeof(uid), "alice", "Alice", NULL),
	                 FIDO_OK);
	assert_int_equal(fido_dev_make_cred(dev, cred, NULL), FIDO_OK);
	assert_string_equal(fido_cred_fmt(cred), "none");
	assert_true(fido_cred_id_len(cred) > 0);
	assert_int_equal(fido_cred_pubkey_len(cred), 64);
	assert_int_equal(r->dev.n_credentials, 1);
	fido_cred_free(&cred);
	au_fido_close(&dev);
	assert_null(dev);
}

static void libfido2_refuses_other_paths(void **state)
{
	fido_dev_t *dev = NULL;

	(void)state;
	assert_int_not_equal(au_fido_open(NULL, &dev), FIDO_OK);
	assert_null(dev);
}

/* A test with the rig: the device behind a HID pipe. */
#define RIG(fn) cmocka_unit_test_setup_teardown(fn, rig_setup, rig_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        RIG(init_allocates_and_echoes),
	        RIG(init_resyncs_a_channel),
	        RIG(channels_are_recycled),
	        RIG(ping_round_trips),
	        RIG(cbor_get_info),
	        RIG(cbor_request_is_reassembled),
	        RIG(keepalives_precede_reply),
	        RIG(bad_sequence),
	        RIG(unknown_channel),
	        RIG(bad_length),
	        RIG(unknown_command),
	        RIG(cancel_is_silent),
	        RIG(io_contract),
	        RIG(unread_replies_are_dropped),
	        RIG(hostile_reports),
	        RIG(libfido2_round_trip),
	        RIG(libfido2_make_credential),
	        cmocka_unit_test(libfido2_refuses_other_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
