build2/san/verifierd/store.o: verifierd/store.c common/macros.h \
 verifierd/store-policy.h verifierd/store.h common/cpdoc.h \
 common/decode-error.h verifierd/verdict.h verifierd/../ipc/verdict.h
common/macros.h:
verifierd/store-policy.h:
verifierd/store.h:
common/cpdoc.h:
common/decode-error.h:
verifierd/verdict.h:
verifierd/../ipc/verdict.h:
