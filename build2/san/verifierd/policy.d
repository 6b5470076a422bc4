build2/san/verifierd/policy.o: verifierd/policy.c verifierd/policy.h \
 verifierd/config.h verifierd/secret.h common/macros.h common/wsp.h \
 common/decode-error.h common/cpdoc.h verifierd/ota-policy.h \
 verifierd/verdict.h verifierd/../ipc/verdict.h
verifierd/policy.h:
verifierd/config.h:
verifierd/secret.h:
common/macros.h:
common/wsp.h:
common/decode-error.h:
common/cpdoc.h:
verifierd/ota-policy.h:
verifierd/verdict.h:
verifierd/../ipc/verdict.h:
