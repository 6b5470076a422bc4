build2/obj/verifierd/main.o: verifierd/main.c ipc/buswatch.h \
 verifierd/certstore.h verifierd/config.h verifierd/secret.h \
 common/macros.h common/wsp.h common/decode-error.h common/cpdoc.h \
 verifierd/engine.h verifierd/export-nm.h verifierd/store.h \
 verifierd/verdict.h verifierd/../ipc/verdict.h verifierd/ota-policy.h \
 verifierd/policy.h verifierd/export-dbus.h verifierd/export-worker.h \
 verifierd/imsi.h verifierd/export-nm-load.h ipc/ipc.h \
 verifierd/log-ratelimit.h common/log.h ipc/mms-settings.h \
 common/summary.h
ipc/buswatch.h:
verifierd/certstore.h:
verifierd/config.h:
verifierd/secret.h:
common/macros.h:
common/wsp.h:
common/decode-error.h:
common/cpdoc.h:
verifierd/engine.h:
verifierd/export-nm.h:
verifierd/store.h:
verifierd/verdict.h:
verifierd/../ipc/verdict.h:
verifierd/ota-policy.h:
verifierd/policy.h:
verifierd/export-dbus.h:
verifierd/export-worker.h:
verifierd/imsi.h:
verifierd/export-nm-load.h:
ipc/ipc.h:
verifierd/log-ratelimit.h:
common/log.h:
ipc/mms-settings.h:
common/summary.h:
