#!/bin/sh
# Unpacks the fetched distribution once and runs `kc.sh build` with the options every start
# uses (env.sh), so each start is an optimized one. A stamp records what was built: a
# different version or different options build again.
set -eu
. "$(dirname "$0")/env.sh"

stamp_text="$kc_version $kc_build_options"
if [ -f "$kc_prepared_stamp" ] && [ "$(cat "$kc_prepared_stamp")" = "$stamp_text" ]; then
	echo "keycloak: $kc_version prepared ($kc_home)"
	exit 0
fi
if ! (cd "$kc_cache" 2>/dev/null && sha256sum --quiet --strict -c "$kc_sum_file") >/dev/null 2>&1; then
	echo "keycloak: no verified distribution in $kc_cache (tools/keycloak/fetch.sh fetches it)" >&2
	exit 1
fi
kc_require_java

echo "keycloak: preparing $kc_version in $kc_home (kc.sh build $kc_build_options)"
started=$(kc_now_ms)
rm -rf "$kc_home"
tar -xzf "$kc_tarball" -C "$kc_cache"
if [ ! -x "$kc_home/bin/kc.sh" ]; then
	echo "keycloak: $kc_tarball has no keycloak-$kc_version/bin/kc.sh" >&2
	exit 1
fi
# shellcheck disable=SC2086 # the options are words
if ! "$kc_home/bin/kc.sh" build $kc_build_options >"$kc_cache/build.log" 2>&1; then
	echo "keycloak: kc.sh build failed; the end of $kc_cache/build.log:" >&2
	tail -n 20 "$kc_cache/build.log" >&2
	exit 1
fi
echo "$stamp_text" >"$kc_prepared_stamp"
echo "keycloak: $kc_version prepared in $(kc_seconds $(($(kc_now_ms) - started)))"
