#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs every test of the project, one after another, and prints the closing line
# `N passed, N failed, N skipped`. Each test program or script prints one line
# per test: `PASS name`, `FAIL name: why` (captured output may follow, indented)
# or `SKIP name: reason`. A test file that exits non-zero without printing a
# FAIL line counts as one failure, so a crash is never silent.
#   tests/run.sh [PATTERN]   only the test files whose name contains PATTERN
set -u
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$here/../build}
export BUILD PYTHON=${PYTHON:-/usr/bin/python3}
export V4VIA6=${V4VIA6:-$BUILD/v4via6}
pattern=${1:-}

if [ "$(id -u)" != 0 ]; then
	echo "tests must run as root (they load BPF programs and create namespaces)" >&2
	exit 1
fi

passed=0 failed=0 skipped=0
run_one() {
	local name=$1
	shift
	local out rc
	out=$(mktemp)
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	local p f s
	p=$(grep -c '^PASS ' "$out")
	f=$(grep -c '^FAIL ' "$out")
	s=$(grep -c '^SKIP ' "$out")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL $name: exited with status $rc"
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	rm -f "$out"
}

for t in "$BUILD"/test_*; do
	[ -x "$t" ] || continue
	case $(basename "$t") in *"$pattern"*) ;; *) continue ;; esac
	run_one "$(basename "$t")" "$t"
done
for t in "$here"/test-*.sh; do
	[ -f "$t" ] || continue
	case $(basename "$t") in *"$pattern"*) ;; *) continue ;; esac
	run_one "$(basename "$t")" bash "$t"
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
