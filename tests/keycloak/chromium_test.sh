#!/bin/sh
# keycloak.chromium: headless Chromium with CDP virtual authenticators on the real Keycloak's
# own pages (tests/browser/keycloak.mjs): in both realms the required action's registration with
# its label prompt, a login, a failed user verification and its error page. Starts Keycloak on
# free ports, runs the browser test, always stops Keycloak.
#   chromium_test.sh SOURCE_DIR WORK_DIR NODE CHROMIUM
set -eu
[ $# -eq 4 ] || { echo "usage: chromium_test.sh SOURCE_DIR WORK_DIR NODE CHROMIUM" >&2; exit 2; }
top=$1 work=$2 node=$3 chromium=$4
tools=$top/tools/keycloak
kc_top=$top
. "$tools/env.sh"
test_started=$(kc_now_ms)

for tool in "$node" "$chromium"; do
	[ -x "$tool" ] || { echo "FAIL: $tool is not an executable; run sh tools/install-deps.sh" >&2; exit 1; }
done
# The login theme's bundles, where the texts the realms do not override come from.
themes_jar=$kc_home/lib/lib/main/org.keycloak.keycloak-themes-$kc_version.jar
if [ ! -f "$kc_prepared_stamp" ] || [ ! -f "$themes_jar" ]; then
	echo "FAIL: Keycloak $kc_version is not prepared in $kc_home (make keycloak-dist)" >&2
	exit 1
fi

rm -rf "$work"
mkdir -p "$work"
ports=$(kc_free_ports)
port=${ports% *} management_port=${ports#* }
realm_v216=$top/fixtures/keycloak/realm-v2.16.json realm_v104=$top/fixtures/keycloak/realm-v1.04.json

sh "$tools/start.sh" --run-dir "$work/run" --port "$port" --management-port "$management_port" \
	"$realm_v216" "$realm_v104" | tee "$work/start.out"
grep -q '^keycloak-start-ms=' "$work/start.out" || exit 1
trap 'sh "$tools/stop.sh" --run-dir "$work/run" >/dev/null' EXIT
# A signal (ctest's timeout, ^C) ends the script through its EXIT trap, so Keycloak stops too.
trap 'exit 1' INT TERM

rc=0
KAGURA_KEYCLOAK_URL=http://localhost:$port KAGURA_KEYCLOAK_ADMIN_ENV=$work/run/admin.env \
	KAGURA_KEYCLOAK_THEMES_JAR=$themes_jar KAGURA_KEYCLOAK_REALMS=$realm_v216:$realm_v104 \
	"$node" "$top/tests/browser/keycloak.mjs" "$chromium" || rc=$?
if [ "$rc" -ne 0 ]; then
	echo "# the end of $work/run/keycloak.log:"
	tail -n 20 "$work/run/keycloak.log" | sed 's/^/#    /'
fi

sh "$tools/stop.sh" --run-dir "$work/run"
trap - EXIT
start_ms=$(sed -n 's/^keycloak-start-ms=//p' "$work/start.out")
echo "keycloak.chromium: Keycloak $kc_version started in $(kc_seconds "$start_ms"), test wall time $(kc_seconds $(($(kc_now_ms) - test_started)))"
exit "$rc"
