#!/bin/sh
# The device-only FIDO login on the platform's pages, driven by the simulated
# phone over real HTTP: success, and the manual's documented outcomes
# 2.1, 2.2, 2.6, 2.15, 2.20 and 2.24, each with the exact text of v2.16.
rp=$1
authn=$2
. "$(dirname "$0")/lib.sh"
origin=https://mahpki-auth.example.jp
start_rp server --test-control --origin $origin

# A registered phone: the CA creates user 1234567890 and issues a registration QR; the phone
# registers on the platform's pages.
"$authn" device new --persona android-chrome phone.json >/dev/null
check "the CA creates the user" 200 "$(post /test-control/users '{"name":"1234567890","displayName":"Dr. Test"}')"
post /test-control/registration-qr '{"name":"1234567890"}' >/dev/null
qr=$(python3 -c 'import json; print(json.load(open("body"))["url"])')
"$authn" register --device phone.json --url "$qr" --base "$base" >page 2>err
check "phone registers" 0 $?
post /test-control/users/credentials '{"name":"1234567890"}' >/dev/null
check "platform stores the credential" 1 "$(python3 -c 'import json; print(len(json.load(open("body"))["credentials"]))')"

# login NAME DEVICE USER STATUS [TEXT-NAME TEXT]: kagura-authn logs on with DEVICE as USER and
# exits with STATUS; its last page shows TEXT.
login() {
	"$authn" login --device "$2" --url "$base/login" --username "$3" --origin $origin >page 2>err
	check "$1" "$4" $?
	[ $# -lt 6 ] || contains "$5" page "$6"
}
login "device-only login" phone.json 1234567890 0 "success page" "処理が終了しました"

# 2.6: another phone, whose key the platform does not know.
"$authn" device new --persona android-chrome other.json >/dev/null
login "another phone" other.json 1234567890 1 "2.6 text" "セキュリティーキーによる認証に失敗しました。"

# 2.6 after the browser refused (the user cancels): as Keycloak at login, the page leaves the
# browser's error out ({0} empty) and the server logs it.
cp phone.json cancel.json
"$authn" device set cancel.json presence=decline >/dev/null
login "the user cancels" cancel.json 1234567890 1 "cancelled: 2.6 text" "セキュリティーキーによる認証に失敗しました。"
lacks "cancelled: the browser's error is not on the page" page "NotAllowedError"
logged "cancelled: the browser's error in the server's log" "$rp_log" "the browser's error: NotAllowedError"

# 2.24: a user without any device.
check "user without device" 200 "$(post /test-control/users '{"name":"2222222222"}')"
login "no device registered" phone.json 2222222222 1 "2.24 text" \
	"ログインできません。クレデンシャルのセットアップが必要です。"

# 2.2: a browser without WebAuthn.
"$authn" device new --persona no-webauthn old.json >/dev/null
login "browser without WebAuthn" old.json 1234567890 1 "2.2 text" "WebAuthn is not Supported by this browser."

# 2.1: the CA disables the user; remedy: enabled again, login succeeds.
post /test-control/users/enabled '{"name":"1234567890","enabled":false}' >/dev/null
login "disabled user" phone.json 1234567890 1 "2.1 text" "アカウントが無効です。管理者に連絡してください。"
post /test-control/users/enabled '{"name":"1234567890","enabled":true}' >/dev/null
login "login after the CA re-enables the user" phone.json 1234567890 0

# The login page's form action (HTML entities undone), fetched with curl's ARGS.
action() { curl -s "$@" "$base/login" | sed -n 's/.*action="\([^"]*\)".*/\1/p' | sed 's/&amp;/\&/g'; }

# 2.20: the Back button resubmits a used form; a GET on an action endpoint.
action=$(action -c b.jar)
curl -s -b b.jar -c b.jar -o first --data 'username=1234567890' "$base$action"
check "replayed form" 405 "$(status -b b.jar --data 'username=1234567890' "$base$action")"
contains "2.20 text" body "許可されていないメソッドを使用しようしました"
contains "2.20 footer" body "by HPKI-KAGURA"
check "GET on an action endpoint" 405 "$(status "$base/login-actions/authenticate")"

# 2.6, a 本人ID nobody has: the manual's 2.6 comes from the WebAuthn step (stock Keycloak would
# answer invalidUsernameMessage at Username), so the platform answers the WebAuthn page, asking
# get() for nobody's credentials, and the phone's ceremony fails there.
action=$(action -c u.jar)
curl -s -b u.jar -c u.jar -o unknown.html --data 'username=1999999999' "$base$action"
contains "unknown 本人ID: the WebAuthn page and its button" unknown.html 'id="authenticateWebAuthnButton"'
"$authn" options unknown.html >unknown.json
check "unknown 本人ID: get() lists no credential" "[] False" \
	"$(python3 -c 'import json; d=json.load(open("unknown.json")); print(d["allowCredentials"], "name=\"authn_use_chk\"" in open("unknown.html").read())')"
"$authn" login --device phone.json --url "$base/login" --username 1999999999 --origin $origin \
	--event-log unknown.log >page 2>err
check "unknown 本人ID: the login fails" 1 $?
contains "unknown 本人ID: 2.6 text" page "セキュリティーキーによる認証に失敗しました。"
check "unknown 本人ID: after a ceremony (the phone's event log)" yes "$([ -s unknown.log ] && echo yes)"

# 2.15: cookies blocked: the form post arrives without any session cookie.
check "no cookies" 400 "$(status --data 'username=1234567890' "$base$(action)")"
contains "2.15 text" body "Cookie が見つかりません。"

stop_rp
finish
