#!/bin/sh
# Both manual catalogues against a real Keycloak with the platform's realms (the distribution
# `make keycloak-dist` fetched and prepared), beside the same catalogues on the embedded mock
# platform, and the differential table of the two (`make run-keycloak`; ctest
# keycloak.scenarios):
#   - Keycloak starts on free loopback ports with a fresh database and stops at the end;
#     kagura-scenarios finds it a Keycloak target and uses its Admin REST API as test
#     control (the admin.env start.sh writes);
#   - every cause that fails on Keycloak must be a difference with a recorded decision
#     (differences.tsv beside this script), and every skip must name its reason
#     (`kagura-scenarios diff --check`): exit 1 otherwise;
#   - the number of causes that ran on Keycloak is printed, and the table is written to
#     WORK_DIR/differences.md (with --print, also to stdout).
#   run-scenarios.sh SOURCE_DIR KAGURA_SCENARIOS WORK_DIR [--print]
set -eu
[ $# -ge 3 ] || { echo "usage: run-scenarios.sh SOURCE_DIR KAGURA_SCENARIOS WORK_DIR [--print]" >&2; exit 2; }
top=$1 scenarios=$2 work=$3
print=${4:-}
tools=$top/tools/keycloak
notes=$tools/differences.tsv
kc_top=$top
. "$tools/env.sh"
test_started=$(kc_now_ms)

rm -rf "$work"
mkdir -p "$work"
ports=$(kc_free_ports)
port=${ports% *} management_port=${ports#* }

# The mock's run first: it needs no server, and its report is half the table.
"$scenarios" run --manual all --jobs 2 --format json --output "$work/mock.json" 2>"$work/mock.err" ||
	{ echo "FAIL: the catalogues fail on the mock platform:" >&2; tail -n 20 "$work/mock.err" >&2; exit 1; }

sh "$tools/start.sh" --run-dir "$work/run" --port "$port" --management-port "$management_port" \
	"$top/fixtures/keycloak/realm-v2.16.json" "$top/fixtures/keycloak/realm-v1.04.json" |
	tee "$work/start.out"
grep -q '^keycloak-start-ms=' "$work/start.out" || exit 1
trap 'sh "$tools/stop.sh" --run-dir "$work/run" >/dev/null' EXIT

# localhost, not 127.0.0.1: the realms' RP ID is localhost, and Keycloak takes the origin
# from the host it is asked by. Failures are expected (recorded differences): exit 1 is no
# verdict here, exit 2 (a target that cannot be used, bad input) is.
rc=0
"$scenarios" run --manual all --jobs 2 --target "http://localhost:$port/realms/kagura" \
	--admin-env "$work/run/admin.env" --format json --output "$work/keycloak.json" \
	2>"$work/keycloak.err" || rc=$?
cat "$work/keycloak.err" >&2
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
	echo "FAIL: kagura-scenarios against Keycloak exited $rc" >&2
	exit 1
fi
grep -q 'causes ran on Keycloak' "$work/keycloak.err" ||
	{ echo "FAIL: the run did not say how many causes ran on Keycloak" >&2; exit 1; }

rc=0
"$scenarios" diff "$work/mock.json" "$work/keycloak.json" --notes "$notes" --check \
	>"$work/differences.md" || rc=$?
if [ "$print" = --print ]; then
	cat "$work/differences.md"
else
	sed -n '/causes ran on both/,$p' "$work/differences.md"
fi
echo "keycloak scenarios: the differential table: $work/differences.md"
grep -q '^| 2.16 | 2.1 c1 |' "$work/differences.md" ||
	{ echo "FAIL: the table has no row of entry 2.1" >&2; rc=1; }

sh "$tools/stop.sh" --run-dir "$work/run" >/dev/null
trap - EXIT
echo "keycloak scenarios: Keycloak $kc_version started in $(kc_seconds "$(sed -n 's/^keycloak-start-ms=//p' "$work/start.out")"), test wall time $(kc_seconds $(($(kc_now_ms) - test_started)))"
exit "$rc"
