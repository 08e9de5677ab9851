#include "authenticator/device/ctaphid.h"
#include "authenticator/device/u2f.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authenticator/device/ctap.h"

#define CTAPHID_WINK 0x08 /* not in ctap.h: only this file answers it */
#define FRAME_INIT   0x80 /* bit 7 of the fifth byte marks an initialization packet */
/* A packet (§11.2.4): the CID (bytes 0-3), then CMD, BCNTH, BCNTL (initialization) or SEQ. */
#define PKT_CMD     4
#define PKT_BCNTH   5
#define PKT_BCNTL   6
#define PKT_SEQ     4
#define INIT_HEADER 7 /* CID, CMD, BCNTH, BCNTL */
#define CONT_HEADER 5 /* CID, SEQ */
#define INIT_DATA   (CTAPHID_PACKET - INIT_HEADER)
#define CONT_DATA   (CTAPHID_PACKET - CONT_HEADER)
#define INIT_NONCE  8
#define INIT_REPLY  17 /* nonce, CID, protocol, major, minor, build, capabilities */
/* Where each of those is in the CTAPHID_INIT answer (§11.2.9.1.3), after the nonce. */
#define INIT_REPLY_CID          8
#define INIT_REPLY_PROTOCOL     12
#define INIT_REPLY_MAJOR        13
#define INIT_REPLY_MINOR        14
#define INIT_REPLY_BUILD        15
#define INIT_REPLY_CAPABILITIES 16
#define HID_MAGIC               0x6b484944u /* "kHID": a kagura:<pointer> path must name a live au_hid */

/* An allocated channel and the request being reassembled on it. */
typedef struct channel {
	uint32_t cid; /* 0: the slot is free */
	unsigned long last_use;
	bool busy; /* continuation packets are expected */
	uint8_t cmd;
	uint8_t next_seq;
	size_t need, have;
	uint8_t msg[CTAPHID_MAX_MESSAGE];
} channel;

/* One queued input report; a KEEPALIVE run is one entry read repeat times. */
typedef struct report {
	uint8_t pkt[CTAPHID_PACKET];
	unsigned long repeat;
} report;

struct au_hid {
	uint32_t magic;
	au_ctap *ctap;
	char path[sizeof(AU_HID_PATH_PREFIX) + 2 * sizeof(void *) + 8];
	channel channels[AU_HID_CHANNELS];
	uint32_t next_cid;
	unsigned long tick; /* orders channel use, to reuse the stalest slot */
	report queue[AU_HID_QUEUE];
	size_t head, count;
	unsigned long dropped;
	au_ctap_reply reply; /* kept here: 7.6 KB is too much for the caller's stack */
};

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

au_hid *au_hid_new(au_ctap *ctap)
{
	au_hid *hid;

	if (ctap == NULL || (hid = calloc(1, sizeof(*hid))) == NULL)
		return NULL;
	hid->magic = HID_MAGIC;
	hid->ctap = ctap;
	hid->next_cid = 1;
	snprintf(hid->path, sizeof(hid->path), AU_HID_PATH_PREFIX "%p", (void *)hid);
	return hid;
}

void au_hid_free(au_hid *hid)
{
	if (hid == NULL)
		return;
	/* A path kept by mistake must not name this memory once it is reused. */
	hid->magic = 0;
	free(hid);
}

const char *au_hid_path(const au_hid *hid)
{
	return hid->path;
}

size_t au_hid_pending(const au_hid *hid)
{
	size_t n = 0;

	for (size_t i = 0; i < hid->count; i++)
		n += hid->queue[(hid->head + i) % AU_HID_QUEUE].repeat;
	return n;
}

unsigned long au_hid_dropped(const au_hid *hid)
{
	return hid->dropped;
}

/* ---- input reports ---- */

static report *queue_slot(au_hid *hid, size_t i)
{
	return &hid->queue[(hid->head + hid->count + i) % AU_HID_QUEUE];
}

static size_t packets_for(size_t len)
{
	return len <= INIT_DATA ? 1 : 1 + (len - INIT_DATA + CONT_DATA - 1) / CONT_DATA;
}

/* Frames one message on cid, after a run of keepalives; all of it or (queue full) none. */
static void queue_message(au_hid *hid, uint32_t cid, uint8_t cmd, const uint8_t *data, size_t len,
                          int keepalives, uint8_t keepalive_status)
{
	size_t n = packets_for(len) + (keepalives > 0);
	size_t i = 0, off;
	report *r;

	/* Like hidraw, a device whose reports are not read loses the new ones. */
	if (n > AU_HID_QUEUE - hid->count) {
		hid->dropped++;
		return;
	}
	if (keepalives > 0) {
		r = queue_slot(hid, i++);
		memset(r->pkt, 0, sizeof(r->pkt));
		put_be32(r->pkt, cid);
		r->pkt[PKT_CMD] = FRAME_INIT | CTAPHID_KEEPALIVE;
		r->pkt[PKT_BCNTL] = 1;
		r->pkt[INIT_HEADER] = keepalive_status;
		r->repeat = (unsigned long)keepalives;
	}
	r = queue_slot(hid, i++);
	memset(r->pkt, 0, sizeof(r->pkt));
	put_be32(r->pkt, cid);
	r->pkt[PKT_CMD] = FRAME_INIT | cmd;
	r->pkt[PKT_BCNTH] = (uint8_t)(len >> 8);
	r->pkt[PKT_BCNTL] = (uint8_t)len;
	off = len < INIT_DATA ? len : INIT_DATA;
	if (off > 0)
		memcpy(r->pkt + INIT_HEADER, data, off);
	r->repeat = 1;
	for (uint8_t seq = 0; off < len; seq++) {
		size_t chunk = len - off < CONT_DATA ? len - off : CONT_DATA;

		r = queue_slot(hid, i++);
		memset(r->pkt, 0, sizeof(r->pkt));
		put_be32(r->pkt, cid);
		r->pkt[PKT_SEQ] = seq;
		memcpy(r->pkt + CONT_HEADER, data + off, chunk);
		r->repeat = 1;
		off += chunk;
	}
	hid->count += i;
}

static void queue_error(au_hid *hid, uint32_t cid, uint8_t code)
{
	queue_message(hid, cid, CTAPHID_ERROR, &code, 1, 0, 0);
}

static void queue_clear(au_hid *hid)
{
	hid->head = 0;
	hid->count = 0;
}

/* ---- channels ---- */

static channel *lookup_channel(au_hid *hid, uint32_t cid)
{
	if (cid == 0 || cid == CTAPHID_BROADCAST_CID)
		return NULL;
	for (size_t i = 0; i < AU_HID_CHANNELS; i++)
		if (hid->channels[i].cid == cid)
			return &hid->channels[i];
	return NULL;
}

/* The allocated channel a packet names, marked as just used; NULL for any other CID. */
static channel *find_channel(au_hid *hid, uint32_t cid)
{
	channel *ch = lookup_channel(hid, cid);

	if (ch != NULL)
		ch->last_use = ++hid->tick;
	return ch;
}

/* A fresh CID in a free slot, or in the least recently used one (its host has gone quiet). */
static uint32_t allocate_channel(au_hid *hid)
{
	channel *slot = &hid->channels[0];
	uint32_t cid;

	for (size_t i = 0; i < AU_HID_CHANNELS; i++) {
		channel *c = &hid->channels[i];

		if (c->cid == 0) {
			slot = c;
			break;
		}
		if (c->last_use < slot->last_use)
			slot = c;
	}
	slot->cid = 0;
	do {
		cid = hid->next_cid++;
	} while (cid == 0 || cid == CTAPHID_BROADCAST_CID || lookup_channel(hid, cid) != NULL);
	slot->cid = cid;
	slot->busy = false;
	slot->last_use = ++hid->tick;
	return cid;
}

/* ---- requests ---- */

static void on_init(au_hid *hid, uint32_t cid, size_t bcnt, const uint8_t *nonce)
{
	uint8_t out[INIT_REPLY];
	uint32_t new_cid;

	if (cid == 0) {
		queue_error(hid, cid, CTAPHID_ERR_INVALID_CHANNEL);
		return;
	}
	if (cid == CTAPHID_BROADCAST_CID) {
		if (bcnt != INIT_NONCE) {
			queue_error(hid, cid, CTAPHID_ERR_INVALID_LEN);
			return;
		}
		new_cid = allocate_channel(hid);
	} else {
		channel *ch = find_channel(hid, cid);

		if (ch == NULL) {
			queue_error(hid, cid, CTAPHID_ERR_INVALID_CHANNEL);
			return;
		}
		/* INIT on an allocated channel resynchronises it: any half-sent request is gone. */
		ch->busy = false;
		if (bcnt != INIT_NONCE) {
			queue_error(hid, cid, CTAPHID_ERR_INVALID_LEN);
			return;
		}
		new_cid = cid;
	}
	memcpy(out, nonce, INIT_NONCE);
	put_be32(out + INIT_REPLY_CID, new_cid);
	out[INIT_REPLY_PROTOCOL] = AU_HID_PROTOCOL;
	out[INIT_REPLY_MAJOR] = AU_HID_VERSION_MAJOR;
	out[INIT_REPLY_MINOR] = AU_HID_VERSION_MINOR;
	out[INIT_REPLY_BUILD] = AU_HID_VERSION_BUILD;
	/* A U2F-mode key speaks CTAPHID_MSG only; a FIDO2 one CBOR only (NMSG). */
	out[INIT_REPLY_CAPABILITIES] =
	        hid->ctap->dev->settings.protocol == AU_PROTOCOL_U2F
	                ? CTAPHID_CAP_WINK
	                : CTAPHID_CAP_CBOR | CTAPHID_CAP_WINK | CTAPHID_CAP_NMSG;
	queue_message(hid, cid, CTAPHID_INIT, out, sizeof(out), 0, 0);
}

static void on_cbor(au_hid *hid, uint32_t cid, const uint8_t *req, size_t len)
{
	au_ctap_reply *reply = &hid->reply;

	reply->len = 0;
	reply->keepalives = 0;
	reply->keepalive_status = CTAPHID_KEEPALIVE_PROCESSING;
	au_ctap2_handle(hid->ctap, req, len, reply);
	/* A reply too long to frame is the processor's bug: say so rather than truncate. */
	if (reply->len > sizeof(reply->buf)) {
		queue_error(hid, cid, CTAPHID_ERR_OTHER);
		return;
	}
	queue_message(hid, cid, CTAPHID_CBOR, reply->buf, reply->len, reply->keepalives,
	              reply->keepalive_status);
}

static void on_msg(au_hid *hid, uint32_t cid, const uint8_t *apdu, size_t len)
{
	au_ctap_reply *reply = &hid->reply;

	au_u2f_handle(hid->ctap, apdu, len, reply);
	queue_message(hid, cid, CTAPHID_MSG, reply->buf, reply->len, 0, 0);
}

/* A whole request arrived on ch. */
static void dispatch(au_hid *hid, channel *ch)
{
	ch->busy = false;
	switch (ch->cmd) {
	case CTAPHID_PING:
		queue_message(hid, ch->cid, CTAPHID_PING, ch->msg, ch->need, 0, 0);
		break;
	case CTAPHID_WINK:
		queue_message(hid, ch->cid, CTAPHID_WINK, NULL, 0, 0, 0);
		break;
	case CTAPHID_CBOR:
		on_cbor(hid, ch->cid, ch->msg, ch->need);
		break;
	case CTAPHID_MSG:
		on_msg(hid, ch->cid, ch->msg, ch->need);
		break;
	default:
		queue_error(hid, ch->cid, CTAPHID_ERR_INVALID_CMD);
		break;
	}
}

/* The shortest and longest payload a command may carry; false for commands not served. */
static bool command_limits(const au_hid *hid, uint8_t cmd, size_t *min, size_t *max)
{
	bool u2f = hid->ctap->dev->settings.protocol == AU_PROTOCOL_U2F;

	if (cmd == CTAPHID_MSG && u2f) {
		*min = 4; /* an APDU header */
		*max = CTAPHID_MAX_MESSAGE;
		return true;
	}
	if (cmd == CTAPHID_CBOR && u2f)
		return false;
	switch (cmd) {
	case CTAPHID_PING:
		*min = 0;
		*max = CTAPHID_MAX_MESSAGE;
		return true;
	case CTAPHID_WINK:
		*min = 0;
		*max = 0;
		return true;
	case CTAPHID_CBOR:
		*min = 1; /* the CTAP2 command byte */
		*max = CTAPHID_MAX_MESSAGE;
		return true;
	default:
		/* CTAPHID_MSG in FIDO2 mode included: NMSG says this device speaks no CTAP1/U2F. */
		return false;
	}
}

static void on_init_packet(au_hid *hid, const uint8_t *pkt)
{
	uint32_t cid = get_be32(pkt);
	uint8_t cmd = pkt[PKT_CMD] & (uint8_t)~FRAME_INIT;
	size_t bcnt = (size_t)pkt[PKT_BCNTH] << 8 | pkt[PKT_BCNTL];
	size_t min, max;
	channel *ch;

	if (cmd == CTAPHID_INIT) {
		on_init(hid, cid, bcnt, pkt + INIT_HEADER);
		return;
	}
	if ((ch = find_channel(hid, cid)) == NULL) {
		queue_error(hid, cid, CTAPHID_ERR_INVALID_CHANNEL);
		return;
	}
	if (cmd == CTAPHID_CANCEL) {
		/* Requests run to completion as they arrive; only a half-sent one is left to drop.
		 */
		ch->busy = false;
		return;
	}
	if (ch->busy) {
		/* A continuation packet was due: both requests are abandoned. */
		ch->busy = false;
		queue_error(hid, cid, CTAPHID_ERR_INVALID_SEQ);
		return;
	}
	if (!command_limits(hid, cmd, &min, &max)) {
		queue_error(hid, cid, CTAPHID_ERR_INVALID_CMD);
		return;
	}
	if (bcnt < min || bcnt > max) {
		queue_error(hid, cid, CTAPHID_ERR_INVALID_LEN);
		return;
	}
	ch->cmd = cmd;
	ch->need = bcnt;
	ch->have = bcnt < INIT_DATA ? bcnt : INIT_DATA;
	ch->next_seq = 0;
	memcpy(ch->msg, pkt + INIT_HEADER, ch->have);
	if (ch->have == ch->need)
		dispatch(hid, ch);
	else
		ch->busy = true;
}

static void on_cont_packet(au_hid *hid, const uint8_t *pkt)
{
	uint32_t cid = get_be32(pkt);
	uint8_t seq = pkt[PKT_SEQ];
	channel *ch;
	size_t chunk;

	if ((ch = find_channel(hid, cid)) == NULL) {
		queue_error(hid, cid, CTAPHID_ERR_INVALID_CHANNEL);
		return;
	}
	/* A continuation nobody asked for (a late packet of an aborted request) is ignored. */
	if (!ch->busy)
		return;
	if (seq != ch->next_seq) {
		ch->busy = false;
		queue_error(hid, cid, CTAPHID_ERR_INVALID_SEQ);
		return;
	}
	chunk = ch->need - ch->have < CONT_DATA ? ch->need - ch->have : CONT_DATA;
	memcpy(ch->msg + ch->have, pkt + CONT_HEADER, chunk);
	ch->have += chunk;
	ch->next_seq++;
	if (ch->have == ch->need)
		dispatch(hid, ch);
}

/* ---- fido_dev_io_t ---- */

void *au_hid_io_open(const char *path)
{
	const size_t plen = sizeof(AU_HID_PATH_PREFIX) - 1;
	void *ptr = NULL;
	char extra;
	au_hid *hid;

	if (path == NULL || strncmp(path, AU_HID_PATH_PREFIX, plen) != 0 ||
	    sscanf(path + plen, "%p%c", &ptr, &extra) != 1 || ptr == NULL)
		return NULL;
	hid = ptr;
	if (hid->magic != HID_MAGIC || strcmp(hid->path, path) != 0)
		return NULL;
	/* A new handle, like a new hidraw descriptor, sees no reports meant for an earlier one. */
	queue_clear(hid);
	return hid;
}

void au_hid_io_close(void *handle)
{
	au_hid *hid = handle;

	if (hid != NULL)
		queue_clear(hid);
}

int au_hid_io_read(void *handle, unsigned char *buf, size_t len, int ms)
{
	au_hid *hid = handle;
	report *r;

	/* Synchronous device: whatever a request produces is queued already, so never wait. */
	(void)ms;
	if (hid == NULL || buf == NULL || len != CTAPHID_PACKET || hid->count == 0)
		return -1;
	r = &hid->queue[hid->head];
	memcpy(buf, r->pkt, CTAPHID_PACKET);
	if (--r->repeat == 0) {
		hid->head = (hid->head + 1) % AU_HID_QUEUE;
		hid->count--;
	}
	return CTAPHID_PACKET;
}

int au_hid_io_write(void *handle, const unsigned char *buf, size_t len)
{
	au_hid *hid = handle;
	const uint8_t *pkt;

	if (hid == NULL || buf == NULL || len != AU_HID_REPORT_OUT || buf[0] != 0)
		return -1;
	pkt = buf + 1;
	if (pkt[PKT_CMD] & FRAME_INIT)
		on_init_packet(hid, pkt);
	else
		on_cont_packet(hid, pkt);
	return AU_HID_REPORT_OUT;
}
