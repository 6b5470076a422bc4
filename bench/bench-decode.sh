#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench-decode.sh: driver for bench-decode (run by bench/run-bench.sh; perf goals P1, P6).
#
# Instructions per document, from callgrind (noise-free): Ir(N2) - Ir(N1) over N2 - N1 decodes
# of the same input, so process start-up and file reading cancel. Modes (bench-decode.c):
# ours = WSP push -> validated CpDoc; libwbxml sax = event parser with empty callbacks;
# libwbxml tree = wbxml_tree_from_wbxml. Peak heap from massif (--heap-admin=0, exact peak):
# peak at N=1 minus peak at N=0 (the input buffer), i.e. what one decode adds.
# Inputs: bench/data/cp-typical.* (about 830 B WBXML) and cp-large.* (about 64 KB), made by
# bench/gen-data.py. Targets: ours <= 60k Ir for the typical document, cost linear in size
# (Ir ratio <= 1.1 x size ratio), peak heap <= 64 KB for the typical document.
# Environment: BENCH_BIN (default $BUILD/bench/bench-decode), BENCH_TYPICAL_N="100 1100",
# BENCH_LARGE_N="2 12", BENCH_ENFORCE=1 to exit 1 when a target is missed.
set -u
BUILD=${BUILD:-build}
BIN=${BENCH_BIN:-$BUILD/bench/bench-decode}
DATA=bench/data
TYPICAL_N=${BENCH_TYPICAL_N:-100 1100}
LARGE_N=${BENCH_LARGE_N:-2 12}
TARGET_IR=60000
TARGET_HEAP=65536
TARGET_LINEAR=1.10

command -v valgrind >/dev/null 2>&1 || { echo "bench-decode.sh: valgrind is not installed (make deps)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "bench-decode.sh: $BIN not built" >&2; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bench-decode.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM

fail() { echo "bench-decode.sh: $*" >&2; exit 1; }

# ir MODE FILE N TAG: total instructions of one process
ir() {
        valgrind --tool=callgrind --callgrind-out-file=/dev/null --log-file="$TMP/cg.$4.log" \
                "$BIN" run "$1" "$2" "$3" || { echo "callgrind $1 $2 $3 failed" >&2; cat "$TMP/cg.$4.log" >&2; return 1; }
        sed -n 's/.*Collected : \([0-9][0-9]*\).*/\1/p' "$TMP/cg.$4.log" | tail -n 1
}

# ir_per_doc MODE FILE "N1 N2": the two runs in parallel
ir_per_doc() {
        set -- "$1" "$2" $3
        ir "$1" "$2" "$3" a > "$TMP/ir.a" & pa=$!
        ir "$1" "$2" "$4" b > "$TMP/ir.b" & pb=$!
        wait $pa || fail "callgrind $1 $2 $3"
        wait $pb || fail "callgrind $1 $2 $4"
        a=$(cat "$TMP/ir.a") b=$(cat "$TMP/ir.b")
        [ -n "$a" ] && [ -n "$b" ] || fail "no callgrind total for $1 $2"
        awk -v a="$a" -v b="$b" -v n1="$3" -v n2="$4" 'BEGIN { printf "%.0f\n", (b - a) / (n2 - n1) }'
}

# heap MODE FILE: bytes one decode adds to the peak live heap
heap() {
        for n in 0 1; do
                valgrind --tool=massif --heap-admin=0 --peak-inaccuracy=0.0 --massif-out-file="$TMP/ms.$n" \
                        --log-file="$TMP/ms.log" "$BIN" run "$1" "$2" $n || fail "massif $1 $2 $n failed"
        done
        p0=$(sed -n 's/^mem_heap_B=//p' "$TMP/ms.0" | sort -n | tail -n 1)
        p1=$(sed -n 's/^mem_heap_B=//p' "$TMP/ms.1" | sort -n | tail -n 1)
        echo $((${p1:-0} - ${p0:-0}))
}

for doc in cp-typical cp-large; do
        "$BIN" check "$DATA/$doc.wsp" "$DATA/$doc.wbxml" > "$TMP/$doc.check" || fail "check of $doc failed"
done
val() { sed -n "s/^$2 //p" "$TMP/$1.check"; }

echo "decode benchmark: callgrind Ir per document = dIr/dN (typical N = $TYPICAL_N, large N = $LARGE_N)"
for doc in cp-typical cp-large; do
        if [ "$doc" = cp-typical ]; then ns=$TYPICAL_N; else ns=$LARGE_N; fi
        for m in ours sax tree; do
                if [ $m = ours ]; then f=$DATA/$doc.wsp; else f=$DATA/$doc.wbxml; fi
                ir_per_doc $m "$f" "$ns" > "$TMP/$doc.$m.ir" || exit 1
        done
done
heap ours "$DATA/cp-typical.wsp" > "$TMP/heap.ours" || exit 1
for m in ours sax tree; do
        if [ $m = ours ]; then f=$DATA/cp-typical.wsp; else f=$DATA/cp-typical.wbxml; fi
        "$BIN" time $m "$f" 2000 > "$TMP/ns.$m" || fail "time $m"
done
heap tree "$DATA/cp-typical.wbxml" > "$TMP/heap.tree" || exit 1
heap ours "$DATA/cp-large.wsp" > "$TMP/heap.ours.large" || exit 1

get() { cat "$TMP/$1"; }
awk -v tw="$(val cp-typical wbxml_bytes)" -v tp="$(val cp-typical wsp_bytes)" -v te="$(val cp-typical elements)" \
    -v lw="$(val cp-large wbxml_bytes)" -v lp="$(val cp-large wsp_bytes)" -v le="$(val cp-large elements)" \
    -v to="$(get cp-typical.ours.ir)" -v ts="$(get cp-typical.sax.ir)" -v tt="$(get cp-typical.tree.ir)" \
    -v lo="$(get cp-large.ours.ir)" -v ls="$(get cp-large.sax.ir)" -v lt="$(get cp-large.tree.ir)" \
    -v ho="$(get heap.ours)" -v ht="$(get heap.tree)" -v hl="$(get heap.ours.large)" \
    -v no="$(get ns.ours)" -v nsx="$(get ns.sax)" -v nt="$(get ns.tree)" \
    -v tir="$TARGET_IR" -v theap="$TARGET_HEAP" -v tlin="$TARGET_LINEAR" '
function verdict(ok) { if (!ok) missed++; return ok ? "ok" : "MISSED" }
BEGIN {
        printf "%-10s %7s %7s %8s | %11s %6s | %11s %11s | %9s %9s\n", "document", "WSP B", "WBXML B", "elements",
               "ours Ir/doc", "Ir/B", "libwbxml sax", "tree", "ours/sax", "ours/tree"
        printf "%-10s %7d %7d %8d | %11d %6.1f | %11d %11d | %9.3f %9.3f\n", "typical", tp, tw, te,
               to, to / tw, ts, tt, to / ts, to / tt
        printf "%-10s %7d %7d %8d | %11d %6.1f | %11d %11d | %9.3f %9.3f\n", "64KB", lp, lw, le,
               lo, lo / lw, ls, lt, lo / ls, lo / lt
        printf "libwbxml Ir/B: sax %.1f / %.1f, tree %.1f / %.1f (typical / 64KB)\n", ts / tw, ls / lw, tt / tw, lt / lw
        sr = lw / tw
        printf "linearity (64KB/typical): size x%.1f; Ir ours x%.1f (%.3f of size ratio), sax x%.1f (%.3f), tree x%.1f (%.3f)\n",
               sr, lo / to, lo / to / sr, ls / ts, ls / ts / sr, lt / tt, lt / tt / sr
        printf "peak heap of one decode (massif): ours typical %d B, ours 64KB %d B; libwbxml tree typical %d B\n", ho, hl, ht
        printf "wall time, typical (median of 5 x 2000, this machine, informational): ours %d ns, sax %d ns, tree %d ns\n", no, nsx, nt
        printf "targets: ours typical %d Ir <= %d: %s; linear (Ir ratio <= %.2f x size ratio): %s; ours typical peak heap %d B <= %d: %s\n",
               to, tir, verdict(to <= tir), tlin, verdict(lo / to / sr <= tlin), ho, theap, verdict(ho <= theap)
        exit missed ? 3 : 0
}'
rc=$?
if [ $rc -eq 3 ]; then
        [ "${BENCH_ENFORCE:-0}" = 1 ] && exit 1
        exit 0
fi
exit $rc
