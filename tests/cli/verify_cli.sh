#!/bin/sh
# kagura-rp verify as a developer uses it: exit codes, step lines, verdicts,
# the credential hand-over from registration to authentication, bad input.
set -u
rp=$1
top=$2
vectors=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
python3 "$top/tools/vectors.py" "$vectors" "$work" || exit 1

failures=0
check() { # name expected-exit actual-exit
	if [ "$2" != "$3" ]; then
		echo "FAIL $1: exit $3, expected $2"
		failures=$((failures + 1))
	else
		echo "ok   $1"
	fi
}
contains() { # name file text
	if grep -qF -- "$3" "$2"; then echo "ok   $1"; else
		echo "FAIL $1: '$3' not in output:"; sed 's/^/     /' "$2"
		failures=$((failures + 1))
	fi
}

v=sctn-test-vectors-packed-es256
set -- $(cat "$work/$v.args")
rc=$1 ac=$2
common="--origin https://example.org --rp-id example.org"

"$rp" verify registration --challenge "$rc" $common --at 2025-06-01 --trust-anchor "$work/ca.pem" \
	--require-trusted "$work/$v.reg.json" >"$work/out" 2>&1
check "valid registration exits 0" 0 $?
contains "each step printed" "$work/out" "ok      C.challenge equals the options' challenge"
contains "trust path verified" "$work/out" "verified to an anchor"
contains "verdict line" "$work/out" "verdict: valid — packed, basic attestation, ES256"

"$rp" verify registration --challenge "$rc" $common --json "$work/$v.reg.json" >"$work/cred.json"
check "registration --json exits 0" 0 $?
contains "json has the credential" "$work/cred.json" '"publicKey"'

"$rp" verify authentication --challenge "$ac" $common --credential "$work/cred.json" \
	"$work/$v.auth.json" >"$work/out" 2>&1
check "authentication with the printed credential exits 0" 0 $?
contains "auth verdict" "$work/out" "verdict: valid — ES256 signature"

# The same assertion from stdin, with the COSE key given directly.
pk=$(sed -n 's/^ *"publicKey": "\(.*\)",*$/\1/p' "$work/cred.json")
"$rp" verify authentication --challenge "$ac" $common --public-key "$pk" --backup-eligible <"$work/$v.auth.json" >"$work/out" 2>&1
check "authentication from stdin with --public-key exits 0" 0 $?

"$rp" verify authentication --challenge "$ac" $common --public-key "$pk" --backup-eligible --counter 3 \
	"$work/$v.auth.json" >"$work/out" 2>&1
check "stored counter 3, assertion counter 0: invalid" 1 $?
contains "counter step named" "$work/out" "[WA_ERR_SIGN_COUNT]"

"$rp" verify registration --challenge "$ac" $common "$work/$v.reg.json" >"$work/out" 2>&1
check "wrong challenge exits 1" 1 $?
contains "failed step named" "$work/out" "failed  C.challenge equals the options' challenge"
contains "invalid verdict" "$work/out" "verdict: invalid — WA_ERR_CDATA_CHALLENGE"

"$rp" verify registration --challenge "$rc" --origin https://evil.example --rp-id example.org \
	"$work/$v.reg.json" >"$work/out" 2>&1
check "wrong origin exits 1" 1 $?
contains "origin failure" "$work/out" "[WA_ERR_CDATA_ORIGIN]"

# The Ed25519 vector's assertion has UP only (flags 0x01).
e=sctn-test-vectors-packed-eddsa
"$rp" verify registration --challenge "$(cut -d' ' -f1 "$work/$e.args")" $common --json \
	"$work/$e.reg.json" >"$work/ecred.json" 2>&1
check "Ed25519 registration" 0 $?
"$rp" verify authentication --challenge "$(cut -d' ' -f2 "$work/$e.args")" $common --require-uv \
	--credential "$work/ecred.json" "$work/$e.auth.json" >"$work/out" 2>&1
check "UV required on a UP-only assertion" 1 $?
contains "uv failure" "$work/out" "[WA_ERR_UV_REQUIRED]"

"$rp" verify registration --challenge "$rc" $common --alg -257 "$work/$v.reg.json" >"$work/out" 2>&1
check "alg not requested" 1 $?

"$rp" verify registration --challenge "$rc" $common --at 3025-01-01 "$work/$v.reg.json" >"$work/out" 2>&1
check "certificates judged after they expire" 1 $?
contains "expiry failure" "$work/out" "[WA_ERR_ATT_CERT_EXPIRED]"

echo '{"id":"AAAA","type":"public-key"}' >"$work/bad.json"
"$rp" verify registration --challenge "$rc" $common "$work/bad.json" >"$work/out" 2>&1
check "structurally wrong response exits 1" 1 $?
contains "response step" "$work/out" "[WA_ERR_RESP_RESPONSE_MISSING]"

# Usage and unreadable input: exit 2, nothing on stdout that looks like a verdict.
"$rp" verify >"$work/out" 2>&1; check "no ceremony" 2 $?
"$rp" verify login --challenge AAAA >"$work/out" 2>&1; check "unknown ceremony" 2 $?
"$rp" verify registration $common "$work/$v.reg.json" >"$work/out" 2>&1; check "missing --challenge" 2 $?
"$rp" verify registration --challenge "a=" $common "$work/$v.reg.json" >"$work/out" 2>&1; check "bad --challenge" 2 $?
"$rp" verify registration --challenge "$rc" --rp-id example.org "$work/$v.reg.json" >"$work/out" 2>&1; check "missing --origin" 2 $?
"$rp" verify registration --challenge "$rc" $common --bogus "$work/$v.reg.json" >"$work/out" 2>&1; check "unknown option" 2 $?
"$rp" verify registration --challenge "$rc" $common --at yesterday "$work/$v.reg.json" >"$work/out" 2>&1; check "bad --at" 2 $?
"$rp" verify registration --challenge "$rc" $common "$work/missing.json" >"$work/out" 2>&1; check "missing file" 2 $?
contains "missing file named" "$work/out" "missing.json"
printf '{"id":' >"$work/trunc.json"
"$rp" verify registration --challenge "$rc" $common "$work/trunc.json" >"$work/out" 2>&1; check "not JSON" 2 $?
"$rp" verify registration --challenge "$rc" $common --trust-anchor "$work/trunc.json" "$work/$v.reg.json" >"$work/out" 2>&1
check "trust anchor not PEM" 2 $?
"$rp" verify authentication --challenge "$ac" $common "$work/$v.auth.json" >"$work/out" 2>&1; check "authentication without a credential" 2 $?
"$rp" verify authentication --challenge "$ac" $common --credential "$work/bad.json" "$work/$v.auth.json" >"$work/out" 2>&1
check "credential file not a record" 2 $?
"$rp" verify authentication --challenge "$ac" $common --public-key "pQECAyYgASFYIA" "$work/$v.auth.json" >"$work/out" 2>&1
check "truncated COSE key" 2 $?
"$rp" verify authentication --challenge "$ac" $common --public-key "$pk" --counter -1 "$work/$v.auth.json" >"$work/out" 2>&1
check "negative counter" 2 $?
"$rp" verify --help >"$work/out" 2>&1; check "--help" 0 $?
"$rp" verify registration -h >"$work/out" 2>&1; check "registration -h" 0 $?

# Options of the other ceremony are refused, not dropped; explicit ones override the record.
"$rp" verify authentication --challenge "$ac" $common --credential "$work/cred.json" --counter 5 \
	"$work/$v.auth.json" >"$work/out" 2>&1
check "--counter overrides the record's counter" 1 $?
contains "overridden counter refused" "$work/out" "[WA_ERR_SIGN_COUNT]"
"$rp" verify registration --challenge "$rc" $common --counter 7 "$work/$v.reg.json" >"$work/out" 2>&1
check "--counter with registration" 2 $?
contains "ceremony named" "$work/out" "applies to authentication only"
"$rp" verify authentication --challenge "$ac" $common --credential "$work/cred.json" \
	--trust-anchor "$work/ca.pem" "$work/$v.auth.json" >"$work/out" 2>&1
check "--trust-anchor with authentication" 2 $?
"$rp" verify registration $common "$work/$v.reg.json" --challenge >"$work/out" 2>&1
check "option without its value" 2 $?
contains "missing value named" "$work/out" "needs a value"
"$rp" verify registration --challenge "$rc" $common --at 2025-02-31 "$work/$v.reg.json" >"$work/out" 2>&1
check "impossible date" 2 $?
"$rp" verify registration --challenge "$rc" $common "$work/$v.reg.json" >"$work/out" 2>&1
contains "untrusted path said in the verdict" "$work/out" "trust path not verified: no trust anchor"
printf 'garbage\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' >"$work/bad.pem"
cat "$work/ca.pem" >>"$work/bad.pem"
"$rp" verify registration --challenge "$rc" $common --trust-anchor "$work/bad.pem" "$work/$v.reg.json" >"$work/out" 2>&1
check "trust anchor file with a corrupt block" 2 $?

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
