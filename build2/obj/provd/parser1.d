build2/obj/provd/parser1.o: provd/parser1.c common/log.h common/macros.h \
 provd/provd.h provd/config.h ipc/ipc.h common/input.h \
 common/decode-error.h provd/quarantine.h provd/siphash.h \
 provd/ratelimit.h common/sms.h ipc/verdict.h
common/log.h:
common/macros.h:
provd/provd.h:
provd/config.h:
ipc/ipc.h:
common/input.h:
common/decode-error.h:
provd/quarantine.h:
provd/siphash.h:
provd/ratelimit.h:
common/sms.h:
ipc/verdict.h:
