/*
 * The differential report: two JSON reports of `kagura-scenarios run` (the mock platform's and
 * a real Keycloak's) side by side, cause by cause, as one Markdown table: each cause that ran
 * on both, its outcome and what was seen on each, whether they agree, and the decision kept
 * for a difference (a notes file: MANUAL TAB ENTRY TAB CAUSE TAB decision, # comments). The
 * causes Keycloak skipped follow, counted by reason.
 */
#ifndef KAGURA_SCENARIOS_DIFF_H
#define KAGURA_SCENARIOS_DIFF_H

#include "scenarios/scenarios_cmd.h"

/* kagura-scenarios diff MOCK.json KEYCLOAK.json [--notes FILE]: 0 written; 2 bad input. */
int sc_diff_cmd(int argc, char **argv, const sc_cmd_env *env);

#endif
