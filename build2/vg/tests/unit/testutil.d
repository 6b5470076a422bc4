build2/vg/tests/unit/testutil.o: tests/unit/testutil.c \
 tests/unit/testutil.h
tests/unit/testutil.h:
