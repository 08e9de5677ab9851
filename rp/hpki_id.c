#include "rp/hpki_id.h"

#include <openssl/x509v3.h>
#include <string.h>

/* DER of id-hcpki-at-healthcareactor 1.0.17090.0.1 and id-jhpki-cdata 1.2.392.100495.1.6.1.1. */
static const uint8_t oid_hcrole[] = {0x28, 0x81, 0x85, 0x42, 0x00, 0x01};
static const uint8_t oid_jhpki_cdata[] = {0x2a, 0x83, 0x08, 0x86, 0x91,
                                          0x0f, 0x01, 0x06, 0x01, 0x01};

/* ---- a small strict DER reader (hostile input: bounds first) ---- */

typedef struct der {
	const uint8_t *p, *end;
} der;

/* The next TLV of d (single-byte tags, definite lengths); false when malformed. */
static bool der_next(der *d, uint8_t *tag, der *value)
{
	size_t left = (size_t)(d->end - d->p), len = 0, hdr = 2;

	if (left < 2 || (d->p[0] & 0x1f) == 0x1f)
		return false;
	*tag = d->p[0];
	if (d->p[1] < 0x80) {
		len = d->p[1];
	} else {
		size_t n = d->p[1] & 0x7f;
		if (n == 0 || n > 3 || left < 2 + n)
			return false;
		for (size_t i = 0; i < n; i++)
			len = (len << 8) | d->p[2 + i];
		hdr += n;
	}
	if (len > left - hdr)
		return false;
	value->p = d->p + hdr;
	value->end = value->p + len;
	d->p = value->end;
	return true;
}

static bool der_is(const der *d, const uint8_t *bytes, size_t len)
{
	return (size_t)(d->end - d->p) == len && memcmp(d->p, bytes, len) == 0;
}

/* Strict UTF-8 without control characters, 1..max bytes, into out (NUL-terminated). */
static bool text_copy(const der *v, char *out, size_t max)
{
	size_t len = (size_t)(v->end - v->p);

	if (len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len;) {
		uint8_t c = v->p[i];
		size_t n = c < 0x80             ? 1
		           : (c & 0xe0) == 0xc0 ? 2
		           : (c & 0xf0) == 0xe0 ? 3
		           : (c & 0xf8) == 0xf0 ? 4
		                                : 0;
		uint32_t cp;
		if (n == 0 || i + n > len || c < 0x20 || c == 0x7f)
			return false;
		cp = n == 1 ? c : (uint32_t)(c & (0x7f >> n));
		for (size_t k = 1; k < n; k++) {
			if ((v->p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (v->p[i + k] & 0x3f);
		}
		/* overlong forms, surrogates and values past U+10FFFF */
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		i += n;
	}
	memcpy(out, v->p, len);
	out[len] = '\0';
	return true;
}

/* CodedData ::= SET { [0] OID, [1] NumericString OPTIONAL, [2] DirectoryString }: the text
 * when the scheme is id-jhpki-cdata; 0 not ours, 1 found, -1 malformed. */
static int coded_data(der coded, char *role, size_t max)
{
	der item, inner, text = {NULL, NULL};
	uint8_t tag, itag;
	bool ours = false;

	while (coded.p < coded.end) {
		if (!der_next(&coded, &tag, &item) || !der_next(&item, &itag, &inner) ||
		    item.p != item.end)
			return -1;
		if (tag == 0xa0) {
			if (itag != 0x06)
				return -1;
			ours = der_is(&inner, oid_jhpki_cdata, sizeof(oid_jhpki_cdata));
		} else if (tag == 0xa2) {
			if (itag != 0x0c && itag != 0x13) /* UTF8String, PrintableString */
				return -1;
			text = inner;
		} else if (tag != 0xa1) {
			return -1;
		}
	}
	if (!ours)
		return 0;
	return text.p != NULL && text_copy(&text, role, max) ? 1 : -1;
}

/*
 * The hcRole of subjectDirectoryAttributes (extension value, DER): the first HCActor coded in
 * the Japanese scheme. 1 found, 0 no hcRole attribute, -1 malformed.
 */
static int hc_role_parse(const uint8_t *ext, size_t len, char *role, size_t max)
{
	der top = {ext, ext + len}, seq, attr, oid, values, actor_data, actor, wrapped, coded;
	uint8_t tag;
	bool seen = false;

	if (!der_next(&top, &tag, &seq) || tag != 0x30 || top.p != top.end)
		return -1;
	while (seq.p < seq.end) {
		if (!der_next(&seq, &tag, &attr) || tag != 0x30 || !der_next(&attr, &tag, &oid) ||
		    tag != 0x06)
			return -1;
		if (!der_is(&oid, oid_hcrole, sizeof(oid_hcrole)))
			continue;
		seen = true;
		if (!der_next(&attr, &tag, &values) || tag != 0x31 || attr.p != attr.end)
			return -1;
		while (values.p < values.end) {
			if (!der_next(&values, &tag, &actor_data) || tag != 0x31)
				return -1;
			while (actor_data.p < actor_data.end) {
				int r;
				if (!der_next(&actor_data, &tag, &actor) || tag != 0x30)
					return -1;
				if (actor.p == actor.end || actor.p[0] != 0xa0)
					continue; /* regional data only */
				if (!der_next(&actor, &tag, &wrapped) ||
				    !der_next(&wrapped, &tag, &coded) || tag != 0x31 ||
				    wrapped.p != wrapped.end)
					return -1;
				if ((r = coded_data(coded, role, max)) != 0)
					return r;
			}
		}
	}
	return seen ? -1 : 0;
}

int rp_hpki_role(X509 *leaf, char *role, size_t max)
{
	int idx = X509_get_ext_by_NID(leaf, NID_subject_directory_attributes, -1);
	const ASN1_OCTET_STRING *v;

	role[0] = '\0';
	if (idx < 0)
		return 0;
	if (X509_get_ext_by_NID(leaf, NID_subject_directory_attributes, idx) >= 0)
		return -1; /* twice */
	v = X509_EXTENSION_get_data(X509_get_ext(leaf, idx));
	return hc_role_parse(ASN1_STRING_get0_data(v), (size_t)ASN1_STRING_length(v), role, max);
}

bool rp_hpki_honin_id(X509 *leaf, char *out, size_t max)
{
	const X509_NAME *name = X509_get_subject_name(leaf);
	int idx = X509_NAME_get_index_by_NID(name, NID_serialNumber, -1);
	const ASN1_STRING *s;
	const unsigned char *p;
	int len;

	out[0] = '\0';
	if (idx < 0 || X509_NAME_get_index_by_NID(name, NID_serialNumber, idx) >= 0)
		return false;
	s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
	p = ASN1_STRING_get0_data(s);
	len = ASN1_STRING_length(s);
	if ((ASN1_STRING_type(s) != V_ASN1_PRINTABLESTRING &&
	     ASN1_STRING_type(s) != V_ASN1_UTF8STRING) ||
	    len < 1 || (size_t)len > max)
		return false;
	for (int i = 0; i < len; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'A' && p[i] <= 'Z') ||
		      (p[i] >= 'a' && p[i] <= 'z') || p[i] == '-'))
			return false;
	memcpy(out, p, (size_t)len);
	out[len] = '\0';
	return true;
}
