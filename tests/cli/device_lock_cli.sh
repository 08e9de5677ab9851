#!/bin/sh
# One device file, many kagura-authn commands at once: every create, import and set keeps its
# change (each holds the file's lock from its load to its save), no lock file or temporary is left
# beside it, and a temporary a killed writer left is removed by the next command, the device file
# whole.
authn=$1
. "$(dirname "$0")/lib.sh"
origin=https://mahpki-auth.2nds.medis.or.jp
creates=10

# options N: creation options for user N (a discoverable credential per user: ten users, ten keys).
options() {
	printf '{"challenge":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8","rp":{"id":"mahpki-auth.2nds.medis.or.jp","name":"HPKI"},"user":{"id":"%s","name":"user%s","displayName":"user%s"},"pubKeyCredParams":[{"type":"public-key","alg":-7}],"authenticatorSelection":{"residentKey":"required","userVerification":"required"},"attestation":"none"}\n' \
		"$(printf 'user-%02d' "$1" | base64 | tr -d '=\n' | tr '+/' '-_')" "$1" "$1"
}
# credentials FILE: how many credentials the device file holds.
credentials() { "$authn" device show "$1" | grep -c '"rp_id"'; }

# Two passkeys made on other phones, to import while the creates run.
for n in 91 92; do
	options $n >o$n.json
	"$authn" device new --persona android-chrome src$n.json >out 2>&1
	"$authn" create --device src$n.json --options o$n.json --origin $origin >out 2>&1
	"$authn" device export src$n.json >cdp$n.json 2>err
done

exits "device new" 0 "$authn" device new --persona android-chrome phone.json
n=1
while [ $n -le $creates ]; do options $n >o$n.json; n=$((n + 1)); done
n=1
pids=
while [ $n -le $creates ]; do
	"$authn" create --device phone.json --options o$n.json --origin $origin >reg$n.json 2>err$n &
	pids="$pids $!"
	n=$((n + 1))
done
"$authn" device import --from cdp91.json phone.json >imp91.out 2>&1 &
pids="$pids $!"
"$authn" device import --from cdp92.json phone.json >imp92.out 2>&1 &
pids="$pids $!"
"$authn" device set phone.json delay_ms=1 >set.out 2>&1 &
pids="$pids $!"
statuses=
for p in $pids; do
	wait "$p"
	statuses="$statuses $?"
done
pids=
check "$creates creates, 2 imports and a set at once all succeed" \
	" 0 0 0 0 0 0 0 0 0 0 0 0 0" "$statuses"
check "every credential kept ($creates created, 2 imported)" $((creates + 2)) "$(credentials phone.json)"
"$authn" device show phone.json >show.json 2>&1
contains "the set kept too" show.json '"delay_ms": "1"'
check "device file mode 0600" 600 "$(stat -c %a phone.json)"
check "no lock file or temporary left beside it" "phone.json" "$(ls phone.json*)"

# A writer killed between writing its temporary and renaming it: the temporary (its name as
# mkstemp makes it) holds private keys; the next command removes it and the file is whole.
cp phone.json before.json
cp phone.json phone.json.tmpK9zQ2a
chmod 600 phone.json.tmpK9zQ2a
: >phone.json.tmpK9zQ2 # not the pattern (five letters): not ours, kept
: >phone.json.tmpK9zQ2ab # seven letters: kept
: >other.json.tmpK9zQ2a # another file's temporary: kept
exits "the next command after a killed writer" 0 "$authn" device show phone.json
check "its stale temporary removed, nothing else" \
	"other.json.tmpK9zQ2a phone.json phone.json.tmpK9zQ2 phone.json.tmpK9zQ2ab" \
	"$(echo $(ls other.json* phone.json*))"
same "the device file intact" phone.json before.json
check "its credentials all there" $((creates + 2)) "$(credentials phone.json)"
cp phone.json phone.json.tmpAAAAAA
exits "a create after a killed writer" 0 "$authn" create --device phone.json --options o91.json \
	--origin $origin
check "removes the stale temporary too" "" "$(ls phone.json.tmpAAAAAA 2>/dev/null)"

finish
