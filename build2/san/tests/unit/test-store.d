build2/san/tests/unit/test-store.o: tests/unit/test-store.c \
 tests/unit/engine-testutil.h common/cpdoc-builder.h common/cpdoc.h \
 common/decode-error.h common/macros.h verifierd/store.h \
 verifierd/verdict.h verifierd/../ipc/verdict.h tests/unit/testutil.h
tests/unit/engine-testutil.h:
common/cpdoc-builder.h:
common/cpdoc.h:
common/decode-error.h:
common/macros.h:
verifierd/store.h:
verifierd/verdict.h:
verifierd/../ipc/verdict.h:
tests/unit/testutil.h:
