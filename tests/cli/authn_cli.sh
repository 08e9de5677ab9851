#!/bin/sh
# kagura-authn as a QA engineer uses it: device files, create/get, browser
# errors in each persona's words, bad input, and the device file untouched
# by a failed command. Outputs are verified with kagura-rp verify.
set -u
authn=$1
rp=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"
origin=https://mahpki-auth.2nds.medis.or.jp
failures=0
check() { if [ "$2" != "$3" ]; then echo "FAIL $1: exit $3, expected $2"; failures=$((failures + 1)); else echo "ok   $1"; fi; }
contains() { if grep -qF -- "$3" "$2"; then echo "ok   $1"; else echo "FAIL $1: '$3' not in:"; sed 's/^/     /' "$2"; failures=$((failures + 1)); fi; }
same() { if cmp -s "$2" "$3"; then echo "ok   $1"; else echo "FAIL $1: file changed"; failures=$((failures + 1)); fi; }

cat >create.json <<'J'
{"challenge":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8","rp":{"id":"mahpki-auth.2nds.medis.or.jp","name":"HPKI"},"user":{"id":"MTIzNDU","name":"12345","displayName":"12345"},"pubKeyCredParams":[{"type":"public-key","alg":-7}],"authenticatorSelection":{"residentKey":"required","userVerification":"required"},"attestation":"direct"}
J
cat >get.json <<'J'
{"challenge":"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8","rpId":"mahpki-auth.2nds.medis.or.jp","userVerification":"required"}
J

"$authn" device new --persona ios17-safari phone.json >out 2>&1; check "device new" 0 $?
[ "$(stat -c %a phone.json)" = 600 ] && echo "ok   device file mode 0600" || { echo "FAIL device file mode $(stat -c %a phone.json)"; failures=$((failures + 1)); }
"$authn" device new --persona ios17-safari phone.json >out 2>&1; check "device new refuses to overwrite" 2 $?
"$authn" device set phone.json attestation=packed >out 2>&1; check "device set" 0 $?

"$authn" create --device phone.json --options create.json --origin $origin >reg.json 2>err; check "create" 0 $?
"$rp" verify registration --challenge AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8 --origin $origin \
	--rp-id mahpki-auth.2nds.medis.or.jp --require-uv --json reg.json >cred.json 2>&1
check "the registration verifies with kagura-rp verify" 0 $?
"$authn" get --device phone.json --options get.json --origin $origin >auth.json 2>err; check "get" 0 $?
"$rp" verify authentication --challenge ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8 --origin $origin \
	--rp-id mahpki-auth.2nds.medis.or.jp --require-uv --credential cred.json auth.json >out 2>&1
check "the assertion verifies with kagura-rp verify" 0 $?
"$authn" get --device phone.json --options get.json --origin $origin --form >form.json 2>err; check "get --form" 0 $?
contains "Keycloak form fields" form.json '"credentialId"'

# The user cancels on an iPhone: WebKit's words, exit 1, device file untouched.
"$authn" device set phone.json presence=decline >out 2>&1
cp phone.json before.json
"$authn" get --device phone.json --options get.json --origin $origin >out 2>err; check "cancelled get" 1 $?
contains "Safari's cancel text" err "NotAllowedError: This request has been cancelled by the user."
same "failed get leaves the device file" phone.json before.json
"$authn" get --device phone.json --options get.json --origin $origin --form >form.json 2>err
contains "failure posts only error" form.json '"error": "NotAllowedError: This request has been cancelled by the user."'

# Chromium collapses the same failure to its single NotAllowedError text.
"$authn" device new --persona desktop-chrome pc.json >out 2>&1
"$authn" device set pc.json presence=decline >out 2>&1
"$authn" create --device pc.json --options create.json --origin $origin >out 2>err; check "cancelled create on Chrome" 1 $?
contains "Chromium's text" err "NotAllowedError: The operation either timed out or was not allowed. See: https://www.w3.org/TR/webauthn-2/#sctn-privacy-considerations-client."

# A third-party iOS browser: the entitlement error (manual 2.7).
"$authn" device new --persona ios-thirdparty-browser app.json >out 2>&1
"$authn" create --device app.json --options create.json --origin $origin >out 2>err; check "entitlement" 1 $?
contains "entitlement text" err "'navigator.credentials.create' API is only permitted in applications with the 'com.apple.developer.web-browser' entitlement."

# Android: removing the screen lock deletes the passkey; restoring it does not bring it back.
"$authn" device new --persona android-chrome and.json >out 2>&1
"$authn" create --device and.json --options create.json --origin $origin >out 2>err; check "android create" 0 $?
"$authn" device set and.json screen_lock=swipe >out 2>&1
"$authn" device set and.json screen_lock=pin >out 2>&1
"$authn" get --device and.json --options get.json --origin $origin >out 2>err; check "key gone after swipe" 1 $?

# Remedies (manual section 4) as operations on the phone.
"$authn" device new --persona android-chrome-without-screen-lock nolock.json >out 2>&1
"$authn" create --device nolock.json --options create.json --origin $origin >out 2>err; check "no screen lock" 1 $?
contains "manual 2.9 text" err "NotSupportedError: The specified 'userVerification' requirement cannot be fulfilled by this device unless the device is secured with a screen lock."
"$authn" remedy nolock.json set-screen-lock >out 2>&1; check "remedy: set a screen lock" 0 $?
"$authn" remedy nolock.json enrol-biometrics >out 2>&1; check "remedy: enrol biometrics" 0 $?
"$authn" create --device nolock.json --options create.json --origin $origin >out 2>err; check "registration after the remedy" 0 $?
"$authn" remedy phone.json report-versions >out 2>&1; check "remedy: report versions" 0 $?
contains "OS version reported" out "OS: ios 17"
"$authn" remedy phone.json set-default-browser >out 2>&1; check "set-default-browser needs a name" 2 $?
"$authn" remedy phone.json no-such-remedy >out 2>&1; check "unknown remedy" 2 $?
touch phone.json.cookies
"$authn" remedy phone.json clear-site-data >out 2>&1; check "remedy: clear site data" 0 $?
[ ! -e phone.json.cookies ] && echo "ok   cookie jar removed" || { echo "FAIL cookie jar still there"; failures=$((failures + 1)); }

# Bad input: exit 2 and the file untouched.
cp phone.json before.json
"$authn" device set phone.json presence=maybe >out 2>&1; check "bad enum value" 2 $?
"$authn" device set phone.json biometric_failures=-3 >out 2>&1; check "out of range" 2 $?
"$authn" device set phone.json delay_ms=5 nonsense=1 >out 2>&1; check "unknown key" 2 $?
same "a failed set changes nothing (even the valid pair before it)" phone.json before.json
printf '{"version": 1, "settings": {}, "credentials": [{"id": 5}]}' >bad.json
"$authn" device show bad.json >out 2>&1; check "malformed credential" 2 $?
printf 'not json' >bad.json; "$authn" device show bad.json >out 2>&1; check "not JSON" 2 $?
printf '{"version": 9}' >bad.json; "$authn" device show bad.json >out 2>&1; check "wrong version" 2 $?
"$authn" device show missing.json >out 2>&1; check "missing device file" 2 $?
printf '{"challenge": 5}' >badopts.json
"$authn" create --device phone.json --options badopts.json --origin $origin >out 2>&1; check "bad options" 2 $?
printf '{' >badopts.json
"$authn" create --device phone.json --options badopts.json --origin $origin >out 2>&1; check "options not JSON" 2 $?
same "bad options change nothing" phone.json before.json
"$authn" device new --persona ../etc/passwd x.json >out 2>&1; check "persona name with a path" 2 $?
"$authn" device new --persona nosuch x.json >out 2>&1; check "unknown persona" 2 $?
"$authn" frobnicate >out 2>&1; check "unknown command" 2 $?

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
