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

/* The failure classes, in the order of fixtures/pc/browsers.json's "class" names. */
#define AU_PCB_CLASS_TABLE(X)                                                                    \
	X(AU_PCB_NONE, "none", "an HTTP answer arrived: the browser shows the server's page")    \
	X(AU_PCB_TLS_PROTOCOL, "tls_protocol", "handshake failed without a certificate alert")   \
	X(AU_PCB_CLIENT_CERT_REJECTED, "client_cert_rejected",                                   \
	  "the server refused the client certificate, or its absence, with an alert")            \
	X(AU_PCB_EMPTY_RESPONSE, "empty_response", "connection closed without an answer")        \
	X(AU_PCB_PROXY_AUTH, "proxy_auth", "a proxy answered 407 Proxy Authentication Required") \
	X(AU_PCB_OTHER, "other", "another transport failure (no page of the manual)")

typedef enum au_pcb_class { AU_PCB_CLASS_TABLE(KAGURA_XT_ENUM) AU_PCB_CLASS__COUNT } au_pcb_class;

const char *au_pcb_class_name(au_pcb_class c); /* the fixtures' key: "tls_protocol" ... */
const char *au_pcb_class_reason(au_pcb_class c);

/*
 * The class of a response (any au_web_response, zero or filled): TLS alert 40 handshake_failure
 * or a handshake error without alert → TLS_PROTOCOL; a client-certificate alert (42-46, 48, 49,
 * 116) → CLIENT_CERT_REJECTED; no answer → EMPTY_RESPONSE; status 407 (answer or refused CONNECT
 * tunnel) → PROXY_AUTH; any other HTTP answer → NONE.
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

/*
 * The page browser ("chrome" or "edge"; a persona's name such as "desktop-edge" works too) shows
 * for r, which was a request to url (its host fills {host}). True when the browser shows an
 * error page of the table (out filled); false for a real HTTP answer or a failure the table does
 * not cover (out->cls still set, the rest empty). Never crashes on NULLs: false.
 */
bool au_pcb_error_page(const au_pcb_table *t, const char *browser, const char *url,
                       const au_web_response *r, au_pcb_page *out);

#endif
