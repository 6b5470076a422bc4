build2/obj/verifierd/store-policy.o: verifierd/store-policy.c \
 common/macros.h verifierd/store-policy.h verifierd/store.h \
 common/cpdoc.h common/decode-error.h verifierd/verdict.h \
 verifierd/../ipc/verdict.h
common/macros.h:
verifierd/store-policy.h:
verifierd/store.h:
common/cpdoc.h:
common/decode-error.h:
verifierd/verdict.h:
verifierd/../ipc/verdict.h:
