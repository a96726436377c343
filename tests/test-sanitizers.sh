#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The C unit tests again, built with ASan and UBSan and no recovery (make asan:
# build/asan/test_*): every line they print is repeated with an "asan:" prefix
# (PASS asan:parse/...), and a sanitizer report fails the binary with the report
# shown. The reports go to files (log_path) because some tests redirect their
# own stderr while they run. LeakSanitizer is on: it needs no ptrace here (a
# process run under strace or gdb would need detect_leaks=0).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
lib_init sanitizers

T=$(mktemp -d /tmp/v4via6-asan.XXXXXX)
on_cleanup "rm -rf '$T'"

# one sanitizer binary per C unit test (tests/test_*.c); the dependency files
# (.d) beside them are not tests
if ! [ -d "$BUILD/asan" ]; then
	skip asan "no sanitizer build in $BUILD/asan (make asan)"
	exit 0
fi
for src in "$here"/test_*.c; do
	bin=$BUILD/asan/$(basename "$src" .c)
	name=asan:$(basename "$bin")
	if ! [ -x "$bin" ]; then
		fail "$name" "not built: $bin is missing (make asan)"
		continue
	fi
	rm -f "$T"/report.*
	ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:log_path=$T/report" \
		UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$T/report" \
		"$bin" >"$T/out" 2>&1
	rc=$?
	sed -E 's/^(PASS|FAIL|SKIP) /\1 asan:/' "$T/out"
	reports=$(cat "$T"/report.* 2>/dev/null)
	if [ -n "$reports" ]; then
		fail "$name" "sanitizer report (exit $rc)" "$reports"
	elif [ $rc != 0 ] && ! grep -q '^FAIL ' "$T/out"; then
		fail "$name" "exited $rc" "$(tail -20 "$T/out")"
	elif [ $rc = 0 ]; then
		pass "$name (no sanitizer report)"
	fi
done
exit $((LIB_FAILS > 0))
