# bench/verifier.mk: MAC verification and durable apply against their floors (P2, P4).
BENCHES += bench-verifier
