#!/bin/sh
# kagura-scenarios end to end: a passing entry, a failing one reported with what was
# expected, what was seen, where and how to reproduce it; the coverage gate; broken
# scenario files; the report formats; explain; bad input.
sc=$1
src=$2
rp=$3
. "$(dirname "$0")/lib.sh"

"$sc" run --manual 2.16 2.1 >out 2>err
check "a covered entry passes" 0 $?
contains "table line" out "2.1    pass"
contains "summary" out "1 passed, 0 failed, 0 skipped"
# Both streams on one pipe (make run, a CI log): the times come after the report, not inside it.
"$sc" run --manual 2.16 2.1 >both 2>&1
check "one pipe" 0 $?
check "the report, then the times" "1 passed, 0 failed, 0 skipped" \
	"$(grep -B1 '^kagura-scenarios: wall' both | head -1 | sed 's/ (wall time.*//')"

# The same scenario expecting another entry's message: a failure that explains itself.
mkdir "$work/wrong"
sed 's/^\texpect.message phone.page$/\texpect.message phone.page entry=2.24/' \
	"$src/scenarios/cases/2.1-account-disabled.scn" >"$work/wrong/2.1.scn"
KAGURA_SCENARIOS="$work/wrong" "$sc" run --manual 2.16 2.1 >out 2>err
check "a wrong expectation fails" 1 $?
contains "what was expected" out "expected: ログインできません。クレデンシャルのセットアップが必要です。"
contains "what was seen, where" out "seen at phone.page: アカウントにログイン / アカウントが無効です。"
contains "how to reproduce" out "reproduce: $sc run --manual 2.16 2.1"

# Coverage: an entry without a scenario fails, so does a cause the scenario leaves out.
KAGURA_SCENARIOS="$work/wrong" "$sc" run --manual 2.16 2.24 >out 2>err
check "no scenario" 1 $?
contains "no scenario named" out "no scenario for entry 2.24 of manual 2.16"
mkdir "$work/partial"
printf 'entry 2.1\nmanual 2.16\ncause c9\n\tca.user u\n' >"$work/partial/2.1.scn"
KAGURA_SCENARIOS="$work/partial" "$sc" run --manual 2.16 2.1 >out 2>err
check "a documented cause not provoked" 1 $?
contains "cause named" out "cause c1 of the catalogue is not provoked"

# A broken scenario file fails the run, whatever entry it meant.
printf 'entry 2.1\nmanual 2.16\ncause c1\n\tphone.open p "/x\n' >"$work/partial/broken.scn"
KAGURA_SCENARIOS="$work/partial" "$sc" run --manual 2.16 2.1 >out 2>err
check "broken file" 1 $?
contains "file and line" out "broken.scn:4: unterminated quote"
printf 'entry 2.1\nmanual 2.16\ncause c1\n\tphone.fly p\n' >"$work/partial/2.1.scn"
rm "$work/partial/broken.scn"
KAGURA_SCENARIOS="$work/partial" "$sc" run --manual 2.16 2.1 >out 2>err
check "unknown step" 1 $?
contains "unknown step named" out "2.1.scn:4: unknown step phone.fly"

# Report formats for CI systems and tools.
"$sc" run --manual all --format json --output report.json 2.1 >out 2>err
check "json report" 0 $?
python3 - report.json <<'PY' || fail "json report shape"
import json, sys
runs = json.load(open(sys.argv[1]))
assert [r["manual"] for r in runs] == ["2.16", "1.04"], runs
e = runs[0]["entries"][0]
assert e["id"] == "2.1" and e["status"] == "pass" and e["remedy"]["status"] == "pass", e
assert e["causes"][0]["cause"] == "c1" and "アカウントが無効です" in e["causes"][0]["seen"], e
assert runs[1]["entries"][0]["causes"][0]["expected"] == "Account is disabled, contact your administrator.", runs[1]
assert all(k in runs[0] for k in ("passed", "failed", "skipped"))
print("ok   json report shape")
PY
KAGURA_SCENARIOS="$work/wrong" "$sc" run --manual 2.16 --format junit 2.1 >junit.xml 2>err
check "junit exit" 1 $?
python3 - junit.xml <<'PY' || fail "junit report"
import sys, xml.etree.ElementTree as ET
s = ET.parse(sys.argv[1]).getroot().find("testsuite")
assert s.get("failures") == "1" and s.find("testcase/failure") is not None
print("ok   junit report")
PY
"$sc" run --manual 2.16 --format tap 2.1 >tap 2>err
contains "tap" tap "ok 1 - manual 2.16 entry 2.1"

# explain: a user's report matched to entries, with the command that reproduces each.
"$sc" explain --manual 2.16 "Ｃｏｏｋｉｅが見つかりません" >out 2>err
check "explain finds" 0 $?
contains "explain 2.15" out "manual 2.16 entry 2.15"
contains "explain 3.6" out "manual 2.16 entry 3.6"
contains "explain command" out "reproduce: $sc run --manual 2.16 2.15"
"$sc" explain "NotAllowedError: This request has been cancelled by the user." >out 2>err
contains "explain English browser error (v1.04)" out "manual 1.04 entry 2.3"
"$sc" explain "zzzz qqqq" >out 2>err
check "explain without a match" 1 $?

# Bad input: a clear message, exit 2.
for args in "run --manual 3.0" "run --jobs 0" "run --format xml" "run 9.99" "show" "frobnicate" \
	"run --origin https://x.example" "run --target ftp://x"; do
	# shellcheck disable=SC2086
	"$sc" $args >out 2>err
	check "bad input: $args" 2 $?
done
# list, show and explain take --manual alone: run's options are refused, never ignored.
for args in "list --fixtures $work" "list --output $work/list.xml --format junit" \
	"show --scenarios $work 2.1" "explain --jobs 2 Cookie"; do
	# shellcheck disable=SC2086
	exits "refused: $args" 2 "$sc" $args
	cmd=${args%% *} flag=${args#* }
	contains "refused: $args named" err "kagura-scenarios: $cmd does not take ${flag%% *}"
done
[ ! -e "$work/list.xml" ] && ok "list wrote no --output" || fail "list wrote --output"
"$sc" show --manual 2.16 2.1 >out 2>err
contains "show: the manual's text" out "当該ユーザが無効になっている"
contains "show: the scenario" out "| cause c1"
"$sc" list --manual 2.16 >out 2>err
contains "list" out "2.1   platform   scenario"

# --target: a deployment of its own. Without its test control, an entry that needs the CA is
# skipped, never passed; with it, the entry runs there.
origin=https://mahpki-auth.2nds.medis.or.jp
start_rp srv
"$sc" run --manual 2.16 --target "$base" --origin $origin 2.1 >out 2>err
check "target without test control: nothing ran is no pass" 1 $?
contains "skipped, not passed" out "0 passed, 0 failed, 1 skipped"
contains "the skip says why" out "needs the platform's test control"
contains "no entry ran" err "no entry ran"
"$sc" run --manual 2.16 --target "$base" --origin $origin --allow-empty 2.1 >out 2>err
check "--allow-empty accepts it" 0 $?
"$sc" run --manual 2.16 --target "$base" --test-control 2.1 >out 2>err
check "test control asked of a target without it" 2 $?
contains "one line says so" err "serves no test control"
stop_rp
start_rp srv --test-control
"$sc" run --manual 2.16 --target "$base" --origin $origin --test-control 2.1 2.24 >out 2>err
check "target with test control" 0 $?
contains "run there" out "2 passed, 0 failed, 0 skipped"
logged "the target served the steps" "$rp_log" ' POST /test-control/users 200 '
stop_rp

# The target is checked before anything runs: down, not a platform, untrusted TLS -> exit 2
# with one line, within seconds.
for t in http://127.0.0.1:1 https://127.0.0.1:1; do
	start=$(date +%s)
	"$sc" run --manual 2.16 --target "$t" >out 2>err
	check "target $t down" 2 $?
	contains "one line names it" err "cannot be reached"
	[ $(($(date +%s) - start)) -le 10 ] && ok "within seconds" || fail "took too long"
done
python3 -m http.server --bind 127.0.0.1 0 --directory "$work" >"$work/http.out" 2>&1 &
hpid=$!
for _ in $(seq 1 100); do
	hport=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/http.out" | head -1)
	[ -n "$hport" ] && break
	sleep 0.05
done
"$sc" run --manual 2.16 --target "http://127.0.0.1:$hport" >out 2>err
check "a web server that is no platform" 2 $?
contains "not a KAGURA platform" err "is not a KAGURA platform"
kill "$hpid"; wait "$hpid" 2>/dev/null

# Several files for one entry all run; the causes column counts causes, not blocks.
mkdir "$work/multi"
cp "$src/scenarios/cases/2.1-account-disabled.scn" "$work/multi/"
sed 's/^cause c1 .*/cause c1 the same cause, told again/' "$src/scenarios/cases/2.1-account-disabled.scn" >"$work/multi/2.1-again.scn"
KAGURA_SCENARIOS="$work/multi" "$sc" run --manual 2.16 --format json --output "$work/multi.json" 2.1 >out 2>err
check "two files for an entry" 0 $?
python3 - "$work/multi.json" <<'PY' || fail "both files ran; one cause counted once"
import json, sys
e = json.load(open(sys.argv[1]))["entries"][0]
files = {c["scenario"].rsplit("/", 1)[1] for c in e["causes"]}
assert files == {"2.1-account-disabled.scn", "2.1-again.scn"}, files
assert e["causes_provoked"] == 1 and e["causes_passed"] == 1, e
print("ok   both files ran; one cause counted once")
PY
KAGURA_SCENARIOS="$work/multi" "$sc" run --manual 2.16 2.1 >out 2>err
contains "causes column" out "1/1"
# A file for an entry the catalogue lacks, a BOM, a FIFO, an extra word, a typo'd key, a
# malformed number: errors with file:line, never silently ignored (and a FIFO never hangs the
# run).
# bad NAME TEXT: the run over $work/bad fails (exit 1) and says TEXT; bad_dir makes $work/bad
# the entry's own scenario, the case then adds or replaces one file in it.
bad_dir() {
	rm -rf "$work/bad"; mkdir "$work/bad"
	cp "$src/scenarios/cases/2.1-account-disabled.scn" "$work/bad/"
}
bad() {
	KAGURA_SCENARIOS="$work/bad" timeout 60 "$sc" run --manual 2.16 2.1 >out 2>err
	check "$1" 1 $?
	contains "$1 named" out "$2"
}
bad_dir; printf 'entry 9.99\nmanual 2.16\ncause c1\n\tca.user u\n' >"$work/bad/9.99-x.scn"
bad "entry not in the catalogue" "9.99-x.scn:2: entry 9.99 is not in the catalogue of manual 2.16"
bad_dir; printf '\357\273\277entry 2.1\nmanual 2.16\n' >"$work/bad/2.1-bom.scn"
bad "BOM" "2.1-bom.scn:1: starts with a UTF-8 byte order mark"
bad_dir; mkfifo "$work/bad/2.1-fifo.scn"
bad "FIFO" "2.1-fifo.scn: not a regular file"
bad_dir; sed 's/^\tca.disable doctor$/\tca.disable doctor now/' "$src/scenarios/cases/2.1-account-disabled.scn" >"$work/bad/2.1-account-disabled.scn"
bad "extra word" "2.1-account-disabled.scn:14: ca.disable takes 1 word, not 2"
bad_dir; sed 's/^\tphone.new phone persona=android-chrome$/\tphone.new phone persona=android-chrome\n\tphone.login phone doctor lable=x/' "$src/scenarios/cases/2.1-account-disabled.scn" >"$work/bad/2.1-account-disabled.scn"
bad "unknown key" "phone.login has no lable="
bad_dir; sed 's/^\texpect.message phone.page$/\texpect.message phone.page\n\texpect.status phone.page 200abc/' "$src/scenarios/cases/2.1-account-disabled.scn" >"$work/bad/2.1-account-disabled.scn"
bad "malformed number" "2.1-account-disabled.scn:17: 200abc is not a number (CODE: an HTTP status from 100 to 599"

# --output FILE: a run refused before its report leaves an earlier report whole; --scenarios and
# --fixtures must be folders; a written report replaces the earlier one, no temporary left.
mkdir "$work/reports"
echo "earlier report" >"$work/reports/report.txt"
exits "--scenarios a file" 2 "$sc" run --manual 2.16 --scenarios /etc/passwd --output "$work/reports/report.txt" 2.1
contains "--scenarios a file named" err "--scenarios /etc/passwd: not a folder"
contains "the earlier report kept" "$work/reports/report.txt" "earlier report"
exits "--fixtures a file" 2 "$sc" run --manual 2.16 --fixtures /etc/passwd 2.1
contains "--fixtures a file named" err "--fixtures /etc/passwd: not a folder"
exits "a report written" 0 "$sc" run --manual 2.16 --output "$work/reports/report.txt" 2.1
contains "it replaces the earlier one" "$work/reports/report.txt" "1 passed, 0 failed, 0 skipped"
check "no temporary left" "report.txt" "$(ls "$work/reports")"

# --shard K/N: every entry exactly once over the shards.
for k in 1 2 3; do
	"$sc" run --manual 2.16 --shard $k/3 --allow-empty --format json --output "$work/shard$k.json" \
		2.1 2.24 2.10 3.12 >/dev/null 2>&1
done
python3 - "$work" <<'PY' || fail "shards: each entry exactly once"
import json, sys
ids = []
for k in (1, 2, 3):
    ids += [e["id"] for e in json.load(open(f"{sys.argv[1]}/shard{k}.json"))["entries"]]
assert sorted(ids) == sorted(["2.1", "2.24", "2.10", "3.12"]), ids
print("ok   shards: each entry exactly once")
PY
"$sc" run --manual 2.16 --shard 0/3 >out 2>err
check "bad shard" 2 $?
"$sc" run --manual 2.16 --shard 4/3 >out 2>err
check "shard beyond N" 2 $?
# Numbers that wrap around or carry a sign or a space are refused, never read as another number.
for v in 4294967297 -4294967295 +2 " 2" 2x ""; do
	exits "--jobs '$v'" 2 "$sc" run --manual 2.16 --jobs "$v" 2.1
	contains "--jobs '$v' named" err "--jobs is a whole number from 1 to 64, not"
done
for v in -18446744073709551615/1 1/-18446744073709551615 " 1/2" +1/2 1/2x 18446744073709551617/1 /2 1/; do
	exits "--shard '$v'" 2 "$sc" run --manual 2.16 --shard "$v" 2.1
	contains "--shard '$v' named" err "--shard is K/N, whole numbers with 1 <= K <= N <= 1000, not"
done

# CLI: version, run --help, reproduce lines that carry the target and its options.
"$sc" --version >out 2>err
check "--version" 0 $?
contains "version line" out "kagura-scenarios "
"$sc" run --help >out 2>err
check "run --help" 0 $?
contains "run usage on stdout" out "usage: kagura-scenarios run"
finish
