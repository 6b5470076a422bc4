build2/vg/verifierd/package.o: verifierd/package.c verifierd/package.h \
 verifierd/certstore.h verifierd/config.h verifierd/secret.h \
 common/macros.h common/wsp.h common/decode-error.h common/cpdoc.h \
 verifierd/verdict.h verifierd/../ipc/verdict.h
verifierd/package.h:
verifierd/certstore.h:
verifierd/config.h:
verifierd/secret.h:
common/macros.h:
common/wsp.h:
common/decode-error.h:
common/cpdoc.h:
verifierd/verdict.h:
verifierd/../ipc/verdict.h:
