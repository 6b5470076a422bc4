#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# run-bench.sh: run every benchmark named in $BENCHES (called by `make bench` after it built
# $BUILD/bench/<name> from bench/<name>.c). A benchmark with a driver script bench/<name>.sh
# runs through it (with BUILD and BENCH_BIN=$BUILD/bench/<name> in the environment); any other
# runs its binary without arguments. Exits 1 when any benchmark failed.
set -u
BUILD=${BUILD:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
export BUILD

failed=
for b in ${BENCHES:-}; do
        echo "== bench $b"
        bin=$BUILD/bench/$b
        if [ -f "bench/$b.sh" ]; then
                BENCH_BIN=$bin "bench/$b.sh" # by its own first line (bench-e2e.sh is bash)
        elif [ -x "$bin" ]; then
                "$bin"
        else
                echo "run-bench.sh: $bin not built" >&2
                false
        fi
        rc=$?
        if [ $rc -ne 0 ]; then
                echo "== bench $b FAILED (exit $rc)"
                failed="$failed $b"
        fi
done
if [ -n "$failed" ]; then
        echo "benchmarks failed:$failed"
        exit 1
fi
exit 0
