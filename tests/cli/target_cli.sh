#!/bin/sh
# Target mode: kagura-scenarios against platforms started once as processes of their own
# (kagura-rp serve with test control; over HTTP and over HTTPS with the card PKI; one per
# manual generation), each catalogue twice in a row with two jobs: no entry fails, the
# entries that need nothing the target lacks pass, and nothing a run created is left enabled.
sc=$1
rp=$2
pki=$3
. "$(dirname "$0")/lib.sh"

# serve NAME ARGS...: a platform with test control on a free port; its URL in $base.
serve() {
	name=$1
	shift
	start_rp "$name" --db "$work/$name.db" --test-control "$@"
}

# run NAME MANUAL MIN_PASSED ARGS...: both runs pass with at least MIN_PASSED entries passed.
runs() {
	name=$1 manual=$2 min=$3
	shift 3
	for round in 1 2; do
		"$sc" run --manual all --jobs 2 --format json --output "$work/$name-$round.json" \
			--target "$base" --test-control "$@" >"$work/$name-$round.out" 2>"$work/$name-$round.err"
		check "$name round $round exit" 0 $?
		python3 - "$work/$name-$round.json" "$manual" "$min" <<'PY' || { fail "$name round $round report"; cat "$work/$name-$round.err"; }
import json, sys
doc = json.load(open(sys.argv[1]))
runs = doc if isinstance(doc, list) else [doc]
assert [r["manual"] for r in runs] == [sys.argv[2]], [r["manual"] for r in runs]
r = runs[0]
bad = [(e["id"], e["detail"], [c["detail"] for c in e["causes"] if c["status"] != "pass"]) for e in r["entries"] if e["status"] == "fail"]
assert r["failed"] == 0 and not bad, bad
if sys.argv[2] == "2.16" and "localhost" in r["target"]:
    assert "compared with localhost" in r.get("note", ""), r.get("note")
assert r["passed"] >= int(sys.argv[3]), (r["passed"], sys.argv[3])
for e in r["entries"]:
    if e["status"] == "skip":
        assert e["detail"], e
print(f"ok   {r['passed']} passed, {r['skipped']} skipped, each skip with its reason")
PY
	done
}

# Users a run created are disabled again when it ends.
left_enabled() {
	python3 - "$work/$1.db" <<'PY'
import sqlite3, sys
n = sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM users WHERE enabled").fetchone()[0]
print(n)
PY
}

ca=$pki/tls/server-ca.pem
for manual in 2.16 1.04; do
	# over HTTP the platform is http://localhost:PORT, as a browser on loopback needs it: the
	# messages that name the manual's host are compared with localhost in its place
	serve "http-$manual" --manual "$manual" --origin 'http://localhost:{port}' --rp-id localhost
	base=$(echo "$base" | sed 's/127\.0\.0\.1/localhost/')
	# over HTTP the card entries need the card PKI the target lacks: those are skipped
	[ "$manual" = 2.16 ] && min=25 || min=15
	runs "http-$manual" "$manual" $min
	check "http-$manual: nothing left enabled" 0 "$(left_enabled "http-$manual")"
	serve "https-$manual" --manual "$manual" --card-pki "$pki"
	# over HTTPS with the card PKI (and its card-login front servers) every entry runs
	[ "$manual" = 2.16 ] && min=48 || min=26
	runs "https-$manual" "$manual" $min --ca-file "$ca"
	check "https-$manual: nothing left enabled" 0 "$(left_enabled "https-$manual")"
done

contains "the report says the host is the target's" "$work/http-2.16-1.err" \
	"messages naming mahpki-auth.2nds.medis.or.jp are compared with localhost"

# Without test control: the causes that need none run there and pass; the rest are skipped.
start_rp plain --origin 'http://localhost:{port}' --rp-id localhost
base=$(echo "$base" | sed 's/127\.0\.0\.1/localhost/')
"$sc" run --manual 2.16 --jobs 2 --format json --output "$work/plain.json" --target "$base" \
	>"$work/plain.run" 2>"$work/plain.err"
check "no test control: exit" 0 $?
python3 - "$work/plain.json" <<'PY' || fail "no test control: report"
import json, sys
r = json.load(open(sys.argv[1]))
ran = {(e["id"], c["cause"]): c["status"] for e in r["entries"] for c in e["causes"] if c["status"] != "skip"}
assert r["failed"] == 0, r
for need in (("2.15", "c1"), ("2.19", "c1"), ("2.20", "c2"), ("3.7", "c1")):
    assert ran.get(need) == "pass", (need, ran)
print(f"ok   {len(ran)} causes ran without test control, all passed")
PY

finish
