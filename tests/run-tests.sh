#!/bin/bash
# run-tests.sh: run every unit test binary, replay every fuzz corpus, run every
# integration script, and print one closing line "N passed, N failed".
# Each program prints either Check's summary ("Checks: N, Failures: F, Errors: E") or a
# plain "N passed, N failed" line; a program that dies without one counts as one failure.
set -u
BUILD=${BUILD:-build}
export BUILD
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
LOG=$BUILD/test-logs
mkdir -p "$LOG"
pass=0
fail=0
failed_names=()

account() { # name rc logfile
        local name=$1 rc=$2 log=$3 p f line
        line=$(grep -E 'Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$log" | tail -1)
        if [ -n "$line" ]; then
                local c fl er
                c=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
                fl=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
                er=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
                f=$((fl + er)); p=$((c - f))
        else
                line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
                if [ -n "$line" ]; then
                        p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
                        f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
                else
                        p=0; f=1
                fi
        fi
        if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
        pass=$((pass + p)); fail=$((fail + f))
        if [ "$f" -gt 0 ]; then
                failed_names+=("$name")
                printf 'FAIL %-40s %s passed, %s failed (log: %s)\n' "$name" "$p" "$f" "$log"
                tail -n 30 "$log" | sed 's/^/    | /'
        else
                printf 'ok   %-40s %s passed\n' "$name" "$p"
        fi
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

for t in ${UNIT_TESTS:-}; do
        log=$LOG/$t.log
        "$BUILD/tests/$t" >"$log" 2>&1; rc=$?
        account "unit/$t" $rc "$log"
done

for f in ${FUZZERS:-}; do
        log=$LOG/replay-$f.log
        dirs=()
        [ -d "tests/fuzz/corpus/$f" ] && dirs+=("tests/fuzz/corpus/$f")
        [ -d "tests/fuzz/regress/$f" ] && dirs+=("tests/fuzz/regress/$f")
        "$BUILD/fuzz-replay/$f" "${dirs[@]}" >"$log" 2>&1; rc=$?
        account "fuzz-replay/$f" $rc "$log"
done

for s in ${INTEGRATION_TESTS:-}; do
        log=$LOG/$(basename "$s").log
        "$s" >"$log" 2>&1; rc=$?
        account "$s" $rc "$log"
done

# Last: every unit test again, without sanitizers, under valgrind memcheck (issue: "the whole
# suite runs clean under ASan+UBSan and under valgrind"). PROVBOOT_SKIP_VALGRIND=1 skips it
# for a quick local run, and says so.
if [ -n "${PROVBOOT_SKIP_VALGRIND:-}" ]; then
        echo "note: valgrind stage skipped (PROVBOOT_SKIP_VALGRIND set)"
else
        log=$LOG/valgrind.log
        BUILD=$BUILD UNIT_TESTS="${UNIT_TESTS:-}" ./tests/run-valgrind.sh >"$log" 2>&1; rc=$?
        account "valgrind (unit tests)" $rc "$log"
fi

echo
if [ ${#failed_names[@]} -gt 0 ]; then
        echo "failed: ${failed_names[*]}"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
