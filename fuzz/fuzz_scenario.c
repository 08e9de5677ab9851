/* Scenario files (scenarios/cases/ENTRY.scn): sc_scenario_parse, then every step checked against
 * its verb's usage line, as the runner does before running anything. */
#include "scenarios/scenario.h"
#include "scenarios/world.h"

#include "fuzz.h"

static void check_block(const sc_block *b)
{
	char why[256];

	for (size_t i = 0; i < b->n_steps; i++)
		(void)sc_step_check(&b->steps[i], why, sizeof(why));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sc_scenario s;
	char why[512];

	if (sc_scenario_parse("fuzz.scn", (const char *)data, size, &s, why, sizeof(why)) != SC_OK)
		return 0;
	check_block(&s.setup);
	for (size_t i = 0; i < s.n_causes; i++) {
		check_block(&s.causes[i].block);
		for (size_t k = 0; k < s.causes[i].n_remedies; k++)
			check_block(&s.causes[i].remedies[k]);
	}
	(void)sc_scenario_needs_card_pki(&s);
	sc_scenario_free(&s);
	return 0;
}
