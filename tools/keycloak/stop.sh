#!/bin/sh
# Stops the Keycloak that start.sh started from --run-dir DIR: SIGTERM to its process group
# (kc.sh passes it on to the JVM, which shuts down cleanly), SIGKILL if it is still there
# after a bounded wait. No pid file means nothing to stop.
set -eu

# A clean shutdown takes a few seconds; after this long it is killed.
stop_timeout_seconds=30

[ $# -eq 2 ] && [ "$1" = --run-dir ] || { echo "usage: stop.sh --run-dir DIR" >&2; exit 2; }
pid_file=$2/keycloak.pid
if [ ! -f "$pid_file" ]; then
	echo "keycloak: not running from $2"
	exit 0
fi
pid=$(cat "$pid_file")
case $pid in '' | *[!0-9]*) echo "keycloak: $pid_file holds no pid" >&2; exit 1 ;; esac

kill -TERM "-$pid" 2>/dev/null || true
waited=0
while kill -0 "-$pid" 2>/dev/null; do
	if [ "$waited" -ge "$stop_timeout_seconds" ]; then
		echo "keycloak: still running after ${stop_timeout_seconds} s; killing process group $pid" >&2
		kill -KILL "-$pid" 2>/dev/null || true
		break
	fi
	sleep 1
	waited=$((waited + 1))
done
rm -f "$pid_file"
echo "keycloak: stopped (process group $pid)"
