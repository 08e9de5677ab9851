#!/bin/sh
# Cross-device authentication (デバイス認証) over real HTTP: the PC's browser
# is curl with a cookie jar doing what the QR page's script does (poll, then
# open the result page); the phone is kagura-authn opening the QR's URL.
# Both manual generations: v2.16 entries 3.7, 3.8, 3.9, 3.12, 2.19, 2.6,
# 2.15, 2.20, and v1.04's 3.6, 3.7, 3.8 for the same causes.
rp=$1
authn=$2
. "$(dirname "$0")/lib.sh"
origin=https://mahpki-auth.example.jp

clock() { post /test-control/clock "{\"advance_seconds\":$1}" >/dev/null; }
# An attribute of the page in $1: attr FILE NAME (HTML entities of URLs undone).
attr() { sed -n "s/.*$2=\"\\([^\"]*\\)\".*/\\1/p" "$1" | head -n 1 | sed 's/&amp;/\&/g'; }

# A device registered on the platform's pages from a CA QR (the CA creating the user when new):
# register USER DEVICE prints 0 when the phone ended on 処理が終了しました.
register() {
	post /test-control/users "{\"name\":\"$1\"}" >/dev/null
	post /test-control/registration-qr "{\"name\":\"$1\"}" >/dev/null
	"$authn" register --device "$2" --base "$base" \
		--url "$(python3 -c 'import json; print(json.load(open("body"))["url"])')" >reg.out 2>err
	echo $?
}
# The id of the user's first credential.
cred_id() {
	post /test-control/users/credentials "{\"name\":\"$1\"}" >/dev/null
	python3 -c 'import json; print(json.load(open("body"))["credentials"][0]["id"])'
}

# The PC: pc_start JAR (the Username page into pc.html), pc_send JAR NAME (its 送信).
pc_start() { curl -s -b "$1" -c "$1" -o pc.html -w '%{http_code}' "$base/device-auth"; }
pc_send() {
	action=$(attr pc.html action)
	curl -s -b "$1" -c "$1" -o pc.html -w '%{http_code}' --data-urlencode "username=$2" "$base$action"
}
# The URL the QR of pc.html encodes.
qr_url() { attr pc.html data-qr-url; }
# What the QR page's script does: poll until not waiting, then open data-next-url.
pc_wait() {
	poll=$(attr pc.html data-poll-url)
	next=$(attr pc.html data-next-url)
	state=
	for _ in $(seq 1 50); do
		state=$(curl -s -b "$1" "$base$poll" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
		[ "$state" != waiting ] && break
		sleep 0.1
	done
	curl -s -b "$1" -c "$1" -o result.html -w '%{http_code}' "$base$next" >/dev/null
	echo "$state"
}
# The phone reads the QR: phone DEVICE URL (its last page into phone.out; exit 0 when "done").
phone() { "$authn" register --device "$1" --url "$2" --base "$base" >phone.out 2>phone.err; }
# The PC up to the QR page of USER: pc_qr JAR USER.
pc_qr() {
	pc_start "$1" >/dev/null
	pc_send "$1" "$2" >/dev/null
}
# A whole logon: logon NAME JAR USER DEVICE; the PC's result page shows it logged in.
logon() {
	pc_qr "$2" "$3"
	phone "$4" "$(qr_url)"
	pc_wait "$2" >/dev/null
	contains "$1" result.html 'class="logged-in"'
}
# The phone refused: refused NAME DEVICE URL TEXT (exit 1, TEXT on its last page).
refused() {
	phone "$2" "$3"
	check "$1 refused" 1 $?
	contains "$1 text" phone.out "$4"
}

suite() {
	m=$1
	echo "== manual $m"
	stop_rp
	start_rp "server-$m" --test-control --manual "$m" --origin $origin
	rm -f ./*.jar ./*.json ./*.cookies
	if [ "$m" = 2.16 ]; then
		t_empty="該当のユーザが登録されていません。<br/>操作をやり直してください"
		t_unknown="デバイス認証に必要なユーザ情報が登録されていません。"
		t_gone="デバイス認証に必要なユーザ情報が登録されていません。"
		t_never="認証用デバイスが未登録です"
		t_invalid="無効なアクセス、または、URLの有効期限切れにより処理を中断します。"
		t_auth_failed="セキュリティーキーによる認証に失敗しました。"
		t_cookie="Cookie が見つかりません。"
	else
		t_empty="デバイス認証に必要な情報が登録されていません。"
		t_unknown="該当のユーザが登録されていません"
		t_gone="デバイス認証に必要な情報が登録されていません。"
		t_never="デバイス認証に必要な情報が登録されていません。"
		t_invalid="An error occurred, please login again through your application."
		t_auth_failed="failed to authenticate by the Security key."
		t_cookie="An error occurred, please login again through your application."
	fi
	t_error="デバイス認証でエラーが発生しました。"

	"$authn" device new --persona android-chrome phone.json >/dev/null
	"$authn" device set phone.json counter=per-credential >/dev/null
	check "$m phone registered for 1234567890" 0 "$(register 1234567890 phone.json)"

	# The Username page as the manual's 3.7 screen shows it.
	check "$m Username page" 200 "$(pc_start pc.jar)"
	contains "$m page heading" pc.html "モバイルデバイス認証を開始します。"
	contains "$m page prompt" pc.html "Usernameを入力してください。"
	contains "$m Username form" pc.html 'id="kc-form-login"'
	[ "$m" = 2.16 ] && contains "$m button 送信" pc.html 'value="送信"'

	# 3.7 (v1.04 3.7): 送信 with an empty Username; the page stays, a retry works.
	check "$m empty Username" 200 "$(pc_send pc.jar '')"
	contains "$m empty Username text" pc.html "$t_empty"
	[ "$m" = 1.04 ] && lacks "$m empty Username is not 3.6" pc.html "該当のユーザが登録されていません"

	# 3.8 (v1.04 3.6): a user the CA never registered (or a wrong 本人ID).
	pc_send pc.jar 9999999999 >/dev/null
	contains "$m unknown user" pc.html "$t_unknown"

	# QR page contract, then success: the phone reads the QR, the PC is logged in.
	check "$m right 本人ID after errors" 200 "$(pc_send pc.jar 1234567890)"
	contains "$m QR drawn" pc.html "<svg"
	contains "$m QR contract" pc.html 'id="kagura-qr"'
	contains "$m Cancel form" pc.html 'id="kagura-qr-cancel"'
	case "$(attr pc.html data-qr-url)" in
	"$origin/device-auth/qr?token="?*) ok "$m QR encodes the platform's URL" ;;
	*) fail "$m QR URL: $(attr pc.html data-qr-url)" ;;
	esac
	state=$(curl -s -b pc.jar "$base$(attr pc.html data-poll-url)" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
	check "$m poll while waiting" waiting "$state"
	result_url=$(attr pc.html data-next-url)
	phone phone.json "$(qr_url)"
	check "$m phone authenticates" 0 $?
	contains "$m phone done text" phone.out "処理が終了しました"
	check "$m PC sees done" done "$(pc_wait pc.jar)"
	contains "$m PC logged in" result.html 'class="logged-in"'

	# 3.9 (v1.04 3.8): logging on again in the same browser, by the start page or the result URL.
	pc_start pc.jar >/dev/null
	contains "$m logon again" pc.html "$t_error"
	curl -s -b pc.jar -o again.html "$base$result_url"
	contains "$m result URL again" again.html "$t_error"
	# Remedy: a restarted browser (a fresh cookie jar) logs on.
	logon "$m logon after the browser restarted" fresh.jar 1234567890 phone.json

	# Cancel on the QR page: 3.9, the phone can no longer use that QR, and starting again works.
	pc_qr c.jar 1234567890
	cancelled_qr=$(qr_url)
	action=$(sed -n '/kagura-qr-cancel/s/.*action="\([^"]*\)".*/\1/p' pc.html | sed 's/&amp;/\&/g')
	token=$(sed -n 's/.*name="token" value="\([^"]*\)".*/\1/p' pc.html)
	code=$(curl -s -b c.jar -c c.jar -o cancel.html -w '%{http_code}' --data "token=$token" "$base$action")
	contains "$m Cancel shows 3.9" cancel.html "$t_error"
	refused "$m cancelled QR" phone.json "$cancelled_qr" "$t_invalid"
	code=$(curl -s -b c.jar -c c.jar -o cancel2.html -w '%{http_code}' --data "token=$token" "$base$action")
	check "$m Cancel posted twice" 405 "$code"
	logon "$m start again after Cancel" c.jar 1234567890 phone.json

	# 3.12 (v1.04 3.7): a registered user who never registered a device.
	post /test-control/users '{"name":"2222222222"}' >/dev/null
	pc_qr n.jar 2222222222
	contains "$m never registered" pc.html "$t_never"
	[ "$m" = 2.16 ] && lacks "$m never registered is not 3.8" pc.html "$t_gone"

	# 3.8 (v1.04 3.7): the user's device disabled; remedy: the CA enables it again.
	id=$(cred_id 1234567890)
	check "$m CA disables the device" 200 "$(post /test-control/credentials "{\"id\":\"$id\",\"enabled\":false}")"
	pc_send n.jar 1234567890 >/dev/null
	contains "$m disabled device" pc.html "$t_gone"
	[ "$m" = 2.16 ] && lacks "$m disabled device is not 3.12" pc.html "$t_never"
	post /test-control/credentials "{\"id\":\"$id\",\"enabled\":true}" >/dev/null
	logon "$m logon after the CA enabled the device" d.jar 1234567890 phone.json

	# 3.8 (v1.04 3.7): the device deleted: not "never registered".
	"$authn" device new --persona android-chrome third.json >/dev/null
	post /test-control/users '{"name":"3333333333"}' >/dev/null
	check "$m phone registered for 3333333333" 0 "$(register 3333333333 third.json)"
	id=$(cred_id 3333333333)
	check "$m CA deletes the device" 200 "$(post /test-control/credentials "{\"id\":\"$id\",\"delete\":true}")"
	pc_qr del.jar 3333333333
	contains "$m deleted device" pc.html "$t_gone"
	[ "$m" = 2.16 ] && lacks "$m deleted device is not 3.12" pc.html "$t_never"

	# 2.19: the QR read after 10 minutes; the PC gets 3.9; a new QR read in time works.
	pc_qr e.jar 1234567890
	clock 601
	refused "$m expired QR" phone.json "$(qr_url)" "$t_invalid"
	[ "$m" = 2.16 ] && contains "$m expired QR: contact the CA" phone.out "発行した認証局にお問い合わせください。"
	check "$m PC sees expired" expired "$(pc_wait e.jar)"
	contains "$m PC after expiry" result.html "$t_error"
	logon "$m new QR read in time" e.jar 1234567890 phone.json
	# At 9 minutes the QR still works.
	pc_qr e2.jar 1234567890
	clock 540
	phone phone.json "$(qr_url)"
	check "$m QR read at 9 minutes" 0 $?

	# 2.19: superseded by a newer QR (the PC page reloaded), and a QR read twice.
	pc_qr s.jar 1234567890
	old_qr=$(qr_url)
	pc_start s.jar >/dev/null
	new_qr=$(qr_url)
	[ -n "$new_qr" ] && [ "$new_qr" != "$old_qr" ]
	check "$m reload shows a new QR" 0 $?
	refused "$m superseded QR" phone.json "$old_qr" "$t_invalid"
	phone phone.json "$new_qr"
	check "$m newest QR works" 0 $?
	refused "$m QR read twice" phone.json "$new_qr" "$t_invalid"
	check "$m PC after the newest QR" done "$(pc_wait s.jar)"

	# Another phone (a key the platform does not know): the phone 2.6, the PC 3.9.
	"$authn" device new --persona android-chrome other.json >/dev/null
	pc_qr o.jar 1234567890
	refused "$m another phone" other.json "$(qr_url)" "$t_auth_failed"
	check "$m PC sees failed" failed "$(pc_wait o.jar)"
	contains "$m PC after another phone" result.html "$t_error"

	# The assertion must be user-verified, from the platform's origin, by a key of the QR's user.
	"$authn" device set phone.json clear_uv=true >/dev/null
	pc_qr uv.jar 1234567890
	phone phone.json "$(qr_url)"
	check "$m assertion without UV refused" 1 $?
	check "$m PC after no UV" failed "$(pc_wait uv.jar)"
	"$authn" device set phone.json clear_uv=false >/dev/null
	pc_qr og.jar 1234567890
	"$authn" register --device phone.json --url "$(qr_url)" --base "$base" --origin https://phishing.example.jp >phone.out 2>phone.err
	check "$m assertion for another origin refused" 1 $?
	contains "$m another origin text" phone.out "$t_auth_failed"
	# A discoverable key of user 1234567890 answering the QR of user 3333333333.
	"$authn" device new --persona android-chrome fourth.json >/dev/null
	check "$m new phone for 3333333333" 0 "$(register 3333333333 fourth.json)"
	pc_qr fu.jar 3333333333
	curl -s -c fu-phone.jar -b fu-phone.jar -o get.html "$(qr_url | sed "s|^$origin|$base|")"
	"$authn" options get.html |
		python3 -c 'import json,sys; o=json.load(sys.stdin); o["allowCredentials"]=[]; json.dump(o,open("get.json","w"))'
	"$authn" get --device phone.json --options get.json --origin $origin --form >fields.json 2>err
	check "$m the other user's key signs" 0 $?
	# Without userHandle, as a non-discoverable credential answers: the key's owner decides.
	python3 -c 'import json,urllib.parse; f=json.load(open("fields.json")); f.pop("userHandle",None); print(urllib.parse.urlencode(f), end="")' >fields.txt
	curl -s -b fu-phone.jar -o post1.html --data @fields.txt "$base$(attr get.html action)"
	contains "$m another user's key refused" post1.html "$t_auth_failed"
	check "$m PC after another user's key" failed "$(pc_wait fu.jar)"

	# Counter regression: the device file restored from an older copy is refused
	# (a copy restored before any use still works: the refusal is the counter's).
	cp phone.json phone.old
	cp phone.old phone.json
	logon "$m logon with an untouched copy" r0.jar 1234567890 phone.json
	cp phone.json phone.old
	logon "$m logon before the restore" r.jar 1234567890 phone.json
	cp phone.old phone.json
	pc_qr r2.jar 1234567890
	refused "$m restored device" phone.json "$(qr_url)" "$t_auth_failed"
	check "$m PC after the restored device" failed "$(pc_wait r2.jar)"

	# The phone's POST replayed: 405 (2.20), and the replay changes nothing.
	pc_qr p.jar 1234567890
	curl -s -c ph.jar -b ph.jar -o get.html "$(qr_url | sed "s|^$origin|$base|")"
	"$authn" options get.html >get.json
	action=$(attr get.html action)
	"$authn" get --device phone.json --options get.json --origin $origin --form >fields.json 2>err
	check "$m phone answers the page by hand" 0 $?
	python3 -c 'import json,urllib.parse; print(urllib.parse.urlencode(json.load(open("fields.json"))), end="")' >fields.txt
	code=$(curl -s -b ph.jar -o post1.html -w '%{http_code}' --data @fields.txt "$base$action")
	check "$m phone POST" 200 "$code"
	contains "$m phone POST done" post1.html "処理が終了しました"
	code=$(curl -s -b ph.jar -o post2.html -w '%{http_code}' --data @fields.txt "$base$action")
	check "$m phone POST replayed" 405 "$code"
	[ "$m" = 2.16 ] && contains "$m replay 2.20 text" post2.html "許可されていないメソッドを使用しようしました"
	check "$m PC after the replay" done "$(pc_wait p.jar)"
	contains "$m PC logged in despite the replay" result.html 'class="logged-in"'

	# 2.15: the PC's 送信 without any cookie; 2.20: GET on the action endpoints.
	pc_start nc.jar >/dev/null
	action=$(attr pc.html action)
	code=$(curl -s -o nocookie.html -w '%{http_code}' --data 'username=1234567890' "$base$action")
	check "$m PC post without cookies" 400 "$code"
	contains "$m 2.15 text" nocookie.html "$t_cookie"
	for path in /device-auth-actions/username /device-auth-actions/cancel /device-auth-actions/webauthn; do
		code=$(curl -s -o get405.html -w '%{http_code}' "$base$path")
		check "$m GET $path" 405 "$code"
		[ "$m" = 2.16 ] && contains "$m GET $path page" get405.html "by HPKI-KAGURA"
	done

	# Bad input: a 4xx, never a crash; the server still answers.
	code=$(curl -s -o bad.html -w '%{http_code}' "$base/device-auth/qr")
	check "$m QR URL without token" 400 "$code"
	code=$(curl -s -o bad.html -w '%{http_code}' "$base/device-auth/qr?token=$(head -c 300 /dev/zero | tr '\0' A)")
	check "$m QR URL with a huge token" 400 "$code"
	code=$(curl -s -o bad.html -w '%{http_code}' "$base/device-auth/status?token=nope")
	check "$m poll of an unknown QR" 404 "$code"
	code=$(curl -s -b pc.jar -o bad.html -w '%{http_code}' "$base/device-auth/result?token=nope")
	check "$m result of an unknown QR" 400 "$code"
	check "$m still serving" 200 "$(pc_start pc2.jar)"
}

suite 2.16
suite 1.04
stop_rp
finish
