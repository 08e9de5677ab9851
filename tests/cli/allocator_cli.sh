#!/bin/sh
# kagura-rp's malloc is mimalloc's, for its libraries too: the dynamic linker's own bindings
# (LD_DEBUG=bindings), each library that calls malloc bound to libmimalloc and none to libc.
set -eu
rp=$1
bindings=$(LD_DEBUG=bindings "$rp" --version 2>&1 >/dev/null | grep "normal symbol \`malloc'" || true)
for lib in libcrypto libsqlite3 libjansson libmicrohttpd; do
	if ! printf '%s\n' "$bindings" | grep -q "file [^ ]*/$lib\.so[^ ]* \[[0-9]*\] to [^ ]*/libmimalloc\.so"; then
		echo "FAIL: $lib's malloc is not bound to libmimalloc"
		printf '%s\n' "$bindings"
		exit 1
	fi
done
if printf '%s\n' "$bindings" | grep -q " to [^ ]*/libc\.so[^ ]* \[[0-9]*\]: normal symbol \`malloc'"; then
	echo "FAIL: some malloc is bound to libc"
	printf '%s\n' "$bindings"
	exit 1
fi
echo "malloc bound to libmimalloc for $(printf '%s\n' "$bindings" | grep -c libmimalloc) objects"
