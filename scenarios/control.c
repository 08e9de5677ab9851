/* Test control as one interface (control.h), and its mock-platform implementation: each
 * operation a POST of the body to /test-control/OP. */
#include "scenarios/control.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authenticator/web/web.h"

#define SC_CTL_PATH(name, path) [name] = path,
static const char *const op_paths[SC_CTL__COUNT] = {SC_CONTROL_OP_TABLE(SC_CTL_PATH)};
#undef SC_CTL_PATH

KAGURA_XT_ACCESSOR(sc_control_strerr, sc_control_err, SC_CONTROL_ERROR_TABLE, KAGURA_XT_FIELD1,
                   SC_CONTROL_ERR__COUNT, "unknown error")

const char *sc_control_op_path(sc_control_op op)
{
	return op < SC_CTL__COUNT ? op_paths[op] : "(unknown)";
}

sc_control_err sc_control_call(sc_control *c, sc_control_op op, json_t *body, json_t **answer,
                               char *why, size_t why_size)
{
	sc_control_err e;

	*answer = NULL;
	why[0] = '\0';
	if (body == NULL)
		e = SC_CONTROL_ERR_NOMEM;
	else if (op >= SC_CTL__COUNT)
		e = SC_CONTROL_ERR_UNSUPPORTED;
	else
		e = c->ops->call(c, op, body, answer, why, why_size);
	json_decref(body);
	if (e != SC_CONTROL_OK) {
		json_decref(*answer);
		*answer = NULL;
		if (why[0] == '\0')
			snprintf(why, why_size, "%s: %s", sc_control_op_path(op),
			         sc_control_strerr(e));
	}
	return e;
}

unsigned sc_control_lacks(const sc_control *c, unsigned caps, const char **why)
{
	unsigned missing = caps & SC_CAP_ALL & ~c->caps;

	*why = NULL;
	for (unsigned bit = 0; missing != 0; bit++) {
		if (missing & (1u << bit)) {
			*why = c->lacks_why ? c->lacks_why[bit] : "the platform lacks it";
			return 1u << bit;
		}
	}
	return 0;
}

void sc_control_free(sc_control *c)
{
	if (c != NULL)
		c->ops->free(c);
}

/* ---- the mock platform: POST /test-control/OP ---- */

typedef struct mock_control {
	sc_control base;
	char url[512]; /* "BASE/test-control/" */
	au_web *web;   /* owned: the CA's own hand, no cookies kept */
} mock_control;

static sc_control_err mock_call(sc_control *c, sc_control_op op, const json_t *body,
                                json_t **answer, char *why, size_t why_size)
{
	mock_control *m = (mock_control *)c;
	char url[1024];
	au_web_response r = {0};
	au_web_err e;
	sc_control_err result = SC_CONTROL_OK;

	snprintf(url, sizeof(url), "%s%s", m->url, sc_control_op_path(op));
	e = au_web_post_json(m->web, url, body, &r);
	if (e != AU_WEB_OK) {
		snprintf(why, why_size, "test control %s: %s (%s)", sc_control_op_path(op),
		         au_web_strerr(e), r.error);
		result = SC_CONTROL_ERR_TRANSPORT;
	} else if ((*answer = json_loads(r.body, 0, NULL)) == NULL ||
	           json_string_value(json_object_get(*answer, "status")) == NULL ||
	           strcmp(json_string_value(json_object_get(*answer, "status")), "ok") != 0) {
		snprintf(why, why_size, "test control %s: HTTP %ld %.300s", sc_control_op_path(op),
		         r.status, r.body ? r.body : "");
		result = SC_CONTROL_ERR_REFUSED;
	}
	au_web_response_reset(&r);
	return result;
}

static void mock_free(sc_control *c)
{
	mock_control *m = (mock_control *)c;

	au_web_free(m->web);
	free(m);
}

static const sc_control_ops mock_ops = {mock_call, mock_free};

sc_control *sc_control_mock_new(const char *base, const char *ca_file)
{
	mock_control *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->base = (sc_control){.ops = &mock_ops, .caps = SC_CAP_ALL};
	snprintf(m->url, sizeof(m->url), "%s/test-control/", base);
	if ((m->web = au_web_new(NULL)) == NULL ||
	    (ca_file != NULL && au_web_set_ca_file(m->web, ca_file) != AU_WEB_OK)) {
		mock_free(&m->base);
		return NULL;
	}
	/* A runner's worker keeps one client for many causes: nothing of one may reach the next. */
	au_web_set_cookies(m->web, false);
	return &m->base;
}
