/*
 * kagura-authn device export / import (authenticator/device/device_io.c): credentials that
 * Chromium's DevTools (WebAuthn.getCredentials) and Playwright (BrowserContext.credentials.get)
 * really produced read back member for member; export → import → export round trips in both shapes;
 * every bad input refused with its own error and the JSON path at fault, the device unchanged;
 * and the device file byte-identical after a refused import.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "authenticator/device/attest.h"
#include "authenticator/device/device_io.h"
#include "webauthn/b64url.h"
#include "webauthn/cose.h"

/* What Chromium 156's WebAuthn.getCredentials answered after one create() and one get(). */
static const char chromium_credentials[] =
        "[{\"credentialId\":\"cdgChtLC2TUG1SIkyCHTnV1UnuFDm7IFoX07dSTA4VQ=\","
        "\"isResidentCredential\":"
        "true,\"rpId\":\"localhost\",\"privateKey\":"
        "\"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg"
        "uPn4aGaBFTTzKEB0I10639MmmIQQ6Qs78SvOAzOqK7ihRANCAAR1F2cxyZ/HQq0G/"
        "Ng6218X6DIirFrF+KkuQg9FNJ4Y1"
        "X+kLS4LC9VL7Wj5vZDaUtlSnKkWltQJLekpIe3PmLxK\",\"userHandle\":\"OTAwMDAwMDAx\","
        "\"signCount\":2,"
        "\"backupEligibility\":false,\"backupState\":false,\"userName\":\"900000001\","
        "\"userDisplayName\":\"Dr. Browser\"}]";

/* What Playwright 1.65's context.credentials.get() answered after credentials.create(rpId). */
static const char playwright_credentials[] =
        "[{\"id\":\"AnRj516MVHQmjuISFI_X8A\",\"rpId\":\"example.org\",\"userHandle\":"
        "\"d-FuSAY4h4afVUnEhW9Eug\",\"privateKey\":"
        "\"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg"
        "oKTXiEuKO-"
        "eReCMaLpkwowWfjds0iRbEWkxH7PmJBvKhRANCAAQW4s951BTfeBOfPdtyIxgTuxfhEuSehBIaSaYkGv9tT"
        "1nGNK_DEAo5WUqxEhoZp_aPg-7oCdBEEicYO-aIlPRt\",\"publicKey\":"
        "\"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcD"
        "QgAEFuLPedQU33gTnz3bciMYE7sX4RLknoQSGkmmJBr_"
        "bU9ZxjSvwxAKOVlKsRIaGaf2j4Pu6AnQRBInGDvmiJT0bQ\","
        "\"signCount\":0}]";

#define NOW ((time_t)1767225600) /* 2026-01-01, the imported credentials' creation time */

/* ---- helpers ---- */

static void new_device(au_device *dev)
{
	assert_int_equal(au_device_init(dev, "android-chrome-old"), AU_OK);
}

static void set(au_device *dev, const char *key, const char *value)
{
	const char *why;
	assert_int_equal(au_device_set(dev, key, value, &why), AU_OK);
}

/* A credential the device made itself, as make_credential fills one in. */
static au_credential *add(au_device *dev, int64_t alg, const char *rp, const char *user,
                          bool resident, uint32_t counter)
{
	au_credential *c = au_device_add_credential(dev);
	uint8_t id[32];

	assert_non_null(c);
	assert_int_equal(RAND_bytes(id, sizeof(id)), 1);
	assert_int_equal(wa_blob_set(&c->id, id, sizeof(id)), WA_OK);
	assert_int_equal(wa_blob_set(&c->user_id, user, strlen(user)), WA_OK);
	snprintf(c->rp_id, sizeof(c->rp_id), "%s", rp);
	snprintf(c->user_name, sizeof(c->user_name), "%s", user);
	snprintf(c->display_name, sizeof(c->display_name), "Dr. %s", user);
	assert_non_null(c->key = au_keygen(alg));
	c->alg = alg;
	c->resident = resident;
	c->counter = counter;
	c->created = NOW;
	return c;
}

static au_io_err import(au_device *dev, au_io_format fmt, bool replace, const char *text,
                        au_io_import_result *res, au_io_report *rep)
{
	au_io_import_opts o = {.format = fmt, .replace = replace, .now = NOW};
	return au_io_import(dev, text, strlen(text), &o, res, rep);
}

static json_t *export(const au_device *dev, au_io_format fmt, const char *rp)
{
	au_io_report rep;
	json_t *out = NULL;

	if (au_io_export(dev, fmt, rp, &out, &rep) != AU_IO_OK)
		fail_msg("export: %s: %s", rep.where, rep.detail);
	return out;
}

static char *dump(const json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_non_null(s);
	return s;
}

static void assert_json_equal(const json_t *got, const json_t *want)
{
	if (!json_equal(got, want)) {
		char *a = dump(got), *b = dump(want);
		print_error("got  %s\nwant %s\n", a, b);
		free(a);
		free(b);
		fail();
	}
}

/* The device's credentials are the same ones: ids, RPs, users, keys, counters, flags. */
static void assert_same_credentials(const au_device *a, const au_device *b)
{
	assert_int_equal(a->n_credentials, b->n_credentials);
	for (size_t i = 0; i < a->n_credentials; i++) {
		const au_credential *x = &a->credentials[i], *y = &b->credentials[i];
		assert_true(wa_blob_eq(&x->id, y->id.ptr, y->id.len));
		assert_string_equal(x->rp_id, y->rp_id);
		assert_int_equal(x->alg, y->alg);
		assert_int_equal(x->counter, y->counter);
		assert_int_equal(x->resident, y->resident);
		assert_int_equal(EVP_PKEY_eq(x->key, y->key), 1);
		if (x->resident)
			assert_true(wa_blob_eq(&x->user_id, y->user_id.ptr, y->user_id.len));
	}
}

/* A new device holding what text imports as fmt (which must succeed). */
static void import_into_new(au_device *dev, au_io_format fmt, const char *text,
                            au_io_import_result *res)
{
	au_io_report rep;
	au_io_err e;

	new_device(dev);
	e = import(dev, fmt, false, text, res, &rep);
	if (e != AU_IO_OK)
		fail_msg("import: %s at %s: %s", au_io_errname(e), rep.where, rep.detail);
}

/* The device exports (fmt) exactly the JSON want_text says. */
static void assert_exports(const au_device *dev, au_io_format fmt, const char *want_text)
{
	json_t *want, *got;

	assert_non_null(want = json_loads(want_text, 0, NULL));
	got = export(dev, fmt, NULL);
	assert_json_equal(got, want);
	json_decref(got);
	json_decref(want);
}

/* a's credentials exported as fmt into a new device b; what a exported (the caller's). */
static json_t *copy_via(const au_device *a, au_device *b, au_io_format fmt,
                        au_io_import_result *res)
{
	json_t *out = export(a, fmt, NULL);
	char *text = dump(out);

	import_into_new(b, fmt, text, res);
	free(text);
	return out;
}

/* ---- the shapes the tools really produce ---- */

/* What a tool wrote, read back member for member; exported again, it is what the tool wrote. */
static const struct tool_case {
	au_io_format fmt;
	const char *text;
	const char *rp_id;
	size_t id_len, user_id_len;
	const char *user_id, *user_name, *display_name; /* "": not in the tool's shape */
	uint32_t counter;
} tool_cases[] = {
        {AU_IO_CDP, chromium_credentials, "localhost", 32, 9, "900000001", "900000001",
         "Dr. Browser", 2},
        /* Playwright seeds discoverable credentials, without names */
        {AU_IO_PLAYWRIGHT, playwright_credentials, "example.org", 16, 16, NULL, "", "", 0},
};

static void test_tool_credential(void **state)
{
	const struct tool_case *t = *state;
	au_device dev;
	au_io_import_result res;
	const au_credential *c;

	import_into_new(&dev, t->fmt, t->text, &res);
	assert_int_equal(res.added, 1);
	assert_int_equal(res.replaced, 0);
	assert_int_equal(dev.n_credentials, 1);
	c = &dev.credentials[0];
	assert_int_equal(c->id.len, t->id_len);
	assert_string_equal(c->rp_id, t->rp_id);
	assert_int_equal(c->user_id.len, t->user_id_len);
	if (t->user_id != NULL)
		assert_true(wa_blob_eq(&c->user_id, t->user_id, strlen(t->user_id)));
	assert_string_equal(c->user_name, t->user_name);
	assert_string_equal(c->display_name, t->display_name);
	assert_int_equal(c->alg, WA_COSE_ES256);
	assert_int_equal(c->counter, t->counter);
	assert_true(c->resident);
	assert_int_equal(c->created, NOW);
	/* Member for member, the key's bytes included. */
	assert_exports(&dev, t->fmt, t->text);
	au_device_free(&dev);
}

/* The containers the tools write: one credential, getCredentials' answer, a storage state. */
static void test_containers(void **state)
{
	static const struct {
		au_io_format fmt;
		const char *prefix, *suffix;
	} cases[] = {
	        {AU_IO_CDP, "", ""},
	        {AU_IO_CDP, "{\"credentials\":", "}"},
	        {AU_IO_PLAYWRIGHT, "{\"cookies\":[],\"origins\":[],\"credentials\":", "}"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *src =
		        cases[i].fmt == AU_IO_CDP ? chromium_credentials : playwright_credentials;
		char text[2048];
		au_device dev;
		au_io_import_result res;
		au_io_report rep;

		/* An empty prefix: the credential object alone, without its array. */
		if (cases[i].prefix[0] == '\0')
			snprintf(text, sizeof(text), "%.*s", (int)strlen(src) - 2, src + 1);
		else
			snprintf(text, sizeof(text), "%s%s%s", cases[i].prefix, src,
			         cases[i].suffix);
		new_device(&dev);
		assert_int_equal(import(&dev, cases[i].fmt, false, text, &res, &rep), AU_IO_OK);
		assert_int_equal(dev.n_credentials, 1);
		au_device_free(&dev);
	}
}

/* ---- round trips ---- */

static void test_cdp_round_trip(void **state)
{
	au_device a, b;
	au_io_import_result res;
	json_t *first, *second, *entry;
	const char *text;

	(void)state;
	new_device(&a);
	add(&a, WA_COSE_ES256, "example.org", "alice", true, 7);
	add(&a, WA_COSE_EDDSA, "example.org", "bob", false, 0);
	add(&a, WA_COSE_RS256, "other.example", "carol", true, UINT32_MAX);
	first = copy_via(&a, &b, AU_IO_CDP, &res);
	assert_int_equal(json_array_size(first), 3);

	/* Standard base64 with padding: 32 bytes are 43 characters and one '='. */
	entry = json_array_get(first, 0);
	text = json_string_value(json_object_get(entry, "credentialId"));
	assert_int_equal(strlen(text), 44);
	assert_int_equal(text[43], '=');
	/* A non-discoverable credential carries no user handle, as Chromium's do not. */
	assert_null(json_object_get(json_array_get(first, 1), "userHandle"));
	assert_int_equal(json_integer_value(json_object_get(entry, "signCount")), 7);
	assert_true(json_is_false(json_object_get(entry, "backupEligibility")));

	assert_int_equal(res.added, 3);
	assert_same_credentials(&a, &b);
	second = export(&b, AU_IO_CDP, NULL);
	assert_json_equal(second, first);

	/* --rp-id: only that RP's credentials. */
	json_decref(second);
	second = export(&b, AU_IO_CDP, "other.example");
	assert_int_equal(json_array_size(second), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(second, 0), "rpId")),
	                    "other.example");

	json_decref(first);
	json_decref(second);
	au_device_free(&a);
	au_device_free(&b);
}

static void test_playwright_round_trip(void **state)
{
	au_device a, b;
	au_io_import_result res;
	json_t *first, *second, *cdp_a, *cdp_b;

	(void)state;
	new_device(&a);
	add(&a, WA_COSE_ES256, "example.org", "alice", true, 3);
	add(&a, WA_COSE_ES256, "example.org", "bob", false, 9);
	first = copy_via(&a, &b, AU_IO_PLAYWRIGHT, &res);
	/* Non-discoverable: an empty user handle, which reads back as non-discoverable. */
	assert_string_equal(
	        json_string_value(json_object_get(json_array_get(first, 1), "userHandle")), "");
	assert_same_credentials(&a, &b);
	second = export(&b, AU_IO_PLAYWRIGHT, NULL);
	assert_json_equal(second, first);
	/* The same credentials whichever shape carried them (bar the names Playwright lacks). */
	cdp_a = export(&a, AU_IO_CDP, NULL);
	cdp_b = export(&b, AU_IO_CDP, NULL);
	for (size_t i = 0; i < json_array_size(cdp_a); i++) {
		json_object_del(json_array_get(cdp_a, i), "userName");
		json_object_del(json_array_get(cdp_a, i), "userDisplayName");
		json_object_del(json_array_get(cdp_b, i), "userName");
		json_object_del(json_array_get(cdp_b, i), "userDisplayName");
	}
	assert_json_equal(cdp_b, cdp_a);
	json_decref(first);
	json_decref(second);
	json_decref(cdp_a);
	json_decref(cdp_b);
	au_device_free(&a);
	au_device_free(&b);
}

/* Playwright signs ES256 only: another algorithm is refused, naming the credential. */
static void test_playwright_export_alg(void **state)
{
	au_device dev;
	au_io_report rep;
	json_t *out = NULL;

	(void)state;
	new_device(&dev);
	add(&dev, WA_COSE_ES256, "example.org", "alice", true, 1);
	add(&dev, WA_COSE_EDDSA, "other.example", "bob", true, 1);
	assert_int_equal(au_io_export(&dev, AU_IO_PLAYWRIGHT, NULL, &out, &rep),
	                 AU_IO_ERR_EXPORT_ALG);
	assert_null(out);
	assert_string_equal(rep.where, "credentials[1]");
	assert_non_null(strstr(rep.detail, "EdDSA"));
	/* --rp-id leaves it out. */
	assert_int_equal(au_io_export(&dev, AU_IO_PLAYWRIGHT, "example.org", &out, &rep), AU_IO_OK);
	assert_int_equal(json_array_size(out), 1);
	json_decref(out);
	au_device_free(&dev);
}

/* counter=none is CDP's "no counter" (-1); -1 comes back as a credential at 0. */
static void test_no_counter(void **state)
{
	au_device a, b;
	au_io_import_result res;
	json_t *out;

	(void)state;
	new_device(&a);
	set(&a, "counter", "none");
	add(&a, WA_COSE_ES256, "example.org", "alice", true, 0);
	out = copy_via(&a, &b, AU_IO_CDP, &res);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(out, 0), "signCount")),
	                 -1);
	assert_int_equal(b.credentials[0].counter, 0);
	json_decref(out);
	au_device_free(&a);
	au_device_free(&b);
}

/*
 * A new device src with alice's and bob's credentials (ES256, the counter given), exported as
 * CDP with one member of credential i set to value: the list's text.
 */
static char *two_credentials(au_device *src, uint32_t counter, size_t i, const char *member,
                             json_t *value)
{
	json_t *list;
	char *text;

	new_device(src);
	add(src, WA_COSE_ES256, "example.org", "alice", true, counter);
	add(src, WA_COSE_ES256, "example.org", "bob", true, counter);
	list = export(src, AU_IO_CDP, NULL);
	json_object_set_new(json_array_get(list, i), member, value);
	text = dump(list);
	json_decref(list);
	return text;
}

/* --replace: the same credential replaced, with the counter the input says. */
static void test_replace(void **state)
{
	au_device dev;
	au_io_import_result res;
	au_io_report rep;
	char *text;

	(void)state;
	text = two_credentials(&dev, 5, 0, "signCount", json_integer(42));
	assert_int_equal(import(&dev, AU_IO_CDP, false, text, &res, &rep), AU_IO_ERR_DUPLICATE);
	assert_string_equal(rep.where, "[0]");
	assert_int_equal(import(&dev, AU_IO_CDP, true, text, &res, &rep), AU_IO_OK);
	assert_int_equal(res.added, 2);
	assert_int_equal(res.replaced, 2);
	assert_int_equal(dev.n_credentials, 2);
	assert_int_equal(dev.credentials[0].counter, 42);
	free(text);
	au_device_free(&dev);
}

/* ---- bad input: each refused with its error and path, the device unchanged ---- */

/* Standard base64 or base64url of p, as the format spells binary members. */
static json_t *binary(au_io_format fmt, const void *p, size_t n)
{
	char *s;
	json_t *j;

	if (fmt == AU_IO_PLAYWRIGHT) {
		s = wa_b64url_encode(p, n);
	} else {
		assert_non_null(s = malloc((n + 2) / 3 * 4 + 1));
		EVP_EncodeBlock((unsigned char *)s, p, (int)n);
	}
	j = json_string(s);
	free(s);
	return j;
}

static json_t *pkcs8_of(au_io_format fmt, EVP_PKEY *key)
{
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(key);
	unsigned char *der = NULL;
	int n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
	json_t *j = binary(fmt, der, (size_t)n);

	OPENSSL_free(der);
	PKCS8_PRIV_KEY_INFO_free(p8);
	EVP_PKEY_free(key);
	return j;
}

/* A P-256 PKCS#8 whose embedded public key is another key's (it ends the DER). */
static json_t *mismatched_pkcs8(au_io_format fmt)
{
	EVP_PKEY *a = au_keygen(WA_COSE_ES256), *b = au_keygen(WA_COSE_ES256);
	PKCS8_PRIV_KEY_INFO *pa = EVP_PKEY2PKCS8(a), *pb = EVP_PKEY2PKCS8(b);
	unsigned char *da = NULL, *db = NULL;
	int na = i2d_PKCS8_PRIV_KEY_INFO(pa, &da), nb = i2d_PKCS8_PRIV_KEY_INFO(pb, &db);
	const size_t point = 65; /* 04 || X || Y */
	json_t *j;

	assert_int_equal(na, nb);
	memcpy(da + na - point, db + nb - point, point);
	j = binary(fmt, da, (size_t)na);
	OPENSSL_free(da);
	OPENSSL_free(db);
	PKCS8_PRIV_KEY_INFO_free(pa);
	PKCS8_PRIV_KEY_INFO_free(pb);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
	return j;
}

/*
 * A new key's DER as i2d writes it: i2d_PrivateKey the traditional form (SEC1 ECPrivateKey,
 * PKCS#1 RSAPrivateKey: not PKCS#8), i2d_PUBKEY its SPKI.
 */
static json_t *new_key_der(au_io_format fmt, int64_t alg,
                           int (*i2d)(const EVP_PKEY *, unsigned char **))
{
	EVP_PKEY *key = au_keygen(alg);
	unsigned char *der = NULL;
	int n = i2d(key, &der);
	json_t *j = binary(fmt, der, (size_t)n);

	OPENSSL_free(der);
	EVP_PKEY_free(key);
	return j;
}

/* Values that need making: "@name" in a case's value. */
static json_t *special(const char *name, au_io_format fmt)
{
	static const uint8_t handle65[65] = {1};
	static const uint8_t id1024[1024] = {1};
	static const char pem[] =
	        "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0w\n";

	if (strcmp(name, "@p384") == 0)
		return pkcs8_of(fmt, EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"));
	if (strcmp(name, "@rsa1024") == 0)
		return pkcs8_of(fmt, EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024));
	if (strcmp(name, "@x25519") == 0)
		return pkcs8_of(fmt, EVP_PKEY_Q_keygen(NULL, NULL, "X25519"));
	if (strcmp(name, "@rsa") == 0)
		return pkcs8_of(fmt, au_keygen(WA_COSE_RS256));
	if (strcmp(name, "@sec1") == 0)
		return new_key_der(fmt, WA_COSE_ES256, i2d_PrivateKey);
	if (strcmp(name, "@pkcs1") == 0)
		return new_key_der(fmt, WA_COSE_RS256, i2d_PrivateKey);
	if (strcmp(name, "@pem") == 0)
		return binary(fmt, pem, strlen(pem));
	if (strcmp(name, "@mismatch") == 0)
		return mismatched_pkcs8(fmt);
	if (strcmp(name, "@other-spki") == 0)
		return new_key_der(fmt, WA_COSE_ES256, i2d_PUBKEY);
	if (strcmp(name, "@handle65") == 0)
		return binary(fmt, handle65, sizeof(handle65));
	if (strcmp(name, "@id1024") == 0)
		return binary(fmt, id1024, sizeof(id1024));
	if (strcmp(name, "@alice") == 0)
		return binary(fmt, "alice", 5);
	fail_msg("no special value %s", name);
	return NULL;
}

typedef struct bad_case {
	const char *name;
	au_io_format fmt;
	const char
	        *member; /* the member of the one good credential changed; NULL: raw is the input */
	const char *value; /* its new JSON value, "@..." one made by special(), NULL to delete it */
	const char *raw;   /* the whole input, "@twice"/"@device"/"@65" made from the good one */
	const char *device; /* a KEY=VALUE setting of the device first, or NULL */
	au_io_err want;
	const char *where;
} bad_case;

#define CDP AU_IO_CDP
#define PWR AU_IO_PLAYWRIGHT

static const bad_case bad_cases[] = {
        /* the document */
        {"not JSON", CDP, NULL, NULL, "[{\"credentialId\": ", NULL, AU_IO_ERR_NOT_JSON, ""},
        {"text after the JSON", CDP, NULL, NULL, "[] []", NULL, AU_IO_ERR_NOT_JSON, ""},
        {"duplicate member", CDP, NULL, NULL, "{\"credentials\":[],\"credentials\":[]}", NULL,
         AU_IO_ERR_NOT_JSON, ""},
        {"a number", CDP, NULL, NULL, "42", NULL, AU_IO_ERR_SHAPE, ""},
        {"an object of something else", CDP, NULL, NULL, "{\"cookies\":[]}", NULL, AU_IO_ERR_SHAPE,
         ""},
        {"a Playwright credential read as CDP", CDP, NULL, NULL,
         "{\"id\":\"AAAA\",\"rpId\":\"example.org\"}", NULL, AU_IO_ERR_SHAPE, ""},
        {"more than a device holds", CDP, NULL, NULL, "@65", NULL, AU_IO_ERR_TOO_MANY, ""},
        {"an element that is not an object", CDP, NULL, NULL, "[\"AAAA\"]", NULL, AU_IO_ERR_FIELD,
         "[0]"},
        /* members */
        {"credentialId missing", CDP, "credentialId", NULL, NULL, NULL, AU_IO_ERR_FIELD,
         "[0].credentialId"},
        {"credentialId a number", CDP, "credentialId", "7", NULL, NULL, AU_IO_ERR_FIELD,
         "[0].credentialId"},
        {"credentialId empty", CDP, "credentialId", "\"\"", NULL, NULL, AU_IO_ERR_FIELD,
         "[0].credentialId"},
        {"credentialId over 1023 bytes", CDP, "credentialId", "@id1024", NULL, NULL,
         AU_IO_ERR_FIELD, "[0].credentialId"},
        {"isResidentCredential missing", CDP, "isResidentCredential", NULL, NULL, NULL,
         AU_IO_ERR_FIELD, "[0].isResidentCredential"},
        {"isResidentCredential a string", CDP, "isResidentCredential", "\"true\"", NULL, NULL,
         AU_IO_ERR_FIELD, "[0].isResidentCredential"},
        {"rpId missing", CDP, "rpId", NULL, NULL, NULL, AU_IO_ERR_FIELD, "[0].rpId"},
        {"rpId empty", CDP, "rpId", "\"\"", NULL, NULL, AU_IO_ERR_FIELD, "[0].rpId"},
        {"privateKey missing", CDP, "privateKey", NULL, NULL, NULL, AU_IO_ERR_FIELD,
         "[0].privateKey"},
        {"discoverable without userHandle", CDP, "userHandle", NULL, NULL, NULL, AU_IO_ERR_FIELD,
         "[0].userHandle"},
        {"userHandle over 64 bytes", CDP, "userHandle", "@handle65", NULL, NULL, AU_IO_ERR_FIELD,
         "[0].userHandle"},
        {"signCount missing", CDP, "signCount", NULL, NULL, NULL, AU_IO_ERR_FIELD, "[0].signCount"},
        {"signCount -2", CDP, "signCount", "-2", NULL, NULL, AU_IO_ERR_FIELD, "[0].signCount"},
        {"signCount 2^32", CDP, "signCount", "4294967296", NULL, NULL, AU_IO_ERR_FIELD,
         "[0].signCount"},
        {"signCount a fraction", CDP, "signCount", "1.5", NULL, NULL, AU_IO_ERR_FIELD,
         "[0].signCount"},
        {"signCount a string", CDP, "signCount", "\"1\"", NULL, NULL, AU_IO_ERR_FIELD,
         "[0].signCount"},
        {"userName over 127 bytes", CDP, "userName",
         "\"0123456789012345678901234567890123456789012345678901234567890123456789012345678901"
         "2345678901234567890123456789012345678901234567\"",
         NULL, NULL, AU_IO_ERR_FIELD, "[0].userName"},
        /* base64 flavours */
        {"base64url in CDP", CDP, "credentialId", "\"-_-_\"", NULL, NULL, AU_IO_ERR_BASE64,
         "[0].credentialId"},
        {"base64 without its padding", CDP, "userHandle", "\"OTAwMDAwMDAxMQ\"", NULL, NULL,
         AU_IO_ERR_BASE64, "[0].userHandle"},
        {"base64 with a foreign character", CDP, "privateKey", "\"MIGH!gEA\"", NULL, NULL,
         AU_IO_ERR_BASE64, "[0].privateKey"},
        {"base64 with non-zero trailing bits", CDP, "credentialId", "\"AB==\"", NULL, NULL,
         AU_IO_ERR_BASE64, "[0].credentialId"},
        {"standard base64 in Playwright", PWR, "id", "\"AAA+/w==\"", NULL, NULL, AU_IO_ERR_BASE64,
         "[0].id"},
        /* keys */
        {"a SEC1 key, not PKCS#8", CDP, "privateKey", "@sec1", NULL, NULL, AU_IO_ERR_NOT_PKCS8,
         "[0].privateKey"},
        {"a PKCS#1 RSA key, not PKCS#8", CDP, "privateKey", "@pkcs1", NULL, NULL,
         AU_IO_ERR_NOT_PKCS8, "[0].privateKey"},
        {"PEM text, not DER", CDP, "privateKey", "@pem", NULL, NULL, AU_IO_ERR_NOT_PKCS8,
         "[0].privateKey"},
        {"random bytes", CDP, "privateKey", "\"AAECAwQFBgc=\"", NULL, NULL, AU_IO_ERR_NOT_PKCS8,
         "[0].privateKey"},
        {"a P-384 key", CDP, "privateKey", "@p384", NULL, NULL, AU_IO_ERR_KEY_TYPE,
         "[0].privateKey"},
        {"a 1024-bit RSA key", CDP, "privateKey", "@rsa1024", NULL, NULL, AU_IO_ERR_KEY_TYPE,
         "[0].privateKey"},
        {"an X25519 key", CDP, "privateKey", "@x25519", NULL, NULL, AU_IO_ERR_KEY_TYPE,
         "[0].privateKey"},
        {"a private key whose public key is another's", CDP, "privateKey", "@mismatch", NULL, NULL,
         AU_IO_ERR_KEY_MISMATCH, "[0].privateKey"},
        {"a public key that is not the private key's", PWR, "publicKey", "@other-spki", NULL, NULL,
         AU_IO_ERR_KEY_MISMATCH, "[0].publicKey"},
        {"a publicKey that is not SPKI", PWR, "publicKey", "\"AAECAw\"", NULL, NULL,
         AU_IO_ERR_FIELD, "[0].publicKey"},
        {"Playwright without publicKey", PWR, "publicKey", NULL, NULL, NULL, AU_IO_ERR_FIELD,
         "[0].publicKey"},
        /* what the device cannot use */
        {"RS256 on an ES256-only device", CDP, "privateKey", "@rsa", NULL, "algorithms=-7",
         AU_IO_ERR_ALG_OFF, "[0].privateKey"},
        {"discoverable on a device without resident keys", CDP, NULL, NULL, NULL,
         "resident_keys=false", AU_IO_ERR_UNSUPPORTED, "[0]"},
        {"discoverable on a U2F key", CDP, NULL, NULL, NULL, "protocol=u2f", AU_IO_ERR_UNSUPPORTED,
         "[0]"},
        {"a large blob", CDP, "largeBlob", "\"AAEC\"", NULL, NULL, AU_IO_ERR_UNSUPPORTED,
         "[0].largeBlob"},
        {"backup eligible on a device that is not", CDP, "backupEligibility", "true", NULL, NULL,
         AU_IO_ERR_BACKUP, "[0].backupEligibility"},
        {"not backup eligible on a device that is", CDP, NULL, NULL, NULL, "backup_eligible=true",
         AU_IO_ERR_BACKUP, "[0].backupEligibility"},
        /* duplicates and room */
        {"the same credential twice", CDP, NULL, NULL, "@twice", NULL, AU_IO_ERR_DUPLICATE, "[1]"},
        {"a credential the device holds", CDP, NULL, NULL, "@device", NULL, AU_IO_ERR_DUPLICATE,
         "[0]"},
        {"a second discoverable one for the RP and user", CDP, "userHandle", "@alice", NULL, NULL,
         AU_IO_ERR_DUPLICATE, "[0]"},
        {"no room for discoverable credentials", CDP, NULL, NULL, NULL, "key_store_size=1",
         AU_IO_ERR_FULL, ""},
};

/* The input of a case: the good credential changed as the case says, or its raw text. */
static char *case_input(const bad_case *bc, const char *good, const char *held)
{
	json_t *list, *cred;
	char *text;

	if (bc->raw != NULL && strcmp(bc->raw, "@device") == 0)
		return strdup(held);
	if (bc->raw != NULL && bc->raw[0] != '@')
		return strdup(bc->raw);
	assert_non_null(list = json_loads(good, 0, NULL));
	cred = json_array_get(list, 0);
	if (bc->raw != NULL) {
		size_t copies = strcmp(bc->raw, "@twice") == 0 ? 2 : AU_MAX_CREDENTIALS + 1;
		for (size_t i = 1; i < copies; i++)
			json_array_append(list, cred);
	} else if (bc->member != NULL && bc->value == NULL) {
		json_object_del(cred, bc->member);
	} else if (bc->member != NULL) {
		json_t *v = bc->value[0] == '@' ? special(bc->value, bc->fmt)
		                                : json_loads(bc->value, JSON_DECODE_ANY, NULL);
		assert_non_null(v);
		json_object_set_new(cred, bc->member, v);
	}
	text = dump(list);
	json_decref(list);
	return text;
}

static void test_bad_input(void **state)
{
	au_device src;

	(void)state;
	/* The good credential: bob's, from another device; the device under test holds alice's. */
	new_device(&src);
	add(&src, WA_COSE_ES256, "example.org", "bob", true, 4);
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const bad_case *bc = &bad_cases[i];
		au_device dev;
		au_io_import_result res;
		au_io_report rep;
		json_t *good = export(&src, bc->fmt, NULL), *held, *before, *after;
		char *good_text = dump(good), *held_text, *input;
		au_io_err got;

		new_device(&dev);
		add(&dev, WA_COSE_ES256, "example.org", "alice", true, 1);
		held = export(&dev, bc->fmt, NULL);
		held_text = dump(held);
		if (bc->device != NULL) {
			char key[64];
			const char *eq = strchr(bc->device, '=');
			snprintf(key, sizeof(key), "%.*s", (int)(eq - bc->device), bc->device);
			set(&dev, key, eq + 1);
		}
		before = export(&dev, AU_IO_CDP, NULL);
		input = case_input(bc, good_text, held_text);
		got = import(&dev, bc->fmt, false, input, &res, &rep);
		if (got != bc->want || strcmp(rep.where, bc->where) != 0)
			fail_msg("%s: got %s at \"%s\" (%s), want %s at \"%s\"", bc->name,
			         au_io_errname(got), rep.where, rep.detail, au_io_errname(bc->want),
			         bc->where);
		/* Refused means untouched: the same credentials, nothing added. */
		after = export(&dev, AU_IO_CDP, NULL);
		if (!json_equal(before, after))
			fail_msg("%s: the device changed", bc->name);
		assert_int_equal(res.added, 0);
		free(input);
		free(good_text);
		free(held_text);
		json_decref(good);
		json_decref(held);
		json_decref(before);
		json_decref(after);
		au_device_free(&dev);
	}
	au_device_free(&src);
}

/* All or nothing: a good first credential is not kept when the second is refused. */
static void test_all_or_nothing(void **state)
{
	au_device src, dev;
	au_io_import_result res;
	au_io_report rep;
	char *text;

	(void)state;
	text = two_credentials(&src, 1, 1, "privateKey", json_string("AAECAwQFBgc="));
	new_device(&dev);
	assert_int_equal(import(&dev, AU_IO_CDP, false, text, &res, &rep), AU_IO_ERR_NOT_PKCS8);
	assert_string_equal(rep.where, "[1].privateKey");
	assert_int_equal(dev.n_credentials, 0);
	free(text);
	au_device_free(&src);
	au_device_free(&dev);
}

static void test_too_big(void **state)
{
	au_device dev;
	au_io_import_result res;
	au_io_report rep;
	au_io_import_opts o = {.format = AU_IO_CDP, .now = NOW};
	char *big = malloc(AU_IO_MAX_INPUT + 2);
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_non_null(big);
	memset(big, ' ', AU_IO_MAX_INPUT + 1);
	big[0] = '[';
	big[AU_IO_MAX_INPUT - 1] = ']';
	big[AU_IO_MAX_INPUT + 1] = '\0';
	new_device(&dev);
	assert_int_equal(au_io_import(&dev, big, AU_IO_MAX_INPUT + 1, &o, &res, &rep),
	                 AU_IO_ERR_TOO_BIG);
	/* Exactly at the cap is read and taken (an empty list of credentials). */
	assert_int_equal(au_io_import(&dev, big, AU_IO_MAX_INPUT, &o, &res, &rep), AU_IO_OK);
	assert_non_null(f = tmpfile());
	assert_int_equal(fwrite(big, 1, AU_IO_MAX_INPUT, f), AU_IO_MAX_INPUT);
	rewind(f);
	assert_int_equal(au_io_read(f, &text, &len), AU_IO_OK);
	assert_int_equal(len, AU_IO_MAX_INPUT);
	free(text);
	fputc(' ', f);
	rewind(f);
	assert_int_equal(au_io_read(f, &text, &len), AU_IO_ERR_TOO_BIG);
	assert_null(text);
	fclose(f);
	free(big);
	au_device_free(&dev);
}

/* ---- the device file ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;

	assert_non_null(f);
	assert_int_equal(au_io_read(f, &text, len), AU_IO_OK);
	fclose(f);
	return text;
}

static void test_device_file(void **state)
{
	char dir[] = "/tmp/kagura-device-io-XXXXXX", path[64];
	static const char *const refused[] = {"{", "[{\"credentialId\":\"-_\"}]", "[42]"};
	au_device dev;
	au_io_import_result res;
	au_io_report rep;
	au_io_import_opts o = {.format = AU_IO_CDP, .now = NOW};
	struct stat st;
	char *orig, *now;
	size_t orig_len, now_len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/phone.json", dir);
	new_device(&dev);
	add(&dev, WA_COSE_ES256, "example.org", "alice", true, 1);
	assert_int_equal(au_device_save(&dev, path), AU_OK);
	au_device_free(&dev);
	orig = slurp(path, &orig_len);

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_not_equal(
		        au_io_import_file(path, refused[i], strlen(refused[i]), &o, &res, &rep),
		        AU_IO_OK);
		now = slurp(path, &now_len);
		assert_int_equal(now_len, orig_len);
		assert_memory_equal(now, orig, orig_len);
		free(now);
	}
	/* A device file that is not one is reported as such. */
	assert_int_equal(au_io_import_file(dir, "[]", 2, &o, &res, &rep), AU_IO_ERR_DEVICE);

	assert_int_equal(au_io_import_file(path, chromium_credentials, strlen(chromium_credentials),
	                                   &o, &res, &rep),
	                 AU_IO_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(au_device_load(&dev, path), AU_OK);
	assert_int_equal(dev.n_credentials, 2);
	au_device_free(&dev);
	free(orig);
	unlink(path);
	rmdir(dir);
}

static void test_errors_named(void **state)
{
	au_io_format f;

	(void)state;
	for (int e = 0; e < AU_IO_ERR__COUNT; e++) {
		assert_non_null(au_io_strerr((au_io_err)e));
		assert_non_null(au_io_errname((au_io_err)e));
	}
	assert_string_equal(au_io_errname(AU_IO_ERR_KEY_MISMATCH), "AU_IO_ERR_KEY_MISMATCH");
	assert_true(au_io_format_parse("cdp", &f) && f == AU_IO_CDP);
	assert_true(au_io_format_parse("playwright", &f) && f == AU_IO_PLAYWRIGHT);
	assert_false(au_io_format_parse("webdriver", &f));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        {"test_chromium_credential", test_tool_credential, NULL, NULL,
	         (void *)&tool_cases[0]},
	        {"test_playwright_credential", test_tool_credential, NULL, NULL,
	         (void *)&tool_cases[1]},
	        cmocka_unit_test(test_containers),
	        cmocka_unit_test(test_cdp_round_trip),
	        cmocka_unit_test(test_playwright_round_trip),
	        cmocka_unit_test(test_playwright_export_alg),
	        cmocka_unit_test(test_no_counter),
	        cmocka_unit_test(test_replace),
	        cmocka_unit_test(test_bad_input),
	        cmocka_unit_test(test_all_or_nothing),
	        cmocka_unit_test(test_too_big),
	        cmocka_unit_test(test_device_file),
	        cmocka_unit_test(test_errors_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
