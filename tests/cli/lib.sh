# The CLI tests' common part, sourced first by each of them (. "$(dirname "$0")/lib.sh"):
# a work folder (the current one) removed at exit with every server started, the checks that
# print "ok   NAME" or "FAIL NAME: why" and count the failures, kagura-rp serve on a free port,
# and finish, the last line of every script: the count, and exit 1 on any failure.
set -u
failures=0
work=$(mktemp -d)
pid=
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
cd "$work" || exit 1

ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; failures=$((failures + 1)); }
# check NAME EXPECTED ACTUAL: the same string (an exit status, an HTTP status, a value).
check() { if [ "$2" != "$3" ]; then fail "$1: got $3, expected $2"; else ok "$1"; fi; }
# contains NAME FILE TEXT / lacks NAME FILE TEXT: TEXT (a fixed string) in FILE, or not.
contains() { if grep -qF -- "$3" "$2"; then ok "$1"; else fail "$1: '$3' not in:"; sed 's/^/     /' "$2"; fi; }
lacks() { if grep -qF -- "$3" "$2"; then fail "$1: '$3' in:"; sed 's/^/     /' "$2"; else ok "$1"; fi; }
# logged NAME FILE TEXT: a running server's log holds TEXT within 3 s (a line answered while
# another request awaited its answer is written within the server's 1-second tick).
logged() {
	_i=0
	while [ $_i -lt 30 ] && ! grep -qF -- "$3" "$2"; do sleep 0.1; _i=$((_i + 1)); done
	contains "$1" "$2" "$3"
}
# same NAME FILE1 FILE2: byte-identical files.
same() { if cmp -s "$2" "$3"; then ok "$1"; else fail "$1: files differ"; fi; }

# exits NAME STATUS COMMAND...: COMMAND (stdout into out, stderr into err) exits with STATUS.
exits() {
	_name=$1 _want=$2
	shift 2
	"$@" >out 2>err
	check "$_name" "$_want" $?
}

# start_rp NAME ARGS...: "$rp" serve --listen 127.0.0.1:0 ARGS in the background, stdout in
# $rp_out ($work/NAME.out), stderr in $rp_log ($work/NAME.log); its URL (http or https) in $base,
# its pid in $pid.
# A server that prints no URL within 10 s is a failure that ends the script.
start_rp() {
	rp_out=$work/$1.out rp_log=$work/$1.log
	shift
	: >"$rp_out" # never read a previous server's address
	"$rp" serve --listen 127.0.0.1:0 "$@" >"$rp_out" 2>"$rp_log" &
	pid=$!
	pids="$pids $pid"
	for _ in $(seq 1 200); do
		base=$(sed -n 's/^kagura-rp: serving \(https*:[^ ]*\).*/\1/p' "$rp_out")
		[ -n "$base" ] && return 0
		sleep 0.05
	done
	fail "kagura-rp serve $* did not start:"
	sed 's/^/     /' "$rp_log"
	finish
}
# stop_rp: SIGTERM to the last server started, its exit status in $rc; a sanitizer report in its
# log (a leak shows only at exit) is a failure.
stop_rp() {
	[ -z "$pid" ] && return
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	pid=
	if grep -q "Sanitizer\|runtime error" "$rp_log"; then
		fail "server log $rp_log:"
		grep -A20 "Sanitizer\|runtime error" "$rp_log" | head -40 | sed 's/^/     /'
	fi
}
# status CURL-ARGS...: the HTTP status of a request, its body in $work/body.
status() { curl -s -o "$work/body" -w '%{http_code}' "$@"; }
# post PATH JSON: a JSON POST to the last server started; its status, the body in $work/body.
post() { status -X POST -H 'Content-Type: application/json' --data "$2" "$base$1"; }

finish() {
	echo "$failures failure(s)"
	[ "$failures" -eq 0 ] || exit 1
	exit 0
}
