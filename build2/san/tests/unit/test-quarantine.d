build2/san/tests/unit/test-quarantine.o: tests/unit/test-quarantine.c \
 provd/quarantine.h provd/siphash.h tests/unit/testutil.h
provd/quarantine.h:
provd/siphash.h:
tests/unit/testutil.h:
