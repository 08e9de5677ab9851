#!/bin/sh
# Runs the webauthn4j checker's jar: run-check.sh JAVA JAR MODE ARGS...
# The jar is built by Maven before ctest (make test, or the CMake target webauthn4j-check);
# a missing jar is a failure that says how to build it, never a skip.
set -eu
java=$1 jar=$2
shift 2
if [ ! -f "$jar" ]; then
	echo "webauthn4j-check: $jar is missing: build it with make test, or cmake --build BUILD --target webauthn4j-check" >&2
	exit 1
fi
# The C1 compiler alone: start-up dominates a few hundred verifications. No SLF4J binding is
# on the class path on purpose (webauthn4j logs nothing we read): silence its notice.
exec "$java" -XX:TieredStopAtLevel=1 -Dslf4j.internal.verbosity=ERROR -jar "$jar" "$@"
