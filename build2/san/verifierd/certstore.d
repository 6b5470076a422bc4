build2/san/verifierd/certstore.o: verifierd/certstore.c \
 verifierd/certstore.h verifierd/config.h verifierd/secret.h \
 common/macros.h common/wsp.h common/decode-error.h common/cpdoc.h \
 verifierd/policy.h verifierd/ota-policy.h verifierd/verdict.h \
 verifierd/../ipc/verdict.h
verifierd/certstore.h:
verifierd/config.h:
verifierd/secret.h:
common/macros.h:
common/wsp.h:
common/decode-error.h:
common/cpdoc.h:
verifierd/policy.h:
verifierd/ota-policy.h:
verifierd/verdict.h:
verifierd/../ipc/verdict.h:
