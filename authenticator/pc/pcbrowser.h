/*
 * The PC browser's own error pages: what Chrome or Edge shows instead of the platform's page when
 * the navigation fails below HTTP (manual 3.1, 3.2, 3.3, 3.21) or a proxy on the path wants
 * credentials (3.10). The headings and the Chromium net errors they stand for are data:
 * fixtures/pc/browsers.json (with its sources); this module only classifies au_web's failure and
 * looks the page up. A table is read-only once loaded; no global state.
 */
#ifndef KAGURA_AUTHENTICATOR_PC_PCBROWSER_H
#define KAGURA_AUTHENTICATOR_PC_PCBROWSER_H

#include "webauthn/xtable.h"

#include <stdbool.h>
#include <stddef.h>

#include "authenticator/web/web.h"

/* The failure classes, in the order of fixtures/pc/browsers.json's "class" names: one a Chromium
 * net error the manual shows a page for. */
#define AU_PCB_CLASS_TABLE(X)                                                                    \
	X(AU_PCB_NONE, "none", "an HTTP answer arrived: the browser shows the server's page")    \
	X(AU_PCB_TLS_PROTOCOL, "tls_protocol",                                                   \
	  "ERR_SSL_PROTOCOL_ERROR: the handshake failed, not for want of a client certificate")  \
	X(AU_PCB_TLS_VERSION_OR_CIPHER, "tls_version_or_cipher",                                 \
	  "ERR_SSL_VERSION_OR_CIPHER_MISMATCH: no TLS version or cipher suite in common")        \
	X(AU_PCB_CLIENT_CERT_REJECTED, "client_cert_rejected",                                   \
	  "ERR_BAD_SSL_CLIENT_AUTH_CERT: the server refused the client certificate or its "      \
	  "absence")                                                                             \
	X(AU_PCB_EMPTY_RESPONSE, "empty_response", "connection closed without an answer")        \
	X(AU_PCB_PROXY_AUTH, "proxy_auth", "a proxy answered 407 Proxy Authentication Required") \
	X(AU_PCB_OTHER, "other", "another transport failure (no page of the manual)")

typedef enum au_pcb_class { AU_PCB_CLASS_TABLE(KAGURA_XT_ENUM) AU_PCB_CLASS__COUNT } au_pcb_class;

const char *au_pcb_class_name(au_pcb_class c); /* the fixtures' key: "tls_protocol" ... */
const char *au_pcb_class_reason(au_pcb_class c);

/* TLS alert descriptions (RFC 8446 6.2) the classification names. */
enum au_pcb_alert {
	AU_PCB_ALERT_NONE = -1,
	AU_PCB_ALERT_BAD_RECORD_MAC = 20,
	AU_PCB_ALERT_DECOMPRESSION_FAILURE = 30,
	AU_PCB_ALERT_HANDSHAKE_FAILURE = 40,
	AU_PCB_ALERT_BAD_CERTIFICATE = 42,
	AU_PCB_ALERT_UNSUPPORTED_CERTIFICATE = 43,
	AU_PCB_ALERT_CERTIFICATE_REVOKED = 44,
	AU_PCB_ALERT_CERTIFICATE_EXPIRED = 45,
	AU_PCB_ALERT_CERTIFICATE_UNKNOWN = 46,
	AU_PCB_ALERT_UNKNOWN_CA = 48,
	AU_PCB_ALERT_ACCESS_DENIED = 49,
	AU_PCB_ALERT_DECRYPT_ERROR = 51,
	AU_PCB_ALERT_PROTOCOL_VERSION = 70,
	AU_PCB_ALERT_INSUFFICIENT_SECURITY = 71,
	AU_PCB_ALERT_UNRECOGNIZED_NAME = 112,
	AU_PCB_ALERT_CERTIFICATE_REQUIRED = 116,
};

/* What the browser knows when a handshake fails: Chromium's net error depends on these alone. */
typedef struct au_pcb_handshake {
	int alert;           /* the fatal alert received (enum au_pcb_alert); -1 none */
	bool cert_requested; /* the server sent a CertificateRequest */
	bool cert_sent;      /* a certificate went back (false: none to send, or Cancel) */
	bool server_hello;   /* the server answered the ClientHello before its alert */
} au_pcb_handshake;

/*
 * Chromium's net error for a failed handshake (net/ssl/openssl_ssl_util.cc MapOpenSSLErrorSSL,
 * net/socket/ssl_client_socket_impl.cc MapLastOpenSSLError; docs/browser-errors.md, "Client
 * certificates and Chromium's TLS errors"): a certificate alert (42-46, 48, 116), access_denied
 * (49) after a CertificateRequest, or handshake_failure (40) after a CertificateRequest that got
 * no certificate → CLIENT_CERT_REJECTED; handshake_failure to the ClientHello, protocol_version
 * (70), insufficient_security (71) → TLS_VERSION_OR_CIPHER; alerts with net errors of their own
 * (20, 30, 51, 112) → OTHER; any other failure → TLS_PROTOCOL. NULL: OTHER.
 */
au_pcb_class au_pcb_classify_handshake(const au_pcb_handshake *h);

/*
 * The class of a response (any au_web_response, zero or filled): status 407 (answer or refused
 * CONNECT tunnel) → PROXY_AUTH; any other HTTP answer → NONE; a client-certificate refusal as
 * au_pcb_classify_handshake says → CLIENT_CERT_REJECTED; no answer → EMPTY_RESPONSE; another
 * TLS failure → au_pcb_classify_handshake's class; anything else → OTHER.
 */
au_pcb_class au_pcb_classify(const au_web_response *r);

typedef struct au_pcb_table au_pcb_table;

/* Reads fixtures/pc/browsers.json; NULL with err filled (may be NULL) when it is not that. */
au_pcb_table *au_pcb_load(const char *path, char *err, size_t err_size);
void au_pcb_free(au_pcb_table *t);

typedef struct au_pcb_page {
	au_pcb_class cls;
	char entry[8];      /* the manual entry: "3.1", "3.21" ...; "" none */
	char heading[256];  /* the heading, {host} filled in; "" none */
	char net_error[64]; /* "ERR_BAD_SSL_CLIENT_AUTH_CERT" ...; "" none */
	int net_error_code; /* -117 ...; 0 none */
} au_pcb_page;

/* True when browser is one of the table's browsers by its exact name ("chrome-old" ...). */
bool au_pcb_knows_browser(const au_pcb_table *t, const char *browser);

/*
 * The page browser (a name of the table: "chrome", "edge", "chrome-old", "edge-old"; a
 * persona's name that contains one, such as "desktop-edge", works too: the longest wins) shows
 * for r, which was a request to url (its host fills {host}). True when the browser shows an
 * error page of the table (out filled); false for a real HTTP answer or a failure the table does
 * not cover (out->cls still set, the rest empty). Never crashes on NULLs: false.
 */
bool au_pcb_error_page(const au_pcb_table *t, const char *browser, const char *url,
                       const au_web_response *r, au_pcb_page *out);

#endif
