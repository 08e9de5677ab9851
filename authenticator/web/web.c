#include "authenticator/web/web.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What the TLS layer said, collected from OpenSSL's message callback during one request. */
typedef struct tls_watch {
	int alert_received;
	int alert_sent;
	bool cert_requested;
} tls_watch;

struct au_web {
	/*
	 * Two handles because libcurl cannot switch a cookie engine off once it
	 * is on: jar always has it, bare never does and serves "cookies blocked".
	 */
	CURL *jar;
	CURL *bare; /* made on first use */
	char *jar_path;
	bool cookies;
	char *proxy, *proxy_user, *proxy_password;
	char *source_address;
	long timeout_ms;
	char *user_agent, *accept_language;
	char *ca_file;
	char *ca_pem;
	size_t ca_pem_len;
	bool insecure;
	/* Client certificate: the two paths, or the certificate, its chain and key as the card
	 * holds them (one reference each), handed to each connection's TLS context as they are:
	 * nothing to decode again per connection. */
	char *cert_path, *key_path, *key_password;
	X509 *cert;
	STACK_OF(X509) * chain;
	EVP_PKEY *key;
	/* The client certificate changed: the next request opens a connection of its own rather
	 * than reuse one whose handshake presented another (libcurl does not see the objects). */
	bool identity_changed;
	tls_watch tls;
	char errbuf[CURL_ERROR_SIZE];
};

static const char *const messages[] = {
#define AU_WEB_ERROR_MSG(name, msg) [name] = msg,
        AU_WEB_ERROR_TABLE(AU_WEB_ERROR_MSG)
#undef AU_WEB_ERROR_MSG
};

static const char *const names[] = {
#define AU_WEB_ERROR_NAME(name, msg) [name] = #name,
        AU_WEB_ERROR_TABLE(AU_WEB_ERROR_NAME)
#undef AU_WEB_ERROR_NAME
};

const char *au_web_strerr(au_web_err err)
{
	return (unsigned)err < AU_WEB_ERR__COUNT ? messages[err] : "unknown error";
}

const char *au_web_errname(au_web_err err)
{
	return (unsigned)err < AU_WEB_ERR__COUNT ? names[err] : "AU_WEB_ERR_UNKNOWN";
}

void au_web_response_reset(au_web_response *r)
{
	free(r->url);
	free(r->content_type);
	free(r->body);
	memset(r, 0, sizeof(*r));
	r->tls_alert_received = -1;
	r->tls_alert_sent = -1;
}

/* ---- owned strings ---- */

/* Replaces *slot with a copy of s (NULL clears); false when out of memory. */
static bool set_str(char **slot, const char *s)
{
	char *copy = NULL;

	if (s != NULL && (copy = strdup(s)) == NULL)
		return false;
	free(*slot);
	*slot = copy;
	return true;
}

/* Frees a string that held a key or password: it must not linger in freed heap. */
static void free_secret(char **slot, size_t len)
{
	if (*slot != NULL) {
		OPENSSL_cleanse(*slot, len ? len : strlen(*slot));
		free(*slot);
		*slot = NULL;
	}
}

/* ---- cookie jar file ---- */

static au_web_err jar_load(au_web *web)
{
	FILE *f = fopen(web->jar_path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (f == NULL)
		return errno == ENOENT ? AU_WEB_OK : AU_WEB_ERR_IO;
	/*
	 * Line by line into the engine rather than CURLOPT_COOKIEFILE: that
	 * option loads lazily at the first transfer, and a jar saved before any
	 * transfer would then overwrite the file with nothing.
	 */
	while ((n = getline(&line, &cap, f)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		/* Comments are skipped, but "#HttpOnly_" lines are cookies. */
		if (n == 0 || (line[0] == '#' && strncmp(line, "#HttpOnly_", 10) != 0))
			continue;
		curl_easy_setopt(web->jar, CURLOPT_COOKIELIST, line);
	}
	free(line);
	fclose(f);
	return AU_WEB_OK;
}

au_web_err au_web_save(au_web *web)
{
	struct curl_slist *list = NULL, *it;
	size_t plen;
	char *tmp;
	int fd;
	FILE *f;
	int bad;

	if (web == NULL)
		return AU_WEB_ERR_ARG;
	if (web->jar_path == NULL)
		return AU_WEB_OK;
	if (curl_easy_getinfo(web->jar, CURLINFO_COOKIELIST, &list) != CURLE_OK)
		return AU_WEB_ERR_NOMEM;
	plen = strlen(web->jar_path);
	if ((tmp = malloc(plen + 5)) == NULL) {
		curl_slist_free_all(list);
		return AU_WEB_ERR_NOMEM;
	}
	memcpy(tmp, web->jar_path, plen);
	memcpy(tmp + plen, ".tmp", 5);
	/* Cookies are credentials (AUTH_SESSION_ID, KEYCLOAK_IDENTITY): owner-only. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		curl_slist_free_all(list);
		free(tmp);
		return AU_WEB_ERR_IO;
	}
	fputs("# Netscape HTTP Cookie File\n# kagura-harness simulated browser\n\n", f);
	for (it = list; it != NULL; it = it->next)
		fprintf(f, "%s\n", it->data);
	curl_slist_free_all(list);
	bad = ferror(f);
	bad |= fclose(f) != 0;
	/* Written whole and then renamed: a crash never leaves half a jar. */
	if (bad || rename(tmp, web->jar_path) != 0) {
		unlink(tmp);
		free(tmp);
		return AU_WEB_ERR_IO;
	}
	free(tmp);
	return AU_WEB_OK;
}

/* ---- life cycle ---- */

au_web *au_web_new(const char *cookie_jar_path)
{
	au_web *web = calloc(1, sizeof(*web));

	if (web == NULL)
		return NULL;
	web->cookies = true;
	web->timeout_ms = 30000;
	if ((web->jar = curl_easy_init()) == NULL ||
	    (cookie_jar_path != NULL && (web->jar_path = strdup(cookie_jar_path)) == NULL))
		goto fail;
	/* An empty file name turns the engine on without reading anything. */
	if (curl_easy_setopt(web->jar, CURLOPT_COOKIEFILE, "") != CURLE_OK)
		goto fail;
	if (web->jar_path != NULL && jar_load(web) != AU_WEB_OK)
		goto fail;
	return web;
fail:
	/* Not au_web_free: that would save, and a jar we could not read must stay as it is. */
	curl_easy_cleanup(web->jar);
	free(web->jar_path);
	free(web);
	return NULL;
}

void au_web_free(au_web *web)
{
	if (web == NULL)
		return;
	(void)au_web_save(web);
	curl_easy_cleanup(web->jar);
	curl_easy_cleanup(web->bare);
	free(web->jar_path);
	free(web->proxy);
	free(web->source_address);
	free(web->proxy_user);
	free_secret(&web->proxy_password, 0);
	free(web->user_agent);
	free(web->accept_language);
	free(web->ca_file);
	free(web->ca_pem);
	au_web_clear_client_cert(web);
	free(web);
}

/* ---- settings ---- */

void au_web_set_cookies(au_web *web, bool enabled)
{
	web->cookies = enabled;
}

au_web_err au_web_clear_cookies(au_web *web)
{
	return curl_easy_setopt(web->jar, CURLOPT_COOKIELIST, "ALL") == CURLE_OK ? AU_WEB_OK
	                                                                         : AU_WEB_ERR_NOMEM;
}

au_web_err au_web_set_source_address(au_web *web, const char *address)
{
	char *text = NULL;

	if (address != NULL && address[0] != '\0') {
		size_t n = strlen(address) + sizeof("host!");
		if ((text = malloc(n)) == NULL)
			return AU_WEB_ERR_NOMEM;
		snprintf(text, n, "host!%s", address);
	}
	free(web->source_address);
	web->source_address = text;
	return AU_WEB_OK;
}

au_web_err au_web_set_proxy(au_web *web, const char *url, const char *user, const char *password)
{
	char *old_password = web->proxy_password;

	web->proxy_password = NULL;
	if (!set_str(&web->proxy, url) || !set_str(&web->proxy_user, url ? user : NULL) ||
	    !set_str(&web->proxy_password, url ? password : NULL)) {
		free_secret(&old_password, 0);
		return AU_WEB_ERR_NOMEM;
	}
	free_secret(&old_password, 0);
	return AU_WEB_OK;
}

void au_web_set_timeout_ms(au_web *web, long ms)
{
	web->timeout_ms = ms > 0 ? ms : 30000;
}

au_web_err au_web_set_user_agent(au_web *web, const char *ua)
{
	return set_str(&web->user_agent, ua) ? AU_WEB_OK : AU_WEB_ERR_NOMEM;
}

au_web_err au_web_set_accept_language(au_web *web, const char *lang)
{
	return set_str(&web->accept_language, lang) ? AU_WEB_OK : AU_WEB_ERR_NOMEM;
}

au_web_err au_web_set_ca_file(au_web *web, const char *ca_file)
{
	/* libcurl has no "back to the system bundle" once CAINFO is replaced. */
	if (ca_file == NULL)
		return AU_WEB_ERR_ARG;
	if (access(ca_file, R_OK) != 0)
		return AU_WEB_ERR_IO;
	if (!set_str(&web->ca_file, ca_file))
		return AU_WEB_ERR_NOMEM;
	free(web->ca_pem);
	web->ca_pem = NULL;
	web->ca_pem_len = 0;
	return AU_WEB_OK;
}

au_web_err au_web_set_ca_pem(au_web *web, const char *pem, size_t len)
{
	char *copy;

	if (pem == NULL || len == 0)
		return AU_WEB_ERR_ARG;
	if ((copy = malloc(len)) == NULL)
		return AU_WEB_ERR_NOMEM;
	memcpy(copy, pem, len);
	free(web->ca_pem);
	web->ca_pem = copy;
	web->ca_pem_len = len;
	free(web->ca_file);
	web->ca_file = NULL;
	return AU_WEB_OK;
}

void au_web_set_insecure(au_web *web, bool insecure)
{
	web->insecure = insecure;
}

void au_web_clear_client_cert(au_web *web)
{
	free(web->cert_path);
	free(web->key_path);
	web->cert_path = web->key_path = NULL;
	free_secret(&web->key_password, 0);
	X509_free(web->cert);
	sk_X509_pop_free(web->chain, X509_free);
	EVP_PKEY_free(web->key);
	web->cert = NULL;
	web->chain = NULL;
	web->key = NULL;
	web->identity_changed = true;
}

au_web_err au_web_set_client_cert_files(au_web *web, const char *cert_pem_path,
                                        const char *key_pem_path, const char *key_password)
{
	if (cert_pem_path == NULL || key_pem_path == NULL)
		return AU_WEB_ERR_ARG;
	/* Now rather than at the handshake, where it would look like a TLS failure. */
	if (access(cert_pem_path, R_OK) != 0 || access(key_pem_path, R_OK) != 0)
		return AU_WEB_ERR_IO;
	au_web_clear_client_cert(web);
	if (!set_str(&web->cert_path, cert_pem_path) || !set_str(&web->key_path, key_pem_path) ||
	    !set_str(&web->key_password, key_password)) {
		au_web_clear_client_cert(web);
		return AU_WEB_ERR_NOMEM;
	}
	return AU_WEB_OK;
}

au_web_err au_web_set_client_cert(au_web *web, X509 *cert, STACK_OF(X509) * chain, EVP_PKEY *key)
{
	STACK_OF(X509) *copy = NULL;

	if (cert == NULL || key == NULL)
		return AU_WEB_ERR_ARG;
	if (X509_check_private_key(cert, key) != 1)
		return AU_WEB_ERR_TLS_CLIENT_CERT;
	if (chain != NULL && (copy = X509_chain_up_ref(chain)) == NULL)
		return AU_WEB_ERR_NOMEM;
	if (X509_up_ref(cert) != 1 || EVP_PKEY_up_ref(key) != 1) {
		sk_X509_pop_free(copy, X509_free);
		return AU_WEB_ERR_NOMEM;
	}
	au_web_clear_client_cert(web);
	web->cert = cert;
	web->chain = copy;
	web->key = key;
	return AU_WEB_OK;
}

/* ---- a transfer ---- */

typedef struct sink {
	char *ptr;
	size_t len, cap;
	bool too_large;
} sink;

static size_t sink_write(char *data, size_t size, size_t n, void *ud)
{
	sink *s = ud;
	size_t add = size * n;

	if (add > AU_WEB_MAX_BODY - s->len) {
		s->too_large = true;
		return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
	}
	if (s->len + add + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		char *p;

		while (cap < s->len + add + 1)
			cap *= 2;
		if ((p = realloc(s->ptr, cap)) == NULL)
			return 0;
		s->ptr = p;
		s->cap = cap;
	}
	memcpy(s->ptr + s->len, data, add);
	s->len += add;
	s->ptr[s->len] = '\0';
	return add;
}

static void tls_message(int write_p, int version, int content_type, const void *buf, size_t len,
                        SSL *ssl, void *arg)
{
	tls_watch *w = arg;
	const unsigned char *b = buf;

	(void)version;
	(void)ssl;
	/* close_notify (0) and user_canceled (90) end a connection; they explain nothing. */
	if (content_type == SSL3_RT_ALERT && len >= 2 && b[1] != 0 && b[1] != 90) {
		if (write_p)
			w->alert_sent = b[1];
		else
			w->alert_received = b[1];
	} else if (content_type == SSL3_RT_HANDSHAKE && len >= 1 && !write_p &&
	           b[0] == SSL3_MT_CERTIFICATE_REQUEST) {
		w->cert_requested = true;
	}
}

/*
 * libcurl reports a rejected client certificate as whatever the socket did
 * next (under TLS 1.3 the alert arrives after the handshake, so a receive
 * error), so the alerts themselves are watched. The message callback is free
 * for us: libcurl installs its own only for verbose tracing, which is off.
 */
static CURLcode ssl_ctx_hook(CURL *c, void *ssl_ctx, void *arg)
{
	au_web *web = arg;

	(void)c;
	SSL_CTX_set_msg_callback(ssl_ctx, tls_message);
	SSL_CTX_set_msg_callback_arg(ssl_ctx, &web->tls);
	if (web->cert == NULL)
		return CURLE_OK;
	return au_web_tls_use_identity(ssl_ctx, web->cert, web->chain, web->key)
	               ? CURLE_OK
	               : CURLE_SSL_CERTPROBLEM;
}

bool au_web_tls_use_identity(void *ssl_ctx, X509 *cert, STACK_OF(X509) * chain, EVP_PKEY *key)
{
	/* Leaf then chain, and the key (SSL_CTX_use_certificate_chain's order), as objects:
	 * libcurl's PEM blobs would be decoded again for every connection. */
	if (SSL_CTX_use_certificate(ssl_ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ssl_ctx, key) != 1)
		return false;
	for (int i = 0; chain != NULL && i < sk_X509_num(chain); i++)
		if (SSL_CTX_add1_chain_cert(ssl_ctx, sk_X509_value(chain, i)) != 1)
			return false;
	return true;
}

/* Did the server's alert say that it did not accept (or did not get) our certificate? */
static bool client_cert_refused(const au_web *web)
{
	switch (web->tls.alert_received) {
	case SSL3_AD_BAD_CERTIFICATE:         /* 42 */
	case SSL3_AD_UNSUPPORTED_CERTIFICATE: /* 43 */
	case SSL3_AD_CERTIFICATE_REVOKED:     /* 44 */
	case SSL3_AD_CERTIFICATE_EXPIRED:     /* 45 */
	case SSL3_AD_CERTIFICATE_UNKNOWN:     /* 46 */
	case TLS1_AD_UNKNOWN_CA:              /* 48 */
	case TLS1_AD_ACCESS_DENIED:           /* 49 */
	case TLS13_AD_CERTIFICATE_REQUIRED:   /* 116 */
		return true;
	case SSL3_AD_HANDSHAKE_FAILURE: /* TLS 1.2's answer to "no certificate" */
		return web->tls.cert_requested && web->cert == NULL && web->cert_path == NULL;
	default:
		return false;
	}
}

static au_web_err classify(const au_web *web, CURLcode rc, const sink *s, long connect_code,
                           const char *curl_error)
{
	switch (rc) {
	case CURLE_OK:
		return AU_WEB_OK;
	case CURLE_OUT_OF_MEMORY:
		return AU_WEB_ERR_NOMEM;
	case CURLE_UNSUPPORTED_PROTOCOL:
		/* libcurl's one code for a scheme it does not speak and an answer without a status
		 * line (read as HTTP/0.9, which it refuses): only its text tells them apart. */
		return strstr(curl_error, "HTTP/0.9") != NULL ? AU_WEB_ERR_NOT_HTTP
		                                              : AU_WEB_ERR_URL;
	case CURLE_URL_MALFORMAT:
		return AU_WEB_ERR_URL;
	case CURLE_COULDNT_RESOLVE_HOST:
		return AU_WEB_ERR_RESOLVE;
	case CURLE_COULDNT_CONNECT:
		/* Through a proxy, the one connection libcurl makes is to the proxy. */
		return web->proxy != NULL && web->proxy[0] ? AU_WEB_ERR_PROXY : AU_WEB_ERR_CONNECT;
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_PROXY:
		return AU_WEB_ERR_PROXY;
	case CURLE_OPERATION_TIMEDOUT:
		return AU_WEB_ERR_TIMEOUT;
	case CURLE_SSL_CONNECT_ERROR:
		return client_cert_refused(web) ? AU_WEB_ERR_TLS_CLIENT_REJECTED
		                                : AU_WEB_ERR_TLS_HANDSHAKE;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return AU_WEB_ERR_TLS_SERVER_CERT;
	case CURLE_SSL_CERTPROBLEM:
		return AU_WEB_ERR_TLS_CLIENT_CERT;
	case CURLE_SSL_CLIENTCERT:
		return AU_WEB_ERR_TLS_CLIENT_REJECTED;
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
		return AU_WEB_ERR_TLS_CONFIG;
	case CURLE_GOT_NOTHING:
		return AU_WEB_ERR_EMPTY_REPLY;
	case CURLE_WRITE_ERROR:
		return s->too_large ? AU_WEB_ERR_TOO_LARGE : AU_WEB_ERR_NOMEM;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		if (client_cert_refused(web))
			return AU_WEB_ERR_TLS_CLIENT_REJECTED;
		/* A CONNECT the proxy answered with 407 or 403 ends as a receive error. */
		return connect_code >= 300 ? AU_WEB_ERR_PROXY : AU_WEB_ERR_TRANSFER;
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_UNKNOWN_OPTION:
	case CURLE_NOT_BUILT_IN:
		return AU_WEB_ERR_ARG;
	default:
		return AU_WEB_ERR_TRANSPORT;
	}
}

/* Every setting, again for each request: the settings may have changed since the last one. */
static CURLcode configure(au_web *web, CURL *c)
{
	struct curl_blob ca = {web->ca_pem, web->ca_pem_len, CURL_BLOB_NOCOPY};
	CURLcode rc = CURLE_OK;

	/* Keeps the first failure: one missing feature is enough to refuse the request. */
#define SET(opt, val)                                        \
	do {                                                 \
		CURLcode r_ = curl_easy_setopt(c, opt, val); \
		if (rc == CURLE_OK && r_ != CURLE_OK)        \
			rc = r_;                             \
	} while (0)
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_ERRORBUFFER, web->errbuf);
	/* Redirects are ours to follow: method changes are a browser's, not libcurl's. */
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_TIMEOUT_MS, web->timeout_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, web->timeout_ms);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_USERAGENT, web->user_agent ? web->user_agent : "Mozilla/5.0 (kagura-harness)");
	/* "" rather than NULL: NULL would let http_proxy from the environment in. */
	SET(CURLOPT_PROXY, web->proxy ? web->proxy : "");
	SET(CURLOPT_INTERFACE, web->source_address);
	SET(CURLOPT_PROXYUSERNAME, web->proxy_user);
	SET(CURLOPT_PROXYPASSWORD, web->proxy_password);
	SET(CURLOPT_PROXYAUTH, (long)CURLAUTH_ANY);
	/*
	 * Always set, NULL included: a blob is not copied, and one left from an
	 * earlier setting would point at freed memory. A test CA replaces the
	 * system directory as well as the bundle.
	 */
	SET(CURLOPT_CAINFO_BLOB, web->ca_pem ? &ca : NULL);
	if (web->ca_file != NULL)
		SET(CURLOPT_CAINFO, web->ca_file);
	if (web->ca_pem != NULL || web->ca_file != NULL)
		SET(CURLOPT_CAPATH, NULL);
	SET(CURLOPT_SSL_VERIFYPEER, web->insecure ? 0L : 1L);
	SET(CURLOPT_SSL_VERIFYHOST, web->insecure ? 0L : 2L);
	SET(CURLOPT_SSLCERTTYPE, "PEM");
	SET(CURLOPT_SSLKEYTYPE, "PEM");
	SET(CURLOPT_FRESH_CONNECT, web->identity_changed ? 1L : 0L);
	web->identity_changed = false;
	SET(CURLOPT_SSLCERT_BLOB, NULL); /* a card's certificate goes in through ssl_ctx_hook */
	SET(CURLOPT_SSLKEY_BLOB, NULL);
	SET(CURLOPT_SSLCERT, web->cert_path);
	SET(CURLOPT_SSLKEY, web->key_path);
	SET(CURLOPT_KEYPASSWD, web->key_password);
#undef SET
	/* Only the alert diagnosis is lost without it (a libcurl on another TLS library). */
	curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_hook);
	curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, web);
	return rc;
}

static bool is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

static struct curl_slist *request_headers(const au_web *web, const char *accept, const char *ctype)
{
	struct curl_slist *h = NULL, *n;
	char line[512];
	const char *lines[4];
	size_t count = 0, i;

	snprintf(line, sizeof(line), "Accept-Language: %s",
	         web->accept_language ? web->accept_language : "");
	lines[count++] = accept;
	if (web->accept_language != NULL)
		lines[count++] = line;
	if (ctype != NULL)
		lines[count++] = ctype;
	/* Browsers never wait for 100 Continue. */
	lines[count++] = "Expect:";
	for (i = 0; i < count; i++) {
		if ((n = curl_slist_append(h, lines[i])) == NULL) {
			curl_slist_free_all(h);
			return NULL;
		}
		h = n;
	}
	return h;
}

static CURL *handle(au_web *web)
{
	if (web->cookies)
		return web->jar;
	if (web->bare == NULL)
		web->bare = curl_easy_init();
	return web->bare;
}

/*
 * One request and its redirects. post: body/len/ctype are sent; a 301/302/303
 * answer turns the next hop into a bodiless GET.
 */
static au_web_err run(au_web *web, const char *url, bool post, const char *body, size_t len,
                      const char *ctype, const char *accept, au_web_response *out)
{
	CURL *c = handle(web);
	char *cur;

	au_web_response_reset(out);
	if (url == NULL || (post && body == NULL))
		return out->err = AU_WEB_ERR_ARG;
	if (c == NULL || (cur = strdup(url)) == NULL)
		return out->err = AU_WEB_ERR_NOMEM;
	for (;;) {
		sink s = {0};
		struct curl_slist *headers = request_headers(web, accept, post ? ctype : NULL);
		long status = 0, connect_code = 0;
		char *location = NULL, *effective = NULL, *ct = NULL;
		CURLcode rc;

		if (headers == NULL) {
			out->err = AU_WEB_ERR_NOMEM;
			break;
		}
		rc = configure(web, c);
		if (rc == CURLE_OK) {
			curl_easy_setopt(c, CURLOPT_URL, cur);
			if (post) {
				curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
				curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
			} else {
				/* POSTFIELDS NULL itself means POST: clear, then GET. */
				curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
				curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1);
				curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
			}
			curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
			curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
			curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
			memset(&web->tls, 0, sizeof(web->tls));
			web->tls.alert_received = web->tls.alert_sent = -1;
			web->errbuf[0] = '\0';
			rc = curl_easy_perform(c);
		}
		/* headers and s die here: the handle must not keep pointers to them. */
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, NULL);
		curl_slist_free_all(headers);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(c, CURLINFO_HTTP_CONNECTCODE, &connect_code);
		curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &effective);
		out->tls_alert_received = web->tls.alert_received;
		out->tls_alert_sent = web->tls.alert_sent;
		out->tls_cert_requested = web->tls.cert_requested;
		out->status = rc == CURLE_OK ? status : (connect_code >= 300 ? connect_code : 0);
		if (rc != CURLE_OK) {
			out->err = classify(web, rc, &s, connect_code, web->errbuf);
			out->curl_code = (int)rc;
			snprintf(out->error, sizeof(out->error), "%s",
			         web->errbuf[0] ? web->errbuf : curl_easy_strerror(rc));
			free(s.ptr);
			break;
		}
		curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &location);
		if (is_redirect(status) && location != NULL) {
			char *next;

			if (out->redirects == AU_WEB_MAX_REDIRECTS) {
				out->err = AU_WEB_ERR_REDIRECTS;
				free(s.ptr);
				break;
			}
			if ((next = strdup(location)) == NULL) {
				out->err = AU_WEB_ERR_NOMEM;
				free(s.ptr);
				break;
			}
			/* The page that redirected is replaced; its URL is history. */
			free(cur);
			cur = next;
			out->redirects++;
			if (status == 303 || (post && (status == 301 || status == 302)))
				post = false;
			free(s.ptr);
			continue;
		}
		curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
		if (s.ptr == NULL && (s.ptr = calloc(1, 1)) == NULL) {
			out->err = AU_WEB_ERR_NOMEM;
			break;
		}
		out->body = s.ptr;
		out->body_len = s.len;
		if (ct != NULL && (out->content_type = strdup(ct)) == NULL) {
			out->err = AU_WEB_ERR_NOMEM;
			break;
		}
		if (effective != NULL && strcmp(effective, cur) != 0) {
			char *e = strdup(effective);

			if (e == NULL) {
				out->err = AU_WEB_ERR_NOMEM;
				break;
			}
			free(cur);
			cur = e;
		}
		out->err = AU_WEB_OK;
		break;
	}
	out->url = cur;
	return out->err;
}

#define ACCEPT_HTML "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

au_web_err au_web_get(au_web *web, const char *url, au_web_response *out)
{
	return run(web, url, false, NULL, 0, NULL, ACCEPT_HTML, out);
}

/* WHATWG application/x-www-form-urlencoded byte serializer: these bytes stay as they are. */
static bool form_plain(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '*' || ch == '-' || ch == '.' || ch == '_';
}

static size_t form_escape(char *dst, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; s != NULL && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (form_plain(ch) || ch == ' ') {
			if (dst)
				dst[n] = ch == ' ' ? '+' : (char)ch;
			n++;
		} else {
			if (dst) {
				dst[n] = '%';
				dst[n + 1] = hex[ch >> 4];
				dst[n + 2] = hex[ch & 15];
			}
			n += 3;
		}
	}
	return n;
}

char *au_web_form_encode(const char *const fields[][2], size_t n)
{
	size_t len = 0, i, at = 0;
	char *body;

	/* Sizing first: escaping never needs more than the two passes. */
	for (i = 0; i < n; i++)
		len += (i ? 1 : 0) + form_escape(NULL, fields[i][0]) + 1 +
		       form_escape(NULL, fields[i][1]);
	if ((body = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (i)
			body[at++] = '&';
		at += form_escape(body + at, fields[i][0]);
		body[at++] = '=';
		at += form_escape(body + at, fields[i][1]);
	}
	body[at] = '\0';
	return body;
}

au_web_err au_web_post_form(au_web *web, const char *url, const char *const fields[][2], size_t n,
                            au_web_response *out)
{
	char *body;
	au_web_err err;

	if (fields == NULL && n > 0) {
		au_web_response_reset(out);
		return out->err = AU_WEB_ERR_ARG;
	}
	if ((body = au_web_form_encode(fields, n)) == NULL) {
		au_web_response_reset(out);
		return out->err = AU_WEB_ERR_NOMEM;
	}
	err = run(web, url, true, body, strlen(body),
	          "Content-Type: application/x-www-form-urlencoded", ACCEPT_HTML, out);
	free(body);
	return err;
}

au_web_err au_web_post_json(au_web *web, const char *url, const json_t *body, au_web_response *out)
{
	char *text;
	au_web_err err;

	if (body == NULL) {
		au_web_response_reset(out);
		return out->err = AU_WEB_ERR_ARG;
	}
	if ((text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL) {
		au_web_response_reset(out);
		return out->err = AU_WEB_ERR_NOMEM;
	}
	err = run(web, url, true, text, strlen(text), "Content-Type: application/json",
	          "Accept: application/json", out);
	free(text);
	return err;
}
