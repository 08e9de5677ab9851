#include "vuser.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "softauthn.h"
#include "webauthn/b64url.h"
#include "webauthn/cose.h"
#include "webauthn/json_read.h"
#include "webauthn/json_write.h"

#define MAX_REPLY       (256 * 1024) /* any answer of the API is far smaller */
#define REQUEST_TIMEOUT 30L          /* seconds; the slowest peer at 64 users is well under */
#define FLAG_UP         0x01
#define FLAG_UV         0x04

/* Where a ceremony stands: which of its two requests is on the handle. */
typedef enum phase { PHASE_IDLE, PHASE_OPTIONS, PHASE_RESULT } phase;

struct bh_vuser {
	CURL *curl;
	struct curl_slist *headers;
	const bh_target *target;
	const atomic_bool *window;
	char *reply; /* the last answer's body, NUL-terminated */
	size_t reply_len;
	bool reply_overflow;
	sa_credential cred; /* the credential last registered */
	uint32_t counter;   /* its signature counter as the server last accepted it */
	float *lat_ms;
	size_t n_lat, cap_lat;
	/* The ceremony under way (bh_vuser_start .. the bh_vuser_step that ends it). */
	phase phase;
	bh_ceremony kind;
	bh_tamper tamper;
	const char *path;   /* the request on the handle */
	char *request;      /* its body (curl reads it in place until the request ends) */
	sa_credential made; /* a registration's new credential, until the server accepts it */
};

/* ---- HTTP ---- */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ctx)
{
	bh_vuser *u = ctx;
	size_t n = size * nmemb;
	char *grown;

	if (u->reply_len + n > MAX_REPLY) {
		u->reply_overflow = true;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	if ((grown = realloc(u->reply, u->reply_len + n + 1)) == NULL)
		return 0;
	u->reply = grown;
	memcpy(u->reply + u->reply_len, ptr, n);
	u->reply_len += n;
	u->reply[u->reply_len] = '\0';
	return n;
}

bh_vuser *bh_vuser_new(const bh_target *target, const atomic_bool *window)
{
	bh_vuser *u = calloc(1, sizeof(*u));

	if (u == NULL)
		return NULL;
	u->target = target;
	u->window = window;
	u->curl = curl_easy_init();
	/* "Expect:" off: a registration body can pass curl's 100-continue threshold. */
	u->headers = curl_slist_append(NULL, "Content-Type: application/json");
	u->headers = u->headers ? curl_slist_append(u->headers, "Expect:") : NULL;
	if (u->curl == NULL || u->headers == NULL) {
		bh_vuser_free(&u);
		return NULL;
	}
	curl_easy_setopt(u->curl, CURLOPT_HTTPHEADER, u->headers);
	curl_easy_setopt(u->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(u->curl, CURLOPT_WRITEDATA, u);
	curl_easy_setopt(u->curl, CURLOPT_COOKIEFILE, ""); /* this user's own cookie jar */
	curl_easy_setopt(u->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(u->curl, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(u->curl, CURLOPT_TIMEOUT, REQUEST_TIMEOUT);
	return u;
}

void bh_vuser_free(bh_vuser **up)
{
	bh_vuser *u = *up;

	if (u == NULL)
		return;
	curl_easy_cleanup(u->curl);
	curl_slist_free_all(u->headers);
	sa_credential_free(&u->cred);
	sa_credential_free(&u->made);
	free(u->request);
	free(u->reply);
	free(u->lat_ms);
	free(u);
	*up = NULL;
}

bool bh_vuser_use_credential(bh_vuser *u, EVP_PKEY *key, const uint8_t *id, size_t id_len,
                             uint32_t counter)
{
	sa_credential_free(&u->cred);
	if (EVP_PKEY_up_ref(key) != 1)
		return false;
	u->cred.key = key;
	u->cred.alg = WA_COSE_ES256;
	u->counter = counter;
	if (wa_blob_set(&u->cred.id, id, id_len) != WA_OK) {
		sa_credential_free(&u->cred);
		return false;
	}
	return true;
}

const float *bh_vuser_latencies(const bh_vuser *u, size_t *n)
{
	*n = u->n_lat;
	return u->lat_ms;
}

static void record(bh_vuser *u, double ms)
{
	if (u->window == NULL || !atomic_load(u->window))
		return;
	if (u->n_lat == u->cap_lat) {
		size_t cap = u->cap_lat ? u->cap_lat * 2 : 1024;
		float *grown = realloc(u->lat_ms, cap * sizeof(*grown));
		if (grown == NULL)
			return;
		u->lat_ms = grown;
		u->cap_lat = cap;
	}
	u->lat_ms[u->n_lat++] = (float)ms;
}

/* Sets up a POST of body (its reference taken) to path on the handle; false when it cannot. */
static bool prepare(bh_vuser *u, const char *path, json_t *body, char *msg, size_t size)
{
	char url[256];
	size_t len = 0;

	free(u->request);
	u->request = body ? wa_json_dumps(body, &len) : NULL;
	json_decref(body);
	if (u->request == NULL) {
		snprintf(msg, size, "%s: cannot build the request", path);
		return false;
	}
	snprintf(url, sizeof(url), "%s%s", u->target->base_url, path);
	u->path = path;
	u->reply_len = 0;
	u->reply_overflow = false;
	curl_easy_setopt(u->curl, CURLOPT_URL, url);
	curl_easy_setopt(u->curl, CURLOPT_POSTFIELDS, u->request);
	curl_easy_setopt(u->curl, CURLOPT_POSTFIELDSIZE, (long)len);
	return true;
}

/*
 * The request on the handle ended with rc: BH_OK with the answer in *reply (when reply is not
 * NULL); BH_REFUSED with its errorMessage in msg.
 */
static bh_outcome finish(bh_vuser *u, CURLcode rc, json_t **reply, char *msg, size_t size)
{
	json_t *root = NULL;
	const char *status, *why;
	long code = 0;
	curl_off_t took = 0; /* microseconds */
	bh_outcome out = BH_BROKEN;

	if (reply != NULL)
		*reply = NULL;
	/* libcurl's own timing, from the transfer's start to its last byte (curl -w %{time_total}):
	 * not the time the event loop took to come back to this user after it. */
	if (rc == CURLE_OK && curl_easy_getinfo(u->curl, CURLINFO_TOTAL_TIME_T, &took) == CURLE_OK)
		record(u, (double)took / 1e3);
	free(u->request);
	u->request = NULL;
	if (rc != CURLE_OK) {
		snprintf(msg, size, "%s: %s", u->path,
		         u->reply_overflow ? "answer too long" : curl_easy_strerror(rc));
		return BH_BROKEN;
	}
	curl_easy_getinfo(u->curl, CURLINFO_RESPONSE_CODE, &code);
	if (u->reply_len > 0)
		root = wa_json_loadb(u->reply, u->reply_len, 0, NULL);
	status = json_string_value(json_object_get(root, "status"));
	if (status != NULL && strcmp(status, "ok") == 0) {
		out = BH_OK;
		if (reply != NULL) {
			*reply = root;
			root = NULL;
		}
	} else if (status != NULL && strcmp(status, "failed") == 0) {
		why = json_string_value(json_object_get(root, "errorMessage"));
		snprintf(msg, size, "%s", why && why[0] ? why : "(no errorMessage)");
		out = BH_REFUSED;
	} else {
		snprintf(msg, size, "%s: HTTP %ld without the API's status member", u->path, code);
	}
	json_decref(root);
	return out;
}

/* ---- ceremonies ---- */

/* The options' challenge, which the soft authenticator signs as 32 bytes. */
static bool challenge_of(const json_t *options, uint8_t out[32], char *msg, size_t size)
{
	const char *text = json_string_value(json_object_get(options, "challenge"));
	wa_blob raw = {0};
	bool ok = false;

	if (text == NULL || wa_b64url_decode(text, strlen(text), &raw) != WA_OK)
		snprintf(msg, size, "the options carry no base64url challenge");
	else if (raw.len != 32)
		snprintf(msg, size, "a %zu-byte challenge; the soft authenticator signs 32",
		         raw.len);
	else {
		memcpy(out, raw.ptr, 32);
		ok = true;
	}
	wa_blob_reset(&raw);
	return ok;
}

static void flip_signature(wa_blob *sig)
{
	/* The last byte of DER's s: still a well-formed signature, just not a valid one. */
	if (sig->len > 0)
		sig->ptr[sig->len - 1] ^= 0x01;
}

static const sa_hooks bad_signature_hooks = {.signature = flip_signature};

static sa_params params_for(const bh_vuser *u, const uint8_t challenge[32], bh_tamper tamper)
{
	sa_params p = sa_default_params();

	p.rp_id = u->target->rp_id;
	p.origin = u->target->origin;
	p.flags = FLAG_UP | FLAG_UV;
	memcpy(p.challenge, challenge, sizeof(p.challenge));
	if (tamper == BH_WRONG_CHALLENGE)
		p.challenge[0] ^= 0xff;
	return p;
}

CURL *bh_vuser_curl(bh_vuser *u)
{
	return u->curl;
}

bh_outcome bh_vuser_start(bh_vuser *u, bh_ceremony kind, const char *username, bh_tamper tamper,
                          char *msg, size_t size)
{
	json_t *body;

	u->kind = kind;
	u->tamper = tamper;
	u->phase = PHASE_IDLE;
	if (kind == BH_AUTHENTICATION && u->cred.key == NULL) {
		snprintf(msg, size, "no credential registered yet");
		return BH_BROKEN;
	}
	if (kind == BH_REGISTRATION)
		body = json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "username", username,
		                 "displayName", username, "attestation", "direct",
		                 "authenticatorSelection", "residentKey", "discouraged",
		                 "userVerification", "preferred");
	else
		body = json_pack("{s:s, s:s}", "username", username, "userVerification",
		                 "preferred");
	if (!prepare(u, kind == BH_REGISTRATION ? "/attestation/options" : "/assertion/options",
	             body, msg, size))
		return BH_BROKEN;
	u->phase = PHASE_OPTIONS;
	return BH_PENDING;
}

/* The options answered: the soft authenticator signs, and the result request is set up. */
static bh_outcome sign_and_prepare(bh_vuser *u, json_t *options, char *msg, size_t size)
{
	const sa_hooks *hooks = u->tamper == BH_BAD_SIGNATURE ? &bad_signature_hooks : NULL;
	uint8_t challenge[32];
	json_t *resp;
	sa_params p;

	if (!challenge_of(options, challenge, msg, size))
		return BH_BROKEN;
	p = params_for(u, challenge, u->tamper);
	if (u->kind == BH_REGISTRATION) {
		p.fmt = "packed-self";
		p.sign_count = 0;
		sa_credential_free(&u->made);
		resp = sa_register(&p, hooks, NULL, &u->made);
	} else {
		p.sign_count = u->counter + 1;
		resp = sa_authenticate(&p, hooks, &u->cred);
	}
	if (resp == NULL) {
		snprintf(msg, size, "the soft authenticator failed to %s",
		         u->kind == BH_REGISTRATION ? "register" : "sign");
		return BH_BROKEN;
	}
	if (!prepare(u, u->kind == BH_REGISTRATION ? "/attestation/result" : "/assertion/result",
	             resp, msg, size))
		return BH_BROKEN;
	u->phase = PHASE_RESULT;
	return BH_PENDING;
}

bh_outcome bh_vuser_step(bh_vuser *u, CURLcode rc, char *msg, size_t size)
{
	json_t *options = NULL;
	bh_outcome out;

	if (u->phase == PHASE_OPTIONS) {
		u->phase = PHASE_IDLE;
		if ((out = finish(u, rc, &options, msg, size)) == BH_OK)
			out = sign_and_prepare(u, options, msg, size);
		json_decref(options);
		return out;
	}
	if (u->phase != PHASE_RESULT) {
		snprintf(msg, size, "no ceremony under way");
		return BH_BROKEN;
	}
	u->phase = PHASE_IDLE;
	out = finish(u, rc, NULL, msg, size);
	if (out == BH_OK && u->tamper == BH_HONEST && u->kind == BH_REGISTRATION) {
		sa_credential_free(&u->cred);
		u->cred = u->made;
		memset(&u->made, 0, sizeof(u->made));
		u->counter = 0;
	} else if (out == BH_OK && u->tamper == BH_HONEST) {
		u->counter++;
	}
	sa_credential_free(&u->made);
	return out;
}

/* A whole ceremony on this thread, request after request. */
static bh_outcome run(bh_vuser *u, bh_ceremony kind, const char *username, bh_tamper tamper,
                      char *msg, size_t size)
{
	bh_outcome out = bh_vuser_start(u, kind, username, tamper, msg, size);

	while (out == BH_PENDING)
		out = bh_vuser_step(u, curl_easy_perform(u->curl), msg, size);
	return out;
}

bh_outcome bh_register(bh_vuser *u, const char *username, bh_tamper tamper, char *msg, size_t size)
{
	return run(u, BH_REGISTRATION, username, tamper, msg, size);
}

bh_outcome bh_authenticate(bh_vuser *u, const char *username, bh_tamper tamper, char *msg,
                           size_t size)
{
	return run(u, BH_AUTHENTICATION, username, tamper, msg, size);
}
