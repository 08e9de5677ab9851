#include "rp/card_link.h"

#include <jansson.h>
#include <stdio.h>

/* The store's records of the links, keyed by the certificate's fingerprint. */
#define LINK_RECORD "jpki-link"

rp_store_err rp_card_link_get(rp_app *app, const char *fingerprint, int64_t *user_id)
{
	rp_record r;
	json_t *doc;
	rp_store_err e;

	*user_id = 0;
	if ((e = rp_store_record_get(app->store, LINK_RECORD, fingerprint,
	                             wa_clock_now(&app->clock), &r)) != RP_STORE_OK)
		return e;
	doc = json_loads(r.value, 0, NULL);
	if (json_is_integer(json_object_get(doc, "user_id")))
		*user_id = (int64_t)json_integer_value(json_object_get(doc, "user_id"));
	else
		e = RP_STORE_NOT_FOUND;
	json_decref(doc);
	rp_record_reset(&r);
	return e;
}

rp_store_err rp_card_link_put(rp_app *app, const char *fingerprint, int64_t user_id)
{
	char value[64];

	snprintf(value, sizeof(value), "{\"user_id\":%lld}", (long long)user_id);
	return rp_store_record_put(app->store, LINK_RECORD, fingerprint, value,
	                           wa_clock_now(&app->clock), 0);
}

rp_store_err rp_card_link_delete(rp_app *app, const char *fingerprint)
{
	return rp_store_record_delete(app->store, LINK_RECORD, fingerprint);
}
