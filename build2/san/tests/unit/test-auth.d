build2/san/tests/unit/test-auth.o: tests/unit/test-auth.c \
 verifierd/auth.h verifierd/secret.h common/macros.h common/wsp.h \
 common/decode-error.h tests/unit/testutil.h
verifierd/auth.h:
verifierd/secret.h:
common/macros.h:
common/wsp.h:
common/decode-error.h:
tests/unit/testutil.h:
