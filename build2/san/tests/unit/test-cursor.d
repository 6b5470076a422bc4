build2/san/tests/unit/test-cursor.o: tests/unit/test-cursor.c \
 common/cursor.h tests/unit/testutil.h
common/cursor.h:
tests/unit/testutil.h:
