build2/obj/provd/intake.o: provd/intake.c common/log.h common/macros.h \
 common/pipeline.h common/cpdoc.h common/decode-error.h common/input.h \
 common/sms.h common/wsp.h provd/provd.h provd/config.h ipc/ipc.h \
 provd/quarantine.h provd/siphash.h provd/ratelimit.h common/summary.h \
 ipc/verdict.h
common/log.h:
common/macros.h:
common/pipeline.h:
common/cpdoc.h:
common/decode-error.h:
common/input.h:
common/sms.h:
common/wsp.h:
provd/provd.h:
provd/config.h:
ipc/ipc.h:
provd/quarantine.h:
provd/siphash.h:
provd/ratelimit.h:
common/summary.h:
ipc/verdict.h:
