#!/bin/sh
# Fetches the pinned Keycloak server distribution once, through Maven (org.keycloak:
# keycloak-quarkus-dist, tar.gz, no transitive dependencies), into the cache outside the
# source tree, and checks it against fixtures/keycloak/DISTRIBUTION.sha256. Any failure
# (Maven, network, checksum) exits 1: a missing Keycloak is never a silent skip.
set -eu
. "$(dirname "$0")/env.sh"

kc_verify()
{
	(cd "$kc_cache" && sha256sum --quiet --strict -c "$kc_sum_file") >/dev/null 2>&1
}

if [ -f "$kc_tarball" ] && kc_verify; then
	echo "keycloak: $kc_version cached ($kc_tarball)"
	exit 0
fi

if ! command -v mvn >/dev/null 2>&1; then
	echo "keycloak: mvn not found (maven; make deps installs it)" >&2
	exit 1
fi
mkdir -p "$kc_cache"
rm -f "$kc_tarball"
echo "keycloak: fetching $kc_artifact through Maven into $kc_cache"
started=$(kc_now_ms)
# Run from the cache so no pom.xml around decides anything.
if ! (cd "$kc_cache" && mvn -q -B dependency:copy -Dartifact="$kc_artifact" -Dtransitive=false \
	-DoutputDirectory="$kc_cache"); then
	echo "keycloak: Maven could not fetch $kc_artifact" >&2
	exit 1
fi
if ! kc_verify; then
	echo "keycloak: $kc_tarball does not match $kc_sum_file:" >&2
	(cd "$kc_cache" && sha256sum "$(basename "$kc_tarball")") >&2
	rm -f "$kc_tarball"
	exit 1
fi
echo "keycloak: $kc_version fetched and verified in $(kc_seconds $(($(kc_now_ms) - started)))"
