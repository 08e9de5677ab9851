#include "authenticator/pc/pcbrowser.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCB_MAX_BROWSERS 8  /* browsers a table may name */
#define PCB_BROWSER_NAME 32 /* the longest name plus its NUL */

typedef struct pcb_entry {
	char entry[8];
	char heading[200];
} pcb_entry;

typedef struct pcb_row {
	bool present;
	char net_error[64];
	int net_error_code;
	pcb_entry page[PCB_MAX_BROWSERS];
} pcb_row;

struct au_pcb_table {
	unsigned browsers;
	char browser[PCB_MAX_BROWSERS][PCB_BROWSER_NAME];
	pcb_row rows[AU_PCB_CLASS__COUNT];
};

KAGURA_XT_ACCESSOR(au_pcb_class_name, au_pcb_class, AU_PCB_CLASS_TABLE, KAGURA_XT_FIELD1,
                   AU_PCB_CLASS__COUNT, "unknown")
KAGURA_XT_ACCESSOR(au_pcb_class_reason, au_pcb_class, AU_PCB_CLASS_TABLE, KAGURA_XT_FIELD2,
                   AU_PCB_CLASS__COUNT, "unknown class")

au_pcb_class au_pcb_classify_handshake(const au_pcb_handshake *h)
{
	if (h == NULL)
		return AU_PCB_OTHER;
	switch (h->alert) {
	case AU_PCB_ALERT_BAD_CERTIFICATE:
	case AU_PCB_ALERT_UNSUPPORTED_CERTIFICATE:
	case AU_PCB_ALERT_CERTIFICATE_REVOKED:
	case AU_PCB_ALERT_CERTIFICATE_EXPIRED:
	case AU_PCB_ALERT_CERTIFICATE_UNKNOWN:
	case AU_PCB_ALERT_UNKNOWN_CA:
	case AU_PCB_ALERT_CERTIFICATE_REQUIRED:
		return AU_PCB_CLIENT_CERT_REJECTED;
	case AU_PCB_ALERT_ACCESS_DENIED:
		/* firewalls send it to block a page: only after a CertificateRequest (crbug 630883)
		 */
		return h->cert_requested ? AU_PCB_CLIENT_CERT_REJECTED : AU_PCB_TLS_PROTOCOL;
	case AU_PCB_ALERT_HANDSHAKE_FAILURE:
		/* TLS 1.2 has no alert for "no certificate": servers send this one (crbug 646567)
		 */
		if (h->cert_requested && !h->cert_sent)
			return AU_PCB_CLIENT_CERT_REJECTED;
		return h->server_hello ? AU_PCB_TLS_PROTOCOL : AU_PCB_TLS_VERSION_OR_CIPHER;
	case AU_PCB_ALERT_PROTOCOL_VERSION:
	case AU_PCB_ALERT_INSUFFICIENT_SECURITY:
		return AU_PCB_TLS_VERSION_OR_CIPHER;
	case AU_PCB_ALERT_BAD_RECORD_MAC:
	case AU_PCB_ALERT_DECOMPRESSION_FAILURE:
	case AU_PCB_ALERT_DECRYPT_ERROR:
	case AU_PCB_ALERT_UNRECOGNIZED_NAME:
		return AU_PCB_OTHER; /* net errors of their own, no page of the manual */
	default:
		return AU_PCB_TLS_PROTOCOL;
	}
}

/*
 * The handshake as au_web saw it. au_web_response does not say whether a certificate went
 * back; au_web reports a handshake_failure as TLS_CLIENT_REJECTED exactly when the server asked
 * and it had none (web.c, client_cert_refused). A refusal of the ClientHello itself is not
 * recorded: the platform's fronts and the proxies always answer it.
 */
static au_pcb_handshake handshake_of(const au_web_response *r)
{
	au_pcb_handshake h = {.alert = r->tls_alert_received,
	                      .cert_requested = r->tls_cert_requested,
	                      .cert_sent = r->tls_cert_requested,
	                      .server_hello = true};
	if (r->err == AU_WEB_ERR_TLS_CLIENT_REJECTED &&
	    r->tls_alert_received == AU_PCB_ALERT_HANDSHAKE_FAILURE) {
		h.cert_requested = true;
		h.cert_sent = false;
	}
	return h;
}

au_pcb_class au_pcb_classify(const au_web_response *r)
{
	au_pcb_handshake h;
	au_pcb_class c;

	if (r == NULL)
		return AU_PCB_OTHER;
	if (r->status == 407)
		return AU_PCB_PROXY_AUTH;
	if (r->err == AU_WEB_OK)
		return AU_PCB_NONE;
	h = handshake_of(r);
	c = r->tls_alert_received >= 0 ? au_pcb_classify_handshake(&h) : AU_PCB_OTHER;
	/* A refusal of our certificate explains any failure that followed it. */
	if (c == AU_PCB_CLIENT_CERT_REJECTED)
		return c;
	switch (r->err) {
	case AU_WEB_ERR_EMPTY_REPLY:
		return AU_PCB_EMPTY_RESPONSE;
	case AU_WEB_ERR_TLS_CLIENT_REJECTED:
	case AU_WEB_ERR_TLS_HANDSHAKE:
		return au_pcb_classify_handshake(&h);
	case AU_WEB_ERR_TRANSFER:
		return r->tls_alert_received >= 0 ? c : AU_PCB_OTHER;
	default:
		return AU_PCB_OTHER;
	}
}

static void seterr(char *err, size_t n, const char *what, const char *detail)
{
	if (err != NULL && n > 0)
		snprintf(err, n, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
}

static bool copy_str(char *dst, size_t n, json_t *v)
{
	const char *s = json_string_value(v);
	if (s == NULL || strlen(s) >= n)
		return false;
	memcpy(dst, s, strlen(s) + 1);
	return true;
}

au_pcb_table *au_pcb_load(const char *path, char *err, size_t err_size)
{
	json_error_t je;
	json_t *root;
	au_pcb_table *t;
	json_t *classes, *browsers, *c;
	size_t i;

	if (path == NULL) {
		seterr(err, err_size, "no path", NULL);
		return NULL;
	}
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		seterr(err, err_size, "not JSON", je.text);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	classes = json_object_get(root, "classes");
	browsers = json_object_get(root, "browsers");
	if (t == NULL || json_integer_value(json_object_get(root, "format")) != 2 ||
	    !json_is_array(classes) || !json_is_array(browsers) || json_array_size(browsers) == 0 ||
	    json_array_size(browsers) > PCB_MAX_BROWSERS) {
		seterr(err, err_size,
		       t ? "format is not 2, or classes or browsers (1 to 8) not an array"
		         : "out of memory",
		       NULL);
		goto fail;
	}
	json_array_foreach(browsers, i, c)
	{
		const char *name = json_string_value(json_object_get(c, "name"));
		if (!copy_str(t->browser[i], PCB_BROWSER_NAME, json_object_get(c, "name")) ||
		    name[0] == '\0' || au_pcb_knows_browser(t, name)) {
			seterr(err, err_size, "bad or repeated browser name", name);
			goto fail;
		}
		t->browsers = (unsigned)i + 1;
	}
	json_array_foreach(classes, i, c)
	{
		const char *key = json_string_value(json_object_get(c, "class"));
		json_t *pages = json_object_get(c, "pages");
		pcb_row *row = NULL;
		for (unsigned k = 0; key != NULL && k < AU_PCB_CLASS__COUNT; k++)
			if (strcmp(key, au_pcb_class_name((au_pcb_class)k)) == 0)
				row = &t->rows[k];
		if (row == NULL || row->present || !json_is_object(pages) ||
		    !copy_str(row->net_error, sizeof(row->net_error),
		              json_object_get(c, "net_error")) ||
		    !json_is_integer(json_object_get(c, "net_error_code"))) {
			seterr(err, err_size, "bad or repeated class", key);
			goto fail;
		}
		row->net_error_code = (int)json_integer_value(json_object_get(c, "net_error_code"));
		for (unsigned b = 0; b < t->browsers; b++) {
			json_t *p = json_object_get(pages, t->browser[b]);
			if (!copy_str(row->page[b].entry, sizeof(row->page[b].entry),
			              json_object_get(p, "entry")) ||
			    !copy_str(row->page[b].heading, sizeof(row->page[b].heading),
			              json_object_get(p, "heading"))) {
				seterr(err, err_size, "page missing or too long", t->browser[b]);
				goto fail;
			}
		}
		row->present = true;
	}
	json_decref(root);
	return t;
fail:
	json_decref(root);
	free(t);
	return NULL;
}

void au_pcb_free(au_pcb_table *t)
{
	free(t);
}

bool au_pcb_knows_browser(const au_pcb_table *t, const char *browser)
{
	for (unsigned b = 0; t != NULL && browser != NULL && b < t->browsers; b++)
		if (strcmp(t->browser[b], browser) == 0)
			return true;
	return false;
}

/* The table's browser named in b: the longest name b contains ("desktop-edge": edge); -1 none. */
static int browser_index(const au_pcb_table *t, const char *b)
{
	int best = -1;
	size_t best_len = 0;

	for (unsigned i = 0; t != NULL && b != NULL && i < t->browsers; i++) {
		size_t len = strlen(t->browser[i]);
		if (len > best_len && strstr(b, t->browser[i]) != NULL) {
			best = (int)i;
			best_len = len;
		}
	}
	return best;
}

/* The host of an http(s) URL into out; "" when none. */
static void url_host(const char *url, char *out, size_t n)
{
	const char *p, *end;
	size_t len;

	out[0] = '\0';
	if (url == NULL || (p = strstr(url, "://")) == NULL)
		return;
	p += 3;
	end = p + strcspn(p, "/?#");
	{
		const char *at = memchr(p, '@', (size_t)(end - p));
		if (at != NULL)
			p = at + 1;
	}
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));
		end = rb ? rb + 1 : end;
	} else {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		if (colon != NULL)
			end = colon;
	}
	len = (size_t)(end - p);
	if (len >= n)
		len = n - 1;
	memcpy(out, p, len);
	out[len] = '\0';
}

bool au_pcb_error_page(const au_pcb_table *t, const char *browser, const char *url,
                       const au_web_response *r, au_pcb_page *out)
{
	int b = browser_index(t, browser);
	const pcb_row *row;
	char host[256];
	const char *h, *mark;

	if (out == NULL)
		return false;
	memset(out, 0, sizeof(*out));
	out->cls = au_pcb_classify(r);
	if (t == NULL || b < 0 || out->cls == AU_PCB_NONE || out->cls == AU_PCB_OTHER)
		return false;
	row = &t->rows[out->cls];
	if (!row->present)
		return false;
	snprintf(out->entry, sizeof(out->entry), "%s", row->page[b].entry);
	snprintf(out->net_error, sizeof(out->net_error), "%s", row->net_error);
	out->net_error_code = row->net_error_code;
	url_host(url, host, sizeof(host));
	h = row->page[b].heading;
	mark = strstr(h, "{host}");
	if (mark != NULL) {
		int n = snprintf(out->heading, sizeof(out->heading), "%.*s%s%s", (int)(mark - h), h,
		                 host, mark + 6);
		/* A heading longer than the page's field is not the manual's line. */
		if (n < 0 || (size_t)n >= sizeof(out->heading))
			return false;
	} else {
		snprintf(out->heading, sizeof(out->heading), "%s", h);
	}
	return true;
}
