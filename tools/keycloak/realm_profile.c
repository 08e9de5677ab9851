#include "tools/keycloak/realm_profile.h"

#include <string.h>

/* v2.16's screens are Japanese (English offered as Keycloak's own); v1.04's words are
 * Keycloak's English ones (fixtures/messages/README.md). */
static const kc_realm_profile profiles[] = {
        {"2.16", "kagura-v2.16", "ja", {"ja", "en"}, 2},
        {"1.04", "kagura-v1.04", "en", {"en"}, 1},
};

const kc_realm_profile *kc_realm_profile_find(const char *manual)
{
	if (manual == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++)
		if (strcmp(profiles[i].manual, manual) == 0)
			return &profiles[i];
	return NULL;
}
