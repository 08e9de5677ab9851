/* The manual catalogue (fixtures/manual/vX.json): sc_catalogue_parse, and a walk over what it
 * accepted, the way the runner reads every entry. */
#include "scenarios/catalogue.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sc_catalogue *cat;
	char why[512];

	if (sc_catalogue_parse((const char *)data, size, "fuzz.json", &cat, why, sizeof(why)) !=
	    SC_CAT_OK)
		return 0;
	for (size_t i = 0; i < sc_catalogue_count(cat); i++) {
		const sc_cat_entry *e = sc_catalogue_entry(cat, i);
		(void)sc_catalogue_find(cat, e->id);
	}
	(void)sc_catalogue_platform_host(cat);
	sc_catalogue_free(cat);
	return 0;
}
