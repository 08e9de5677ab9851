#!/bin/sh
# Verifies every W3C WebAuthn L3 test vector (registration, then authentication
# against the credential the registration produced) with `kagura-rp verify`,
# and prints one table row per vector. Exit 0 only when every vector verifies.
set -u
rp=${1:-build/rp/kagura-rp}
top=$(cd "$(dirname "$0")/.." && pwd)
vectors=${KAGURA_VECTORS:-$top/fixtures/vectors/w3c-webauthn-l3-test-vectors.json}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

python3 "$top/tools/vectors.py" "$vectors" "$work" || exit 2
common="--origin https://example.org --rp-id example.org"
# Fixed time: the vectors' attestation certificates are judged on a known day.
reg_extra="--at 2025-06-01 --trust-anchor $work/ca.pem --require-trusted --json"

printf '%-46s %-12s %-7s %-14s %-14s\n' "vector" "fmt" "alg" "registration" "authentication"
pass=0 fail=0
start=$(date +%s%N)
while read -r name; do
	set -- $(cat "$work/$name.args")
	reg_chal=$1 auth_chal=$2
	shift 2
	if "$rp" verify registration --challenge "$reg_chal" $common "$@" $reg_extra $(cat "$work/$name.regflags") \
		"$work/$name.reg.json" >"$work/$name.cred.json" 2>"$work/$name.err"; then
		reg=valid
		fmt=$(sed -n 's/^ *"fmt": "\(.*\)",*$/\1/p' "$work/$name.cred.json")
		alg=$(sed -n 's/^ *"alg": \(-*[0-9]*\),*$/\1/p' "$work/$name.cred.json")
		if "$rp" verify authentication --challenge "$auth_chal" $common "$@" \
			--credential "$work/$name.cred.json" "$work/$name.auth.json" >"$work/$name.auth.out" 2>&1; then
			auth=valid
		else
			auth="INVALID"
		fi
	else
		reg="INVALID" auth="-" fmt="?" alg="?"
		sed -n 's/^ *"error": "\(.*\)",*$/  \1/p' "$work/$name.cred.json" | head -1
	fi
	if [ "$reg" = valid ] && [ "$auth" = valid ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
	printf '%-46s %-12s %-7s %-14s %-14s\n' "${name#sctn-test-vectors-}" "$fmt" "$alg" "$reg" "$auth"
done <"$work/names"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "$pass passed, $fail failed, 0 skipped ($ms ms)"
[ "$fail" -eq 0 ]
