/* The CA and its records, through the platform's test control: users, devices, QRs, cards. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/world_impl.h"

sc_status step_ca_user(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_user *u = world_user_new(w, sc_step_word(st, 0));
	bool disabled = sc_step_word(st, 1) && strcmp(sc_step_word(st, 1), "disabled") == 0;

	if (u == NULL)
		return sc_result(out, SC_ERROR, "ca.user needs a user name (at most %d users)",
		                 MAX_ACTORS);
	if (!world_control_ok(w, SC_CTL_USER_CREATE, json_pack("{s:s}", "name", u->id), out))
		return out->status;
	u->created = true;
	if (disabled &&
	    !world_control_ok(w, SC_CTL_USER_ENABLED,
	                      json_pack("{s:s, s:b}", "name", u->id, "enabled", 0), out))
		return out->status;
	return SC_PASS;
}

static sc_status set_enabled(sc_world *w, const sc_step *st, sc_outcome *out, bool enabled)
{
	named_user *u = world_user(w, sc_step_word(st, 0));

	if (u == NULL)
		return sc_result(out, SC_ERROR, "unknown user %s", sc_or_none(sc_step_word(st, 0)));
	return world_control_ok(w, SC_CTL_USER_ENABLED,
	                        json_pack("{s:s, s:b}", "name", u->id, "enabled", enabled), out)
	               ? SC_PASS
	               : out->status;
}

sc_status step_ca_disable(sc_world *w, const sc_step *st, sc_outcome *out)
{
	return set_enabled(w, st, out, false);
}

sc_status step_ca_enable(sc_world *w, const sc_step *st, sc_outcome *out)
{
	return set_enabled(w, st, out, true);
}

sc_status step_ca_device(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_user *u = world_user(w, sc_step_word(st, 0));
	const char *what = sc_step_word(st, 1);
	json_t *list, *c;
	size_t i;

	if (u == NULL || what == NULL ||
	    (strcmp(what, "disable") != 0 && strcmp(what, "enable") != 0 &&
	     strcmp(what, "delete") != 0))
		return sc_result(out, SC_ERROR, "ca.device USER disable|enable|delete");
	if ((list = world_devices(w, u, out)) == NULL)
		return out->status;
	json_array_foreach(list, i, c)
	{
		json_t *body = strcmp(what, "delete") == 0
		                       ? json_pack("{s:O, s:b}", "id", json_object_get(c, "id"),
		                                   "delete", 1)
		                       : json_pack("{s:O, s:b}", "id", json_object_get(c, "id"),
		                                   "enabled", strcmp(what, "enable") == 0);
		if (!world_control_ok(w, SC_CTL_CREDENTIAL, body, out)) {
			json_decref(list);
			return out->status;
		}
	}
	json_decref(list);
	return SC_PASS;
}

sc_status step_ca_qr(sc_world *w, const sc_step *st, sc_outcome *out)
{
	named_user *u = world_user(w, sc_step_word(st, 0));
	named_var *v = world_var(w, sc_step_get(st, "as"), true);
	const char *ttl = sc_step_get(st, "ttl");
	uint64_t seconds = 0;
	json_t *body, *a;
	const char *url;

	if (u == NULL || v == NULL)
		return sc_result(out, SC_ERROR, "ca.qr USER as=NAME [ttl=SECONDS]");
	if (ttl != NULL && !world_number(ttl, SC_NUMBER_SECONDS, &seconds, out))
		return out->status;
	body = json_pack("{s:s}", "user", u->id);
	if (ttl != NULL)
		json_object_set_new(body, "ttl_seconds", json_integer((json_int_t)seconds));
	if ((a = sc_world_control(w, SC_CTL_REGISTRATION_QR, body, out)) == NULL)
		return out->status;
	url = json_string_value(json_object_get(a, "url"));
	if (url == NULL || strlen(url) >= sizeof(v->value)) {
		json_decref(a);
		return sc_result(out, SC_ERROR, "test control gave no QR url (or one too long)");
	}
	snprintf(v->value, sizeof(v->value), "%s", url);
	json_decref(a);
	return SC_PASS;
}

sc_status step_card_user(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const char *sym = sc_step_word(st, 0), *card = sc_step_word(st, 1);
	const char *id = card ? world_card_user_id(w, card) : NULL;
	bool disabled = sc_step_word(st, 2) && strcmp(sc_step_word(st, 2), "disabled") == 0;

	if (sym == NULL || id == NULL)
		return sc_result(out, SC_ERROR,
		                 "card.user USER CARD [disabled] (a card of the PKI with "
		                 "a 本人ID or holder)");
	if (!sc_world_name_user(w, sym, id))
		return sc_result(out, SC_ERROR, "user %s: another 本人ID already, or no room", sym);
	if (!world_control_ok(w, SC_CTL_USER_CREATE, json_pack("{s:s}", "name", id), out))
		return out->status;
	sc_world_user_created(w, sym);
	if (disabled && !world_control_ok(w, SC_CTL_USER_ENABLED,
	                                  json_pack("{s:s, s:b}", "name", id, "enabled", 0), out))
		return out->status;
	return SC_PASS;
}

sc_status step_card_link(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const au_card *c = world_card(w, sc_step_word(st, 0), out);
	const char *id = sc_world_user_id(w, sc_step_word(st, 1));
	char fp[65];

	if (c == NULL)
		return out->status;
	if (id == NULL || !world_card_fingerprint(c, fp))
		return sc_result(out, SC_ERROR,
		                 "card.link CARD USER (a certificate card, a known user)");
	if (!world_control_ok(w, SC_CTL_JPKI_LINK,
	                      json_pack("{s:s, s:s}", "fingerprint", fp, "name", id), out))
		return out->status;
	if (w->n_links < MAX_LINKS)
		snprintf(w->links[w->n_links++], FINGERPRINT_HEX, "%s", fp);
	return SC_PASS;
}

sc_status step_card_unlink(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const au_card *c = world_card(w, sc_step_word(st, 0), out);
	char fp[65];

	if (c == NULL)
		return out->status;
	if (!world_card_fingerprint(c, fp))
		return sc_result(out, SC_ERROR, "card.unlink CARD (a certificate card)");
	return world_control_ok(w, SC_CTL_JPKI_LINK,
	                        json_pack("{s:s, s:b}", "fingerprint", fp, "delete", 1), out)
	               ? SC_PASS
	               : out->status;
}

/* Until the card login exists on the platform: test control marks the PC's session
 * card-authenticated. */
sc_status step_pc_card_session(sc_world *w, const sc_step *st, sc_outcome *out)
{
	sc_pc *c = world_pc_step(w, st, out);
	named_user *u = world_user(w, sc_step_word(st, 1));
	char url[512], body[128];

	if (c == NULL)
		return out->status;
	if (u == NULL)
		return sc_result(out, SC_ERROR, "pc.card-session PC USER");
	snprintf(url, sizeof(url), "%s/test-control/card-session", w->cfg.base);
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", u->id);
	if (au_pc_post_json(&c->pc, url, body) != AU_OK || c->pc.status != 200)
		return sc_result(out, SC_ERROR, "card session: HTTP %ld %s", c->pc.status,
		                 c->pc.why);
	return SC_PASS;
}
