build2/obj/provd/config.o: provd/config.c provd/config.h ipc/ipc.h \
 common/log.h common/macros.h common/sms.h common/decode-error.h
provd/config.h:
ipc/ipc.h:
common/log.h:
common/macros.h:
common/sms.h:
common/decode-error.h:
