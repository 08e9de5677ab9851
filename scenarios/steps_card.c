/* The IC cards and the PC's reader. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/world_impl.h"

sc_status step_card_insert(sc_world *w, const sc_step *st, sc_outcome *out)
{
	sc_pc *s = world_pc_side(w, st, NULL, out);
	const au_card *c;

	if (s == NULL)
		return out->status;
	if ((c = world_card(w, sc_step_word(st, 1), out)) == NULL)
		return out->status;
	au_reader_insert(&s->reader, c);
	return SC_PASS;
}

sc_status step_card_remove(sc_world *w, const sc_step *st, sc_outcome *out)
{
	sc_pc *s = world_pc_side(w, st, NULL, out);

	if (s == NULL)
		return out->status;
	au_reader_insert(&s->reader, NULL);
	return SC_PASS;
}

sc_status step_card_reader(sc_world *w, const sc_step *st, sc_outcome *out)
{
	sc_pc *s = world_pc_side(w, st, NULL, out);

	if (s == NULL)
		return out->status;
	for (size_t i = 0; i < st->n; i++) {
		const char *k = st->key[i], *v = st->value[i];
		if (k == NULL)
			continue;
		if (strcmp(k, "connected") == 0)
			s->reader.connected = world_yes(v);
		else if (strcmp(k, "seated") == 0)
			s->reader.seated = world_yes(v);
		else if (strcmp(k, "antivirus") == 0)
			s->reader.antivirus_blocks = world_yes(v);
		else if (strcmp(k, "pca") == 0)
			s->reader.pca_blocks = world_yes(v);
		else if (strcmp(k, "metal") == 0) {
			/* metal=N: on a metal desk, N reads fail; metal=no: on wood or plastic */
			s->reader.on_metal = strcmp(v, "no") != 0;
			s->reader.metal_failures = s->reader.on_metal ? (unsigned)atoi(v) : 0;
			s->reader.reads = 0;
		} else
			return sc_result(
			        out, SC_ERROR,
			        "card.reader PC connected=|seated=|antivirus=|pca= yes|no, "
			        "metal=N|no");
	}
	return SC_PASS;
}

sc_status step_card_check(sc_world *w, const sc_step *st, sc_outcome *out)
{
	sc_pc *s = world_pc_side(w, st, NULL, out);
	au_card_visibility v;

	if (s == NULL)
		return out->status;
	v = au_card_check_visible(&s->reader);
	snprintf(out->where, sizeof(out->where), "pc.certificates");
	snprintf(out->seen, sizeof(out->seen), "%s", v.verdict);
	snprintf(out->expected, sizeof(out->expected), "the card's certificate listed (4.2)");
	return v.listed ? SC_PASS : sc_result(out, SC_FAIL, "manual 4.2: %s", v.verdict);
}

sc_status step_card_reissue(sc_world *w, const sc_step *st, sc_outcome *out)
{
	const char *old_name = sc_step_word(st, 0), *name = sc_step_get(st, "as");
	const au_card *old = world_card(w, old_name, out);
	au_card *c;

	if (old == NULL)
		return out->status;
	if (name == NULL || w->n_cards == MAX_CARDS)
		return sc_result(out, SC_ERROR, "card.reissue CARD as=NEWNAME");
	for (size_t i = 0; i < w->n_cards; i++)
		if (strcmp(au_card_name(w->cards[i]), name) == 0)
			return sc_result(out, SC_ERROR, "card %s exists already", name);
	if ((c = world_card_reissue(w, old, old_name, name, out)) == NULL)
		return out->status;
	w->cards[w->n_cards++] = c;
	return SC_PASS;
}
