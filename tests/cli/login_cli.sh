#!/bin/sh
# The device-only FIDO login on the platform's pages, driven by the simulated
# phone over real HTTP: success, and the manual's documented outcomes
# 2.1, 2.2, 2.6, 2.15, 2.20 and 2.24, each with the exact text of v2.16.
set -u
rp=$1
authn=$2
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT INT TERM
cd "$work"
origin=https://mahpki-auth.example.jp
failures=0
check() { if [ "$2" != "$3" ]; then echo "FAIL $1: got $3, expected $2"; failures=$((failures + 1)); else echo "ok   $1"; fi; }
contains() { if grep -qF -- "$3" "$2"; then echo "ok   $1"; else echo "FAIL $1: '$3' not in:"; sed 's/^/     /' "$2"; failures=$((failures + 1)); fi; }

"$rp" serve --listen 127.0.0.1:0 --test-control --origin $origin >out 2>log &
pid=$!
for _ in $(seq 1 100); do
	base=$(sed -n 's/^kagura-rp: serving \(http:[^ ]*\).*/\1/p' out)
	[ -n "$base" ] && break
	sleep 0.05
done
post() { curl -s -o body -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data "$2" "$base$1"; }

# A registered phone: the conformance API registers it for user 1234567890.
"$authn" device new --persona android-chrome phone.json >/dev/null
curl -s -c conf.jar -X POST -H 'Content-Type: application/json' \
	--data '{"username":"1234567890","displayName":"Dr. Test","authenticatorSelection":{"residentKey":"required","userVerification":"required"},"attestation":"none"}' \
	"$base/attestation/options" >options.json
python3 -c 'import json,sys; o=json.load(open("options.json")); [o.pop(k,None) for k in ("status","errorMessage")]; json.dump(o,open("create.json","w"))'
"$authn" create --device phone.json --options create.json --origin $origin >reg.json 2>err
check "phone registers" 0 $?
code=$(curl -s -b conf.jar -o body -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data @reg.json "$base/attestation/result")
check "platform stores the credential" 200 "$code"

"$authn" login --device phone.json --url "$base/login" --username 1234567890 --origin $origin >page 2>err
check "device-only login" 0 $?
contains "success page" page "処理が終了しました"

# 2.6: another phone, whose key the platform does not know.
"$authn" device new --persona android-chrome other.json >/dev/null
"$authn" login --device other.json --url "$base/login" --username 1234567890 --origin $origin >page 2>err
check "another phone" 1 $?
contains "2.6 text" page "セキュリティーキーによる認証に失敗しました。"

# 2.24: a user without any device.
check "user without device" 200 "$(post /test-control/users '{"name":"2222222222"}')"
"$authn" login --device phone.json --url "$base/login" --username 2222222222 --origin $origin >page 2>err
check "no device registered" 1 $?
contains "2.24 text" page "ログインできません。クレデンシャルのセットアップが必要です。"

# 2.2: a browser without WebAuthn.
"$authn" device new --persona no-webauthn old.json >/dev/null
"$authn" login --device old.json --url "$base/login" --username 1234567890 --origin $origin >page 2>err
check "browser without WebAuthn" 1 $?
contains "2.2 text" page "WebAuthn is not Supported by this browser."

# 2.1: the CA disables the user; remedy: enabled again, login succeeds.
post /test-control/users/enabled '{"name":"1234567890","enabled":false}' >/dev/null
"$authn" login --device phone.json --url "$base/login" --username 1234567890 --origin $origin >page 2>err
check "disabled user" 1 $?
contains "2.1 text" page "アカウントが無効です。管理者に連絡してください。"
post /test-control/users/enabled '{"name":"1234567890","enabled":true}' >/dev/null
"$authn" login --device phone.json --url "$base/login" --username 1234567890 --origin $origin >page 2>err
check "login after the CA re-enables the user" 0 $?

# 2.20: the Back button resubmits a used form; a GET on an action endpoint.
curl -s -c b.jar "$base/login" >login.html
action=$(sed -n 's/.*action="\([^"]*\)".*/\1/p' login.html | sed 's/&amp;/\&/g')
curl -s -b b.jar -c b.jar -o first --data 'username=1234567890' "$base$action"
code=$(curl -s -b b.jar -o second -w '%{http_code}' --data 'username=1234567890' "$base$action")
check "replayed form" 405 "$code"
contains "2.20 text" second "許可されていないメソッドを使用しようしました"
contains "2.20 footer" second "by HPKI-KAGURA"
code=$(curl -s -o third -w '%{http_code}' "$base/login-actions/authenticate")
check "GET on an action endpoint" 405 "$code"

# 2.15: cookies blocked: the form post arrives without any session cookie.
curl -s "$base/login" >login.html
action=$(sed -n 's/.*action="\([^"]*\)".*/\1/p' login.html | sed 's/&amp;/\&/g')
code=$(curl -s -o nocookie -w '%{http_code}' --data 'username=1234567890' "$base$action")
check "no cookies" 400 "$code"
contains "2.15 text" nocookie "Cookie が見つかりません。"

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
