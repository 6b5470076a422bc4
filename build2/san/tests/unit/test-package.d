build2/san/tests/unit/test-package.o: tests/unit/test-package.c \
 tests/unit/engine-testutil.h common/cpdoc-builder.h common/cpdoc.h \
 common/decode-error.h common/macros.h tests/unit/pkg-testutil.h \
 tests/unit/testutil.h verifierd/engine.h verifierd/config.h \
 verifierd/secret.h common/wsp.h verifierd/export-nm.h verifierd/store.h \
 verifierd/verdict.h verifierd/../ipc/verdict.h verifierd/policy.h \
 verifierd/package.h verifierd/certstore.h
tests/unit/engine-testutil.h:
common/cpdoc-builder.h:
common/cpdoc.h:
common/decode-error.h:
common/macros.h:
tests/unit/pkg-testutil.h:
tests/unit/testutil.h:
verifierd/engine.h:
verifierd/config.h:
verifierd/secret.h:
common/wsp.h:
verifierd/export-nm.h:
verifierd/store.h:
verifierd/verdict.h:
verifierd/../ipc/verdict.h:
verifierd/policy.h:
verifierd/package.h:
verifierd/certstore.h:
