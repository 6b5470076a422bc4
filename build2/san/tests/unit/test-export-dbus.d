build2/san/tests/unit/test-export-dbus.o: tests/unit/test-export-dbus.c \
 tests/unit/engine-testutil.h common/cpdoc-builder.h common/cpdoc.h \
 common/decode-error.h common/macros.h tests/unit/testutil.h \
 verifierd/config.h verifierd/secret.h common/wsp.h verifierd/engine.h \
 verifierd/export-nm.h verifierd/store.h verifierd/verdict.h \
 verifierd/../ipc/verdict.h verifierd/ota-policy.h verifierd/policy.h \
 verifierd/export-dbus.h
tests/unit/engine-testutil.h:
common/cpdoc-builder.h:
common/cpdoc.h:
common/decode-error.h:
common/macros.h:
tests/unit/testutil.h:
verifierd/config.h:
verifierd/secret.h:
common/wsp.h:
verifierd/engine.h:
verifierd/export-nm.h:
verifierd/store.h:
verifierd/verdict.h:
verifierd/../ipc/verdict.h:
verifierd/ota-policy.h:
verifierd/policy.h:
verifierd/export-dbus.h:
