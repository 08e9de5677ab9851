#include "authenticator/device/device.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authenticator/device/device_lock.h"
#include "common/regular_file.h"
#include "webauthn/b64url.h"
#include "webauthn/cose.h"
#include "webauthn/credential.h"
#include "webauthn/x509util.h"
#include "webauthn/arraylen.h"

#define DEVICE_FILE_VERSION 1

/* ---- the settings table: one row per `device set` key ---- */

typedef enum kind { K_BOOL, K_INT, K_ENUM, K_STRING, K_ADDRESS, K_AAGUID, K_ALGS } kind;

static const char *const presence_names[] = {"consent", "decline", "timeout", NULL};
static const char *const lock_names[] = {"none",     "swipe",    "pattern", "pin",
                                         "password", "passcode", NULL};
static const char *const att_names[] = {"none", "packed-self", "packed", "fido-u2f", NULL};
static const char *const counter_names[] = {"per-credential", "none", NULL};
static const char *const protocol_names[] = {"ctap2", "u2f", NULL};

typedef struct setting {
	const char *name;
	kind kind;
	size_t offset;
	size_t size;              /* the field's size: a K_STRING's or K_ADDRESS's buffer */
	const char *const *names; /* K_ENUM */
	int min, max;             /* K_INT */
	const char *help;
} setting;

/* A row of settings.def: where its field is, and how large (a K_STRING's or K_ADDRESS's buffer). */
#define AU_SETTING(key, kind, field, names, min, max, help)                                      \
	{key, kind, offsetof(au_settings, field), sizeof(((au_settings *)0)->field), names, min, \
	 max, help},
static const setting settings_table[] = {
#include "authenticator/device/settings.def"
};

#define N_SETTINGS (KAGURA_LEN(settings_table))

static const setting *find_setting(const char *name)
{
	for (size_t i = 0; i < N_SETTINGS; i++)
		if (strcmp(settings_table[i].name, name) == 0)
			return &settings_table[i];
	return NULL;
}

static bool parse_bool(const char *v, bool *out)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "on") == 0 || strcmp(v, "1") == 0)
		*out = true;
	else if (strcmp(v, "false") == 0 || strcmp(v, "off") == 0 || strcmp(v, "0") == 0)
		*out = false;
	else
		return false;
	return true;
}

static bool parse_int(const char *v, int min, int max, int *out)
{
	char *end;
	long n = strtol(v, &end, 0);

	if (*v == '\0' || *end != '\0' || n < min || n > max)
		return false;
	*out = (int)n;
	return true;
}

static bool parse_aaguid(const char *v, uint8_t out[16])
{
	int n = 0;

	for (const char *p = v; *p != '\0'; p++) {
		unsigned x;
		if (*p == '-')
			continue;
		if (n == 16 || p[1] == '\0' || sscanf(p, "%2x", &x) != 1 || p[1] == '-')
			return false;
		out[n++] = (uint8_t)x;
		p++;
	}
	return n == 16;
}

static bool parse_algs(const char *v, au_settings *s)
{
	char buf[64];
	char *save = NULL, *tok;
	size_t n = 0;
	int64_t algs[AU_MAX_ALGS];

	if (strlen(v) >= sizeof(buf))
		return false;
	strcpy(buf, v);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		int a;
		if (n == AU_MAX_ALGS || !parse_int(tok, -65536, 65535, &a))
			return false;
		if (a != WA_COSE_ES256 && a != WA_COSE_EDDSA && a != WA_COSE_RS256)
			return false; /* the algorithms this device implements */
		algs[n++] = a;
	}
	if (n == 0)
		return false;
	memcpy(s->algs, algs, sizeof(algs[0]) * n);
	s->n_algs = n;
	return true;
}

au_err au_device_set(au_device *dev, const char *key, const char *value, const char **why)
{
	const setting *st = find_setting(key);
	au_settings next = dev->settings;
	char *base = (char *)&next + (st ? st->offset : 0);

	*why = NULL;
	if (st == NULL) {
		*why = key;
		return AU_ERR_SETTING_UNKNOWN;
	}
	switch (st->kind) {
	case K_BOOL:
		if (!parse_bool(value, (bool *)base)) {
			*why = "true or false";
			return AU_ERR_SETTING_VALUE;
		}
		break;
	case K_INT:
		if (!parse_int(value, st->min, st->max, (int *)base)) {
			*why = "an integer in range";
			return AU_ERR_SETTING_VALUE;
		}
		break;
	case K_ENUM: {
		int found = -1;
		for (int i = 0; st->names[i] != NULL; i++)
			if (strcmp(st->names[i], value) == 0)
				found = i;
		if (found < 0) {
			*why = "one of the listed names";
			return AU_ERR_SETTING_VALUE;
		}
		*(int *)base = found;
		break;
	}
	case K_STRING:
		if (strlen(value) == 0 || strlen(value) >= st->size) {
			*why = "a non-empty name";
			return AU_ERR_SETTING_VALUE;
		}
		memcpy(base, value, strlen(value) + 1);
		break;
	case K_ADDRESS: {
		unsigned char addr[16];
		if (strlen(value) >= st->size ||
		    (value[0] != '\0' && inet_pton(AF_INET, value, addr) != 1 &&
		     inet_pton(AF_INET6, value, addr) != 1)) {
			*why = "an IP address literal, or empty for the default route";
			return AU_ERR_SETTING_VALUE;
		}
		memcpy(base, value, strlen(value) + 1);
		break;
	}
	case K_AAGUID:
		if (!parse_aaguid(value, (uint8_t *)base)) {
			*why = "16 bytes as hex";
			return AU_ERR_SETTING_VALUE;
		}
		break;
	case K_ALGS:
		if (!parse_algs(value, &next)) {
			*why = "1 to 4 of -7, -8, -257";
			return AU_ERR_SETTING_VALUE;
		}
		break;
	}
	dev->settings = next;
	return AU_OK;
}

/* The text form of one setting, as `device set` takes it (buf at least 64 bytes). */
static void setting_text(const au_settings *s, const setting *st, char *buf, size_t size)
{
	const char *base = (const char *)s + st->offset;

	switch (st->kind) {
	case K_BOOL:
		snprintf(buf, size, "%s", *(const bool *)base ? "true" : "false");
		break;
	case K_INT:
		snprintf(buf, size, "%d", *(const int *)base);
		break;
	case K_ENUM:
		snprintf(buf, size, "%s", st->names[*(const int *)base]);
		break;
	case K_STRING:
	case K_ADDRESS:
		snprintf(buf, size, "%s", base);
		break;
	case K_AAGUID:
		wa_aaguid_format((const uint8_t *)base, buf);
		break;
	case K_ALGS: {
		size_t n = 0;
		buf[0] = '\0';
		for (size_t i = 0; i < s->n_algs; i++)
			n += (size_t)snprintf(buf + n, size - n, "%s%lld", i ? "," : "",
			                      (long long)s->algs[i]);
		break;
	}
	}
}

json_t *au_settings_to_json(const au_settings *s)
{
	json_t *obj = json_object();
	char buf[128];

	for (size_t i = 0; obj != NULL && i < N_SETTINGS; i++) {
		setting_text(s, &settings_table[i], buf, sizeof(buf));
		json_object_set_new(obj, settings_table[i].name, json_string(buf));
	}
	return obj;
}

void au_settings_help(FILE *out)
{
	int width = 0;

	/* The names' column as wide as the longest name, so the values line up. */
	for (size_t i = 0; i < N_SETTINGS; i++)
		if ((int)strlen(settings_table[i].name) > width)
			width = (int)strlen(settings_table[i].name);
	for (size_t i = 0; i < N_SETTINGS; i++) {
		const setting *st = &settings_table[i];
		bool values = st->kind == K_BOOL || st->kind == K_ENUM || st->kind == K_INT;
		fprintf(out, "  %-*s  ", width, st->name);
		if (st->kind == K_BOOL)
			fputs("true|false", out);
		else if (st->kind == K_ENUM)
			for (int k = 0; st->names[k] != NULL; k++)
				fprintf(out, "%s%s", k ? "|" : "", st->names[k]);
		else if (st->kind == K_INT)
			fprintf(out, "%d..%d", st->min, st->max);
		if (st->help)
			fprintf(out, "%s%s", values ? "  " : "", st->help);
		fputc('\n', out);
	}
}

/* ---- lifecycle ---- */

au_err au_device_init(au_device *dev, const char *persona)
{
	memset(dev, 0, sizeof(*dev));
	if (persona == NULL || strlen(persona) >= sizeof(dev->settings.persona))
		return AU_ERR_SETTING_VALUE;
	strcpy(dev->settings.persona, persona);
	/* A QR scan opens the persona's own browser until the user picks another default. */
	snprintf(dev->settings.default_browser, sizeof(dev->settings.default_browser), "%.63s",
	         persona);
	/* Chromium's virtual authenticator AAGUID: recognisable in captures. */
	memcpy(dev->settings.aaguid,
	       "\x01\x02\x03\x04\x05\x06\x07\x08\x01\x02\x03\x04\x05\x06\x07\x08", 16);
	dev->settings.algs[0] = WA_COSE_ES256;
	dev->settings.algs[1] = WA_COSE_EDDSA;
	dev->settings.algs[2] = WA_COSE_RS256;
	dev->settings.n_algs = 3;
	dev->settings.attestation = AU_ATT_NONE;
	dev->settings.resident_keys = true;
	dev->settings.counter = AU_COUNTER_PER_CREDENTIAL;
	dev->settings.key_store_size = 25;
	dev->settings.presence = AU_PRESENCE_CONSENT;
	dev->settings.screen_lock = AU_LOCK_PIN;
	dev->settings.biometrics_enrolled = true;
	dev->settings.passcode_fallback = true;
	dev->settings.icloud_keychain = true;
	dev->settings.autofill_passkeys = true;
	dev->settings.autofill_from_icloud = true;
	dev->settings.cookies = true;
	dev->settings.javascript = true;
	dev->settings.override_command = -1;
	return AU_OK;
}

static void credential_free(au_credential *c)
{
	wa_blob_reset(&c->id);
	wa_blob_reset(&c->user_id);
	wa_blob_reset(&c->key_der);
	EVP_PKEY_free(c->key);
	memset(c, 0, sizeof(*c));
}

void au_device_free(au_device *dev)
{
	au_device_clear_credentials(dev);
	EVP_PKEY_free(dev->att_key);
	wa_blob_reset(&dev->att_key_der);
	sk_X509_pop_free(dev->att_chain, X509_free);
	memset(dev, 0, sizeof(*dev));
}

au_credential *au_device_add_credential(au_device *dev)
{
	au_credential *c;

	if (dev->n_credentials == AU_MAX_CREDENTIALS)
		return NULL;
	c = &dev->credentials[dev->n_credentials++];
	memset(c, 0, sizeof(*c));
	return c;
}

void au_device_remove_credential(au_device *dev, size_t index)
{
	if (index >= dev->n_credentials)
		return;
	credential_free(&dev->credentials[index]);
	memmove(&dev->credentials[index], &dev->credentials[index + 1],
	        (dev->n_credentials - index - 1) * sizeof(dev->credentials[0]));
	dev->n_credentials--;
}

void au_device_clear_credentials(au_device *dev)
{
	for (size_t i = 0; i < dev->n_credentials; i++)
		credential_free(&dev->credentials[i]);
	dev->n_credentials = 0;
}

bool au_device_has_secure_lock(const au_settings *s)
{
	return s->screen_lock != AU_LOCK_NONE && s->screen_lock != AU_LOCK_SWIPE;
}

/* ---- persistence ---- */

static json_t *b64_json(const void *p, size_t n)
{
	char *s = wa_b64url_encode(p, n);
	json_t *j = s ? json_string(s) : NULL;

	free(s);
	return j;
}

au_err au_device_key_der(EVP_PKEY *key, wa_blob *der)
{
	unsigned char *p = NULL;
	int n;
	au_err e = AU_OK;

	if (der->len > 0)
		return AU_OK;
	if ((n = i2d_PrivateKey(key, &p)) <= 0 || wa_blob_set(der, p, (size_t)n) != WA_OK)
		e = AU_ERR_NOMEM;
	OPENSSL_free(p);
	return e;
}

/* The key's DER in base64url; der keeps it. */
static json_t *pkey_json(EVP_PKEY *key, wa_blob *der)
{
	if (au_device_key_der(key, der) != AU_OK)
		return NULL;
	return b64_json(der->ptr, der->len);
}

static json_t *credential_json(au_credential *c)
{
	return json_pack("{s:o, s:s, s:o, s:s, s:s, s:o, s:I, s:I, s:b, s:I}", "id",
	                 b64_json(c->id.ptr, c->id.len), "rp_id", c->rp_id, "user_id",
	                 b64_json(c->user_id.ptr, c->user_id.len), "user_name", c->user_name,
	                 "display_name", c->display_name, "private_key",
	                 pkey_json(c->key, &c->key_der), "alg", (json_int_t)c->alg, "counter",
	                 (json_int_t)c->counter, "resident", c->resident, "created",
	                 (json_int_t)c->created);
}

static json_t *device_json(au_device *dev)
{
	json_t *root = json_object(), *creds = json_array(), *chain = json_array();

	for (size_t i = 0; i < dev->n_credentials; i++)
		json_array_append_new(creds, credential_json(&dev->credentials[i]));
	for (int i = 0; dev->att_chain && i < sk_X509_num(dev->att_chain); i++) {
		unsigned char *der = NULL;
		int n = i2d_X509(sk_X509_value(dev->att_chain, i), &der);
		if (n > 0)
			json_array_append_new(chain, b64_json(der, (size_t)n));
		OPENSSL_free(der);
	}
	json_object_set_new(root, "version", json_integer(DEVICE_FILE_VERSION));
	json_object_set_new(root, "settings", au_settings_to_json(&dev->settings));
	json_object_set_new(root, "credentials", creds);
	if (dev->att_key != NULL) {
		json_object_set_new(root, "attestation_key",
		                    pkey_json(dev->att_key, &dev->att_key_der));
		json_object_set_new(root, "attestation_chain", chain);
	} else {
		json_decref(chain);
	}
	return root;
}

/* Durable once this returns: the folder's entry for the renamed file is on disk too. */
static void sync_folder(const char *path)
{
	char dir[4096];
	int fd;

	if (au_device_folder(path, dir, sizeof(dir)) &&
	    (fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* The device as FILE.tmpXXXXXX beside path, synced and renamed over it, the lock held. */
static au_err write_file(au_device *dev, const char *path)
{
	char tmp[4096];
	json_t *root = device_json(dev);
	char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	int fd = -1;
	au_err err = AU_ERR_IO;
	size_t len, off = 0;

	json_decref(root);
	if (text == NULL)
		return AU_ERR_NOMEM;
	if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= (int)sizeof(tmp))
		goto out;
	/* A temporary beside the file, renamed over it: a failed write leaves the old file whole.
	 */
	if ((fd = mkstemp(tmp)) < 0)
		goto out;
	if (fchmod(fd, 0600) != 0)
		goto fail;
	len = strlen(text);
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	if (write(fd, "\n", 1) != 1 || fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	sync_folder(path);
	err = AU_OK;
	goto out;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
	free(text);
	return err;
}

au_err au_device_save(au_device *dev, const char *path)
{
	au_device_lock *lock = NULL;
	char file[PATH_MAX];
	bool exists;
	/* Through a symbolic link, the file it leads to is replaced and the link stays. */
	au_err err = au_device_target(path, file, sizeof(file), &exists);

	if (err == AU_OK)
		err = au_device_lock_take(path, AU_LOCK_NEW, &lock);
	if (err == AU_OK)
		err = write_file(dev, file);
	au_device_lock_release(&lock);
	return err;
}

static bool json_b64(const json_t *v, wa_blob *out)
{
	return json_is_string(v) &&
	       wa_b64url_decode(json_string_value(v), json_string_length(v), out) == WA_OK;
}

/* A base64url member holding exactly one DER private key, its DER kept in der; NULL
 * otherwise (der empty). */
static EVP_PKEY *json_pkey(const json_t *v, wa_blob *der)
{
	const unsigned char *p;
	EVP_PKEY *key = NULL;

	if (json_b64(v, der)) {
		p = der->ptr;
		key = d2i_AutoPrivateKey(NULL, &p, (long)der->len);
		if (key != NULL && p != der->ptr + der->len) {
			EVP_PKEY_free(key);
			key = NULL;
		}
	}
	if (key == NULL)
		wa_blob_reset(der);
	return key;
}

/* A base64url member holding exactly one DER certificate; NULL otherwise. */
static X509 *json_x509(const json_t *v)
{
	wa_blob der = {0};
	X509 *cert = json_b64(v, &der) ? wa_x509_from_der(der.ptr, der.len) : NULL;

	wa_blob_reset(&der);
	return cert;
}

static bool copy_text(const json_t *v, char *buf, size_t size)
{
	if (!json_is_string(v) || json_string_length(v) >= size ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return false;
	memcpy(buf, json_string_value(v), json_string_length(v) + 1);
	return true;
}

static au_err load_credential(json_t *j, au_credential *c)
{
	json_int_t alg, counter, created;
	int resident;
	json_t *id, *uid, *rp, *un, *dn, *pk;

	if (json_unpack(j, "{s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:b, s:I}", "id", &id, "rp_id",
	                &rp, "user_id", &uid, "user_name", &un, "display_name", &dn, "private_key",
	                &pk, "alg", &alg, "counter", &counter, "resident", &resident, "created",
	                &created) != 0)
		return AU_ERR_FILE_FIELD;
	if (!json_b64(id, &c->id) || c->id.len == 0 || c->id.len > 1023 ||
	    !json_b64(uid, &c->user_id) || c->user_id.len > 64 ||
	    !copy_text(rp, c->rp_id, sizeof(c->rp_id)) ||
	    !copy_text(un, c->user_name, sizeof(c->user_name)) ||
	    !copy_text(dn, c->display_name, sizeof(c->display_name)) ||
	    (c->key = json_pkey(pk, &c->key_der)) == NULL || counter < 0 || counter > UINT32_MAX ||
	    created < 0)
		return AU_ERR_FILE_FIELD;
	if (alg != WA_COSE_ES256 && alg != WA_COSE_EDDSA && alg != WA_COSE_RS256)
		return AU_ERR_FILE_FIELD;
	c->alg = alg;
	c->counter = (uint32_t)counter;
	c->resident = resident;
	c->created = (time_t)created;
	return AU_OK;
}

static au_err load_settings(const json_t *j, au_settings *s)
{
	au_device tmp;
	const char *key, *why;
	json_t *v;

	if (!json_is_object(j))
		return AU_ERR_FILE_FIELD;
	memset(&tmp, 0, sizeof(tmp));
	tmp.settings = *s;
	json_object_foreach((json_t *)j, key, v)
	{
		if (!json_is_string(v) ||
		    au_device_set(&tmp, key, json_string_value(v), &why) != AU_OK)
			return AU_ERR_FILE_FIELD;
	}
	*s = tmp.settings;
	return AU_OK;
}

static au_err load_root(const json_t *root, au_device *dev)
{
	json_t *creds = json_object_get(root, "credentials"), *v;
	json_t *chain = json_object_get(root, "attestation_chain");
	size_t i;
	au_err err;

	if (!json_is_object(root) ||
	    json_integer_value(json_object_get(root, "version")) != DEVICE_FILE_VERSION)
		return AU_ERR_FILE_FORMAT;
	if ((err = load_settings(json_object_get(root, "settings"), &dev->settings)) != AU_OK)
		return err;
	if (!json_is_array(creds) || json_array_size(creds) > AU_MAX_CREDENTIALS)
		return AU_ERR_FILE_FIELD;
	json_array_foreach(creds, i, v)
	{
		if ((err = load_credential(v, au_device_add_credential(dev))) != AU_OK)
			return err;
	}
	if ((v = json_object_get(root, "attestation_key")) != NULL) {
		if ((dev->att_key = json_pkey(v, &dev->att_key_der)) == NULL ||
		    !json_is_array(chain) || json_array_size(chain) == 0 ||
		    (dev->att_chain = sk_X509_new_null()) == NULL)
			return AU_ERR_FILE_FIELD;
		json_array_foreach(chain, i, v)
		{
			X509 *cert = json_x509(v);
			if (cert == NULL || !sk_X509_push(dev->att_chain, cert)) {
				X509_free(cert);
				return AU_ERR_FILE_FIELD;
			}
		}
	}
	return AU_OK;
}

/* The device file's JSON; a FIFO or a device is refused at once instead of read (or waited on). */
static au_err read_json(const char *path, json_t **root)
{
	json_error_t jerr;
	FILE *f;
	cm_file_err fe = cm_file_open_regular(path, &f);

	*root = NULL;
	if (fe != CM_FILE_OK)
		return fe == CM_FILE_NOT_REGULAR ? AU_ERR_NOT_REGULAR : AU_ERR_IO;
	*root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	return *root != NULL ? AU_OK : AU_ERR_FILE_FORMAT;
}

au_err au_device_load(au_device *dev, const char *path)
{
	au_device_lock *lock;
	json_t *root;
	au_err err;

	au_device_init(dev, "unknown");
	/* Inside a writer's lock the lock nests; on its own a reader takes it only when it is free
	 * (which removes stale temporaries), else reads the whole file the last save renamed. */
	lock = au_device_lock_try(path);
	err = read_json(path, &root);
	au_device_lock_release(&lock);
	if (err != AU_OK)
		return err;
	err = load_root(root, dev);
	json_decref(root);
	if (err != AU_OK)
		au_device_free(dev);
	return err;
}
