#!/bin/sh
# kagura-authn device export / import on the command line: both shapes out and back in (a file
# and stdin), and every refusal with exit 2, its reason on stderr and the device file
# byte-identical afterwards.
authn=$1
. "$(dirname "$0")/lib.sh"
origin=https://mahpki-auth.2nds.medis.or.jp

cat >create.json <<'J'
{"challenge":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8","rp":{"id":"mahpki-auth.2nds.medis.or.jp","name":"HPKI"},"user":{"id":"MTIzNDU","name":"12345","displayName":"Dr. 12345"},"pubKeyCredParams":[{"type":"public-key","alg":-7}],"authenticatorSelection":{"residentKey":"required","userVerification":"required"},"attestation":"none"}
J

"$authn" device new --persona android-chrome-old phone.json >out 2>&1
"$authn" create --device phone.json --options create.json --origin $origin >reg.json 2>err; check "create" 0 $?
"$authn" device export phone.json >cdp.json 2>err; check "export (cdp, the default)" 0 $?
contains "CDP member names" cdp.json '"isResidentCredential": true'
contains "CDP's standard base64 user handle" cdp.json '"userHandle": "MTIzNDU="'
"$authn" device export --format playwright phone.json >pw.json 2>err; check "export --format playwright" 0 $?
contains "Playwright's base64url user handle" pw.json '"userHandle": "MTIzNDU"'
"$authn" device export --rp-id other.example phone.json >none.json 2>err; check "export --rp-id" 0 $?
contains "no credential of another RP" none.json '[]'

"$authn" device new --persona android-chrome-old copy.json >out 2>&1
"$authn" device import --from cdp.json copy.json >out 2>err; check "import a CDP file" 0 $?
contains "import says what it did" out "copy.json: imported 1 credential (0 replaced)"
check "device file mode 0600 after import" 600 "$(stat -c %a copy.json)"
"$authn" device export copy.json >again.json 2>err
same "export → import → export gives the same JSON" cdp.json again.json
"$authn" device new --persona android-chrome-old pwcopy.json >out 2>&1
"$authn" device import --format playwright --from - pwcopy.json <pw.json >out 2>err; check "import Playwright JSON from stdin" 0 $?
"$authn" device export --format playwright pwcopy.json >again.json 2>err
same "the same Playwright JSON back" pw.json again.json

# Refusals: exit 2, the reason, the device file untouched.
cp copy.json before.json
refused() { # name, expected text, then the import's arguments
	name=$1 text=$2
	shift 2
	exits "$name: exit 2" 2 "$authn" device import "$@"
	contains "$name: reason" err "$text"
	same "$name: device file unchanged" copy.json before.json
}
printf '[{"credentialId": ' >broken.json
refused "not JSON" "the input is not JSON" --from broken.json copy.json
sed 's/"credentialId": "[^"]*"/"credentialId": "-_-_"/' cdp.json >url.json
refused "base64url where CDP has base64" "[0].credentialId: a binary member is not in the format's base64 flavour" --from url.json copy.json
sed 's/"privateKey": "[^"]*"/"privateKey": "AAECAwQFBgc="/' cdp.json >notkey.json
refused "a key that is not PKCS#8" "[0].privateKey: the private key is not PKCS#8 DER" --from notkey.json copy.json
refused "the credential again" "the device already holds this credential" --from cdp.json copy.json
head -c 1100000 /dev/zero | tr '\0' ' ' >huge.json
refused "huge input on stdin" "the input is larger than 1 MiB" --from - copy.json <huge.json
refused "a --from that does not exist" "no-such.json" --from no-such.json copy.json
refused "an unknown format" "unknown --format" --format webdriver --from cdp.json copy.json
refused "no --from" "needs --from" copy.json
exits "no device file" 2 "$authn" device import --from cdp.json no-such-device.json
contains "no device file: reason" err "device file cannot be read"
exits "import --replace" 0 "$authn" device import --replace --from cdp.json copy.json
contains "import --replace says so" out "imported 1 credential (1 replaced)"

# Playwright signs ES256 only: an EdDSA credential is not exported in its shape.
sed 's/"alg":-7/"alg":-8/' create.json >create8.json
"$authn" create --device phone.json --options create8.json --origin $origin >out 2>err
exits "EdDSA in Playwright's shape" 2 "$authn" device export --format playwright phone.json
contains "EdDSA in Playwright's shape: reason" err "Playwright's virtual authenticator signs ES256 only"

finish
