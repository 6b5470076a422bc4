# bench/e2e.mk: end to end through both daemons on a private bus (P3, P5, P6, S8).
BENCHES += bench-e2e
