build2/obj/verifierd/config.o: verifierd/config.c verifierd/auth.h \
 verifierd/secret.h common/macros.h common/wsp.h common/decode-error.h \
 verifierd/certstore.h verifierd/config.h common/cpdoc.h \
 verifierd/ota-policy.h verifierd/verdict.h verifierd/../ipc/verdict.h \
 verifierd/policy.h
verifierd/auth.h:
verifierd/secret.h:
common/macros.h:
common/wsp.h:
common/decode-error.h:
verifierd/certstore.h:
verifierd/config.h:
common/cpdoc.h:
verifierd/ota-policy.h:
verifierd/verdict.h:
verifierd/../ipc/verdict.h:
verifierd/policy.h:
