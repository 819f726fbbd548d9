#!/bin/sh
# Runs every libFuzzer target in BUILD_DIR for SECONDS each, starting from
# the seed corpus in git (tests/fuzz/corpus/NAME). New inputs go to a
# scratch directory, not into git: add the interesting ones by hand.
#   usage: scripts/fuzz.sh BUILD_DIR SECONDS
set -eu
build=$1
seconds=${2:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
for bin in "$build"/tests/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	corpus="$root/tests/fuzz/corpus/${name#fuzz_}"
	work="$build/fuzz-work/${name#fuzz_}"
	mkdir -p "$work"
	echo "== $name: ${seconds}s, seeds from $corpus"
	if ! "$bin" -max_total_time="$seconds" -print_final_stats=1 \
		-artifact_prefix="$build/" "$work" "$corpus" 2>"$build/$name.log"; then
		status=1
		tail -30 "$build/$name.log"
	fi
	grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+.*DONE' "$build/$name.log" || true
done
exit $status
