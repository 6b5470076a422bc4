build2/san/tests/unit/test-policy.o: tests/unit/test-policy.c \
 common/cpdoc-builder.h common/cpdoc.h common/decode-error.h \
 verifierd/auth.h verifierd/secret.h common/macros.h common/wsp.h \
 verifierd/config.h verifierd/policy.h verifierd/verdict.h \
 verifierd/../ipc/verdict.h tests/unit/testutil.h
common/cpdoc-builder.h:
common/cpdoc.h:
common/decode-error.h:
verifierd/auth.h:
verifierd/secret.h:
common/macros.h:
common/wsp.h:
verifierd/config.h:
verifierd/policy.h:
verifierd/verdict.h:
verifierd/../ipc/verdict.h:
tests/unit/testutil.h:
