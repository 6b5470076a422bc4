build2/san/tests/unit/test-pending-doc.o: tests/unit/test-pending-doc.c \
 tests/unit/engine-testutil.h common/cpdoc-builder.h common/cpdoc.h \
 common/decode-error.h common/macros.h tests/unit/pkg-testutil.h \
 tests/unit/testutil.h verifierd/auth.h verifierd/secret.h common/wsp.h \
 verifierd/engine.h verifierd/config.h verifierd/export-nm.h \
 verifierd/store.h verifierd/verdict.h verifierd/../ipc/verdict.h \
 verifierd/policy.h
tests/unit/engine-testutil.h:
common/cpdoc-builder.h:
common/cpdoc.h:
common/decode-error.h:
common/macros.h:
tests/unit/pkg-testutil.h:
tests/unit/testutil.h:
verifierd/auth.h:
verifierd/secret.h:
common/wsp.h:
verifierd/engine.h:
verifierd/config.h:
verifierd/export-nm.h:
verifierd/store.h:
verifierd/verdict.h:
verifierd/../ipc/verdict.h:
verifierd/policy.h:
