# verifierd/engine.mk: the store, the NetworkManager exporter and the engine pipeline (issue 3),
# with their unit tests and the crash-consistency test.
VERIFIER_SRCS += verifierd/store.c verifierd/store-migrate.c verifierd/store-pushes.c verifierd/store-pending.c \
                 verifierd/store-documents.c verifierd/store-settings.c verifierd/store-certs.c \
                 verifierd/store-retention.c verifierd/store-nm-files.c verifierd/export-nm.c verifierd/engine.c
UNIT_TESTS += test-store test-export-nm test-engine test-crash
