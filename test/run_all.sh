#!/usr/bin/env bash
# Copyright (C) 2026 The vos_timer authors
# This file is part of vos_timer, a module for Kamailio, a free SIP server.
# SPDX-License-Identifier: GPL-2.0-or-later
# make test: every suite, then one closing line `N passed, N failed`.
# Unit tests count Check's checks; each fuzz target (FUZZ_RUNS inputs,
# 10^6), format-check, licence-check and doc validation count as one
# test each; the build scripts' tests (test/scripts) and integration tests
# count one per test.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=$root/test/out
rm -rf "$out"; mkdir -p "$out"
passed=0; failed=0

echo "== unit (Check)"
make --no-print-directory -C test/unit check 2>&1 | tee "$out/unit.log"
line=$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$out/unit.log" | tail -1)
if [ -n "$line" ]; then
    n=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
    f=$(sed -E 's/.*Failures: ([0-9]+), Errors: ([0-9]+).*/\1+\2/' <<<"$line")
    f=$((f))
    passed=$((passed + n - f)); failed=$((failed + f))
else
    echo "unit: no Check summary (build failed?)"; failed=$((failed + 1))
fi

echo "== fuzz (libFuzzer, ${FUZZ_RUNS:-1000000} inputs per target)"
# Each whole run goes to fuzz-<target>.log; the console gets its start and
# final stats.
for target in fuzz_headers fuzz_settings fuzz_cluster fuzz_branch; do
    make --no-print-directory -C test/fuzz "run-$target" 2>&1 | tee "$out/$target.log" \
        | grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|stat::|fuzz:)'
    if [ "${PIPESTATUS[0]}" -eq 0 ]; then
        echo "PASS $target"; passed=$((passed + 1))
    else
        # the sanitizer's or libFuzzer's report (without ASan's shadow
        # map), then how the run ended
        grep -m1 -A20 -E 'ERROR: |runtime error:' "$out/$target.log"
        echo "..."; tail -n 12 "$out/$target.log"
        echo "FAIL $target (the input that failed is under test/out/fuzz/$target/)"
        failed=$((failed + 1))
    fi
done

echo "== format (.clang-format)"
if scripts/format-check.sh; then
    echo "PASS format-check"; passed=$((passed + 1))
else
    echo "FAIL format-check (make format rewrites the files)"; failed=$((failed + 1))
fi

echo "== licence (SPDX lines, COPYING)"
if scripts/licence-check.sh; then
    echo "PASS licence-check"; passed=$((passed + 1))
else
    echo "FAIL licence-check"; failed=$((failed + 1))
fi

echo "== doc (xmllint)"
if make --no-print-directory -C doc check >"$out/doc.log" 2>&1; then
    echo "PASS doc validates"; passed=$((passed + 1))
else
    cat "$out/doc.log"; echo "FAIL doc validation"; failed=$((failed + 1))
fi

# add_summary NAME LOG: add the "NAME: N passed, N failed" line of LOG
add_summary() {
    local line
    line=$(grep -E "^$1: [0-9]+ passed, [0-9]+ failed" "$2" | tail -1)
    if [ -n "$line" ]; then
        passed=$((passed + $(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")))
        failed=$((failed + $(sed -E 's/.* ([0-9]+) failed/\1/' <<<"$line")))
    else
        echo "$1: no summary (runner crashed?)"; failed=$((failed + 1))
    fi
}

echo "== scripts (source unpacking, compile-flags check)"
test/scripts/run.sh 2>&1 | tee "$out/scripts.log"
add_summary scripts "$out/scripts.log"

echo "== integration (Kamailio + SIPp)"
python3 test/integration/run.py 2>&1 | tee "$out/integration.log"
add_summary integration "$out/integration.log"

grep -h "^SKIP " "$out/integration.log" || true
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
