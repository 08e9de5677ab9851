#include "authenticator/pc/pcbrowser.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCB_BROWSERS 2 /* chrome, edge */

typedef struct pcb_entry {
	char entry[8];
	char heading[200];
} pcb_entry;

typedef struct pcb_row {
	bool present;
	char net_error[64];
	int net_error_code;
	pcb_entry page[PCB_BROWSERS];
} pcb_row;

struct au_pcb_table {
	pcb_row rows[AU_PCB_CLASS__COUNT];
};

KAGURA_XT_ACCESSOR(au_pcb_class_name, au_pcb_class, AU_PCB_CLASS_TABLE, KAGURA_XT_FIELD1,
                   AU_PCB_CLASS__COUNT, "unknown")
KAGURA_XT_ACCESSOR(au_pcb_class_reason, au_pcb_class, AU_PCB_CLASS_TABLE, KAGURA_XT_FIELD2,
                   AU_PCB_CLASS__COUNT, "unknown class")

static bool cert_alert(int a)
{
	switch (a) {
	case 42:  /* bad_certificate */
	case 43:  /* unsupported_certificate */
	case 44:  /* certificate_revoked */
	case 45:  /* certificate_expired */
	case 46:  /* certificate_unknown */
	case 48:  /* unknown_ca */
	case 49:  /* access_denied */
	case 116: /* certificate_required */
		return true;
	default:
		return false;
	}
}

au_pcb_class au_pcb_classify(const au_web_response *r)
{
	if (r == NULL)
		return AU_PCB_OTHER;
	if (r->status == 407)
		return AU_PCB_PROXY_AUTH;
	if (r->err == AU_WEB_OK)
		return AU_PCB_NONE;
	/* An alert the server sent about our certificate explains any failure that followed. */
	if (cert_alert(r->tls_alert_received))
		return AU_PCB_CLIENT_CERT_REJECTED;
	switch (r->err) {
	case AU_WEB_ERR_EMPTY_REPLY:
		return AU_PCB_EMPTY_RESPONSE;
	case AU_WEB_ERR_TLS_CLIENT_REJECTED:
	case AU_WEB_ERR_TLS_HANDSHAKE:
	case AU_WEB_ERR_TRANSFER:
		if (r->tls_alert_received == 40 || r->err == AU_WEB_ERR_TLS_HANDSHAKE)
			return AU_PCB_TLS_PROTOCOL;
		if (r->err == AU_WEB_ERR_TLS_CLIENT_REJECTED)
			return AU_PCB_CLIENT_CERT_REJECTED;
		return AU_PCB_OTHER;
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

static const char *const browser_keys[PCB_BROWSERS] = {"chrome", "edge"};

au_pcb_table *au_pcb_load(const char *path, char *err, size_t err_size)
{
	json_error_t je;
	json_t *root;
	au_pcb_table *t;
	json_t *classes, *c;
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
	if (t == NULL || json_integer_value(json_object_get(root, "format")) != 1 ||
	    !json_is_array(classes)) {
		seterr(err, err_size,
		       t ? "format is not 1 or classes is not an array" : "out of memory", NULL);
		goto fail;
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
		for (unsigned b = 0; b < PCB_BROWSERS; b++) {
			json_t *p = json_object_get(pages, browser_keys[b]);
			if (!copy_str(row->page[b].entry, sizeof(row->page[b].entry),
			              json_object_get(p, "entry")) ||
			    !copy_str(row->page[b].heading, sizeof(row->page[b].heading),
			              json_object_get(p, "heading"))) {
				seterr(err, err_size, "page missing or too long", browser_keys[b]);
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

static int browser_index(const char *b)
{
	if (b == NULL)
		return -1;
	if (strstr(b, "edge") != NULL || strstr(b, "Edge") != NULL)
		return 1;
	if (strstr(b, "chrome") != NULL || strstr(b, "Chrome") != NULL)
		return 0;
	return -1;
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
	int b = browser_index(browser);
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
