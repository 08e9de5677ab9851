#include "authenticator/device/device_io.h"

#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authenticator/device/device_lock.h"
#include "webauthn/b64url.h"
#include "webauthn/cose.h"

/* W3C WebAuthn: a credential ID is at most 1023 bytes (the device file's own limit too). */
#define MAX_CREDENTIAL_ID 1023
/* W3C WebAuthn: user.id (the user handle) is at most 64 bytes. */
#define MAX_USER_HANDLE 64
/* The device makes 2048-bit RSA keys (au_keygen) and holds none weaker. */
#define MIN_RSA_BITS 2048
/* CDP signCount: -1 is "no counter, every assertion reports 0". */
#define CDP_NO_COUNTER (-1)

#define AU_IO_ERROR KAGURA_XT_ROW
static const kagura_xt_row au_io_errors[AU_IO_ERR__COUNT] = {
#include "authenticator/device/device_io_error.def"
};
KAGURA_XT_GETTER(au_io_strerr, au_io_err, au_io_errors, field1, "unknown error")
KAGURA_XT_GETTER(au_io_errname, au_io_err, au_io_errors, name, "AU_IO_ERR_UNKNOWN")

bool au_io_format_parse(const char *name, au_io_format *out)
{
	if (strcmp(name, "cdp") == 0)
		*out = AU_IO_CDP;
	else if (strcmp(name, "playwright") == 0)
		*out = AU_IO_PLAYWRIGHT;
	else
		return false;
	return true;
}

/* ---- where a member is, and why it failed ---- */

/* One credential of the input: its place in the document, for the report. */
typedef struct place {
	au_io_report *rep;
	const char *list; /* "" (a top-level array), "credentials" or NULL (a single object) */
	size_t index;
} place;

static au_io_err fail_at(const place *at, const char *member, au_io_err err, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static au_io_err fail_at(const place *at, const char *member, au_io_err err, const char *fmt, ...)
{
	va_list ap;

	if (at->list == NULL)
		snprintf(at->rep->where, sizeof(at->rep->where), "%s", member ? member : "");
	else
		snprintf(at->rep->where, sizeof(at->rep->where), "%s[%zu]%s%s", at->list, at->index,
		         member ? "." : "", member ? member : "");
	va_start(ap, fmt);
	vsnprintf(at->rep->detail, sizeof(at->rep->detail), fmt, ap);
	va_end(ap);
	/* OpenSSL's queue would otherwise carry a refused key's errors into later calls. */
	ERR_clear_error();
	return err;
}

static au_io_err fail(au_io_report *rep, au_io_err err, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static au_io_err fail(au_io_report *rep, au_io_err err, const char *fmt, ...)
{
	va_list ap;

	rep->where[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(rep->detail, sizeof(rep->detail), fmt, ap);
	va_end(ap);
	ERR_clear_error();
	return err;
}

/* ---- standard base64 with padding (RFC 4648 §4), the CDP `binary` type ---- */

static char *b64std_encode(const uint8_t *p, size_t n)
{
	char *s = malloc((n + 2) / 3 * 4 + 1);

	if (s != NULL)
		EVP_EncodeBlock((unsigned char *)s, p, (int)n);
	return s;
}

/*
 * Strict: only A-Z a-z 0-9 + /, a length of 4n, '=' only as the padding that length needs and
 * zero trailing bits, so every byte string has exactly one spelling (the base64url decoder
 * does the bit work once the alphabet and padding are checked).
 */
static bool b64std_decode(const char *s, size_t len, wa_blob *out)
{
	size_t pad = 0, n;
	char *url;
	bool ok;

	if (len % 4 != 0)
		return false;
	while (pad < 2 && pad < len && s[len - 1 - pad] == '=')
		pad++;
	n = len - pad;
	if ((url = malloc(n + 1)) == NULL)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '-' || c == '_' || c == '=') {
			free(url);
			return false;
		}
		url[i] = c == '+' ? '-' : c == '/' ? '_' : c;
	}
	ok = wa_b64url_decode(url, n, out) == WA_OK;
	free(url);
	return ok;
}

/* ---- keys ---- */

static bool pkcs8_der(EVP_PKEY *key, wa_blob *out)
{
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(key);
	unsigned char *der = NULL;
	int n = p8 ? i2d_PKCS8_PRIV_KEY_INFO(p8, &der) : -1;
	bool ok = n > 0 && wa_blob_set(out, der, (size_t)n) == WA_OK;

	OPENSSL_clear_free(der, n > 0 ? (size_t)n : 0);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return ok;
}

static bool spki_der(EVP_PKEY *key, wa_blob *out)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(key, &der);
	bool ok = n > 0 && wa_blob_set(out, der, (size_t)n) == WA_OK;

	OPENSSL_free(der);
	return ok;
}

/* The COSE algorithm a key signs with on this device; 0 and a reason when none. */
static int64_t key_alg(EVP_PKEY *key, char *why, size_t size)
{
	if (EVP_PKEY_is_a(key, "EC")) {
		char group[64] = "";
		size_t glen = 0;
		if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
		                                   sizeof(group), &glen) == 1 &&
		    OBJ_txt2nid(group) == NID_X9_62_prime256v1)
			return WA_COSE_ES256;
		snprintf(why, size, "an EC key on curve %s",
		         group[0] ? group : "(explicit parameters)");
		return 0;
	}
	if (EVP_PKEY_is_a(key, "ED25519"))
		return WA_COSE_EDDSA;
	if (EVP_PKEY_is_a(key, "RSA")) {
		if (EVP_PKEY_get_bits(key) >= MIN_RSA_BITS)
			return WA_COSE_RS256;
		snprintf(why, size, "an RSA key of %d bits", EVP_PKEY_get_bits(key));
		return 0;
	}
	snprintf(why, size, "a key of type %s",
	         EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "unknown");
	return 0;
}

/* A PKCS#8 private key the device can sign with, whose parts are consistent. */
static au_io_err read_private_key(const wa_blob *der, const place *at, const char *member,
                                  EVP_PKEY **key, int64_t *alg)
{
	const unsigned char *p = der->ptr;
	PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)der->len);
	EVP_PKEY_CTX *ctx;
	char why[128];
	bool consistent;

	if (p8 == NULL || p != der->ptr + der->len) {
		PKCS8_PRIV_KEY_INFO_free(p8);
		return fail_at(
		        at, member, AU_IO_ERR_NOT_PKCS8,
		        "%zu bytes that are not one DER PrivateKeyInfo (a SEC1 or PKCS#1 key, "
		        "PEM or an encrypted key is not taken)",
		        der->len);
	}
	*key = EVP_PKCS82PKEY(p8);
	PKCS8_PRIV_KEY_INFO_free(p8);
	if (*key == NULL)
		return fail_at(
		        at, member, AU_IO_ERR_NOT_PKCS8,
		        "PrivateKeyInfo with an unknown algorithm or a malformed key inside");
	if ((*alg = key_alg(*key, why, sizeof(why))) == 0)
		return fail_at(at, member, AU_IO_ERR_KEY_TYPE, "%s", why);
	/* A private key whose embedded public key is another key's would sign unverifiably. */
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, *key, NULL);
	consistent = ctx != NULL && EVP_PKEY_private_check(ctx) == 1 &&
	             EVP_PKEY_pairwise_check(ctx) == 1;
	EVP_PKEY_CTX_free(ctx);
	if (!consistent)
		return fail_at(
		        at, member, AU_IO_ERR_KEY_MISMATCH,
		        "the private key's parts do not belong together (its public key is not "
		        "the private key's)");
	return AU_IO_OK;
}

/* ---- export ---- */

/* A binary member in the format's base64 flavour. */
static json_t *binary_json(au_io_format fmt, const uint8_t *p, size_t n)
{
	char *s = fmt == AU_IO_CDP ? b64std_encode(p, n) : wa_b64url_encode(p, n);
	json_t *j = s ? json_string(s) : NULL;

	free(s);
	return j;
}

static json_t *export_cdp(const au_device *dev, const au_credential *c, const wa_blob *pkcs8)
{
	const au_settings *s = &dev->settings;
	/* The member order WebAuthn.getCredentials answers with. */
	json_t *o = json_pack("{s:o, s:b, s:s, s:o}", "credentialId",
	                      binary_json(AU_IO_CDP, c->id.ptr, c->id.len), "isResidentCredential",
	                      c->resident, "rpId", c->rp_id, "privateKey",
	                      binary_json(AU_IO_CDP, pkcs8->ptr, pkcs8->len));

	/* Chromium requires a user handle for a discoverable credential; others never send it. */
	if (o != NULL && c->resident &&
	    json_object_set_new(o, "userHandle",
	                        binary_json(AU_IO_CDP, c->user_id.ptr, c->user_id.len)) != 0) {
		json_decref(o);
		return NULL;
	}
	if (o != NULL &&
	    (json_object_set_new(o, "signCount",
	                         json_integer(s->counter == AU_COUNTER_NONE
	                                              ? CDP_NO_COUNTER
	                                              : (json_int_t)c->counter)) != 0 ||
	     json_object_set_new(o, "backupEligibility", json_boolean(s->backup_eligible)) != 0 ||
	     json_object_set_new(o, "backupState", json_boolean(s->backup_state)) != 0 ||
	     json_object_set_new(o, "userName", json_string(c->user_name)) != 0 ||
	     json_object_set_new(o, "userDisplayName", json_string(c->display_name)) != 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *export_playwright(const au_credential *c, const wa_blob *pkcs8)
{
	wa_blob spki = {0};
	json_t *o = NULL;

	/* An empty user handle reads back as non-discoverable (read_playwright). */
	if (spki_der(c->key, &spki))
		o = json_pack("{s:o, s:s, s:o, s:o, s:o, s:I}", "id",
		              binary_json(AU_IO_PLAYWRIGHT, c->id.ptr, c->id.len), "rpId", c->rp_id,
		              "userHandle",
		              binary_json(AU_IO_PLAYWRIGHT, c->user_id.ptr,
		                          c->resident ? c->user_id.len : 0),
		              "privateKey", binary_json(AU_IO_PLAYWRIGHT, pkcs8->ptr, pkcs8->len),
		              "publicKey", binary_json(AU_IO_PLAYWRIGHT, spki.ptr, spki.len),
		              "signCount", (json_int_t)c->counter);
	wa_blob_reset(&spki);
	return o;
}

au_io_err au_io_export(const au_device *dev, au_io_format fmt, const char *rp_id, json_t **out,
                       au_io_report *rep)
{
	json_t *arr = json_array();

	memset(rep, 0, sizeof(*rep));
	*out = NULL;
	if (arr == NULL)
		return fail(rep, AU_IO_ERR_NOMEM, "the output array");
	for (size_t i = 0; i < dev->n_credentials; i++) {
		const au_credential *c = &dev->credentials[i];
		wa_blob pkcs8 = {0};
		json_t *o;

		if (rp_id != NULL && strcmp(c->rp_id, rp_id) != 0)
			continue;
		/* Playwright's authenticator makes and signs with P-256 keys only (COSE ES256). */
		if (fmt == AU_IO_PLAYWRIGHT && c->alg != WA_COSE_ES256) {
			json_decref(arr);
			return fail_at(
			        &(place){rep, "credentials", i}, NULL, AU_IO_ERR_EXPORT_ALG,
			        "the device file's credential %zu (rpId %s) is %s; Playwright's "
			        "virtual authenticator signs ES256 only (--rp-id leaves it out)",
			        i, c->rp_id, wa_cose_alg_name(c->alg));
		}
		if (!pkcs8_der(c->key, &pkcs8)) {
			json_decref(arr);
			return fail_at(&(place){rep, "credentials", i}, NULL, AU_IO_ERR_INTERNAL,
			               "the private key cannot be written as PKCS#8");
		}
		o = fmt == AU_IO_CDP ? export_cdp(dev, c, &pkcs8) : export_playwright(c, &pkcs8);
		OPENSSL_cleanse(pkcs8.ptr, pkcs8.len);
		wa_blob_reset(&pkcs8);
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			return fail(rep, AU_IO_ERR_NOMEM, "credential %zu", i);
		}
	}
	*out = arr;
	return AU_IO_OK;
}

/* ---- import: one credential ---- */

/* A credential read from the input, before the device takes it. */
typedef struct staged {
	au_credential c;
	bool has_be; /* the input said backupEligibility */
	bool be;
} staged;

static au_io_err member_binary(const json_t *obj, const char *name, au_io_format fmt,
                               const place *at, bool required, wa_blob *out, bool *present)
{
	const json_t *v = json_object_get(obj, name);
	bool ok;

	if (present != NULL)
		*present = v != NULL && !json_is_null(v);
	if (v == NULL || json_is_null(v))
		return required ? fail_at(at, name, AU_IO_ERR_FIELD, "missing") : AU_IO_OK;
	if (!json_is_string(v))
		return fail_at(at, name, AU_IO_ERR_FIELD, "not a string");
	ok = fmt == AU_IO_CDP
	             ? b64std_decode(json_string_value(v), json_string_length(v), out)
	             : wa_b64url_decode(json_string_value(v), json_string_length(v), out) == WA_OK;
	if (!ok)
		return fail_at(at, name, AU_IO_ERR_BASE64, "%s",
		               fmt == AU_IO_CDP ? "not standard base64 with padding (CDP's binary)"
		                                : "not base64url without padding (Playwright's)");
	return AU_IO_OK;
}

static au_io_err member_text(const json_t *obj, const char *name, const place *at, bool required,
                             char *buf, size_t size)
{
	const json_t *v = json_object_get(obj, name);

	if (v == NULL || json_is_null(v))
		return required ? fail_at(at, name, AU_IO_ERR_FIELD, "missing") : AU_IO_OK;
	if (!json_is_string(v))
		return fail_at(at, name, AU_IO_ERR_FIELD, "not a string");
	if (json_string_length(v) >= size)
		return fail_at(at, name, AU_IO_ERR_FIELD, "%zu bytes, the device keeps at most %zu",
		               json_string_length(v), size - 1);
	memcpy(buf, json_string_value(v), json_string_length(v) + 1);
	return AU_IO_OK;
}

/* signCount: an integer in [min, UINT32_MAX]; def when absent and optional. */
static au_io_err member_count(const json_t *obj, const char *name, const place *at, bool required,
                              json_int_t min, json_int_t def, json_int_t *out)
{
	const json_t *v = json_object_get(obj, name);

	*out = def;
	if (v == NULL)
		return required ? fail_at(at, name, AU_IO_ERR_FIELD, "missing") : AU_IO_OK;
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > (json_int_t)UINT32_MAX)
		return fail_at(at, name, AU_IO_ERR_FIELD, "not an integer from %lld to %lu",
		               (long long)min, (unsigned long)UINT32_MAX);
	*out = json_integer_value(v);
	return AU_IO_OK;
}

static au_io_err member_bool(const json_t *obj, const char *name, const place *at, bool required,
                             bool *out, bool *present)
{
	const json_t *v = json_object_get(obj, name);

	*present = v != NULL;
	if (v == NULL)
		return required ? fail_at(at, name, AU_IO_ERR_FIELD, "missing") : AU_IO_OK;
	if (!json_is_boolean(v))
		return fail_at(at, name, AU_IO_ERR_FIELD, "not true or false");
	*out = json_is_true(v);
	return AU_IO_OK;
}

/* The id, rpId and user handle limits both shapes share. */
static au_io_err check_ids(const staged *s, const place *at, const char *id_name,
                           const char *uh_name)
{
	if (s->c.id.len == 0 || s->c.id.len > MAX_CREDENTIAL_ID)
		return fail_at(at, id_name, AU_IO_ERR_FIELD,
		               "%zu bytes, a credential ID has 1 to %d", s->c.id.len,
		               MAX_CREDENTIAL_ID);
	if (s->c.rp_id[0] == '\0')
		return fail_at(at, "rpId", AU_IO_ERR_FIELD, "empty");
	if (s->c.user_id.len > MAX_USER_HANDLE)
		return fail_at(at, uh_name, AU_IO_ERR_FIELD,
		               "%zu bytes, a user handle has at most %d", s->c.user_id.len,
		               MAX_USER_HANDLE);
	if (s->c.resident && s->c.user_id.len == 0)
		return fail_at(at, uh_name, AU_IO_ERR_FIELD,
		               "a discoverable credential needs a non-empty user handle");
	return AU_IO_OK;
}

static au_io_err read_cdp(const json_t *o, const place *at, staged *s)
{
	wa_blob der = {0};
	json_int_t count;
	bool present, resident;
	au_io_err err;

	if ((err = member_binary(o, "credentialId", AU_IO_CDP, at, true, &s->c.id, NULL)) ||
	    (err = member_bool(o, "isResidentCredential", at, true, &resident, &present)) ||
	    (err = member_text(o, "rpId", at, true, s->c.rp_id, sizeof(s->c.rp_id))) ||
	    (err = member_binary(o, "userHandle", AU_IO_CDP, at, false, &s->c.user_id, NULL)) ||
	    (err = member_count(o, "signCount", at, true, CDP_NO_COUNTER, 0, &count)) ||
	    (err = member_bool(o, "backupEligibility", at, false, &s->be, &s->has_be)) ||
	    (err = member_text(o, "userName", at, false, s->c.user_name, sizeof(s->c.user_name))) ||
	    (err = member_text(o, "userDisplayName", at, false, s->c.display_name,
	                       sizeof(s->c.display_name))))
		return err;
	s->c.resident = resident;
	/* No counter (-1): the device keeps 0, and its own counter setting decides the rest. */
	s->c.counter = count == CDP_NO_COUNTER ? 0 : (uint32_t)count;
	if ((err = check_ids(s, at, "credentialId", "userHandle")) != AU_IO_OK)
		return err;
	if ((err = member_binary(o, "largeBlob", AU_IO_CDP, at, false, &der, &present)) != AU_IO_OK)
		return err;
	if (present && der.len > 0) {
		wa_blob_reset(&der);
		return fail_at(at, "largeBlob", AU_IO_ERR_UNSUPPORTED,
		               "the device has no large-blob storage");
	}
	if ((err = member_binary(o, "privateKey", AU_IO_CDP, at, true, &der, NULL)) == AU_IO_OK)
		err = read_private_key(&der, at, "privateKey", &s->c.key, &s->c.alg);
	OPENSSL_cleanse(der.ptr, der.len);
	wa_blob_reset(&der);
	return err;
}

static au_io_err read_playwright(const json_t *o, const place *at, staged *s)
{
	wa_blob der = {0}, spki = {0};
	const unsigned char *p;
	EVP_PKEY *pub = NULL;
	json_int_t count;
	au_io_err err;

	if ((err = member_binary(o, "id", AU_IO_PLAYWRIGHT, at, true, &s->c.id, NULL)) ||
	    (err = member_text(o, "rpId", at, true, s->c.rp_id, sizeof(s->c.rp_id))) ||
	    (err = member_binary(o, "userHandle", AU_IO_PLAYWRIGHT, at, true, &s->c.user_id,
	                         NULL)) ||
	    (err = member_count(o, "signCount", at, false, 0, 0, &count)))
		return err;
	/* Playwright seeds every credential as discoverable; without a user handle it cannot be. */
	s->c.resident = s->c.user_id.len > 0;
	s->c.counter = (uint32_t)count;
	if ((err = check_ids(s, at, "id", "userHandle")) != AU_IO_OK)
		return err;
	if ((err = member_binary(o, "privateKey", AU_IO_PLAYWRIGHT, at, true, &der, NULL)) ==
	            AU_IO_OK &&
	    (err = read_private_key(&der, at, "privateKey", &s->c.key, &s->c.alg)) == AU_IO_OK &&
	    (err = member_binary(o, "publicKey", AU_IO_PLAYWRIGHT, at, true, &spki, NULL)) ==
	            AU_IO_OK) {
		p = spki.ptr;
		pub = d2i_PUBKEY(NULL, &p, (long)spki.len);
		if (pub == NULL || p != spki.ptr + spki.len)
			err = fail_at(at, "publicKey", AU_IO_ERR_FIELD,
			              "%zu bytes that are not one DER SubjectPublicKeyInfo",
			              spki.len);
		else if (EVP_PKEY_eq(pub, s->c.key) != 1)
			err = fail_at(at, "publicKey", AU_IO_ERR_KEY_MISMATCH,
			              "the public key is not the private key's");
	}
	EVP_PKEY_free(pub);
	OPENSSL_cleanse(der.ptr, der.len);
	wa_blob_reset(&der);
	wa_blob_reset(&spki);
	return err;
}

static bool device_has_alg(const au_settings *s, int64_t alg)
{
	for (size_t i = 0; i < s->n_algs; i++)
		if (s->algs[i] == alg)
			return true;
	return false;
}

/* What the device can hold: its protocol, discoverable keys, algorithms and BE flag. */
static au_io_err check_device(const au_device *dev, const staged *s, const place *at)
{
	const au_settings *set = &dev->settings;

	if (set->protocol == AU_PROTOCOL_U2F && (s->c.resident || s->c.alg != WA_COSE_ES256))
		return fail_at(at, NULL, AU_IO_ERR_UNSUPPORTED,
		               "a U2F security key holds only non-discoverable ES256 credentials");
	if (s->c.resident && !set->resident_keys)
		return fail_at(at, NULL, AU_IO_ERR_UNSUPPORTED,
		               "a discoverable credential, and the device has resident_keys=false");
	if (!device_has_alg(set, s->c.alg))
		return fail_at(
		        at, "privateKey", AU_IO_ERR_ALG_OFF,
		        "%s (COSE %lld); `kagura-authn device set FILE algorithms=...` adds it",
		        wa_cose_alg_name(s->c.alg), (long long)s->c.alg);
	if (s->has_be && s->be != set->backup_eligible)
		return fail_at(at, "backupEligibility", AU_IO_ERR_BACKUP,
		               "the credential says %s, the device has backup_eligible=%s",
		               s->be ? "true" : "false", set->backup_eligible ? "true" : "false");
	return AU_IO_OK;
}

/* The same credential for the device: the same ID and RP, or one discoverable per RP and user. */
static bool same_credential(const au_credential *a, const au_credential *b)
{
	if (strcmp(a->rp_id, b->rp_id) != 0)
		return false;
	if (wa_blob_eq(&a->id, b->id.ptr, b->id.len))
		return true;
	return a->resident && b->resident &&
	       wa_blob_eq(&a->user_id, b->user_id.ptr, b->user_id.len);
}

/* ---- import: the whole input ---- */

/* The credentials array of the input, and how its members are named in a report. */
static au_io_err credential_list(json_t *root, au_io_format fmt, json_t **list,
                                 const char **list_name, au_io_report *rep)
{
	const char *id_member = fmt == AU_IO_CDP ? "credentialId" : "id";
	json_t *inner = json_is_object(root) ? json_object_get(root, "credentials") : NULL;

	if (json_is_array(root)) {
		*list = json_incref(root);
		*list_name = "";
	} else if (json_is_array(inner)) {
		/* WebAuthn.getCredentials' answer, or a Playwright storage state. */
		*list = json_incref(inner);
		*list_name = "credentials";
	} else if (json_is_object(root) && json_object_get(root, id_member) != NULL) {
		/* One credential on its own, as a test saves it. */
		if ((*list = json_array()) == NULL || json_array_append(*list, root) != 0)
			return fail(rep, AU_IO_ERR_NOMEM, "the credential list");
		*list_name = NULL;
	} else {
		return fail(rep, AU_IO_ERR_SHAPE, "a JSON %s without \"credentials\" or \"%s\"",
		            json_is_object(root) ? "object"
		                                 : "value that is not an object or array",
		            id_member);
	}
	if (json_array_size(*list) > AU_MAX_CREDENTIALS) {
		size_t n = json_array_size(*list);
		json_decref(*list);
		*list = NULL;
		return fail(rep, AU_IO_ERR_TOO_MANY, "%zu credentials, a device file holds %d", n,
		            AU_MAX_CREDENTIALS);
	}
	return AU_IO_OK;
}

static void staged_free(staged *s, size_t n)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		wa_blob_reset(&s[i].c.id);
		wa_blob_reset(&s[i].c.user_id);
		EVP_PKEY_free(s[i].c.key);
	}
	free(s);
}

/* Reads and checks every credential of list into in[]; the device is only read. */
static au_io_err read_all(const au_device *dev, json_t *list, const char *list_name,
                          const au_io_import_opts *opts, staged *in, bool *gone, au_io_report *rep)
{
	au_io_err err;

	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *o = json_array_get(list, i);
		place at = {rep, list_name, i};
		staged *s = &in[i];

		if (!json_is_object(o))
			return fail_at(&at, NULL, AU_IO_ERR_FIELD, "not an object");
		err = opts->format == AU_IO_CDP ? read_cdp(o, &at, s) : read_playwright(o, &at, s);
		if (err == AU_IO_OK)
			err = check_device(dev, s, &at);
		if (err != AU_IO_OK)
			return err;
		s->c.created = opts->now;
		for (size_t k = 0; k < i; k++)
			if (same_credential(&in[k].c, &s->c))
				return fail_at(&at, NULL, AU_IO_ERR_DUPLICATE,
				               "the same credential as [%zu] of the input", k);
		for (size_t k = 0; k < dev->n_credentials; k++) {
			if (!same_credential(&dev->credentials[k], &s->c))
				continue;
			if (!opts->replace)
				return fail_at(&at, NULL, AU_IO_ERR_DUPLICATE,
				               "credential %zu of the device file, rpId %s", k,
				               dev->credentials[k].rp_id);
			gone[k] = true;
		}
	}
	return AU_IO_OK;
}

/* Room for the new credentials once the replaced ones are gone: in all, and discoverable. */
static au_io_err check_room(const au_device *dev, const staged *in, size_t n, const bool *gone,
                            au_io_report *rep)
{
	size_t total = n, resident = 0;

	for (size_t i = 0; i < n; i++)
		resident += in[i].c.resident;
	for (size_t k = 0; k < dev->n_credentials; k++) {
		total += !gone[k];
		resident += !gone[k] && dev->credentials[k].resident;
	}
	if (total > AU_MAX_CREDENTIALS)
		return fail(rep, AU_IO_ERR_FULL, "%zu credentials, a device file holds %d", total,
		            AU_MAX_CREDENTIALS);
	if ((int)resident > dev->settings.key_store_size)
		return fail(rep, AU_IO_ERR_FULL,
		            "%zu discoverable credentials, the device has key_store_size=%d",
		            resident, dev->settings.key_store_size);
	return AU_IO_OK;
}

au_io_err au_io_import(au_device *dev, const char *text, size_t len, const au_io_import_opts *opts,
                       au_io_import_result *res, au_io_report *rep)
{
	json_error_t jerr;
	json_t *root, *list = NULL;
	const char *list_name = NULL;
	staged *in = NULL;
	bool gone[AU_MAX_CREDENTIALS] = {false};
	size_t n = 0;
	au_io_err err;

	memset(rep, 0, sizeof(*rep));
	memset(res, 0, sizeof(*res));
	if (len > AU_IO_MAX_INPUT)
		return fail(rep, AU_IO_ERR_TOO_BIG, "%zu bytes", len);
	if ((root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr)) == NULL)
		return fail(rep, AU_IO_ERR_NOT_JSON, "line %d, column %d: %s", jerr.line,
		            jerr.column, jerr.text);
	err = credential_list(root, opts->format, &list, &list_name, rep);
	if (err == AU_IO_OK) {
		n = json_array_size(list);
		if ((in = calloc(n ? n : 1, sizeof(*in))) == NULL)
			err = fail(rep, AU_IO_ERR_NOMEM, "%zu credentials", n);
	}
	if (err == AU_IO_OK)
		err = read_all(dev, list, list_name, opts, in, gone, rep);
	if (err == AU_IO_OK)
		err = check_room(dev, in, n, gone, rep);
	json_decref(list);
	json_decref(root);
	if (err != AU_IO_OK) {
		staged_free(in, n);
		return err;
	}
	/* Nothing can fail from here on: the replaced go (from the end, so indices hold), the new
	 * come. */
	for (size_t k = dev->n_credentials; k-- > 0;)
		if (gone[k]) {
			au_device_remove_credential(dev, k);
			res->replaced++;
		}
	for (size_t i = 0; i < n; i++) {
		*au_device_add_credential(dev) = in[i].c;
		memset(&in[i].c, 0, sizeof(in[i].c));
	}
	res->added = n;
	staged_free(in, n);
	return AU_IO_OK;
}

/* ---- input and the device file ---- */

au_io_err au_io_read(FILE *f, char **text, size_t *len)
{
	/* One byte past the cap tells a too-big input from one exactly at it. */
	size_t cap = AU_IO_MAX_INPUT + 1, n = 0, got;
	char *buf = malloc(cap + 1);

	*text = NULL;
	*len = 0;
	if (buf == NULL)
		return AU_IO_ERR_NOMEM;
	while (n < cap && (got = fread(buf + n, 1, cap - n, f)) > 0)
		n += got;
	if (ferror(f)) {
		free(buf);
		return AU_IO_ERR_READ;
	}
	if (n > AU_IO_MAX_INPUT) {
		free(buf);
		return AU_IO_ERR_TOO_BIG;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return AU_IO_OK;
}

au_io_err au_io_import_file(const char *path, const char *text, size_t len,
                            const au_io_import_opts *opts, au_io_import_result *res,
                            au_io_report *rep)
{
	au_device_lock *lock = NULL;
	au_device dev;
	au_err e;
	au_io_err err;

	memset(rep, 0, sizeof(*rep));
	memset(res, 0, sizeof(*res));
	/* Held from the load to the save: a credential another command adds meanwhile stays. */
	if (au_device_lock_take(path, AU_LOCK_EXISTING, &lock) != AU_OK)
		return fail(rep, AU_IO_ERR_DEVICE, "%s: its lock %s.lock: %s", path, path,
		            strerror(errno));
	if ((e = au_device_load(&dev, path)) != AU_OK) {
		au_device_lock_release(&lock);
		return fail(rep, AU_IO_ERR_DEVICE, "%s: %s", path, au_strerr(e));
	}
	err = au_io_import(&dev, text, len, opts, res, rep);
	if (err == AU_IO_OK && (e = au_device_save(&dev, path)) != AU_OK)
		err = fail(rep, AU_IO_ERR_DEVICE, "%s: %s", path, au_strerr(e));
	au_device_lock_release(&lock);
	au_device_free(&dev);
	return err;
}
