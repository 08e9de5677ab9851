#!/bin/sh
# Starts the prepared Keycloak on 127.0.0.1 with a fresh database, a bootstrap admin and the
# given realms imported, waits (bounded) until /health/ready answers UP on the management
# port, and prints the measured start time.
#
#   start.sh --run-dir DIR --port PORT --management-port PORT [--timeout SECONDS] REALM.json...
#
# DIR is emptied and becomes the server's home: bin/ (a copy of kc.sh, so kc.sh takes DIR as
# its home), links to the prepared lib/ conf/ themes/ providers/, and data/ (the H2
# database, data/import/ with the realms). It also gets keycloak.pid (the process group of
# the server), keycloak.log, and admin.env (KC_ADMIN_USERNAME, KC_ADMIN_PASSWORD: the
# bootstrap admin of the master realm, a new password each start; `kagura-scenarios run
# --admin-env` reads it). stop.sh stops it.
set -eu
. "$(dirname "$0")/env.sh"

# A fresh start (database schema, master realm, both realms) was measured at 28 s on 2
# otherwise idle cores and 50-63 s on busy ones; past this bound it is stopped and reported.
default_timeout=180
# How often readiness is asked for.
poll_seconds=0.5

usage()
{
	echo "usage: start.sh --run-dir DIR --port PORT --management-port PORT [--timeout SECONDS] REALM.json..." >&2
	exit 2
}

run_dir="" port="" management_port="" timeout=$default_timeout
while [ $# -gt 0 ]; do
	case $1 in
	--run-dir) [ $# -ge 2 ] || usage; run_dir=$2; shift 2 ;;
	--port) [ $# -ge 2 ] || usage; port=$2; shift 2 ;;
	--management-port) [ $# -ge 2 ] || usage; management_port=$2; shift 2 ;;
	--timeout) [ $# -ge 2 ] || usage; timeout=$2; shift 2 ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ -n "$run_dir" ] && [ -n "$port" ] && [ -n "$management_port" ] && [ $# -gt 0 ] || usage
for n in "$port" "$management_port" "$timeout"; do
	case $n in '' | *[!0-9]*) echo "start.sh: '$n' is not a number" >&2; exit 2 ;; esac
done
for realm in "$@"; do
	[ -f "$realm" ] || { echo "start.sh: no realm file $realm" >&2; exit 2; }
done

if [ ! -f "$kc_prepared_stamp" ]; then
	echo "keycloak: $kc_version is not prepared in $kc_home (make keycloak-dist)" >&2
	exit 1
fi
kc_require_java
if [ -f "$run_dir/keycloak.pid" ] && kill -0 "-$(cat "$run_dir/keycloak.pid")" 2>/dev/null; then
	echo "keycloak: already running from $run_dir (pid $(cat "$run_dir/keycloak.pid"); stop.sh stops it)" >&2
	exit 1
fi

mkdir -p "$run_dir"
run_dir=$(cd "$run_dir" && pwd)
home=$run_dir/home
rm -rf "$home"
mkdir -p "$home/bin" "$home/data/import"
cp "$kc_home/bin/kc.sh" "$home/bin/kc.sh"
for part in lib conf themes providers version.txt; do
	ln -s "$kc_home/$part" "$home/$part"
done
cp "$@" "$home/data/import/"

password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
umask 077
printf 'KC_ADMIN_USERNAME=admin\nKC_ADMIN_PASSWORD=%s\n' "$password" >"$run_dir/admin.env"
umask 022

started=$(kc_now_ms)
# The JIT's first tier only: measured on 2 busy cores, a fresh start takes half the time
# (53 s against 101 s), and a test's few requests never need the optimizing compiler.
JAVA_OPTS_APPEND="-XX:TieredStopAtLevel=1${JAVA_OPTS_APPEND:+ $JAVA_OPTS_APPEND}"
export JAVA_OPTS_APPEND
# setsid: the server is a process group of its own, which stop.sh ends as one.
# --cache=local: no JGroups cluster (its discovery costs seconds, and two servers on one
# machine would join each other).
KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=$password \
	setsid "$home/bin/kc.sh" start --optimized --cache=local --http-enabled=true \
	--http-host=127.0.0.1 --http-port="$port" --http-management-port="$management_port" \
	--hostname-strict=false --import-realm </dev/null >"$run_dir/keycloak.log" 2>&1 &
pid=$!
echo "$pid" >"$run_dir/keycloak.pid"

deadline=$((started + timeout * 1000))
while :; do
	if curl -sf --max-time 5 -o /dev/null "http://127.0.0.1:$management_port/health/ready"; then
		break
	fi
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "keycloak: the server exited while starting; the end of $run_dir/keycloak.log:" >&2
		tail -n 30 "$run_dir/keycloak.log" >&2
		rm -f "$run_dir/keycloak.pid"
		exit 1
	fi
	if [ "$(kc_now_ms)" -ge "$deadline" ]; then
		echo "keycloak: not ready after ${timeout} s; stopping it. The end of $run_dir/keycloak.log:" >&2
		tail -n 30 "$run_dir/keycloak.log" >&2
		sh "$(dirname "$0")/stop.sh" --run-dir "$run_dir" >&2 || true
		exit 1
	fi
	sleep "$poll_seconds"
done
elapsed=$(($(kc_now_ms) - started))
echo "keycloak: $kc_version ready on http://localhost:$port/ in $(kc_seconds "$elapsed") (realm files: $(cd "$home/data/import" && ls | tr '\n' ' ' | sed 's/ $//'); admin: $run_dir/admin.env)"
# The platform's scenarios against it: its Admin REST API is their test control.
echo "keycloak: scenarios: kagura-scenarios run --target http://localhost:$port/realms/kagura --admin-env $run_dir/admin.env"
echo "keycloak-start-ms=$elapsed"
