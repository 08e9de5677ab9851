#!/bin/sh
# kagura-rp serve as CI and scenarios start it: a free port, test control,
# network policy, method and size limits, graceful stop, a temporary store
# that goes away, and a --db store whose data survives a restart.
set -u
rp=$1
work=$(mktemp -d)
mkdir "$work/tmp" && export TMPDIR="$work/tmp" # the servers' temporary stores, ours alone
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT INT TERM
failures=0
check() { if [ "$2" != "$3" ]; then echo "FAIL $1: got $3, expected $2"; failures=$((failures + 1)); else echo "ok   $1"; fi; }

start() { # extra args...
	: >"$work/out" # never read the previous server's address
	"$rp" serve --listen 127.0.0.1:0 "$@" >"$work/out" 2>"$work/log" &
	pid=$!
	for _ in $(seq 1 100); do
		base=$(sed -n 's/^kagura-rp: serving \(http:[^ ]*\).*/\1/p' "$work/out")
		[ -n "$base" ] && return 0
		sleep 0.05
	done
	echo "FAIL server did not start"; cat "$work/log"; exit 1
}
stop() { kill -TERM "$pid"; wait "$pid"; rc=$?; pid=; }
status() { curl -s -o "$work/body" -w '%{http_code}' "$@"; }
post() { status -X POST -H 'Content-Type: application/json' --data "$2" "$base$1"; }

start --test-control
check "create a user" 200 "$(post /test-control/users '{"name":"1234567890","displayName":"Dr. Test"}')"
check "the same user twice" 409 "$(post /test-control/users '{"name":"1234567890"}')"
check "disable the user" 200 "$(post /test-control/users/enabled '{"name":"1234567890","enabled":false}')"
check "unknown user" 404 "$(post /test-control/users/enabled '{"name":"nobody","enabled":true}')"
check "not JSON" 400 "$(post /test-control/users '{"name":')"
check "clock advances" 200 "$(post /test-control/clock '{"advance_seconds":600}')"
check "registration QR" 200 "$(post /test-control/registration-qr '{"user":"1234567890","ttl_seconds":600}')"
check "GET on a POST endpoint" 405 "$(status "$base/test-control/users")"
check "unknown path" 404 "$(status "$base/nowhere")"
head -c 70000 /dev/zero | tr '\0' 'a' >"$work/big"
check "body over 64 KiB" 413 "$(status -X POST --data-binary @"$work/big" "$base/attestation/options")"
check "still serving after that" 409 "$(post /test-control/users '{"name":"1234567890"}')"
check "forbid loopback" 200 "$(post /test-control/forbidden-networks '{"networks":["127.0.0.0/8"]}')"
check "forbidden network gets 403" 403 "$(post /attestation/options '{"username":"a","displayName":"a"}')"
check "test control still reachable" 200 "$(post /test-control/forbidden-networks '{"networks":[]}')"
grep -q ' POST /test-control/users 200 ' "$work/log" && echo "ok   one log line per request" || { echo "FAIL no request log line"; failures=$((failures + 1)); }
tmpdb=$(ls "$TMPDIR"/kagura-rp-* 2>/dev/null | head -1)
[ -n "$tmpdb" ] && echo "ok   temporary store in TMPDIR" || { echo "FAIL no temporary store in $TMPDIR"; failures=$((failures + 1)); }
stop
check "SIGTERM stops it cleanly" 0 "$rc"
[ -z "$(ls "$TMPDIR")" ] && echo "ok   temporary store removed" || { echo "FAIL left behind: $(ls "$TMPDIR")"; failures=$((failures + 1)); }

start
check "test control is off by default" 404 "$(post /test-control/users '{"name":"x"}')"
stop

# A store given with --db keeps its data across a restart.
start --test-control --db "$work/store.db"
post /test-control/users '{"name":"555"}' >/dev/null
stop
start --test-control --db "$work/store.db"
check "the user survives a restart" 409 "$(post /test-control/users '{"name":"555"}')"
stop

printf 'not a database' >"$work/junk.db"
"$rp" serve --listen 127.0.0.1:0 --db "$work/junk.db" >/dev/null 2>&1
check "a file that is not a store" 1 $?
check "left untouched" "not a database" "$(cat "$work/junk.db")"
"$rp" serve --listen 999.0.0.1:1 >/dev/null 2>&1; check "bad listen address" 2 $?
"$rp" serve --manual 3.0 >/dev/null 2>&1; check "bad manual version" 2 $?
"$rp" serve --forbidden-network 10.0.0.0/33 >/dev/null 2>&1; check "bad CIDR" 2 $?

# A literal {port} in --origin becomes the port the kernel chose (a browser needs
# http://localhost:PORT); the RP ID still defaults to the origin's host. The previous
# server's line is cleared first: start() may read the file before its truncation.
: >"$work/out"
start --origin 'http://localhost:{port}'
check "origin carries the bound port" "http://localhost:${base##*:}" \
	"$(sed -n 's/.*(origin \([^,]*\), RP ID \([^,]*\),.*/\1/p' "$work/out")"
check "RP ID from that origin" localhost "$(sed -n 's/.*, RP ID \([^,]*\),.*/\1/p' "$work/out")"
post /attestation/options '{"username":"a","displayName":"a"}' >/dev/null
check "options name that RP ID" localhost "$(sed -n 's/.*"rp": *{[^}]*"id": *"\([^"]*\)".*/\1/p' "$work/body")"
stop

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
