build2/obj/verifierd/export-worker.o: verifierd/export-worker.c \
 verifierd/export-worker.h verifierd/export-dbus.h verifierd/config.h \
 verifierd/secret.h common/macros.h common/wsp.h common/decode-error.h \
 verifierd/engine.h verifierd/export-nm.h verifierd/store.h \
 common/cpdoc.h verifierd/verdict.h verifierd/../ipc/verdict.h \
 verifierd/ota-policy.h verifierd/policy.h
verifierd/export-worker.h:
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
