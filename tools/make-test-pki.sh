#!/bin/sh
# Generates the test card PKI (fixtures/pki/README.md) into OUTDIR: an MHLW-style HPKI root with
# the JMA and MEDIS CAs in an old and a renewed generation, a JPKI user-authentication CA, the card
# certificates of every variant with their keys, CRLs, the platform's TLS server certificate,
# the PC's installed-CA sets and index.json. Private keys exist only in OUTDIR.
set -eu
out=${1:?usage: make-test-pki.sh OUTDIR}
top=$(cd "$(dirname "$0")/.." && pwd)
cnf="$top/fixtures/pki/ca.cnf"

# Built next to OUTDIR and moved into place at the end: a failed run leaves no half PKI behind.
tmp="$out.tmp"
rm -rf "$tmp"
mkdir -p "$tmp"
cd "$tmp"
mkdir -p ca crl cards trust tls pc spare state

key() { # FILE: a fresh RSA 2048 key (the size HPKI and JPKI cards hold)
	(umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null)
}

# NAME SERIAL: the state directory of one CA (openssl ca database, serial and CRL numbers).
ca_state() {
	mkdir -p "state/$1/issued"
	: >"state/$1/index.txt"
	echo "$2" >"state/$1/serial"
	echo 01 >"state/$1/crlnumber"
}

# ISSUER SUBJECT_DN KEY EXTENSIONS START END OUT [HC_ROLE [-selfsign]]: openssl ca with exact
# validity. ISSUER names the signing CA's state directory; with -selfsign the key signs itself.
sign() {
	openssl req -new -config "$cnf" -key "$3" -subj "$2" -out state/req.csr
	# shellcheck disable=SC2086 # ${9:-} is one optional flag
	CA_DIR="state/$1" HC_ROLE="${8:-Medical Doctor}" openssl ca -batch -config "$cnf" ${9:-} \
		-keyfile "state/$1/ca.key" -in state/req.csr -out "$7" -extensions "$4" \
		-startdate "$5" -enddate "$6" -preserveDN -notext 2>/dev/null
	rm -f state/req.csr
}

# NAME DN START END [ISSUER]: a CA certificate ca/NAME.pem with its key; self-signed without ISSUER.
make_ca() {
	ca_state "$1" "$(printf '%02X00' "$ca_no")"
	ca_no=$((ca_no + 1))
	key "state/$1/ca.key"
	if [ -z "${5:-}" ]; then
		sign "$1" "$2" "state/$1/ca.key" ext_root "$3" "$4" "ca/$1.pem" "" -selfsign
	else
		sign "$5" "$2" "state/$1/ca.key" ext_subca "$3" "$4" "ca/$1.pem"
	fi
	cp "ca/$1.pem" "state/$1/ca.pem"
	cp "state/$1/ca.key" "ca/$1.key"
}
ca_no=1

# Validity of every CRL: wide, so a test may verify at any date of the PKI's life.
crl_from=20140101000000Z
crl_until=20491231235959Z
gencrl() { # NAME: crl/NAME.crl.pem from the CA's database
	CA_DIR="state/$1" openssl ca -batch -config "$cnf" -gencrl -crl_lastupdate "$crl_from" \
		-crl_nextupdate "$crl_until" -out "crl/$1.crl.pem" 2>/dev/null
}

# ---- CAs (fixtures/pki/README.md, "Certification authorities") ----
hpki_root_dn="/C=JP/O=MHLW/CN=MHLW HPKI Root CA V2"
jma_dn="/C=JP/O=JMA/OU=JMA HPKI CA/CN=HPKI-01-JmaAuthCA2-forAuthentication"
medis_dn="/C=JP/O=MEDIS/OU=MEDIS HPKI CA/CN=HPKI-01-MedisAuthCA2-forAuthentication"
jpki_dn="/C=JP/O=JPKI/OU=JPKI for user authentication/OU=Japan Agency for Local Authority Information Systems"

make_ca mhlw-root "$hpki_root_dn" 20140101000000Z 20491231235959Z
# Old generation issued cards until the renewal date of the manual; the renewed one from it on.
make_ca jma-g1 "$jma_dn" 20141115000000Z 20341114235959Z mhlw-root
make_ca jma-g2 "$jma_dn" 20241115000000Z 20441114235959Z mhlw-root
make_ca medis-g1 "$medis_dn" 20150317000000Z 20350316235959Z mhlw-root
make_ca medis-g2 "$medis_dn" 20250317000000Z 20450316235959Z mhlw-root
make_ca jpki-auth "$jpki_dn" 20140101000000Z 20491231235959Z
# Not trusted by anyone: a CA that copies JMA's name with a key of its own.
make_ca rogue-jma "$jma_dn" 20141115000000Z 20441114235959Z
make_ca tls-root "/C=JP/O=kagura-harness/CN=kagura test TLS server root" 20200101000000Z 20491231235959Z

# ---- cards ----
cards_json=""
# NAME KIND CA EXT START END SUBJECT_DN HONIN_ID ROLE VARIANT HOLDER
card() {
	key "cards/$1.key"
	sign "$3" "$7" "cards/$1.key" "$4" "$5" "$6" "cards/$1.pem" "$9"
	cat "cards/$1.pem" "ca/$3.pem" >"cards/$1-chain.pem"
	serial=$(openssl x509 -in "cards/$1.pem" -noout -serial | sed 's/^serial=//')
	[ -z "$cards_json" ] || cards_json="$cards_json,
"
	cards_json="$cards_json    {\"name\": \"$1\", \"kind\": \"$2\", \"variant\": \"${10}\", \"issuer\": \"$3\","
	cards_json="$cards_json \"honin_id\": $(jstr "$8"), \"role\": $(jstr "$9"), \"holder\": $(jstr "${11}"),
     \"serial\": \"$serial\", \"not_before\": \"$(iso "$5")\", \"not_after\": \"$(iso "$6")\","
	cards_json="$cards_json \"cert\": \"cards/$1.pem\", \"chain\": \"cards/$1-chain.pem\", \"key\": \"cards/$1.key\"}"
}
jstr() { if [ -n "$1" ]; then printf '"%s"' "$1"; else printf null; fi; }
iso() { echo "$1" | sed 's/^\(....\)\(..\)\(..\)\(..\)\(..\)\(..\)Z$/\1-\2-\3T\4:\5:\6Z/'; }
revoke() { # CA NAME DATE: revoked for keyCompromise at DATE (YYMMDDHHMMSSZ, as the database keeps it)
	CA_DIR="state/$1" openssl ca -batch -config "$cnf" -revoke "cards/$2.pem" \
		-crl_reason keyCompromise 2>/dev/null
	# openssl ca records "now"; the database line is edited so every build gives the same CRL.
	s=$(openssl x509 -in "cards/$2.pem" -noout -serial | sed 's/^serial=//')
	awk -F '\t' -v OFS='\t' -v s="$s" -v d="$3,keyCompromise" '$1 == "R" && $4 == s { $3 = d } { print }' \
		"state/$1/index.txt" >"state/$1/index.new"
	mv "state/$1/index.new" "state/$1/index.txt"
}

field() { if [ "$1" = - ]; then echo ""; else echo "$1"; fi; } # a cards.tsv field: "-" is none
# The cards of fixtures/pki/cards.tsv, in its order (their serial numbers follow it). A My Number
# card's subject names nobody; its HOLDER is whose card it is (a test fact, not in it).
tab=$(printf '\t')
while IFS=$tab read -r name kind issuer ext not_before not_after subject honin role variant \
	holder <&3; do
	case $name in '#'* | '') continue ;; esac
	case $holder in '' | *"$tab"*)
		echo "make-test-pki.sh: fixtures/pki/cards.tsv: $name: not 11 tab-separated fields" >&2
		exit 1 ;;
	esac
	card "$name" "$kind" "$issuer" "$ext" "$not_before" "$not_after" "$subject" \
		"$(field "$honin")" "$(field "$role")" "$variant" "$(field "$holder")"
done 3<"$top/fixtures/pki/cards.tsv"

revoke jma-g2 hpki-doctor-revoked 250501000000Z
revoke medis-g2 hpki-pharmacist-revoked 250501000000Z
revoke medis-g1 hpki-pharmacist-revoked-old-ca 240601000000Z
revoke jpki-auth jpki-revoked 250501000000Z
for c in mhlw-root jma-g1 jma-g2 medis-g1 medis-g2 jpki-auth rogue-jma; do gencrl "$c"; done

# ---- the platform's trust configuration ----
cp ca/mhlw-root.pem trust/anchors-hpki.pem
cp ca/jpki-auth.pem trust/anchors-jpki.pem
cat ca/jma-g1.pem ca/jma-g2.pem ca/medis-g1.pem ca/medis-g2.pem >trust/intermediates.pem
cat crl/mhlw-root.crl.pem crl/jma-g1.crl.pem crl/jma-g2.crl.pem crl/medis-g1.crl.pem \
	crl/medis-g2.crl.pem crl/jpki-auth.crl.pem >trust/crls.pem
# What the TLS server names in its certificate request: the two anchors.
cat ca/mhlw-root.pem ca/jpki-auth.pem >trust/client-ca.pem

# ---- the platform's TLS server certificate ----
# P-256: no manual entry depends on the server's key type, and a handshake signs with it, an RSA
# 2048 signature costs a server about ten times more CPU.
(umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out tls/server.key 2>/dev/null)
sign tls-root "/C=JP/O=kagura-harness/CN=mahpki-auth.2nds.medis.or.jp" tls/server.key ext_server \
	20200101000000Z 20491231235959Z tls/server.pem
cp ca/tls-root.pem tls/server-ca.pem

# ---- keys for reissued cards: a reissue needs a new key, not a slow key generation per run ----
reissue_keys=""
for i in 1 2 3 4; do
	key "spare/reissue-$i.key"
	reissue_keys="$reissue_keys${reissue_keys:+, }\"spare/reissue-$i.key\""
done

# ---- the PC's installed CA certificates (certificate viewer, manual 3.23 / 3.24) ----
cat ca/mhlw-root.pem ca/jma-g2.pem ca/medis-g2.pem ca/jpki-auth.pem >pc/installed-current.pem
cat ca/mhlw-root.pem ca/jma-g1.pem ca/medis-g1.pem ca/jpki-auth.pem >pc/installed-old.pem
cat ca/mhlw-root.pem ca/jpki-auth.pem >pc/installed-roots-only.pem

cat >index.json <<JSON
{
  "format": 1,
  "trust": {
    "hpki_anchors": "trust/anchors-hpki.pem",
    "jpki_anchors": "trust/anchors-jpki.pem",
    "intermediates": "trust/intermediates.pem",
    "crls": "trust/crls.pem",
    "client_ca": "trust/client-ca.pem"
  },
  "tls": {"cert": "tls/server.pem", "key": "tls/server.key", "ca": "tls/server-ca.pem"},
  "reissue_keys": [$reissue_keys],
  "pc": {
    "installed_current": "pc/installed-current.pem",
    "installed_old": "pc/installed-old.pem",
    "installed_roots_only": "pc/installed-roots-only.pem"
  },
  "cas": [
    {"name": "mhlw-root", "kind": "hpki", "role": "anchor", "generation": null, "cert": "ca/mhlw-root.pem", "crl": "crl/mhlw-root.crl.pem"},
    {"name": "jma-g1", "kind": "hpki", "role": "intermediate", "generation": "old", "issued_until": "2024-11-15", "cert": "ca/jma-g1.pem", "crl": "crl/jma-g1.crl.pem"},
    {"name": "jma-g2", "kind": "hpki", "role": "intermediate", "generation": "renewed", "issued_from": "2024-11-15", "cert": "ca/jma-g2.pem", "crl": "crl/jma-g2.crl.pem"},
    {"name": "medis-g1", "kind": "hpki", "role": "intermediate", "generation": "old", "issued_until": "2025-03-17", "cert": "ca/medis-g1.pem", "crl": "crl/medis-g1.crl.pem"},
    {"name": "medis-g2", "kind": "hpki", "role": "intermediate", "generation": "renewed", "issued_from": "2025-03-17", "cert": "ca/medis-g2.pem", "crl": "crl/medis-g2.crl.pem"},
    {"name": "jpki-auth", "kind": "jpki", "role": "anchor", "generation": null, "cert": "ca/jpki-auth.pem", "crl": "crl/jpki-auth.crl.pem"},
    {"name": "rogue-jma", "kind": "hpki", "role": "untrusted", "generation": null, "cert": "ca/rogue-jma.pem", "crl": "crl/rogue-jma.crl.pem"}
  ],
  "cards": [
$cards_json
  ]
}
JSON

rm -rf state
chmod 600 ca/*.key cards/*.key spare/*.key tls/server.key
cd ..
# Replace an earlier PKI only when it is one (it has index.json): never remove another directory.
if [ -e "$out" ]; then
	if [ -f "$out/index.json" ] || [ -z "$(ls -A "$out")" ]; then
		rm -rf "$out"
	else
		echo "make-test-pki.sh: $out exists and is not a test PKI; left alone" >&2
		exit 1
	fi
fi
mv "$tmp" "$out"
