#!/bin/sh
# Runs libFuzzer targets of a KAGURA_FUZZ build, each for SECONDS on a copy of its corpus (the
# committed inputs are never written), and prints one line per target: executions, exec/s, and
# libFuzzer's coverage (cov: edges, ft: features). A crash, leak, sanitizer report or timeout
# fails the run and names the input to keep under fuzz/regressions/TARGET/.
#   usage: run.sh BUILD SECONDS [TARGET...]   (no TARGET: all of BUILD/fuzz/targets.txt)
#   FUZZ_ARGS: more libFuzzer flags (-max_len=N, -dict=FILE ...).
#   FUZZ_MERGE=1: afterwards, merge what fuzzing found into fuzz/corpus/TARGET (-merge=1 keeps
#   only inputs that add coverage).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=$1
seconds=$2
shift 2
[ $# -gt 0 ] || set -- $(cat "$build/fuzz/targets.txt")

# Per input: a hang is a finding after this long; memory past this is one too.
timeout_s=25
rss_mb=2048

work=$(mktemp -d "${TMPDIR:-/tmp}/kagura-fuzz-run.XXXXXX")
failed=""
printf '%-14s %12s %9s %7s %7s %7s  %s\n' target executions exec/s cov ft corpus result
for t in "$@"; do
	bin="$build/fuzz/fuzz_$t"
	if [ ! -x "$bin" ]; then
		echo "fuzz: $bin is missing (build with make fuzz-build)" >&2
		exit 2
	fi
	mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
	cp "$top/fuzz/corpus/$t/"* "$work/$t/corpus/"
	extra=""
	[ -d "$top/fuzz/regressions/$t" ] && extra="$top/fuzz/regressions/$t"
	rc=0
	# The first folder receives new inputs; the committed ones are only read.
	"$bin" -max_total_time="$seconds" -timeout=$timeout_s -rss_limit_mb=$rss_mb \
		-print_final_stats=1 -close_fd_mask=1 -artifact_prefix="$work/$t/artifacts/" \
		${FUZZ_ARGS:-} "$work/$t/corpus" $extra >"$work/$t/log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t/log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$t/log" | tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' "$work/$t/log" | tail -n 1)
	ft=$(sed -n 's/.* ft: \([0-9]*\) .*/\1/p' "$work/$t/log" | tail -n 1)
	n=$(ls "$work/$t/corpus" | wc -l)
	if [ "$rc" -eq 0 ]; then
		result=ok
	else
		result="FAILED (exit $rc): $(ls "$work/$t/artifacts" | head -n 1)"
		failed="$failed $t"
	fi
	printf '%-14s %12s %9s %7s %7s %7s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" \
		"${ft:-?}" "$n" "$result"
	if [ "$rc" -eq 0 ] && [ "${FUZZ_MERGE:-0}" = 1 ]; then
		mkdir -p "$work/$t/merged"
		"$bin" -merge=1 "$work/$t/merged" "$top/fuzz/corpus/$t" "$work/$t/corpus" \
			>"$work/$t/merge.log" 2>&1
		rm -f "$top/fuzz/corpus/$t/"*
		cp "$work/$t/merged/"* "$top/fuzz/corpus/$t/"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed; logs and crash inputs are in $work" >&2
	echo "fuzz: keep each crash input as fuzz/regressions/TARGET/NAME (a fuzz.TARGET test)" >&2
	exit 1
fi
rm -rf "$work"
