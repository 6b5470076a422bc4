build2/obj/verifierd/engine.o: verifierd/engine.c verifierd/auth.h \
 verifierd/secret.h common/macros.h common/wsp.h common/decode-error.h \
 verifierd/certstore.h verifierd/config.h common/cpdoc.h \
 verifierd/engine.h verifierd/export-nm.h verifierd/store.h \
 verifierd/verdict.h verifierd/../ipc/verdict.h verifierd/ota-policy.h \
 verifierd/policy.h verifierd/package.h verifierd/store-policy.h \
 common/summary.h
verifierd/auth.h:
verifierd/secret.h:
common/macros.h:
common/wsp.h:
common/decode-error.h:
verifierd/certstore.h:
verifierd/config.h:
common/cpdoc.h:
verifierd/engine.h:
verifierd/export-nm.h:
verifierd/store.h:
verifierd/verdict.h:
verifierd/../ipc/verdict.h:
verifierd/ota-policy.h:
verifierd/policy.h:
verifierd/package.h:
verifierd/store-policy.h:
common/summary.h:
