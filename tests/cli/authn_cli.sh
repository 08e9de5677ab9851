#!/bin/sh
# kagura-authn as a QA engineer uses it: device files, create/get, browser
# errors in each persona's words, bad input, and the device file untouched
# by a failed command. Outputs are verified with kagura-rp verify.
authn=$1
rp=$2
. "$(dirname "$0")/lib.sh"
origin=https://mahpki-auth.2nds.medis.or.jp
rc_challenge=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8
ac_challenge=ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8

cat >create.json <<'J'
{"challenge":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8","rp":{"id":"mahpki-auth.2nds.medis.or.jp","name":"HPKI"},"user":{"id":"MTIzNDU","name":"12345","displayName":"12345"},"pubKeyCredParams":[{"type":"public-key","alg":-7}],"authenticatorSelection":{"residentKey":"required","userVerification":"required"},"attestation":"direct"}
J
cat >get.json <<'J'
{"challenge":"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8","rpId":"mahpki-auth.2nds.medis.or.jp","userVerification":"required"}
J
# create DEVICE [ARGS...] / get DEVICE [ARGS...]: the ceremony with the options above.
create() { d=$1; shift; "$authn" create --device "$d" --options create.json --origin $origin "$@"; }
get() { d=$1; shift; "$authn" get --device "$d" --options get.json --origin $origin "$@"; }

exits "device new" 0 "$authn" device new --persona ios17-safari phone.json
check "device file mode 0600" 600 "$(stat -c %a phone.json)"
exits "device new refuses to overwrite" 2 "$authn" device new --persona ios17-safari phone.json
exits "device set" 0 "$authn" device set phone.json attestation=packed

create phone.json >reg.json 2>err; check "create" 0 $?
"$rp" verify registration --challenge $rc_challenge --origin $origin \
	--rp-id mahpki-auth.2nds.medis.or.jp --require-uv --json reg.json >cred.json 2>&1
check "the registration verifies with kagura-rp verify" 0 $?
get phone.json >auth.json 2>err; check "get" 0 $?
exits "the assertion verifies with kagura-rp verify" 0 "$rp" verify authentication \
	--challenge $ac_challenge --origin $origin --rp-id mahpki-auth.2nds.medis.or.jp --require-uv \
	--credential cred.json auth.json
get phone.json --form >form.json 2>err; check "get --form" 0 $?
contains "Keycloak form fields" form.json '"credentialId"'

# The user cancels on an iPhone: WebKit's words, exit 1, device file untouched.
"$authn" device set phone.json presence=decline >out 2>&1
cp phone.json before.json
exits "cancelled get" 1 get phone.json
contains "Safari's cancel text" err "NotAllowedError: This request has been cancelled by the user."
same "failed get leaves the device file" phone.json before.json
get phone.json --form >form.json 2>err
contains "failure posts only error" form.json '"error": "NotAllowedError: This request has been cancelled by the user."'

# Browser errors in each persona's words: refused PERSONA DEVICE-SETTING NAME TEXT (the
# creation refused, exit 1, TEXT on stderr). Chromium collapses a cancel to its single
# NotAllowedError text; a third-party iOS browser lacks the entitlement (manual 2.7); a phone
# without a screen lock cannot verify the user (manual 2.9).
refused() {
	"$authn" device new --persona "$1" "$2" >out 2>&1
	[ -n "$3" ] && "$authn" device set "$2" "$3" >out 2>&1
	exits "$4" 1 create "$2"
	contains "$5" err "$6"
}
refused desktop-chrome pc.json presence=decline "cancelled create on Chrome" "Chromium's text" \
	"NotAllowedError: The operation either timed out or was not allowed. See: https://www.w3.org/TR/webauthn-2/#sctn-privacy-considerations-client."
refused ios-thirdparty-browser app.json "" "entitlement" "entitlement text" \
	"'navigator.credentials.create' API is only permitted in applications with the 'com.apple.developer.web-browser' entitlement."
refused android-chrome-without-screen-lock nolock.json "" "no screen lock" "manual 2.9 text" \
	"NotSupportedError: The specified 'userVerification' requirement cannot be fulfilled by this device unless the device is secured with a screen lock."

# Android: removing the screen lock deletes the passkey; restoring it does not bring it back.
"$authn" device new --persona android-chrome and.json >out 2>&1
exits "android create" 0 create and.json
"$authn" device set and.json screen_lock=swipe >out 2>&1
"$authn" device set and.json screen_lock=pin >out 2>&1
exits "key gone after swipe" 1 get and.json

# Remedies (manual section 4) as operations on the phone.
exits "remedy: set a screen lock" 0 "$authn" remedy nolock.json set-screen-lock
exits "remedy: enrol biometrics" 0 "$authn" remedy nolock.json enrol-biometrics
exits "registration after the remedy" 0 create nolock.json
exits "remedy: report versions" 0 "$authn" remedy phone.json report-versions
contains "OS version reported" out "OS: ios 17"
exits "set-default-browser needs a name" 2 "$authn" remedy phone.json set-default-browser
exits "unknown remedy" 2 "$authn" remedy phone.json no-such-remedy
touch phone.json.cookies
exits "remedy: clear site data" 0 "$authn" remedy phone.json clear-site-data
check "cookie jar removed" no "$([ -e phone.json.cookies ] && echo yes || echo no)"

# Bad input: exit 2 and the file untouched.
cp phone.json before.json
exits "bad enum value" 2 "$authn" device set phone.json presence=maybe
exits "out of range" 2 "$authn" device set phone.json biometric_failures=-3
exits "unknown key" 2 "$authn" device set phone.json delay_ms=5 nonsense=1
same "a failed set changes nothing (even the valid pair before it)" phone.json before.json
# The device file's content, then the name of its refusal.
while IFS='|' read -r content name; do
	printf '%s' "$content" >bad.json
	exits "$name" 2 "$authn" device show bad.json
done <<'T'
{"version": 1, "settings": {}, "credentials": [{"id": 5}]}|malformed credential
not json|not JSON
{"version": 9}|wrong version
T
exits "missing device file" 2 "$authn" device show missing.json
printf '{"challenge": 5}' >badopts.json
exits "bad options" 2 "$authn" create --device phone.json --options badopts.json --origin $origin
printf '{' >badopts.json
exits "options not JSON" 2 "$authn" create --device phone.json --options badopts.json --origin $origin
same "bad options change nothing" phone.json before.json
exits "persona name with a path" 2 "$authn" device new --persona ../etc/passwd x.json
exits "unknown persona" 2 "$authn" device new --persona nosuch x.json
exits "unknown command" 2 "$authn" frobnicate

finish
