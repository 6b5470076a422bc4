build2/san/verifierd/export-nm.o: verifierd/export-nm.c \
 verifierd/export-dbus.h verifierd/config.h verifierd/secret.h \
 common/macros.h common/wsp.h common/decode-error.h verifierd/engine.h \
 verifierd/export-nm.h verifierd/store.h common/cpdoc.h \
 verifierd/verdict.h verifierd/../ipc/verdict.h verifierd/ota-policy.h \
 verifierd/policy.h
verifierd/export-dbus.h:
verifierd/config.h:
verifierd/secret.h:
common/macros.h:
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
