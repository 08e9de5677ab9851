/* kagura-scenarios: run, list, show and explain the manual catalogue's scenarios. */
#ifndef KAGURA_SCENARIOS_CMD_H
#define KAGURA_SCENARIOS_CMD_H

#include <stdio.h>

#include "authenticator/phone/phone.h"

typedef struct sc_cmd_env {
	const char *program;
	const char *manual_dir;   /* fixtures/manual: v2.16.json, v1.04.json */
	const char *scenario_dir; /* scenarios/cases */
	const char *fixtures_dir;
	const char *attestation_dir;
	const char *pki_dir; /* the built card PKI (its index.json), NULL none */
	/* tools/: the html report's screenshot-pages.mjs */
	const char *tools_dir;
	const au_phone_env *phone_env;
	FILE *out, *err;
} sc_cmd_env;

/* Exit codes: 0 nothing failed, 1 an entry failed, 2 bad input. */
int sc_cmd_main(int argc, char **argv, const sc_cmd_env *env);

#endif
