#!/bin/bash
# run-valgrind.sh (`make check-valgrind`): every unit test, built without sanitizers, under
# valgrind memcheck (children traced: Check forks each test). Any memcheck error or definite /
# indirect leak fails the test. The crash-consistency test runs with fewer kills (it is about
# SIGKILL timing, not memory). Ends with "N passed, N failed".
set -u
BUILD=${BUILD:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
LOG=$BUILD/test-logs/valgrind
mkdir -p "$LOG"
pass=0
fail=0
export CRASH_KILLS=${CRASH_KILLS:-10}
# a child under valgrind needs seconds to reach its first commit: kill later
export CRASH_MAX_DELAY_US=${CRASH_MAX_DELAY_US:-4000000}
# valgrind runs code 20-50x slower: stretch Check's per-test timeouts accordingly
export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-30}
for t in ${UNIT_TESTS:-}; do
        log=$LOG/$t.log
        valgrind --quiet --trace-children=yes --error-exitcode=99 --leak-check=full \
                --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
                --child-silent-after-fork=no "$BUILD/vg/tests/$t" >"$log" 2>&1
        rc=$?
        if [ $rc -eq 0 ] && ! grep -q '^==[0-9]*== ERROR SUMMARY: [1-9]' "$log"; then
                pass=$((pass + 1)); echo "ok   valgrind $t"
        else
                fail=$((fail + 1)); echo "FAIL valgrind $t (rc $rc, log $log)"; grep -E '^==[0-9]+==' "$log" | head -20
        fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
