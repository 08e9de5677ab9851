#!/bin/sh
# kagura-rp serve shares networks with real systems: what it must not let in. Each section is a
# way in that it refuses, checked over real HTTP(S) against `kagura-rp serve` processes:
#   1. the FIDO conformance API is opt-in and has users of its own (no account takeover);
#   2. test control: JSON only, its own Host and Origin, the network policy, a warning off
#      loopback, the clock's cap;
#   3. sessions and headers: a new session id at login, KC_RESTART without it, Secure cookies and
#      HSTS over HTTPS, Keycloak's security headers on the pages;
#   4. the store does not grow: expired rows purged on the platform's clock, the conformance
#      API's pending ceremonies kept in memory only and expired, no user made by an options call;
#   5. a device-auth QR is the PC session's, device labels are checked, verify refuses a FIFO.
rp=$1
authn=$2
pki=$3
. "$(dirname "$0")/lib.sh"
origin=https://mahpki-auth.example.jp
t_done="処理が終了しました"
t_invalid="無効なアクセス、または、URLの有効期限切れにより処理を中断します。"
t_da_error="デバイス認証でエラーが発生しました。"

json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }
# count DB SQL: one number from the store of a running server.
count() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$@"; }
user() { post /test-control/users "{\"name\":\"$1\"}" >/dev/null; }
qr() { post /test-control/registration-qr "{\"name\":\"$1\"${2:-}}" >/dev/null && json body 'd["url"]'; }
clock() { post /test-control/clock "{\"advance_seconds\":$1}" >/dev/null; }
creds() { post /test-control/users/credentials "{\"name\":\"$1\"}" >/dev/null && json body 'len(d["credentials"])'; }
# enrol DEVICE USER: a new phone registers on the platform's pages from a CA QR.
enrol() {
	"$authn" device new --persona android-chrome "$1" >/dev/null
	user "$2"
	"$authn" register --device "$1" --url "$(qr "$2")" --base "$base" >page 2>err
}
login() { "$authn" login --device "$1" --url "$base/login" --username "$2" --origin $origin >page 2>err; }
# conf_options JAR BODY: POST /attestation/options keeping the pending ceremony's cookie.
conf_options() {
	curl -s -c "$1" -o options.json -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data "$2" "$base/attestation/options"
}
conf_body() { echo "{\"username\":\"$1\",\"displayName\":\"Dr. Test\",\"authenticatorSelection\":{\"residentKey\":\"required\",\"userVerification\":\"required\"},\"attestation\":\"none\"}"; }
# conf_register JAR DEVICE: the phone answers options.json; its status from /attestation/result.
conf_register() {
	python3 -c 'import json; o=json.load(open("options.json")); [o.pop(k,None) for k in ("status","errorMessage")]; json.dump(o,open("create.json","w"))'
	"$authn" create --device "$2" --options create.json --origin $origin >reg.json 2>err
	curl -s -b "$1" -o body -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data @reg.json "$base/attestation/result"
}

# ---- 1. the FIDO conformance API: opt-in, its own users ----

start_rp off --test-control --origin $origin
check "conformance API off unless asked" 404 "$(post /attestation/options "$(conf_body a)")"
check "... all four endpoints" 404 "$(post /assertion/result '{}')"
lacks "the banner does not say it is on" "$rp_out" "conformance API on"
stop_rp

start_rp conf --test-control --conformance-api --origin $origin --db "$work/conf.db"
contains "the banner says it is on" "$rp_out" "conformance API on"
user 1234567890
# The takeover: the CA's user named to the conformance API, one's own key registered, then the
# platform's login as that user.
"$authn" device new --persona android-chrome attacker.json >/dev/null
check "options for a platform user refused" 403 "$(conf_options att.jar "$(conf_body 1234567890)")"
contains "... saying why" options.json "platform user"
conf_register att.jar attacker.json >/dev/null
login attacker.json 1234567890
check "no login as the CA's user with the attacker's key" 1 $?
lacks "... no success page" page "$t_done"
check "the CA's user has no device" 0 "$(creds 1234567890)"
# The conformance API's own user: registers and authenticates there, and nowhere else.
"$authn" device new --persona android-chrome tool.json >/dev/null
users=$(count "$work/conf.db" 'SELECT count(*) FROM users')
check "options for a new conformance user" 200 "$(conf_options tool.jar "$(conf_body conf-user-1)")"
check "... creates no user before a registration verified" "$users" "$(count "$work/conf.db" 'SELECT count(*) FROM users')"
check "conformance registration" 200 "$(conf_register tool.jar tool.json)"
check "... then the user exists" $((users + 1)) "$(count "$work/conf.db" 'SELECT count(*) FROM users')"
code=$(curl -s -c tool.jar -o aopts.json -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data '{"username":"conf-user-1","userVerification":"required"}' "$base/assertion/options")
check "conformance assertion options" 200 "$code"
python3 -c 'import json; o=json.load(open("aopts.json")); [o.pop(k,None) for k in ("status","errorMessage")]; json.dump(o,open("get.json","w"))'
"$authn" get --device tool.json --options get.json --origin $origin >auth.json 2>err
code=$(curl -s -b tool.jar -o body -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data @auth.json "$base/assertion/result")
check "conformance authentication" 200 "$code"
login tool.json conf-user-1
check "a conformance user cannot log in on the platform's pages" 1 $?
check "test control does not know the conformance user" 404 "$(post /test-control/users/credentials '{"name":"conf-user-1"}')"
check "test control refuses the conformance namespace" 400 "$(post /test-control/users '{"name":"conformance:conf-user-1"}')"
conf_id=$(python3 -c 'import json; print(json.load(open("auth.json"))["id"])')
check "test control cannot delete a conformance user's key" 404 \
	"$(post /test-control/credentials "{\"id\":\"$conf_id\",\"delete\":true}")"
check "... nor disable it" 404 "$(post /test-control/credentials "{\"id\":\"$conf_id\",\"enabled\":false}")"
check "... which still signs in there" 1 "$(count "$work/conf.db" 'SELECT count(*) FROM credentials WHERE enabled = 1 AND user_id = (SELECT id FROM users WHERE name = '"'"'conformance:conf-user-1'"'"')')"
# The platform's name space stays the platform's: the same name made by the CA is another user.
check "the CA creates a platform user of that name" 200 "$(post /test-control/users '{"name":"conf-user-1"}')"
check "... who has no device" 0 "$(creds conf-user-1)"
check "options for it are now refused" 403 "$(conf_options x.jar "$(conf_body conf-user-1)")"
stop_rp

# ---- 2. test control ----

start_rp tc --test-control --origin $origin
port=${base##*:}
tc() { curl -s -o "$work/body" -w '%{http_code}' -X POST "$@"; }
check "JSON accepted" 200 "$(tc -H 'Content-Type: application/json' --data '{}' "$base/test-control/info")"
check "text/plain refused (a cross-site form can send it)" 415 \
	"$(tc -H 'Content-Type: text/plain' --data '{"name":"csrf-1"}' "$base/test-control/users")"
check "form-urlencoded refused" 415 "$(tc --data '{"name":"csrf-2"}' "$base/test-control/users")"
check "no Content-Type refused" 415 "$(tc -H 'Content-Type:' --data '{"name":"csrf-3"}' "$base/test-control/users")"
check "... nothing created" 404 "$(post /test-control/users/credentials '{"name":"csrf-1"}')"
check "another Host refused (DNS rebinding)" 403 \
	"$(tc -H 'Content-Type: application/json' -H "Host: rebind.example:$port" --data '{}' "$base/test-control/info")"
check "the origin's host accepted" 200 \
	"$(tc -H 'Content-Type: application/json' -H 'Host: mahpki-auth.example.jp' --data '{}' "$base/test-control/info")"
check "the origin's host on the bound port accepted" 200 \
	"$(tc -H 'Content-Type: application/json' -H "Host: mahpki-auth.example.jp:$port" --data '{}' "$base/test-control/info")"
check "another Origin refused (a web page)" 403 \
	"$(tc -H 'Content-Type: application/json' -H 'Origin: https://evil.example' --data '{"name":"csrf-4"}' "$base/test-control/users")"
check "Origin null refused" 403 \
	"$(tc -H 'Content-Type: application/json' -H 'Origin: null' --data '{}' "$base/test-control/info")"
check "the platform's own Origin accepted" 200 \
	"$(tc -H 'Content-Type: application/json' -H "Origin: $origin" --data '{}' "$base/test-control/info")"
# The clock's offset stays within ten years in all, whatever the path.
ten=315360000
check "advance beyond ten years" 400 "$(post /test-control/clock '{"advance_seconds":315360001}')"
check "advance by the largest integer" 400 "$(post /test-control/clock '{"advance_seconds":9223372036854775807}')"
check "offset beyond ten years" 400 "$(post /test-control/clock '{"offset_seconds":315360001}')"
check "negative offset" 400 "$(post /test-control/clock '{"offset_seconds":-1}')"
check "nine years" 200 "$(post /test-control/clock '{"advance_seconds":283824000}')"
check "two more years refused" 400 "$(post /test-control/clock '{"advance_seconds":63072000}')"
check "then the largest integer" 400 "$(post /test-control/clock '{"advance_seconds":9223372036854775807}')"
post /test-control/info '{}' >/dev/null
check "the offset is still nine years" 283824000 "$(json body 'd["offset_seconds"]')"
check "ten years exactly" 200 "$(post /test-control/clock "{\"offset_seconds\":$ten}")"
check "back to none" 200 "$(post /test-control/clock '{"offset_seconds":0}')"
lacks "no warning on loopback" "$rp_log" "warning"
stop_rp

# --forbidden-network holds for test control too: a forbidden client can neither use it nor
# clear the list.
start_rp fn --test-control --origin $origin --forbidden-network 127.0.0.0/8
check "test control from a forbidden network" 403 "$(post /test-control/info '{}')"
check "... cannot clear the list" 403 "$(post /test-control/forbidden-networks '{"networks":[]}')"
check "the pages stay forbidden" 403 "$(status "$base/login")"
stop_rp
# A forbidden list set through test control simulates manual 2.10 on the pages; test control
# itself stays reachable so the run can put it back.
start_rp fn2 --test-control --origin $origin
check "forbid loopback through test control" 200 "$(post /test-control/forbidden-networks '{"networks":["127.0.0.0/8"]}')"
check "the pages forbidden" 403 "$(status "$base/login")"
check "test control puts it back" 200 "$(post /test-control/forbidden-networks '{"networks":[]}')"
check "the pages again" 200 "$(status "$base/login")"
stop_rp

start_rp wide --test-control --origin $origin --listen 0.0.0.0:0
contains "a warning when test control listens off loopback" "$rp_log" "warning: --test-control"
stop_rp

# ---- 3. sessions and headers ----

start_rp ses --test-control --origin $origin
enrol victim.json 5555555555
check "the victim's phone registered" 0 $?
curl -s -c a.jar -D h.txt -o login.html "$base/login"
sid() { sed -n "s/.*	$2	\(.*\)$/\1/p" "$1"; }
planted=$(sid a.jar AUTH_SESSION_ID)
[ -n "$planted" ] && ok "a session id from GET /login" || fail "no AUTH_SESSION_ID in a.jar"
restart=$(sid a.jar KC_RESTART)
[ -n "$restart" ] && [ "$restart" != "$planted" ] && ok "KC_RESTART does not carry the session id" ||
	fail "KC_RESTART '$restart' vs AUTH_SESSION_ID '$planted'"
contains "X-Frame-Options" h.txt "X-Frame-Options: SAMEORIGIN"
contains "CSP frame-ancestors" h.txt "Content-Security-Policy: frame-src 'self'; frame-ancestors 'self'; object-src 'none';"
contains "X-Content-Type-Options" h.txt "X-Content-Type-Options: nosniff"
contains "Referrer-Policy" h.txt "Referrer-Policy: no-referrer"
contains "Cache-Control on the page" h.txt "Cache-Control: no-store"
lacks "no HSTS over plain HTTP" h.txt "Strict-Transport-Security"
lacks "no Secure cookie over plain HTTP" h.txt "Secure"
# Session fixation: the attacker's session id planted in the victim's browser; the victim logs in.
cp a.jar victim.json.cookies
login victim.json 5555555555
check "the victim logs in" 0 $?
[ "$(sid victim.json.cookies AUTH_SESSION_ID)" != "$planted" ] && ok "a new session id at login" ||
	fail "the planted session id survived the login"
curl -s -b a.jar -o da.html "$base/device-auth"
lacks "the planted id is not a logged-in session" da.html "$t_da_error"
contains "... it starts afresh" da.html 'id="kc-form-login"'
stop_rp

start_rp tls --test-control --card-pki "$pki"
ca="--cacert $pki/tls/server-ca.pem"
curl -s $ca -D h.txt -o /dev/null "$base/login"
check "HTTPS cookies are Secure" 2 "$(grep -c '^Set-Cookie: .*; Secure' h.txt)"
contains "HSTS over HTTPS" h.txt "Strict-Transport-Security: max-age=31536000; includeSubDomains"
curl -s $ca -D h.txt -o /dev/null -X POST -H 'Content-Type: application/json' --data '{}' "$base/test-control/info"
contains "HSTS on JSON too" h.txt "Strict-Transport-Security: max-age=31536000; includeSubDomains"
contains "nosniff on JSON too" h.txt "X-Content-Type-Options: nosniff"
stop_rp

# ---- 4. the store does not grow without bound ----

start_rp growth --test-control --conformance-api --origin $origin --db "$work/growth.db"
post /test-control/info '{}' >/dev/null
for i in $(seq 1 20); do curl -s -o /dev/null "$base/login"; done
for i in $(seq 1 5); do post /attestation/options "$(conf_body "new-name-$i")" >/dev/null; done
user 6666666666
qr 6666666666 ',"ttl_seconds":60' >/dev/null
db=$work/growth.db
check "20 cookie-less views: 20 sessions" 20 "$(count "$db" 'SELECT count(*) FROM sessions')"
check "... and their codes" 20 "$(count "$db" 'SELECT count(*) FROM codes')"
# Pending ceremonies live in memory (rp/pending.h): test control's info counts them.
post /test-control/info '{}' >/dev/null
check "5 options calls: 5 pending ceremonies" 5 "$(json body 'd["pending_ceremonies"]')"
check "... none of them in the store" 0 "$(count "$db" "SELECT count(*) FROM records WHERE kind = 'conformance'")"
check "... and no user" 1 "$(count "$db" 'SELECT count(*) FROM users')"
check "one QR token" 1 "$(count "$db" 'SELECT count(*) FROM qr_tokens')"
clock 1500 # 25 minutes: the challenges have expired, the sessions not yet
post /test-control/info '{}' >/dev/null # a request: the purge runs on the request path
check "before the sessions expire: kept" 20 "$(count "$db" 'SELECT count(*) FROM sessions')"
check "expired challenges purged from memory" 0 "$(json body 'd["pending_ceremonies"]')"
clock 1500 # 50 minutes
post /test-control/info '{}' >/dev/null
check "expired sessions purged" 0 "$(count "$db" 'SELECT count(*) FROM sessions')"
check "their codes too" 0 "$(count "$db" 'SELECT count(*) FROM codes')"
check "a QR token expired longer than a session lives purged" 0 "$(count "$db" 'SELECT count(*) FROM qr_tokens')"
check "the users stay" 1 "$(count "$db" 'SELECT count(*) FROM users')"
stop_rp

# ---- 5. smaller ones ----

start_rp small --test-control --origin $origin
# A device-auth QR belongs to the PC session that asked: another PC naming the same user does
# not expire it.
enrol owner.json 7777777777
check "the owner's phone registered" 0 $?
attr() { sed -n "s/.*$2=\"\\([^\"]*\\)\".*/\\1/p" "$1" | head -n 1 | sed 's/&amp;/\&/g'; }
pc_qr() {
	curl -s -b "$1" -c "$1" -o pc.html "$base/device-auth"
	curl -s -b "$1" -c "$1" -o pc.html --data-urlencode "username=$2" "$base$(attr pc.html action)"
}
pc_qr pc.jar 7777777777
victim_qr=$(attr pc.html data-qr-url)
pc_qr intruder.jar 7777777777
"$authn" register --device owner.json --url "$victim_qr" --base "$base" >page 2>err
check "another PC naming the user leaves the owner's QR usable" 0 $?
lacks "... no 2.19" page "$t_invalid"
contains "... the owner's phone is done" page "$t_done"

# Device labels: valid UTF-8 without control characters, at most 128 bytes; refused with the
# platform's refusal of the credential (Keycloak's webauthn-error-registration), nothing stored.
user 8888888888
action_of() { sed -n 's/.*<form id="[^"]*" method="post" action="\([^"]*\)".*/\1/p' "$1" | sed 's/&amp;/\&/g'; }
# label NAME RAW-LABEL STATUS: a new phone's registration whose label is RAW-LABEL (form-encoded
# as given).
label() {
	"$authn" device new --force --persona android-chrome labels.json >/dev/null
	url=$(qr 8888888888)
	rm -f l.jar
	curl -s -c l.jar -b l.jar -o id.html "$base${url#"$origin"}"
	curl -s -c l.jar -b l.jar -o reg.html --data 'username=8888888888' "$base$(action_of id.html)"
	"$authn" options reg.html >create.json
	"$authn" create --device labels.json --options create.json --origin $origin --form --label x >form.json
	python3 -c 'import json,sys,urllib.parse; f=json.load(open("form.json")); f.pop("authenticatorLabel"); print(urllib.parse.urlencode(f) + "&authenticatorLabel=" + sys.argv[1], end="")' "$2" >form.txt
	check "$1" "$3" "$(curl -s -b l.jar -o result.html -w '%{http_code}' --data @form.txt "$base$(action_of reg.html)")"
}
label "invalid UTF-8 label refused" 'ab%FFcd' 400
contains "... with the platform's refusal" result.html "セキュリティーキーを登録できませんでした。"
check "... nothing stored" 0 "$(creds 8888888888)"
label "a control character refused" 'ab%01cd' 400
label "a NUL refused (a malformed form: the 405 page)" 'ab%00cd' 405
label "a 129-byte label refused" "$(python3 -c 'print("a" * 129, end="")')" 400
check "... nothing stored" 0 "$(creds 8888888888)"
label "a Japanese label of 128 bytes accepted" "$(python3 -c 'import urllib.parse; print(urllib.parse.quote("私" * 42 + "ab"), end="")')" 200
check "... stored and listed" 1 "$(creds 8888888888)"
check "... as given" "$(python3 -c 'print("私" * 42 + "ab")')" "$(json body 'd["credentials"][0]["label"]')"
stop_rp

# kagura-rp verify refuses what is not a regular file (a FIFO would block it forever).
mkfifo fifo
timeout 10 "$rp" verify registration --challenge AAAA --origin https://x.example --rp-id x.example fifo >out 2>err
check "verify: a FIFO refused" 2 $?
contains "... saying so" err "fifo: not a regular file"
echo '{}' >cred.json
timeout 10 "$rp" verify authentication --challenge AAAA --origin https://x.example --rp-id x.example \
	--credential fifo cred.json >out 2>err
check "verify: a FIFO credential refused" 2 $?
timeout 10 "$rp" verify registration --challenge AAAA --origin https://x.example --rp-id x.example \
	--trust-anchor fifo cred.json >out 2>err
check "verify: a FIFO trust anchor refused" 2 $?
timeout 10 "$rp" verify registration --challenge AAAA --origin https://x.example --rp-id x.example . >out 2>err
check "verify: a directory refused" 2 $?

finish
