#!/bin/sh
# kagura-rp verify as a developer uses it: exit codes, step lines, verdicts,
# the credential hand-over from registration to authentication, bad input.
rp=$1
top=$2
vectors=$3
. "$(dirname "$0")/lib.sh"
python3 "$top/tools/vectors.py" "$vectors" "$work" || exit 1

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

printf '{"id":' >"$work/trunc.json"
# Usage and unreadable input: exit 2. A case a line: its name, then kagura-rp verify's arguments.
while IFS='|' read -r name args; do
	eval "exits \"\$name\" 2 \"\$rp\" verify $args"
done <<'T'
no ceremony|
unknown ceremony|login --challenge AAAA
missing --challenge|registration $common "$work/$v.reg.json"
bad --challenge|registration --challenge "a=" $common "$work/$v.reg.json"
missing --origin|registration --challenge "$rc" --rp-id example.org "$work/$v.reg.json"
unknown option|registration --challenge "$rc" $common --bogus "$work/$v.reg.json"
bad --at|registration --challenge "$rc" $common --at yesterday "$work/$v.reg.json"
--at after the year 9999|registration --challenge "$rc" $common --at @253402300800 "$work/$v.reg.json"
not JSON|registration --challenge "$rc" $common "$work/trunc.json"
trust anchor not PEM|registration --challenge "$rc" $common --trust-anchor "$work/trunc.json" "$work/$v.reg.json"
authentication without a credential|authentication --challenge "$ac" $common "$work/$v.auth.json"
credential file not a record|authentication --challenge "$ac" $common --credential "$work/bad.json" "$work/$v.auth.json"
truncated COSE key|authentication --challenge "$ac" $common --public-key "pQECAyYgASFYIA" "$work/$v.auth.json"
negative counter|authentication --challenge "$ac" $common --public-key "$pk" --counter -1 "$work/$v.auth.json"
T
"$rp" verify registration --challenge "$rc" $common "$work/missing.json" >"$work/out" 2>&1; check "missing file" 2 $?
contains "missing file named" "$work/out" "missing.json"
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

finish
