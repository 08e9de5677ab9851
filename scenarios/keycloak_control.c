/* Test control on a real Keycloak through its Admin REST API (keycloak_control.h). */
#include "scenarios/keycloak_control.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/smtp_sink.h"

/* The required action that registers a passwordless credential (a passkey). */
#define KC_REGISTER_ACTION "webauthn-register-passwordless"
/* Keycloak's credential type of a passkey that logs in alone. */
#define KC_PASSKEY_TYPE "webauthn-passwordless"
/* How long the mailed setup link stays valid (Keycloak's lifespan, seconds): a CA QR's day. */
#define KC_SETUP_LINK_LIFESPAN_S 86400
/* How long the mail with the link may take: Keycloak sends it before it answers. */
#define KC_MAIL_WAIT_MS 15000
/* Each Admin REST request's bound: a server that is up answers at once. */
#define KC_REQUEST_TIMEOUT_S 30
/* Where the setup link starts in the mail's text. */
#define KC_ACTION_TOKEN_PATH "/login-actions/action-token?key="
#define KC_ANSWER_MAX        (4 * 1024 * 1024)

typedef struct kc_control {
	sc_control base;
	char server[512];
	char realm[128];
	char admin_user[256];
	char admin_password[256];
	char ca_file[1024];    /* "" the system's */
	sc_smtp_sink *mailbox; /* owned */
	pthread_mutex_t lock;  /* over token */
	char token[8192];      /* the admin-cli access token, "" none yet */
} kc_control;

/* Why stock Keycloak lacks each capability (index: the capability's bit, in control.h's
 * order). */
static const char *const kc_lacks[] = {
        "the Keycloak distribution runs on the machine's clock, which a test cannot move",
        "stock Keycloak has no forbidden source networks",
        "stock Keycloak has no registration-QR URL of its own (/registration?qr=); a device is "
        "set up through the execute-actions link the administrator mails",
        "stock Keycloak has no PC registration QR and no cross-device QR login",
        "the platform's IC-card login is not in these realms (stock Keycloak's X.509 login is "
        "not the platform's card login)",
        "stock Keycloak has no My Number card links",
        "stock Keycloak cannot disable a credential, only delete it",
};

_Static_assert(sizeof(kc_lacks) / sizeof(kc_lacks[0]) == SC_CAP_COUNT,
               "a reason for each capability");

static const char *lacks(sc_capability cap)
{
	return kc_lacks[__builtin_ctz((unsigned)cap)];
}

typedef struct buffer {
	char *data;
	size_t len;
	bool overflow;
} buffer;

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
	buffer *b = arg;
	size_t k = size * n;
	char *grown;

	if (b->len + k + 1 > KC_ANSWER_MAX || (grown = realloc(b->data, b->len + k + 1)) == NULL) {
		b->overflow = true;
		return 0;
	}
	b->data = grown;
	memcpy(b->data + b->len, p, k);
	b->len += k;
	b->data[b->len] = '\0';
	return k;
}

/* One HTTP request: *status and the body (the caller's, free()); false with why on a
 * transport failure. */
static bool request(kc_control *kc, const char *method, const char *url, const char *type,
                    const char *body, const char *token, long *status, char **answer, char *why,
                    size_t why_size)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char auth[sizeof(((kc_control *)0)->token) + sizeof("Authorization: Bearer ")];
	char err[CURL_ERROR_SIZE] = "";
	buffer b = {0};
	CURLcode rc;

	*answer = NULL;
	if (c == NULL) {
		snprintf(why, why_size, "out of memory");
		return false;
	}
	if (type != NULL) {
		char ct[128];
		snprintf(ct, sizeof(ct), "Content-Type: %s", type);
		h = curl_slist_append(h, ct);
	}
	if (token != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		h = curl_slist_append(h, auth);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)KC_REQUEST_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (kc->ca_file[0] != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, kc->ca_file);
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	if (rc != CURLE_OK) {
		snprintf(why, why_size, "%s %s: %s", method, url,
		         err[0] ? err : curl_easy_strerror(rc));
		free(b.data);
		return false;
	}
	*answer = b.data ? b.data : strdup("");
	return true;
}

/* A new admin-cli token of the master realm into kc->token (lock held). */
static sc_control_err fetch_token(kc_control *kc, char *why, size_t why_size)
{
	char url[1024], *form, *answer = NULL;
	CURL *esc = curl_easy_init();
	char *user = esc ? curl_easy_escape(esc, kc->admin_user, 0) : NULL;
	char *password = esc ? curl_easy_escape(esc, kc->admin_password, 0) : NULL;
	long status = 0;
	json_t *doc = NULL;
	const char *token;
	sc_control_err result = SC_CONTROL_OK;

	static const char form_words[] =
	        "grant_type=password&client_id=admin-cli&username=&password=";
	size_t form_size =
	        user && password ? strlen(user) + strlen(password) + sizeof(form_words) : 0;

	if ((form = form_size ? malloc(form_size) : NULL) != NULL)
		snprintf(form, form_size,
		         "grant_type=password&client_id=admin-cli&username=%s&password=%s", user,
		         password);
	curl_free(user);
	curl_free(password);
	curl_easy_cleanup(esc);
	if (form == NULL)
		return SC_CONTROL_ERR_NOMEM;
	snprintf(url, sizeof(url), "%s/realms/master/protocol/openid-connect/token", kc->server);
	if (!request(kc, "POST", url, "application/x-www-form-urlencoded", form, NULL, &status,
	             &answer, why, why_size)) {
		result = SC_CONTROL_ERR_TRANSPORT;
	} else if (status != 200 || (doc = json_loads(answer, 0, NULL)) == NULL ||
	           (token = json_string_value(json_object_get(doc, "access_token"))) == NULL ||
	           strlen(token) >= sizeof(kc->token)) {
		snprintf(why, why_size,
		         "Keycloak's admin token (admin-cli, master realm, user %s): HTTP %ld "
		         "%.200s",
		         kc->admin_user, status, answer);
		result = SC_CONTROL_ERR_REFUSED;
	} else {
		snprintf(kc->token, sizeof(kc->token), "%s", token);
	}
	json_decref(doc);
	free(answer);
	free(form);
	return result;
}

/*
 * An Admin REST call on the realm (path after /admin/realms/REALM), body JSON or NULL:
 * *status and *answer (JSON, the caller's; NULL for an empty body). An expired token is
 * fetched again once.
 */
static sc_control_err admin(kc_control *kc, const char *method, const char *path,
                            const json_t *body, long *status, json_t **answer, char *why,
                            size_t why_size)
{
	char url[1024], token[sizeof(kc->token)], *text = body ? json_dumps(body, 0) : NULL;
	char *raw = NULL;
	sc_control_err result = SC_CONTROL_OK;

	*answer = NULL;
	if (body != NULL && text == NULL)
		return SC_CONTROL_ERR_NOMEM;
	snprintf(url, sizeof(url), "%s/admin/realms/%s%s", kc->server, kc->realm, path);
	for (int attempt = 0; attempt < 2; attempt++) {
		pthread_mutex_lock(&kc->lock);
		if (attempt > 0 || kc->token[0] == '\0')
			result = fetch_token(kc, why, why_size);
		snprintf(token, sizeof(token), "%s", kc->token);
		pthread_mutex_unlock(&kc->lock);
		if (result != SC_CONTROL_OK)
			break;
		free(raw);
		raw = NULL;
		if (!request(kc, method, url, body ? "application/json" : NULL, text, token, status,
		             &raw, why, why_size)) {
			result = SC_CONTROL_ERR_TRANSPORT;
			break;
		}
		if (*status != 401)
			break;
	}
	if (result == SC_CONTROL_OK && raw != NULL && raw[0] != '\0')
		*answer = json_loads(raw, JSON_DECODE_ANY, NULL);
	if (result == SC_CONTROL_OK && (*status < 200 || *status > 299)) {
		snprintf(why, why_size, "Keycloak %s %s: HTTP %ld %.200s", method, path, *status,
		         raw ? raw : "");
		result = SC_CONTROL_ERR_REFUSED;
	}
	free(raw);
	free(text);
	return result;
}

static json_t *ok_answer(void)
{
	return json_pack("{s:s}", "status", "ok");
}

/* The Keycloak id of the user called name (its username), into id. */
static sc_control_err user_id(kc_control *kc, const char *name, char *id, size_t size, char *why,
                              size_t why_size)
{
	char path[512];
	long status;
	json_t *list = NULL;
	const char *v;
	CURL *esc = curl_easy_init();
	char *q = esc ? curl_easy_escape(esc, name ? name : "", 0) : NULL;
	sc_control_err e;

	if (name == NULL || q == NULL) {
		curl_free(q);
		curl_easy_cleanup(esc);
		snprintf(why, why_size, "Keycloak: no user name given");
		return q == NULL && name != NULL ? SC_CONTROL_ERR_NOMEM : SC_CONTROL_ERR_REFUSED;
	}
	snprintf(path, sizeof(path), "/users?exact=true&username=%s", q);
	curl_free(q);
	curl_easy_cleanup(esc);
	if ((e = admin(kc, "GET", path, NULL, &status, &list, why, why_size)) != SC_CONTROL_OK)
		return e;
	v = json_string_value(json_object_get(json_array_get(list, 0), "id"));
	if (v == NULL) {
		snprintf(why, why_size, "Keycloak realm %s has no user %s", kc->realm, name);
		e = SC_CONTROL_ERR_REFUSED;
	} else {
		snprintf(id, size, "%s", v);
	}
	json_decref(list);
	return e;
}

/* The CA registers a user: enabled, with an e-mail address on the control's mailbox and the
 * passkey's required action set, as an administrator creates a platform user. */
static sc_control_err create_user(kc_control *kc, const json_t *body, json_t **answer, char *why,
                                  size_t why_size)
{
	const char *name = json_string_value(json_object_get(body, "name"));
	char email[320];
	long status;
	json_t *user, *ignored = NULL;
	sc_control_err e;

	if (name == NULL)
		return SC_CONTROL_ERR_REFUSED;
	snprintf(email, sizeof(email), "%s@%s", name, SC_KEYCLOAK_MAIL_DOMAIN);
	user = json_pack("{s:s, s:s, s:b, s:b, s:[s]}", "username", name, "email", email,
	                 "emailVerified", 1, "enabled", 1, "requiredActions", KC_REGISTER_ACTION);
	if (user == NULL)
		return SC_CONTROL_ERR_NOMEM;
	e = admin(kc, "POST", "/users", user, &status, &ignored, why, why_size);
	json_decref(user);
	json_decref(ignored);
	if (e == SC_CONTROL_OK)
		*answer = ok_answer();
	return e;
}

static sc_control_err set_enabled(kc_control *kc, const json_t *body, json_t **answer, char *why,
                                  size_t why_size)
{
	char id[128], path[256];
	long status;
	json_t *change, *ignored = NULL;
	sc_control_err e;

	if ((e = user_id(kc, json_string_value(json_object_get(body, "name")), id, sizeof(id), why,
	                 why_size)) != SC_CONTROL_OK)
		return e;
	change = json_pack("{s:b}", "enabled", json_is_true(json_object_get(body, "enabled")));
	if (change == NULL)
		return SC_CONTROL_ERR_NOMEM;
	snprintf(path, sizeof(path), "/users/%s", id);
	e = admin(kc, "PUT", path, change, &status, &ignored, why, why_size);
	json_decref(change);
	json_decref(ignored);
	if (e == SC_CONTROL_OK)
		*answer = ok_answer();
	return e;
}

/* The user's passkeys as the mock lists devices: {credentials: [{id: "USER/CRED", enabled}]}
 * (a credential is deleted through its user). */
static sc_control_err list_credentials(kc_control *kc, const json_t *body, json_t **answer,
                                       char *why, size_t why_size)
{
	char id[128], path[256], both[300];
	long status;
	json_t *list = NULL, *out, *c;
	size_t i;
	sc_control_err e;

	if ((e = user_id(kc, json_string_value(json_object_get(body, "name")), id, sizeof(id), why,
	                 why_size)) != SC_CONTROL_OK)
		return e;
	snprintf(path, sizeof(path), "/users/%s/credentials", id);
	if ((e = admin(kc, "GET", path, NULL, &status, &list, why, why_size)) != SC_CONTROL_OK)
		return e;
	if ((out = json_array()) == NULL) {
		json_decref(list);
		return SC_CONTROL_ERR_NOMEM;
	}
	json_array_foreach(list, i, c)
	{
		const char *type = json_string_value(json_object_get(c, "type"));
		const char *cid = json_string_value(json_object_get(c, "id"));
		if (type == NULL || cid == NULL || strcmp(type, KC_PASSKEY_TYPE) != 0)
			continue;
		snprintf(both, sizeof(both), "%s/%s", id, cid);
		json_array_append_new(out, json_pack("{s:s, s:b}", "id", both, "enabled", 1));
	}
	json_decref(list);
	*answer = json_pack("{s:s, s:o}", "status", "ok", "credentials", out);
	return *answer ? SC_CONTROL_OK : SC_CONTROL_ERR_NOMEM;
}

static sc_control_err change_credential(kc_control *kc, const json_t *body, json_t **answer,
                                        char *why, size_t why_size)
{
	const char *both = json_string_value(json_object_get(body, "id"));
	char path[512];
	long status;
	json_t *ignored = NULL;
	sc_control_err e;

	if (!json_is_true(json_object_get(body, "delete"))) {
		snprintf(why, why_size, "%s", lacks(SC_CAP_DEVICE_STATE));
		return SC_CONTROL_ERR_UNSUPPORTED;
	}
	if (both == NULL || strchr(both, '/') == NULL) {
		snprintf(why, why_size, "Keycloak: a credential is named USER/CREDENTIAL");
		return SC_CONTROL_ERR_REFUSED;
	}
	snprintf(path, sizeof(path), "/users/%.*s/credentials/%s", (int)(strchr(both, '/') - both),
	         both, strchr(both, '/') + 1);
	e = admin(kc, "DELETE", path, NULL, &status, &ignored, why, why_size);
	json_decref(ignored);
	if (e == SC_CONTROL_OK)
		*answer = ok_answer();
	return e;
}

/* The execute-actions link in a mail as sent (quoted-printable undone), into url. */
static bool link_in_mail(char *mail, char *url, size_t size)
{
	char *at, *start, *end;

	sc_smtp_qp_decode(mail);
	if ((at = strstr(mail, KC_ACTION_TOKEN_PATH)) == NULL)
		return false;
	for (start = at; start > mail && strncmp(start, "http", 4) != 0; start--)
		;
	end = at + strcspn(at, " \t\r\n\"<>");
	if (strncmp(start, "http", 4) != 0 || (size_t)(end - start) >= size)
		return false;
	snprintf(url, size, "%.*s", (int)(end - start), start);
	return true;
}

/* The administrator mails the user the required action's link (valid lifespan seconds); the
 * CA's mailbox gets it. What a Keycloak platform's CA hands a user for a device, its QR. */
static sc_control_err setup_link(kc_control *kc, const json_t *body, json_t **answer, char *why,
                                 size_t why_size)
{
	const char *name = json_string_value(json_object_get(body, "user"));
	json_int_t lifespan = json_is_integer(json_object_get(body, "ttl_seconds"))
	                              ? json_integer_value(json_object_get(body, "ttl_seconds"))
	                              : KC_SETUP_LINK_LIFESPAN_S;
	char id[128], path[256], email[320], url[4096];
	long status;
	json_t *actions, *ignored = NULL;
	char *mail;
	sc_control_err e;

	if ((e = user_id(kc, name, id, sizeof(id), why, why_size)) != SC_CONTROL_OK)
		return e;
	if ((actions = json_pack("[s]", KC_REGISTER_ACTION)) == NULL)
		return SC_CONTROL_ERR_NOMEM;
	snprintf(path, sizeof(path), "/users/%s/execute-actions-email?lifespan=%lld", id,
	         (long long)lifespan);
	e = admin(kc, "PUT", path, actions, &status, &ignored, why, why_size);
	json_decref(actions);
	json_decref(ignored);
	if (e != SC_CONTROL_OK)
		return e;
	snprintf(email, sizeof(email), "%s@%s", name, SC_KEYCLOAK_MAIL_DOMAIN);
	if ((mail = sc_smtp_sink_take(kc->mailbox, email, KC_MAIL_WAIT_MS)) == NULL) {
		snprintf(why, why_size, "Keycloak sent no execute-actions mail to %s within %d s",
		         email, KC_MAIL_WAIT_MS / 1000);
		return SC_CONTROL_ERR_BAD_ANSWER;
	}
	if (!link_in_mail(mail, url, sizeof(url))) {
		snprintf(why, why_size, "the execute-actions mail to %s has no %s link", email,
		         KC_ACTION_TOKEN_PATH);
		free(mail);
		return SC_CONTROL_ERR_BAD_ANSWER;
	}
	free(mail);
	*answer = json_pack("{s:s, s:s}", "status", "ok", "url", url);
	return *answer ? SC_CONTROL_OK : SC_CONTROL_ERR_NOMEM;
}

static sc_control_err kc_call(sc_control *c, sc_control_op op, const json_t *body, json_t **answer,
                              char *why, size_t why_size)
{
	kc_control *kc = (kc_control *)c;

	switch (op) {
	case SC_CTL_USER_CREATE:
		return create_user(kc, body, answer, why, why_size);
	case SC_CTL_USER_ENABLED:
		return set_enabled(kc, body, answer, why, why_size);
	case SC_CTL_USER_CREDENTIALS:
		return list_credentials(kc, body, answer, why, why_size);
	case SC_CTL_CREDENTIAL:
		return change_credential(kc, body, answer, why, why_size);
	case SC_CTL_DEVICE_SETUP_LINK:
	case SC_CTL_REGISTRATION_QR: /* the QR a Keycloak platform's CA prints is this link */
		return setup_link(kc, body, answer, why, why_size);
	case SC_CTL_JPKI_LINK:
		snprintf(why, why_size, "%s", lacks(SC_CAP_MY_NUMBER));
		return SC_CONTROL_ERR_UNSUPPORTED;
	case SC_CTL_CLOCK:
		snprintf(why, why_size, "%s", lacks(SC_CAP_CLOCK));
		return SC_CONTROL_ERR_UNSUPPORTED;
	case SC_CTL_FORBIDDEN_NETWORKS:
		snprintf(why, why_size, "%s", lacks(SC_CAP_NETWORK_POLICY));
		return SC_CONTROL_ERR_UNSUPPORTED;
	default:
		return SC_CONTROL_ERR_UNSUPPORTED;
	}
}

static void kc_free(sc_control *c)
{
	kc_control *kc = (kc_control *)c;

	sc_smtp_sink_stop(kc->mailbox);
	pthread_mutex_destroy(&kc->lock);
	free(kc);
}

static const sc_control_ops kc_ops = {kc_call, kc_free};

sc_control *sc_control_keycloak_new(const sc_keycloak_config *cfg, char *why, size_t why_size)
{
	kc_control *kc = calloc(1, sizeof(*kc));
	json_t *smtp, *ignored = NULL;
	long status;
	sc_control_err e;

	if (kc == NULL) {
		snprintf(why, why_size, "out of memory");
		return NULL;
	}
	kc->base = (sc_control){.ops = &kc_ops, .caps = 0, .lacks_why = kc_lacks};
	snprintf(kc->server, sizeof(kc->server), "%s", cfg->server);
	snprintf(kc->realm, sizeof(kc->realm), "%s", cfg->realm);
	snprintf(kc->admin_user, sizeof(kc->admin_user), "%s", cfg->admin_user);
	snprintf(kc->admin_password, sizeof(kc->admin_password), "%s", cfg->admin_password);
	snprintf(kc->ca_file, sizeof(kc->ca_file), "%s", cfg->ca_file ? cfg->ca_file : "");
	pthread_mutex_init(&kc->lock, NULL);
	if ((kc->mailbox = sc_smtp_sink_start(why, why_size)) == NULL) {
		kc_free(&kc->base);
		return NULL;
	}
	smtp = json_pack("{s:{s:s, s:s, s:s, s:s}}", "smtpServer", "host", "127.0.0.1", "port", "0",
	                 "from", "ca@" SC_KEYCLOAK_MAIL_DOMAIN, "fromDisplayName",
	                 "kagura-harness CA");
	if (smtp != NULL) {
		char port[16];
		snprintf(port, sizeof(port), "%d", sc_smtp_sink_port(kc->mailbox));
		json_object_set_new(json_object_get(smtp, "smtpServer"), "port", json_string(port));
	}
	e = smtp ? admin(kc, "PUT", "", smtp, &status, &ignored, why, why_size)
	         : SC_CONTROL_ERR_NOMEM;
	json_decref(smtp);
	json_decref(ignored);
	if (e != SC_CONTROL_OK) {
		kc_free(&kc->base);
		return NULL;
	}
	return &kc->base;
}

/* The value of "KEY=value" in line into out, when line is that key's. */
static bool env_value(const char *line, const char *key, char *out, size_t size)
{
	size_t n = strlen(key), len;

	if (strncmp(line, key, n) != 0 || line[n] != '=')
		return false;
	len = strcspn(line + n + 1, "\r\n");
	snprintf(out, size, "%.*s", (int)len, line + n + 1);
	return true;
}

bool sc_keycloak_admin_env_read(const char *path, char *user, size_t user_size, char *password,
                                size_t password_size, char *why, size_t why_size)
{
	FILE *f = fopen(path, "r");
	char line[512];

	user[0] = password[0] = '\0';
	if (f == NULL) {
		snprintf(why, why_size, "%s cannot be read", path);
		return false;
	}
	while (fgets(line, sizeof(line), f) != NULL)
		if (!env_value(line, "KC_ADMIN_USERNAME", user, user_size))
			env_value(line, "KC_ADMIN_PASSWORD", password, password_size);
	fclose(f);
	if (user[0] == '\0' || password[0] == '\0') {
		snprintf(why, why_size, "%s has no KC_ADMIN_USERNAME and KC_ADMIN_PASSWORD lines",
		         path);
		return false;
	}
	return true;
}
