build2/san/tests/unit/test-export-nm.o: tests/unit/test-export-nm.c \
 tests/unit/engine-testutil.h common/cpdoc-builder.h common/cpdoc.h \
 common/decode-error.h common/macros.h tests/unit/testutil.h \
 verifierd/export-nm.h verifierd/store.h verifierd/verdict.h \
 verifierd/../ipc/verdict.h common/wsp.h
tests/unit/engine-testutil.h:
common/cpdoc-builder.h:
common/cpdoc.h:
common/decode-error.h:
common/macros.h:
tests/unit/testutil.h:
verifierd/export-nm.h:
verifierd/store.h:
verifierd/verdict.h:
verifierd/../ipc/verdict.h:
common/wsp.h:
