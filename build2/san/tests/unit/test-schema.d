build2/san/tests/unit/test-schema.o: tests/unit/test-schema.c \
 common/cpdoc.h common/decode-error.h common/macros.h common/schema.h \
 tests/unit/testutil.h
common/cpdoc.h:
common/decode-error.h:
common/macros.h:
common/schema.h:
tests/unit/testutil.h:
