#!/bin/sh
# The command lines of kagura-rp and kagura-authn as a newcomer meets them: --version,
# --help of every command on stdout (exit 0), usage errors as one line and the usage on
# stderr (exit 2), listen addresses checked before starting, a busy port named, a quiet
# start, options of the wrong ceremony refused, the personas listed, settings in columns.
rp=$1
authn=$2
version=$3
. "$(dirname "$0")/lib.sh"
mkdir "$work/tmp" && export TMPDIR="$work/tmp" # the servers' temporary stores, ours alone

# help NAME PROGRAM ARGS...: exit 0, the usage on stdout, nothing on stderr.
help() {
	name=$1; shift
	"$@" >out 2>err; rc=$?
	if [ "$rc" -ne 0 ] || ! head -1 out | grep -q '^usage: ' || [ -s err ]; then
		fail "$name: exit $rc, stdout '$(head -1 out)', stderr '$(head -1 err)'"
	else
		ok "$name"
	fi
}
# usage_error NAME PROGRAM ARGS...: exit 2, nothing on stdout, one line naming the program,
# then the usage, on stderr.
usage_error() {
	name=$1; shift
	"$@" >out 2>err; rc=$?
	if [ "$rc" -ne 2 ] || [ -s out ] || ! head -1 err | grep -q '^kagura-[a-z]*[ :]' ||
		! sed -n 2p err | grep -q '^usage: '; then
		fail "$name: exit $rc, stdout '$(head -1 out)', stderr:"; sed 's/^/     /' err
	else
		ok "$name"
	fi
}

# --version on every binary.
"$rp" --version >out 2>err; check "kagura-rp --version exits 0" 0 $?
check "kagura-rp --version" "kagura-rp $version" "$(cat out)"
"$authn" --version >out 2>err; check "kagura-authn --version exits 0" 0 $?
check "kagura-authn --version" "kagura-authn $version" "$(cat out)"

# --help and -h on every command and subcommand.
help "kagura-rp --help" "$rp" --help
help "kagura-rp -h" "$rp" -h
help "kagura-rp serve --help" "$rp" serve --help
help "kagura-rp serve -h" "$rp" serve -h
help "kagura-rp verify --help" "$rp" verify --help
help "kagura-rp verify registration --help" "$rp" verify registration --help
help "kagura-rp verify authentication -h" "$rp" verify authentication -h
help "kagura-authn --help" "$authn" --help
help "kagura-authn -h" "$authn" -h
for cmd in "device" "device new" "device show" "device set" "device settings" "personas" \
	"remedy" "create" "get" "login" "register"; do
	# shellcheck disable=SC2086 # the command's words
	help "kagura-authn $cmd --help" "$authn" $cmd --help
	check "kagura-authn $cmd --help is its usage" "usage: kagura-authn $cmd" \
		"$(head -1 out | cut -c1-$((20 + ${#cmd})))"
done
"$authn" device new --persona x FILE -h >out 2>&1
check "-h after arguments" "usage: kagura-authn device new --persona" "$(head -1 out | cut -c1-40)"
# Every command the usage lists has its own --help, whoever added it.
"$authn" --help | sed -n 's/^\(usage:\| \) *kagura-authn \([a-z][a-z]*\( [a-z][a-z]*\)\?\).*/\2/p' >commands
[ "$(wc -l <commands)" -ge 10 ] && ok "the usage lists the commands" || fail "commands: $(cat commands)"
while read -r cmd; do
	# shellcheck disable=SC2086
	"$authn" $cmd --help >out 2>&1
	check "kagura-authn $cmd --help (from the usage)" "usage: kagura-authn $cmd" \
		"$(head -1 out | cut -c1-$((20 + ${#cmd})))"
done <commands

# Usage errors: exit 2, one line, then the usage, all on stderr.
usage_error "kagura-rp without a command" "$rp"
usage_error "kagura-rp unknown command" "$rp" frobnicate
usage_error "kagura-rp serve unknown option" "$rp" serve --frobnicate
usage_error "kagura-rp serve stray argument" "$rp" serve extra
usage_error "kagura-rp serve --listen without a value" "$rp" serve --listen
usage_error "kagura-rp verify without a ceremony" "$rp" verify
usage_error "kagura-rp verify unknown ceremony" "$rp" verify login
usage_error "kagura-authn without a command" "$authn"
usage_error "kagura-authn unknown command" "$authn" frobnicate
usage_error "kagura-authn unknown command --help" "$authn" frobnicate --help
usage_error "kagura-authn device without a subcommand" "$authn" device
usage_error "kagura-authn unknown device subcommand" "$authn" device frobnicate
usage_error "kagura-authn device new without --persona" "$authn" device new x.json
usage_error "kagura-authn create unknown option" "$authn" create --frobnicate
usage_error "kagura-authn create option without a value" "$authn" create --device
contains "the missing value named" err "option needs a value: --device"
usage_error "kagura-authn get without --options" "$authn" get --device x.json --origin https://a.example
usage_error "kagura-authn personas with an argument" "$authn" personas extra

# A listen address that is not one is a usage error saying what one looks like.
for addr in nonsense 1.2.3.4:99999 :abc "" 127.0.0.1 127.0.0.1:+80 localhost:8400; do
	usage_error "--listen '$addr'" "$rp" serve --listen "$addr"
	contains "--listen '$addr' explained" err "IPv4ADDR:PORT"
done

# A normal start and stop prints only kagura-rp's own lines; a second server on the same port
# names the port and the reason.
start_rp first
port=${base##*:}
ok "first server on port $port"
"$rp" serve --listen "127.0.0.1:$port" >second.out 2>second.err; check "busy port exits 1" 1 $?
check "busy port named" "kagura-rp: cannot listen on 127.0.0.1:$port: address already in use" \
	"$(cat second.err)"
stop_rp
check "SIGTERM stops the first" 0 "$rc"
lacks "no libmicrohttpd warning on start and stop" "$rp_log" "MHD_"
lacks "no libmicrohttpd line at all" "$rp_log" "libmicrohttpd"
check "only kagura-rp's lines on stderr" "" "$(grep -v '^kagura-rp' "$rp_log")"

# Options of the other ceremony are refused by name, before the device is touched.
"$authn" device new --persona ios17-safari phone.json >out 2>&1; check "device new" 0 $?
cat >create.json <<'J'
{"challenge":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8","rp":{"id":"mahpki-auth.2nds.medis.or.jp","name":"HPKI"},"user":{"id":"MTIzNDU","name":"12345","displayName":"12345"},"pubKeyCredParams":[{"type":"public-key","alg":-7}]}
J
cat >get.json <<'J'
{"challenge":"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8","rpId":"mahpki-auth.2nds.medis.or.jp"}
J
cp phone.json before.json
origin=https://mahpki-auth.2nds.medis.or.jp
"$authn" get --device phone.json --options create.json --origin $origin >out 2>err
check "get refuses creation options" 2 $?
contains "get names creation options" err "create.json: these are PublicKeyCredentialCreationOptions"
"$authn" create --device phone.json --options get.json --origin $origin >out 2>err
check "create refuses request options" 2 $?
contains "create names request options" err "get.json: these are PublicKeyCredentialRequestOptions"
same "device file untouched" phone.json before.json

# An unknown persona: the valid ones are listed.
"$authn" device new --persona nope x.json >out 2>err; check "unknown persona" 2 $?
contains "unknown persona named" err '"nope"'
"$authn" personas >personas
[ -s personas ] || fail "no personas"
while read -r p; do contains "persona $p listed" err "$p"; done <personas
[ ! -e x.json ] && ok "no device file" || fail "x.json created"

# device settings: the values start in one column, just after the longest name.
"$authn" device settings >settings; check "device settings" 0 $?
longest=$(awk '{ if (length($1) > n) n = length($1) } END { print n }' settings)
columns=$(awk '{ match($0, /^  [^ ]+ +/); print RLENGTH }' settings | sort -u)
check "settings values aligned after the longest name" "$((longest + 4))" "$columns"

finish
