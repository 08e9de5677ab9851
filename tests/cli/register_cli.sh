#!/bin/sh
# Device registration on the platform's pages over real HTTP, in one manual
# generation (2.16 or 1.04): from a CA-issued QR and from the PC after card
# login, driven by the simulated phone (kagura-authn register) and a PC that
# polls like the QR page's script (curl). The manual's outcomes 2.2, 2.3,
# 2.15, 2.18, 2.19, 2.20 and 3.22, each with that generation's text.
rp=$1
authn=$2
manual=$3
. "$(dirname "$0")/lib.sh"
origin=https://mahpki-auth.example.jp

if [ "$manual" = 2.16 ]; then
	t_invalid="無効なアクセス、または、URLの有効期限切れにより処理を中断します。"
	t_invalid2="発行した認証局にお問い合わせください。"
	t_pcfail="FIDO認証情報の登録ができませんでした"
	t_pcfail2="画面を閉じてください"
	t_cancelled="セキュリティーキーの登録結果が無効です。"
	t_405="許可されていないメソッドを使用しようしました"
	t_nocookie="Cookie が見つかりません。"
else
	# v1.04 has no 2.19 and no 3.22: Keycloak's invalid-code page; 2.3 shows the browser error.
	t_invalid="We are sorry..."
	t_invalid2="An error occurred, please login again through your application."
	t_pcfail="We are sorry..."
	t_pcfail2="An error occurred, please login again through your application."
	t_cancelled="NotAllowedError: This request has been cancelled by the user."
	t_405="HTTP ステータス 405-Method Not Allowed"
	t_nocookie="An error occurred, please login again through your application."
fi
t_done="処理が終了しました"

start_rp server --test-control --origin $origin --manual "$manual"
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }
user() { post /test-control/users "{\"name\":\"$1\"}" >/dev/null; }
# qr NAME [,"ttl_seconds":N]: the CA issues a registration QR; prints the URL it encodes.
qr() { post /test-control/registration-qr "{\"name\":\"$1\"${2:-}}" >/dev/null && json body 'd["url"]'; }
clock() { post /test-control/clock "{\"advance_seconds\":$1}" >/dev/null; }
# creds NAME: how many devices the platform lists for the user (the CA's view).
creds() { post /test-control/users/credentials "{\"name\":\"$1\"}" >/dev/null && json body 'len(d["credentials"])'; }
phone() { "$authn" device new --persona "$2" "$1" >/dev/null; }
# reg DEVICE URL [options]: the phone opens the QR's URL (the origin mapped onto the test server).
reg() {
	d=$1
	u=$2
	shift 2
	"$authn" register --device "$d" --url "$u" --base "$base" "$@" >page 2>err
}
login() { "$authn" login --device "$1" --url "$base/login" --username "$2" --origin $origin >page 2>err; }

# ---- A. CA-issued QR ----

user 1000000001
phone a.json android-chrome
"$authn" device set a.json counter=per-credential
url=$(qr 1000000001)
case "$url" in "$origin/registration?qr="*) check "QR URL on the platform's origin" 0 0 ;; *) check "QR URL on the platform's origin" "$origin/registration?qr=..." "$url" ;; esac
reg a.json "$url" --label "my phone"
check "CA QR: registration" 0 $?
contains "CA QR: done page" page "$t_done"
check "CA QR: one device stored" 1 "$(creds 1000000001)"
check "CA QR: label stored" "my phone" "$(json body 'd["credentials"][0]["label"]')"
# The counter starts where the attestation put it, not at 0.
check "counter starts from the attestation" "$("$authn" device show a.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["credentials"][0]["counter"])')" "$(json body 'd["credentials"][0]["signCount"]')"
login a.json 1000000001
check "device-only login with the new credential" 0 $?
reg a.json "$url"
check "the same QR again: registration skipped, ends (2.20 remedy)" 0 $?
contains "the same QR again: done page" page "$t_done"
check "the same QR again: nothing added" 1 "$(creds 1000000001)"

# A phone without a counter registers with 0.
user 1000000009
phone z.json android-chrome
reg z.json "$(qr 1000000009)"
check "counterless phone: registration" 0 $?
creds 1000000009 >/dev/null
check "counterless phone: counter 0" 0 "$(json body 'd["credentials"][0]["signCount"]')"

# 2.19: a QR superseded by a newer one; then the newer one works.
user 1000000002
phone b.json ios18-safari
old=$(qr 1000000002)
new=$(qr 1000000002)
reg b.json "$old"
check "superseded QR" 1 $?
contains "superseded QR: 2.19" page "$t_invalid"
contains "superseded QR: 2.19 line 2" page "$t_invalid2"
check "superseded QR: nothing stored" 0 "$(creds 1000000002)"
check "superseded QR: refused on opening, no passkey made" 0 "$("$authn" device show b.json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["credentials"]))')"
reg b.json "$new"
check "newest QR" 0 $?

# 2.19: an expired QR (the CA's lifetime, then the default of 7 days).
user 1000000003
phone c.json android-chrome
url=$(qr 1000000003 ',"ttl_seconds":3600')
clock 3600
reg c.json "$url"
check "expired QR" 1 $?
contains "expired QR: 2.19" page "$t_invalid"
url=$(qr 1000000003)
clock $((7 * 86400 - 60))
reg c.json "$url"
check "default lifetime: still valid after 7 days less a minute" 0 $?
url=$(qr 1000000003)
clock $((7 * 86400))
reg c.json "$url"
check "default lifetime: expired after 7 days" 1 $?
contains "default lifetime: 2.19" page "$t_invalid"
check "expired QRs stored nothing" 1 "$(creds 1000000003)"
check "registration-qr: ttl 0 refused" 400 "$(post /test-control/registration-qr '{"name":"1000000003","ttl_seconds":0}')"
check "registration-qr: unknown user" 404 "$(post /test-control/registration-qr '{"name":"nobody"}')"

# 2.2 and 2.3 from a CA QR: the QR stays usable, the remedy then succeeds.
user 1000000004
phone old.json no-webauthn
url=$(qr 1000000004)
reg old.json "$url"
check "no WebAuthn" 1 $?
contains "2.2 text" page "WebAuthn is not Supported by this browser."
phone d.json ios17-safari
"$authn" device set d.json presence=decline
reg d.json "$url"
check "user cancels" 1 $?
contains "2.3 text" page "$t_cancelled"
# Where the user reads the browser's error: on this page, in both generations (Keycloak's {0}).
contains "2.3: the browser's error on the page" page "NotAllowedError: This request has been cancelled by the user."
check "failures stored nothing" 0 "$(creds 1000000004)"
"$authn" device set d.json presence=consent
reg d.json "$url"
check "retry after the remedy" 0 $?

# 2.20: 本人ID not filled in (another ID posted): the 405 page at the very end.
user 1000000005
phone e.json android-chrome
url=$(qr 1000000005)
reg e.json "$url" --username ""
check "本人ID not filled in" 1 $?
contains "本人ID not filled in: 405 page" page "$t_405"
check "本人ID not filled in: nothing stored" 0 "$(creds 1000000005)"
reg e.json "$url"
check "rescan, ID filled in" 0 $?

# 2.18: one phone for two users, the second without clearing history.
user 1000000006
user 1000000008
phone m.json ios18-safari
reg m.json "$(qr 1000000006)"
check "first user on the phone" 0 $?
url=$(qr 1000000008)
reg m.json "$url"
rc=$?
if [ "$manual" = 2.16 ]; then
	check "second user on the same phone" 1 $rc
	contains "2.18 text" page "すでにこのセッションで異なるユーザー1000000006として認証されています。"
	check "2.18: nothing stored" 0 "$(creds 1000000008)"
	"$authn" remedy m.json clear-site-data >/dev/null
	reg m.json "$url"
	check "after clearing site data (4.1)" 0 $?
else
	# v1.04 has no 2.18: the old platform did not check.
	check "second user on the same phone (no 2.18 in v1.04)" 0 $rc
fi
check "second user: one device" 1 "$(creds 1000000008)"

# ---- the form posts by hand: Back button, GET, cookies, malformed bodies ----

user 1000000007
phone f.json android-chrome
url=$(qr 1000000007)
path=${url#"$origin"}
action_of() { sed -n 's/.*<form id="[^"]*" method="post" action="\([^"]*\)".*/\1/p' "$1" | sed 's/&amp;/\&/g'; }
# start JAR: the pages up to the WebAuthn registration page (reg.html), as a browser with JAR.
start() {
	rm -f "$1"
	curl -s -c "$1" -b "$1" "$base$path" >id.html
	curl -s -c "$1" -b "$1" --data 'username=1000000007' "$base$(action_of id.html)" >reg.html
	action=$(action_of reg.html)
}
start j1
"$authn" options reg.html >create.json
check "options: UV required" required "$(json create.json 'd["authenticatorSelection"]["userVerification"]')"
check "options: resident key required" required "$(json create.json 'd["authenticatorSelection"]["residentKey"]')"
check "options: attestation none" none "$(json create.json 'd["attestation"]')"
check "options: ES256 and RS256 offered" "True" "$(json create.json '{-7,-257} <= {p["alg"] for p in d["pubKeyCredParams"]}')"
"$authn" create --device f.json --options create.json --origin $origin --form --label replay >form.json
python3 -c 'import json,urllib.parse; print(urllib.parse.urlencode(json.load(open("form.json"))))' >form.txt
# The browser keeps the cookies each answer sets (the session id is renewed once registered).
code=$(curl -s -b j1 -c j1 -o first -w '%{http_code}' --data @form.txt "$base$action")
check "register POST" 200 "$code"
contains "register POST: done page" first "$t_done"
code=$(curl -s -b j1 -o second -w '%{http_code}' --data @form.txt "$base$action")
check "Back button replays the register POST" 405 "$code"
contains "replay: 405 page" second "$t_405"
check "replay: the registration stays stored" 1 "$(creds 1000000007)"
check "replay: its label" replay "$(json body 'd["credentials"][0]["label"]')"
for p in /registration-actions/register /registration-actions/username /device-registration/cancel; do
	code=$(curl -s -o get -w '%{http_code}' "$base$p")
	check "GET $p" 405 "$code"
	contains "GET $p: 405 page" get "$t_405"
done
# A new QR of the same user for the bad bodies.
url=$(qr 1000000007)
path=${url#"$origin"}
start j2
code=$(curl -s -o nocookie -w '%{http_code}' --data @form.txt "$base$action")
check "register POST without cookies" 400 "$code"
contains "2.15 text" nocookie "$t_nocookie"
python3 -c 'print("clientDataJSON=" + "A" * 70000)' >big.txt
code=$(curl -s -b j2 -o big -w '%{http_code}' --data-binary @big.txt "$base$action")
check "oversized register body" 413 "$code"
code=$(curl -s -b j2 -o bad -w '%{http_code}' --data 'clientDataJSON=%ZZ&error=' "$base$action")
check "malformed register body" 405 "$code"
start j3
code=$(curl -s -b j3 -o bad -w '%{http_code}' --data 'clientDataJSON=e30&attestationObject=oA&publicKeyCredentialId=AAAA&error=' "$base$action")
check "register body that does not verify" 400 "$code"
# Keycloak's webauthn-error-registration: JA without the reason, EN with it.
contains "does not verify: registration error page" bad "$([ "$manual" = 2.16 ] && echo "セキュリティーキーを登録できませんでした。" || echo WA_ERR_)"
start j4
code=$(curl -s -b j4 -o bad -w '%{http_code}' --data @form.txt "$base$action")
check "another page's response (its challenge)" 400 "$code"
check "bad bodies stored nothing" 1 "$(creds 1000000007)"

# ---- B. registration from the PC after card login ----

# pc JAR NAME: the card login's session, then the QR page (pc.html) and its contract.
pc() {
	rm -f "$1"
	curl -s -c "$1" -o body -X POST -H 'Content-Type: application/json' --data "{\"name\":\"$2\"}" "$base/test-control/card-session"
	curl -s -b "$1" -c "$1" "$base/device-registration" >pc.html
	qr_url=$(sed -n 's/.*data-qr-url="\([^"]*\)".*/\1/p' pc.html)
	poll_url=$(sed -n 's/.*data-poll-url="\([^"]*\)".*/\1/p' pc.html)
	next_url=$(sed -n 's/.*data-next-url="\([^"]*\)".*/\1/p' pc.html)
}
# wait JAR: what the page's script does: poll while "waiting", then open the next URL.
wait_pc() {
	for _ in 1 2 3 4 5; do
		state=$(curl -s -b "$1" "$base$poll_url" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
		[ "$state" != waiting ] && break
	done
	curl -s -b "$1" "$base$next_url" >result.html
}

user 2000000001
pc p1 2000000001
contains "card session: next" body '"next":"/device-registration"'
case "$qr_url" in "$origin/registration?qr="*) check "PC page: QR URL" 0 0 ;; *) check "PC page: QR URL" "$origin/registration?qr=..." "$qr_url" ;; esac
contains "PC page: the QR as SVG" pc.html '<svg xmlns="http://www.w3.org/2000/svg"'
contains "PC page: cancel form" pc.html 'id="kagura-qr-cancel"'
check "PC page: poll before the phone" waiting "$(curl -s -b p1 "$base$poll_url" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')"
phone g.json android-chrome
reg g.json "$qr_url" --label "pc phone"
check "PC QR: phone registers" 0 $?
contains "PC QR: phone done page" page "$t_done"
wait_pc p1
check "PC QR: PC sees done" done "$state"
contains "PC QR: PC result" result.html "$t_done"
contains "PC QR: PC result class" result.html 'class="done"'
check "PC QR: one device" 1 "$(creds 2000000001)"
code=$(curl -s -o other -w '%{http_code}' "$base$poll_url")
check "poll without the PC's session" 404 "$code"
code=$(curl -s -o other -w '%{http_code}' "$base/device-registration")
check "QR page without a card login" 400 "$code"

# PC QR read after 10 minutes: 2.19 on the phone, 3.22 on the PC.
user 2000000002
pc p2 2000000002
clock 600
phone h.json android-chrome
reg h.json "$qr_url"
check "PC QR read after 10 min" 1 $?
contains "PC QR read after 10 min: 2.19" page "$t_invalid"
wait_pc p2
check "PC QR read after 10 min: PC state" expired "$state"
contains "PC QR read after 10 min: 3.22" result.html "$t_pcfail"
contains "PC QR read after 10 min: 3.22 line 2" result.html "$t_pcfail2"

# A reload shows a new QR and kills the old one; the window still runs from the first QR.
user 2000000003
pc p3 2000000003
first=$qr_url
clock 540
curl -s -b p3 -c p3 "$base/device-registration" >pc.html
qr_url=$(sed -n 's/.*data-qr-url="\([^"]*\)".*/\1/p' pc.html)
poll_url=$(sed -n 's/.*data-poll-url="\([^"]*\)".*/\1/p' pc.html)
check "reload: a new QR" 1 "$([ "$qr_url" != "$first" ] && echo 1 || echo 0)"
phone i.json android-chrome
reg i.json "$first"
check "reload: the old QR" 1 $?
contains "reload: the old QR is 2.19" page "$t_invalid"
clock 120
reg i.json "$qr_url"
check "phone finishes 11 min after the first QR" 0 $?
contains "late phone: its own page says done" page "$t_done"
wait_pc p3
check "late phone: PC state" expired "$state"
contains "late phone: PC shows 3.22" result.html "$t_pcfail"
check "late phone: the registration is stored (3.22 remedy: check it)" 1 "$(creds 2000000003)"
curl -s -b p3 "$base/device-registration" >again.html
contains "reload after the window: 3.22" again.html "$t_pcfail"

# Reload past the window with the phone never coming: 3.22 at once.
user 2000000004
pc p4 2000000004
clock 601
curl -s -b p4 "$base/device-registration" >again.html
contains "reload 10 min after the first QR: 3.22" again.html "$t_pcfail"

# The phone fails: the PC shows 3.22.
user 2000000005
pc p5 2000000005
reg old.json "$qr_url"
check "PC QR, no WebAuthn" 1 $?
contains "PC QR, no WebAuthn: 2.2" page "WebAuthn is not Supported by this browser."
wait_pc p5
check "PC QR, no WebAuthn: PC state" failed "$state"
contains "PC QR, no WebAuthn: 3.22" result.html "$t_pcfail"
user 2000000006
pc p6 2000000006
phone d2.json ios17-safari
"$authn" device set d2.json presence=decline
reg d2.json "$qr_url"
check "PC QR, user cancels on the phone" 1 $?
contains "PC QR, user cancels: 2.3" page "$t_cancelled"
wait_pc p6
check "PC QR, user cancels: PC state" failed "$state"
contains "PC QR, user cancels: 3.22" result.html "$t_pcfail"
"$authn" device set d2.json presence=consent
reg d2.json "$qr_url"
check "PC QR after a failure: 2.19 (redo from the PC)" 1 $?
check "phone failures stored nothing" 00 "$(creds 2000000005)$(creds 2000000006)"

# Cancel on the PC: 3.22, and the phone can no longer use that QR.
user 2000000007
pc p7 2000000007
cancel=$(action_of pc.html)
code=$(curl -s -b p7 -o cancelled -w '%{http_code}' --data '' "$base$cancel")
check "PC cancel" 400 "$code"
contains "PC cancel: 3.22" cancelled "$t_pcfail"
check "PC cancel: state" cancelled "$(curl -s -b p7 "$base$poll_url" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')"
code=$(curl -s -b p7 -o cancelled -w '%{http_code}' --data '' "$base$cancel")
check "PC cancel replayed" 405 "$code"
phone k.json android-chrome
reg k.json "$qr_url"
check "phone after the PC cancelled" 1 $?
contains "phone after the PC cancelled: 2.19" page "$t_invalid"
check "card session: unknown user" 404 "$(post /test-control/card-session '{"name":"nobody"}')"

stop_rp
finish
