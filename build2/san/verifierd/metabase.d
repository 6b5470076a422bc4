build2/san/verifierd/metabase.o: verifierd/metabase.c verifierd/config.h \
 verifierd/secret.h common/macros.h common/wsp.h common/decode-error.h \
 verifierd/policy.h common/cpdoc.h verifierd/ota-policy.h \
 verifierd/verdict.h verifierd/../ipc/verdict.h
verifierd/config.h:
verifierd/secret.h:
common/macros.h:
common/wsp.h:
common/decode-error.h:
verifierd/policy.h:
common/cpdoc.h:
verifierd/ota-policy.h:
verifierd/verdict.h:
verifierd/../ipc/verdict.h:
