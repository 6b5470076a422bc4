build2/san/verifierd/imsi.o: verifierd/imsi.c ipc/buswatch.h \
 verifierd/imsi.h verifierd/config.h verifierd/secret.h common/macros.h \
 common/wsp.h common/decode-error.h verifierd/engine.h \
 verifierd/export-nm.h verifierd/store.h common/cpdoc.h \
 verifierd/verdict.h verifierd/../ipc/verdict.h verifierd/ota-policy.h \
 verifierd/policy.h common/log.h
ipc/buswatch.h:
verifierd/imsi.h:
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
common/log.h:
