#include "authenticator/pc/cardtls.h"

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void au_cardtls_result_free(au_cardtls_result *r)
{
	if (r != NULL) {
		free(r->body);
		r->body = NULL;
		r->body_len = 0;
	}
}

void au_cardtls_as_response(const au_cardtls_result *r, const char *url, au_web_response *out)
{
	if (r == NULL || out == NULL)
		return;
	*out = (au_web_response){.err = r->err,
	                         .status = r->status,
	                         .url = (char *)url,
	                         .body = r->body,
	                         .body_len = r->body_len,
	                         .tls_alert_received = r->tls_alert_received,
	                         .tls_alert_sent = -1,
	                         .tls_cert_requested = r->tls_cert_requested};
	snprintf(out->error, sizeof(out->error), "%s", r->error);
}

/* The alert the server sent and whether it asked for a certificate (the result's fields). */
static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
                   SSL *ssl, void *arg)
{
	au_cardtls_result *out = arg;
	const unsigned char *b = buf;
	(void)version;
	(void)ssl;
	if (write_p)
		return;
	/* close_notify (0) and user_canceled (90) end a connection; they explain nothing. */
	if (content_type == SSL3_RT_ALERT && len >= 2 && b[1] != 0 && b[1] != 90)
		out->tls_alert_received = b[1];
	else if (content_type == SSL3_RT_HANDSHAKE && len >= 1 &&
	         b[0] == SSL3_MT_CERTIFICATE_REQUEST)
		out->tls_cert_requested = true;
}

/* What the TLS context set-up needs: the result to fill and the card to present (NULL none). */
typedef struct ctx_args {
	au_cardtls_result *out;
	const au_card *card;
} ctx_args;

static CURLcode ctx_cb(CURL *c, void *ssl_ctx, void *arg)
{
	ctx_args *a = arg;
	(void)c;
	SSL_CTX_set_msg_callback(ssl_ctx, msg_cb);
	SSL_CTX_set_msg_callback_arg(ssl_ctx, a->out);
	/* The card's objects, not PEM to decode on every connection. */
	if (a->card != NULL && au_card_cert(a->card) != NULL &&
	    !au_web_tls_use_identity(ssl_ctx, au_card_cert(a->card), au_card_chain(a->card),
	                             au_card_key(a->card))) {
		a->out->err = AU_WEB_ERR_TLS_CLIENT_CERT;
		return CURLE_SSL_CERTPROBLEM;
	}
	return CURLE_OK;
}

static bool wait_sock(CURL *c, bool for_write, long ms)
{
	curl_socket_t s;
	struct pollfd p;
	if (curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &s) != CURLE_OK || s == CURL_SOCKET_BAD)
		return false;
	p.fd = s;
	p.events = for_write ? POLLOUT : POLLIN;
	p.revents = 0;
	return poll(&p, 1, (int)ms) > 0;
}

static au_web_err fail(au_cardtls_result *out, au_web_err e, const char *what, CURLcode rc)
{
	out->err = e;
	snprintf(out->error, sizeof(out->error), "%s: %s", what, curl_easy_strerror(rc));
	return e;
}

/* Error class of a failed handshake or receive, from the alert seen. */
static au_web_err tls_class(const au_cardtls_result *out, CURLcode rc)
{
	switch (out->tls_alert_received) {
	case 42:
	case 43:
	case 44:
	case 45:
	case 46:
	case 48:
	case 49:
	case 116:
		return AU_WEB_ERR_TLS_CLIENT_REJECTED;
	default:
		break;
	}
	if (rc == CURLE_COULDNT_CONNECT)
		return AU_WEB_ERR_CONNECT;
	if (rc == CURLE_PEER_FAILED_VERIFICATION)
		return AU_WEB_ERR_TLS_SERVER_CERT;
	if (rc == CURLE_SSL_CONNECT_ERROR)
		return AU_WEB_ERR_TLS_HANDSHAKE;
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return AU_WEB_ERR_TIMEOUT;
	return AU_WEB_ERR_TRANSFER;
}

au_web_err au_cardtls_get(const char *url, const au_card *card, const au_cardtls_opts *opts,
                          au_cardtls_result *out)
{
	au_cardtls_opts none = {0};
	CURL *c = NULL;
	CURLU *u = NULL;
	char *host = NULL, *path = NULL, *query = NULL;
	char req[2048];
	ctx_args ctx = {.out = out, .card = card};
	CURLcode rc;
	size_t sent = 0, cap = 0;
	long timeout;
	int n;

	if (out == NULL)
		return AU_WEB_ERR_ARG;
	memset(out, 0, sizeof(*out));
	out->tls_alert_received = -1;
	if (opts == NULL)
		opts = &none;
	timeout = opts->timeout_ms > 0 ? opts->timeout_ms : 10000;
	if (url == NULL || strncmp(url, "https://", 8) != 0) {
		out->err = AU_WEB_ERR_URL;
		return out->err;
	}
	if ((u = curl_url()) == NULL || (c = curl_easy_init()) == NULL) {
		out->err = AU_WEB_ERR_NOMEM;
		goto done;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
		out->err = AU_WEB_ERR_URL;
		goto done;
	}
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	n = snprintf(req, sizeof(req),
	             "GET %s%s%s HTTP/1.1\r\nHost: %s\r\nAccept: text/html\r\nConnection: "
	             "close\r\n\r\n",
	             path, query ? "?" : "", query ? query : "", host);
	if (n < 0 || (size_t)n >= sizeof(req)) {
		out->err = AU_WEB_ERR_URL;
		goto done;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, ctx_cb);
	curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, &ctx);
	curl_easy_setopt(c, CURLOPT_PROXY, opts->proxy ? opts->proxy : "");
	if (opts->ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, opts->ca_file);
	if (opts->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		fail(out, out->err == AU_WEB_ERR_TLS_CLIENT_CERT ? out->err : tls_class(out, rc),
		     "handshake", rc);
		goto done;
	}
	out->handshake_done = true;
	if (opts->between != NULL && !opts->between(opts->arg)) {
		out->err = AU_WEB_ERR_ARG;
		snprintf(out->error, sizeof(out->error), "stopped between handshake and request");
		goto done;
	}
	while (sent < (size_t)n) {
		size_t k = 0;
		rc = curl_easy_send(c, req + sent, (size_t)n - sent, &k);
		if (rc == CURLE_AGAIN) {
			if (!wait_sock(c, true, timeout)) {
				fail(out, AU_WEB_ERR_TIMEOUT, "send", CURLE_OPERATION_TIMEDOUT);
				goto done;
			}
			continue;
		}
		if (rc != CURLE_OK) {
			fail(out, tls_class(out, rc), "send", rc);
			goto done;
		}
		sent += k;
	}
	for (;;) {
		char buf[4096];
		size_t k = 0;
		rc = curl_easy_recv(c, buf, sizeof(buf), &k);
		if (rc == CURLE_AGAIN) {
			if (!wait_sock(c, false, timeout)) {
				fail(out, AU_WEB_ERR_TIMEOUT, "receive", CURLE_OPERATION_TIMEDOUT);
				goto done;
			}
			continue;
		}
		if (rc != CURLE_OK) {
			fail(out, out->body_len ? AU_WEB_ERR_TRANSFER : tls_class(out, rc),
			     "receive", rc);
			goto done;
		}
		if (k == 0)
			break;
		if (out->body_len + k + 1 > cap) {
			size_t ncap = (out->body_len + k + 1) * 2;
			char *nb;
			if (ncap > AU_WEB_MAX_BODY || (nb = realloc(out->body, ncap)) == NULL) {
				out->err = AU_WEB_ERR_TOO_LARGE;
				goto done;
			}
			out->body = nb;
			cap = ncap;
		}
		memcpy(out->body + out->body_len, buf, k);
		out->body_len += k;
		out->body[out->body_len] = '\0';
	}
	if (out->body_len == 0) {
		out->err = AU_WEB_ERR_EMPTY_REPLY;
		goto done;
	}
	{
		/* Status line; the body is what follows the blank line. */
		int major, minor;
		long status;
		char *sep = strstr(out->body, "\r\n\r\n");
		if (sscanf(out->body, "HTTP/%d.%d %ld", &major, &minor, &status) != 3 ||
		    sep == NULL) {
			out->err = AU_WEB_ERR_TRANSFER;
			snprintf(out->error, sizeof(out->error), "not an HTTP answer");
			goto done;
		}
		out->status = status;
		sep += 4;
		out->body_len -= (size_t)(sep - out->body);
		memmove(out->body, sep, out->body_len + 1);
	}
	out->err = AU_WEB_OK;
done:
	curl_free(host);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	curl_easy_cleanup(c);
	return out->err;
}
