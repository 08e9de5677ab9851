/*
 * The step vocabulary of scenario files: one table, its rows in verbs.def. A row is a verb's
 * name, its usage line (the one statement of its words, checked against every step:
 * scenarios/usage.h), what it means, what it needs of the platform, and its handler.
 * `kagura-scenarios steps` prints the table; scenarios/README.md's vocabulary is checked against it
 * (unit.test_scenario).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/usage.h"
#include "scenarios/world_impl.h"
#include "webauthn/arraylen.h"

#define TC        SC_NEEDS_TEST_CONTROL
#define PKI       SC_NEEDS_CARD_PKI
#define CARD      SC_USES_CARDS
#define ALL       SC_CHANGES_PLATFORM
#define CLOCK     SC_NEEDS_CAP(SC_CAP_CLOCK)
#define NETPOL    SC_NEEDS_CAP(SC_CAP_NETWORK_POLICY)
#define XDEV      SC_NEEDS_CAP(SC_CAP_CROSS_DEVICE)
#define CARDLOGIN SC_NEEDS_CAP(SC_CAP_CARD_LOGIN)
#define MYNUM     SC_NEEDS_CAP(SC_CAP_MY_NUMBER)

#define SC_VERB(name, usage, meaning, needs, handler) {name, usage, meaning, needs, handler},
static const sc_verb vocabulary[] = {
#include "scenarios/verbs.def"
};

#undef TC
#undef PKI
#undef CARD
#undef ALL
#undef CLOCK
#undef NETPOL
#undef XDEV
#undef CARDLOGIN
#undef MYNUM

#define N_VERBS (KAGURA_LEN(vocabulary))

const sc_verb *sc_verb_of(const char *name)
{
	for (size_t i = 0; name != NULL && i < N_VERBS; i++)
		if (strcmp(vocabulary[i].name, name) == 0)
			return &vocabulary[i];
	return NULL;
}

bool sc_step_known(const char *name)
{
	return sc_verb_of(name) != NULL;
}

bool sc_step_check(const sc_step *st, char *why, size_t why_size)
{
	const sc_verb *v = sc_verb_of(st->verb);

	if (v == NULL) {
		snprintf(why, why_size, "unknown step %s", st->verb);
		return false;
	}
	return sc_usage_check(v->usage, st, why, why_size);
}

bool sc_step_needs_test_control(const sc_step *st)
{
	const sc_verb *v = sc_verb_of(st->verb);
	return v != NULL && (v->needs & SC_NEEDS_TEST_CONTROL);
}

bool sc_step_changes_platform(const sc_step *st)
{
	const sc_verb *v = sc_verb_of(st->verb);
	const char *pin = sc_step_get(st, "pin_seconds");
	uint64_t seconds = 0;

	/* a card login with a PIN dialog of N seconds moves the platform's clock on by N */
	return (v != NULL && (v->needs & SC_CHANGES_PLATFORM)) ||
	       (pin != NULL && sc_number_of(pin, SC_NUMBER_N, &seconds) == SC_NUMBER_OK &&
	        seconds > 0);
}

static bool block_needs_card_pki(const sc_block *b)
{
	for (size_t i = 0; i < b->n_steps; i++) {
		const sc_verb *v = sc_verb_of(b->steps[i].verb);
		if (v != NULL && (v->needs & (SC_NEEDS_CARD_PKI | SC_USES_CARDS)))
			return true;
	}
	return false;
}

bool sc_scenario_needs_card_pki(const sc_scenario *s)
{
	if (block_needs_card_pki(&s->setup))
		return true;
	for (size_t i = 0; i < s->n_causes; i++) {
		if (block_needs_card_pki(&s->causes[i].block))
			return true;
		for (size_t k = 0; k < s->causes[i].n_remedies; k++)
			if (block_needs_card_pki(&s->causes[i].remedies[k]))
				return true;
	}
	return false;
}

void sc_vocabulary_print(FILE *out)
{
	for (size_t i = 0; i < N_VERBS; i++)
		fprintf(out, "  %-21s %-40s %s%s\n", vocabulary[i].name, vocabulary[i].usage,
		        vocabulary[i].meaning,
		        vocabulary[i].needs & SC_NEEDS_TEST_CONTROL ? " [test control]" : "");
	fprintf(out, "  WHERE: phone.page phone.error phone.prompt pc.page pc.browser pc.dialog "
	             "pc.viewer\n");
}
