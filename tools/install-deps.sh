#!/bin/sh
# Installs the Debian and npm packages kagura-harness needs, only those missing.
# Debian 12 (bookworm); run as root (or with sudo available).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)

# clang and libclang-rt-14-dev (libclang_rt.fuzzer, only recommended by clang) build fuzz/ with libFuzzer.
# chromium is the real browser tests/browser drives over CDP (playwright-core, which downloads none).
# fonts-noto-cjk gives Chromium Japanese glyphs (Noto Sans CJK, Android's own) for the html report's screenshots.
# openjdk-17-jdk-headless and maven build and run tests/java's webauthn4j checker (Maven fetches webauthn4j).
# The same JDK and Maven fetch and run the real Keycloak (tools/keycloak/: OpenJDK 17 for Keycloak 26.5).
# libpsl-dev and publicsuffix: the browser client's RP ID rule reads the Public Suffix List, as browsers do.
# libsimdjson-dev reads the servers' hot JSON (webauthn/json_read.cc, C++17: build-essential's g++).
# libmimalloc-dev: kagura-rp's allocator (its threads free what others allocated; not in sanitizer builds).
debs="build-essential cmake pkg-config clang-format
libfido2-dev libcbor-dev libssl-dev libmicrohttpd-dev libjansson-dev
libcurl4-openssl-dev libsqlite3-dev libxml2-dev libqrencode-dev libcmocka-dev libgnutls28-dev
libpsl-dev publicsuffix libsimdjson-dev libmimalloc-dev
fido2-tools python3-fido2 openssl ca-certificates curl sqlite3
openjdk-17-jdk-headless maven
chromium fonts-noto-cjk clang libclang-rt-14-dev"

missing=""
for p in $debs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

# Node 20 or newer is needed by the independent checkers; Debian's own nodejs is
# only used when the machine has none.
if ! command -v node >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

if [ -n "$missing" ]; then
	echo "deps: installing Debian packages:$missing"
	$sudo apt-get update -q
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
else
	echo "deps: Debian packages present"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
	echo "deps: warning: node $(node --version) is older than 20; the @simplewebauthn cross-check tests will fail" >&2
fi

# npm packages pinned by tests/node/package-lock.json, installed only when missing or stale.
if [ -f "$top/tests/node/package-lock.json" ]; then
	stamp="$top/tests/node/node_modules/.package-lock.json"
	if [ ! -f "$stamp" ] || [ "$top/tests/node/package-lock.json" -nt "$stamp" ]; then
		echo "deps: installing pinned npm packages (tests/node)"
		(cd "$top/tests/node" && npm ci --no-audit --no-fund --loglevel=error)
	else
		echo "deps: npm packages present"
	fi
fi
