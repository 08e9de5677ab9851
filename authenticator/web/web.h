/*
 * The simulated browser's network half: one au_web is one browser profile (a
 * cookie jar, a proxy, a client certificate, TLS trust) over libcurl, fetching
 * pages and submitting forms the way a browser does. The reading half is
 * authenticator/web/page.h.
 *
 * libcurl needs curl_global_init(CURL_GLOBAL_DEFAULT) once per process before
 * the first au_web_new, from the main thread, and curl_global_cleanup at the
 * end: this module keeps no global state and never calls either itself.
 * One au_web is used by one thread at a time.
 */
#ifndef KAGURA_AUTHENTICATOR_WEB_WEB_H
#define KAGURA_AUTHENTICATOR_WEB_WEB_H

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>

/* Also the error enum of authenticator/web/page.h: both are the browser. */
#define AU_WEB_ERROR_TABLE(X)                                                                \
	X(AU_WEB_OK, "success")                                                              \
	X(AU_WEB_ERR_NOMEM, "out of memory")                                                 \
	X(AU_WEB_ERR_ARG, "bad argument (NULL, field list, or a setting libcurl refused)")   \
	X(AU_WEB_ERR_URL, "URL is malformed or its scheme is not http/https")                \
	X(AU_WEB_ERR_RESOLVE, "host name could not be resolved")                             \
	X(AU_WEB_ERR_CONNECT, "connection refused or host unreachable")                      \
	X(AU_WEB_ERR_PROXY, "proxy unreachable, or it refused the request or tunnel")        \
	X(AU_WEB_ERR_TIMEOUT, "no answer before the timeout")                                \
	X(AU_WEB_ERR_TLS_HANDSHAKE, "TLS handshake failed (protocol, cipher or not TLS)")    \
	X(AU_WEB_ERR_TLS_SERVER_CERT, "server certificate is not trusted or does not match") \
	X(AU_WEB_ERR_TLS_CLIENT_CERT, "client certificate or key cannot be loaded or used")  \
	X(AU_WEB_ERR_TLS_CLIENT_REJECTED,                                                    \
	  "server required a client certificate, or rejected the one sent")                  \
	X(AU_WEB_ERR_TLS_CONFIG, "CA bundle, CRL or TLS engine setting cannot be used")      \
	X(AU_WEB_ERR_EMPTY_REPLY, "server closed the connection without an answer")          \
	X(AU_WEB_ERR_TRANSFER, "connection broken while sending or receiving")               \
	X(AU_WEB_ERR_REDIRECTS, "more than 10 redirects")                                    \
	X(AU_WEB_ERR_NOT_HTTP, "the server's answer is not HTTP")                            \
	X(AU_WEB_ERR_TOO_LARGE, "response body (or page) over the size limit")               \
	X(AU_WEB_ERR_IO, "cookie jar or certificate file cannot be read or written")         \
	X(AU_WEB_ERR_TRANSPORT, "other transport failure (see the curl error text)")

typedef enum au_web_err {
#define AU_WEB_ERROR_ENUM(name, msg) name,
	AU_WEB_ERROR_TABLE(AU_WEB_ERROR_ENUM)
#undef AU_WEB_ERROR_ENUM
	        AU_WEB_ERR__COUNT
} au_web_err;

const char *au_web_strerr(au_web_err err);
const char *au_web_errname(au_web_err err);

/* Redirects a browser follows before giving up (Chrome and Firefox stop at 20; 10 is ours). */
#define AU_WEB_MAX_REDIRECTS 10
/* A response body past this is refused: no platform page comes near it. */
#define AU_WEB_MAX_BODY (16u * 1024u * 1024u)

typedef struct au_web_response {
	au_web_err err;     /* AU_WEB_OK: an HTTP answer arrived (any status, 4xx/5xx included) */
	long status;        /* HTTP status of the last answer; 0 when none */
	char *url;          /* final URL after redirects (owned; the one asked for when none) */
	char *content_type; /* owned; NULL when the answer had none */
	char *body;         /* owned, NUL-terminated past body_len; "" when empty */
	size_t body_len;
	unsigned redirects; /* redirects followed */
	int curl_code;      /* the CURLcode behind err; 0 on success */
	char error[256];    /* libcurl's own text for a transport failure, "" otherwise */
	/*
	 * TLS alerts seen during the request, -1 when none: why a handshake or a
	 * client-certificate check failed (116 certificate_required, 48 unknown_ca,
	 * 42 bad_certificate ...), and whether the server asked for a certificate.
	 */
	int tls_alert_received;
	int tls_alert_sent;
	bool tls_cert_requested;
} au_web_response;

void au_web_response_reset(au_web_response *r);

typedef struct au_web au_web;

/*
 * A browser profile. cookie_jar_path NULL keeps cookies in memory only;
 * otherwise the jar is read now (a missing file is an empty jar) and written
 * back (Netscape format, mode 0600) by au_web_save and au_web_free — session
 * cookies included, since the simulated phone's browser lives across
 * kagura-authn invocations (the jar is DEVICE.cookies; deleting it is
 * "clear site data"). NULL when out of memory or the jar cannot be read.
 */
au_web *au_web_new(const char *cookie_jar_path);
/* Saves the jar (errors ignored: call au_web_save first to see them) and frees. */
void au_web_free(au_web *web);
au_web_err au_web_save(au_web *web);

/* ---- settings: each applies to the requests after it ---- */

/*
 * "Block all cookies": nothing is sent and Set-Cookie is ignored. The jar is
 * kept as it is and used again once cookies are enabled. Enabled by default.
 */
void au_web_set_cookies(au_web *web, bool enabled);
/* Empties the jar ("clear site data" inside one process). */
au_web_err au_web_clear_cookies(au_web *web);

/* The local address requests leave from (the network the phone is on); NULL or "" the default. */
au_web_err au_web_set_source_address(au_web *web, const char *address);

/* NULL url: no proxy, whatever the environment's http_proxy says (the default). */
au_web_err au_web_set_proxy(au_web *web, const char *url, const char *user, const char *password);

/* Both whole-request and connect timeout, milliseconds (default 30000). */
void au_web_set_timeout_ms(au_web *web, long ms);

/* NULL for either: libcurl's default (the user agent) or no Accept-Language header. */
au_web_err au_web_set_user_agent(au_web *web, const char *ua);
au_web_err au_web_set_accept_language(au_web *web, const char *lang);

/*
 * Server trust. ca_file / the PEM text replace the system bundle; insecure
 * skips peer and host name verification altogether (the test PKI's shortcut;
 * a browser's "proceed anyway").
 */
au_web_err au_web_set_ca_file(au_web *web, const char *ca_file);
au_web_err au_web_set_ca_pem(au_web *web, const char *pem, size_t len);
void au_web_set_insecure(au_web *web, bool insecure);

/*
 * TLS client authentication (the HPKI card login). From PEM files (the cert
 * file may carry the chain; key_password NULL for an unencrypted key), or from
 * OpenSSL objects, copied at once (chain may be NULL): later requests present
 * them whenever the server asks. au_web_clear_client_cert forgets either.
 */
au_web_err au_web_set_client_cert_files(au_web *web, const char *cert_pem_path,
                                        const char *key_pem_path, const char *key_password);
au_web_err au_web_set_client_cert(au_web *web, X509 *cert, STACK_OF(X509) * chain, EVP_PKEY *key);
void au_web_clear_client_cert(au_web *web);
/* Hands a client identity to an OpenSSL context (a libcurl SSL_CTX callback's) as objects:
 * the certificate, its chain (NULL none) and the key; false when OpenSSL refuses them. */
bool au_web_tls_use_identity(void *ssl_ctx, X509 *cert, STACK_OF(X509) * chain, EVP_PKEY *key);

/*
 * ---- requests ----
 * out must be zero-initialised (= {0}) or hold an earlier response: it is
 * reset first (freeing that) and always filled; the return value is out->err.
 */

/* A navigation: Accept text/html, redirects followed. */
au_web_err au_web_get(au_web *web, const char *url, au_web_response *out);
/*
 * A form submission: application/x-www-form-urlencoded (WHATWG: space is '+',
 * everything but A-Z a-z 0-9 * - . _ is %XX of its UTF-8 bytes). fields[i] is
 * {name, value}; a NULL value is sent empty. 301/302/303 turn into a GET
 * without body like a browser; 307/308 post the same body again.
 */
au_web_err au_web_post_form(au_web *web, const char *url, const char *const fields[][2], size_t n,
                            au_web_response *out);
/* A fetch() of JSON: Content-Type and Accept application/json; body dumped compact. */
au_web_err au_web_post_json(au_web *web, const char *url, const json_t *body, au_web_response *out);
/* The urlencoded form body alone (owned by the caller); NULL when out of memory. */
char *au_web_form_encode(const char *const fields[][2], size_t n);

#endif
