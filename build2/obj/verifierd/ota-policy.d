build2/obj/verifierd/ota-policy.o: verifierd/ota-policy.c common/macros.h \
 verifierd/ota-policy.h verifierd/config.h verifierd/secret.h \
 common/wsp.h common/decode-error.h common/cpdoc.h verifierd/verdict.h \
 verifierd/../ipc/verdict.h verifierd/policy.h
common/macros.h:
verifierd/ota-policy.h:
verifierd/config.h:
verifierd/secret.h:
common/wsp.h:
common/decode-error.h:
common/cpdoc.h:
verifierd/verdict.h:
verifierd/../ipc/verdict.h:
verifierd/policy.h:
