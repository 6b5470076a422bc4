#!/bin/bash
# run-fuzz.sh: run each libFuzzer target for FUZZ_SECONDS on a working copy of its corpus.
# New coverage lands in $BUILD/fuzz-work/<target>; crashes are written to
# tests/fuzz/regress/<target>/ so that `make check` replays them from then on.
set -u
BUILD=${BUILD:-build}
SECS=${FUZZ_SECONDS:-60}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
rc=0
for f in ${FUZZERS:-}; do
        work=$BUILD/fuzz-work/$f
        mkdir -p "$work" "tests/fuzz/regress/$f"
        [ -d "tests/fuzz/corpus/$f" ] && cp -n tests/fuzz/corpus/$f/* "$work/" 2>/dev/null
        opts=()
        [ -f "tests/fuzz/$f.dict" ] && opts+=("-dict=tests/fuzz/$f.dict")
        # libFuzzer's default max_len (4096 with a small corpus) is below DM_MESSAGE_MAX: the
        # SyncML decoder's message-wide caps (DM_TEXT_TOTAL_MAX) only bite on larger inputs
        case $f in
        fuzz-dm-syncml) opts+=("-max_len=16385") ;;
        esac
        echo "== $f for ${SECS}s"
        if ! "$BUILD/fuzz/$f" "${opts[@]}" -max_total_time="$SECS" -print_final_stats=1 \
                -artifact_prefix="tests/fuzz/regress/$f/" -rss_limit_mb=2048 -timeout=5 "$work" \
                >"$BUILD/fuzz-work/$f.log" 2>&1; then
                echo "!! $f found something: see $BUILD/fuzz-work/$f.log and tests/fuzz/regress/$f/"
                rc=1
        fi
        grep -E 'stat::number_of_executed_units|cov:' "$BUILD/fuzz-work/$f.log" | tail -2
done
exit $rc
