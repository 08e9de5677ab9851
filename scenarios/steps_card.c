/* The IC cards and the PC's reader. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/world_impl.h"
#include "webauthn/arraylen.h"

/* card.insert PC CARD puts the card in the reader; card.remove PC (no card named) empties it. */
sc_status step_card_seat(sc_world *w, const sc_step *st, sc_outcome *out)
{
	sc_pc *s = world_pc_side(w, st, NULL, out);
	const char *name = sc_step_word(st, 1);
	const au_card *c = NULL;

	if (s == NULL)
		return out->status;
	if (name != NULL && (c = world_card(w, name, out)) == NULL)
		return out->status;
	au_reader_insert(&s->reader, c);
	return SC_PASS;
}

sc_status step_card_reader(sc_world *w, const sc_step *st, sc_outcome *out)
{
	sc_pc *s = world_pc_side(w, st, NULL, out);
	const char *metal = sc_step_get(st, "metal");

	if (s == NULL)
		return out->status;
	const world_switch switches[] = {
	        {"connected", &s->reader.connected},
	        {"seated", &s->reader.seated},
	        {"antivirus", &s->reader.antivirus_blocks},
	        {"pca", &s->reader.pca_blocks},
	        {"metal", NULL},
	};
	if (world_set_switches(
	            st, switches, KAGURA_LEN(switches),
	            "card.reader PC connected=|seated=|antivirus=|pca= yes|no, metal=N|no",
	            out) != SC_PASS)
		return out->status;
	if (metal != NULL) {
		/* metal=N: on a metal desk, N reads fail; metal=no: on wood or plastic */
		uint64_t failures = 0;
		bool on_metal = strcmp(metal, "no") != 0;
		if (on_metal && !world_number(metal, SC_NUMBER_N, &failures, out))
			return out->status;
		s->reader.on_metal = on_metal;
		s->reader.metal_failures = (unsigned)failures;
		s->reader.reads = 0;
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
