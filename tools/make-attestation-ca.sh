#!/bin/sh
# Generates the test attestation PKI the simulated authenticators use:
# root (trust anchor for verifiers) -> intermediate "attestation CA" (signs
# each device's attestation leaf). Private keys stay in the build tree only.
set -eu
out=${1:?usage: make-attestation-ca.sh OUTDIR}
[ -f "$out/ca.pem" ] && [ -f "$out/ca.key" ] && [ -f "$out/root.pem" ] && exit 0
mkdir -p "$out"
cd "$out"
cat >ext.cnf <<'CNF'
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ca]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
openssl ecparam -name prime256v1 -genkey -noout -out root.key 2>/dev/null
openssl req -new -x509 -key root.key -sha256 -days 3650 -subj "/C=JP/O=kagura-harness/OU=Test Attestation Root/CN=kagura test attestation root" \
	-extensions root -config ext.cnf -out root.pem 2>/dev/null || \
openssl req -new -x509 -key root.key -sha256 -days 3650 -subj "/C=JP/O=kagura-harness/OU=Test Attestation Root/CN=kagura test attestation root" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out root.pem
openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
openssl req -new -key ca.key -subj "/C=JP/O=kagura-harness/OU=Test Attestation CA/CN=kagura test attestation CA" -out ca.csr
openssl x509 -req -in ca.csr -CA root.pem -CAkey root.key -CAcreateserial -sha256 -days 3650 \
	-extfile ext.cnf -extensions ca -out ca.pem 2>/dev/null
rm -f ca.csr root.srl ext.cnf
chmod 600 root.key ca.key
