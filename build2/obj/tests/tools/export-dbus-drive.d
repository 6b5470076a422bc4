build2/obj/tests/tools/export-dbus-drive.o: \
 tests/tools/export-dbus-drive.c common/macros.h verifierd/config.h \
 verifierd/secret.h common/wsp.h common/decode-error.h verifierd/engine.h \
 verifierd/export-nm.h verifierd/store.h common/cpdoc.h \
 verifierd/verdict.h verifierd/../ipc/verdict.h verifierd/ota-policy.h \
 verifierd/policy.h verifierd/export-dbus.h
common/macros.h:
verifierd/config.h:
verifierd/secret.h:
common/wsp.h:
common/decode-error.h:
verifierd/engine.h:
verifierd/export-nm.h:
verifierd/store.h:
common/cpdoc.h:
verifierd/verdict.h:
verifierd/../ipc/verdict.h:
verifierd/ota-policy.h:
verifierd/policy.h:
verifierd/export-dbus.h:
