# Sourced by the scripts in tools/keycloak/: the pinned Keycloak distribution, where it is
# cached, and the JDK it runs on. The version is the one fixtures/keycloak/DISTRIBUTION.sha256
# names, so pinning another version is one line there (and the JDK below).

# The source tree: the caller may name it (a script outside tools/keycloak/), else it is
# two folders above the calling script.
kc_top=${kc_top:-$(cd "$(dirname "$0")/../.." && pwd)}
kc_sum_file=$kc_top/fixtures/keycloak/DISTRIBUTION.sha256
kc_version=$(sed -n 's/^[0-9a-f]\{64\}  keycloak-quarkus-dist-\([0-9][0-9.]*\)\.tar\.gz$/\1/p' "$kc_sum_file")
if [ -z "$kc_version" ]; then
	echo "keycloak: $kc_sum_file does not name a keycloak-quarkus-dist-VERSION.tar.gz" >&2
	exit 1
fi
kc_artifact=org.keycloak:keycloak-quarkus-dist:$kc_version:tar.gz
kc_cache=${KAGURA_KEYCLOAK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kagura-harness/keycloak/$kc_version}
kc_tarball=$kc_cache/keycloak-quarkus-dist-$kc_version.tar.gz
kc_home=$kc_cache/keycloak-$kc_version
kc_prepared_stamp=$kc_home/.kagura-prepared

# Options fixed at `kc.sh build` time, so `start --optimized` skips Quarkus's augmentation:
# the embedded H2 file database and /health on the management port.
kc_build_options="--db=dev-file --health-enabled=true"

# Keycloak 26.5 runs on OpenJDK 17 or 21 (25 only from 26.6 on): the pinned 26.5.x runs on
# Debian's OpenJDK 17, named here so whatever Java is first on PATH never decides it.
kc_java_major=17
JAVA_HOME=${KAGURA_KEYCLOAK_JAVA_HOME:-/usr/lib/jvm/java-$kc_java_major-openjdk-$(dpkg --print-architecture 2>/dev/null || echo amd64)}
export JAVA_HOME

# Fails (exit 1) unless JAVA_HOME is a Java $kc_java_major.
kc_require_java()
{
	if [ ! -x "$JAVA_HOME/bin/java" ]; then
		echo "keycloak: no Java at $JAVA_HOME (openjdk-$kc_java_major-jre-headless; make deps installs it," \
			"KAGURA_KEYCLOAK_JAVA_HOME names another)" >&2
		exit 1
	fi
	kc_java_seen=$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 |
		sed -n 's/^ *java\.specification\.version = //p')
	if [ "$kc_java_seen" != "$kc_java_major" ]; then
		echo "keycloak: $JAVA_HOME is Java $kc_java_seen; Keycloak $kc_version is run on Java $kc_java_major here" >&2
		exit 1
	fi
}

# Milliseconds since the epoch (GNU date), for the measured start times.
kc_now_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

# "12.3 s" from a number of milliseconds.
kc_seconds()
{
	echo "$(($1 / 1000)).$((($1 % 1000) / 100)) s"
}

# Two distinct loopback ports nothing listens on (curl exit 7: connection refused), "HTTP
# MANAGEMENT": Keycloak's two listeners.
kc_free_ports()
{
	kc_a=$(kc_free_port)
	kc_b=$(kc_free_port)
	while [ "$kc_b" = "$kc_a" ]; do kc_b=$(kc_free_port); done
	echo "$kc_a $kc_b"
}

# A port outside the kernel's ephemeral range: Keycloak binds its ports some 20 s after they
# were found free, and meanwhile any outgoing connection (the readiness poll's own curl) or any
# test server bound to port 0 may be given a port from that range, the chosen one included.
# Below the range when there is room (from kc_port_floor up), else above it.
kc_port_floor=10000   # clear of the well-known and most registered service ports
kc_port_room=1024     # the fewest ports worth choosing from
kc_port_top=65535
kc_free_port()
{
	read -r kc_eph_low kc_eph_high 2>/dev/null </proc/sys/net/ipv4/ip_local_port_range ||
		{ kc_eph_low=32768 kc_eph_high=60999; }
	if [ "$((kc_eph_low - kc_port_floor))" -ge "$kc_port_room" ]; then
		kc_first=$kc_port_floor kc_count=$((kc_eph_low - kc_port_floor))
	elif [ "$((kc_port_top - kc_eph_high))" -ge "$kc_port_room" ]; then
		kc_first=$((kc_eph_high + 1)) kc_count=$((kc_port_top - kc_eph_high))
	else
		kc_first=$kc_port_room kc_count=$((kc_port_top + 1 - kc_port_room))
	fi
	while :; do
		kc_p=$((kc_first + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % kc_count))
		kc_rc=0
		curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$kc_p/" || kc_rc=$?
		if [ "$kc_rc" -eq 7 ]; then
			echo "$kc_p"
			return
		fi
	done
}
