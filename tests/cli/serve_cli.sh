#!/bin/sh
# kagura-rp serve as CI and scenarios start it: a free port, test control,
# network policy, method and size limits, graceful stop, a temporary store
# that goes away, and a --db store whose data survives a restart.
rp=$1
. "$(dirname "$0")/lib.sh"
mkdir "$work/tmp" && export TMPDIR="$work/tmp" # the servers' temporary stores, ours alone
start() { start_rp srv "$@"; }

start --test-control --conformance-api
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
logged "one log line per request" "$rp_log" ' POST /test-control/users 200 '
tmpdb=$(ls "$TMPDIR"/kagura-rp-* 2>/dev/null | head -1)
[ -n "$tmpdb" ] && ok "temporary store in TMPDIR" || fail "no temporary store in $TMPDIR"
stop_rp
check "SIGTERM stops it cleanly" 0 "$rc"
check "temporary store removed" "" "$(ls "$TMPDIR")"

start
check "test control is off by default" 404 "$(post /test-control/users '{"name":"x"}')"
stop_rp

# A store given with --db keeps its data across a restart.
start --test-control --db "$work/store.db"
post /test-control/users '{"name":"555"}' >/dev/null
stop_rp
start --test-control --db "$work/store.db"
check "the user survives a restart" 409 "$(post /test-control/users '{"name":"555"}')"
# One server per store: a second would keep its own copy of the users in memory.
timeout 20 "$rp" serve --listen 127.0.0.1:0 --db "$work/store.db" >/dev/null 2>"$work/second.log"
check "a second server on the same store does not start" 1 $?
contains "the error says the store is served" "$work/second.log" \
	"another kagura-rp serve has this store open"
check "the first still serves" 409 "$(post /test-control/users '{"name":"555"}')"
stop_rp

printf 'not a database' >"$work/junk.db"
"$rp" serve --listen 127.0.0.1:0 --db "$work/junk.db" >/dev/null 2>&1
check "a file that is not a store" 1 $?
check "left untouched" "not a database" "$(cat "$work/junk.db")"
"$rp" serve --listen 999.0.0.1:1 >/dev/null 2>&1; check "bad listen address" 2 $?
"$rp" serve --manual 3.0 >/dev/null 2>&1; check "bad manual version" 2 $?
"$rp" serve --forbidden-network 10.0.0.0/33 >/dev/null 2>&1; check "bad CIDR" 2 $?
# Files that are not regular files: refused at once, nothing written beside them.
mkfifo "$work/fifo"
for bad in "--trust-anchor $work/fifo" "--tls-cert $work/fifo --tls-key $work/fifo" \
	"--db $work/fifo" "--db $work" "--db="; do
	# shellcheck disable=SC2086 # the flags are meant to split
	timeout 20 "$rp" serve --listen 127.0.0.1:0 $bad >/dev/null 2>&1
	check "refused at once: $bad" 2 $?
done
check "nothing written beside them" "" "$(ls "$work" | grep -e '-journal' -e '-wal' -e '-shm')"
# An origin and RP ID no browser would hold a ceremony under: refused before anything starts.
for bad in "--origin garbage --rp-id x" "--rp-id=" "--origin https://host/path?q#f" \
	"--origin ftp://host.example" "--rp-id evil.example --origin https://good.example" \
	"--rp-id co.jp --origin https://a.example.co.jp" "--origin https://Login.example.jp"; do
	# shellcheck disable=SC2086 # the flags are meant to split
	timeout 20 "$rp" serve --listen 127.0.0.1:0 $bad >/dev/null 2>"$work/origin.log"
	check "refused: $bad" 2 $?
	contains "says which: $bad" "$work/origin.log" "--origin and --rp-id:"
done
start --origin https://login.example.co.jp --rp-id example.co.jp
check "a registrable suffix as the RP ID" "example.co.jp" \
	"$(sed -n 's/.*, RP ID \([^,]*\),.*/\1/p' "$rp_out")"
stop_rp

# A literal {port} in --origin becomes the port the kernel chose (a browser needs
# http://localhost:PORT); the RP ID still defaults to the origin's host.
start --origin 'http://localhost:{port}' --conformance-api
check "origin carries the bound port" "http://localhost:${base##*:}" \
	"$(sed -n 's/.*(origin \([^,]*\), RP ID \([^,]*\),.*/\1/p' "$rp_out")"
check "RP ID from that origin" localhost "$(sed -n 's/.*, RP ID \([^,]*\),.*/\1/p' "$rp_out")"
post /attestation/options '{"username":"a","displayName":"a"}' >/dev/null
check "options name that RP ID" localhost "$(sed -n 's/.*"rp": *{[^}]*"id": *"\([^"]*\)".*/\1/p' "$work/body")"
stop_rp

# HTTPS speaks TLS 1.2 and 1.3 only. The client is let down to security level 0, so it would
# speak TLS 1.0 and 1.1 (SHA-1 signatures) if the server did.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
	-keyout "$work/tls.key" -out "$work/tls.crt" >/dev/null 2>&1
start --tls-cert "$work/tls.crt" --tls-key "$work/tls.key"
handshake() { openssl s_client -connect "${base#https://}" "$@" </dev/null >/dev/null 2>&1; }
handshake -tls1_3; check "TLS 1.3 accepted" 0 $?
handshake -tls1_2; check "TLS 1.2 accepted" 0 $?
handshake -tls1_1 -cipher 'DEFAULT@SECLEVEL=0'; check "TLS 1.1 refused" 1 $?
handshake -tls1 -cipher 'DEFAULT@SECLEVEL=0'; check "TLS 1.0 refused" 1 $?
stop_rp

# Connections are bounded by files: the server raises its soft limit of open files to the hard
# limit (a connection is a file; the soft limit is often 1024).
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -gt 512 ]; then
	sh -c 'ulimit -Sn 512 && exec "$0" serve --listen 127.0.0.1:0' "$rp" >"$work/low.out" 2>&1 &
	lowpid=$!
	pids="$pids $lowpid"
	for _ in $(seq 1 200); do grep -q serving "$work/low.out" && break; sleep 0.05; done
	check "soft limit of open files raised to the hard one" "$hard" \
		"$(awk '/^Max open files/ { print $4 }' "/proc/$lowpid/limits")"
	kill -TERM "$lowpid"; wait "$lowpid" 2>/dev/null
fi

# Another process holds the store's write lock (sqlite3 in a transaction). A request that
# writes (GET /login: a new session and its code) waits for it; a request that only reads is
# answered meanwhile; once the lock is let go, the waiting one is answered too, not failed.
start --db "$work/locked.db"
curl -s -o /dev/null -c "$work/jar" "$base/login"
mkfifo "$work/sql"
sqlite3 "$work/locked.db" <"$work/sql" >"$work/sql.out" 2>&1 &
sqlpid=$!
exec 3>"$work/sql"
echo "BEGIN IMMEDIATE; SELECT 'locked';" >&3
for _ in $(seq 1 200); do grep -q locked "$work/sql.out" && break; sleep 0.05; done
check "the other process holds the write lock" locked "$(cat "$work/sql.out")"
curl -s -o /dev/null -w '%{http_code}' -m 30 "$base/login" >"$work/login.status" &
login=$!
sleep 0.5 # GET /login is now waiting for the lock (a moment, not a condition of the test)
check "a read is answered while the lock is held" 404 \
	"$(curl -s -o /dev/null -w '%{http_code}' -m 30 -b "$work/jar" "$base/device-auth/status")"
kill -0 "$login" 2>/dev/null && ok "the writing request still waits, not failed" ||
	fail "GET /login ended while the lock was held: $(cat "$work/login.status")"
echo "ROLLBACK;" >&3
exec 3>&-
wait "$sqlpid"
wait "$login"
check "the writing request answered once the lock is let go" 200 "$(cat "$work/login.status")"
stop_rp

# The store's schema is checked at start: a store missing a table, or a column, is refused
# with what is missing, before any request could fail on it.
cp "$work/locked.db" "$work/dropped.db"
sqlite3 "$work/dropped.db" "DROP TABLE codes;"
timeout 20 "$rp" serve --listen 127.0.0.1:0 --db "$work/dropped.db" >/dev/null 2>"$work/dropped.log"
check "a store missing a table does not start" 1 $?
contains "the error names the table" "$work/dropped.log" "table codes is missing"
cp "$work/locked.db" "$work/renamed.db"
sqlite3 "$work/renamed.db" "ALTER TABLE credentials RENAME COLUMN sign_count TO counter;"
timeout 20 "$rp" serve --listen 127.0.0.1:0 --db "$work/renamed.db" >/dev/null 2>"$work/renamed.log"
check "a store missing a column does not start" 1 $?
contains "the error names the column" "$work/renamed.log" "table credentials has no column sign_count"

finish
