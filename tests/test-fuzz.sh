#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A short run of each libFuzzer harness (build/fuzz/fuzz_NAME, from
# tests/fuzz/fuzz_NAME.c) for FUZZ_TEST_SECONDS (default 60): PASS when it
# finds nothing; FAIL with the path of the input that crashed (kept under
# build/fuzz/crashes/NAME/) and the sanitizer's or the invariant's report.
# The corpus grows in build/fuzz/corpus/NAME, seeded from tests/fuzz/corpus/NAME
# (the committed seeds are read, never written). `make fuzz` runs this with
# FUZZ_SECONDS. Replay one input: build/fuzz/fuzz_NAME FILE.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
lib_init fuzz

secs=${FUZZ_TEST_SECONDS:-60}
bins=("$BUILD"/fuzz/fuzz_*)
if ! [ -x "${bins[0]}" ]; then
	skip harnesses "no fuzzers in $BUILD/fuzz (make fuzzers; needs clang and libclang-rt-14-dev)"
	exit 0
fi
for bin in "${bins[@]}"; do
	[ -x "$bin" ] || continue
	name=${bin##*/fuzz_}
	corpus=$BUILD/fuzz/corpus/$name crashes=$BUILD/fuzz/crashes/$name
	log=$BUILD/fuzz/$name.log
	mkdir -p "$corpus" "$crashes"
	seeds=()
	[ -d "$here/fuzz/corpus/$name" ] && seeds=("$here/fuzz/corpus/$name")
	"$bin" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$crashes/" \
		"$corpus" "${seeds[@]}" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
	if [ $rc = 0 ] && [ -z "$crash" ]; then
		pass "$name ($secs s, ${runs:-?} inputs, corpus $(ls "$corpus" | wc -l))"
	else
		fail "$name" "exit $rc after ${runs:-?} inputs; input: ${crash:-none saved} (log $log)" \
			"$(grep -m1 -A30 -E '^==[0-9]+==ERROR|runtime error|invariant broken|^==[0-9]+== ERROR' \
				"$log" | head -40)"
	fi
done
exit $((LIB_FAILS > 0))
