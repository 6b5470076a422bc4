# verifierd/engine.mk: the store, the NetworkManager exporter and the engine pipeline (issue 3),
# with their unit tests and the crash-consistency test.
VERIFIER_SRCS += verifierd/store.c verifierd/export-nm.c verifierd/engine.c
UNIT_TESTS += test-store test-export-nm test-engine test-crash
