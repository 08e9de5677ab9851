#include "gate.h"
#include "webauthn/arraylen.h"

#include <string.h>

typedef enum ceremony { REGISTRATION, AUTHENTICATION } ceremony;

typedef struct gate_case {
	const char *name;
	ceremony ceremony;
	bh_tamper tamper;
	bh_outcome want;
} gate_case;

/* In order: each authentication uses the credential the first case registered. */
static const gate_case cases[] = {
        {"registration (control)", REGISTRATION, BH_HONEST, BH_OK},
        {"registration, wrong challenge", REGISTRATION, BH_WRONG_CHALLENGE, BH_REFUSED},
        {"registration, bad attestation signature", REGISTRATION, BH_BAD_SIGNATURE, BH_REFUSED},
        {"authentication (control)", AUTHENTICATION, BH_HONEST, BH_OK},
        {"authentication, wrong challenge", AUTHENTICATION, BH_WRONG_CHALLENGE, BH_REFUSED},
        {"authentication, bad signature", AUTHENTICATION, BH_BAD_SIGNATURE, BH_REFUSED},
        /* After two refusals the server must still take the right counter and signature. */
        {"authentication after refusals (control)", AUTHENTICATION, BH_HONEST, BH_OK},
};
#define N_CASES (KAGURA_LEN(cases))

static const char *const outcome_names[] = {"accepted", "refused", "broken"};

bool bh_gate_run(const bh_target *target, const char *server, bool verbose, FILE *out, int *passed,
                 int *total)
{
	bh_vuser *u = bh_vuser_new(target, NULL);
	char msg[512];

	*passed = 0;
	*total = (int)N_CASES;
	if (u == NULL) {
		fprintf(out, "  %-11s cannot create a client\n", server);
		return false;
	}
	for (size_t i = 0; i < N_CASES; i++) {
		const gate_case *c = &cases[i];
		bh_outcome got;

		msg[0] = '\0';
		got = c->ceremony == REGISTRATION
		              ? bh_register(u, "gate", c->tamper, msg, sizeof(msg))
		              : bh_authenticate(u, "gate", c->tamper, msg, sizeof(msg));
		if (got == c->want)
			(*passed)++;
		if (got != c->want || verbose)
			fprintf(out, "  %-11s %-40s %s%s%s%s\n", server, c->name,
			        outcome_names[got],
			        got == c->want ? "" : " (NOT what a verifier does)",
			        msg[0] ? ": " : "", msg);
	}
	bh_vuser_free(&u);
	return *passed == *total;
}
